import { isIP } from 'node:net';
import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import { tryNormalizeDomainName } from '../names.js';
import type {
  Directive,
  ListenAddress,
  NginxConfig,
  NginxSite,
  ServerBlock,
  SiteProblem,
  SkippedNameReason,
} from './types.js';

/**
 * Site discovery: the `server` blocks of the `http` context, what they listen on, which names and
 * certificate files they use, and their grouping into sites (one certificate each).
 */

const CHALLENGE_SAMPLE_PATH = '/.well-known/acme-challenge/token';

/** `ssl_*` settings of the `http` level, which a server block without its own inherits. */
interface InheritedTls {
  certificates: Directive[];
  keys: Directive[];
  legacySsl: boolean | undefined;
}

/**
 * Returns every `server` block of every `http` context, in configuration order, including blocks
 * from included files. `ssl_certificate`, `ssl_certificate_key` and `ssl on` missing from a block
 * are inherited from the `http` level, as nginx merges them.
 *
 * @throws CertPilotError `NGINX_CONFIG_INVALID` for a `listen` nginx would not accept, naming its file and line.
 */
export function findServerBlocks(config: NginxConfig): ServerBlock[] {
  const confPrefix = posix.dirname(config.mainFile);
  const blocks: ServerBlock[] = [];

  for (const http of config.directives.filter((directive) => directive.name === 'http')) {
    const children = http.block?.children ?? [];
    const inherited = tlsSettingsOf(children);
    for (const server of children.filter((child) => child.name === 'server' && child.block !== undefined)) {
      blocks.push(serverBlockOf(server, inherited, confPrefix));
    }
  }
  return blocks;
}

function serverBlockOf(server: Directive, inherited: InheritedTls, confPrefix: string): ServerBlock {
  const children = server.block?.children ?? [];
  const own = tlsSettingsOf(children);
  const legacySsl = own.legacySsl ?? inherited.legacySsl ?? false;
  const certificate = (own.certificates.length > 0 ? own.certificates : inherited.certificates)[0];
  const key = (own.keys.length > 0 ? own.keys : inherited.keys)[0];

  const serverNames = children.filter((child) => child.name === 'server_name').flatMap((child) => child.args);
  const { names, skippedNames } = classifyServerNames(serverNames);
  const listens = listensOf(children, legacySsl);

  const block: ServerBlock = {
    file: server.file,
    line: server.line,
    directive: server,
    serverNames,
    names,
    skippedNames,
    listens,
    hasChallengeLocation: routesChallenge(children),
  };
  if (certificate?.args[0] !== undefined) block.certificatePath = resolveTlsPath(certificate.args[0], confPrefix);
  if (key?.args[0] !== undefined) block.certificateKeyPath = resolveTlsPath(key.args[0], confPrefix);
  return block;
}

function tlsSettingsOf(children: Directive[]): InheritedTls {
  const ssl = children.filter((child) => child.name === 'ssl').at(-1);
  return {
    certificates: children.filter((child) => child.name === 'ssl_certificate'),
    keys: children.filter((child) => child.name === 'ssl_certificate_key'),
    legacySsl: ssl === undefined ? undefined : ssl.args[0] === 'on',
  };
}

// nginx resolves relative certificate paths against the conf prefix, also when they contain
// variables (at handshake time). Inline `data:` values are cut, because a key there is a secret.
function resolveTlsPath(value: string, confPrefix: string): string {
  if (value.startsWith('data:')) return 'data:';
  if (value.includes('$') || posix.isAbsolute(value)) return value;
  return posix.join(confPrefix, value);
}

/** Splits `server_name` values into certificate names and skipped values with their reason. */
export function classifyServerNames(values: string[]): Pick<ServerBlock, 'names' | 'skippedNames'> {
  const names = new Set<string>();
  const skippedNames: ServerBlock['skippedNames'] = [];

  for (const value of values) {
    const result = classifyServerName(value);
    if (typeof result === 'string') {
      if (!skippedNames.some((skipped) => skipped.value === value)) skippedNames.push({ value, reason: result });
    } else {
      for (const name of result) names.add(name);
    }
  }
  return { names: [...names], skippedNames };
}

function classifyServerName(value: string): string[] | SkippedNameReason {
  if (value === '' || value === '_') return 'catch-all';
  if (value.startsWith('~')) return 'regex';
  if (value.includes('$')) return 'variable';
  if (value.endsWith('.*')) return 'suffix-wildcard';

  // nginx's `.example.com` is short for `example.com` plus `*.example.com`.
  const leadingDot = value.startsWith('.');
  const base = leadingDot ? value.slice(1) : value;
  if (isNotPublic(base)) return 'not-public';

  const normalized = tryNormalizeDomainName(base);
  if (normalized === null) return 'invalid';
  return leadingDot ? [normalized, `*.${normalized}`] : [normalized];
}

function isNotPublic(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, '').replace(/^\*\./, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) return true;
  return !host.includes('.');
}

function listensOf(children: Directive[], legacySsl: boolean): ListenAddress[] {
  const listenDirectives = children.filter((child) => child.name === 'listen');
  if (listenDirectives.length === 0) {
    // NOTE: nginx's default is *:80 only when it runs as root, else *:8000.
    return [{ address: '*', port: 80, ssl: legacySsl, ipv6: false, defaultServer: false, raw: '' }];
  }
  return listenDirectives.flatMap((directive) => {
    const listen = parseListen(directive, legacySsl);
    return listen === null ? [] : [listen];
  });
}

/**
 * Parses one `listen` directive. Returns null for a unix socket, which no certificate check can
 * reach. `ssl` is set by the `ssl` parameter or by the legacy `ssl on;` of the block.
 *
 * @throws CertPilotError `NGINX_CONFIG_INVALID` for a missing address or an invalid port.
 */
export function parseListen(directive: Directive, legacySsl = false): ListenAddress | null {
  const [target, ...parameters] = directive.args;
  if (target === undefined) throw listenError(directive, '"listen" needs an address or a port');
  if (target.startsWith('unix:')) return null;

  const { address, port } = splitListenTarget(directive, target);
  return {
    address,
    port,
    ssl: legacySsl || parameters.includes('ssl'),
    ipv6: address.startsWith('['),
    defaultServer: parameters.includes('default_server') || parameters.includes('default'),
    raw: directive.args.join(' '),
  };
}

function splitListenTarget(directive: Directive, target: string): { address: string; port: number } {
  if (/^\d+$/.test(target)) return { address: '*', port: parsePort(directive, target) };

  const ipv6 = /^(\[[^\]]*\])(?::(.*))?$/.exec(target);
  if (ipv6 !== null) {
    const [, address = '', port] = ipv6;
    return { address, port: port === undefined ? 80 : parsePort(directive, port) };
  }

  const colon = target.lastIndexOf(':');
  if (colon === -1) return { address: target, port: 80 };
  return { address: target.slice(0, colon), port: parsePort(directive, target.slice(colon + 1)) };
}

function parsePort(directive: Directive, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw listenError(directive, `invalid port "${text}": use 1 to 65535`);
  return port;
}

function listenError(directive: Directive, problem: string): CertPilotError {
  const value = directive.args.join(' ');
  return new CertPilotError(
    'NGINX_CONFIG_INVALID',
    `Invalid nginx configuration at ${directive.file}:${directive.line}: ${problem} in "listen ${value}".`,
    { params: { file: directive.file, line: directive.line, value } },
  );
}

// `location /` does not count: it is the block's default route, usually an application or a
// proxy, and a more specific challenge location is still needed in front of it.
function routesChallenge(children: Directive[]): boolean {
  return children.some((child) => {
    if (child.name !== 'location') return false;
    return locationCoversChallenge(child.args) || routesChallenge(child.block?.children ?? []);
  });
}

function locationCoversChallenge(args: string[]): boolean {
  const { modifier, path } = splitLocationArgs(args);

  if (modifier === '' || modifier === '^~') return path.length > 1 && CHALLENGE_SAMPLE_PATH.startsWith(path);
  if (modifier !== '~' && modifier !== '~*') return false;

  // Regex locations such as `~ /\.` (deny hidden files) match too, but they block the
  // challenge instead of serving it, so only ones naming the path count.
  if (!path.toLowerCase().includes('acme-challenge')) return false;
  try {
    return new RegExp(path, modifier === '~*' ? 'i' : '').test(CHALLENGE_SAMPLE_PATH);
  } catch {
    return false;
  }
}

// nginx also accepts the modifier glued to the path: `location =/x`, `location ~*\.png$`.
function splitLocationArgs(args: string[]): { modifier: string; path: string } {
  if (args.length >= 2) return { modifier: args[0] ?? '', path: args[1] ?? '' };

  const value = args[0] ?? '';
  const glued = /^(=|\^~|~\*|~|@)(.*)$/.exec(value);
  if (glued === null) return { modifier: '', path: value };
  return { modifier: glued[1] ?? '', path: glued[2] ?? '' };
}

/**
 * Groups TLS server blocks into sites: blocks sharing one (certificate path, key path) pair are
 * one site, whose names are the union of theirs in order. Blocks with no TLS `listen` are
 * returned in `plainHttp`, for enabling HTTPS and for http-01 setup.
 */
export function groupSites(blocks: ServerBlock[]): { sites: NginxSite[]; plainHttp: ServerBlock[] } {
  const plainHttp: ServerBlock[] = [];
  const groups = new Map<string, ServerBlock[]>();

  for (const block of blocks) {
    if (!block.listens.some((listen) => listen.ssl)) {
      plainHttp.push(block);
      continue;
    }
    const key = groupKey(block);
    groups.set(key, [...(groups.get(key) ?? []), block]);
  }

  const sites = [...groups.values()].map(siteOf);
  markSharedCertificateFiles(sites);
  return { sites, plainHttp };
}

// Blocks without a usable pair of files stay alone: grouping them would merge unrelated sites.
function groupKey(block: ServerBlock): string {
  const certificate = block.certificatePath;
  const key = block.certificateKeyPath;
  if (certificate === undefined || key === undefined || certificate === 'data:' || key === 'data:') {
    return `block\0${block.file}\0${block.directive.start}`;
  }
  return `files\0${certificate}\0${key}`;
}

function siteOf(blocks: ServerBlock[]): NginxSite {
  const [first] = blocks;
  if (first === undefined) throw new Error('groupSites invariant: a site has at least one block');

  const names = [...new Set(blocks.flatMap((block) => block.names))];
  const site: NginxSite = {
    id: names[0] ?? `${first.file}:${first.line}`,
    names,
    certificatePath: first.certificatePath ?? '',
    certificateKeyPath: first.certificateKeyPath ?? '',
    blocks,
    problems: [],
  };
  site.problems = problemsOf(site);
  return site;
}

function problemsOf(site: NginxSite): SiteProblem[] {
  const problems: SiteProblem[] = [];

  for (const block of site.blocks) {
    const where = `${block.file}:${block.line}`;
    if (block.certificatePath === undefined || block.certificateKeyPath === undefined) {
      problems.push({ code: 'certificate-missing', detail: where });
    }
    for (const path of [block.certificatePath, block.certificateKeyPath]) {
      if (path === 'data:') problems.push({ code: 'certificate-inline', detail: where });
      else if (path?.includes('$')) problems.push({ code: 'certificate-path-variable', detail: path });
    }
    // NOTE: only the block's own certificates are counted; several inherited from `http` go unnoticed.
    const ownCertificates = block.directive.block?.children.filter((child) => child.name === 'ssl_certificate') ?? [];
    if (ownCertificates.length > 1) {
      problems.push({ code: 'multiple-certificates', detail: where });
    }
  }
  if (site.names.length === 0)
    problems.push({ code: 'no-names', detail: `${site.blocks[0]?.file}:${site.blocks[0]?.line}` });

  const wildcards = site.names.filter((name) => name.startsWith('*.'));
  if (wildcards.length > 0) problems.push({ code: 'wildcard-needs-dns01', detail: wildcards.join(' ') });
  return uniqueProblems(problems);
}

function markSharedCertificateFiles(sites: NginxSite[]): void {
  for (const site of sites) {
    if (site.certificatePath === '' || site.certificatePath === 'data:') continue;
    const sharing = sites.filter((other) => other.certificatePath === site.certificatePath);
    if (sharing.length > 1) site.problems.push({ code: 'shared-certificate-file', detail: site.certificatePath });
  }
}

function uniqueProblems(problems: SiteProblem[]): SiteProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.code}\0${problem.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
