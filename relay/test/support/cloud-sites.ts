/** Users, credentials and Qiniu CDN sites on a cloud relay, for tests that need a renewed site. */
import assert from 'node:assert/strict';
import { ALIYUN, QINIU, waitFor, type CloudRelay, type CloudWorld } from './cloud-world.js';

let users = 0;

/** Registers and logs in a fresh user; returns its id and token. */
export async function cloudUser(on: Pick<CloudRelay, 'api'>, prefix: string): Promise<{ id: string; token: string }> {
  users += 1;
  const account = `${prefix}${users}_${process.pid}`;
  const password = 'Correct-horse-42';
  assert.equal((await on.api('POST', '/auth/register', { body: { account, name: 'Ops', password } })).status, 201);
  const login = await on.api('POST', '/auth/login', { body: { account, password } });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  return { id: login.json.user.id, token: login.json.token };
}

async function credential(on: Pick<CloudRelay, 'api'>, token: string, provider: 'qiniu' | 'aliyun'): Promise<string> {
  const keys =
    provider === 'qiniu'
      ? { accessKeyId: QINIU.accessKey, accessKeySecret: QINIU.secretKey }
      : { accessKeyId: ALIYUN.accessKeyId, accessKeySecret: ALIYUN.accessKeySecret };
  const response = await on.api('POST', '/credentials', { token, body: { provider, name: provider, ...keys } });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.credential.id;
}

/**
 * Adds a qiniu-cdn site for `domain`, which the fake serves with a certificate 3 days from expiry.
 * `options.config` overrides settings; `options.holdProcessing` keeps the domain processing after a bind.
 */
export async function addQiniuSite(
  world: CloudWorld,
  on: Pick<CloudRelay, 'api'>,
  token: string,
  domain: string,
  options: { config?: Record<string, string | number>; holdProcessing?: boolean } = {},
): Promise<string> {
  world.qiniu.addDomain({ name: domain, type: 'normal', https: await world.oldCertificate([domain], 3) });
  if (options.holdProcessing) world.qiniu.holdProcessing(domain, 'forever');
  const config = {
    'challenge.credentialId': await credential(on, token, 'aliyun'),
    'challenge.resolvers': `127.0.0.1:${world.pebble.dnsPort}`,
    'challenge.propagationTimeoutSeconds': 10,
    processingWaitSeconds: 1,
    'edge.address': '127.0.0.1',
    'edge.port': world.qiniu.edgePort,
    'edge.timeoutSeconds': 3,
    'edge.intervalSeconds': 0.2,
    ...options.config,
  };
  const credentialId = await credential(on, token, 'qiniu');
  const response = await on.api('POST', '/sites', {
    token,
    body: { origin: 'qiniu-cdn', domain, credentialId, config },
  });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.site.id as string;
}

/** A job as `GET /sites/:id/jobs` lists it. */
export interface JobView {
  id: string;
  state: string;
  certificate?: { serial: string; notAfter: string };
}

/** Waits for a `done` job of `siteId` (with id `jobId` when given). */
export function waitForDone(
  on: Pick<CloudRelay, 'api'>,
  token: string,
  siteId: string,
  jobId?: string,
): Promise<JobView> {
  return waitFor(
    `a done job of ${siteId}`,
    async () => {
      const response = await on.api('GET', `/sites/${siteId}/jobs`, { token });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      return (response.json.jobs as JobView[]).find(
        (job) => job.state === 'done' && (jobId === undefined || job.id === jobId),
      );
    },
    60_000,
  );
}
