import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino censors before a line is written. Hosts add their own; these cover the names the
 * core uses for private keys, tokens, passwords and AccessKey secrets at any depth up to three.
 */
const SECRET_KEYS = [
  'privateKey',
  'private_key',
  'key',
  'keyPem',
  'pri',
  'password',
  'token',
  'authorization',
  'accessKeySecret',
  'secret',
  'hmacKey',
  'eabHmacKey',
];

const REDACT_PATHS = SECRET_KEYS.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]);

export type { Logger };

export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  /** Where lines go; stderr by default so command output on stdout stays machine-readable. */
  destination?: NodeJS.WritableStream;
  extraRedactPaths?: string[];
}

/** Creates the root logger of a host; subsystems take `logger.child({ subsystem })`. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS, ...(options.extraRedactPaths ?? [])], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** A logger that drops every line: the default for library calls whose host passed none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
