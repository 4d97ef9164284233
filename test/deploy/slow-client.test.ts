import net from 'node:net';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { goldenHive } from '../helpers/golden-hive.js';

/** Opens a raw socket, sends `first`, then `trickle` one byte at a time every `everyMs`; resolves when the server hangs up. */
function slowClient(port: number, first: string, trickle = '', everyMs = 200) {
  return new Promise<{ ms: number; reply: string }>((resolve) => {
    const started = performance.now();
    const sock = net.connect(port, '127.0.0.1');
    let reply = '';
    let timer: NodeJS.Timeout | undefined;
    sock.on('connect', () => {
      sock.write(first);
      let i = 0;
      if (trickle)
        timer = setInterval(() => {
          if (i < trickle.length && !sock.destroyed) sock.write(trickle[i++]!);
        }, everyMs);
    });
    sock.on('data', (b) => {
      reply += b.toString('latin1');
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, reply });
    });
  });
}

t.test('slow clients are cut off by the configured timeouts; others are served meanwhile', async (t) => {
  const h = goldenHive();
  const app = await buildApp({
    config: {
      ...h.config,
      connectionTimeoutMs: 1_500,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 3_000,
      keepAliveTimeoutMs: 1_000,
    },
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const { port } = app.server.address() as net.AddressInfo;

  const [headers, body, trickled, idle] = await Promise.all([
    // headers that never finish
    slowClient(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n'),
    // a body announced but never sent in full
    slowClient(port, 'POST /lbc HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{"cmd"'),
    // a body dribbled byte by byte: never idle, but never done either
    slowClient(
      port,
      'POST /lbc HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n',
      '[{"cmd":"struct","ver":"1","arch":"x86_64","struct":"struct task_struct"}]'.padEnd(60, ' '),
      150,
    ),
    // a keep-alive connection left idle after its request
    slowClient(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'),
  ]);
  const fine = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(fine.status, 200, 'a normal client is served');

  t.ok(headers.ms < 5_000, `unfinished headers cut off after ${Math.round(headers.ms)} ms`);
  t.notMatch(headers.reply, /200 OK/, 'and never answered');
  t.ok(body.ms < 5_000, `unfinished body cut off after ${Math.round(body.ms)} ms`);
  t.notMatch(body.reply, /200 OK/);
  t.ok(trickled.ms < 6_000, `dribbled body cut off after ${Math.round(trickled.ms)} ms`);
  t.notMatch(trickled.reply, /200 OK/);
  t.match(idle.reply, /^HTTP\/1\.1 200 OK/, 'the keep-alive request was answered');
  t.ok(idle.ms < 4_000, `then its idle connection closed after ${Math.round(idle.ms)} ms`);
});
