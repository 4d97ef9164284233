#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { SettingError } from '../config/config.js';
import { isSurfhiveError } from '../errors/codes.js';
import { registerBuild } from './commands/build.js';
import { registerCoreCheck } from './commands/core-check.js';
import { registerIngest } from './commands/ingest.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerWorker } from './commands/worker.js';

/** Exit codes: 1 the work failed, 2 the command line or the environment is wrong (nothing was done). */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

// Settings on the program before its commands are added: commander copies them to each command.
const program = new Command('surfhive')
  .description('Self-hosted server for surftrace and pylcc/clcc: lookups, remote compile, kernel ingest')
  .exitOverride()
  .configureOutput({
    // commander's own mistakes ("unknown option", "missing argument") as our one line
    outputError: (text, write) =>
      write(
        `surfhive: ${text
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
      ),
  });

registerServe(program);
registerBuild(program);
registerIngest(program);
registerToken(program);
registerWorker(program);
registerCoreCheck(program);

const debug = ['debug', 'trace'].includes(process.env.SURFHIVE_LOG_LEVEL ?? '');

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
    return;
  }
  // Only our own coded errors are worded for users; anything else is a bug, its stack shown on demand.
  if (isSurfhiveError(err)) process.stderr.write(`surfhive: ${err.message}\n`);
  else
    process.stderr.write(
      `surfhive: unexpected error: ${err instanceof Error ? err.message : String(err)}` +
        (debug ? '' : ' (SURFHIVE_LOG_LEVEL=debug shows where)') +
        '\n',
    );
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = err instanceof SettingError ? EXIT_USAGE : EXIT_FAILED;
});
