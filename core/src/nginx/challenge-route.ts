import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import type { Logger } from '../log.js';
import { nameMatches } from '../names.js';
import { applyConfigEdits } from './apply-edit.js';
import type { NginxControl } from './control.js';
import { addChallengeLocation, addChallengeServer } from './edit.js';
import type { Directive, NginxConfig, ServerBlock } from './types.js';

export interface ChallengeRouteOptions {
  control: NginxControl;
  /** Port the CA connects to for http-01 (80 in production). */
  port: number;
  /** Where CertPilot's own challenge location points. */
  webroot: string;
  /** Directory for backups of edited config files. */
  backupDir: string;
  logger: Logger;
  /** Reads the configuration again after an edit (offsets shift with every edit). */
  rediscover: () => Promise<{ config: NginxConfig; blocks: ServerBlock[] }>;
}

/**
 * Makes sure nginx answers `http://<name>:<port>/.well-known/acme-challenge/` from a webroot for
 * every name: a plain-HTTP block that serves the name gets a challenge location; a name no such
 * block serves gets a small server block next to `anchor`. Returns the webroot of each name
 * (an existing challenge location of another tool keeps its own root).
 */
export async function ensureChallengeRoutes(
  names: string[],
  anchor: ServerBlock,
  options: ChallengeRouteOptions,
): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  let { config, blocks } = await options.rediscover();

  // Each edit changes offsets, so one edit is applied at a time and the config read again. Every
  // name needs at most one edit, plus one pass to record the routes the last edit made.
  for (let round = 0; round <= names.length + 1; round++) {
    const pending = names.filter((name) => !roots.has(name));
    const edit = planNextEdit(pending, blocks, anchor, options, roots);
    if (!edit) {
      if (names.every((name) => roots.has(name))) return roots;
      continue;
    }
    const file = config.files.find((candidate) => candidate.path === edit.path);
    if (!file)
      throw new CertPilotError('NGINX_EDIT_FAILED', `${edit.path} is not part of the nginx -T dump.`, {
        params: { path: edit.path },
      });
    await applyConfigEdits(
      options.control,
      [{ path: edit.path, dumpedText: file.text, newText: edit.apply(file.text) }],
      posix.join(options.backupDir, `${Date.now()}`),
      options.logger,
    );
    ({ config, blocks } = await options.rediscover());
    anchor = blocks.find((block) => block.file === anchor.file && block.names.join() === anchor.names.join()) ?? anchor;
  }
  throw new CertPilotError(
    'NGINX_EDIT_FAILED',
    `Could not route http-01 challenges for ${names.join(', ')} on port ${options.port}.`,
    {
      params: { names: names.join(', '), port: options.port },
    },
  );
}

/** Records names already routed in `roots` and returns the edit for the first one that is not. */
function planNextEdit(
  pending: string[],
  blocks: ServerBlock[],
  anchor: ServerBlock,
  options: ChallengeRouteOptions,
  roots: Map<string, string>,
): { path: string; apply: (text: string) => string } | null {
  for (const name of pending) {
    const block = plainBlockFor(name, blocks, options.port);
    if (!block) continue;
    if (block.hasChallengeLocation) {
      roots.set(name, challengeRoot(block) ?? options.webroot);
      continue;
    }
    return { path: block.file, apply: (text) => addChallengeLocation(text, block, options.webroot) };
  }

  const unserved = pending.filter((name) => !roots.has(name) && !plainBlockFor(name, blocks, options.port));
  if (unserved.length === 0) return null;
  return {
    path: anchor.file,
    apply: (text) =>
      addChallengeServer(text, anchor, { port: options.port, names: unserved, webroot: options.webroot }),
  };
}

/** The server block nginx would pick for `name` on plain-HTTP `port`, matching names only. */
export function plainBlockFor(name: string, blocks: ServerBlock[], port: number): ServerBlock | undefined {
  const onPort = blocks.filter((block) => block.listens.some((listen) => !listen.ssl && listen.port === port));
  return (
    onPort.find((block) => block.names.includes(name)) ??
    onPort.find((block) => block.names.some((pattern) => nameMatches(pattern, name)))
  );
}

/** The `root` inside the block's challenge location, when it has one. */
function challengeRoot(block: ServerBlock): string | undefined {
  const location = (block.directive.block?.children ?? []).find(
    (child: Directive) =>
      child.name === 'location' && child.args.some((arg) => arg.includes('/.well-known/acme-challenge')),
  );
  const root = location?.block?.children.find((child) => child.name === 'root');
  return root?.args[0];
}
