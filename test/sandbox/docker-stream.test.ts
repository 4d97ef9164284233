// The runner's streaming mode under the docker policy: xz in a throw-away container, stdin and
// stdout attached through the real engine, with backpressure, output cap, timeout and removal.
// Needs a Docker engine and an image holding xz: SURFHIVE_TEST_STREAM_IMAGE, else the project's
// own image (surfhive:latest, built by the deploy tests) or surfhive-sandbox:x86_64.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import Docker from 'dockerode';
import t from 'tap';
import { decompressStream } from '../../src/ingest/decompress.js';
import { ToolRunner } from '../../src/sandbox/exec.js';

const docker = new Docker();
const engineUp = await docker.ping().then(
  () => true,
  () => false,
);
const wanted = [process.env.SURFHIVE_TEST_STREAM_IMAGE, 'surfhive-sandbox:x86_64', 'surfhive:latest'];
let image: string | undefined;
if (engineUp)
  for (const name of wanted.filter((n): n is string => !!n)) {
    if (
      await docker
        .getImage(name)
        .inspect()
        .then(
          () => true,
          () => false,
        )
    ) {
      image = name;
      break;
    }
  }
const skip = !engineUp
  ? 'no Docker engine answers'
  : !image
    ? `none of ${wanted.filter(Boolean).join(', ')}`
    : false;

const sandboxContainers = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['surfhive.sandbox=1'] } })).map((c) => c.Id);

t.test('xz streams through a container: same bytes, bounded memory, nothing left', { skip }, async (t) => {
  const runner = new ToolRunner({ kind: 'docker', image: image! });
  const before = new Set(await sandboxContainers());
  // 48 MiB out of incompressible-ish data: far more than the socket and pipe buffers hold
  const plain = Buffer.concat([randomBytes(16 << 20), Buffer.alloc(32 << 20, 'x')]);
  const xz = execFileSync('xz', ['-z', '-c', '-T1', '-0'], { input: plain, maxBuffer: 128 << 20 });
  const d = await decompressStream(Readable.from([xz]), {
    runner,
    maxOutputBytes: 64 << 20,
    timeoutMs: 120_000,
  });
  // a slow reader: the container must wait for it instead of the server buffering its output
  const rssBefore = process.memoryUsage().rss;
  let peak = 0;
  const parts: Buffer[] = [];
  for await (const chunk of d.output as AsyncIterable<Buffer>) {
    parts.push(chunk);
    peak = Math.max(peak, process.memoryUsage().rss - rssBefore - parts.reduce((n, p) => n + p.length, 0));
    if (parts.length % 64 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  t.ok(Buffer.concat(parts).equals(plain), 'the container decompressed every byte');
  t.ok(peak < 96 << 20, `no unbounded buffering beside what was read (${(peak / 1048576).toFixed(0)} MiB)`);
  await d.stopped;
  await new Promise((r) => setTimeout(r, 500));
  t.same(
    (await sandboxContainers()).filter((id) => !before.has(id)),
    [],
    'its container is gone',
  );
});

t.test('in a container too: output cap, corrupt input, timeout', { skip }, async (t) => {
  const runner = new ToolRunner({ kind: 'docker', image: image! });
  const before = new Set(await sandboxContainers());
  const xz = execFileSync('xz', ['-z', '-c'], { input: Buffer.alloc(8 << 20, 'y'), maxBuffer: 64 << 20 });
  const bomb = await decompressStream(Readable.from([xz]), {
    runner,
    maxOutputBytes: 1 << 20,
    timeoutMs: 60_000,
  });
  await t.rejects(buffer(bomb.output), { kind: 'BAD_ARCHIVE', message: /size limit/ });
  await bomb.stopped;

  const corrupt = Buffer.from(xz);
  corrupt.fill(0x41, 64, corrupt.length - 24);
  const bad = await decompressStream(Readable.from([corrupt]), {
    runner,
    maxOutputBytes: 64 << 20,
    timeoutMs: 60_000,
  });
  await t.rejects(buffer(bad.output), { kind: 'BAD_ARCHIVE', message: /corrupt/ });

  const confine = { mounts: [], chdir: '/' };
  const started = Date.now();
  const slow = runner.stream('sleep', ['60'], { confine, timeoutMs: 1_500 });
  slow.stdin.end();
  await t.rejects(buffer(slow.stdout), { kind: 'TOOL_TIMEOUT', message: /did not finish/ });
  t.ok(Date.now() - started < 15_000, 'killed at its timeout');

  const peek = runner.stream('sh', ['-c', 'id -u; ls /work /root 2>&1; cat /proc/1/cmdline'], {
    confine,
    timeoutMs: 30_000,
  });
  peek.stdin.end();
  const seen = (await buffer(peek.stdout)).toString();
  t.match(seen, /^65534\n|^\d+\n/, 'runs as an unprivileged user');
  t.notMatch(seen.split('\n')[0] ?? '', /^0$/, 'never root');
  t.notMatch(seen, /process_api|systemd|init/, "not the host's pid 1");
  await new Promise((r) => setTimeout(r, 1000));
  t.same(
    (await sandboxContainers()).filter((id) => !before.has(id)),
    [],
    'every container removed',
  );
});
