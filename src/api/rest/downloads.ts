import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { isSurfhiveError, SurfhiveError } from '../../errors/codes.js';
import { type ArtifactKind, artifactPath } from '../../hive/layout.js';
import { type Arch, isVer, VER_PATTERN } from '../../hive/names.js';
import type { RestDeps } from './deps.js';
import {
  archSchema,
  errorResponses,
  fileResponses,
  kernelErrors,
  kernelParams,
  releaseSchema,
} from './schemas.js';
import { sendHiveFile } from './send-file.js';

const FILES: { route: string; kind: ArtifactKind; type: string; summary: string; operationId: string }[] = [
  {
    route: 'btf',
    operationId: 'downloadBtf',
    kind: 'btf',
    type: 'application/octet-stream',
    summary: 'The BTF file (ELF with only .BTF)',
  },
  {
    route: 'vmlinux.h',
    operationId: 'downloadVmlinuxH',
    kind: 'head',
    type: 'text/x-c; charset=utf-8',
    summary: 'vmlinux.h for CO-RE programs',
  },
  {
    route: 'db',
    operationId: 'downloadKernelDb',
    kind: 'db',
    type: 'application/vnd.sqlite3',
    summary: 'The kernel database (info-<ver>.db)',
  },
];

/** Artifact downloads, and `/db/<arch>/<release>/info-<ver>.db` for surftrace's local mode. */
export async function downloadRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  for (const f of FILES) {
    app.get<{ Params: { arch: Arch; ver: string } }>(
      `/api/v1/kernels/:arch/:ver/${f.route}`,
      {
        schema: {
          summary: f.summary,
          operationId: f.operationId,
          tags: ['downloads'],
          params: kernelParams,
          response: {
            ...fileResponses(f.type.split(';')[0]!, f.summary),
            ...kernelErrors,
            ...errorResponses(412, 416),
          },
        },
      },
      async (request, reply) => {
        const { arch, ver } = request.params;
        const k = await deps.lookup.kernel(arch, ver);
        const file = k.artifacts[f.kind]?.path;
        if (!file) throw new SurfhiveError('ARTIFACT_NOT_FOUND', `kernel ${ver} has no ${f.route} file`);
        return sendHiveFile(
          request,
          reply,
          file,
          f.type,
          `${f.route === 'db' ? `info-${ver}.db` : f.route === 'btf' ? `vmlinux-${ver}` : `vmlinux-${ver}.h`}`,
        );
      },
    );
  }

  const dbFile = `^info-${VER_PATTERN.slice(1, -1)}\\.db$`;
  app.get<{ Params: { arch: Arch; release: string; file: string } }>(
    '/db/:arch/:release/:file',
    {
      schema: {
        summary: 'Kernel databases, read-only, for surftrace local mode',
        operationId: 'downloadLegacyDb',
        tags: ['downloads'],
        params: {
          type: 'object',
          required: ['arch', 'release', 'file'],
          additionalProperties: false,
          properties: {
            arch: archSchema,
            release: releaseSchema,
            file: { type: 'string', pattern: dbFile, examples: ['info-6.1.0-56-amd64.db'] },
          },
        },
        response: {
          ...fileResponses('application/vnd.sqlite3', 'The kernel database'),
          ...errorResponses(400, 404, 412, 416),
        },
      },
    },
    async (request, reply) => {
      const { arch, release, file } = request.params;
      const ver = file.slice('info-'.length, -'.db'.length);
      if (!isVer(ver)) throw new SurfhiveError('INVALID_FIELD', 'not a kernel database name');
      const full = artifactPath(deps.registry.hive, { arch, release, ver }, 'db');
      // a kernel missing everywhere may be provisioned: only that answer (202) replaces the 404
      if (!(await stat(full).catch(() => undefined)))
        await deps.lookup.kernel(arch, ver).catch((err: unknown) => {
          if (isSurfhiveError(err) && err.kind === 'KERNEL_PREPARING') throw err;
        });
      return sendHiveFile(request, reply, full, 'application/vnd.sqlite3');
    },
  );
}
