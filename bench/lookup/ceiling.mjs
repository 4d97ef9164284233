// The bare-Node ceiling: node:http answering every POST with the same bytes surfhive sent
// (read from a file), after reading the request body, as a server can at best.
// usage: node bench/lookup/ceiling.mjs <answer-file> <port> [processes=1]
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [file, port, processes = '1'] = process.argv.slice(2);
const n = Number(processes);

if (cluster.isPrimary && n > 1) {
  for (let i = 0; i < n; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const body = readFileSync(file);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  const server = http.createServer({ keepAliveTimeout: 72_000 }, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  server.listen(Number(port), '127.0.0.1');
}
