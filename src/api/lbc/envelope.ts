/** The legacy response envelope: `{"result","status","code","res":[...]}`. */
const OK_HEAD = Buffer.from('{"result":"success","status":true,"code":200,"res":[');
const TAIL = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** Single-result envelopes of cached answers, kept as long as the answer buffer lives. */
const enveloped = new WeakMap<Buffer, Buffer>();

/** Joins already-serialized result objects into one success envelope. */
export function lbcSuccess(results: Buffer[]): Buffer {
  if (results.length === 1) {
    const one = results[0]!;
    let whole = enveloped.get(one);
    if (!whole) {
      whole = Buffer.concat([OK_HEAD, one, TAIL]);
      enveloped.set(one, whole);
    }
    return whole;
  }
  const parts: Buffer[] = [OK_HEAD];
  results.forEach((r, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(r);
  });
  parts.push(TAIL);
  return Buffer.concat(parts);
}

/** A request the server could not take at all (not a JSON array, too large...). */
export const lbcFailure = (log: string): string =>
  JSON.stringify({ result: 'failed', status: false, code: 500, res: [{ log }] });
