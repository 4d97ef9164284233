import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runTool } from '../../src/sandbox/exec.js';
import { packageRoot } from '../../src/util/package-root.js';
import { GOLDEN_JSON, KFIXTURE_C } from '../helpers/fixtures.js';

// golden.json is gdb's answer for kfixture.c: regenerate it and compare, so neither can drift alone.
t.test('golden.json is what scripts/gen-golden.py makes from kfixture.c with gdb', async (t) => {
  const script = path.join(packageRoot(), 'scripts', 'gen-golden.py');
  const r = await runTool('python3', [script, KFIXTURE_C, '-'], {
    timeoutMs: 120_000,
    maxOutputBytes: 16 * 1024 * 1024,
  });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, readFileSync(GOLDEN_JSON, 'utf8'), 'regenerate with: python3 scripts/gen-golden.py');
  const golden = JSON.parse(r.stdout) as { structs: unknown[]; types: unknown[]; funcs: unknown[] };
  t.ok(
    golden.structs.length >= 25 && golden.types.length >= 30 && golden.funcs.length >= 15,
    'rows of every kind',
  );
});
