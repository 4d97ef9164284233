import type { FastifyReply } from 'fastify';
import type { BtfBytes } from '../../buildid/btf-bytes.js';

/**
 * Sends BTF as a debuginfod server does: exact Content-Length, the size
 * again in X-Debuginfod-Size (clients read it for progress and size limits
 * when a proxy drops Content-Length), and the source file's name.
 */
export function sendBtf(reply: FastifyReply, btf: BtfBytes): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'application/octet-stream')
    .header('content-length', String(btf.size))
    .header('x-debuginfod-size', String(btf.size))
    .header('x-debuginfod-file', btf.fileName)
    .header('last-modified', new Date(btf.mtimeMs).toUTCString())
    .header('cache-control', 'public, max-age=3600')
    .send(btf.open());
}
