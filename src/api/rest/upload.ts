import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { recordRemovedKernel } from '../../history/index-keeper.js';
import { artifactPath, type KernelKey } from '../../hive/layout.js';
import { MODULE_NAME_PATTERN } from '../../hive/names.js';
import { makeStagingDir, withKernelLock } from '../../hive/publish.js';
import type { HiveRegistry } from '../../hive/registry.js';
import { sha256File } from '../../hive/same-content.js';
import { unpublishKernel } from '../../hive/unpublish.js';
import type { KernelBuilder } from '../../indexer/build-process.js';
import { extractKernel } from '../../ingest/extract.js';
import { readKernelMeta } from '../../kernel-db/db-file.js';
import type { Logger } from '../../log/logger.js';
import type { ToolRunner } from '../../sandbox/exec.js';
import { requireOperator } from '../auth.js';
import {
  bearerSecurity,
  errorResponses,
  type KernelParams,
  kernelParams,
  kernelParamsWith,
  releaseSchema,
} from './schemas.js';

export interface UploadRouteDeps {
  registry: HiveRegistry;
  operatorTokenHashes: readonly string[];
  /** Largest body, bytes. */
  limit: number;
  /** Where builds run (off the event loop). */
  builder: KernelBuilder;
  logger: Logger;
  /** The process's runner: the package's decompressors and the build's tools run under it. */
  runner: ToolRunner;
}

type UploadKind = 'elf' | 'btf' | 'rpm' | 'deb';

/** What the first bytes say the upload is; anything else is refused. */
function sniff(head: Buffer): UploadKind | undefined {
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'elf';
  if (head.readUInt16LE(0) === 0xeb9f || head.readUInt16BE(0) === 0xeb9f) return 'btf';
  if (head.subarray(0, 4).equals(Buffer.from([0xed, 0xab, 0xee, 0xdb]))) return 'rpm';
  if (head.subarray(0, 8).toString('latin1') === '!<arch>\n') return 'deb';
  return undefined;
}

/** Where debug packages keep the vmlinux, by format. */
const PACKAGE_LAYOUT = {
  rpm: (ver: string) => ({ vmlinux: `usr/lib/debug/lib/modules/${ver}/vmlinux` }),
  deb: (ver: string) => ({ vmlinux: `usr/lib/debug/boot/vmlinux-${ver}` }),
};

const errors = errorResponses(400, 401, 403, 404, 409, 413, 422);
const releaseQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { release: { ...releaseSchema, default: 'custom', examples: ['custom'] } },
} as const;

/**
 * `PUT /kernels/:arch/:ver` (operator): a debug vmlinux, a raw BTF file or a debuginfo
 * .rpm/.deb, streamed to the hive's staging area under a size cap, built and published
 * atomically under `?release=` (default `custom`). `DELETE` removes a kernel atomically.
 */
export async function uploadRoutes(app: FastifyInstance, deps: UploadRouteDeps): Promise<void> {
  const operator = requireOperator(deps.operatorTokenHashes);
  const hive = deps.registry.hive;
  // the body stays a stream: the handler writes it to disk under the cap
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put<{ Params: KernelParams; Querystring: { release: string } }>(
    '/kernels/:arch/:ver',
    {
      preHandler: operator,
      schema: {
        summary: 'Upload a custom kernel: debug vmlinux, raw BTF, or a debuginfo .rpm/.deb (operator)',
        description:
          'The request body is the file itself, sent raw (`curl -T vmlinux -H "Authorization: Bearer $TOKEN" ' +
          'URL`); its kind is told from its first bytes.',
        operationId: 'uploadKernel',
        tags: ['ingest'],
        security: bearerSecurity,
        params: kernelParams,
        querystring: releaseQuery,
        response: {
          201: {
            description: 'Built and published',
            examples: [
              {
                kernel: { arch: 'x86_64', release: 'custom', ver: '6.1.0-56-amd64' },
                published: true,
                input: 'elf',
              },
            ],
            type: 'object',
            required: ['kernel', 'published'],
            properties: {
              kernel: { type: 'object', additionalProperties: { type: 'string' } },
              published: { type: 'boolean' },
              input: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { arch, ver } = request.params;
      const key: KernelKey = { arch, release: request.query.release, ver };
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > deps.limit)
        throw new SurfhiveError('BODY_TOO_LARGE', `an upload may be at most ${deps.limit} bytes`);
      const staging = await makeStagingDir(hive, 'upload');
      let published: boolean;
      let kind: UploadKind | undefined;
      try {
        const file = path.join(staging, 'upload');
        await receive(request.body as NodeJS.ReadableStream, file, deps.limit);
        kind = await sniffFile(file);
        if (!kind)
          throw new SurfhiveError('BAD_INPUT_FILE', 'the upload is not an ELF, a BTF file, an RPM or a DEB');
        let input = file;
        if (kind === 'rpm' || kind === 'deb') {
          const got = await extractKernel(
            file,
            { format: kind, ver, layout: PACKAGE_LAYOUT[kind](ver) },
            staging,
            { includeModules: false },
            { runner: deps.runner },
          );
          input = got.vmlinuxPath;
        }
        // the same (arch, ver) with other content is refused, whichever release holds it
        const current = readKernelMeta(artifactPath(hive, key, 'db'));
        if (current && current.input_sha256 !== (await sha256File(input)))
          throw new SurfhiveError('KERNEL_CONFLICT', `${arch}/${ver} already exists with different content`);
        const built = await whileBuilding(request.socket, () =>
          deps.builder.build({ hive, key, input, keepVmlinux: false, lockHeld: false }),
        );
        published = built.published;
      } finally {
        // removed before the answer goes out: a client that sees it finds no scratch left
        await rm(staging, { recursive: true, force: true });
      }
      await deps.registry.refresh();
      return reply.code(201).send({ kernel: key, published, input: kind });
    },
  );

  app.put<{ Params: KernelParams & { name: string }; Querystring: { release?: string } }>(
    '/kernels/:arch/:ver/modules/:name',
    {
      preHandler: operator,
      schema: {
        summary:
          'Add a module to a published kernel: the .ko (.xz/.zst) built for it, with DWARF or .BTF (operator)',
        description:
          'The request body is the module file itself, sent raw (`curl -T nf_conntrack.ko -H "Authorization: ' +
          'Bearer $TOKEN" URL`); its `.modinfo` must name this module and carry the kernel\'s vermagic.',
        operationId: 'uploadModule',
        tags: ['ingest'],
        security: bearerSecurity,
        params: kernelParamsWith({
          name: { type: 'string', pattern: MODULE_NAME_PATTERN, maxLength: 64, examples: ['nf_conntrack'] },
        }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { release: releaseSchema },
        },
        response: {
          201: {
            description: "The module's rows were added (or the same module was already there)",
            examples: [
              {
                kernel: { arch: 'x86_64', release: 'debian', ver: '6.1.0-56-amd64' },
                module: 'nf_conntrack',
                published: true,
                stats: { structs: 41, types: 12, funcs: 388 },
              },
            ],
            type: 'object',
            required: ['kernel', 'module', 'published'],
            properties: {
              kernel: { type: 'object', additionalProperties: { type: 'string' } },
              module: { type: 'string' },
              published: { type: 'boolean' },
              stats: {
                type: 'object',
                properties: {
                  structs: { type: 'integer' },
                  types: { type: 'integer' },
                  funcs: { type: 'integer' },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { arch, ver, name } = request.params;
      const key: KernelKey = {
        arch,
        ver,
        release: request.query.release ?? (await publishedRelease(arch, ver)),
      };
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > deps.limit)
        throw new SurfhiveError('BODY_TOO_LARGE', `an upload may be at most ${deps.limit} bytes`);
      const staging = await makeStagingDir(hive, 'upload');
      let added: Awaited<ReturnType<KernelBuilder['addModule']>>;
      try {
        const file = path.join(staging, 'module');
        await receive(request.body as NodeJS.ReadableStream, file, deps.limit);
        added = await whileBuilding(request.socket, () => deps.builder.addModule({ hive, key, name, file }));
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      await deps.registry.refresh();
      return reply
        .code(201)
        .send({ kernel: key, module: added.module, published: added.published, stats: added.stats });
    },
  );

  /** The release a published (arch, ver) is served from. */
  async function publishedRelease(arch: KernelKey['arch'], ver: string): Promise<string> {
    const found = await deps.registry.resolve(arch, ver);
    if (found.status === 'ok') return found.kernel.release;
    if (found.status === 'conflict')
      throw new SurfhiveError(
        'KERNEL_CONFLICT',
        `${arch}/${ver} differs between releases; name one with ?release=`,
      );
    throw new SurfhiveError('KERNEL_NOT_FOUND', `${arch}/${ver} is not in the hive`);
  }

  app.delete<{ Params: KernelParams; Querystring: { release: string } }>(
    '/kernels/:arch/:ver',
    {
      preHandler: operator,
      schema: {
        summary: 'Remove a kernel from the hive, atomically (operator)',
        operationId: 'deleteKernel',
        tags: ['ingest'],
        security: bearerSecurity,
        params: kernelParams,
        querystring: releaseQuery,
        response: { 204: { description: 'Removed', type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      const key: KernelKey = { ...request.params, release: request.query.release };
      await withKernelLock(hive, key, 'removed', async () => {
        await unpublishKernel(hive, key);
        recordRemovedKernel(hive, key, request.log as Logger);
      });
      await deps.registry.refresh();
      return reply.code(204).send();
    },
  );
}

/**
 * The connection stays quiet while a build runs (minutes for a debug vmlinux): the server's
 * idle timeout would cut it, so it is lifted until the answer (the build has its own deadline).
 */
async function whileBuilding<T>(socket: Socket, fn: () => Promise<T>): Promise<T> {
  // (app.inject's sockets have no timeouts)
  if (typeof socket.setTimeout !== 'function') return fn();
  const idleMs = socket.timeout;
  socket.setTimeout(0);
  try {
    return await fn();
  } finally {
    if (idleMs !== undefined && !socket.destroyed) socket.setTimeout(idleMs);
  }
}

/** Streams the body to `file`, failing with BODY_TOO_LARGE past `limit` bytes. */
async function receive(body: NodeJS.ReadableStream, file: string, limit: number): Promise<void> {
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new SurfhiveError('BODY_TOO_LARGE', `an upload may be at most ${limit} bytes`));
      else done(null, chunk);
    },
  });
  await pipeline(body, cap, createWriteStream(file, { flags: 'wx' }));
  if (seen === 0) throw new SurfhiveError('BAD_INPUT_FILE', 'the upload is empty');
}

async function sniffFile(file: string): Promise<UploadKind | undefined> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead < 8 ? undefined : sniff(head);
  } finally {
    await fh.close();
  }
}
