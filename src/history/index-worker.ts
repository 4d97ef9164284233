import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../sandbox/priority.js';
import { indexKernel } from './index-kernel.js';
import type { IndexReply, IndexRequest } from './index-thread.js';
import { LayoutIndex } from './layout-index.js';

/**
 * The layout index's writer thread: reads kernel databases (read-only) and writes their
 * layouts into the hive's index, one request at a time, off the server's event loop.
 */
const { hive, nice } = workerData as { hive: string; nice?: number };
// reading whole kernel databases must not take the CPU from the server's event loop
lowerThisThread(nice);
let index: LayoutIndex | undefined;

parentPort!.on('message', (req: IndexRequest) => {
  const started = performance.now();
  let reply: IndexReply;
  try {
    index ??= LayoutIndex.open(hive);
    const outcome = indexKernel(index, req.kernel);
    reply = { id: req.id, ok: true, outcome, ms: performance.now() - started };
  } catch (err) {
    reply = { id: req.id, ok: false, message: (err as Error).message, stack: (err as Error).stack };
  }
  parentPort!.postMessage(reply);
});
