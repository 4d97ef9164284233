import { isSurfhiveError } from '../errors/codes.js';
import { createLogger } from '../log/logger.js';
import { ToolRunner } from '../sandbox/exec.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import type { FromBuilder, IndexerTask, ToBuilder } from './build-messages.js';
import { addModuleToKernel } from './module-add.js';
import { buildKernel, buildKernelLocked } from './pipeline.js';

/**
 * The builder process (`BuildProcesses` forks one per task): pahole, the DWARF walk, BTF
 * parsing and the SQLite writes run here, away from the API's event loop. It runs one task,
 * sends one reply and exits. An abort message, or the parent going away, kills its tools.
 */
const controller = new AbortController();

async function run(task: IndexerTask, deadline: number, logLevel: string, policy: SandboxPolicy) {
  const logger = createLogger(logLevel).child({ builder: process.pid });
  const tools: ToolUse = {
    // the server's policy, sent along: a runner object cannot cross the process boundary
    runner: new ToolRunner(policy),
    signal: controller.signal,
    deadline: performance.now() + (deadline - Date.now()),
  };
  if (task.op === 'add-module') return addModuleToKernel({ ...task.job, tools, logger });
  const { lockHeld, force, logBindings, ...job } = task.job;
  const jobLogger = logBindings ? logger.child(logBindings) : logger;
  return lockHeld
    ? buildKernelLocked({ ...job, tools, logger: jobLogger })
    : buildKernel({ ...job, force: force ?? false, tools, logger: jobLogger });
}

function reply(msg: FromBuilder): void {
  if (!process.connected) process.exit(1);
  process.send!(msg, () => process.exit(0));
}

process.on('disconnect', () => {
  controller.abort();
  // the tools die with their process group; nothing else is worth finishing
  setTimeout(() => process.exit(1), 200).unref();
});

process.on('message', (msg: ToBuilder) => {
  if (msg.type === 'abort') {
    controller.abort();
    return;
  }
  run(msg.task, msg.deadline, msg.logLevel, msg.policy).then(
    (result) => reply({ type: 'done', result }),
    (err: unknown) => {
      if (isSurfhiveError(err)) return reply({ type: 'failed', kind: err.kind, message: err.message });
      createLogger(msg.logLevel).error({ err }, 'kernel build failed unexpectedly');
      reply({ type: 'failed', kind: 'INTERNAL', message: 'the kernel build failed' });
    },
  );
});
