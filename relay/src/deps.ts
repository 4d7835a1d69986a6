import type { Logger, Sealer } from '@certpilot/core';
import type { RelayDb } from './db/database.js';
import type { LoginLimiter } from './http/rate-limit.js';

/** What the route handlers share: the database, the sealer and the login limiter. */
export interface RelayDeps {
  db: RelayDb;
  sealer: Sealer;
  limiter: LoginLimiter;
  /** Set the session cookie's `Secure` flag (the relay's public URL is https). */
  secureCookies: boolean;
  /** The address users and agents reach the relay at, when configured (`--public-url`). */
  publicUrl?: string | undefined;
  /** The agent bundle served to `/agent/install.sh` users; build/out/certpilot-agent.mjs by default. */
  agentBundleFile?: string | undefined;
  logger: Logger;
}
