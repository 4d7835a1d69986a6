#!/usr/bin/env node
// Bundles the web console with esbuild into relay/dist/console/ (or the folder given as the
// first argument): one minified, content-hashed app-<hash>.js and the index.html that loads it.
// The relay serves that folder at `/`, and index.html carries a placeholder the relay replaces with
// a per-response CSP nonce.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, '../dist/console'));

const INDEX_HTML = `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="csp-nonce" content="__CSP_NONCE__" />
    <title>CertPilot 证书领航</title>
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <script type="module" src="/__APP_JS__"></script>
  </head>
  <body>
    <div id="root"></div>
    <noscript>CertPilot 控制台需要 JavaScript。The CertPilot console needs JavaScript.</noscript>
  </body>
</html>
`;

// A shield with a check mark. Linking it from index.html keeps browsers from asking for
// /favicon.ico, for which the relay returns 404 like for any other missing file.
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path fill="#1677ff" d="M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7z"/>
<path fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" d="m10 16 4 4 8-8"/>
</svg>
`;

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints: [join(here, 'src/main.tsx')],
  outdir: outDir,
  entryNames: 'app-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs);
const script = outputs.find(([path, output]) => output.entryPoint !== undefined && path.endsWith('.js'));
if (script === undefined) throw new Error('esbuild wrote no JavaScript entry file');
await writeFile(join(outDir, 'index.html'), INDEX_HTML.replace('__APP_JS__', basename(script[0])));
await writeFile(join(outDir, 'favicon.svg'), FAVICON_SVG);
// A gzip copy beside each script, which the relay sends to clients that accept gzip.
for (const [path] of outputs.filter(([path]) => path.endsWith('.js'))) {
  await writeFile(`${path}.gz`, gzipSync(await readFile(path), { level: 9 }));
}
const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`console built into ${outDir} (${Math.round(bytes / 1024)} KiB)`);
