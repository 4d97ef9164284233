import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../helpers/free-port.js';

export interface Proc {
  child: ChildProcess;
  /** stderr and stdout so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node <cli> ...args` with extra environment; its output is kept in memory. */
export function startCli(cli: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn('node', [cli, ...args], {
    env: { ...process.env, SURFHIVE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 200, the process dies, or the time runs out. */
export async function waitHealthy(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited early:\n${proc.output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not become healthy:\n${proc.output()}`);
}

/** `surfhive serve` on a free loopback port, once ready. */
export async function startApi(cli: string, hive: string, env: Record<string, string>) {
  const port = await freePort();
  const proc = startCli(cli, ['serve', '--hive', hive, '--host', '127.0.0.1', '--port', String(port)], env);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/readyz`, proc);
  return { proc, url, port };
}

/** Polls until `pred` holds or the time runs out; returns the last value. */
export async function until<T>(
  fn: () => Promise<T>,
  pred: (v: T) => boolean,
  timeoutMs: number,
  stepMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!pred(v) && Date.now() < deadline) {
    await sleep(stepMs);
    v = await fn();
  }
  return v;
}
