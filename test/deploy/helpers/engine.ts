import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { packageRoot } from '../../../src/util/package-root.js';
import { sleep } from './procs.js';

/** The images the Dockerfiles and compose.yaml start from; scripts/base-images.sh makes them. */
export const BASE_IMAGES = ['debian:12-slim', 'node:20-bookworm-slim', 'redis:7-bookworm'];

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(':').some((d) => existsSync(path.join(d, cmd)));

const answers = (docker: Docker) =>
  docker.ping().then(
    () => undefined,
    (err: Error) => err.message,
  );

/**
 * The local Docker engine. When none answers and this is root with dockerd installed, one is
 * started (and stopped again by `stop`). `skip` says why there is no engine.
 */
export async function dockerEngine(): Promise<{ docker: Docker; stop(): Promise<void> } | { skip: string }> {
  const docker = new Docker();
  const problem = await answers(docker);
  if (!problem) return { docker, stop: async () => undefined };
  if (!onPath('dockerd') || process.getuid?.() !== 0)
    return {
      skip: `no Docker engine (${problem}); as root: apt-get install docker.io, then scripts/ci-docker.sh`,
    };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-dockerd-'));
  const log = path.join(dir, 'dockerd.log');
  const child = spawn('sh', ['-c', `exec dockerd >"${log}" 2>&1`], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (let i = 0; i < 120 && child.exitCode === null && (await answers(docker)); i++) await sleep(500);
  const still = await answers(docker);
  if (still) {
    child.kill('SIGTERM');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-5).join(' | ') : '';
    rmSync(dir, { recursive: true, force: true });
    return { skip: `dockerd could not start here (${still}): ${tail}` };
  }
  return {
    docker,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CLI that builds images: the PATH's docker, or the engine's own (docker.io) when that one lacks BuildKit. */
export function buildCli(): string {
  if (process.env.SURFHIVE_DOCKER_CLI) return process.env.SURFHIVE_DOCKER_CLI;
  try {
    execFileSync('docker', ['buildx', 'version'], { stdio: 'ignore' });
    return 'docker';
  } catch {
    return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  }
}

/** Base images the engine lacks, made by scripts/base-images.sh (which leaves present ones alone). */
export async function ensureBaseImages(docker: Docker): Promise<string[]> {
  const missing: string[] = [];
  for (const image of BASE_IMAGES)
    if (
      !(await docker
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      missing.push(image);
  if (missing.length > 0)
    execFileSync('bash', [path.join(packageRoot(), 'scripts/base-images.sh')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DOCKER: buildCli() },
    });
  return missing;
}
