import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.password',
  'token',
  'redisUrl',
];

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
}

export interface LoggerSettings {
  /**
   * Gather lines and write them to stdout in batches: a write when 2 KiB are
   * waiting, or a quarter second after the first line. Each write holds whole
   * lines and at most 4 KiB, so the lines of several processes sharing one
   * pipe never interleave. Writes stay on the main thread (a thread-pool write
   * per batch would cost more in hand-off than the write itself). What waits
   * is written when the process exits.
   */
  batched?: boolean;
}

const BATCH_BYTES = 2048;
const BATCH_MS = 250;

export function createLogger(
  level = process.env.SURFHIVE_LOG_LEVEL ?? 'info',
  settings: LoggerSettings = {},
): Logger {
  if (!settings.batched) return pino(loggerOptions(level));
  const dest = pino.destination({
    dest: 1,
    sync: true,
    minLength: BATCH_BYTES,
    maxWrite: 4096,
    periodicFlush: BATCH_MS,
  });
  process.once('exit', () => dest.flushSync());
  return pino(loggerOptions(level), dest);
}
