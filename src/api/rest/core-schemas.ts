import { RELO_STATUSES } from '../../corecheck/types.js';
import { archSchema, releaseSchema } from './schemas.js';

/** JSON schemas of the CO-RE check routes. */
export const coreQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    arch: archSchema,
    release: releaseSchema,
    verPrefix: { type: 'string', pattern: '^[0-9][A-Za-z0-9._+~-]{0,127}$', examples: ['6.1'] },
    compile: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: 'a completed compile job whose object to check, instead of an upload',
      examples: ['3f5c0d6b9a1e4c27b8d2f0a9e6c4b1d7a2e5f8c0b3d6a9e1c4f7b0a3d6e9c2f5'],
    },
  },
} as const;

export type CoreQuery = {
  arch?: 'x86_64' | 'aarch64';
  release?: string;
  verPrefix?: string;
  compile?: string;
};

const relo = {
  type: 'object',
  required: ['section', 'insn', 'kind', 'type', 'access', 'spec'],
  properties: {
    section: { type: 'string' },
    program: { type: 'string' },
    insn: { type: 'integer' },
    kind: { type: 'string' },
    type: { type: 'string' },
    access: { type: 'string' },
    spec: { type: 'string' },
  },
} as const;

const result = {
  type: 'object',
  required: ['status', 'fatal', 'reachable'],
  properties: {
    status: { type: 'string', enum: [...RELO_STATUSES] },
    value: { type: 'number' },
    fatal: { type: 'boolean' },
    reachable: { type: 'boolean' },
    message: { type: 'string' },
  },
} as const;

export const matrixSchema = {
  type: 'object',
  required: ['object', 'kernels', 'summary'],
  properties: {
    object: {
      type: 'object',
      required: ['programs', 'relos'],
      properties: {
        arch: { type: 'string' },
        programs: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, section: { type: 'string' } } },
        },
        relos: { type: 'array', items: relo },
      },
    },
    kernels: {
      type: 'array',
      items: {
        type: 'object',
        required: ['arch', 'release', 'ver', 'loads', 'failing', 'relos'],
        properties: {
          arch: { type: 'string' },
          release: { type: 'string' },
          ver: { type: 'string' },
          loads: { type: 'boolean' },
          failing: { type: 'array', items: { type: 'string' } },
          relos: { type: 'array', items: result },
          error: { type: 'string' },
        },
      },
    },
    summary: {
      type: 'object',
      required: ['kernels', 'loads', 'fails', 'groups'],
      properties: {
        kernels: { type: 'integer' },
        loads: { type: 'integer' },
        fails: { type: 'integer' },
        groups: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              loads: { type: 'boolean' },
              kernels: { type: 'array', items: { type: 'string' } },
              problems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { relo: { type: 'integer' }, status: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed', 'unknown'] },
    kernels: { type: 'integer' },
    progress: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } } },
    url: { type: 'string' },
    result: matrixSchema,
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;
