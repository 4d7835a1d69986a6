// Benchmark: the daily agent run that finds nothing due, against `certbot renew` on the same
// sites. Starts a private nginx with N TLS sites (certificates with 80 days left) and Pebble,
// then times repeated runs of the bundled agent (`renew`) and of certbot.
//
// Usage: npm run build && node --conditions=source --import tsx bench/agent-nothing-due.ts [N ...]
// Needs Debian packages pebble, nginx-light, certbot and /usr/bin/time. Results go to stdout as
// a Markdown table; copy them into BENCHMARKS.md with the machine's description.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, makeCertificateAuthority, startNginx, startPebble } from '@certpilot/testkit';

const DAY_MS = 86_400_000;
const RUNS = 10;
const REPO_ROOT = new URL('../', import.meta.url).pathname;
const BUNDLE = join(REPO_ROOT, 'build/out/certpilot-agent.mjs');
// Asynchronous on purpose: a blocked event loop would stop draining Pebble's output, and Pebble
// stalls once its stdout pipe is full.
const run = promisify(execFile);

interface Measurement {
  medianMs: number;
  maxRssMb: number;
}

/** Runs `argv` RUNS times under /usr/bin/time; returns the median wall time and the largest RSS. */
async function measure(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  const times: number[] = [];
  let maxRssKb = 0;
  for (let attempt = 0; attempt < RUNS; attempt++) {
    const started = process.hrtime.bigint();
    const result = await run('/usr/bin/time', ['-f', '%M', ...argv], { env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    maxRssKb = Math.max(maxRssKb, Number(result.stderr.trim().split('\n').at(-1)));
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, maxRssMb: maxRssKb / 1024 };
}

async function benchmark(siteCount: number): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-bench-'));
  await chmod(work, 0o755);
  const certs = join(work, 'certs');
  const webroot = join(work, 'webroot');
  await mkdir(certs);
  await mkdir(webroot, { recursive: true });
  const ca = await makeCertificateAuthority();
  const names = Array.from({ length: siteCount }, (_, index) => `site${index}.bench.test`);
  for (const name of names) {
    const issued = await issueCertificate(ca, {
      names: [name],
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter: new Date(Date.now() + 80 * DAY_MS),
    });
    await writeFile(join(certs, `${name}.pem`), issued.certPem + (issued.chainPem ?? ''));
    await writeFile(join(certs, `${name}.key`), issued.keyPem, { mode: 0o600 });
  }

  const nginx = await startNginx({
    serverBlocks: ([http, tls]) =>
      names
        .map(
          (
            name,
          ) => `server { listen 127.0.0.1:${http}; server_name ${name}; location ^~ /.well-known/acme-challenge/ { root ${webroot}; } }
server { listen 127.0.0.1:${tls} ssl; server_name ${name}; ssl_certificate ${certs}/${name}.pem; ssl_certificate_key ${certs}/${name}.key; }`,
        )
        .join('\n'),
  });
  const pebble = await startPebble({ http01Port: nginx.ports[0]! });
  try {
    const config = join(work, 'agent.json');
    await writeFile(
      config,
      JSON.stringify({
        acme: { directoryUrl: pebble.directoryUrl, caCertFile: pebble.caCertFile, http01Port: nginx.ports[0] },
        nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
        stateDir: join(work, 'state'),
      }),
    );
    // The first run creates the state directory and caches the directory lookup, as on a server.
    await run(process.execPath, [BUNDLE, 'renew', '--config', config]);
    const agent = await measure([process.execPath, BUNDLE, 'renew', '--config', config]);

    let certbot: Measurement | null = null;
    if (siteCount <= 20) {
      const dirs = [
        '--config-dir',
        join(work, 'le/config'),
        '--work-dir',
        join(work, 'le/work'),
        '--logs-dir',
        join(work, 'le/logs'),
      ];
      const env = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caCertFile };
      for (const name of names) {
        await run(
          'certbot',
          [
            'certonly',
            '-n',
            '--agree-tos',
            '--register-unsafely-without-email',
            '--server',
            pebble.directoryUrl,
            '--webroot',
            '-w',
            webroot,
            '-d',
            name,
            '--http-01-port',
            String(nginx.ports[0]),
            ...dirs,
          ],
          { env },
        );
      }
      certbot = await measure(['certbot', 'renew', '-n', ...dirs], env);
    }
    const row = (tool: string, result: Measurement) =>
      `| ${tool} | ${siteCount} | ${result.medianMs.toFixed(0)} | ${result.maxRssMb.toFixed(0)} |`;
    return [row('certpilot-agent renew (bundle)', agent), ...(certbot ? [row('certbot renew', certbot)] : [])].join(
      '\n',
    );
  } finally {
    await Promise.allSettled([pebble.stop(), nginx.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

const counts = process.argv.slice(2).map(Number);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${RUNS} runs each, median wall time.\n`,
);
console.log('| tool | sites | median wall time (ms) | max RSS (MB) |\n|---|---|---|---|');
for (const count of counts.length > 0 ? counts : [1, 20, 100]) console.log(await benchmark(count));
