import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startScenario, writeSiteCertificate } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

// Pebble checks the binding's HMAC like ZeroSSL and Google Trust Services do.
const EAB = { kid: 'certpilot-test-kid', hmacKey: 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W' };

test('CA requiring EAB: refused without, renewed with', async (t) => {
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'site.pem'), key: join(certDir, 'site.key') },
        ['eab.test'],
        { daysAgo: 80, daysLeft: 3 },
      );
    },
    serverBlocks: ([http, tls], certDir) =>
      [plainServer(http!, 'eab.test'), tlsServer(tls!, 'eab.test', `${certDir}/site.pem`, `${certDir}/site.key`)].join(
        '\n',
      ),
    pebble: { externalAccountBinding: EAB },
  });
  t.after(() => scenario.stop());

  const refused = await scenario.runAgent(['renew']);
  assert.equal(refused.status, 1, refused.stdout);
  assert.match(refused.stdout, /externalAccountRequired/);
  assert.match(refused.stdout, /ACME_UNAUTHORIZED/);

  const config = JSON.parse(await readFile(scenario.configPath, 'utf8')) as { acme: Record<string, unknown> };
  config.acme.eab = EAB;
  await writeFile(scenario.configPath, JSON.stringify(config));
  const renewed = await scenario.runAgent(['renew', '--force']);
  assert.equal(renewed.status, 0, `${renewed.stdout}\n${renewed.stderr}`);
  assert.match((await scenario.served('eab.test')).issuer, /Pebble/);
  assert.doesNotMatch(renewed.stdout + renewed.stderr, new RegExp(EAB.hmacKey));
});
