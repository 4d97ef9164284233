// Child of history-index.test.ts: starts writing a kernel with many layouts into the hive's
// index and SIGKILLs itself half-way through, inside the transaction.
import { writeSync } from 'node:fs';
import { LayoutIndex, type StoredLayout } from '../../../src/history/layout-index.js';

const hive = process.argv[2]!;
const index = LayoutIndex.open(hive);
function* layouts(): Generator<[string, StoredLayout]> {
  for (let i = 0; i < 2000; i++) {
    if (i === 1000) {
      writeSync(1, 'writing\n');
      process.kill(process.pid, 'SIGKILL');
    }
    yield [
      `struct s${i}`,
      { size: 8, cells: [{ type: 'long', name: `m${i}`, offset: 0, size: 8, bits: '' }], elements: {} },
    ];
  }
}
index.put(
  {
    arch: 'x86_64',
    ver: '9.9.9-1',
    release: 'debian',
    db: { path: '/nonexistent', ino: 1, size: 1, mtimeMs: 1 },
    dev: 1,
    content: Buffer.alloc(32),
  },
  layouts(),
);
