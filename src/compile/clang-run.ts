import path from 'node:path';
import { type ExecResult, runTool } from '../sandbox/exec.js';
import { CompileFailure } from './compile-failure.js';
import { jobSandbox, SANDBOX_INCLUDE, SANDBOX_JOB, scrubPaths } from './job-sandbox.js';
import { type LbcToolchain, targetArchDefine } from './toolchain.js';

export interface BpfClangJob {
  jobDir: string;
  toolchain: LbcToolchain;
  /** Host path of the target kernel's vmlinux.h (any file name). */
  vmlinuxH: string;
  /** Already validated user flags (checkFlags). */
  flags: readonly string[];
  /** C file inside jobDir, and the object to write there. */
  input: string;
  output: string;
  timeoutMs: number;
}

const resourceDirs = new Map<string, Promise<string>>();

/** clang's own header directory (stddef.h, stdarg.h), which -nostdinc would otherwise hide. */
function resourceDir(clang: string): Promise<string> {
  let dir = resourceDirs.get(clang);
  if (!dir) {
    dir = runTool(clang, ['-print-resource-dir'], { timeoutMs: 10_000 }).then((r) => {
      const out = r.stdout.trim();
      if (r.code !== 0 || !out.startsWith('/'))
        throw new CompileFailure('the BPF compiler is unavailable.', '');
      return out;
    });
    dir.catch(() => resourceDirs.delete(clang));
    resourceDirs.set(clang, dir);
  }
  return dir;
}

/**
 * Runs clang -target bpf inside bubblewrap: the job directory is /job, lbc.h,
 * libbpf's bpf/ headers and vmlinux.h are in /lbc/include, and nothing else of
 * the host but the toolchain is visible. Output paths are scrubbed again as a
 * second fence.
 */
export async function runBpfClang(job: BpfClangJob): Promise<ExecResult & { clog: string }> {
  const tc = job.toolchain;
  const resource = await resourceDir(tc.clang);
  const args = [
    '-target',
    'bpf',
    '-O2',
    '-g',
    targetArchDefine(tc.arch),
    '-nostdinc',
    '-isystem',
    path.join(resource, 'include'),
    `-I${SANDBOX_INCLUDE}`,
    '-fdebug-compilation-dir=.',
    '-fno-color-diagnostics',
    '-ferror-limit=50',
    ...job.flags,
    '-c',
    job.input,
    '-o',
    job.output,
  ];
  const sandbox = jobSandbox(
    job.jobDir,
    [
      { source: tc.lbcHeader, dest: `${SANDBOX_INCLUDE}/lbc.h`, toolchain: true },
      { source: tc.bpfHeaders, dest: `${SANDBOX_INCLUDE}/bpf`, toolchain: true },
      { source: job.vmlinuxH, dest: `${SANDBOX_INCLUDE}/vmlinux.h` },
    ],
    tc.arch,
  );
  const res = await runTool(tc.clang, args, {
    cwd: job.jobDir,
    sandbox,
    timeoutMs: job.timeoutMs,
    maxOutputBytes: 256 * 1024,
    limits: {
      cpuSeconds: Math.ceil(job.timeoutMs / 1000) + 1,
      memoryBytes: 2 * 1024 * 1024 * 1024,
      fileBytes: 256 * 1024 * 1024,
    },
  });
  const clog = scrubPaths(res.stderr, [
    [job.jobDir, '.'],
    [path.dirname(job.vmlinuxH), SANDBOX_INCLUDE],
    [tc.bpfHeaders, `${SANDBOX_INCLUDE}/bpf`],
    [path.dirname(tc.lbcHeader), SANDBOX_INCLUDE],
    [`${SANDBOX_JOB}/`, ''],
  ]);
  return { ...res, clog };
}
