/**
 * Serves the web console that `npm run build` bundles into relay/dist/console/: hashed assets
 * cached for a year, index.html never cached and sent for every other page path, so the
 * console's own router can handle deep links. The app is added after the API routes, so
 * `/api/...` and `/healthz` never reach it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Next } from 'koa';
import type { RelayContext } from './state.js';

/** relay/dist/console, from both relay/src/http (tests under tsx) and relay/dist/http (built). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Asset names carry esbuild's content hash (`app-X4WZAIYX.js`), so they never change. */
const HASHED_ASSET = /-[A-Z0-9]{8}\.[a-z0-9]+$/;
const NONCE_PLACEHOLDER = '__CSP_NONCE__';

/**
 * Builds the console's Content-Security-Policy for one response. Scripts come only from the relay. antd injects its
 * CSS-in-JS `<style>` elements at run time, so styles are allowed by the per-response nonce
 * that the console gives every style element it creates (relay/console/src/csp.ts), not by
 * 'unsafe-inline'.
 */
export function consolePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Koa middleware serving the console from `dir` for GET and HEAD requests. */
export function consoleFiles(dir = DEFAULT_CONSOLE_DIR) {
  const root = resolve(dir);
  return async (ctx: RelayContext, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) return next();

    const file = assetPath(root, ctx.path);
    if (file !== undefined && file !== join(root, 'index.html') && (await isFile(file))) {
      return sendAsset(ctx, file, await isFile(`${file}.gz`));
    }
    // A missing file with an extension (`/favicon.ico`, `/agent/install.sh`) is a real 404;
    // only page paths fall back to index.html. index.html links /favicon.svg, so browsers
    // do not ask for /favicon.ico.
    if (ctx.path !== '/' && extname(ctx.path) !== '') return next();
    await sendIndex(ctx, root);
  };
}

/** Maps a URL path to a file under `root`; returns undefined when the path would leave `root`. */
function assetPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Sends `file`, or its `.gz` copy (written by the console build) to clients that take gzip. */
function sendAsset(ctx: RelayContext, file: string, hasGzip: boolean): void {
  ctx.set('Content-Type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', HASHED_ASSET.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (hasGzip) ctx.vary('Accept-Encoding');
  if (hasGzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = createReadStream(`${file}.gz`);
    return;
  }
  ctx.body = createReadStream(file);
}

async function sendIndex(ctx: RelayContext, root: string): Promise<void> {
  let html: string;
  try {
    html = await readFile(join(root, 'index.html'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    ctx.state.logger.warn({ path: root }, 'console not built: run npm run build');
    return sendNotBuilt(ctx);
  }
  const nonce = randomBytes(16).toString('base64');
  ctx.set('Content-Type', CONTENT_TYPES['.html']!);
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('Content-Security-Policy', consolePolicy(nonce));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.body = html.replaceAll(NONCE_PLACEHOLDER, nonce);
}

const NOT_BUILT = {
  'zh-CN': 'Web 控制台尚未构建：请在仓库根目录运行 `npm run build`，然后刷新本页。API 仍在 /api/v1 正常提供服务。',
  en: 'The web console is not built: run `npm run build` in the repository root, then reload this page. The API under /api/v1 still works.',
};

/** Sends 503 in both languages: an HTML page for browsers, JSON in the API's shape for programs. */
function sendNotBuilt(ctx: RelayContext): void {
  ctx.status = 503;
  ctx.set('Cache-Control', 'no-store');
  if (ctx.accepts('html', 'json') === 'html') {
    ctx.set('Content-Security-Policy', "default-src 'none'");
    ctx.type = 'html';
    ctx.body = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>CertPilot</title></head>
<body><h1>CertPilot 控制台 / console</h1><p>${NOT_BUILT['zh-CN']}</p><p lang="en">${NOT_BUILT.en}</p></body></html>
`;
    return;
  }
  ctx.body = { code: 'CONSOLE_NOT_BUILT', message: NOT_BUILT[ctx.state.locale] };
}
