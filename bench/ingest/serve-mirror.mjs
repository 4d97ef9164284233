// A static file server on 127.0.0.1 for the ingest benchmark: GET with byte ranges, nothing else.
// usage: node serve-mirror.mjs ROOT PORT
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const port = Number(process.argv[3] ?? 0);

const server = http.createServer(async (req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = path.join(root, rel);
  if (!file.startsWith(root + path.sep)) return void res.writeHead(403).end();
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return void res.writeHead(404).end();
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  if (start >= st.size && st.size > 0) return void res.writeHead(416).end();
  const headers = { 'content-length': st.size - start, 'accept-ranges': 'bytes' };
  if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${st.size - 1}/${st.size}` });
  else res.writeHead(200, headers);
  createReadStream(file, { start, highWaterMark: 1024 * 1024 }).pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
