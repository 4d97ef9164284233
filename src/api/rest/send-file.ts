import path from 'node:path';
import send from '@fastify/send';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';

/**
 * Streams one hive file with range requests, ETag and Last-Modified (and
 * their conditional forms). `file` is an absolute path the caller built from
 * validated names; send() still confines it to its directory.
 */
export async function sendHiveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: string,
  contentType: string,
  downloadName?: string,
): Promise<FastifyReply> {
  const res = await send(request.raw, `/${encodeURIComponent(path.basename(file))}`, {
    root: path.dirname(file),
    dotfiles: 'deny',
    index: false,
    contentType: false,
    acceptRanges: true,
    etag: true,
    lastModified: true,
    cacheControl: true,
    maxAge: 0,
  });
  if (res.type !== 'file') {
    res.stream.destroy();
    const status = res.statusCode;
    if (status === 404 || status === 403 || res.type === 'directory') {
      throw new SurfhiveError('ARTIFACT_NOT_FOUND', 'no such file in the hive');
    }
    if (status >= 500)
      throw new SurfhiveError('UNAVAILABLE', 'file cannot be read', {
        cause: res.type === 'error' ? res.metadata.error : undefined,
      });
    // 412 and 416 keep their headers (Content-Range) and get our error body
    const e = new SurfhiveError(
      'BAD_REQUEST',
      status === 416 ? 'range not satisfiable' : 'precondition failed',
    );
    const headers = { ...res.headers };
    delete headers['Content-Type'];
    delete headers['Content-Length'];
    delete headers['Content-Security-Policy'];
    return reply
      .code(status)
      .headers(headers)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ ...e.toJSON(), statusCode: status }));
  }
  reply.code(res.statusCode).headers(res.headers).header('content-type', contentType);
  if (downloadName) reply.header('content-disposition', `attachment; filename="${downloadName}"`);
  return reply.send(res.stream);
}
