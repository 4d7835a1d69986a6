import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import { splitNginxDump } from './dump.js';
import { parseConfigText } from './parse.js';
import type { ConfigFile, Directive, NginxConfig } from './types.js';

/**
 * The whole configuration from `nginx -T`: every file parsed, and `include` directives replaced
 * by the directives of the files they name, as nginx reads them.
 */

/** Options of {@link parseNginxDump}. */
export interface ParseDumpOptions {
  /**
   * nginx's conf prefix: the absolute directory of the main configuration file, such as
   * `/etc/nginx`. nginx resolves relative `include` and `ssl_certificate` paths against it.
   */
  prefix: string;
}

// nginx itself has no limit and loops until it runs out of file descriptors.
const MAX_INCLUDE_DEPTH = 32;

/**
 * Parses `nginx -T` standard output and expands every `include` in place.
 *
 * An include path is relative to `prefix` unless absolute, and may be a glob (`*`, `?`, `[...]`),
 * matched against the files in the dump in sorted byte order as glob(3) in the C locale does.
 * An include that matches no file of the dump expands to nothing. Relative paths in the dump
 * (from `nginx -p relative/dir`) are made absolute against `prefix`.
 *
 * @throws CertPilotError `NGINX_CONFIG_INVALID` for a malformed dump, a syntax error (naming the
 *   file and line), an include cycle, or a `prefix` that is not the main file's directory.
 */
export function parseNginxDump(stdout: string, options: ParseDumpOptions): NginxConfig {
  const prefix = stripTrailingSlashes(options.prefix);
  if (!posix.isAbsolute(prefix)) {
    throw configError(`the conf prefix "${options.prefix}" is not an absolute path`, { prefix: options.prefix });
  }

  const files = absoluteFiles(splitNginxDump(stdout), prefix);
  const mainFile = files[0]?.path ?? '';
  checkPrefix(mainFile, prefix);

  const parsed = new Map(files.map((file) => [file.path, parseConfigText(file.text, file.path)]));
  const expander = new IncludeExpander(parsed, prefix);
  return { mainFile, files, directives: expander.expand(parsed.get(mainFile) ?? [], [mainFile]) };
}

function absoluteFiles(files: ConfigFile[], prefix: string): ConfigFile[] {
  const mainPath = files[0]?.path ?? '';
  if (posix.isAbsolute(mainPath)) return files;

  // With a relative `-p`, every path is relative to the working directory nginx ran in, which
  // the dump does not show. The main file's directory is the conf prefix, so rebase on it.
  const mainDirectory = posix.dirname(mainPath);
  return files.map((file) => ({
    path: posix.isAbsolute(file.path) ? file.path : posix.join(prefix, posix.relative(mainDirectory, file.path)),
    text: file.text,
  }));
}

function checkPrefix(mainFile: string, prefix: string): void {
  const directory = posix.dirname(posix.normalize(mainFile));
  if (directory === posix.normalize(prefix)) return;
  throw configError(
    `the conf prefix "${prefix}" is not the directory of the main configuration file "${mainFile}": pass "${directory}"`,
    { prefix, file: mainFile },
  );
}

class IncludeExpander {
  /** Files of the dump by normalized path, in dump order. */
  private readonly byNormalPath = new Map<string, string>();

  constructor(
    private readonly parsed: Map<string, Directive[]>,
    private readonly prefix: string,
  ) {
    for (const path of parsed.keys()) {
      const normal = posix.normalize(path);
      if (!this.byNormalPath.has(normal)) this.byNormalPath.set(normal, path);
    }
  }

  /** Returns copies of `directives` with includes expanded; the parsed trees stay unchanged. */
  expand(directives: Directive[], stack: string[]): Directive[] {
    return directives.flatMap((directive) => {
      if (directive.name === 'include' && directive.block === undefined) return this.expandInclude(directive, stack);
      if (directive.block === undefined) return [directive];
      const children = this.expand(directive.block.children, stack);
      return [{ ...directive, block: { ...directive.block, children } }];
    });
  }

  private expandInclude(include: Directive, stack: string[]): Directive[] {
    const pattern = include.args[0];
    if (include.args.length !== 1 || pattern === undefined) {
      throw includeError(include, `"include" takes exactly one path, got ${include.args.length}`);
    }
    if (stack.length > MAX_INCLUDE_DEPTH) {
      throw includeError(include, `includes are nested more than ${MAX_INCLUDE_DEPTH} levels deep`);
    }

    return this.matchFiles(pattern).flatMap((path) => {
      if (stack.includes(path)) throw includeError(include, `"${path}" includes itself through ${stack.join(' -> ')}`);
      return this.expand(this.parsed.get(path) ?? [], [...stack, path]);
    });
  }

  private matchFiles(pattern: string): string[] {
    const absolute = posix.normalize(posix.isAbsolute(pattern) ? pattern : posix.join(this.prefix, pattern));
    if (!/[*?[]/.test(absolute)) {
      const path = this.byNormalPath.get(absolute);
      return path === undefined ? [] : [path];
    }

    const matcher = globToRegExp(absolute);
    return [...this.byNormalPath.entries()]
      .filter(([normal]) => matcher.test(normal))
      .sort(([left], [right]) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
      .map(([, path]) => path);
  }
}

/**
 * Converts a glob(3) pattern to a regular expression over whole paths. `*` and `?` stay within
 * one path segment, `[...]` and `[!...]` are character classes, and `\x` is a literal `x`.
 * A wildcard never matches the leading dot of a hidden file.
 */
function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/').map(segmentToRegExp);
  return new RegExp(`^${segments.join('/')}$`);
}

function segmentToRegExp(segment: string): string {
  let source = /^[*?[]/.test(segment) ? '(?!\\.)' : '';

  for (let index = 0; index < segment.length; index += 1) {
    const char = segment[index] ?? '';
    if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '\\' && index + 1 < segment.length) {
      index += 1;
      source += escapeRegExp(segment[index] ?? '');
    } else if (char === '[') {
      const bracket = readBracket(segment, index);
      source += bracket?.source ?? '\\[';
      index = bracket?.end ?? index;
    } else {
      source += escapeRegExp(char);
    }
  }
  return source;
}

/** Reads `[...]` starting at `open`; returns null when it has no closing `]` (then `[` is literal). */
function readBracket(segment: string, open: number): { source: string; end: number } | null {
  let index = open + 1;
  const negated = segment[index] === '!' || segment[index] === '^';
  if (negated) index += 1;

  // A `]` right after `[` or `[!` is a member, not the end.
  const close = segment.indexOf(']', segment[index] === ']' ? index + 1 : index);
  if (close === -1) return null;

  const members = segment.slice(index, close).replace(/[\\\]^[]/g, (char) => `\\${char}`);
  return { source: negated ? `[^/${members}]` : `[${members}]`, end: close };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, (char) => `\\${char}`);
}

function stripTrailingSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function includeError(include: Directive, problem: string): CertPilotError {
  return new CertPilotError(
    'NGINX_CONFIG_INVALID',
    `Invalid nginx configuration at ${include.file}:${include.line}: ${problem}.`,
    {
      params: { file: include.file, line: include.line, value: include.args.join(' ') },
    },
  );
}

function configError(problem: string, params: Record<string, string>): CertPilotError {
  return new CertPilotError('NGINX_CONFIG_INVALID', `Invalid nginx configuration: ${problem}.`, { params });
}
