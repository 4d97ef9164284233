import os from 'node:os';
import t from 'tap';
import { checkObject } from '../../src/corecheck/check.js';
import type { SelectedKernel } from '../../src/corecheck/select.js';
import type { CoreMatrix } from '../../src/corecheck/types.js';
import { runTool } from '../../src/sandbox/exec.js';
import { RUNNER } from '../helpers/tools.js';
import { buildFixtures, buildLoader, LOCAL_BTF, PROGRAMS } from './fixtures.js';

// Ground truth: the matrix's verdict and every resolved value against what libbpf itself does
// when it loads the same object into this kernel, once with this kernel's BTF and once with
// another kernel's BTF passed as btf_custom_path.
if (process.getuid?.() !== 0) {
  t.plan(0, 'loading BPF needs root');
} else {
  const fx = await buildFixtures();
  t.teardown(fx.cleanup);
  const loader = await buildLoader(fx.dir);
  const kernels: SelectedKernel[] = [
    { arch: 'x86_64', release: 'local', ver: os.release(), btfPath: LOCAL_BTF },
    { arch: 'x86_64', release: 'old', ver: '5.4.0-old', btfPath: fx.oldKernel },
  ];

  /** What libbpf's debug log says about each relocation: `<program>#<index in section>`. */
  function libbpfVerdicts(log: string) {
    const seen = new Map<string, { value?: number; poisoned?: true; failed?: true }>();
    for (const m of log.matchAll(/prog '([^']+)': relo #(\d+): (.*)/g)) {
      const key = `${m[1]}#${m[2]}`;
      const rest = m[3]!;
      const patched = /^patched insn #\d+ \([A-Z/0-9]+\) (?:imm|off|imm64) (\d+) -> (\d+)$/.exec(rest);
      if (patched) seen.set(key, { value: Number(patched[2]) });
      else if (/^substituting insn #\d+ w\/ invalid insn$/.test(rest)) seen.set(key, { poisoned: true });
      else if (/^failed to relocate/.test(rest)) seen.set(key, { failed: true });
    }
    return seen;
  }

  /** The same keys for our matrix: relocation index within its section. */
  function ourKeys(m: CoreMatrix) {
    const perSection = new Map<string, number>();
    return m.object.relos.map((r) => {
      const n = perSection.get(r.section) ?? 0;
      perSection.set(r.section, n + 1);
      return `${r.program}#${n}`;
    });
  }

  const verdicts: Record<string, boolean[]> = {};
  for (const name of PROGRAMS) {
    t.test(name, async (t) => {
      const m = await checkObject(fx.objects[name]!, kernels, { runner: RUNNER });
      t.equal(m.kernels.length, 2);
      const keys = ourKeys(m);
      verdicts[name] = [];
      for (const [i, k] of m.kernels.entries()) {
        const args = i === 0 ? [fx.objects[name]!] : [fx.objects[name]!, fx.oldKernel];
        const run = await runTool(loader, args, { timeoutMs: 60_000 });
        const loaded = run.stdout.trim() === 'loaded';
        t.equal(
          k.loads,
          loaded,
          `${k.release}: matrix says ${k.loads ? 'loads' : 'fails'}, libbpf ${run.stdout.trim()}`,
        );
        verdicts[name].push(k.loads);
        const log = libbpfVerdicts(run.stderr);
        t.ok(log.size > 0 || m.object.relos.length === 0, `${k.release}: libbpf logged relocations`);
        const fatal = k.relos.some((r) => r.fatal);
        for (const [j, r] of k.relos.entries()) {
          const theirs = log.get(keys[j]!);
          const what = `${k.release} relo ${keys[j]} ${m.object.relos[j]!.access}`;
          if (!theirs) {
            t.ok(fatal, `${what}: only relocations after a fatal one go unlogged`);
            continue;
          }
          if (r.status === 'ok') t.same(theirs, { value: r.value }, `${what}: ok ${r.value}`);
          else if (r.fatal) t.same(theirs, { failed: true }, `${what}: fatal ${r.status}`);
          else t.same(theirs, { poisoned: true }, `${what}: poisoned (${r.status})`);
        }
        for (const key of log.keys())
          t.ok(keys.includes(key), `${k.release}: libbpf's ${key} is in the matrix`);
      }
    });
  }

  t.test('the fixtures cover loads and failures on both kernels', async (t) => {
    t.same(verdicts.fields, [true, true]);
    t.same(verdicts.guarded, [true, true], 'guarded renames load everywhere');
    t.same(verdicts.state, [false, true], 'task_struct::state: gone on this kernel');
    t.same(verdicts.caps, [false, true], 'kernel_cap_t changed shape');
    t.same(verdicts.notype, [false, false], 'a type no kernel has');
    t.same(verdicts.ambiguous, [false, false], 'missing here, ambiguous on the old kernel');
  });
}
