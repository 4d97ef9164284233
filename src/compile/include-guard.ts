import { stripComments } from './c-text.js';
import { CompileFailure, SOURCE_NAME } from './outcome.js';

const DIRECTIVE = /^\s*#\s*(include|include_next|import|embed)\b(.*)$/;
const QUOTED = /^\s*(?:"([^"]*)"|<([^>]*)>)\s*$/;

/** Why an include target is refused, or undefined when it is a plain relative name. */
function refusal(target: string | undefined): string | undefined {
  if (target === undefined) return 'a computed #include name is not allowed';
  if (target.startsWith('/')) return 'including an absolute path is not allowed';
  if (target.includes('\\')) return 'a backslash in an #include name is not allowed';
  if (target.split('/').includes('..')) return 'including from a parent directory is not allowed';
  return undefined;
}

/**
 * Refuses sources that include files by absolute path, from parent
 * directories or by macro-computed names, before any tool runs. The compiler
 * also runs in a sandbox that shows no host files; this check gives a clear
 * message and a second fence. Messages cite `fileName:line` only.
 */
export function checkIncludes(source: string, fileName = SOURCE_NAME): void {
  const lines = stripComments(source, true).split('\n');
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
    const m = DIRECTIVE.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const q = QUOTED.exec(m[2]!);
    const why = refusal(q ? (q[1] ?? q[2]) : undefined);
    if (why) problems.push(`${fileName}:${first + 1}: error: ${why}`);
  }
  if (problems.length > 0) throw new CompileFailure('compile failed.', `${problems.join('\n')}\n`);
}
