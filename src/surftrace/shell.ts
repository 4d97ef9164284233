/** Single-quotes a string for POSIX sh; callers pass only validated text (no NUL or newline). */
export function shq(s: string): string {
  if (/[\0\n\r]/.test(s)) throw new Error('refusing to quote a control character');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A script that only reports an error (the GET form answers errors this way for `curl | sh`). */
export function errorScript(message: string): string {
  const clean = message.replace(/[\0-\x1f\x7f]/g, ' ');
  return `#!/bin/sh\nprintf '%s\\n' ${shq(`surfhive: ${clean}`)} >&2\nexit 1\n`;
}
