import { posix } from 'node:path';
import type { Host } from '../host/host.js';
import { parseConfigText } from './parse.js';
import type { Directive } from './types.js';

const MAX_FILES = 10_000;

/**
 * Reads the configuration files themselves, following `include`s, and returns them in the
 * `nginx -T` format. Used when `nginx -T` fails (it prints nothing when a certificate file is
 * missing or broken), so such sites can still be listed with their problem.
 *
 * NOTE: glob characters are honored in the last path segment only (`conf.d/*.conf`), which is
 * how nginx configurations use them; `sites-*\/x.conf` matches nothing here.
 */
export async function readConfigFromDisk(host: Host, mainFile: string): Promise<string> {
  const prefix = posix.dirname(mainFile);
  const seen = new Set<string>();
  let dump = '';

  const visit = async (path: string): Promise<void> => {
    if (seen.has(path) || seen.size >= MAX_FILES) return;
    seen.add(path);
    const text = (await host.readFile(path)).toString('utf8');
    dump += `# configuration file ${path}:\n${text}\n`;
    for (const pattern of includePatterns(parseConfigText(text, path))) {
      for (const file of await expandInclude(host, posix.isAbsolute(pattern) ? pattern : posix.join(prefix, pattern)))
        await visit(file);
    }
  };

  await visit(mainFile);
  return dump;
}

function includePatterns(directives: Directive[]): string[] {
  return directives.flatMap((directive) => [
    ...(directive.name === 'include' && directive.args[0] ? [directive.args[0]] : []),
    ...includePatterns(directive.block?.children ?? []),
  ]);
}

async function expandInclude(host: Host, pattern: string): Promise<string[]> {
  const directory = posix.dirname(pattern);
  const base = posix.basename(pattern);
  if (!/[*?[]/.test(base)) return (await host.stat(pattern)) ? [pattern] : [];

  const matcher = new RegExp(
    `^${base
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  const names = (await host.readdir(directory)).filter((name) => matcher.test(name) && !name.startsWith('.'));
  return names.sort().map((name) => posix.join(directory, name));
}
