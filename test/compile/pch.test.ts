import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { compileObject } from '../../src/compile/compile-object.js';
import { compileSharedObject } from '../../src/compile/compile-shared-object.js';
import { isCompileFailure } from '../../src/compile/outcome.js';
import { PchCache } from '../../src/compile/pch-cache.js';
import {
  flagMacroNames,
  flagStd,
  mentionsIdentifier,
  startsWithLbcInclude,
} from '../../src/compile/pch-fit.js';
import { lbcToolchain } from '../../src/compile/toolchain.js';
import { ToolRunner } from '../../src/sandbox/exec.js';
import { fixtureSource, HOST_ARCH, hasKernelBtf, newJobDir, testKernel } from './lbc-env.js';

const runner = new ToolRunner({ kind: 'bwrap' });

t.test('which sources start with #include "lbc.h"', async (t) => {
  t.ok(startsWithLbcInclude('#include "lbc.h"\nint x;'));
  t.ok(startsWithLbcInclude('// tool\n/* a\n b */\n\n  #  include <lbc.h> // c\n'));
  t.notOk(startsWithLbcInclude('#define LBC_DEBUG\n#include "lbc.h"\n'), 'a define before it');
  t.notOk(
    startsWithLbcInclude('// x \\\n#include "lbc.h"\n#define A\n#include "lbc.h"\n'),
    'continued comment',
  );
  t.notOk(startsWithLbcInclude('/* never closed #include "lbc.h"'));
  t.notOk(startsWithLbcInclude('#include "vmlinux.h"\n#include "lbc.h"\n'));
  t.notOk(startsWithLbcInclude('#include "lbc.hh"\n'));
  t.notOk(startsWithLbcInclude(''));
});

t.test('flag macro names, -std and identifier matches', async (t) => {
  t.same(flagMacroNames(['-DA=1', '-UB', '-DF(x)=x', '-Wall', '-std=c11']), ['A', 'B', 'F']);
  t.equal(flagStd(['-std=c99', '-w', '-std=gnu11']), '-std=gnu11');
  t.equal(flagStd(['-w']), '');
  t.ok(mentionsIdentifier('#ifdef LBC_DEBUG\n', 'LBC_DEBUG'));
  t.notOk(mentionsIdentifier('LBC_DEBUGX XLBC_DEBUG _LBC_DEBUG', 'LBC_DEBUG'));
  t.ok(mentionsIdentifier('(LBC_DEBUG)', 'LBC_DEBUG'));
});

if (!hasKernelBtf()) {
  t.comment('this kernel has no BTF at /sys/kernel/btf/vmlinux: no vmlinux.h for the compile tests');
} else {
  t.test('with this kernel', async (t) => {
    const kernel = await testKernel(t);
    const toolchain = lbcToolchain(HOST_ARCH);
    const pchDir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-pch-'));
    t.teardown(() => rmSync(pchDir, { recursive: true, force: true }));
    const cache = new PchCache({ dir: pchDir, runner });
    const compile = (source: string, flags: string[] = [], pch: PchCache | null = cache) =>
      compileObject({
        runner: runner,
        source,
        flags,
        vmlinuxH: kernel.vmlinuxH,
        arch: HOST_ARCH,
        jobDir: newJobDir(kernel.root, 'pch'),
        toolchain,
        pch: pch ?? undefined,
      });
    const pchFiles = () => readdirSync(pchDir).filter((f) => f.endsWith('.pch'));

    t.test('concurrent builders (two caches, as two processes) end with one valid file', async (t) => {
      const other = new PchCache({ dir: pchDir, runner });
      const [a, b, c] = await Promise.all([
        cache.get(toolchain, kernel.vmlinuxH, ''),
        other.get(toolchain, kernel.vmlinuxH, ''),
        cache.get(toolchain, kernel.vmlinuxH, ''),
      ]);
      t.ok(a && existsSync(a));
      t.equal(a, b);
      t.equal(a, c);
      t.same(pchFiles(), [path.basename(a!)]);
      t.same(
        readdirSync(pchDir).filter((f) => f.startsWith('.build-')),
        [],
        'no build directory left',
      );
    });

    t.test('a compile from the precompiled header gives the same object, faster', async (t) => {
      const src = fixtureSource('event_out');
      const plain = await compile(src, [], null);
      const fast = await compile(src);
      t.equal(plain.usedPch, false);
      t.equal(fast.usedPch, true);
      t.ok(readFileSync(fast.object).equals(readFileSync(plain.object)), 'identical bpf.o');
      t.comment(
        `clang run: ${Math.round(plain.durationMs)} ms without, ${Math.round(fast.durationMs)} ms with`,
      );
    });

    t.test('a -D that lbc.h reads is honoured: no precompiled header', async (t) => {
      const src =
        '#include "lbc.h"\nSEC("kprobe/do_sys_open") int p(void *ctx) { lbc_debug("x %d\\n", 1); return 0; }\nchar _license[] SEC("license") = "GPL";\n';
      const plain = await compile(src, ['-DLBC_DEBUG'], null);
      const r = await compile(src, ['-DLBC_DEBUG']);
      t.equal(r.usedPch, false);
      t.ok(readFileSync(r.object).equals(readFileSync(plain.object)));
      const noDebug = await compile(src);
      t.equal(noDebug.usedPch, true);
      t.notOk(
        readFileSync(noDebug.object).equals(readFileSync(plain.object)),
        'LBC_DEBUG changes the object',
      );
    });

    t.test('a -D the headers never mention, -w and -W keep the precompiled header', async (t) => {
      const src = '#include "lbc.h"\n#if MY_LIMIT != 7\n#error no\n#endif\nint v = MY_LIMIT;\n';
      const r = await compile(src, ['-DMY_LIMIT=7', '-w', '-Wall']);
      t.equal(r.usedPch, true);
    });

    t.test('a #define before #include "lbc.h" is honoured: no precompiled header', async (t) => {
      const src = '#define LBC_DEBUG\n#include "lbc.h"\nint f(void) { lbc_debug("y\\n"); return 0; }\n';
      const r = await compile(src);
      t.equal(r.usedPch, false);
    });

    t.test('a -std= gets its own precompiled header', async (t) => {
      const before = pchFiles().length;
      const r = await compile(fixtureSource('hello'), ['-std=gnu99']);
      t.equal(r.usedPch, true);
      t.equal(pchFiles().length, before + 1);
    });

    t.test('compiler messages still name job files only', async (t) => {
      const src = fixtureSource('bad_syntax');
      const errOf = async (pch: PchCache | null) => {
        try {
          await compile(src, [], pch);
        } catch (err) {
          if (isCompileFailure(err)) return (err as { clog: string }).clog;
          throw err;
        }
        throw new Error('compiled');
      };
      const withPch = await errOf(cache);
      t.match(withPch, /^bpf\.c:6:45: error:/m);
      t.notMatch(withPch, new RegExp(`${kernel.root}|${pchDir}|/lbc/pch|/tmp/`));
      t.equal(withPch, await errOf(null), 'the same messages as a normal compile');
    });

    t.test('a damaged or vanished precompiled header falls back to a normal compile', async (t) => {
      const full = (await cache.get(toolchain, kernel.vmlinuxH, ''))!;
      writeFileSync(full, 'not a precompiled header');
      const r = await compile(fixtureSource('hash_map'));
      t.equal(r.usedPch, false);
      t.ok(existsSync(r.object));
      rmSync(full);
      // A fresh cache (no memory of failures) rebuilds it.
      const again = await compile(fixtureSource('hash_map'), [], new PchCache({ dir: pchDir, runner }));
      t.equal(again.usedPch, true);
    });

    t.test('an unusable cache directory never fails a compile', async (t) => {
      const blocked = path.join(kernel.root, 'not-a-dir');
      writeFileSync(blocked, '');
      const r = await compile(
        fixtureSource('hello'),
        [],
        new PchCache({ dir: path.join(blocked, 'pch'), runner }),
      );
      t.equal(r.usedPch, false);
    });

    t.test('the .so pipeline uses it for both clang runs', async (t) => {
      const r = await compileSharedObject({
        runner: runner,
        source: fixtureSource('event_out'),
        env: '',
        kernVersion: kernel.release,
        arch: HOST_ARCH,
        vmlinuxH: kernel.vmlinuxH,
        jobDir: newJobDir(kernel.root, 'pch-so'),
        toolchain,
        pch: cache,
      });
      t.equal(r.usedPch, true);
      t.match(r.descriptor.ffi, /struct exec_event/);
      t.ok(existsSync(r.sharedObject));
    });

    t.test('the cache keeps at most maxEntries files', async (t) => {
      const small = mkdtempSync(path.join(os.tmpdir(), 'surfhive-pch-small-'));
      t.teardown(() => rmSync(small, { recursive: true, force: true }));
      const one = new PchCache({ dir: small, maxEntries: 1, runner });
      t.ok(await one.get(toolchain, kernel.vmlinuxH, ''));
      t.ok(await one.get(toolchain, kernel.vmlinuxH, '-std=gnu11'));
      t.equal(readdirSync(small).filter((f) => f.endsWith('.pch')).length, 1);
    });
  });
}
