/**
 * Gateway benchmark: the same GET through central (user → central → tunnel → agent →
 * API server) and directly to the API server, side by side in one run, each side in
 * its own process as in production (fixture, central, a real kgate-agent, and this
 * client). Prints p50/p99 latency at 1 request in flight and throughput at 32, the
 * latency central adds in absolute terms, and the CPU each process spends per request.
 * A reference path goes through a bare Node HTTPS relay (one process, no tunnel, no
 * checks): the least any extra Node hop costs here. The paths are measured in turns,
 * several rounds, and each number is the median of its rounds, so that load from other
 * processes on the machine hits every path alike.
 *
 * A second central with the write-ahead audit log (SQLite, group commit, as kgate-central
 * runs it; and one on PostgreSQL when a server answers) measures what auditing costs: its
 * steady-state throughput ÷ the same central's without, in interleaved slices at capacity
 * (256 in flight) and at 32 in flight, with the same central against itself as the method's noise.
 *
 *   npx node bench/gateway.ts [--seconds N] [--rounds R]   (defaults 2 s, 3 rounds; ~5 min)
 *
 * Targets: p50 through ÷ direct ≤ 1.5; throughput through ÷ direct ≥ 0.5; audited
 * throughput ÷ unaudited ≥ 0.9.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const node = path.join(root, 'node_modules', '.bin', 'node');
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Math.min(Math.max(Number(values.seconds) || 2, 1), 30);
const rounds = Math.min(Math.max(Math.floor(Number(values.rounds)) || 3, 1), 20);
const resourcePath = '/api/v1/namespaces/default/configmaps/x';
/**
 * Requests in flight where the machine's CPU is the limit (more adds no req/s, with or
 * without the audit's wait): the audit slices' capacity level. Every client pool allows
 * as many sockets, so that many requests really are in flight at once.
 */
const capacityInFlight = 256;

const children: ChildProcess[] = [];

const postgresAdminUrl = process.env.KGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const benchDatabaseNames: string[] = [];

/** A fresh PostgreSQL database (`use` names it), or undefined when no server answers. */
async function benchDatabase(use: string): Promise<{ url: string } | undefined> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2000 });
  const name = `kgate_bench_${process.pid}_${use}`;
  try {
    await client.connect();
    await client.query(`create database ${name}`);
    benchDatabaseNames.push(name);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return { url: url.href };
}

async function dropBenchDatabases(): Promise<void> {
  if (benchDatabaseNames.length === 0) return;
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  for (const name of benchDatabaseNames) await client.query(`drop database if exists ${name} with (force)`);
  await client.end();
}

/** CPU time (user + system) a process has used, in ms; from /proc, so Linux only (NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}
/** CPU time of every PostgreSQL server process on this machine (backends, WAL writer, …), in ms. */
function postgresCpuMs(): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep Linux's usual 100
}

/** A started process: what it printed first, its pid, and `ask`, which sends a command line and resolves with the line it answers. */
type Started<T> = T & { pid: number | undefined; ask(command: string): Promise<string> };

function start<T>(args: string[], env: Record<string, string> = {}): Promise<Started<T>> {
  const child = spawn(node, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const ask = (command: string) =>
      new Promise<string>((answer, fail) => {
        if (child.exitCode !== null)
          return fail(new Error(`${args.join(' ')} exited with ${child.exitCode}`));
        const exited = (code: number | null) => fail(new Error(`${args.join(' ')} exited with ${code}`));
        child.once('exit', exited);
        lines.once('line', (line) => {
          child.off('exit', exited);
          answer(line);
        });
        child.stdin?.write(`${command}\n`);
      });
    lines.once('line', (line) => resolve({ ...(JSON.parse(line) as T), pid: child.pid, ask }));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

interface Target {
  name: string;
  /** The processes serving this path (besides the API server): central and agent. */
  pids: { central?: number | undefined; agent?: number | undefined };
  base: string;
  token: string;
  agent: https.Agent;
  /** An audited central's group commits and rows so far. */
  auditStats?: () => Promise<{ flushes: number; rows: number }>;
}

/**
 * One GET; resolves with its latency in ms. A request that meets a pooled connection the
 * server closed while it was idle (its keep-alive timeout) is sent once more on another,
 * as Go's http.Transport does for kubectl: each side sits idle for seconds between its
 * slices.
 */
function get(target: Target, started = performance.now(), retried = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      `${target.base}${resourcePath}`,
      {
        agent: target.agent,
        headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' },
      },
      (res) => {
        let body = '';
        if (res.statusCode === 200) res.resume();
        else res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${target.name}: HTTP ${res.statusCode}: ${body.slice(0, 500)}`)),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && request.reusedSocket && error.code === 'ECONNRESET')
        resolve(get(target, started, true));
      else reject(error);
    });
  });
}

async function latency(target: Target, ms: number): Promise<{ p50: number; p99: number; n: number }> {
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) samples.push(await get(target));
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(samples.length * q))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), n: samples.length };
}

/**
 * Throughput with `concurrency` requests in flight for `ms` after `warmupMs`: `overall` is
 * every answer over the time until the last one (ramp up and drain included), `steady`
 * only the answers within the `ms` window, per second. The steady rate does not charge a
 * side whose requests take longer for its slower start and end (each as long as a request
 * takes at that load), only for what it serves once loaded.
 */
async function load(
  target: Target,
  ms: number,
  concurrency: number,
  warmupMs = 0,
): Promise<{ overall: number; steady: number; answered: number }> {
  let inWindow = 0;
  let answered = 0;
  const started = performance.now();
  const from = started + warmupMs;
  const to = from + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < to) {
        await get(target);
        const now = performance.now();
        answered++;
        if (now >= from && now <= to) inWindow++;
      }
    }),
  );
  return {
    overall: answered / ((performance.now() - started) / 1000),
    steady: inWindow / (ms / 1000),
    answered,
  };
}

/**
 * Orders of `n` sides in which each side comes right after each other side equally often
 * (a Williams design): the work one slice leaves behind then burdens every side alike,
 * where a plain rotation has a side always follow the same neighbours.
 */
function balancedOrders(n: number): number[][] {
  const first: number[] = [0];
  for (let k = 1; first.length < n; k++) {
    first.push(k);
    if (first.length < n) first.push(n - k);
  }
  const orders = Array.from({ length: n }, (_, shift) => first.map((side) => (side + shift) % n));
  return n % 2 === 0 ? orders : [...orders, ...orders.map((order) => [...order].reverse())];
}

/** Requests per second over the time until the last request answered, not the nominal `ms`. */
async function throughput(target: Target, ms: number, concurrency = 32): Promise<number> {
  return (await load(target, ms, concurrency)).overall;
}

async function waitUntilServing(target: Target, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await get(target);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface CentralInfo {
  centralUrl: string;
  tunnelUrl: string;
  caPem: string;
  userToken: string;
  joinToken: string;
  clusterName: string;
}

/** Starts a central process and a real kgate-agent connected to it; returns the proxied target. */
async function startCentralAndAgent(
  name: string,
  centralArgs: string[],
  kubeconfig: string,
): Promise<Target> {
  const central = await start<CentralInfo>(['bench/gateway-node.ts', 'central', ...centralArgs]);
  const caFile = path.join(dir, `central-ca-${children.length}.crt`);
  await writeFile(caFile, central.caPem);
  const agentArgs = ['packages/agent/bin/kgate-agent.ts', '--central-url', central.tunnelUrl];
  agentArgs.push('--cluster-name', central.clusterName, '--central-ca', caFile, '--kubeconfig', kubeconfig);
  agentArgs.push('--log-level', 'warn');
  const agent = spawn(node, agentArgs, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
      AGENT_TOKEN: central.joinToken,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(agent);
  const target: Target = {
    name,
    pids: { central: central.pid, agent: agent.pid },
    base: `${central.centralUrl}/k8s/${central.clusterName}`,
    token: central.userToken,
    agent: new https.Agent({ keepAlive: true, ca: central.caPem, maxSockets: capacityInFlight }),
    auditStats: async () => JSON.parse(await central.ask('stats')),
  };
  await waitUntilServing(target, 20_000);
  return target;
}

interface Measured {
  p50: number;
  p99: number;
  rps: number;
  /** CPU µs per request at 32 in flight, by process. */
  cpu: { client: number; central: number; agent: number; apiserver: number };
}

let fixturePid: number | undefined;

async function measure(target: Target, ms: number): Promise<Measured> {
  const { p50, p99 } = await latency(target, ms);
  const before = {
    client: process.cpuUsage(),
    central: cpuMs(target.pids.central),
    agent: cpuMs(target.pids.agent),
    apiserver: cpuMs(fixturePid),
  };
  const rps = await throughput(target, ms);
  const requests = (rps * ms) / 1000;
  const clientUs = process.cpuUsage(before.client);
  const per = (used: number) => (used * 1000) / requests;
  return {
    p50,
    p99,
    rps,
    cpu: {
      client: (clientUs.user + clientUs.system) / requests,
      central: per(cpuMs(target.pids.central) - before.central),
      agent: per(cpuMs(target.pids.agent) - before.agent),
      apiserver: per(cpuMs(fixturePid) - before.apiserver),
    },
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'kgate-bench-'));
try {
  const cluster = await start<{ url: string; caPem: string; directToken: string; agentKubeconfig: string }>([
    'bench/gateway-node.ts',
    'cluster',
  ]);
  const kubeconfig = path.join(dir, 'agent-kubeconfig');
  await writeFile(kubeconfig, cluster.agentKubeconfig, { mode: 0o600 });
  fixturePid = cluster.pid;
  const direct: Target = {
    name: 'direct',
    pids: {},
    base: cluster.url,
    token: cluster.directToken,
    agent: new https.Agent({ keepAlive: true, ca: cluster.caPem, maxSockets: capacityInFlight }),
  };
  // The default central (an HS256 assertion per request under the agent session's key;
  // the user's token signature checked once and remembered, the user looked up on every
  // request) and one that checks the user's token signature (ES256 here) on every request.
  const byDefault = await startCentralAndAgent('through central', [], kubeconfig);
  const uncached = await startCentralAndAgent(
    'central, token per request',
    ['--cache-tokens-ms', '0'],
    kubeconfig,
  );
  const audited = await startCentralAndAgent(
    'central, audited (SQLite)',
    ['--audit', path.join(dir, 'audit.db')],
    kubeconfig,
  );
  // The same with PostgreSQL (the production store), when this machine runs one.
  const postgres = await benchDatabase('audit');
  const auditedPg =
    postgres === undefined
      ? undefined
      : await startCentralAndAgent('central, audited (PostgreSQL)', ['--audit', postgres.url], kubeconfig);
  // The PostgreSQL server's side of that audit alone, put on another database of the same
  // server by a process of its own (see the audit section below).
  const loadDatabase = auditedPg === undefined ? undefined : await benchDatabase('load');
  const databaseLoad =
    loadDatabase === undefined
      ? undefined
      : await start<object>(['bench/gateway-node.ts', 'database-load', loadDatabase.url]);
  const caFile = path.join(dir, 'apiserver-ca.crt');
  await writeFile(caFile, cluster.caPem);
  const bare = await start<{ url: string; caPem: string }>([
    'bench/gateway-node.ts',
    'bare-proxy',
    cluster.url,
    caFile,
  ]);
  const bareProxy: Target = {
    name: 'reference: bare proxy',
    pids: { central: bare.pid },
    base: bare.url,
    token: cluster.directToken,
    agent: new https.Agent({ keepAlive: true, ca: bare.caPem, maxSockets: capacityInFlight }),
  };
  const targets = [direct, byDefault, uncached, audited, ...(auditedPg ? [auditedPg] : []), bareProxy];
  // Warm up every path (JIT, connection pools, idle tunnel streams).
  for (const target of targets) {
    await latency(target, 500);
    await throughput(target, 500);
  }
  const ms = seconds * 1000;
  const runs: Measured[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [i, target] of targets.entries()) runs[i]?.push(await measure(target, ms));
  const median = (xs: number[]) => {
    const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN);
  };
  const results: Measured[] = runs.map((rs) => ({
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    rps: median(rs.map((r) => r.rps)),
    cpu: {
      client: median(rs.map((r) => r.cpu.client)),
      central: median(rs.map((r) => r.cpu.central)),
      agent: median(rs.map((r) => r.cpu.agent)),
      apiserver: median(rs.map((r) => r.cpu.apiserver)),
    },
  }));
  const [d] = results;
  if (d === undefined) throw new Error('no measurement');

  const f = (n: number, digits: number) => n.toFixed(digits).padStart(8);
  const name = (i: number) => (targets[i]?.name ?? '').padEnd(26);
  console.log(
    `GET ${resourcePath}; median of ${rounds} rounds of ${seconds} s per measurement; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`${'path'.padEnd(26)}  p50 ms  p99 ms   req/s  p50 ÷ direct  req/s ÷ direct`);
  results.forEach((r, i) => {
    const ratios = i === 0 ? '' : `${f(r.p50 / d.p50, 2)}      ${f(r.rps / d.rps, 2)}`;
    console.log(`${name(i)}${f(r.p50, 3)}${f(r.p99, 3)}${f(r.rps, 0)}  ${ratios}`);
  });
  console.log('targets: p50 ÷ direct ≤ 1.5 (1 request in flight), req/s ÷ direct ≥ 0.5 (32 in flight)');
  // The audit's cost, interleaved: the same central code without the audit log, with it on
  // SQLite and on PostgreSQL, and the unaudited central a second time (how far one ratio
  // strays by chance), each measured in short slices within each round, in orders where
  // each side follows each other side equally often (see balancedOrders) and after a short
  // pause, so that the machine's drift, which is large here, and whatever a slice leaves
  // behind for the next hit every side alike. Measuring one store's pairs after the
  // other's made the store measured second look worse (0.92 first against 0.78–0.87
  // second for the same PostgreSQL writer). Each ratio is a side's req/s over the
  // unaudited central's in the same round; the table shows the median over the rounds.
  // Each slice counts what is answered in a window after a warm-up, while the load holds
  // (see load): at 256 in flight a request takes ~100 ms, so a slice timed from
  // its first request to its last answer spends a fifth of its time ramping up or draining,
  // and charges the audited side its longer latency there as if it were lost throughput.
  // At capacity the machine's CPU is the limit, so the ratio is what the audit costs in
  // throughput. At 32 in flight the machine has CPU left and a closed loop's rate follows
  // latency: the write-ahead wait for the disk lowers it further.
  // With PostgreSQL, one more side separates the database server's share of the cost:
  // the unaudited central while another process (gateway-node.ts database-load) writes
  // to another database of the same server what the audited central wrote in its last
  // slice: as many rows a second, in batches of the same size, through the same
  // statements. What that side loses is what a database on the same two CPUs costs,
  // whoever writes to it; the rest of PostgreSQL's loss is kgate's own.
  const sliceMs = 500;
  const warmupMs = 250;
  const settleMs = 200;
  type Side = { label: string; target: Target; databaseLoad?: true };
  const sides: Side[] = [
    { label: 'none (noise)', target: byDefault },
    { label: 'SQLite', target: audited },
    ...(auditedPg === undefined ? [] : [{ label: 'PostgreSQL', target: auditedPg }]),
    ...(databaseLoad === undefined
      ? []
      : [{ label: 'database load', target: byDefault, databaseLoad: true as const }]),
  ];
  // Slot 0 is the unaudited central every ratio divides by; the others follow it in the table.
  const slots: Side[] = [{ label: 'none', target: byDefault }, ...sides];
  const sequences = balancedOrders(slots.length);
  // At least 20 rounds, and each order as often as the others.
  const auditRounds = Math.ceil(20 / sequences.length) * sequences.length;
  console.log(
    `\naudit cost: req/s audited ÷ unaudited, median of ${auditRounds} rounds of interleaved slices, each counting a ${sliceMs} ms window after ${warmupMs} ms under load (target ≥ 0.9 at capacity, ${capacityInFlight} in flight)`,
  );
  console.log(
    `${'store'.padEnd(14)}${'in flight'.padStart(10)}  ratio   (middle half)  CPU µs/req added: central   agent  postgres  db load`,
  );
  for (const concurrency of [capacityInFlight, 32]) {
    const ratios: number[][] = slots.map(() => []);
    // Per slot, per process (central, agent, PostgreSQL's server, the database load): CPU µs per request added.
    const added: number[][][] = slots.map(() => [[], [], [], []]);
    /** What the PostgreSQL-audited central wrote in its last slice: rows a second, rows a batch. */
    let written = { rowsPerSecond: 0, rowsPerBatch: 1 };
    const slice = async (side: Side) => {
      const stats = side.target === auditedPg ? side.target.auditStats : undefined;
      const statsBefore = await stats?.();
      if (side.databaseLoad) await databaseLoad?.ask(`rate ${written.rowsPerSecond} ${written.rowsPerBatch}`);
      const cpu = () => [
        cpuMs(side.target.pids.central),
        cpuMs(side.target.pids.agent),
        postgresCpuMs(),
        cpuMs(databaseLoad?.pid),
      ];
      const cpuBefore = cpu();
      const started = performance.now();
      const { steady: rps, answered } = await load(side.target, sliceMs, concurrency, warmupMs);
      const seconds = (performance.now() - started) / 1000;
      // CPU over the whole slice (warm-up and drain included), per request answered in it.
      const cpuAfter = cpu();
      if (side.databaseLoad) await databaseLoad?.ask('stop');
      const statsAfter = await stats?.();
      if (statsBefore !== undefined && statsAfter !== undefined && statsAfter.flushes > statsBefore.flushes) {
        const rows = statsAfter.rows - statsBefore.rows;
        written = {
          rowsPerSecond: rows / seconds,
          rowsPerBatch: rows / (statsAfter.flushes - statsBefore.flushes),
        };
      }
      return { rps, cpu: cpuAfter.map((ms, i) => ((ms - (cpuBefore[i] ?? 0)) * 1000) / answered) };
    };
    // The database load's first rate: one PostgreSQL slice before the rounds.
    const postgresSide = sides.find((side) => side.target === auditedPg);
    if (postgresSide !== undefined) await slice(postgresSide);
    for (let round = 0; round < auditRounds; round++) {
      const order = sequences[round % sequences.length] as number[];
      const measured: Array<{ rps: number; cpu: number[] }> = [];
      for (const slot of order) {
        // Let what the previous slice left running (a batch's end rows, the database's
        // background writes) finish before this one starts.
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        measured[slot] = await slice(slots[slot] as Side);
      }
      const [base] = measured;
      if (base === undefined) continue;
      measured.forEach((m, slot) => {
        ratios[slot]?.push(m.rps / base.rps);
        m.cpu.forEach((us, i) => {
          added[slot]?.[i]?.push(us - (base.cpu[i] ?? 0));
        });
      });
    }
    slots.forEach(({ label }, slot) => {
      if (slot === 0) return;
      const sorted = [...(ratios[slot] ?? [])].sort((a, b) => a - b);
      const quarter = (q: number) => sorted[Math.floor((sorted.length - 1) * q)]?.toFixed(2);
      const cpu = (added[slot] ?? [])
        .map((us, i) =>
          median(us)
            .toFixed(0)
            .padStart(i === 0 ? 25 : 8),
        )
        .join('');
      console.log(
        `${label.padEnd(14)}${String(concurrency).padStart(10)}  ${median(sorted).toFixed(2)}    (${quarter(0.25)}–${quarter(0.75)})${cpu}`,
      );
    });
  }
  console.log('\nlatency central adds (through − direct), 1 request in flight');
  console.log(`${'path'.padEnd(26)}  p50 ms  p99 ms`);
  results.forEach((r, i) => {
    if (i > 0) console.log(`${name(i)}${f(r.p50 - d.p50, 3)}${f(r.p99 - d.p99, 3)}`);
  });
  console.log(
    `\nCPU µs per request at 32 in flight${clockTicks === 100 ? ' (10 ms clock ticks)' : ''}; the bare proxy's under central`,
  );
  console.log(`${'path'.padEnd(26)}  client central   agent  apiserver   total   added`);
  const directTotal = d.cpu.client + d.cpu.apiserver;
  results.forEach((r, i) => {
    const c = r.cpu;
    const total = [c.client, c.central, c.agent, c.apiserver]
      .filter((x) => !Number.isNaN(x))
      .reduce((a, b) => a + b, 0);
    const cell = (x: number) => (Number.isNaN(x) ? '       -' : f(x, 0));
    const added = i === 0 ? '' : cell(total - directTotal);
    console.log(
      `${name(i)}${cell(c.client)}${cell(c.central)}${cell(c.agent)}   ${cell(c.apiserver)}${cell(total)}${added}`,
    );
  });
} catch (error) {
  // Shown before the processes stop, so that what their stopping brings up cannot hide it.
  console.error(error);
  process.exitCode = 1;
} finally {
  // Ask each process to stop (stdin closes, or SIGTERM for the agent); kill what lingers.
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.stdin !== null) child.stdin.end();
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await rm(dir, { recursive: true, force: true });
  await dropBenchDatabases();
}
