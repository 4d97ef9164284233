import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { SANDBOX_INCLUDE, SANDBOX_JOB, SANDBOX_STATIC } from '../../src/compile/job-sandbox.js';
import { SANDBOX_CORECHECK } from '../../src/corecheck/native.js';
import { SANDBOX_DWFUNCS } from '../../src/formats/dwarf/run-dwfuncs.js';
import { packageRoot } from '../../src/util/package-root.js';
import { aptPackages, contextCopies, parseDockerfile } from './helpers/dockerfile.js';

const root = packageRoot();
const main = parseDockerfile(path.join(root, 'Dockerfile'));
const sandbox = parseDockerfile(path.join(root, 'docker/sandbox.Dockerfile'));
const lastStage = (instrs: ReturnType<typeof parseDockerfile>) =>
  instrs.filter((i) => i.stage === Math.max(...instrs.map((x) => x.stage)));
const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);

/** Tools the code runs (runTool/spawnToolStream, prlimit, the compile toolchain) → the Debian package that has them. */
const TOOL_PACKAGES: Record<string, string> = {
  pahole: 'dwarves',
  bpftool: 'bpftool',
  clang: 'clang',
  gcc: 'gcc',
  'aarch64-linux-gnu-gcc': 'gcc-aarch64-linux-gnu',
  bwrap: 'bubblewrap',
  prlimit: 'util-linux',
  xz: 'xz-utils',
  zstd: 'zstd',
  bzip2: 'bzip2',
  rpm2cpio: 'rpm2cpio',
  cpio: 'cpio',
  curl: 'curl',
};

t.test('every COPY source exists in the build context and is not docker-ignored', async (t) => {
  for (const [name, instrs] of [
    ['Dockerfile', main],
    ['sandbox.Dockerfile', sandbox],
  ] as const) {
    for (const { sources } of contextCopies(instrs))
      for (const src of sources) {
        t.ok(existsSync(path.join(root, src)), `${name}: ${src} exists`);
        t.notOk(
          ignored.some((i) => src === i || src.startsWith(`${i}/`)),
          `${name}: ${src} is sent to the builder`,
        );
      }
  }
});

t.test('the entrypoint is produced by the build', async (t) => {
  const entry = main.find((i) => i.op === 'ENTRYPOINT')!;
  const argv = JSON.parse(entry.args) as string[];
  t.equal(argv[0], 'node');
  const rel = path.relative('/opt/surfhive', argv[1]!);
  t.equal(rel, 'dist/src/cli/main.js');
  const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { outDir: string; rootDir: string };
  };
  t.equal(tsconfig.compilerOptions.outDir, 'dist', 'tsc writes dist/');
  t.ok(existsSync(path.join(root, 'src/cli/main.ts')), 'from src/cli/main.ts');
  const build = main
    .filter((i) => i.stage === 0 && i.op === 'RUN')
    .map((i) => i.args)
    .join('\n');
  t.match(build, /npm run build/);
  t.ok(
    lastStage(main).some(
      (i) => i.op === 'COPY' && /--from=build \/opt\/surfhive\/dist \.\/dist/.test(i.args),
    ),
    'dist/ is copied into the final image',
  );
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: { build: string };
  };
  t.match(pkg.scripts.build, /tsc -p tsconfig\.json/);
});

t.test('the runtime image has a package for every tool the code runs', async (t) => {
  const pkgs = aptPackages(lastStage(main));
  for (const [tool, pkg] of Object.entries(TOOL_PACKAGES)) t.ok(pkgs.has(pkg), `${tool} (${pkg})`);
  // A tool added to the code must be added to the image (and to TOOL_PACKAGES).
  const sources = [
    'src/indexer/kernel-rows.ts',
    'src/indexer/pipeline.ts',
    'src/ingest/decompress.ts',
    'src/indexer/modules/prepare.ts',
  ];
  for (const f of sources) {
    const text = readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/runTool(?:Ok)?\(\s*'([a-z0-9_.-]+)'|\[\s*'([a-z0-9_.-]+)',\s*\[/g)) {
      const tool = m[1] ?? m[2]!;
      t.ok(tool in TOOL_PACKAGES, `${f} runs ${tool}, which the image provides`);
    }
  }
});

t.test('non-root user, health check, both stages on Debian 12', async (t) => {
  const users = lastStage(main).filter((i) => i.op === 'USER');
  t.ok(users.length > 0 && !['root', '0'].includes(users.at(-1)!.args), `USER ${users.at(-1)?.args}`);
  t.match(main.find((i) => i.op === 'HEALTHCHECK')?.args ?? '', /\/healthz/);
  t.match(
    main
      .filter((i) => i.op === 'FROM')
      .map((i) => i.args)
      .join(' '),
    /^node:20-bookworm-slim/,
  );
  const sandboxUser = lastStage(sandbox)
    .filter((i) => i.op === 'USER')
    .at(-1);
  t.ok(sandboxUser && sandboxUser.args !== 'root', 'the sandbox image runs as non-root');
  for (const f of sandbox.filter((i) => i.op === 'FROM'))
    t.match(f.args, /^debian:12/, 'same Debian as the worker: clang’s resource dir is the same path');
});

t.test('the sandbox image provides the neutral paths the compile steps use', async (t) => {
  const final = lastStage(sandbox);
  const dests = final.filter((i) => i.op === 'COPY').map((i) => i.args.split(/\s+/).at(-1)!);
  t.ok(dests.includes(`${SANDBOX_INCLUDE}/lbc.h`), 'lbc.h');
  t.ok(dests.includes(`${SANDBOX_INCLUDE}/bpf`), 'libbpf BPF headers');
  t.ok(dests.includes(`${SANDBOX_STATIC}/lib`), 'static libbpf, libelf, zlib');
  t.ok(dests.includes(`${SANDBOX_STATIC}/runtime`), 'the loader runtime');
  const run = final
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join('\n');
  t.match(run, new RegExp(`touch ${SANDBOX_INCLUDE}/vmlinux.h`), 'mount point for vmlinux.h');
  t.match(run, new RegExp(`mkdir -p ${SANDBOX_JOB}`), 'mount point for the job dir');
  t.equal(final.find((i) => i.op === 'WORKDIR')?.args, SANDBOX_JOB);
  const pkgs = aptPackages(final);
  for (const p of ['clang', 'gcc', 'libc6-dev', 'gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross'])
    t.ok(pkgs.has(p), p);
  t.notOk(pkgs.has('curl') || pkgs.has('wget'), 'no network tools');
  // one policy for every tool that reads untrusted input: the ko, build and ingest tools are here too
  for (const p of ['dwarves', 'bpftool', 'libdw1', 'xz-utils', 'zstd', 'bzip2']) t.ok(pkgs.has(p), p);
  t.ok(dests.includes(SANDBOX_DWFUNCS), `the DWARF helper at ${SANDBOX_DWFUNCS}`);
  t.ok(dests.includes(SANDBOX_CORECHECK), `the CO-RE helper at ${SANDBOX_CORECHECK}`);
  // the static libraries come from the image's own build stage, for its target arch
  t.match(
    final
      .filter((i) => i.op === 'COPY')
      .map((i) => i.args)
      .join('\n'),
    /--from=static \/src\/out\/static\/\$\{TARGET_ARCH\}\/lib/,
  );
});
