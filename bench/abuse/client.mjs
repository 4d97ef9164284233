// What the abuse bench's client processes share: its attack classes, timed HTTP requests and the
// well-behaved client. Each client runs in a process of its own (bench/abuse/run.mjs starts them),
// so no client's work shares an event loop with another's or with the server's.
import { readFileSync } from 'node:fs';
import http from 'node:http';

/** Legacy clients give up after 30 s: the bound every compile-path answer must meet. */
export const CLIENT_PATIENCE = 30_000;

/** What every client process is told on its command line, as JSON. */
export function clientSetup() {
  return JSON.parse(process.argv[2]);
}

const lbc = (base, items, headers = {}) => ({
  url: `${base}/lbc`,
  init: { method: 'POST', body: JSON.stringify(items), headers },
});

/** An attack request as node:http sends it (see httpRequest): `{url, init}` or `{raw}`. */
const asRaw = ({ url, init, raw }) =>
  raw ?? { url, method: init.method, headers: init.headers ?? {}, body: init.body };

const source = (n) =>
  `#include "lbc.h"\nSEC("tracepoint/syscalls/sys_enter_getpid") int p${n}(void *ctx) { return 0; }\nchar _license[] SEC("license") = "GPL";\n`;

let nested;

/**
 * This client's own time on a CPU and runnable waiting for one (its main thread, ms): a client
 * that waited long for a CPU measured its own wait too, not only the server's answer.
 */
function ownCpu() {
  const [run, wait] = readFileSync('/proc/self/schedstat', 'utf8').split(' ').map(Number);
  const cpu = process.cpuUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1000, runMs: run / 1e6, waitMs: wait / 1e6 };
}

/** Each attack: what it sends, and the deadline its answer must meet. */
export function attacks({ base, ver, arch, nestKo, bigFile }) {
  return {
    'incbin-large-file': {
      deadline: CLIENT_PATIENCE,
      req: (n) =>
        lbc(base, [
          { cmd: 'obj', ver, arch, env: '', code: `asm(".incbin \\"${bigFile}\\"");\n/* ${n} */\n` },
        ]),
    },
    'incbin-dev-zero-so': {
      deadline: CLIENT_PATIENCE,
      req: (n) =>
        lbc(base, [{ cmd: 'c', ver, arch, env: '', code: `asm(".incbin \\"/dev/zero\\"");\n/* ${n} */\n` }]),
    },
    'nested-json-6MB': {
      deadline: 2_000,
      req: () => {
        nested ??= Buffer.from('['.repeat(6 << 20));
        return { url: `${base}/lbc`, init: { method: 'POST', body: nested } };
      },
    },
    'sixteen-obj-spelled': {
      deadline: CLIENT_PATIENCE,
      req: (n) => ({
        url: `${base}/lbc`,
        init: {
          method: 'POST',
          body: `[${Array.from({ length: 16 }, (_, i) => `{"cmd":"\\u006fbj","ver":"${ver}","arch":"${arch}","code":"int v${n}_${i};"}`).join(',')}]`,
        },
      }),
    },
    'ko-nested-structs': {
      deadline: CLIENT_PATIENCE,
      req: () => lbc(base, [{ cmd: 'ko', ver, arch, kos: { 'nest.ko': nestKo } }]),
    },
    'bootstrap-evil-host': {
      deadline: 2_000,
      req: () => ({
        raw: {
          url: `${base}/api/v1/surftrace?kernel=auto&e=p%20wake_up_new_task`,
          headers: { host: "evil.example';rm -rf /" },
        },
      }),
    },
  };
}

/**
 * One request over node:http, from `localAddress` (attackers each have a loopback address of
 * their own, as real ones have their own addresses: per-client rate limits see them apart from the
 * good client). An answer that arrives while the body is still being sent ends the request: the
 * rest of the body is not sent (as fetch does).
 */
function httpRequest({ url, method = 'GET', headers = {}, body, localAddress, agent }) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method,
        headers,
        localAddress,
        agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          if (!req.writableFinished) req.destroy();
          resolve({ status: res.statusCode, text });
        });
        res.on('error', (err) => resolve({ status: 0, text: String(err.code ?? err) }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, text: String(err.code ?? err) }));
    req.end(body);
  });
}

export async function timed(url, init, raw) {
  const t0 = performance.now();
  if (raw) {
    const r = await httpRequest(raw);
    return { ...r, ms: performance.now() - t0 };
  }
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    const text = await r.text();
    return { ms: performance.now() - t0, status: r.status, text };
  } catch (err) {
    // fetch says only "fetch failed": the cause (ECONNRESET, a timeout) is what tells
    return { ms: performance.now() - t0, status: 0, text: String(err?.cause?.code ?? err?.cause ?? err) };
  }
}

const STRUCTS = ['task_struct', 'sk_buff', 'file', 'inode', 'mm_struct', 'net_device'];
const okLog = (text) => {
  try {
    return JSON.parse(text).res?.[0]?.log === 'ok.';
  } catch {
    return false;
  }
};

/** The well-behaved client: lookups back to back (20 ms apart), a small unique compile every 3 s. */
export async function goodClient({ base, ver, arch }, ms, tag) {
  const out = { lookups: [], compiles: [], failures: [] };
  const end = performance.now() + ms;
  let n = 0;
  const compiles = (async () => {
    while (performance.now() < end) {
      const { url, init } = lbc(base, [
        { cmd: 'obj', ver, arch, env: '', code: source(`${tag}${n++}${Date.now()}`) },
      ]);
      const r = await timed(url, init);
      if (r.status === 200 && okLog(r.text)) out.compiles.push(r.ms);
      else out.failures.push(`compile ${r.status} ${r.text.slice(0, 160)}`);
      await new Promise((res) => setTimeout(res, 3_000));
    }
  })();
  while (performance.now() < end) {
    const { url, init } = lbc(base, [
      { cmd: 'struct', ver, arch, struct: `struct ${STRUCTS[n++ % STRUCTS.length]}` },
    ]);
    const r = await timed(url, init);
    if (r.status === 200 && okLog(r.text)) out.lookups.push(r.ms);
    else out.failures.push(`lookup ${r.status} ${r.text.slice(0, 160)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  await compiles;
  return { ...out, ...ownCpu() };
}

/** One attacker: the named attack back to back for `ms`, from `setup.address`, over keep-alive connections. */
export async function attacker(setup, name, ms) {
  const a = attacks(setup)[name];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  const statuses = {};
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    const raw = { ...asRaw(a.req(`${process.pid}-${n++}`)), localAddress: setup.address, agent };
    const r = await timed(undefined, undefined, raw);
    times.push(r.ms);
    // status 0: no HTTP answer reached the client (reset, timeout); say what it saw instead
    let label = r.status === 0 ? `0 ${r.text.replace(/^\w*Error: /, '').slice(0, 60)}` : String(r.status);
    try {
      const body = JSON.parse(r.text);
      const log = body.res?.[0]?.log ?? body.code;
      if (log) label += ` ${String(log).slice(0, 50)}`;
    } catch {}
    statuses[label] = (statuses[label] ?? 0) + 1;
  }
  return { name, times, statuses, deadline: a.deadline, ...ownCpu() };
}
