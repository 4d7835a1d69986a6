import { CertPilotError } from '../errors.js';
import type { ConfigFile } from './types.js';

/**
 * Splitting the standard output of `nginx -T` into files.
 *
 * nginx 1.22 writes, for each file it read, the line `# configuration file PATH:`, the file's bytes
 * as they are, and one newline of its own. It writes each path once, in the order it first read
 * them, starting with the main file.
 */

const HEADER_PREFIX = '# configuration file ';

/**
 * Splits `nginx -T` standard output into its files, in dump order, with paths as nginx printed
 * them. Each `text` is the file's content exactly: the newline nginx adds after it is removed.
 *
 * NOTE: a file containing a line that looks exactly like a header (`# configuration file /x:`)
 * is split there, because the dump has no other separator. Parsing the halves then usually fails.
 *
 * @throws CertPilotError `NGINX_CONFIG_INVALID` when the output does not start with a header or
 *   does not end with the newline nginx writes after the last file (the output was cut short).
 */
export function splitNginxDump(stdout: string): ConfigFile[] {
  const headers = findHeaders(stdout);
  const first = headers[0];
  if (first === undefined || first.start !== 0) {
    const firstLine = stdout.split('\n', 1)[0]?.slice(0, 200) ?? '';
    throw dumpError(`it starts with "${firstLine}" instead of "${HEADER_PREFIX}PATH:"`);
  }
  if (!stdout.endsWith('\n')) {
    throw dumpError('the newline nginx writes after each file is missing at the end, so the output was cut short');
  }

  const files: ConfigFile[] = [];
  const seen = new Set<string>();
  headers.forEach((header, index) => {
    const next = headers[index + 1]?.start ?? stdout.length;
    if (seen.has(header.path)) return;
    seen.add(header.path);
    files.push({ path: header.path, text: stdout.slice(header.contentStart, next - 1) });
  });
  return files;
}

interface Header {
  path: string;
  /** Offset of the `#` that starts the header line. */
  start: number;
  /** Offset just after the header line's newline. */
  contentStart: number;
}

// A header always starts a line and ends with `:` and a bare LF. A CRLF line inside a file is
// therefore never taken for one.
function findHeaders(stdout: string): Header[] {
  const headers: Header[] = [];

  for (let start = 0; start !== -1 && start < stdout.length;) {
    const lineEnd = stdout.indexOf('\n', start);
    if (lineEnd === -1) break;

    const line = stdout.slice(start, lineEnd);
    if (line.startsWith(HEADER_PREFIX) && line.endsWith(':') && line.length > HEADER_PREFIX.length + 1) {
      headers.push({ path: line.slice(HEADER_PREFIX.length, -1), start, contentStart: lineEnd + 1 });
    }
    start = lineEnd + 1;
  }
  return headers;
}

function dumpError(problem: string): CertPilotError {
  return new CertPilotError('NGINX_CONFIG_INVALID', `Invalid output of "nginx -T": ${problem}.`, {
    params: { command: 'nginx -T' },
  });
}
