#!/usr/bin/env node
import { Command } from 'commander';
import { isSurfhiveError } from '../errors/codes.js';
import { registerBuild } from './commands/build.js';
import { registerCoreCheck } from './commands/core-check.js';
import { registerIngest } from './commands/ingest.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerWorker } from './commands/worker.js';

const program = new Command('surfhive')
  .description('Self-hosted server for surftrace and pylcc/clcc: lookups, remote compile, kernel ingest')
  .showHelpAfterError();

registerServe(program);
registerBuild(program);
registerIngest(program);
registerToken(program);
registerWorker(program);
registerCoreCheck(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Only our own coded errors are worded for users; anything else is a bug worth its stack.
  if (isSurfhiveError(err)) process.stderr.write(`surfhive: ${err.message}\n`);
  else
    process.stderr.write(`surfhive: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
