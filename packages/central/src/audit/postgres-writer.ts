/**
 * The audit log's PostgreSQL batch writer: one transaction per batch on a connection of
 * its own, with the rows streamed by COPY. COPY costs the server about half of what an
 * INSERT of the same rows does (no per-row expression evaluation or JSON parsing: 12
 * against 22 µs a row here), and the server's work comes out of the same CPUs as the
 * gateway's.
 *
 * A batch is one round trip when this writer wrote the batch before it: the statement
 * that moves the head row only matches the head this writer left, so the transaction
 * fails (and nothing is written) when another replica wrote in between. The writer then
 * takes the head row's lock, reads it and chains the batch after it (two round trips),
 * and goes on that way while other replicas write between its batches, so that busy
 * replicas do not send each batch twice.
 * Each round trip is a single write: the query, the rows (CopyData) and CopyDone leave
 * together, which PostgreSQL's protocol allows for COPY inside a simple Query message.
 */
import type { Client } from 'pg';
import { type AuditRow, chain, HASHED_COLUMNS, HEAD_MISSING, type UnchainedRow } from './chain.ts';

/** Every column of audit_log, in the order each COPY line lists them. */
const COLUMNS = [...HASHED_COLUMNS, 'hash'] as const satisfies ReadonlyArray<keyof AuditRow>;

/** The COPY statement of a batch: its rows follow as {@link copyText}. */
export const COPY_AUDIT_LOG = `copy audit_log (${COLUMNS.join(', ')}) from stdin`;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = new RegExp(SPECIAL.source, 'g');
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format: `\N` for null, and backslash escapes for the four characters that need one. */
function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string) : value;
}

/** Rows as COPY's text format: one line each, tab-separated, in {@link COLUMNS} order. */
export function copyText(rows: readonly AuditRow[]): string {
  let text = '';
  for (const row of rows) {
    let line = copyValue(row[COLUMNS[0]]);
    for (let i = 1; i < COLUMNS.length; i++)
      line += `\t${copyValue(row[COLUMNS[i] as (typeof COLUMNS)[number]])}`;
    text += `${line}\n`;
  }
  return text;
}

/** The part of node-postgres's connection a query object writes to (what pg-copy-streams uses too). */
interface PgConnection {
  stream: NodeJS.WritableStream & { cork(): void; uncork(): void };
  query(text: string): void;
}

/** CopyDone: type `c`, length 4. */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/**
 * One simple-protocol Query whose statements include {@link COPY_AUDIT_LOG}, submitted to a pg
 * `Client` as a query object: the Query message, the COPY data as one CopyData message and
 * CopyDone go out in one write, without waiting for the server's CopyInResponse. If a
 * statement before the COPY fails, the server skips the rest of the Query and drops the
 * CopyData and CopyDone that follow it, as the protocol specifies.
 */
class CopyInQuery {
  readonly #text: string;
  readonly #data: Buffer;
  readonly #settled = Promise.withResolvers<void>();
  readonly done = this.#settled.promise;

  constructor(text: string, data: string) {
    this.#text = text;
    this.#data = Buffer.from(data, 'utf8');
  }

  submit(connection: PgConnection): void {
    const header = Buffer.allocUnsafe(5);
    header[0] = 0x64; // CopyData
    header.writeUInt32BE(this.#data.length + 4, 1);
    connection.stream.cork();
    connection.query(this.#text);
    connection.stream.write(header);
    connection.stream.write(this.#data);
    connection.stream.write(COPY_DONE);
    connection.stream.uncork();
  }

  /** pg's hook for query_timeout; none is set on this connection. */
  callback(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  /** The rows are already on their way. */
  handleCopyInResponse(): void {}
  handleError(error: Error): void {
    this.#settled.reject(error);
  }
  handleReadyForQuery(): void {
    this.#settled.resolve();
  }
}

/**
 * Sends `text`, a simple Query whose statements include {@link COPY_AUDIT_LOG}, with
 * `data` ({@link copyText}'s lines) as the COPY's data, and resolves when the server is
 * ready again (see CopyInQuery). Exported for the gateway benchmark, which puts the same
 * load on a database.
 */
export async function sendCopy(connection: Client, text: string, data: string): Promise<void> {
  const query = new CopyInQuery(text, data);
  // A query object: pg calls submit and the handlers; its answer is `done`.
  connection.query(query as unknown as Parameters<Client['query']>[0]);
  await query.done;
}

/** An error PostgreSQL answered with (the connection is still usable), not a broken connection. */
function fromServer(error: unknown): boolean {
  return typeof (error as { severity?: unknown } | null)?.severity === 'string';
}

/**
 * Writes batches through a connection `connect` opens (see the file's comment). A failed
 * batch rolls back; a connection that cannot is dropped, and the next batch opens another.
 */
export function postgresBatchWriter(connect: () => Promise<Client>) {
  type Head = { seq: number; hash: string };
  let client: Client | undefined;
  /** The head this writer's last batch left. */
  let head: Head | undefined;
  /** Another writer wrote between this writer's last two batches: take the lock first. */
  let contended = false;
  const forget = () => {
    client = undefined;
    head = undefined;
  };
  const end = async () => {
    const ending = client;
    forget();
    await ending?.end().catch(() => {});
  };

  /** One round trip: moves the head only from where this writer left it, then the rows. */
  async function afterOwnHead(connection: Client, from: Head, rows: UnchainedRow[]): Promise<AuditRow[]> {
    const chained = chain(rows, from);
    const last = chained.at(-1) as AuditRow;
    // `1 / 0` fails the transaction when the head is not where this writer left it.
    const moveHead =
      `with moved as (update audit_head set seq = ${last.seq}, hash = ${connection.escapeLiteral(last.hash)}` +
      ` where id = 1 and seq = ${from.seq} and hash = ${connection.escapeLiteral(from.hash)} returning 1)` +
      ' select 1 / count(*)::int from moved';
    await sendCopy(connection, `begin; ${moveHead}; ${COPY_AUDIT_LOG}; commit`, copyText(chained));
    return chained;
  }

  /** Two round trips: the head row's lock and value, then the rows chained after it. */
  async function afterLockedHead(connection: Client, rows: UnchainedRow[], rollbackFirst: boolean) {
    const results = (await connection.query(
      `${rollbackFirst ? 'rollback; ' : ''}begin; select seq, hash from audit_head where id = 1 for update`,
    )) as unknown as { rows: { seq: string; hash: string }[] }[];
    const found = results.at(-1)?.rows[0];
    if (!found) throw new Error(HEAD_MISSING);
    const from: Head = { seq: Number(found.seq), hash: found.hash };
    const chained = chain(rows, from);
    const last = chained.at(-1) as AuditRow;
    const moveHead = `update audit_head set seq = ${last.seq}, hash = ${connection.escapeLiteral(last.hash)} where id = 1`;
    await sendCopy(connection, `${COPY_AUDIT_LOG}; ${moveHead}; commit`, copyText(chained));
    return { from, chained };
  }

  return {
    async write(rows: UnchainedRow[]): Promise<number[]> {
      if (rows.length === 0) return [];
      if (client === undefined) {
        const opened = await connect();
        // A connection the server closed while idle (a restart, a terminated backend) is
        // replaced before the next batch instead of failing it.
        opened.once('end', () => {
          if (client === opened) forget();
        });
        client = opened;
      }
      const connection = client;
      const own = head !== undefined && !contended ? head : undefined;
      try {
        let chained: AuditRow[] | undefined;
        if (own !== undefined) {
          try {
            chained = await afterOwnHead(connection, own, rows);
          } catch (error) {
            // Another writer moved the head (or the server refused the batch: the locked
            // path meets the same refusal and reports it). A broken connection fails the batch.
            if (!fromServer(error)) throw error;
          }
        }
        if (chained === undefined) {
          const locked = await afterLockedHead(connection, rows, own !== undefined);
          contended = head !== undefined && (locked.from.seq !== head.seq || locked.from.hash !== head.hash);
          chained = locked.chained;
        }
        const last = chained.at(-1) as AuditRow;
        head = { seq: last.seq, hash: last.hash };
        return chained.map((row) => row.seq);
      } catch (error) {
        head = undefined;
        await connection.query('rollback').catch(end);
        throw error;
      }
    },
    close: end,
  };
}
