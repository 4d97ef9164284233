import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { compileSharedObject } from '../../src/compile/compile-shared-object.js';
import { symbolHelperPath } from '../../src/compile/symbol-helper.js';
import { lbcToolchain } from '../../src/compile/toolchain.js';
import { runTool, runToolOk } from '../../src/sandbox/exec.js';
import { RUNNER } from '../helpers/tools.js';
import { fixtureSource, hasKernelBtf, LOCAL_FIXTURES, newJobDir, testKernel } from './lbc-env.js';
import { readelfCodeOffset, readelfSymbols } from './symhelper-env.js';

// aarch64 outputs, run under user-mode emulation: no BPF is loaded (qemu-user cannot), only the
// library ABI is exercised. The vmlinux.h is this machine's (x86_64) kernel: the map descriptor,
// the ffi layout of the fixtures' own types and the exported symbols do not depend on it.

const SYSROOT = '/usr/aarch64-linux-gnu';
const CC = 'aarch64-linux-gnu-gcc';
const EM_AARCH64 = 183;

const onPath = async (tool: string) =>
  (await runTool('sh', ['-c', `command -v ${tool}`], { timeoutMs: 10_000 })).code === 0;

async function whyNot(): Promise<string | undefined> {
  if (!(await onPath('qemu-aarch64'))) return 'qemu-aarch64 is not installed (Debian package qemu-user)';
  if (!(await onPath(CC))) return `${CC} is not installed (Debian package gcc-aarch64-linux-gnu)`;
  if (!existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')))
    return `no aarch64 C library in ${SYSROOT} (Debian package libc6-dev-arm64-cross)`;
  return undefined;
}

const reason = await whyNot();
if (reason) {
  t.plan(0, `skipped: ${reason}`);
} else {
  const work = mkdtempSync(path.join(os.tmpdir(), 'surfhive-arm64-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const driver = path.join(work, 'driver');
  await runToolOk(CC, ['-O1', '-o', driver, path.join(LOCAL_FIXTURES, 'aarch64_driver.c'), '-ldl'], {
    timeoutMs: 60_000,
  });
  const emulate = (args: string[]) =>
    runTool('qemu-aarch64', ['-L', SYSROOT, driver, ...args], { timeoutMs: 60_000 });

  t.test('the driver is an aarch64 program', async (t) => {
    t.equal(readFileSync(driver).readUInt16LE(18), EM_AARCH64);
  });

  t.test('an aarch64 lbc.so loads and describes its maps', async (t) => {
    let toolchain: ReturnType<typeof lbcToolchain>;
    try {
      toolchain = lbcToolchain('aarch64');
    } catch {
      t.plan(0, 'the aarch64 lbc toolchain is not built (scripts/build-static-libs.sh aarch64)');
      return;
    }
    if (!hasKernelBtf()) {
      t.plan(0, 'this kernel has no BTF: no vmlinux.h to compile against');
      return;
    }
    const kernel = await testKernel(t);
    const r = await compileSharedObject({
      runner: RUNNER,
      source: fixtureSource('event_out'),
      env: '',
      kernVersion: kernel.release,
      arch: 'aarch64',
      vmlinuxH: kernel.vmlinuxH,
      jobDir: newJobDir(kernel.root, 'arm64'),
      toolchain,
    });
    t.equal(readFileSync(r.sharedObject).readUInt16LE(18), EM_AARCH64);
    const run = await emulate(['lbc', r.sharedObject]);
    t.equal(run.code, 0, run.stderr);
    const desc = JSON.parse(run.stdout) as {
      arch: string;
      kern_version: string;
      hash: string;
      maps: Record<string, { type: string; fvtype: string }>;
      ffi: string;
    };
    t.equal(desc.arch, 'aarch64');
    t.equal(desc.kern_version, kernel.release);
    t.equal(desc.hash, r.descriptor.hash);
    const events = desc.maps.exec_events;
    t.same(events && { type: events.type, fvtype: events.fvtype }, {
      type: 'event',
      fvtype: 'struct exec_event',
    });
    t.match(desc.ffi, /struct exec_event/);
  });

  t.test('the aarch64 symbol helper reads an aarch64 binary', async (t) => {
    const lib = symbolHelperPath('aarch64');
    if (!existsSync(lib)) {
      t.plan(0, 'out/native/aarch64/libsymhelper.so is not built (scripts/build-native.sh)');
      return;
    }
    const src = path.join(work, 'prog.c');
    const prog = path.join(work, 'prog');
    writeFileSync(
      src,
      `static __attribute__((noinline)) int helper(int x) { return x * 3; }
__attribute__((noinline)) int visible_fn(int x) { return helper(x) + 1; }
int main(int argc, char **argv) { (void)argv; return visible_fn(argc); }
`,
    );
    await runToolOk(CC, ['-O1', '-o', prog, src], { timeoutMs: 60_000 });
    const syms = await readelfSymbols(prog);
    const expected = syms.find((s) => s.name === 'visible_fn');
    t.ok(expected, 'readelf lists visible_fn');
    const run = await emulate(['sym', lib, prog, 'visible_fn']);
    t.equal(run.code, 0, run.stderr);
    const got = JSON.parse(run.stdout) as { addr: number; search: string; codeOffset: number };
    t.equal(BigInt(got.addr), expected!.addr);
    t.equal(got.search, 'visible_fn', 'sym_search finds the symbol its address is in');
    t.equal(BigInt(got.codeOffset), await readelfCodeOffset(prog), 'elf_code_offset');
    const missing = await emulate(['sym', lib, prog, 'no_such_symbol']);
    t.equal(missing.code, 0, missing.stderr);
    t.equal((JSON.parse(missing.stdout) as { addr: number }).addr, 0);
  });
}
