import type { TxtChangeListener } from './aliyun-dns.js';

/**
 * Returns an `onTxtChange` listener that copies a name's TXT values into pebble-challtestsrv
 * through its management API at `managementUrl` (e.g. `http://127.0.0.1:8055`).
 *
 * challtestsrv 2.4 appends on every `/set-txt` and `/clear-txt` drops all values of a host,
 * so the listener clears the host and sets each current value again. That keeps several
 * values per name, as a wildcard plus apex order needs.
 */
export function mirrorTxtToChallTestSrv(managementUrl: string): TxtChangeListener {
  const base = managementUrl.replace(/\/$/, '');

  return async (fqdn, values) => {
    const host = `${fqdn.replace(/\.$/, '')}.`;
    await post(`${base}/clear-txt`, { host });
    for (const value of values) await post(`${base}/set-txt`, { host, value });
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`pebble-challtestsrv rejected ${url} with HTTP ${response.status}: ${await response.text()}`);
  }
}
