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
  skippedNames: Array<{ value: string; reason: SkippedNameReason }>;
  /** TCP `listen` addresses (unix sockets left out); nginx's default `*:80`, with `raw` empty, when the block has no `listen`. */
  listens: ListenAddress[];
  /**
   * `ssl_certificate` path, from the block or else from the `http` level, with relative paths
   * resolved against the conf prefix. A path with `$variables` is kept as written, an inline
   * `data:` value is shortened to `data:`.
   */
  certificatePath?: string;
  /** `ssl_certificate_key` path, by the same rules as `certificatePath`. */
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
  /** Problems that make the site impossible to renew as it is; hosts translate them for people. */
  problems: SiteProblem[];
}

/**
 * Reason a `server_name` value cannot go into a certificate. The value is a regex, the catch-all
 * `_` or `""`, a variable such as `$hostname`, or a suffix wildcard such as `www.example.*`.
 * Otherwise it is not public (localhost, an IP address, a single label) or not a valid host name.
 */
export type SkippedNameReason = 'regex' | 'catch-all' | 'variable' | 'suffix-wildcard' | 'not-public' | 'invalid';

/** A problem found in a site, as a code that hosts translate and the value it is about. */
export interface SiteProblem {
  code: SiteProblemCode;
  /** The value the problem is about, untranslated: a path, names, or `file:line`. */
  detail: string;
}

/**
 * - `no-names`: no `server_name` of the site can go into a certificate.
 * - `wildcard-needs-dns01`: the site has wildcard names, which only a dns-01 solver can prove.
 * - `certificate-missing`: a TLS block has no `ssl_certificate` or no `ssl_certificate_key`.
 * - `certificate-path-variable`: a certificate or key path contains a `$variable`.
 * - `certificate-inline`: a certificate or key is given inline as `data:...`.
 * - `shared-certificate-file`: another site uses the same certificate file with another key.
 * - `multiple-certificates`: a block has several certificates (such as RSA and ECDSA); only the first is managed.
 */
export type SiteProblemCode =
  | 'no-names'
  | 'wildcard-needs-dns01'
  | 'certificate-missing'
  | 'certificate-path-variable'
  | 'certificate-inline'
  | 'shared-certificate-file'
  | 'multiple-certificates';
