/**
 * How the relay serves the console: content types, cache headers, the CSP nonce, the page
 * fallback for deep links, and the 503 that names the build step when the console is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import { silentLogger } from '@certpilot/core';
import { consoleFiles } from '../src/http/console.js';
import { errorResponses } from '../src/http/errors.js';
import { requestContext } from '../src/http/request-context.js';
import type { RelayState } from '../src/http/state.js';
import { ensureConsoleBuilt } from './support/browser.js';
import { startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  await ensureConsoleBuilt();
  relay = await startTestRelay();
});
after(() => relay.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${relay.relay.url}${path}`, { headers });

test('index page: html, no-cache, nonce', async () => {
  const first = await get('/');
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  assert.equal(first.headers.get('x-frame-options'), 'DENY');
  const policy = first.headers.get('content-security-policy') ?? '';
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  const nonceOf = (html: string) => /<meta name="csp-nonce" content="([^"]+)"/.exec(html)?.[1];
  const nonce = nonceOf(await first.text());
  assert.ok(nonce !== undefined, 'index.html carries no nonce');
  assert.notEqual(nonce, '__CSP_NONCE__');
  assert.match(policy, new RegExp(`style-src 'self' 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'`));

  const second = nonceOf(await (await get('/')).text());
  assert.ok(second !== undefined, 'the second index.html carries no nonce');
  assert.notEqual(second, nonce, 'two responses share one nonce');
});

test('deep links get the index page', async () => {
  for (const path of ['/sites', '/agents', '/some/deep/link']) {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<div id="root"><\/div>/, path);
  }
});

test('script: javascript, cached for good', async () => {
  const html = await (await get('/')).text();
  const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
  assert.match(script ?? '', /^\/app-[A-Z0-9]{8}\.js$/);
  const response = await get(script!);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.ok((await response.text()).length > 100_000);

  const gzipped = await get(script!, { 'Accept-Encoding': 'gzip' });
  assert.equal(gzipped.headers.get('content-encoding'), 'gzip');
  assert.equal(gzipped.headers.get('vary'), 'Accept-Encoding');
  const plain = await get(script!, { 'Accept-Encoding': 'identity' });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(await gzipped.text(), await plain.text());

  assert.match(html, /<link rel="icon" type="image\/svg\+xml" href="\/favicon\.svg" \/>/);
  const icon = await get('/favicon.svg');
  assert.equal(icon.status, 200);
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
  assert.match(await icon.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
});

test('api, healthz and missing files stay out', async () => {
  const api = await get('/api/v1/nothing-here', { Accept: 'text/html' });
  assert.equal(api.status, 404);
  assert.equal(((await api.json()) as { code: string }).code, 'RESOURCE_NOT_FOUND');

  const health = await get('/healthz');
  assert.match(health.headers.get('content-type') ?? '', /application\/json/);

  for (const path of ['/missing.js', '/favicon.ico', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json']) {
    const response = await get(path);
    assert.equal(response.status, 404, path);
    assert.equal(((await response.json()) as { code: string }).code, 'RESOURCE_NOT_FOUND', path);
  }

  const post = await fetch(`${relay.relay.url}/sites`, { method: 'POST' });
  assert.equal(post.status, 404);
});

test('unbuilt console answers 503 in both languages', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'certpilot-console-empty-'));
  const app = new Koa<RelayState>();
  app.use(requestContext(silentLogger()));
  app.use(errorResponses());
  app.use(consoleFiles(empty));
  const server = await new Promise<Server>((resolve) => {
    const started = createServer(app.callback()).listen(0, '127.0.0.1', () => resolve(started));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const page = await fetch(`${base}/sites`, { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.match(html, /Web 控制台尚未构建：请在仓库根目录运行 `npm run build`/);
    assert.match(html, /The web console is not built: run `npm run build`/);

    const json = await fetch(`${base}/`, { headers: { Accept: 'application/json', 'Accept-Language': 'en' } });
    assert.equal(json.status, 503);
    const body = (await json.json()) as { code: string; message: string };
    assert.equal(body.code, 'CONSOLE_NOT_BUILT');
    assert.match(body.message, /^The web console is not built/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(empty, { recursive: true, force: true });
  }
});
