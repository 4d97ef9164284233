import { createReadStream } from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CompileService } from '../../compile/service.js';
import {
  CoreCheckService,
  MAX_OBJECT_BYTES,
  type StagedObject,
  SYNC_KERNELS,
} from '../../corecheck/service.js';
import type { KernelSelection } from '../../corecheck/types.js';
import { SurfhiveError } from '../../errors/codes.js';
import { type CoreQuery, coreQuery, jobSchema, matrixSchema } from './core-schemas.js';
import { errorResponses } from './schemas.js';

const errors = errorResponses(400, 401, 403, 404, 413, 422, 503);

const matrixExample = {
  object: {
    arch: 'x86_64',
    programs: [{ name: 'on_fork', section: 'kprobe/wake_up_new_task' }],
    relos: [
      {
        section: 'kprobe/wake_up_new_task',
        program: 'on_fork',
        insn: 3,
        kind: 'byte_off',
        type: 'struct task_struct',
        access: '0:116',
        spec: 'task_struct.pid',
      },
    ],
  },
  kernels: [
    {
      arch: 'x86_64',
      release: 'debian',
      ver: '6.1.0-56-amd64',
      loads: true,
      failing: [],
      relos: [{ status: 'ok', value: 2416 }],
    },
  ],
  summary: {
    kernels: 1,
    loads: 1,
    fails: 0,
    groups: [{ loads: true, kernels: ['x86_64/6.1.0-56-amd64'], problems: [] }],
  },
};
const jobExample = {
  id: '6f1c2a9e-3b7d-4e85-a0c4-9d2f7b1e5a38',
  status: 'waiting',
  kernels: 120,
  url: '/api/v1/core/jobs/6f1c2a9e-3b7d-4e85-a0c4-9d2f7b1e5a38',
};
/** A synchronous answer waits this long for the job. */
const SYNC_WAIT_MS = 100_000;

export interface CoreRouteDeps {
  core: CoreCheckService;
  compile: CompileService;
  /**
   * With SURFHIVE_COMPILE_AUTH=token: checks the compile token of a request that names a compile
   * job (`?compile=<id>`), whose output is otherwise for token holders only. Uploads stay open.
   */
  compileToken?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** The object of a request: its multipart upload (field `object`) or a compile job's output. */
async function stage(
  request: FastifyRequest<{ Querystring: CoreQuery }>,
  reply: FastifyReply,
  deps: CoreRouteDeps,
): Promise<StagedObject> {
  const { compile } = request.query;
  if (compile && deps.compileToken) await deps.compileToken(request, reply);
  if (request.isMultipart()) {
    if (compile) throw new SurfhiveError('BAD_REQUEST', 'send an object or a compile id, not both');
    const file = await request.file({
      limits: { fileSize: MAX_OBJECT_BYTES, files: 1, fields: 0, parts: 1 },
    });
    if (file?.fieldname !== 'object')
      throw new SurfhiveError('BAD_REQUEST', 'upload the object as field "object"');
    return deps.core.stageUpload(file.file);
  }
  if (!compile)
    throw new SurfhiveError(
      'BAD_REQUEST',
      'upload an object (multipart field "object") or give ?compile=<id>',
    );
  return deps.core.stageCompile(deps.compile, compile);
}

const selection = (q: CoreQuery): KernelSelection => ({
  ...(q.arch && { arch: q.arch }),
  ...(q.release && { release: q.release }),
  ...(q.verPrefix && { verPrefix: q.verPrefix }),
});

async function submit(
  kind: 'check' | 'bundle',
  request: FastifyRequest<{ Querystring: CoreQuery }>,
  reply: FastifyReply,
  deps: CoreRouteDeps,
) {
  const staged = await stage(request, reply, deps);
  try {
    return await deps.core.submit(kind, staged, selection(request.query));
  } catch (err) {
    await deps.core.discard(staged);
    throw err;
  }
}

async function waitResult(deps: CoreRouteDeps, id: string) {
  try {
    return await deps.core.wait(id, SYNC_WAIT_MS);
  } catch {
    const state = await deps.core.job(id);
    if (state?.status === 'failed') throw CoreCheckService.jobError(state.error);
    throw new SurfhiveError('UNAVAILABLE', 'the CO-RE check is taking too long; retry later');
  }
}

/** CO-RE compatibility matrix and tailored BTF bundles for an object over the hive's kernels. */
export async function coreRoutes(app: FastifyInstance, deps: CoreRouteDeps): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_OBJECT_BYTES, files: 1, parts: 2 } });

  app.post<{ Querystring: CoreQuery }>(
    '/core/check',
    {
      schema: {
        summary:
          'CO-RE matrix of a BPF object (multipart field "object", or ?compile=<id>) over the selected kernels',
        description: `Up to ${SYNC_KERNELS} kernels are answered at once (200); larger selections run as a job (202, poll its url).`,
        operationId: 'checkCore',
        tags: ['core'],
        querystring: coreQuery,
        response: {
          200: {
            ...matrixSchema,
            description: 'Per kernel: whether the object loads, and each relocation as it resolves there',
            examples: [matrixExample],
          },
          202: {
            ...jobSchema,
            description: 'Many kernels: the check runs as a job, poll its url',
            examples: [jobExample],
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { id, kernels } = await submit('check', request, reply, deps);
      if (kernels > SYNC_KERNELS)
        return reply.code(202).send({ id, status: 'waiting', kernels, url: `/api/v1/core/jobs/${id}` });
      const r = await waitResult(deps, id);
      return r.matrix;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/core/jobs/:id',
    {
      schema: {
        summary: 'Progress and result of a CO-RE check job',
        operationId: 'getCoreJob',
        tags: ['core'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$', examples: [jobExample.id] } },
        },
        response: {
          200: {
            ...jobSchema,
            description: 'The job: progress while it runs, the matrix once completed',
            examples: [{ id: jobExample.id, status: 'completed', result: matrixExample }],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const state = await deps.core.job(request.params.id);
      if (state?.name !== 'check') throw new SurfhiveError('JOB_NOT_FOUND', 'no such CO-RE check job');
      const progress = typeof state.progress === 'object' ? state.progress : undefined;
      return {
        id: state.id,
        status: state.status,
        ...(progress && { progress }),
        ...(state.result?.matrix && { result: state.result.matrix }),
        ...(state.status === 'failed' && { error: CoreCheckService.jobError(state.error).toJSON() }),
      };
    },
  );

  app.post<{ Querystring: CoreQuery }>(
    '/core/btf',
    {
      schema: {
        summary:
          'A .tar.xz of minimal BTF files (bpftool gen min_core_btf), one per selected kernel the object loads on, in BTFHub layout',
        operationId: 'coreBtfBundle',
        tags: ['core'],
        querystring: coreQuery,
        response: {
          200: {
            description: 'core-btf.tar.xz',
            content: { 'application/x-xz': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { id } = await submit('bundle', request, reply, deps);
      const r = await waitResult(deps, id).catch(async (err: unknown) => {
        // the job may still finish: its archive must not outlive it
        void deps.core
          .wait(id, 600_000)
          .then((late) => (late.archive ? deps.core.releaseArchive(late.archive) : undefined))
          .catch(() => {});
        throw err;
      });
      const archive = r.archive!;
      const stream = createReadStream(archive);
      stream.on('close', () => void deps.core.releaseArchive(archive));
      return reply
        .type('application/x-xz')
        .header('content-disposition', 'attachment; filename="core-btf.tar.xz"')
        .send(stream);
    },
  );
}
