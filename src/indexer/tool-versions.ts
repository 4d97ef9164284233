import { readFileSync } from 'node:fs';
import { runTool } from '../sandbox/exec.js';
import { packageRoot } from '../util/package-root.js';

let cached: Promise<Record<string, string>> | undefined;

const firstLine = async (cmd: string, args: string[]) => {
  try {
    const r = await runTool(cmd, args, { timeoutMs: 10_000 });
    return (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unavailable';
  }
};

/** Versions of the tools that shape a kernel's artifacts, recorded in its database. */
export function toolVersions(): Promise<Record<string, string>> {
  cached ??= (async () => {
    const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
    return {
      surfhive: pkg.version,
      pahole: await firstLine('pahole', ['--version']),
      bpftool: await firstLine('bpftool', ['version']),
    };
  })();
  return cached;
}
