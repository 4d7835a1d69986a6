/**
 * `GET /agent/install.sh` and `GET /agent/certpilot-agent.mjs`: the one-command agent install for
 * servers enrolled without the desktop app. The script carries the relay's address and the
 * bundle's SHA-256, and checks the download against it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { CertPilotError } from '@certpilot/core';
import type { RelayDeps } from '../deps.js';
import type { RelayContext, RelayState } from '../http/state.js';

/** The agent bundle `npm run build` writes; the same path from relay/src and relay/dist. */
export const DEFAULT_AGENT_BUNDLE_FILE = fileURLToPath(
  new URL('../../../build/out/certpilot-agent.mjs', import.meta.url),
);

const SCRIPT_TEMPLATE_FILE = fileURLToPath(new URL('../../assets/install.sh', import.meta.url));

// The address is pasted into the script between single quotes, so only URL characters may pass.
const SAFE_RELAY_URL = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/;

// curl sends no Accept-Language, so the 503 body carries both languages, Chinese first.
const NOT_BUILT_MESSAGE = [
  '中继上还没有 agent 的单文件版：请在中继的代码目录中运行 npm run build，然后重试。',
  'The relay has no agent bundle yet: run npm run build in the relay’s repository, then try again.',
].join('\n');

interface Bundle {
  body: Buffer;
  sha256: string;
  mtimeMs: number;
  size: number;
}

/** Routes for installing the agent; `bundleFile` defaults to {@link DEFAULT_AGENT_BUNDLE_FILE}. */
export function agentInstallRoutes(deps: Pick<RelayDeps, 'publicUrl' | 'agentBundleFile'>): Router<RelayState> {
  const router = new Router<RelayState>();
  const bundleFile = deps.agentBundleFile ?? DEFAULT_AGENT_BUNDLE_FILE;
  let cached: Bundle | undefined;

  // Re-read when the file changed, so a rebuild is served without a relay restart.
  const loadBundle = async (ctx: RelayContext): Promise<Bundle | undefined> => {
    let info;
    try {
      info = await stat(bundleFile);
    } catch (error) {
      ctx.state.logger.warn({ path: bundleFile, err: error }, 'agent bundle not found');
      return undefined;
    }
    if (cached?.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = await readFile(bundleFile);
    cached = { body, sha256: createHash('sha256').update(body).digest('hex'), mtimeMs: info.mtimeMs, size: info.size };
    return cached;
  };

  router.get('/agent/install.sh', async (ctx) => {
    const bundle = await loadBundle(ctx);
    if (bundle === undefined) return notBuilt(ctx);
    const relayUrl = relayUrlFor(ctx, deps.publicUrl);
    const template = await readFile(SCRIPT_TEMPLATE_FILE, 'utf8');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/x-shellscript; charset=utf-8';
    ctx.body = template.replace('@@RELAY_URL@@', relayUrl).replace('@@BUNDLE_SHA256@@', bundle.sha256);
  });

  router.get('/agent/certpilot-agent.mjs', async (ctx) => {
    const bundle = await loadBundle(ctx);
    if (bundle === undefined) return notBuilt(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('ETag', `"${bundle.sha256}"`);
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = bundle.body;
  });

  return router;
}

function notBuilt(ctx: RelayContext): void {
  ctx.status = 503;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${NOT_BUILT_MESSAGE}\n`;
}

/**
 * Returns the address the installed agent reports to: the configured public URL, else the origin the
 * request came to (with `--trust-proxy`, as the proxy forwarded it).
 *
 * @throws CertPilotError `REQUEST_INVALID` when the request's Host is not a plain host name.
 */
function relayUrlFor(ctx: RelayContext, publicUrl: string | undefined): string {
  // Koa 3's ctx.origin is the Origin request header, so the origin is built from protocol and host.
  const url = (publicUrl ?? `${ctx.protocol}://${ctx.host}`).replace(/\/+$/, '');
  if (SAFE_RELAY_URL.test(url)) return url;
  throw new CertPilotError('REQUEST_INVALID', `Unusable relay address ${url}`, {
    params: { problems: `Host "${ctx.host}": expected a host name and port; or start the relay with --public-url` },
  });
}
