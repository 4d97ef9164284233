import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { packageRoot } from '../../src/util/package-root.js';
import { freePort } from '../helpers/free-port.js';
import { ingestMirror, KVERS } from '../ingest/helpers/ingest-mirror.js';
import { buildImages, composeUp, loadCompose, type Project } from './helpers/compose-engine.js';
import { buildCli, dockerEngine, ensureBaseImages } from './helpers/engine.js';
import { sleep, until } from './helpers/procs.js';
import { postCompile } from './helpers/stack.js';

// compose.yaml started for real on this machine's Docker engine (see helpers/compose-engine.ts):
// images built from the checkout, then lookups, a worker's compile, an ingest from a mirror
// container, and the faults an operator meets: a killed worker, a Redis restart, an API stop.

const root = packageRoot();
const engine = await dockerEngine();

if ('skip' in engine) {
  t.plan(0, engine.skip);
} else if (!existsSync('/sys/kernel/btf/vmlinux')) {
  await engine.stop();
  t.plan(0, 'this kernel has no BTF: the API has no local kernel to publish');
} else {
  t.setTimeout(30 * 60_000);
  t.teardown(engine.stop);
  const made = await ensureBaseImages(engine.docker);
  if (made.length > 0) t.comment(`made base images ${made.join(', ')} with scripts/base-images.sh`);
  await stackTests(engine.docker);
}

async function stackTests(docker: Docker) {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const workerToken = randomBytes(24).toString('base64url');
  const operatorToken = randomBytes(24).toString('base64url');
  const doc = loadCompose(path.join(root, 'compose.yaml'), {
    ...process.env,
    SURFHIVE_WORKER_TOKEN: workerToken,
    SURFHIVE_WORKER_TOKEN_HASHES: hashToken(workerToken),
    SURFHIVE_OPERATOR_TOKEN_HASHES: hashToken(operatorToken),
    SURFHIVE_PUBLISH: `127.0.0.1:${port}`,
  });
  const dockerCli = buildCli();
  const mirror = await ingestMirror();
  t.teardown(mirror.close);
  let stack: Project | undefined;
  t.teardown(() => stack?.down());

  const kernel = `${api}/api/v1/kernels/x86_64/${os.release()}`;
  const compile = (source: string, query = '') =>
    postCompile(api, { arch: 'x86_64', ver: os.release(), output: 'so', source }, query);
  const status = async (id: string, wait = 0) =>
    (await (await fetch(`${api}/api/v1/compile/${id}?wait=${wait}`)).json()) as { status: string };
  /** stdout of a command run in a container (the engine's stream demultiplexed). */
  const exec = async (container: string, cmd: string[]) => {
    const e = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({});
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    docker.modem.demuxStream(stream, out, new PassThrough().resume());
    await new Promise((r) => stream.on('end', r));
    return Buffer.concat(chunks).toString('utf8');
  };
  const hello = `#include "lbc.h"

SEC("tracepoint/sched/sched_process_fork")
int on_fork(void *ctx)
{
    bpf_printk("fork seen by the stack test\\n");
    return 0;
}

char _license[] SEC("license") = "GPL";
`;
  /** Each job keyed by its source: a comment makes a fresh compile (no cache hit). */
  const slowSource = (tag: string, functions = 60) =>
    `${hello}
// ${tag}
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F1 __attribute__((used)) static int CAT(f, __COUNTER__)(int x) { int s = 0; for (int i = 0; i < 16; i++) s += x * i ^ (s >> 3); return s; }
#define F10 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1
${'F10 '.repeat(functions / 10)}
`;

  t.test('images build from the checkout and the stack goes healthy', async (t) => {
    const built = Date.now();
    await buildImages(doc, root, dockerCli);
    t.comment(`images built (cached when unchanged) in ${((Date.now() - built) / 1000).toFixed(1)} s`);
    const up = Date.now();
    stack = await composeUp(docker, doc, {
      project: `surfhive-test-${process.pid}`,
      projectDir: root,
      timeoutMs: 600_000,
    });
    t.comment(`up to healthy: ${((Date.now() - up) / 1000).toFixed(1)} s`);
    t.same(Object.keys(stack.containers).sort(), ['api', 'redis', 'worker']);
    t.equal(stack.containers.worker?.length, 2, 'deploy.replicas workers');
    const internal = await docker.getNetwork(stack.network('internal')).inspect();
    t.equal(internal.Internal, true, 'the internal network has no route out');
    for (const [service, names] of Object.entries(stack.containers))
      for (const name of names) {
        const info = await docker.getContainer(name).inspect();
        t.equal(info.State.Health?.Status, 'healthy', `${name} healthy`);
        const uid = (await exec(name, ['id', '-u'])).trim();
        t.match(uid, /^[1-9][0-9]*$/, `${service} runs as uid ${uid}, not root`);
      }
    const worker = await docker.getContainer(stack.containers.worker![0]!).inspect();
    t.same(worker.HostConfig.CapDrop, ['ALL']);
    t.notOk(
      worker.Mounts.some((m) => m.Source === '/var/run/docker.sock'),
      'no Docker socket in the worker',
    );
    const outside = await exec(stack.containers.worker![0]!, [
      'node',
      '-e',
      'fetch("http://deb.debian.org/").then(() => console.log("reached"), () => console.log("no route"))',
    ]);
    t.match(outside, /no route/, 'a worker cannot reach the Internet');
  });

  t.test('lookups from outside through the published port', async (t) => {
    const member = await fetch(`${kernel}/structs/task_struct/members/se.run_node.rb_left`);
    t.equal(member.status, 200);
    t.match(await member.json(), { type: 'struct rb_node *' });
    const legacy = await fetch(`${api}/lbc`, {
      method: 'POST',
      body: JSON.stringify([
        { cmd: 'struct', ver: os.release(), arch: 'x86_64', struct: 'struct task_struct' },
      ]),
    });
    const body = (await legacy.json()) as { res: { log: string }[] };
    t.equal(body.res[0]?.log, 'ok.', 'legacy /lbc struct lookup');
  });

  t.test('a worker compiles in bubblewrap inside its container', async (t) => {
    const res = await compile(hello, '?wait=30');
    const body = (await res.json()) as { status: string; artifact?: { url: string } };
    t.equal(body.status, 'completed', JSON.stringify(body));
    const art = Buffer.from(await (await fetch(`${api}${body.artifact?.url}`)).arrayBuffer());
    t.equal(art.subarray(0, 4).toString('latin1'), '\x7fELF', 'the artifact');
    const headers = await Promise.all(
      stack!.containers.worker!.map((w) =>
        exec(w, ['find', '/var/lib/surfhive/work/headers', '-name', '*.h']),
      ),
    );
    t.ok(
      headers.some((h) => h.includes('.h')),
      'a worker fetched vmlinux.h from the API into its own work dir',
    );
  });

  t.test('an ingest from a local mirror container', async (t) => {
    for (let d = mirror.root; d !== path.dirname(d) && d !== os.tmpdir(); d = path.dirname(d))
      chmodSync(d, statSync(d).mode | 0o005);
    for (const e of readdirSync(mirror.root, { recursive: true, withFileTypes: true }))
      chmodSync(path.join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
    const name = `${stack!.name}-mirror`;
    const server = await docker.createContainer({
      name,
      Image: doc.services.api!.image,
      Entrypoint: ['node', '-e'],
      Cmd: [
        `const fs = require('fs'), path = require('path');
         require('http').createServer((q, s) => {
           const f = path.join('/www', path.normalize(decodeURIComponent(q.url)));
           fs.stat(f, (e, st) => e || !st.isFile() ? (s.statusCode = 404, s.end())
             : (s.setHeader('content-length', st.size), fs.createReadStream(f).pipe(s)));
         }).listen(8080);`,
      ],
      Labels: { 'com.docker.compose.project': stack!.name },
      HostConfig: {
        Binds: [`${path.join(mirror.root, 'www')}:/www:ro`],
        NetworkMode: stack!.network('internal'),
      },
      NetworkingConfig: { EndpointsConfig: { [stack!.network('internal')]: { Aliases: ['mirror'] } } },
    });
    await server.start();
    const res = await fetch(`${api}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({
        release: 'debian',
        version: KVERS[0],
        arch: 'x86_64',
        mirrors: { debian: 'http://mirror:8080/debian' },
      }),
    });
    const job = (await res.json()) as { id: string };
    t.ok(res.status === 202 || res.status === 200, `accepted: ${JSON.stringify(job)}`);
    const done = await until(
      async () =>
        (await (
          await fetch(`${api}/api/v1/ingest/${job.id}`, {
            headers: { authorization: `Bearer ${operatorToken}` },
          })
        ).json()) as { status: string },
      (s) => s.status === 'completed' || s.status === 'failed',
      180_000,
      500,
    );
    t.equal(done.status, 'completed', JSON.stringify(done));
    const kernels = await (await fetch(`${api}/api/v1/kernels`)).text();
    t.match(kernels, KVERS[0], 'the ingested kernel is listed');
  });

  t.test('docker kill of a worker mid-job: the job completes on another', async (t) => {
    const res = await compile(slowSource(`kill-${Date.now()}`));
    const { id } = (await res.json()) as { id: string };
    let victim: string | undefined;
    for (const end = Date.now() + 120_000; !victim && Date.now() < end; ) {
      for (const w of stack!.containers.worker!)
        if ((await exec(w, ['ls', '/var/lib/surfhive/work/compile'])).includes('job-')) victim = w;
      if (!victim) await sleep(100);
    }
    t.ok(victim, `a worker holds job ${id}`);
    if (!victim) return;
    const killedAt = Date.now();
    await docker.getContainer(victim).kill();
    t.not((await status(id)).status, 'completed', 'killed mid-job');
    const done = await until(
      () => status(id, 25),
      (s) => s.status === 'completed' || s.status === 'failed',
      180_000,
      0,
    );
    t.equal(done.status, 'completed', JSON.stringify(done));
    t.comment(`completed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    const others = stack!.containers.worker!.filter((w) => w !== victim);
    const logs = await Promise.all(
      others.map(async (w) => (await docker.getContainer(w).logs({ stdout: true, stderr: true })).toString()),
    );
    t.ok(
      logs.some((l) => l.includes(id) && l.includes('compile finished')),
      'another worker ran it to the end',
    );
    // a killed container counts as stopped by hand: the restart policy leaves it down
    await docker.getContainer(victim).start();
    await stack!.waitFor('worker', 'service_healthy');
  });

  t.test('a Redis restart with jobs queued loses none', async (t) => {
    const workers = stack!.containers.worker!;
    await Promise.all(workers.map((w) => docker.getContainer(w).stop({ t: 40 })));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await compile(`${hello}\n// queued-${Date.now()}-${i}\n`);
      t.equal(res.status, 202, `job ${i} queued`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await docker.getContainer(stack!.containers.redis![0]!).restart({ t: 20 });
    await stack!.waitFor('redis', 'service_healthy');
    for (const w of workers) await docker.getContainer(w).start();
    for (const id of ids) {
      const s = await until(
        () => status(id, 25),
        (v) => v.status === 'completed' || v.status === 'failed',
        180_000,
        0,
      );
      t.equal(s.status, 'completed', `job ${id.slice(0, 12)} survived the restart`);
    }
  });

  t.test('docker stop of the API: in-flight requests finish', async (t) => {
    await stack!.waitFor('api', 'service_healthy');
    const inflight = compile(slowSource(`stop-${Date.now()}`, 30), '?wait=30');
    await sleep(1000);
    const stopped = docker.getContainer(stack!.containers.api![0]!).stop({ t: 40 });
    const res = await inflight;
    const body = (await res.json()) as { status: string };
    t.ok([200, 202].includes(res.status), `the waiting request got its answer: ${res.status} ${body.status}`);
    await stopped;
    const info = await docker.getContainer(stack!.containers.api![0]!).inspect();
    t.equal(info.State.ExitCode, 0, 'the API drained and exited cleanly');
    await t.rejects(fetch(`${api}/healthz`), 'nothing listens after the stop');
  });
}
