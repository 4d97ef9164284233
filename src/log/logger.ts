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
   * Write to stdout asynchronously: lines written while a write is under way
   * go out together in the next one (one syscall for many access lines under
   * load). Whatever is buffered is flushed when the process exits. Writes
   * stay at most 4 KiB of whole lines, so the lines of several processes
   * sharing one pipe never interleave. If stdout stops taking lines, at most
   * 16 MiB wait; later lines are dropped rather than held.
   */
  async?: boolean;
}

export function createLogger(
  level = process.env.SURFHIVE_LOG_LEVEL ?? 'info',
  settings: LoggerSettings = {},
): Logger {
  if (!settings.async) return pino(loggerOptions(level));
  return pino(
    loggerOptions(level),
    pino.destination({ dest: 1, sync: false, maxWrite: 4096, maxLength: 16 * 1024 * 1024 }),
  );
}
