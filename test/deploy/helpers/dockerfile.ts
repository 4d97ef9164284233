import { readFileSync } from 'node:fs';

export interface Instruction {
  stage: number;
  op: string;
  args: string;
}

/** A Dockerfile as instructions (continuation lines joined, comments dropped), numbered by build stage. */
export function parseDockerfile(file: string): Instruction[] {
  const logical: string[] = [];
  let cur = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(cur + line);
    cur = '';
  }
  let stage = -1;
  return logical.map((l) => {
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    return { stage, op, args: m[2]! };
  });
}

/** Packages named by `apt-get install` in the given instructions. */
export function aptPackages(instrs: Instruction[]): Set<string> {
  const out = new Set<string>();
  for (const i of instrs.filter((x) => x.op === 'RUN')) {
    for (const m of i.args.matchAll(/apt-get install ([^&;|]*)/g))
      for (const w of m[1]!.split(/\s+/)) if (w && !w.startsWith('-')) out.add(w);
  }
  return out;
}

/** COPY sources from the build context (not --from=stage), with the destination. */
export function contextCopies(instrs: Instruction[]): { sources: string[]; dest: string }[] {
  return instrs
    .filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !/--from=/.test(i.args))
    .map((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return { sources: words.slice(0, -1), dest: words.at(-1)! };
    });
}
