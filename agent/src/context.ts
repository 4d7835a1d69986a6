import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AcmeIssuer, createLogger, LifecycleEmitter, LocalHost, NginxControl, type Logger } from '@certpilot/core';
import { AriCacheFile } from './ari.js';
import { loadConfig, type AgentConfig } from './config.js';
import type { Translator } from './i18n/index.js';
import { FileAccountStore, FileJobStore, FileKeyStore, StateDir } from './state/stores.js';

/** Everything a command needs, built once per run. */
export interface AgentContext {
  config: AgentConfig;
  host: LocalHost;
  state: StateDir;
  jobs: FileJobStore;
  keys: FileKeyStore;
  events: LifecycleEmitter;
  logger: Logger;
  i18n: Translator;
  ari: AriCacheFile;
  /** Locates nginx on first use. */
  nginx(): Promise<NginxControl>;
  /** Creates the ACME issuer on first use; runs with nothing due never call it. */
  issuer(): Promise<AcmeIssuer>;
  /** Writes a line for people on stdout. */
  print(line: string): void;
}

export async function createContext(options: {
  configPath?: string;
  verbose: boolean;
  i18n: Translator;
}): Promise<AgentContext> {
  const config = await loadConfig(options.configPath);
  // Traversable but not listable: nginx workers must reach <stateDir>/webroot, while keys/,
  // accounts/ and backups/ below stay 0700.
  await mkdir(config.stateDir, { recursive: true, mode: 0o711 });
  const logger = createLogger({ level: options.verbose ? 'debug' : 'silent' }).child({ app: 'certpilot-agent' });
  const state = new StateDir(config.stateDir);
  const host = new LocalHost();
  let control: Promise<NginxControl> | undefined;
  let issuer: Promise<AcmeIssuer> | undefined;

  return {
    config,
    host,
    state,
    jobs: new FileJobStore(state),
    keys: new FileKeyStore(state),
    events: new LifecycleEmitter(),
    logger,
    i18n: options.i18n,
    ari: new AriCacheFile(config, logger.child({ subsystem: 'ari' })),
    nginx(): Promise<NginxControl> {
      return (control ??= NginxControl.locate(host, {
        ...(config.nginx.bin ? { bin: config.nginx.bin } : {}),
        ...(config.nginx.conf ? { conf: config.nginx.conf } : {}),
        ...(config.nginx.prefix ? { prefix: config.nginx.prefix } : {}),
      }));
    },
    issuer(): Promise<AcmeIssuer> {
      return (issuer ??= createIssuer(config.acme, state, logger));
    },
    print(line: string) {
      process.stdout.write(`${line}\n`);
    },
  };
}

/** Creates the ACME issuer for `acme` settings, with the account kept in the state directory. */
export async function createIssuer(acme: AgentConfig['acme'], state: StateDir, logger: Logger): Promise<AcmeIssuer> {
  return new AcmeIssuer({
    directoryUrl: acme.directoryUrl,
    ...(acme.email ? { email: acme.email } : {}),
    ...(acme.caCertFile ? { caCertPem: await readFile(acme.caCertFile, 'utf8') } : {}),
    ...(acme.eab ? { eab: acme.eab } : {}),
    ...(acme.preferredChain ? { preferredChain: acme.preferredChain } : {}),
    accounts: new FileAccountStore(state),
    logger,
  });
}

export function backupDirFor(context: AgentContext, purpose: string): string {
  return join(context.state.backupsDir, purpose);
}
