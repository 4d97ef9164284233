import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isSurfhiveError } from '../../src/errors/codes.js';
import { compileExpressions } from '../../src/surftrace/compile.js';
import type { KernelTypes } from '../../src/surftrace/kernel-types.js';
import { fixtureRows, LOCAL_BTF, localRows, tempDb } from './helpers/kernel-dbs.js';
import { openTypes } from './helpers/open-types.js';

interface Shown {
  type: string;
  fxpr: string;
  filter: string;
}
type Expect = { shown: Shown[] } | { error: string };
interface Case {
  name: string;
  expressions: string[];
  client: Record<'fixture' | 'local', Expect>;
}
interface Deviation {
  case: string;
  kernel: 'fixture' | 'local';
  reason: string;
  ours: Expect;
}

const dir = join(import.meta.dirname, 'data');
const data: { kernels: { local: { release: string } }; cases: Case[] } = JSON.parse(
  readFileSync(join(dir, 'client-show.json'), 'utf8'),
);
const deviations: Deviation[] = JSON.parse(readFileSync(join(dir, 'client-show-deviations.json'), 'utf8'));

/** What we print in the client's show format: the definition (or event name) and the filter. */
function ourShow(expressions: string[], types: KernelTypes): Expect {
  try {
    return {
      shown: compileExpressions(expressions, 'x86_64', types).map((c) => ({
        type: c.type === 'event' ? 'e' : ((c.definition as string)[0] as string),
        fxpr: c.definition ?? c.event,
        filter: c.filter,
      })),
    };
  } catch (err) {
    if (!isSurfhiveError(err)) throw err;
    return { error: err.message };
  }
}

function checkKernel(tt: Test, kernel: 'fixture' | 'local', types: KernelTypes): void {
  let compared = 0;
  for (const c of data.cases) {
    const dev = deviations.find((d) => d.case === c.name && d.kernel === kernel);
    const want = dev ? dev.ours : c.client[kernel];
    const got = ourShow(c.expressions, types);
    if ('error' in want) {
      tt.ok('error' in got, `${c.name}: fails like the client (${want.error})`, { got });
    } else {
      tt.same(got, want, `${c.name}${dev ? ` (deviation: ${dev.reason})` : ''}`);
      compared += want.shown.length;
    }
  }
  tt.ok(compared > 20, `${compared} definition lines compared`);
}

t.test('fixture kernel: same lines as surftrace -S', async (tt) => {
  const db = tempDb(fixtureRows());
  const { types, close } = openTypes(db.file);
  tt.teardown(() => {
    close();
    db.remove();
  });
  checkKernel(tt, 'fixture', types);
});

const sameKernel = existsSync(LOCAL_BTF) && os.release() === data.kernels.local.release;
t.test(
  "this machine's kernel: same lines as surftrace -S",
  { skip: sameKernel ? false : `recorded on ${data.kernels.local.release}, running ${os.release()}` },
  async (tt) => {
    const db = tempDb(localRows());
    const { types, close } = openTypes(db.file);
    tt.teardown(() => {
      close();
      db.remove();
    });
    checkKernel(tt, 'local', types);
  },
);

t.test('every deviation names a recorded case', async (tt) => {
  for (const d of deviations)
    tt.ok(
      data.cases.some((c) => c.name === d.case),
      d.case,
    );
});
