import { parentPort, workerData } from 'node:worker_threads';
import { isSurfhiveError } from '../errors/codes.js';
import { runTool } from './exec.js';
import { lowerThisThread } from './priority.js';
import type { SpawnReply, SpawnRequest } from './spawn-thread.js';

/**
 * The tool starter thread (spawn-thread.ts): runs each tool it is sent with runTool, the same
 * process group, timeout, caps and limits as anywhere, and stops one when told to.
 */
class ToolStarter {
  private readonly running = new Map<number, AbortController>();

  handle(msg: SpawnRequest): void {
    if ('abort' in msg) {
      this.running.get(msg.abort)?.abort();
      return;
    }
    const controller = new AbortController();
    this.running.set(msg.id, controller);
    runTool(msg.cmd, msg.args, { ...msg.opts, signal: controller.signal }).then(
      (result) => this.reply({ id: msg.id, ok: true, result }),
      (err: unknown) =>
        this.reply(
          isSurfhiveError(err)
            ? { id: msg.id, ok: false, kind: err.kind, message: err.message }
            : { id: msg.id, ok: false, kind: 'TOOL_FAILED', message: `${msg.cmd} could not be run` },
        ),
    );
  }

  private reply(r: SpawnReply): void {
    this.running.delete(r.id);
    parentPort!.postMessage(r);
  }
}

// forking the server and waiting for the tool's exec must not take the event loop's CPU
lowerThisThread((workerData as { nice?: number } | undefined)?.nice);
const starter = new ToolStarter();
parentPort!.on('message', (msg: SpawnRequest) => starter.handle(msg));
