/**
 * The entry point of a relay run as a child process by tests that must kill it without warning
 * (SIGKILL). It runs the real `startRelay`, configured from one JSON environment variable,
 * because the CLI has no flags for the fake cloud endpoints. It prints `listening <url>` once ready.
 */
import { createLogger } from '@certpilot/core';
import { startRelay, type RelayOptions } from '../../src/server.js';

const options = JSON.parse(process.env.CERTPILOT_TEST_RELAY_OPTIONS ?? '{}') as Omit<RelayOptions, 'logger'>;
const relay = await startRelay({ ...options, logger: createLogger({ level: 'warn' }) });
process.stdout.write(`listening ${relay.url}\n`);
process.once('SIGTERM', () => {
  void relay.close().then(() => process.exit(0));
});
