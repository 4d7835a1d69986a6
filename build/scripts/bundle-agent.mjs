#!/usr/bin/env node
// Bundles the agent CLI into one self-contained ESM file (build/out/certpilot-agent.mjs) that
// runs on plain Node >= 20 with no node_modules beside it, for upload to servers over SSH.
//
// V8 compiles a whole module before running it, so every byte of the bundle costs startup time
// even for code that never runs. The ACME client and the X.509 library (over half the bytes) are
// only needed when a certificate is ordered, so they are bundled separately and embedded as a
// string, which the parser skips over cheaply, and compiled on first use.
import { build } from 'esbuild';
import { chmod, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outfile = `${root}build/out/certpilot-agent.mjs`;

/** Packages loaded on demand, and the named exports the agent takes from each. */
const LAZY_PACKAGES = {
  'acme-client': ['Client', 'axios', 'crypto', 'directory', 'setLogger'],
  '@peculiar/x509': ['cryptoProvider', 'X509CertificateGenerator', 'SubjectAlternativeNameExtension'],
};

const CLOUD_PACKAGES = ['@alicloud/*', 'ali-oss', 'qiniu', 'proxy-agent'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

async function bundleLazyPackages() {
  const entry = Object.keys(LAZY_PACKAGES)
    .map((name) => `exports[${JSON.stringify(name)}] = require(${JSON.stringify(name)});`)
    .join('\n');
  const result = await build({
    ...common,
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    format: 'cjs',
    write: false,
  });
  return result.outputFiles[0].text;
}

/**
 * The server bundle runs on nginx servers; `cloud-renew` (Qiniu and Aliyun SDKs, several MB) runs
 * from the repository or the relay, so the bundle gets a stub that says so.
 */
function withoutCloudPlugin() {
  return {
    name: 'certpilot-without-cloud',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /commands\/cloud-renew\.js$/ }, () => ({
        path: 'cloud-renew',
        namespace: 'cloud-stub',
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'cloud-stub' }, () => ({
        contents: `export async function cloudRenewCommand() {
  process.stderr.write('cloud-renew is not part of the server bundle: run it with npx certpilot-agent from the repository. / 服务器单文件版不含 cloud-renew：请在仓库中用 npx certpilot-agent 运行。\\n');
  return 2;
}`,
        loader: 'js',
      }));
    },
  };
}

/** Replaces imports of the lazy packages with modules that compile the embedded source on first use. */
function lazyPackagesPlugin(source) {
  return {
    name: 'certpilot-lazy-packages',
    setup(pluginBuild) {
      const filter = new RegExp(
        `^(${Object.keys(LAZY_PACKAGES)
          .map((name) => name.replace(/[/.]/g, '\\$&'))
          .join('|')})$`,
      );
      pluginBuild.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy' }));
      pluginBuild.onResolve({ filter: /^certpilot-lazy-source$/ }, () => ({
        path: 'source',
        namespace: 'lazy-source',
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-source' }, () => ({
        contents: `let loaded;
export function loadLazyPackages() {
  if (!loaded) {
    const module = { exports: {} };
    new Function('module', 'exports', 'require', ${JSON.stringify(source)})(module, module.exports, require);
    loaded = module.exports;
  }
  return loaded;
}`,
        loader: 'js',
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
        contents: `import { loadLazyPackages } from 'certpilot-lazy-source';
const pkg = loadLazyPackages()[${JSON.stringify(args.path)}];
${LAZY_PACKAGES[args.path].map((name) => `export const ${name} = pkg.${name};`).join('\n')}
export default pkg;`,
        loader: 'js',
      }));
    },
  };
}

await build({
  ...common,
  entryPoints: [`${root}agent/src/cli.ts`],
  outfile,
  format: 'esm',
  // Resolve workspace packages to their TypeScript sources, like the tests do.
  conditions: ['source'],
  plugins: [withoutCloudPlugin(), lazyPackagesPlugin(await bundleLazyPackages())],
  // Only cloud code imports these; with the cloud command stubbed out none is reached, and a
  // check below makes sure no import of them is left.
  external: CLOUD_PACKAGES,
  // CommonJS dependencies call require() for Node built-ins, which an ESM bundle lacks.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __certpilotCreateRequire } from 'node:module';\nconst require = __certpilotCreateRequire(import.meta.url);",
  },
});
const bundled = await readFile(outfile, 'utf8');
const leftover = CLOUD_PACKAGES.filter((name) => bundled.includes(`"${name.replace('/*', '/')}`));
if (leftover.length > 0)
  throw new Error(
    `The server bundle still imports ${leftover.join(', ')}; keep cloud code out of the agent's nginx path.`,
  );
await chmod(outfile, 0o755);
const { size } = await stat(outfile);
console.log(`wrote ${outfile} (${(size / 1024 / 1024).toFixed(2)} MiB)`);
