import pino, { type Logger, type LoggerOptions } from 'pino';
import { LineBatches } from './line-batches.js';

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
  /** Gather lines and write them to stdout in batches (log/line-batches.ts). What waits is written when the process exits. */
  batched?: boolean;
}

export function createLogger(
  level = process.env.SURFHIVE_LOG_LEVEL ?? 'info',
  settings: LoggerSettings = {},
): Logger {
  if (!settings.batched) return pino(loggerOptions(level));
  const dest = new LineBatches(1);
  process.once('exit', () => dest.flushSync());
  return pino(loggerOptions(level), dest);
}
