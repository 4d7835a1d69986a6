// The relay under test in bench/relay-load.ts, which bundles this file and runs it as a child
// process so that the relay's memory and CPU are its own and the load generator gets the other
// core. It starts the real `startRelay` with the options in CERTPILOT_BENCH_RELAY_OPTIONS (JSON)
// and the production logger at level info (one line per request, to stderr), then sends `{ url }`
// over the IPC channel.
import { createLogger } from '@certpilot/core';
import { startRelay, type RelayOptions } from '../relay/src/server.js';

if (process.send === undefined) throw new Error('relay-server.ts needs an IPC channel: run bench/relay-load.ts');
const options = JSON.parse(process.env.CERTPILOT_BENCH_RELAY_OPTIONS ?? '{}') as Omit<RelayOptions, 'logger'>;
const relay = await startRelay({ ...options, logger: createLogger({ level: 'info' }) });
process.once('SIGTERM', () => void relay.close().then(() => process.exit(0)));
// Exits when the parent goes away without stopping this process first.
process.once('disconnect', () => void relay.close().then(() => process.exit(0)));
process.send({ url: relay.url });
