import assert from 'node:assert/strict';
import type { TestRelay } from './relay.js';

/**
 * Adds a qiniu-cdn site for `domain` with its two credentials, then renews it once. On a relay
 * without a scheduler the planned job stays unfinished. Returns the site id.
 */
export async function plannedQiniuSite(relay: TestRelay, token: string, domain: string): Promise<string> {
  const credential = async (provider: string, accessKeyId: string) => {
    const body = { provider, name: provider, accessKeyId, accessKeySecret: `${provider}-planned-secret` };
    const response = await relay.api('POST', '/credentials', { token, body });
    assert.equal(response.status, 201, JSON.stringify(response.json));
    return response.json.credential.id as string;
  };
  const qiniu = await credential('qiniu', 'qiniu-planned-ak');
  const aliyun = await credential('aliyun', 'LTAI5tPlannedKey01');
  const body = { origin: 'qiniu-cdn', domain, credentialId: qiniu, config: { 'challenge.credentialId': aliyun } };
  const site = await relay.api('POST', '/sites', { token, body });
  assert.equal(site.status, 201, JSON.stringify(site.json));
  const siteId = site.json.site.id as string;

  const renew = await relay.api('POST', `/sites/${siteId}/renew`, { token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  return siteId;
}
