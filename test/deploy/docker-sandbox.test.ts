import t from 'tap';
import { jobSandbox, SANDBOX_INCLUDE, SANDBOX_JOB, SANDBOX_STATIC } from '../../src/compile/job-sandbox.js';
import { loadConfig } from '../../src/config/config.js';
import { dockerCreateOptions, sandboxUser } from '../../src/sandbox/docker-options.js';
import type { DockerSandbox } from '../../src/sandbox/sandbox-spec.js';

const mounts = [
  { source: '/opt/sh/native/lbc/lbc.h', dest: `${SANDBOX_INCLUDE}/lbc.h`, toolchain: true },
  { source: '/opt/sh/out/static/x86_64/include/bpf', dest: `${SANDBOX_INCLUDE}/bpf`, toolchain: true },
  { source: '/var/work/headers/x86_64/vmlinux-6.1.h', dest: `${SANDBOX_INCLUDE}/vmlinux.h` },
];

t.test('config chooses the sandbox; bwrap stays the default', async (t) => {
  t.equal(loadConfig({}).sandbox, 'bwrap');
  const c = loadConfig({ SURFHIVE_SANDBOX: 'docker', SURFHIVE_SANDBOX_IMAGE: 'reg.example/sb:1' });
  t.equal(c.sandbox, 'docker');
  t.equal(c.sandboxImage, 'reg.example/sb:1');
  t.throws(() => loadConfig({ SURFHIVE_SANDBOX: 'chroot' }), /SURFHIVE_SANDBOX must be one of/);
});

t.test('a compile step in docker mode: job dir and vmlinux.h bound, toolchain from the image', async (t) => {
  const spec = jobSandbox('/var/work/compile/job-abc', mounts, 'x86_64', { kind: 'docker', image: 'sb:1' });
  t.equal(spec.kind, 'docker');
  const d = spec as DockerSandbox;
  t.equal(d.image, 'sb:1');
  t.equal(d.workdir, SANDBOX_JOB);
  t.same(d.binds, [
    { source: '/var/work/compile/job-abc', dest: '/job', writable: true },
    { source: '/var/work/headers/x86_64/vmlinux-6.1.h', dest: '/lbc/include/vmlinux.h' },
  ]);
  t.not(d.user.split(':')[0], '0', 'never root');
  const bw = jobSandbox('/var/work/compile/job-abc', mounts, 'x86_64', { kind: 'bwrap' });
  t.equal(bw.kind, 'bwrap');
  t.equal((bw as { binds: unknown[] }).binds.length, 4, 'bwrap binds the toolchain from the host');
  t.equal(SANDBOX_STATIC, '/lbc/static');
});

t.test(
  'container options: no network, read-only root, only the job dir writable, limits, non-root',
  async (t) => {
    const spec = jobSandbox('/var/work/compile/job-abc', mounts, 'aarch64', {
      kind: 'docker',
      image: 'reg.example/surfhive-sandbox:{arch}',
    }) as DockerSandbox;
    t.equal(spec.image, 'reg.example/surfhive-sandbox:aarch64', 'one image per target arch');
    const o = dockerCreateOptions('clang', ['-target', 'bpf', '-c', 'bpf.c'], spec, {
      env: { PATH: '/usr/bin', LANG: 'C.UTF-8' },
      limits: { memoryBytes: 1 << 30, fileBytes: 256 << 20, cpuSeconds: 31 },
    });
    t.same(o.Cmd, ['clang', '-target', 'bpf', '-c', 'bpf.c']);
    t.equal(o.Image, 'reg.example/surfhive-sandbox:aarch64');
    t.equal(o.WorkingDir, '/job');
    t.equal(o.NetworkDisabled, true);
    const hc = o.HostConfig!;
    t.equal(hc.NetworkMode, 'none');
    t.equal(hc.ReadonlyRootfs, true);
    t.same(hc.Binds, [
      '/var/work/compile/job-abc:/job:rw',
      '/var/work/headers/x86_64/vmlinux-6.1.h:/lbc/include/vmlinux.h:ro',
    ]);
    t.equal(hc.Binds?.filter((b) => b.endsWith(':rw')).length, 1, 'the job dir is the only writable bind');
    t.same(Object.keys(hc.Tmpfs ?? {}), ['/tmp']);
    t.same(hc.CapDrop, ['ALL']);
    t.same(hc.SecurityOpt, ['no-new-privileges']);
    t.equal(hc.Privileged, false);
    t.equal(hc.Memory, 1 << 30);
    t.equal(hc.MemorySwap, 1 << 30, 'no swap beyond the memory limit');
    t.equal(hc.PidsLimit, 256);
    t.equal(hc.NanoCpus, 1e9);
    t.same(
      hc.Ulimits?.find((u) => u.Name === 'fsize'),
      { Name: 'fsize', Soft: 256 << 20, Hard: 256 << 20 },
    );
    t.same(
      hc.Ulimits?.find((u) => u.Name === 'cpu'),
      { Name: 'cpu', Soft: 31, Hard: 31 },
    );
    t.equal(hc.AutoRemove, false, 'removed by the runner, after its output is read');
    t.same(o.Env, ['PATH=/usr/bin', 'LANG=C.UTF-8']);
    t.equal(o.AttachStdin, false);

    const root = dockerCreateOptions('true', [], { ...spec, user: '0:0' });
    t.equal(root.User, '65534:65534', 'a root user is replaced by nobody');
    t.equal(sandboxUser(0, 0), '65534:65534');
    t.equal(sandboxUser(1000, 1000), '1000:1000');
    t.throws(
      () => dockerCreateOptions('true', [], { ...spec, binds: [{ source: '/a:/etc', dest: '/job' }] }),
      /bind paths/,
    );
  },
);
