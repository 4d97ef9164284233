import { Readable } from 'node:stream';
import t from 'tap';
import type { SurfhiveError } from '../../src/errors/codes.js';
import { spawnToolStream } from '../../src/sandbox/exec.js';

const drain = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SurfhiveError,
  );

t.test('streams stdin to stdout with backpressure', async (t) => {
  const tool = spawnToolStream('cat', [], { timeoutMs: 10_000 });
  const input = Buffer.alloc(8 * 1024 * 1024, 7);
  Readable.from([input.subarray(0, 4_000_000), input.subarray(4_000_000)]).pipe(tool.stdin);
  t.same(await drain(tool.stdout), input);
  t.equal((await tool.exited).code, 0);
});

t.test('non-zero exit errors the output with the chosen kind', async (t) => {
  const tool = spawnToolStream('sh', ['-c', 'echo partial; echo oops >&2; exit 3'], {
    timeoutMs: 10_000,
    exitErrorKind: 'BAD_ARCHIVE',
  });
  tool.stdin.end();
  const err = await failure(drain(tool.stdout));
  t.equal(err?.kind, 'BAD_ARCHIVE');
  t.match(err?.message, /exit 3/);
  t.equal((await tool.exited).stderr.trim(), 'oops');
});

t.test('timeout, output cap, missing tool, early destroy', async (t) => {
  const slow = spawnToolStream('sleep', ['30'], { timeoutMs: 200 });
  t.equal((await failure(drain(slow.stdout)))?.kind, 'TOOL_TIMEOUT');
  const big = spawnToolStream('head', ['-c', '1000000', '/dev/zero'], {
    timeoutMs: 10_000,
    maxOutputBytes: 1000,
  });
  t.match((await failure(drain(big.stdout)))?.message, /exceeds its limit/);
  const none = spawnToolStream('no-such-tool-xyz', [], { timeoutMs: 10_000 });
  t.equal((await failure(drain(none.stdout)))?.kind, 'TOOL_FAILED');
  const endless = spawnToolStream('cat', ['/dev/zero'], { timeoutMs: 10_000 });
  for await (const _ of endless.stdout) break; // destroys the stream
  const exit = await endless.exited;
  t.equal(exit.signal, 'SIGKILL', 'the tool is killed when its output is abandoned');
});
