import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import { normalizeDomainName } from '../names.js';
import { lineOfOffset, parseConfigText } from './parse.js';
import type { Directive, ListenAddress, ServerBlock } from './types.js';

/**
 * Pure text edits of nginx configuration files: each takes a file's text and returns the new
 * text, and never writes a file. Inserted text follows the surrounding indentation and line
 * endings, and starts with the {@link MANAGED_MARKER} line, so a later run finds its own edits
 * and does not add them twice.
 */

/** Comment line put before every block CertPilot inserts. */
export const MANAGED_MARKER = '# managed by certpilot';

const CHALLENGE_LOCATION_ARGS = ['^~', '/.well-known/acme-challenge/'];
const DEFAULT_TLS_PORT = 443;

/** Options of {@link addChallengeServer}. */
export interface ChallengeServerOptions {
  /** Port to listen on for http-01, normally 80. */
  port: number;
  /** Normalized host names for `server_name`; at least one. */
  names: string[];
  /** Absolute directory that contains `.well-known/acme-challenge/`. */
  webroot: string;
}

/** Options of {@link addTlsServer}. */
export interface TlsServerOptions {
  /** Default 443. */
  port?: number;
  /** Absolute path of the certificate chain file. */
  certificatePath: string;
  /** Absolute path of the private key file. */
  keyPath: string;
  /** Normalized names for `server_name`; the plain-HTTP block's `server_name` is kept when absent. */
  names?: string[];
}

/**
 * Inserts a `location ^~ /.well-known/acme-challenge/` that serves files from `webroot` into
 * `block`, before its closing brace. Returns `fileText` unchanged when the block already has that
 * location from an earlier run.
 *
 * @throws CertPilotError `NGINX_EDIT_FAILED` for a `webroot` that cannot be written safely, or
 *   for a block that already routes the challenge path elsewhere.
 * @throws CertPilotError `NGINX_CONFIG_CHANGED` when the block is no longer where the dump showed it.
 */
export function addChallengeLocation(fileText: string, block: ServerBlock, webroot: string): string {
  const root = quotePath(webroot, 'webroot', block);
  const server = locateServer(fileText, block);

  if (server.children.some((child) => isChallengeLocation(child) && isManaged(fileText, child))) return fileText;
  if (block.hasChallengeLocation) {
    throw editError(
      block,
      "it already has a location for /.well-known/acme-challenge/. Use that location's directory as the webroot, or remove the location",
    );
  }

  const layout = layoutOf(fileText, server.directive);
  const lines = [MANAGED_MARKER, ...challengeLocationLines(root, layout.unit)];
  return insertBeforeClose(fileText, server.directive, lines, layout);
}

/**
 * Inserts a new `server` block after `afterBlock`, in the same context, that serves http-01 on
 * `options.port` for `options.names` and returns 404 for every other path. It listens on each
 * address `afterBlock` listens on (`*` and `[::]` when that block uses them), so IPv6 is covered
 * only when `afterBlock` listens on IPv6. Returns `fileText` unchanged when an earlier run added
 * the same server.
 *
 * @throws CertPilotError `NAME_INVALID` for a name that is not a valid host name.
 * @throws CertPilotError `NGINX_EDIT_FAILED` for an invalid port, no names or an unsafe webroot.
 * @throws CertPilotError `NGINX_CONFIG_CHANGED` when `afterBlock` is no longer where the dump showed it.
 */
export function addChallengeServer(fileText: string, afterBlock: ServerBlock, options: ChallengeServerOptions): string {
  checkPort(options.port, afterBlock);
  const names = checkNames(options.names, afterBlock);
  const root = quotePath(options.webroot, 'webroot', afterBlock);
  const server = locateServer(fileText, afterBlock);

  const listens = listenArguments(afterBlock.listens, options.port, '');
  if (findManagedServer(fileText, afterBlock.file, listens, names)) return fileText;

  const layout = layoutOf(fileText, server.directive);
  const { unit } = layout;
  const lines = [
    MANAGED_MARKER,
    'server {',
    ...listens.map((listen) => `${unit}listen ${listen};`),
    `${unit}server_name ${names.join(' ')};`,
    ...challengeLocationLines(root, unit).map((line) => unit + line),
    `${unit}location / {`,
    `${unit}${unit}return 404;`,
    `${unit}}`,
    '}',
  ];
  return insertAfter(fileText, server.directive, lines.map((line) => layout.outer + line).join(layout.eol), layout);
}

/**
 * Inserts, after the plain-HTTP block `httpBlock`, a copy of it that serves HTTPS on
 * `options.port`: its `listen` directives become `listen ... ssl` on the same addresses,
 * `ssl_certificate` and `ssl_certificate_key` are set, and everything else (root, locations,
 * proxy_pass) stays, so HTTPS serves the same content. Returns `fileText` unchanged when an
 * earlier run added the same server.
 *
 * @throws CertPilotError `NAME_INVALID` for an invalid name.
 * @throws CertPilotError `NGINX_EDIT_FAILED` for an unsafe path or an invalid port, and for a
 *   block that already uses TLS, redirects to HTTPS, or takes `listen` from an included file.
 * @throws CertPilotError `NGINX_CONFIG_CHANGED` when the block moved since the dump.
 */
export function addTlsServer(fileText: string, httpBlock: ServerBlock, options: TlsServerOptions): string {
  const port = options.port ?? DEFAULT_TLS_PORT;
  checkPort(port, httpBlock);
  const certificate = quotePath(options.certificatePath, 'certificate path', httpBlock);
  const key = quotePath(options.keyPath, 'key path', httpBlock);
  const names = options.names === undefined ? undefined : checkNames(options.names, httpBlock);
  checkCopyable(httpBlock);
  const server = locateServer(fileText, httpBlock);

  const listens = listenArguments(httpBlock.listens, port, ' ssl');
  if (findManagedServer(fileText, httpBlock.file, listens, names ?? httpBlock.serverNames)) return fileText;

  const layout = layoutOf(fileText, server.directive);
  const header = [
    ...listens.map((listen) => `listen ${listen};`),
    ...(names === undefined ? [] : [`server_name ${names.join(' ')};`]),
    `ssl_certificate ${certificate};`,
    `ssl_certificate_key ${key};`,
  ];
  const replaced = new Set([
    'listen',
    'ssl',
    'ssl_certificate',
    'ssl_certificate_key',
    ...(names ? ['server_name'] : []),
  ]);
  // The copy's first line starts at `server`; its other lines keep their own indentation.
  const copy = copyServer(fileText, server, replaced, header, layout);
  return insertAfter(
    fileText,
    server.directive,
    layout.outer + MANAGED_MARKER + layout.eol + layout.outer + copy,
    layout,
  );
}

/**
 * Throws unless the file's current text is the text the dump showed, so edits computed from the
 * dump's offsets never land in a file someone changed since.
 *
 * @throws CertPilotError `NGINX_CONFIG_CHANGED` naming the path and the first changed line.
 */
export function assertUnchanged(currentText: string, dumpedText: string, path: string): void {
  if (currentText === dumpedText) return;

  let index = 0;
  while (index < currentText.length && currentText[index] === dumpedText[index]) index += 1;
  const line = lineOfOffset(currentText, index);
  throw new CertPilotError(
    'NGINX_CONFIG_CHANGED',
    `${path} changed since "nginx -T" read it (first difference at line ${line}); run the discovery again.`,
    { params: { path, line } },
  );
}

// ---- Checks of the values written into the configuration ----

const UNSAFE_PATH_CHARACTERS = /["';{}\\$]/;

/** Returns `path` in double quotes, after rejecting anything nginx would read differently. */
function quotePath(path: string, what: string, block: ServerBlock): string {
  // `$` would be read as a variable, `\` as an escape; the others could end the value or the line.
  if (path === '' || UNSAFE_PATH_CHARACTERS.test(path) || hasControlCharacter(path)) {
    throw editError(
      block,
      `the ${what} ${JSON.stringify(path)} contains a character that is unsafe in nginx configuration (quotes, ";", "{", "}", "$", "\\" or a control character such as a line break). Use a plain absolute path`,
      path,
    );
  }
  if (!posix.isAbsolute(path)) throw editError(block, `the ${what} "${path}" is not an absolute path`, path);
  return `"${path}"`;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f');
}

function checkPort(port: number, block: ServerBlock): void {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return;
  throw editError(block, `the port ${String(port)} is invalid: use 1 to 65535`, String(port));
}

function checkNames(names: string[], block: ServerBlock): string[] {
  if (names.length === 0) throw editError(block, 'no server names were given for the new server block');
  // Names are normalized by discovery already; normalizing again guards what goes into the file.
  return [...new Set(names.map(normalizeDomainName))];
}

function checkCopyable(block: ServerBlock): void {
  if (block.listens.some((listen) => listen.ssl)) throw editError(block, 'it already listens with TLS');

  const children = block.directive.block?.children ?? [];
  const includedListen = children.find((child) => child.name === 'listen' && child.file !== block.file);
  if (includedListen !== undefined) {
    throw editError(
      block,
      `its "listen ${includedListen.args.join(' ')}" comes from the included file ${includedListen.file}:${includedListen.line}, which a copy would share. Move the listen into the server block`,
    );
  }

  const redirect = children.find(isHttpsRedirect);
  if (redirect !== undefined) {
    throw editError(
      block,
      `it redirects to HTTPS ("${redirect.name} ${redirect.args.join(' ')}"), so a copy would redirect to itself. Add the HTTPS server by hand or remove the redirect first`,
    );
  }
}

function isHttpsRedirect(directive: Directive): boolean {
  const [first = '', second = ''] = directive.args;
  // `return URL` with no code is a 302 redirect.
  if (directive.name === 'return')
    return first.startsWith('https://') || (/^30[12378]$/.test(first) && second.startsWith('https://'));
  return directive.name === 'rewrite' && second.startsWith('https://');
}

function editError(block: ServerBlock, problem: string, value?: string): CertPilotError {
  return new CertPilotError(
    'NGINX_EDIT_FAILED',
    `Cannot edit the server block at ${block.file}:${block.line}: ${problem}.`,
    { params: { file: block.file, line: block.line, ...(value === undefined ? {} : { value }) } },
  );
}

// ---- Finding blocks in the current text ----

interface LocatedServer {
  directive: Directive;
  /** Children as written in this file, with `include` directives not expanded. */
  children: Directive[];
}

function locateServer(fileText: string, block: ServerBlock): LocatedServer {
  const { start, end } = block.directive;
  const found = allDirectives(parseConfigText(fileText, block.file)).find(
    (directive) => directive.name === 'server' && directive.start === start && directive.end === end,
  );
  if (found?.block === undefined) {
    throw new CertPilotError(
      'NGINX_CONFIG_CHANGED',
      `The server block at ${block.file}:${block.line} is no longer where "nginx -T" showed it; run the discovery again.`,
      { params: { file: block.file, line: block.line } },
    );
  }
  return { directive: found, children: found.block.children };
}

function allDirectives(directives: Directive[]): Directive[] {
  return directives.flatMap((directive) => [directive, ...allDirectives(directive.block?.children ?? [])]);
}

function isChallengeLocation(directive: Directive): boolean {
  return directive.name === 'location' && directive.args.join(' ') === CHALLENGE_LOCATION_ARGS.join(' ');
}

/** True when the line just above the directive's line is the marker and the directive starts its line. */
function isManaged(text: string, directive: Directive): boolean {
  const lineStart = lineStartOf(text, directive.start);
  if (lineStart === 0 || text.slice(lineStart, directive.start).trim() !== '') return false;

  const previousStart = lineStartOf(text, lineStart - 1);
  return text.slice(previousStart, lineStart - 1).trim() === MANAGED_MARKER;
}

/** Finds a server block added by an earlier run with the same `listen` arguments and names. */
function findManagedServer(fileText: string, file: string, listens: string[], names: string[]): boolean {
  const wanted = signature(listens, names);
  return allDirectives(parseConfigText(fileText, file)).some((directive) => {
    if (directive.name !== 'server' || !isManaged(fileText, directive)) return false;
    const children = directive.block?.children ?? [];
    const existingListens = children.filter((child) => child.name === 'listen').map((child) => child.args.join(' '));
    const existingNames = children.filter((child) => child.name === 'server_name').flatMap((child) => child.args);
    return signature(existingListens, existingNames) === wanted;
  });
}

function signature(listens: string[], names: string[]): string {
  return `${[...listens].sort().join(',')}|${[...new Set(names)].sort().join(',')}`;
}

// ---- Building the inserted text ----

/** Returns `listen` arguments for the addresses of `listens` on `port`, writing `*` as the bare port. */
function listenArguments(listens: ListenAddress[], port: number, suffix: string): string[] {
  const addresses = listens.length === 0 ? ['*'] : listens.map((listen) => listen.address);
  const targets = addresses.map((address) => (address === '*' ? String(port) : `${address}:${port}`));
  return [...new Set(targets)].map((target) => target + suffix);
}

function challengeLocationLines(root: string, unit: string): string[] {
  return [
    `location ${CHALLENGE_LOCATION_ARGS.join(' ')} {`,
    `${unit}default_type "text/plain";`,
    `${unit}root ${root};`,
    '}',
  ];
}

/** Indentation and line ending around a server block. */
interface Layout {
  eol: string;
  /** Indentation of the line the `server` directive starts on. */
  outer: string;
  /** Indentation of the directives inside the block. */
  inner: string;
  /** One level of indentation. */
  unit: string;
}

function layoutOf(text: string, server: Directive): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const outer = indentationAt(text, server.start);
  const first = server.block?.children[0];
  const firstOwnsLine = first !== undefined && startsLine(text, first.start);
  const inner = firstOwnsLine ? indentationAt(text, first.start) : '';

  let unit = outer.includes('\t') ? '\t' : '    ';
  if (inner.startsWith(outer) && inner.length > outer.length) unit = inner.slice(outer.length);
  return { eol, outer, inner: firstOwnsLine ? inner : outer + unit, unit };
}

function lineStartOf(text: string, offset: number): number {
  return offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStartOf(text, offset), offset).trim() === '';
}

function indentationAt(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStartOf(text, offset)))?.[0] ?? '';
}

/** Inserts `lines`, indented as the block's children, on lines of their own before its `}`. */
function insertBeforeClose(text: string, server: Directive, lines: string[], layout: Layout): string {
  const close = server.block?.close ?? server.end - 1;
  const body = lines.map((line) => layout.inner + line).join(layout.eol);

  if (startsLine(text, close)) {
    const lineStart = lineStartOf(text, close);
    return text.slice(0, lineStart) + body + layout.eol + text.slice(lineStart);
  }
  // The `}` follows other text on its line: end that line, and give the `}` a line of its own.
  const cut = text.slice(0, close).trimEnd().length;
  return text.slice(0, cut) + layout.eol + body + layout.eol + layout.outer + text.slice(close);
}

/** Inserts `body`, already indented, after the block with a blank line between. */
function insertAfter(text: string, server: Directive, body: string, layout: Layout): string {
  const lineEnd = text.indexOf('\n', server.end);
  const rest = text.slice(server.end, lineEnd === -1 ? text.length : lineEnd).trim();

  if (lineEnd === -1 && (rest === '' || rest.startsWith('#'))) {
    return text + layout.eol + layout.eol + body;
  }
  if (rest === '' || rest.startsWith('#')) {
    return text.slice(0, lineEnd + 1) + layout.eol + body + layout.eol + text.slice(lineEnd + 1);
  }
  // Other directives follow on the same line, such as the `}` of `http`: keep them after the copy.
  const next = server.end + (text.slice(server.end).length - text.slice(server.end).trimStart().length);
  return text.slice(0, server.end) + layout.eol + layout.eol + body + layout.eol + layout.outer + text.slice(next);
}

/**
 * Returns the text of `server` with the direct children named in `replaced` removed and `header`
 * inserted at the top of the block.
 */
function copyServer(
  text: string,
  server: LocatedServer,
  replaced: Set<string>,
  header: string[],
  layout: Layout,
): string {
  const { start, end } = server.directive;
  const open = server.directive.block?.open ?? start;
  const removals = server.children
    .filter((child) => replaced.has(child.name))
    .map((child) => removalRange(text, child))
    .sort((left, right) => right.start - left.start);

  let copy = text.slice(start, end);
  for (const removal of removals) {
    copy = copy.slice(0, removal.start - start) + copy.slice(removal.end - start);
  }

  const headerText = header.map((line) => layout.inner + line).join(layout.eol);
  const afterOpen = open - start;
  const lineEnd = copy.indexOf('\n', afterOpen);
  const restOfLine = copy.slice(afterOpen, lineEnd === -1 ? copy.length : lineEnd).trim();
  if (lineEnd !== -1 && (restOfLine === '' || restOfLine.startsWith('#'))) {
    return copy.slice(0, lineEnd + 1) + headerText + layout.eol + copy.slice(lineEnd + 1);
  }
  const rest = copy.slice(afterOpen).trimStart();
  const closingIndent = rest.startsWith('}') ? layout.outer : layout.inner;
  return copy.slice(0, afterOpen) + layout.eol + headerText + layout.eol + closingIndent + rest;
}

/** Returns the range of the directive's whole lines when nothing else is on them, else of the directive alone. */
function removalRange(text: string, directive: Directive): { start: number; end: number } {
  const lineStart = lineStartOf(text, directive.start);
  const lineEnd = text.indexOf('\n', directive.end);
  const after = text.slice(directive.end, lineEnd === -1 ? text.length : lineEnd).trim();
  const ownsLine = startsLine(text, directive.start) && (after === '' || after.startsWith('#'));
  if (!ownsLine) return { start: directive.start, end: directive.end };
  return { start: lineStart, end: lineEnd === -1 ? text.length : lineEnd + 1 };
}
