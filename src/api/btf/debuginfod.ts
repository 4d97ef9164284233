import type { FastifyInstance } from 'fastify';
import { type BtfBytes, kernelBtf, moduleBtf } from '../../buildid/btf-bytes.js';
import { BUILD_ID_PATTERN } from '../../buildid/elf-notes.js';
import { FEDERATED_HEADER } from '../../buildid/federate.js';
import type { BuildIdHit } from '../../buildid/index.js';
import { SurfhiveError } from '../../errors/codes.js';
import { archSchema, errorResponses } from '../rest/schemas.js';
import type { BtfDeps } from './deps.js';
import { sendBtf } from './send-btf.js';

const buildIdParam = {
  type: 'string',
  pattern: BUILD_ID_PATTERN.replace('0-9a-f', '0-9a-fA-F'),
  examples: ['eb4fbcd037e7253717950bf2b93bd5566f47c56f'],
} as const;

export async function btfOfHit(deps: BtfDeps, hit: BuildIdHit): Promise<BtfBytes> {
  return hit.module === undefined ? kernelBtf(hit.kernel) : moduleBtf(deps.lookup, hit.kernel, hit.module);
}

/**
 * The part of the debuginfod web API that BTF answers: `/buildid/<id>/section/.BTF`,
 * for `debuginfod-find section <id> .BTF` and libdebuginfod. Other sections and
 * artifacts (debuginfo, executable, source) are not held here: 404 at once.
 */
export async function debuginfodRoutes(app: FastifyInstance, deps: BtfDeps): Promise<void> {
  app.get<{ Params: { id: string; section: string } }>(
    '/buildid/:id/section/:section',
    {
      schema: {
        summary: 'debuginfod: one ELF section by GNU build id (only .BTF: a kernel or a module split BTF)',
        operationId: 'debuginfodSection',
        tags: ['btf'],
        params: {
          type: 'object',
          required: ['id', 'section'],
          additionalProperties: false,
          properties: {
            id: buildIdParam,
            section: { type: 'string', pattern: '^[.A-Za-z0-9_-]{1,64}$', examples: ['.BTF'] },
          },
        },
        response: {
          200: {
            description: 'The section bytes',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errorResponses(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      const { section } = request.params;
      if (section === '.BTF') {
        const hit = await deps.buildIds.find(id);
        if (hit) return sendBtf(reply, await btfOfHit(deps, hit));
      }
      if (deps.federation.enabled && request.headers[FEDERATED_HEADER] === undefined) {
        const up = await deps.federation.section(id, section);
        if (up) {
          reply.code(200).header('content-type', 'application/octet-stream').headers(up.headers);
          if (up.size !== undefined) reply.header('content-length', String(up.size));
          return reply.send(up.body);
        }
      }
      throw new SurfhiveError('BUILD_ID_NOT_FOUND', `no ${section} section for build id ${id}`);
    },
  );

  for (const what of ['debuginfo', 'executable']) {
    app.get<{ Params: { id: string } }>(
      `/buildid/:id/${what}`,
      {
        schema: {
          summary: `debuginfod: ${what} by build id (never held here: always 404)`,
          operationId: `debuginfod${what[0]!.toUpperCase()}${what.slice(1)}`,
          tags: ['btf'],
          params: {
            type: 'object',
            required: ['id'],
            additionalProperties: false,
            properties: { id: buildIdParam },
          },
          response: errorResponses(400, 404),
        },
      },
      async () => {
        throw new SurfhiveError('BUILD_ID_NOT_FOUND', `this server holds BTF only, not ${what} files`);
      },
    );
  }

  app.get<{ Params: { id: string } }>(
    '/api/v1/buildid/:id',
    {
      schema: {
        summary: 'The kernel (or module) with this GNU build id',
        operationId: 'findBuildId',
        tags: ['btf'],
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: buildIdParam },
        },
        response: {
          200: {
            description: 'The kernel (and module) that build id belongs to, and where its BTF is',
            examples: [
              {
                buildId: 'eb4fbcd037e7253717950bf2b93bd5566f47c56f',
                arch: 'x86_64',
                ver: '6.1.0-56-amd64',
                release: 'debian',
                btfUrl: '/buildid/eb4fbcd037e7253717950bf2b93bd5566f47c56f/section/.BTF',
                kernelUrl: '/api/v1/kernels/x86_64/6.1.0-56-amd64',
              },
            ],
            type: 'object',
            required: ['buildId', 'arch', 'ver', 'release', 'btfUrl', 'kernelUrl'],
            properties: {
              buildId: { type: 'string' },
              arch: archSchema,
              ver: { type: 'string' },
              release: { type: 'string' },
              module: { type: 'string' },
              btfUrl: { type: 'string', description: 'the debuginfod section URL of its BTF' },
              kernelUrl: { type: 'string' },
            },
          },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      const hit = await deps.buildIds.find(id);
      if (!hit) throw new SurfhiveError('BUILD_ID_NOT_FOUND', `no kernel or module has build id ${id}`);
      const k = hit.kernel;
      return {
        buildId: id,
        arch: k.arch,
        ver: k.ver,
        release: k.release,
        ...(hit.module === undefined ? {} : { module: hit.module }),
        btfUrl: `/buildid/${id}/section/.BTF`,
        kernelUrl: `/api/v1/kernels/${k.arch}/${encodeURIComponent(k.ver)}`,
      };
    },
  );
}
