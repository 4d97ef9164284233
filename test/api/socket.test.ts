import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { goldenApp } from '../helpers/app.js';
import { GOLDEN_VER, loadGolden } from '../helpers/golden-hive.js';

/** What the surftrace client does: POST a JSON array with `Connection: close`, no content type. */
function post(
  port: number,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/lbc',
        headers: { connection: 'close', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test('a real socket on 127.0.0.1', async (t) => {
  const h = await goldenApp();
  t.teardown(h.close);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as AddressInfo;
  const expected = loadGolden().structs.find((s) => s.name === 'struct task_struct');
  const body = JSON.stringify([
    { cmd: 'struct', ver: GOLDEN_VER, arch: 'x86_64', struct: 'struct task_struct' },
  ]);
  const results = await Promise.all(Array.from({ length: 8 }, () => post(port, body)));
  for (const r of results) {
    t.equal(r.status, 200);
    t.equal(r.headers.connection, 'close');
    t.same(JSON.parse(r.body), {
      result: 'success',
      status: true,
      code: 200,
      res: [{ log: 'ok.', res: expected }],
    });
  }
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  t.match(metrics, /surfhive_lbc_requests_total\{cmd="struct",outcome="ok"\} 8/);
  const kernels = await fetch(`http://127.0.0.1:${port}/api/v1/kernels`).then((r) => r.json());
  t.equal((kernels as { total: number }).total, 1);
});
