/**
 * The nginx configuration as `nginx -T` shows it, and the sites found in it.
 *
 * Offsets are UTF-16 indexes into the file's text as the dump shows it. The dump contains each
 * file verbatim, so an offset also points into the file on disk as long as it has not changed
 * since the dump (edits check that first).
 */

/** One file of the dump, in the order nginx read it. */
export interface ConfigFile {
  path: string;
  text: string;
}

/** A directive: `name args;` or `name args { children }`. */
export interface Directive {
  name: string;
  /** Arguments with quotes removed and escapes resolved. */
  args: string[];
  file: string;
  /** 1-based line of the directive name. */
  line: number;
  /** Offset of the directive's first character. */
  start: number;
  /** Offset just after its `;` or closing `}`. */
  end: number;
  /** For blocks: offset just after `{` and offset of the closing `}`; absent for simple directives. */
  block?: { open: number; close: number; children: Directive[] };
}

export interface NginxConfig {
  /** Absolute path of the main file (the first one in the dump). */
  mainFile: string;
  files: ConfigFile[];
  /** Top-level directives of the main file with `include`s expanded in place. */
  directives: Directive[];
}

export interface ListenAddress {
  /** `*` for all IPv4 addresses, `[::]` for all IPv6 ones, else an IP or host name. */
  address: string;
  port: number;
  ssl: boolean;
  ipv6: boolean;
  defaultServer: boolean;
  /** The directive's arguments as written, for messages. */
  raw: string;
}

/** One `server { }` block of the `http` context. */
export interface ServerBlock {
  file: string;
  line: number;
  directive: Directive;
  /** `server_name` values as written, all of them, from every `server_name` directive. */
  serverNames: string[];
  /** Host names usable in a certificate: normalized, without regex names, `_` or `""`. */
  names: string[];
  /** `server_name` values left out of `names`, with the reason, for `scan` to show. */
  skippedNames: Array<{ value: string; reason: string }>;
  listens: ListenAddress[];
  /** Absolute `ssl_certificate` path (relative paths resolved against the nginx prefix). */
  certificatePath?: string;
  certificateKeyPath?: string;
  /** True when the block already routes `/.well-known/acme-challenge/` somewhere. */
  hasChallengeLocation: boolean;
}

/** One certificate's worth of names plus the server blocks that serve it. */
export interface NginxSite {
  /** The first name of the first block: how people and `--site` refer to it. */
  id: string;
  names: string[];
  certificatePath: string;
  certificateKeyPath: string;
  blocks: ServerBlock[];
  /** Problems that make the site impossible to renew as it is, for people to read. */
  problems: string[];
}
