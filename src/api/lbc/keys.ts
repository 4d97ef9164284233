import { CTYPE_PATTERN, LIKE_PATTERN } from '../rest/schemas.js';

/**
 * Checks of the fields the lookup commands read. A failing key answers
 * `bad <key> key.` as the old server did. The old character set for names is
 * kept ([A-Za-z0-9_% ]); values are always bound, never spliced into SQL.
 */
const NAME_RE = new RegExp(LIKE_PATTERN);
const CTYPE_RE = new RegExp(CTYPE_PATTERN);
const MAX_WILDCARDS = 8;

export const badKey = (key: string) => ({ log: `bad ${key} key.` });

function wildcards(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 37) n++;
  return n;
}

/** A name or `%` pattern, or undefined when the key is missing, empty or unsafe. */
export function nameKey(fields: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (typeof v !== 'string' || !NAME_RE.test(v) || wildcards(v) > MAX_WILDCARDS) return undefined;
  return v;
}

export function typeKey(fields: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (typeof v !== 'string' || !CTYPE_RE.test(v)) return undefined;
  return v;
}

export const has = (fields: Readonly<Record<string, unknown>>, key: string) =>
  Object.hasOwn(fields, key) && fields[key] !== undefined && fields[key] !== null;

export const hasWildcard = (s: string) => s.includes('%');
