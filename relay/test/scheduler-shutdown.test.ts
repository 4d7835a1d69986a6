import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalHost, probeCertificate } from '@certpilot/core';
import { addQiniuSite, cloudUser, waitForDone, type JobView } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, waitFor, type CloudWorld } from './support/cloud-world.js';

let world: CloudWorld;

before(async () => {
  world = await startCloudWorld();
});
after(async () => {
  await world?.stop();
});

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));

test('a relay process exits by itself once closed', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'certpilot-relay-exit-'));
  // The scheduler and the daily watch both run; nothing may keep the event loop alive after close.
  const script = `
    import { silentLogger } from '@certpilot/core';
    import { startRelay } from ${JSON.stringify(SERVER)};
    const relay = await startRelay({
      port: 0, host: '127.0.0.1', logger: silentLogger(),
      databaseUrl: 'sqlite://${join(dir, 'relay.db')}', sealingKeyFile: '${join(dir, 'sealing.key')}',
      acme: { directoryUrl: 'https://127.0.0.1:9/directory' },
      scheduler: { intervalMs: 200, jitterMs: 50, watch: { time: '00:00', timeZone: 'UTC' } },
    });
    await new Promise((done) => setTimeout(done, 500));
    await relay.close();
    console.log('closed');
  `;
  try {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 20_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.match(output, /closed/);
    assert.equal(code, 0, `the process did not exit on its own: ${output}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'a job running at shutdown finishes or is parked, and completes after a restart',
  { timeout: 90_000 },
  async () => {
    const relay = await startCloudRelay(world, await world.dataDir());
    try {
      const user = await cloudUser(relay, 'shutdown');
      const domain = 'parked.example.test';
      const siteId = await addQiniuSite(world, relay, user.token, domain);
      await waitFor('the job to start', async () => {
        const jobs = (await relay.api('GET', `/sites/${siteId}/jobs`, { token: user.token })).json.jobs as JobView[];
        return jobs.find((job) => job.state !== 'planned');
      });

      await relay.restart();
      const done = await waitForDone(relay, user.token, siteId);
      const jobs = (await relay.api('GET', `/sites/${siteId}/jobs`, { token: user.token })).json.jobs as JobView[];
      assert.equal(jobs.length, 1, 'the job was resumed, not planned again');
      const served = await probeCertificate({
        host: new LocalHost(),
        address: '127.0.0.1',
        port: world.qiniu.edgePort,
        servername: domain,
      });
      assert.equal(served.serial, done.certificate!.serial);
    } finally {
      await relay.close();
    }
  },
);
