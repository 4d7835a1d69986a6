import { CertPilotError } from '../errors.js';
import type { Directive } from './types.js';

/**
 * Tokenizer and parser for nginx configuration syntax. They follow the rules of nginx 1.22's
 * `ngx_conf_read_token`, so a file that `nginx -t` accepts parses to the directives nginx reads.
 * The parser has no list of directive names, so any `name args {` opens a block.
 */

type Punctuation = ';' | '{' | '}';

interface Token {
  kind: 'word' | Punctuation;
  /** Word value with quotes removed and escapes resolved; the character itself for punctuation. */
  value: string;
  start: number;
  end: number;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Parses one configuration file's text into its top-level directives. `include` directives stay
 * as they are written.
 *
 * @param file - Path used in the directives and in error messages.
 * @throws CertPilotError `NGINX_CONFIG_INVALID` naming the file and line of a syntax error.
 */
export function parseConfigText(text: string, file: string): Directive[] {
  const source = new Source(text, file);
  const tokens = tokenize(source);
  const parser = new Parser(source, tokens);
  return parser.parseFile();
}

/** Returns the 1-based line number of `offset` in `text`. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line += 1;
  }
  return line;
}

class Source {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
      this.lineStarts.push(index + 1);
    }
  }

  lineAt(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  error(offset: number, problem: string, value?: string): CertPilotError {
    const line = this.lineAt(offset);
    return new CertPilotError(
      'NGINX_CONFIG_INVALID',
      `Invalid nginx configuration at ${this.file}:${line}: ${problem}.`,
      {
        params: { file: this.file, line, ...(value === undefined ? {} : { value }) },
      },
    );
  }
}

function tokenize(source: Source): Token[] {
  const { text } = source;
  const tokens: Token[] = [];
  let offset = 0;

  while (offset < text.length) {
    const char = text[offset] ?? '';
    if (WHITESPACE.has(char)) {
      offset += 1;
    } else if (char === '#') {
      offset = skipComment(text, offset);
    } else if (char === ';' || char === '{' || char === '}') {
      tokens.push({ kind: char, value: char, start: offset, end: offset + 1 });
      offset += 1;
    } else if (char === '"' || char === "'") {
      const token = readQuoted(source, offset);
      tokens.push(token);
      offset = token.end;
    } else {
      const token = readWord(text, offset);
      tokens.push(token);
      offset = token.end;
    }
  }
  return tokens;
}

function skipComment(text: string, offset: number): number {
  const lineEnd = text.indexOf('\n', offset);
  return lineEnd === -1 ? text.length : lineEnd;
}

function readQuoted(source: Source, start: number): Token {
  const { text } = source;
  const quote = text[start];
  let offset = start + 1;

  while (offset < text.length && text[offset] !== quote) {
    offset += text[offset] === '\\' ? 2 : 1;
  }
  if (offset >= text.length) {
    throw source.error(
      start,
      `unterminated ${quote === '"' ? 'double' : 'single'}-quoted string: add the closing ${quote}`,
    );
  }

  const end = offset + 1;
  const next = text[end];
  // nginx wants a separator after a closing quote; `)` is allowed for `if ($a = "b")`.
  if (next !== undefined && !WHITESPACE.has(next) && next !== ';' && next !== '{' && next !== ')') {
    throw source.error(end, `unexpected "${next}" right after a quoted string: add a space or ";"`, next);
  }
  return { kind: 'word', value: unescape(text.slice(start + 1, offset)), start, end };
}

function readWord(text: string, start: number): Token {
  let offset = start;
  let afterDollar = false;

  while (offset < text.length) {
    const char = text[offset] ?? '';
    if (char === '\\') {
      afterDollar = false;
      offset += 2;
      continue;
    }
    // `${name}` keeps its brace inside the word; any other `{` ends the word.
    if (char === '{' && afterDollar) {
      afterDollar = false;
      offset += 1;
      continue;
    }
    if (WHITESPACE.has(char) || char === ';' || char === '{') break;
    afterDollar = char === '$';
    offset += 1;
  }

  const end = Math.min(offset, text.length);
  return { kind: 'word', value: unescape(text.slice(start, end)), start, end };
}

// nginx resolves \" \' \\ \t \r \n and keeps the backslash of any other escape, so regexes such
// as `~^www\d+\.example\.net$` arrive as written.
function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;

  let value = '';
  let index = 0;
  while (index < raw.length) {
    const char = raw[index] ?? '';
    const next = raw[index + 1];
    if (char === '\\' && next !== undefined && `"'\\`.includes(next)) {
      value += next;
      index += 2;
    } else if (char === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      value += ESCAPES[next];
      index += 2;
    } else {
      value += char;
      index += 1;
    }
  }
  return value;
}

const ESCAPES: Record<string, string> = { t: '\t', r: '\r', n: '\n' };

class Parser {
  private position = 0;

  constructor(
    private readonly source: Source,
    private readonly tokens: Token[],
  ) {}

  parseFile(): Directive[] {
    const directives = this.parseDirectives(undefined);
    const stray = this.tokens[this.position];
    if (stray !== undefined) throw this.source.error(stray.start, 'unexpected "}" without a block to close', '}');
    return directives;
  }

  /** Parses directives until the `}` that closes `parent`, or to the end of the file at top level. */
  private parseDirectives(parent: Directive | undefined): Directive[] {
    const directives: Directive[] = [];

    for (;;) {
      const token = this.tokens[this.position];
      if (token === undefined) {
        if (parent !== undefined) {
          throw this.source.error(
            parent.start,
            `missing "}" to close the "${parent.name}" block opened here`,
            parent.name,
          );
        }
        return directives;
      }
      if (token.kind === '}') return directives;
      directives.push(this.parseDirective());
    }
  }

  private parseDirective(): Directive {
    const words = this.readWords();
    const terminator = this.tokens[this.position];
    const first = words[0];

    if (terminator === undefined) {
      const name = first?.value ?? '';
      throw this.source.error(first?.start ?? 0, `missing ";" or "{" after the "${name}" directive`, name);
    }
    if (first === undefined) {
      throw this.source.error(
        terminator.start,
        `unexpected "${terminator.value}" without a directive name`,
        terminator.value,
      );
    }
    if (terminator.kind === '}') {
      throw this.source.error(first.start, `missing ";" after the "${first.value}" directive`, first.value);
    }

    this.position += 1;
    const directive: Directive = {
      name: first.value,
      args: words.slice(1).map((word) => word.value),
      file: this.source.file,
      line: this.source.lineAt(first.start),
      start: first.start,
      end: terminator.end,
    };
    if (terminator.kind === '{') this.parseBlockBody(directive, terminator.end);
    return directive;
  }

  private readWords(): Token[] {
    const words: Token[] = [];
    for (let token = this.tokens[this.position]; token?.kind === 'word'; token = this.tokens[this.position]) {
      words.push(token);
      this.position += 1;
    }
    return words;
  }

  private parseBlockBody(directive: Directive, open: number): void {
    const children = this.parseDirectives(directive);
    const close = this.tokens[this.position];
    if (close === undefined) throw new Error('parser invariant: a block ended without its "}" token');

    this.position += 1;
    directive.end = close.end;
    directive.block = { open, close: close.start, children };
  }
}
