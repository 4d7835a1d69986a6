// Benchmark: the relay's memory, request latency and throughput, login cost and scheduler planning
// tick. The relay is bench/relay-server.ts, bundled with esbuild and run on plain Node in a child
// process on 127.0.0.1, over a fresh temp data directory, with the scheduler off.
//
// Usage: node --conditions=source --import tsx bench/relay-load.ts [sqlite] [postgres]
// (default both). PostgreSQL runs in a private cluster from testkit's startPostgres, which needs
// Debian's postgresql package. SQLite takes about 50 s and PostgreSQL about 80 s. Results go to
// stdout as Markdown tables. Copy them into BENCHMARKS.md with the machine's description.
//
// Load comes from a fixed number of workers (CONCURRENCY) that each send one request, read the
// whole response and send the next, so latency includes queueing in the relay. This process
// generates the load and the relay is the child, one core each on a 2-core machine. PostgreSQL
// shares the same two cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, type Plugin } from 'esbuild';
import { Kysely, type Insertable, type LogEvent } from 'kysely';
import { createSealer, silentLogger } from '@certpilot/core';
import { startPostgres, type PostgresCluster } from '@certpilot/testkit/postgres';
import { openPostgres } from '../relay/src/db/postgres.js';
import type { CertificatesTable, RelayDatabase, RenewalJobsTable } from '../relay/src/db/schema.js';
import { openSqlite } from '../relay/src/db/sqlite.js';
import { dueJobIds } from '../relay/src/jobs/claims.js';
import { DbJobStore } from '../relay/src/jobs/job-store.js';
import { planDueSites } from '../relay/src/scheduler/planner.js';

type DatabaseKind = 'sqlite' | 'postgres';

const CONCURRENCY = 8;
const SERVER = new URL('relay-server.ts', import.meta.url).pathname;
const PASSWORD = 'Bench-password-42';
const DAY_MS = 86_400_000;
/** /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ), which is 100 per second on Linux (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;
const SITE_COUNTS = [10, 200, 2000];
/** Requests per GET /sites case. The 10-site case also provides the 10,000 requests of the memory figure. */
const SITE_LIST_REQUESTS: Record<number, number> = { 10: 10_000, 200: 2_000, 2000: 300 };
const REPORT_SITES = 50;
/** Below the relay's limit of 120 reports per agent per hour (`DEFAULT_REPORT_LIMITS`). */
const REPORTS_PER_AGENT = 100;
const REPORT_AGENTS = 16;
const CLOUD_SITES = 2000;
const PLANNER_TICKS = 10;
/** The baseline child, which reports in and then idles. The interval keeps it alive, because the IPC channel alone does not. */
const BASELINE_SCRIPT = "process.send({ url: '' }); setInterval(() => {}, 60_000);";

/** Requests sent to the relay so far, for the memory table. */
let requestsSent = 0;

interface Relay {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

interface LoadResult {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** The relay process's user plus system CPU time per request. */
  cpuMsPerRequest: number;
}

/**
 * Bundles bench/relay-server.ts with the workspace's TypeScript sources into `dir`, so the relay
 * runs on plain Node as it does in production (from relay/dist) and not under tsx. The tsx loader
 * added about 70 MB of idle RSS (225 against 157 MB, one run on the machine in BENCHMARKS.md).
 * Packages from node_modules stay separate modules, imported by absolute path so that the bundle
 * runs from a temp dir. `@certpilot/core` among them comes from core/dist, so run `npm run build`
 * first. Bundling core as well would change its module order: esbuild wraps modules reached by
 * the relay's lazy `import()` of the cloud SDKs, and a constant of core was then read before it
 * was set. The console and install-script routes find no files next to the bundle
 * and return 503, but nothing here requests them.
 */
async function bundleServer(dir: string): Promise<string> {
  const outfile = join(dir, 'relay-server.mjs');
  const externalPackages: Plugin = {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [SERVER],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    plugins: [externalPackages],
    logLevel: 'warning',
  });
  return outfile;
}

/** Starts `argv` (a Node script and its arguments) with an IPC channel and waits for its `{ url }` message. */
async function startChild(dir: string, argv: string[], env: Record<string, string>): Promise<Relay> {
  const logFile = join(dir, 'relay.log');
  // The relay's request log goes to a file, as under systemd or a log shipper, rather than
  // through a pipe this process would have to drain while it generates load.
  const log = await open(logFile, 'a');
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', log.fd, 'ipc'],
  });
  await log.close();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code, signal) =>
      reject(new Error(`the relay exited (${signal ?? code}) before listening; see ${logFile}`)),
    );
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startRelay(dir: string, server: string, databaseUrl: string): Promise<Relay> {
  const options = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    sealingKeyFile: join(dir, 'sealing.key'),
    scheduler: false,
  };
  return startChild(dir, [server], { CERTPILOT_BENCH_RELAY_OPTIONS: JSON.stringify(options) });
}

/** Resident set size and its peak (VmHWM) of process `pid`, in MB, from /proc. */
async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** User plus system CPU time that process `pid` has used so far, in ms. */
async function cpuMsOf(pid: number): Promise<number> {
  // The command name in field 2 may contain spaces, so fields are counted after its closing ')'.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Sends one API request and returns the parsed JSON body. Throws unless the status is `expected`. */
async function api(
  relay: Relay,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expected?: number } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- setup code reads whatever the API returns
): Promise<any> {
  requestsSent += 1;
  const response = await fetch(`${relay.url}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (response.status !== (options.expected ?? 200)) {
    throw new Error(`${method} ${path}: status ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** Registers `account`, logs in and returns the user id and the session token. */
async function newUser(relay: Relay, account: string): Promise<{ id: string; token: string }> {
  await api(relay, 'POST', '/auth/register', { body: { account, name: account, password: PASSWORD }, expected: 201 });
  const login = await api(relay, 'POST', '/auth/login', { body: { account, password: PASSWORD } });
  return { id: login.user.id, token: login.token };
}

/**
 * Runs `send(index)` `count` times from `concurrency` workers, or until `maxSeconds` have passed,
 * after `warmUp` unmeasured calls. Returns latency percentiles, throughput and the relay's CPU time.
 */
async function load(
  relay: Relay,
  send: (index: number) => Promise<void>,
  {
    count,
    maxSeconds = 30,
    warmUp = 0,
    concurrency = CONCURRENCY,
  }: Partial<{ warmUp: number; concurrency: number; maxSeconds: number }> & {
    count: number;
  },
): Promise<LoadResult> {
  for (let index = 0; index < warmUp; index++) await send(index);
  const latencies: number[] = [];
  const cpuBefore = await cpuMsOf(relay.child.pid!);
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  let issued = 0;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      const index = warmUp + issued++;
      const sent = performance.now();
      await send(index);
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = (await cpuMsOf(relay.child.pid!)) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))]!;
  return {
    requests: latencies.length,
    seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    cpuMsPerRequest: cpuMs / latencies.length,
  };
}

/** Sends a request and reads the whole body without parsing it, so the client stays cheap. */
async function request(url: string, init: RequestInit, expected: number): Promise<void> {
  requestsSent += 1;
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (response.status !== expected) throw new Error(`${init.method ?? 'GET'} ${url}: status ${response.status}`);
}

function row(endpoint: string, scenario: string, result: LoadResult, concurrency = CONCURRENCY): string {
  return `| ${endpoint} | ${scenario} | ${result.requests} | ${concurrency} | ${result.p50Ms.toFixed(1)} | ${result.p99Ms.toFixed(1)} | ${(result.requests / result.seconds).toFixed(0)} | ${result.cpuMsPerRequest.toFixed(2)} |`;
}

/** Builds the report that an agent with REPORT_SITES nginx sites sends after a run with nothing due. */
function agentReport(agent: number): string {
  const notAfter = new Date(Date.now() + 70 * DAY_MS).toISOString();
  return JSON.stringify({
    command: 'renew',
    agentVersion: '0.1.0',
    hostname: `web${agent}.bench.test`,
    runAt: new Date().toISOString(),
    sites: Array.from({ length: REPORT_SITES }, (_, site) => ({
      siteId: `/etc/nginx/sites-enabled/site${site}.conf:server:1`,
      names: [`site${site}.web${agent}.bench.test`, `www.site${site}.web${agent}.bench.test`],
      outcome: 'not-due',
      serial: randomBytes(16).toString('hex'),
      notAfter,
      daysLeft: 70,
    })),
  });
}

/** Opens the relay's (already migrated) database with a Kysely `log` hook that records each query's time. */
async function openTimedDatabase(
  kind: DatabaseKind,
  databaseUrl: string,
  queryMs: number[],
): Promise<Kysely<RelayDatabase>> {
  const dialect =
    kind === 'sqlite'
      ? await openSqlite(databaseUrl.slice('sqlite://'.length))
      : (await openPostgres(databaseUrl, silentLogger())).dialect;
  return new Kysely<RelayDatabase>({
    dialect,
    log: (event: LogEvent) => {
      if (event.level === 'query') queryMs.push(event.queryDurationMillis);
    },
  });
}

/**
 * Inserts CLOUD_SITES qiniu-cdn sites for `userId`, each with three certificates and three `done`
 * renewal jobs 60 days apart. The newest certificate is 80 days from expiry, so none is due.
 * Inserted directly because the API would need a real CA to issue them. The PEM and sealed key
 * columns contain placeholders, because neither the sites list nor the planner reads them.
 */
async function insertCloudSites(
  db: Kysely<RelayDatabase>,
  userId: string,
  credentials: { qiniu: string; aliyun: string },
): Promise<void> {
  const now = Date.now();
  const at = (ms: number) => new Date(ms).toISOString();
  const sites = Array.from({ length: CLOUD_SITES }, (_, index) => ({
    id: randomUUID(),
    user_id: userId,
    origin: 'qiniu-cdn',
    domain: `cdn${index}.cloud.bench.test`,
    credential_id: credentials.qiniu,
    config: JSON.stringify({ 'challenge.credentialId': credentials.aliyun }),
    status: 'active',
    create_time: at(now - 200 * DAY_MS),
    update_time: at(now - 200 * DAY_MS),
    delete_time: null,
  }));
  const certificates: Insertable<CertificatesTable>[] = [];
  const jobs: Insertable<RenewalJobsTable>[] = [];
  for (const site of sites) {
    for (let age = 0; age < 3; age++) {
      const notBefore = now - 10 * DAY_MS - age * 60 * DAY_MS;
      certificates.push({
        id: randomUUID(),
        user_id: userId,
        site_id: site.id,
        serial: randomBytes(16).toString('hex'),
        names: JSON.stringify([site.domain]),
        not_before: at(notBefore),
        not_after: at(notBefore + 90 * DAY_MS),
        fingerprint: randomBytes(32).toString('hex'),
        certificate_pem: 'bench placeholder',
        private_key_sealed: 'bench placeholder',
        create_time: at(notBefore),
        update_time: at(notBefore),
        delete_time: null,
      });
      jobs.push({
        id: randomUUID(),
        user_id: userId,
        site_id: site.id,
        state: 'done',
        record: '{}',
        next_run_at: at(notBefore - 60_000),
        claimed_by: null,
        claimed_until: null,
        last_error: null,
        create_time: at(notBefore - 60_000),
        update_time: at(notBefore),
      });
    }
  }
  // Batches stay under SQLite's limit of bound parameters per statement (32,766 since SQLite 3.32).
  const inBatches = async <T>(rows: T[], insert: (batch: T[]) => Promise<unknown>) => {
    for (let start = 0; start < rows.length; start += 500) await insert(rows.slice(start, start + 500));
  };
  await db.transaction().execute(async (trx) => {
    await inBatches(sites, (batch) => trx.insertInto('user_sites').values(batch).execute());
    await inBatches(certificates, (batch) => trx.insertInto('certificates').values(batch).execute());
    await inBatches(jobs, (batch) => trx.insertInto('renewal_jobs').values(batch).execute());
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs every measurement on a fresh relay over `kind` and returns the Markdown tables. */
async function benchmark(kind: DatabaseKind, server: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'certpilot-bench-relay-'));
  requestsSent = 0;
  let postgres: PostgresCluster | undefined;
  let relay: Relay | undefined;
  try {
    let databaseUrl = `sqlite://${join(dir, 'relay.db')}`;
    if (kind === 'postgres') {
      postgres = await startPostgres();
      databaseUrl = await postgres.createDatabase('relay_bench');
    }
    relay = await startRelay(dir, server, databaseUrl);
    const pid = relay.child.pid!;
    // Gives start-up work (migrations, first garbage collections) time to finish before the idle figure.
    await sleep(2000);
    const memory: string[] = [];
    const idle = await memoryOf(pid);
    memory.push(`| ${kind} | idle after start | ${idle.rssMb.toFixed(0)} | ${idle.peakMb.toFixed(0)} |`);

    const timings: string[] = [];
    const creates: number[] = [];
    const listUsers = new Map<number, string>();
    for (const sites of SITE_COUNTS) {
      const user = await newUser(relay, `list${sites}`);
      listUsers.set(sites, user.token);
      const started = performance.now();
      const result = await load(
        relay,
        (index) =>
          request(
            `${relay!.url}/api/v1/sites`,
            {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.token}` },
              body: JSON.stringify({ origin: 'nginx', domain: `site${index}.list${sites}.bench.test` }),
            },
            201,
          ),
        { count: sites, maxSeconds: 120 },
      );
      creates.push(result.requests / ((performance.now() - started) / 1000));
      if (sites === 2000) timings.push(row('POST /sites (nginx)', 'creating 2,000', result));
    }

    for (const sites of SITE_COUNTS) {
      const token = listUsers.get(sites)!;
      const listed = await api(relay, 'GET', '/sites', { token });
      if (listed.sites.length !== sites) throw new Error(`expected ${sites} sites, got ${listed.sites.length}`);
      const init = { headers: { Authorization: `Bearer ${token}` } };
      const result = await load(relay, () => request(`${relay!.url}/api/v1/sites`, init, 200), {
        count: SITE_LIST_REQUESTS[sites]!,
        warmUp: 20,
      });
      timings.push(row('GET /sites', `${sites.toLocaleString('en')} nginx sites`, result));
      if (sites === 10) {
        // After the 10,000 requests of the 10-site run and the 2,210 site creations before it.
        await sleep(2000);
        const after = await memoryOf(pid);
        memory.push(
          `| ${kind} | idle after ${requestsSent.toLocaleString('en')} requests | ${after.rssMb.toFixed(0)} | ${after.peakMb.toFixed(0)} |`,
        );
      }
    }

    // Agent reports: each agent's first report inserts its 50 sites, later ones update them.
    const reporter = await newUser(relay, 'reporter');
    const agents: { token: string; body: string }[] = [];
    for (let agent = 0; agent < REPORT_AGENTS; agent++) {
      const created = await api(relay, 'POST', '/agents', {
        token: reporter.token,
        body: { name: `web${agent}` },
        expected: 201,
      });
      const enrolled = await api(relay, 'POST', '/agent/enroll', {
        body: { enrollmentToken: created.enrollmentToken, hostname: `web${agent}.bench.test`, version: '0.1.0' },
      });
      agents.push({ token: enrolled.agentToken, body: agentReport(agent) });
    }
    const postReport = (index: number) => {
      const agent = agents[index % REPORT_AGENTS]!;
      return request(
        `${relay!.url}/api/v1/agent/reports`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${agent.token}` },
          body: agent.body,
        },
        202,
      );
    };
    const firstReports = await load(relay, postReport, { count: REPORT_AGENTS });
    timings.push(row('POST /agent/reports', `first report, ${REPORT_SITES} new sites`, firstReports));
    const reports = await load(relay, postReport, {
      count: REPORT_AGENTS * (REPORTS_PER_AGENT - 1),
    });
    timings.push(row('POST /agent/reports', `${REPORT_SITES} known sites`, reports));

    // A user with 2,000 cloud sites and their certificate and job history, for the sites list's
    // status queries and for the scheduler's planning tick.
    const cloud = await newUser(relay, 'cloud');
    const credential = async (provider: 'qiniu' | 'aliyun') =>
      (
        await api(relay!, 'POST', '/credentials', {
          token: cloud.token,
          body: {
            provider,
            name: provider,
            accessKeyId: `BENCH${provider}KEY01`,
            accessKeySecret: 'bench-secret-0001',
          },
          expected: 201,
        })
      ).credential.id as string;
    const credentials = { qiniu: await credential('qiniu'), aliyun: await credential('aliyun') };
    const queryMs: number[] = [];
    let planning = '';
    const db = await openTimedDatabase(kind, databaseUrl, queryMs);
    try {
      await insertCloudSites(db, cloud.id, credentials);
      const cloudList = { headers: { Authorization: `Bearer ${cloud.token}` } };
      const cloudResult = await load(relay, () => request(`${relay!.url}/api/v1/sites`, cloudList, 200), {
        count: 300,
        warmUp: 20,
      });
      timings.push(row('GET /sites', '2,000 cloud sites, 3 certificates and 3 jobs each', cloudResult));

      const store = new DbJobStore(db, createSealer(randomBytes(32)));
      const ticks: { totalMs: number; candidatesMs: number; queries: number; dueJobsMs: number }[] = [];
      for (let tick = 0; tick < PLANNER_TICKS; tick++) {
        queryMs.length = 0;
        const started = performance.now();
        const planned = await planDueSites(db, store, silentLogger());
        if (planned !== 0) throw new Error(`planned ${planned} jobs, expected none due`);
        await dueJobIds(db, new Date(), 4);
        ticks.push({
          totalMs: performance.now() - started,
          candidatesMs: queryMs[0]!,
          queries: queryMs.length,
          dueJobsMs: queryMs.at(-1)!,
        });
      }
      planning = `| ${kind} | ${CLOUD_SITES.toLocaleString('en')} | ${median(ticks.map((tick) => tick.totalMs)).toFixed(0)} | ${median(ticks.map((tick) => tick.candidatesMs)).toFixed(1)} | ${ticks[0]!.queries} | ${median(ticks.map((tick) => tick.dueJobsMs)).toFixed(2)} |`;
    } finally {
      await db.destroy();
    }

    if (kind === 'sqlite') {
      // Login cost: one at a time shows the latency of one hash, 8 at once what the thread pool allows.
      const account = 'login';
      await newUser(relay, account);
      const login = () =>
        request(
          `${relay!.url}/api/v1/auth/login`,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ account, password: PASSWORD }),
          },
          200,
        );
      timings.push(
        row('POST /auth/login', 'one at a time', await load(relay, login, { count: 20, concurrency: 1 }), 1),
      );
      timings.push(row('POST /auth/login', `${CONCURRENCY} at once`, await load(relay, login, { count: 40 })));
    }

    await sleep(2000);
    const end = await memoryOf(pid);
    memory.push(`| ${kind} | idle at the end | ${end.rssMb.toFixed(0)} | ${end.peakMb.toFixed(0)} |`);
    return [
      `### ${kind}\n`,
      `Creating nginx sites through the API: ${creates.map((rate) => rate.toFixed(0)).join(', ')} per second ` +
        `for the ${SITE_COUNTS.join(', ')}-site users.\n`,
      '| relay process | after | RSS (MB) | peak RSS (MB) |\n|---|---|---|---|',
      ...memory,
      '',
      '| request | case | requests | concurrency | p50 (ms) | p99 (ms) | requests/s | relay CPU per request (ms) |',
      '|---|---|---|---|---|---|---|---|',
      ...timings,
      '',
      '| database | cloud sites | planning tick, median (ms) | candidate query (ms) | queries per tick | due-jobs query (ms) |',
      '|---|---|---|---|---|---|',
      planning,
    ].join('\n');
  } finally {
    await relay?.stop();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const kinds = process.argv.slice(2) as DatabaseKind[];
  for (const kind of kinds) {
    if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`unknown database ${kind}: use sqlite or postgres`);
  }
  console.log(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
      `load average ${loadavg()[0]!.toFixed(2)} at start; ${CONCURRENCY} concurrent requests unless stated.\n`,
  );
  const work = await mkdtemp(join(tmpdir(), 'certpilot-bench-relay-build-'));
  try {
    const server = await bundleServer(work);
    // Node running nothing but the IPC channel: the part of the relay's RSS that is Node itself.
    const baseline = await startChild(work, ['-e', BASELINE_SCRIPT], {});
    await sleep(2000);
    console.log(
      `Node alone (an IPC channel, no modules): ${(await memoryOf(baseline.child.pid!)).rssMb.toFixed(0)} MB RSS.\n`,
    );
    await baseline.stop();
    for (const kind of kinds.length > 0 ? kinds : (['sqlite', 'postgres'] as const)) {
      const started = performance.now();
      console.log(await benchmark(kind, server));
      console.log(`\n(${kind}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
