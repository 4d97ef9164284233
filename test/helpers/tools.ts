import { ToolRunner } from '../../src/sandbox/exec.js';
import type { ToolUse } from '../../src/sandbox/tool-use.js';

/** The runner tests hand in where the server would pass its configured one: bubblewrap, the default policy. */
export const RUNNER = new ToolRunner({ kind: 'bwrap' });
export const TOOLS: ToolUse = Object.freeze({ runner: RUNNER });
