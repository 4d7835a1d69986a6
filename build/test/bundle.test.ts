import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startScenario, writeSiteCertificate } from '../../agent/test/support/scenario.js';
import { plainServer, tlsServer } from '../../agent/test/support/sites.js';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

test('bundled agent renews a site with no node_modules', async (t) => {
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'build/scripts/bundle-agent.mjs')]);
  const alone = await mkdtemp(join(tmpdir(), 'certpilot-bundle-'));
  const script = join(alone, 'certpilot-agent.mjs');
  await copyFile(join(REPO_ROOT, 'build/out/certpilot-agent.mjs'), script);
  t.after(() => rm(alone, { recursive: true, force: true }));

  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(ca, { cert: join(certDir, 'b.pem'), key: join(certDir, 'b.key') }, ['bundle.test'], {
        daysAgo: 80,
        daysLeft: 3,
      });
    },
    serverBlocks: ([http, tls], certDir) =>
      [plainServer(http!, 'bundle.test'), tlsServer(tls!, 'bundle.test', `${certDir}/b.pem`, `${certDir}/b.key`)].join(
        '\n',
      ),
  });
  t.after(() => scenario.stop());

  const version = await scenario.runAgent(['--version'], { script });
  assert.equal(version.stdout.trim(), 'certpilot-agent 0.1.0');
  const run = await scenario.runAgent(['renew'], { script });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match((await scenario.served('bundle.test')).issuer, /Pebble/);
});
