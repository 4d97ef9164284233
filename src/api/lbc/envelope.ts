/** The legacy response envelope: `{"result","status","code","res":[...]}`. */
const OK_HEAD = Buffer.from('{"result":"success","status":true,"code":200,"res":[');
const TAIL = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** Joins already-serialized result objects into one success envelope. */
export function lbcSuccess(results: Buffer[]): Buffer {
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
