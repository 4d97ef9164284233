import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { CompileOutcome } from '../../compile/outcome.js';
import type { CompileCache } from '../../compile/result-cache.js';
import { SurfhiveError } from '../../errors/codes.js';
import { requireToken } from '../auth.js';
import { errorSchema } from './schemas.js';

export interface InternalCompileDeps {
  cache: CompileCache;
  /** sha256 of the tokens remote workers present (SURFHIVE_WORKER_TOKEN_HASHES). */
  workerTokenHashes: readonly string[];
}

const outcomeSchema = {
  type: 'object',
  required: ['status', 'clog'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['completed', 'failed'] },
    output: { type: 'string', enum: ['o', 'so'] },
    clog: { type: 'string', maxLength: 1024 * 1024 },
    error: { type: 'string', maxLength: 64 * 1024 },
    artifact: {
      type: 'object',
      required: ['size', 'sha256'],
      additionalProperties: false,
      properties: {
        size: { type: 'integer', minimum: 0 },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
    timings: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

/**
 * `PUT /api/v1/internal/compile/:key`: a remote worker (no shared disk) returns
 * a finished compile. Only worker tokens pass; a completed outcome must come
 * with the artifact it describes, byte for byte.
 */
export async function internalCompileRoutes(app: FastifyInstance, deps: InternalCompileDeps): Promise<void> {
  // Largest artifact a worker may return is the cache's own cap (the cache refuses larger ones too).
  const MAX_RETURNED_ARTIFACT = deps.cache.maxArtifactBytes;
  app.put<{ Params: { key: string }; Body: { outcome: CompileOutcome; artifact?: string } }>(
    '/internal/compile/:key',
    {
      preHandler: requireToken(deps.workerTokenHashes, 'a worker token', 'SURFHIVE_WORKER_TOKEN_HASHES'),
      bodyLimit: Math.ceil((MAX_RETURNED_ARTIFACT * 4) / 3) + 2 * 1024 * 1024,
      schema: {
        hide: true,
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
        body: {
          type: 'object',
          required: ['outcome'],
          additionalProperties: false,
          properties: {
            outcome: outcomeSchema,
            artifact: { type: 'string', maxLength: Math.ceil((MAX_RETURNED_ARTIFACT * 4) / 3) + 4 },
          },
        },
        response: { 204: { type: 'null' }, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const { outcome, artifact } = request.body;
      let bytes: Buffer | undefined;
      if (outcome.status === 'completed') {
        if (artifact === undefined || !outcome.artifact)
          throw new SurfhiveError('INVALID_FIELD', 'a completed compile must come with its artifact');
        bytes = Buffer.from(artifact, 'base64');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (bytes.length !== outcome.artifact.size || sha256 !== outcome.artifact.sha256)
          throw new SurfhiveError('INVALID_FIELD', 'the artifact does not match its size and sha256');
      } else if (artifact !== undefined) {
        throw new SurfhiveError('INVALID_FIELD', 'a failed compile has no artifact');
      }
      await deps.cache.put(request.params.key, outcome, bytes);
      return reply.code(204).send();
    },
  );
}
