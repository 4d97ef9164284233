// A `ko` builder thread lowers itself to the policy's niceness (SURFHIVE_TOOL_NICE) before it
// parses anything: BTF parsing and row flattening run below the server's event loop, which keeps
// its own niceness; the build itself still works.
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { KoPool } from '../../src/ko/ko-pool.js';
import { compileC, tempDir } from '../build/helpers/btf-tools.js';

/** Niceness of each thread of this process, by thread id (field 19 of its stat). */
const threadNices = () =>
  new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const;
    }),
  );

t.test('the builder thread runs at the configured niceness, the main thread at its own', async (t) => {
  const own = os.getPriority(0);
  const nice = Math.max(own + 1, 7);
  const { dir, cleanup } = tempDir('ko-nice');
  const pool = new KoPool({
    policy: { kind: 'bwrap', nice },
    workRoot: dir,
    concurrency: 1,
    maxBacklog: 1,
    deadlineMs: 60_000,
    maxMemberRows: 10_000,
  });
  t.teardown(async () => {
    await pool.close();
    cleanup();
  });
  t.notOk([...threadNices().values()].includes(nice), 'no thread at that niceness before');
  copyFileSync(join(import.meta.dirname, '../build/fixtures/module.c'), join(dir, 'mod_thing.c'));
  await compileC(dir, 'mod_thing.c', 'mod_thing.ko', 'object');
  const db = await pool.build(
    [{ fileName: 'mod_thing.ko', data: readFileSync(join(dir, 'mod_thing.ko')) }],
    undefined,
  );
  t.ok(db.length > 0, 'the module database was built');
  const after = threadNices();
  t.equal([...after.values()].filter((n) => n === nice).length, 1, 'one thread, the builder, runs lowered');
  t.equal(after.get(String(process.pid)), own, 'the main thread keeps its niceness');
});
