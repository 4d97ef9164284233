import { execFileSync } from 'node:child_process';
import http from 'node:http';
import t from 'tap';
import { ensureCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { GOLDEN_VER, goldenHive, publishKernel } from '../helpers/golden-hive.js';
import { startCli, until, waitHealthy } from './helpers/procs.js';

const arch = 'x86_64';

/** POST /lbc on a new connection each time (`Connection: close`), as the Python clients do. */
function lbcOnce(port: number, req: object): Promise<{ status: number; json: { res: unknown[] } }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify([req]);
    const r = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/lbc',
        method: 'POST',
        agent: false,
        headers: { connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
};

const children = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

t.test('serve --processes 2: one port, every process answers, /metrics sums them all', async (t) => {
  const cli = await ensureCli();
  const h = goldenHive();
  const port = await freePort();
  const proc = startCli(cli, ['serve', '--hive', h.hive, '--host', '127.0.0.1', '--port', String(port)], {
    SURFHIVE_PROCESSES: '2',
  });
  t.teardown(async () => {
    proc.kill();
    for (const pid of children(proc.child.pid!)) process.kill(pid, 'SIGKILL');
    h.cleanup();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/readyz`, proc, 120_000); // two Node processes starting on a busy machine
  const processes = () => metric(url, 'surfhive_server_processes');
  t.equal(await until(processes, (n) => n === 2, 30_000), 2, 'two processes report to /metrics');
  t.equal(children(proc.child.pid!).length, 2, 'the primary has two server processes');

  const u32 = { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' };
  const answers = await Promise.all(Array.from({ length: 40 }, () => lbcOnce(port, u32)));
  t.ok(
    answers.every(
      (a) =>
        a.status === 200 &&
        JSON.stringify(a.json.res) ===
          JSON.stringify([{ log: 'ok.', res: { name: 'u32', type: 'unsigned int', size: 4 } }]),
    ),
    '40 lookups on 40 connections all answered',
  );
  t.equal(
    await metric(url, 'surfhive_lbc_requests_total{cmd="type",outcome="ok"}'),
    40,
    'the counters of both processes summed, whichever answers /metrics',
  );

  // Each process has its own registry and watches: a kernel published now is seen by all.
  const ver = '5.10.0-30-amd64';
  publishKernel(h.hive, { arch, release: 'debian', ver });
  const fresh = { cmd: 'type', ver, arch, type: 'u8' };
  const allSee = async () =>
    (await Promise.all(Array.from({ length: 12 }, () => lbcOnce(port, fresh)))).map(
      (a) => (a.json.res[0] as { log: string }).log,
    );
  t.same(
    await until(allSee, (logs) => logs.every((l) => l === 'ok.'), 10_000),
    Array(12).fill('ok.'),
    'the new kernel answered on every connection',
  );
  // Both processes read the same hive: the aggregation takes one count, not their sum.
  const { kernels } = (await (await fetch(`${url}/readyz`)).json()) as { kernels: number };
  const stored = await until(
    () => metric(url, 'surfhive_kernels{arch="x86_64",release="debian"}'),
    (n) => n === kernels,
    10_000,
  );
  t.equal(stored, kernels, 'surfhive_kernels counts each kernel once across the processes');
  t.equal(
    await metric(url, 'surfhive_queue_jobs{queue="compile",state="waiting"}'),
    0,
    'in-process queues: each process reports its own, summed',
  );

  // A process that dies is replaced; the port keeps answering meanwhile.
  const [victim] = children(proc.child.pid!);
  process.kill(victim!, 'SIGKILL');
  const replaced = await until(
    async () => children(proc.child.pid!),
    (pids) => pids.length === 2 && !pids.includes(victim!),
    20_000,
  );
  t.equal(replaced.length, 2, 'a new process replaced the killed one');
  t.equal(await until(processes, (n) => n === 2, 30_000), 2);
  t.equal((await lbcOnce(port, u32)).status, 200);
  t.match(proc.output(), /a server process died; starting another/);

  proc.kill('SIGTERM');
  t.same(await proc.exited, { code: 0, signal: null }, 'SIGTERM drains every process and exits cleanly');
  t.same(children(proc.child.pid!), [], 'no server process left');
});

t.test('SURFHIVE_PROCESSES and --processes are checked', async (t) => {
  const cli = await ensureCli();
  const h = goldenHive();
  t.teardown(h.cleanup);
  const proc = startCli(cli, ['serve', '--hive', h.hive, '--port', '0', '--processes', 'lots'], {});
  t.teardown(() => proc.kill());
  t.equal((await proc.exited).code, 2, 'a mistake: exit 2');
  t.match(
    proc.output(),
    /^surfhive: --processes must be auto or a whole number from 1 to 256, not "lots"\n$/,
  );
  const env = startCli(cli, ['serve', '--hive', h.hive, '--port', '0'], { SURFHIVE_PROCESSES: 'lots' });
  t.teardown(() => env.kill());
  t.equal((await env.exited).code, 2);
  t.match(env.output(), /^surfhive: SURFHIVE_PROCESSES must be auto or a whole number from 1 to 256/);
});
