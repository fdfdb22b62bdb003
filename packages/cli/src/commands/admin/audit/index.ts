/**
 * `kgate admin audit [--user U] [--cluster C] [--since 1h] [--verb V] [-o table|json|yaml] [-f]`
 * reads central's audit log; `-f` keeps printing new events as they are recorded.
 * `kgate admin audit verify` checks the log's hash chain for edited or deleted rows.
 */
import { formatAuditAnchor, parseAuditAnchor } from '@kgate/core/audit-anchor';
import { Command, Option } from 'commander';
import type { CliContext } from '../../../context.ts';
import { CliError, userError } from '../../../errors.ts';
import {
  type AuditEvent,
  type AuditQuery,
  listAuditRequest,
  verifyAuditRequest,
} from '../../../infrastructure/central/audit.ts';
import { cell, renderMachine, renderTable } from '../../../output/format.ts';
import { outputOption, type ReadOptions, serverOption } from '../../options.ts';

interface AuditOptions extends ReadOptions {
  user?: string;
  cluster?: string;
  since?: string;
  verb?: string;
  follow?: boolean;
  limit?: string;
}

const FOLLOW_POLL_MS = 1000;

function resourceOf(event: AuditEvent): string {
  const resource = String(event.resource ?? '');
  const sub = String(event.subresource ?? '');
  if (resource === '') return String(event.path ?? '');
  return sub === '' ? resource : `${resource}/${sub}`;
}

function rows(events: readonly AuditEvent[]): string[][] {
  return events.map((e) => [
    String(e.time ?? ''),
    cell(e.user as string | undefined),
    cell(e.cluster as string | undefined),
    cell(e.verb as string | undefined),
    cell(resourceOf(e)),
    cell(e.namespace as string | undefined),
    cell(e.name as string | undefined),
    `${String(e.decision ?? '')}${e.rule ? ` (${String(e.rule)})` : ''}`,
    e.status === null || e.status === undefined ? 'incomplete' : String(e.status),
  ]);
}

const HEADERS = ['TIME', 'USER', 'CLUSTER', 'VERB', 'RESOURCE', 'NAMESPACE', 'NAME', 'DECISION', 'STATUS'];

function render(events: readonly AuditEvent[], format: ReadOptions['output'], header: boolean): string {
  if (format === 'table') {
    const table = renderTable(HEADERS, rows(events));
    return header ? table : table.slice(table.indexOf('\n') + 1);
  }
  if (format === 'json') return events.map((e) => `${JSON.stringify(e)}\n`).join('');
  return events.map((e) => `---\n${renderMachine('yaml', e)}`).join('');
}

function verifyCommand(context: CliContext): Command {
  return new Command('verify')
    .description(
      "check the audit log's hash chain: exits 1 if a row was edited or deleted; prints the head to keep as the next run's --anchor",
    )
    .option(
      '--anchor <seq:hash>',
      'a head printed by an earlier run: also fails if the log was rewritten up to it with recomputed hashes',
    )
    .addOption(serverOption())
    .action(async (options: { server?: string; anchor?: string }) => {
      // Bad input fails here, before any login or request.
      const anchor = options.anchor === undefined ? undefined : parseAuditAnchor(options.anchor);
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const result = await verifyAuditRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
        anchor,
      );
      if (result.ok) {
        const against = anchor === undefined ? '' : `, and row ${anchor.seq} is the row the anchor names`;
        context.io.stdout.write(
          `audit log intact: ${result.rows} rows, hash chain verified${against}\n` +
            `anchor: ${formatAuditAnchor(result.head)}\n` +
            '(keep it outside central; a later `kgate admin audit verify --anchor <it>` also catches a rewritten log)\n',
        );
        return;
      }
      throw new CliError('AUDIT_TAMPERED', `audit log damaged at row ${result.seq}: ${result.problem}`, {
        hint: 'the audit log was changed outside kgate-central; restore it from a backup and investigate',
      });
    });
}

/** The `admin audit` command. */
export function adminAuditCommand(context: CliContext): Command {
  return new Command('audit')
    .description('read the audit log of API calls and proxied requests')
    .option('--user <username>', 'only this user')
    .option('--cluster <name>', 'only this cluster')
    .option('--since <when>', 'only events since a duration ago (30m, 1h, 2d) or a time (RFC 3339)')
    .option('--verb <verb>', 'only this verb (get, list, watch, create, delete, …)')
    .option('--limit <n>', 'at most this many of the newest events (default 500)')
    .addOption(new Option('-f, --follow', 'keep printing new events'))
    .addOption(serverOption())
    .addOption(outputOption())
    .addCommand(verifyCommand(context))
    .action(async (options: AuditOptions) => {
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw userError(
          'INVALID_ARGUMENT',
          `--limit "${options.limit}" is not a positive whole number`,
          'e.g. --limit 100',
        );
      const server = await context.resolveServer(options.server);
      let session = await context.freshSession(server);
      const query: AuditQuery = {
        ...(options.user === undefined ? {} : { user: options.user }),
        ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.verb === undefined ? {} : { verb: options.verb }),
        ...(limit === undefined ? {} : { limit }),
      };
      let events = await listAuditRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
        query,
      );
      context.io.stdout.write(render(events, options.output, true));
      if (options.follow !== true) return;
      let after = events.at(-1)?.seq ?? 0;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
        session = await context.freshSession(server);
        events = await listAuditRequest(context.transport, context.connection(session), session.accessToken, {
          ...query,
          after,
        });
        if (events.length === 0) continue;
        after = events.at(-1)?.seq ?? after;
        context.io.stdout.write(render(events, options.output, false));
      }
    });
}
