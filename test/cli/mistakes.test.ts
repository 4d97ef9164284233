import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runTool } from '../../src/sandbox/exec.js';
import { ensureCli } from '../helpers/cli.js';

// Every user mistake: exit code 2, exactly one line on stderr naming the flag or variable, no
// stack, and found before any slow work. `serve` on an empty hive first publishes this machine's
// kernel (seconds): a refused start must leave the hive untouched, so the hive is the witness.

// every case spawns the real CLI; on a busy shared machine each spawn takes seconds
t.setTimeout(20 * 60_000);
const cli = await ensureCli();
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-cli-'));
t.teardown(() => fs.rm(root, { recursive: true, force: true }));
let n = 0;

async function mistake(args: string[], env: Record<string, string> = {}, input?: string) {
  const hive = path.join(root, `hive-${n++}`);
  const started = Date.now();
  const res = await runTool('node', [cli, ...args], {
    timeoutMs: 60_000,
    input,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, SURFHIVE_HIVE: hive, ...env },
  });
  return { ...res, ms: Date.now() - started, hiveMade: existsSync(hive) };
}

const cases: [string, string[], Record<string, string>, RegExp][] = [
  [
    'serve --port abc',
    ['serve', '--port', 'abc'],
    {},
    /^surfhive: --port must be a whole number from 0 to 65535, not "abc"$/,
  ],
  [
    'serve --port 70000',
    ['serve', '--port', '70000'],
    {},
    /^surfhive: --port must be a whole number from 0 to 65535/,
  ],
  [
    'SURFHIVE_PORT=abc',
    ['serve'],
    { SURFHIVE_PORT: 'abc' },
    /^surfhive: SURFHIVE_PORT must be a whole number from 0 to 65535, not "abc"$/,
  ],
  [
    'SURFHIVE_LOG_LEVEL=verbose',
    ['serve'],
    { SURFHIVE_LOG_LEVEL: 'verbose' },
    /^surfhive: SURFHIVE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"$/,
  ],
  [
    'serve --processes 0',
    ['serve', '--processes', '0'],
    {},
    /^surfhive: --processes must be auto or a whole number from 1 to 256, not "0"$/,
  ],
  [
    'SURFHIVE_PROCESSES=many',
    ['serve'],
    { SURFHIVE_PROCESSES: 'many' },
    /^surfhive: SURFHIVE_PROCESSES must be/,
  ],
  [
    'serve --host "bad host"',
    ['serve', '--host', 'bad host'],
    {},
    /^surfhive: --host must be an IP address or a host name/,
  ],
  [
    'SURFHIVE_COMPILE_AUTH=maybe',
    ['serve'],
    { SURFHIVE_COMPILE_AUTH: 'maybe' },
    /^surfhive: SURFHIVE_COMPILE_AUTH must be one of open, token/,
  ],
  [
    'SURFHIVE_OPERATOR_TOKEN_HASHES=plain',
    ['serve'],
    { SURFHIVE_OPERATOR_TOKEN_HASHES: 'my-secret-token' },
    /^surfhive: SURFHIVE_OPERATOR_TOKEN_HASHES must list sha256 hex digests, comma-separated \(see surfhive token new\)$/,
  ],
  [
    'SURFHIVE_PUBLIC_URL=ftp',
    ['serve'],
    { SURFHIVE_PUBLIC_URL: 'ftp://x' },
    /^surfhive: SURFHIVE_PUBLIC_URL must be an http\(s\) URL/,
  ],
  [
    'REDIS_URL=localhost',
    ['serve'],
    { REDIS_URL: 'localhost:6379' },
    /^surfhive: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/,
  ],
  [
    'SURFHIVE_CATALOG missing',
    ['serve'],
    { SURFHIVE_CATALOG: '/nonexistent/catalog.json' },
    /^surfhive: SURFHIVE_CATALOG names no file/,
  ],
  [
    'SURFHIVE_MIRRORS typo',
    ['serve'],
    { SURFHIVE_MIRRORS: 'debain=http://127.0.0.1:9/' },
    /^surfhive: SURFHIVE_MIRRORS debain=\.\.\.: no release is called "debain"; known releases: .*debian/,
  ],
  [
    'serve --mirror typo',
    ['serve', '--mirror', 'ubunt=http://127.0.0.1:9/'],
    {},
    /^surfhive: --mirror ubunt=\.\.\.: no release is called "ubunt"/,
  ],
  [
    'SURFHIVE_MIRROR_TIMEOUT_MS=0',
    ['serve'],
    { SURFHIVE_MIRROR_TIMEOUT_MS: '0' },
    /^surfhive: SURFHIVE_MIRROR_TIMEOUT_MS must be a whole number of at least 1/,
  ],
  [
    'build, no arguments',
    ['build'],
    {},
    /^surfhive: --release is missing: the release key, such as debian or anolis \(or --local/,
  ],
  [
    'build without --ver',
    ['build', '--release', 'debian', '--arch', 'x86_64', 'x'],
    {},
    /^surfhive: --ver is missing/,
  ],
  [
    'build without INPUT',
    ['build', '--release', 'debian', '--arch', 'x86_64', '--ver', '6.1.0-1-amd64'],
    {},
    /^surfhive: INPUT is missing/,
  ],
  [
    'build, INPUT that does not exist',
    ['build', '--release', 'debian', '--arch', 'x86_64', '--ver', '6.1.0-1-amd64', '/nonexistent/vmlinux'],
    {},
    /^surfhive: INPUT "\/nonexistent\/vmlinux": no such file$/,
  ],
  [
    'build --arch mips',
    ['build', '--release', 'debian', '--arch', 'mips', '--ver', '1', 'x'],
    {},
    /^surfhive: --arch must be one of x86_64, aarch64, not "mips"$/,
  ],
  [
    'build --local --arch mips',
    ['build', '--local', '--arch', 'mips'],
    {},
    /^surfhive: --arch must be one of x86_64, aarch64, not "mips"$/,
  ],
  [
    'build --local --arch of another machine',
    ['build', '--local', '--arch', os.arch() === 'x64' ? 'aarch64' : 'x86_64'],
    {},
    /^surfhive: --arch \S+ is not this machine's arch \(\S+\); --local builds this machine's kernel$/,
  ],
  [
    'build --local --ver',
    ['build', '--local', '--ver', '1.0'],
    {},
    /^surfhive: --ver does not go with --local/,
  ],
  [
    'worker without REDIS_URL',
    ['worker'],
    {},
    /^surfhive: REDIS_URL is missing: surfhive worker takes its jobs from Redis$/,
  ],
  [
    'worker --concurrency x',
    ['worker'],
    { REDIS_URL: 'redis://127.0.0.1:9', SURFHIVE_COMPILE_CONCURRENCY: 'x' },
    /^surfhive: SURFHIVE_COMPILE_CONCURRENCY must be a whole number/,
  ],
  [
    'worker --concurrency 0 (flag)',
    ['worker', '--concurrency', '0'],
    { REDIS_URL: 'redis://127.0.0.1:9' },
    /^surfhive: --concurrency must be a whole number of at least 1/,
  ],
  [
    'remote worker without its token',
    ['worker', '--api', 'http://127.0.0.1:9'],
    { REDIS_URL: 'redis://127.0.0.1:9' },
    /^surfhive: SURFHIVE_WORKER_TOKEN is missing/,
  ],
  [
    'core-check of a missing object',
    ['core-check', '/nonexistent.bpf.o'],
    {},
    /^surfhive: OBJECT "\/nonexistent\.bpf\.o": no such file$/,
  ],
  [
    'an unknown option',
    ['serve', '--prot', '8000'],
    {},
    /^surfhive: unknown option '--prot' \(Did you mean --port\?\) \(see --help\)$/,
  ],
  [
    'an unknown command',
    ['srve'],
    {},
    /^surfhive: unknown command 'srve' \(Did you mean serve\?\) \(see --help\)$/,
  ],
  ['a missing argument', ['ingest'], {}, /^surfhive: missing required argument 'release' \(see --help\)$/],
];

for (const [name, args, env, message] of cases) {
  t.test(name, async (t) => {
    const res = await mistake(args, env);
    t.equal(res.code, 2, `exit code 2 (stderr: ${res.stderr})`);
    t.equal(res.stderr.trim().split('\n').length, 1, 'exactly one line');
    t.match(res.stderr.trim(), message);
    t.notMatch(res.stderr, /\bat .*\.js:\d+/, 'no stack');
    t.equal(res.stdout, '', 'nothing on stdout');
    t.notOk(res.hiveMade, 'nothing done: the hive was not touched');
    t.ok(res.ms < 15_000, `answered at once (${res.ms} ms), not after building a kernel`);
  });
}

t.test('token hash of something that is no token: exit 2, one line, nothing printed', async (t) => {
  const res = await mistake(['token', 'hash'], {}, 'two words\n');
  t.equal(res.code, 2, res.stderr);
  t.match(
    res.stderr,
    /^surfhive: the token on standard input must be 1 to 512 printable characters without spaces\n$/,
  );
  t.equal(res.stdout, '');
});

t.test('a port in use: one line naming the port, before the hive is touched', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.teardown(() => taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  for (const [args, env, name] of [
    [['serve', '--host', '127.0.0.1', '--port', String(port)], {}, '--port'],
    [['serve'], { SURFHIVE_HOST: '127.0.0.1', SURFHIVE_PORT: String(port) }, 'SURFHIVE_PORT'],
    [['serve', '--processes', '2', '--host', '127.0.0.1', '--port', String(port)], {}, '--port'],
  ] as const) {
    const res = await mistake([...args], env);
    t.equal(res.code, 2, res.stderr);
    t.equal(res.stderr.trim().split('\n').length, 1, 'exactly one line');
    t.match(
      res.stderr,
      new RegExp(`^surfhive: ${name} ${port} is already in use on 127\\.0\\.0\\.1; choose another port\\n$`),
    );
    t.notOk(res.hiveMade, 'the hive was not touched');
  }
});

t.test('SURFHIVE_LOG_LEVEL=debug shows the stack of an unexpected error, else one line', async (t) => {
  // a hive path under a file: not a user mistake the CLI foresees, so an unexpected error
  const file = path.join(root, 'a-file');
  await fs.writeFile(file, '');
  const args = ['build', '--local', '--hive', path.join(file, 'hive')];
  const plain = await mistake(args);
  t.equal(plain.code, 1);
  t.equal(plain.stderr.trim().split('\n').length, 1, plain.stderr);
  t.match(plain.stderr, /^surfhive: unexpected error: .*\(SURFHIVE_LOG_LEVEL=debug shows where\)\n$/);
  const debug = await mistake(args, { SURFHIVE_LOG_LEVEL: 'debug' });
  t.equal(debug.code, 1);
  t.match(debug.stderr, /\n\s+at /, 'the stack, on demand');
});

t.test('help is not a mistake', async (t) => {
  const res = await mistake(['serve', '--help']);
  t.equal(res.code, 0);
  t.match(res.stdout, /--port <n>/);
});
