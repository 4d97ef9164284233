// The same-run ceilings for bench/lookup: a server answering every POST with the same bytes
// surfhive sent (read from a file) after reading the request body, as a server can at best.
//   node  — bare node:http
//   fastify — one Fastify route with no hooks, plugins or schema: what the framework alone costs
// usage: node bench/lookup/ceiling.mjs <answer-file> <port> [processes=1] [node|fastify]
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Fastify from 'fastify';

const [file, port, processes = '1', kind = 'node'] = process.argv.slice(2);
const n = Number(processes);

if (cluster.isPrimary && n > 1) {
  cluster.schedulingPolicy = cluster.SCHED_NONE; // as `surfhive serve --processes`
  for (let i = 0; i < n; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else if (kind === 'fastify') {
  const body = readFileSync(file);
  const app = Fastify({ keepAliveTimeout: 72_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, b, done) => done(null, b));
  app.post('/lbc', (_request, reply) => {
    reply.type('application/json').send(body);
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
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
