/** nginx configuration: reading `nginx -T`, discovering sites, and editing configuration text. */
export { splitNginxDump } from './dump.js';
export { parseConfigText } from './parse.js';
export { parseNginxDump, type ParseDumpOptions } from './config.js';
export { classifyServerNames, findServerBlocks, groupSites, parseListen } from './discover.js';
export {
  MANAGED_MARKER,
  addChallengeLocation,
  addChallengeServer,
  addTlsServer,
  assertUnchanged,
  type ChallengeServerOptions,
  type TlsServerOptions,
} from './edit.js';
