import type { FastifyInstance, FastifyReply } from 'fastify';
import { ARTIFACT_NAMES } from '../../compile/outcome.js';
import type { OutputKind } from '../../compile/request.js';
import type { CompileService, CompileStatus } from '../../compile/service.js';
import { SurfhiveError } from '../../errors/codes.js';
import type { Arch } from '../../hive/names.js';
import { archSchema, errorResponses, verSchema } from './schemas.js';
import { sendHiveFile } from './send-file.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      examples: ['3f5c0d6b9a1e4c27b8d2f0a9e6c4b1d7a2e5f8c0b3d6a9e1c4f7b0a3d6e9c2f5'],
    },
  },
} as const;

const statusSchema = {
  type: 'object',
  required: ['id', 'status', 'cached'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
    cached: { type: 'boolean' },
    clog: { type: 'string' },
    error: { type: 'string' },
    artifact: {
      type: 'object',
      required: ['size', 'sha256', 'url'],
      properties: { size: { type: 'integer' }, sha256: { type: 'string' }, url: { type: 'string' } },
    },
  },
} as const;

/** 401 and 403 come with SURFHIVE_COMPILE_AUTH=token (`requireTokenOnRoutes` adds them). */
const errors = errorResponses(400, 404, 409, 413, 429, 503);

const completed = {
  id: '3f5c0d6b9a1e4c27b8d2f0a9e6c4b1d7a2e5f8c0b3d6a9e1c4f7b0a3d6e9c2f5',
  status: 'completed',
  cached: false,
  clog: '',
  artifact: {
    size: 5312,
    sha256: '9b1f0c3e6a2d4f58b7c1e0a39d6f2b8c4e7a1d05f3b9c62e8a4d7f1b0c3e5a92',
    url: '/api/v1/compile/3f5c0d6b9a1e4c27b8d2f0a9e6c4b1d7a2e5f8c0b3d6a9e1c4f7b0a3d6e9c2f5/artifact',
  },
};
const finishedResponse = {
  ...statusSchema,
  description: 'The job finished: `completed` with an artifact, or `failed` with the compiler log',
  examples: [completed],
};
const pendingResponse = {
  ...statusSchema,
  description: 'The job is still queued or running: ask again (`wait` holds the answer up to 30 s)',
  examples: [{ id: completed.id, status: 'active', cached: false }],
};

const publicStatus = (s: CompileStatus) => ({
  id: s.id,
  status: s.status,
  cached: s.cached,
  ...(s.clog !== undefined && { clog: s.clog }),
  ...(s.error !== undefined && { error: s.error }),
  ...(s.artifact && { artifact: { ...s.artifact, url: `/api/v1/compile/${s.id}/artifact` } }),
});

const finished = (s: CompileStatus) => s.status === 'completed' || s.status === 'failed';

function reply(res: FastifyReply, s: CompileStatus) {
  return res.code(finished(s) ? 200 : 202).send(publicStatus(s));
}

/** The compile job API: submit (optionally waiting), status, artifact, compiler log. */
export async function compileRoutes(app: FastifyInstance, deps: { compile: CompileService }): Promise<void> {
  const service = deps.compile;
  app.post<{
    Body: { source: string; env?: string; arch: Arch; ver: string; output: OutputKind };
    Querystring: { wait?: number };
  }>(
    '/compile',
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        summary:
          'Compile a bpf.c for a stored kernel into a BPF object (o) or a pylcc/clcc shared object (so)',
        operationId: 'submitCompile',
        tags: ['compile'],
        body: {
          type: 'object',
          required: ['source', 'arch', 'ver', 'output'],
          additionalProperties: false,
          properties: {
            source: { type: 'string', minLength: 1, maxLength: 1024 * 1024 },
            env: { type: 'string', maxLength: 4096 },
            arch: archSchema,
            ver: verSchema,
            output: { type: 'string', enum: ['o', 'so'] },
          },
          examples: [
            {
              source:
                '#include "lbc.h"\n\nSEC("kprobe/wake_up_new_task")\nint j_wake_up_new_task(struct pt_regs *ctx)\n{\n    return 0;\n}\n\nchar _license[] SEC("license") = "GPL";\n',
              arch: 'x86_64',
              ver: '6.1.0-56-amd64',
              output: 'o',
            },
          ],
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { wait: { type: 'integer', minimum: 0, maximum: 30, examples: [20] } },
        },
        response: { 200: finishedResponse, 202: pendingResponse, ...errors },
      },
    },
    async (request, res) => {
      const b = request.body;
      const submitted = await service.submit({
        source: b.source,
        env: b.env ?? '',
        arch: b.arch,
        ver: b.ver,
        output: b.output,
      });
      const wait = (request.query.wait ?? 0) * 1000;
      return reply(
        res,
        wait > 0 && !finished(submitted) ? await service.wait(submitted.id, wait) : submitted,
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: { wait?: number } }>(
    '/compile/:id',
    {
      schema: {
        summary: 'Status of a compile job',
        operationId: 'getCompile',
        tags: ['compile'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { wait: { type: 'integer', minimum: 0, maximum: 30, examples: [10] } },
        },
        response: { 200: finishedResponse, 202: pendingResponse, ...errors },
      },
    },
    async (request, res) =>
      reply(res, await service.wait(request.params.id, (request.query.wait ?? 0) * 1000)),
  );

  app.get<{ Params: { id: string } }>(
    '/compile/:id/artifact',
    {
      schema: {
        summary: 'Download the compiled object or shared object',
        operationId: 'getCompileArtifact',
        tags: ['compile'],
        params: idParams,
        response: {
          200: {
            description: 'bpf.o (an ELF BPF object) or bpf.so',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors,
        },
      },
    },
    async (request, res) => {
      const s = await service.status(request.params.id);
      if (s.status !== 'completed' || !s.artifactPath) {
        throw new SurfhiveError('ARTIFACT_NOT_FOUND', `compile ${s.id} has no artifact (status ${s.status})`);
      }
      const name = s.output ? ARTIFACT_NAMES[s.output] : 'artifact.bin';
      return sendHiveFile(request, res, s.artifactPath, 'application/octet-stream', name);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/compile/:id/log',
    {
      schema: {
        summary: 'The compiler messages of a finished compile',
        operationId: 'getCompileLog',
        tags: ['compile'],
        params: idParams,
        response: {
          200: {
            description: "clang's messages, as text",
            content: {
              'text/plain': {
                schema: { type: 'string' },
                example: "bpf.c:6:13: error: use of undeclared identifier 'pid'\n",
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request, res) => {
      const s = await service.status(request.params.id);
      if (!finished(s)) throw new SurfhiveError('ARTIFACT_NOT_FOUND', `compile ${s.id} has not finished`);
      return res
        .type('text/plain; charset=utf-8')
        .send([s.clog ?? '', s.error ?? ''].filter(Boolean).join('\n'));
    },
  );
}
