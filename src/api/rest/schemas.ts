import { ARTIFACT_KINDS } from '../../hive/layout.js';
import { ARCHES, type Arch, RELEASE_PATTERN, VER_PATTERN } from '../../hive/names.js';

/** JSON schemas shared by the REST routes (also the OpenAPI document's components). */
export const NAME_PATTERN = '^[A-Za-z0-9_ ]{1,128}$';
/** `%` any run, `_` any one character (SQL LIKE, as the legacy protocol). */
export const LIKE_PATTERN = '^[A-Za-z0-9_% ]{1,128}$';
/** C type strings (`struct file *`, `int (*)(struct task_struct *, int)`), no `;` quotes or backslashes. */
export const CTYPE_PATTERN = '^[A-Za-z0-9_ *()\\[\\],.{}&:<>=+-]{1,256}$';

/** `:name` of the cross-kernel struct routes (diff, history). */
export const structNameParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: NAME_PATTERN } },
} as const;

export const archSchema = { type: 'string', enum: [...ARCHES] } as const;
export const verSchema = { type: 'string', pattern: VER_PATTERN, maxLength: 128 } as const;
export const releaseSchema = { type: 'string', pattern: RELEASE_PATTERN, maxLength: 32 } as const;

export const kernelParams = {
  type: 'object',
  required: ['arch', 'ver'],
  additionalProperties: false,
  properties: { arch: archSchema, ver: verSchema },
} as const;

/** The `:arch/:ver` route parameters, as a handler reads them once `kernelParams` has checked them. */
export type KernelParams = { arch: Arch; ver: string };

/** `kernelParams` and more path parameters after them, each required (`{ name: schema }`). */
export const kernelParamsWith = <P extends Record<string, object>>(more: P) =>
  ({
    ...kernelParams,
    required: [...kernelParams.required, ...Object.keys(more)],
    properties: { ...kernelParams.properties, ...more },
  }) as const;

export const paging = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', pattern: '^SURFHIVE_ERR_[A-Z_]+$' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

/** Error responses every kernel route can give. */
export const kernelErrors = {
  400: errorSchema,
  404: errorSchema,
  409: errorSchema,
  500: errorSchema,
  503: errorSchema,
} as const;

export const artifactKindsSchema = {
  type: 'array',
  items: { type: 'string', enum: [...ARTIFACT_KINDS] },
} as const;

export const kernelSummarySchema = {
  type: 'object',
  required: ['arch', 'ver', 'release', 'releases', 'artifacts'],
  properties: {
    arch: archSchema,
    ver: { type: 'string' },
    release: { type: 'string' },
    releases: { type: 'array', items: { type: 'string' } },
    artifacts: artifactKindsSchema,
  },
} as const;

export const funcSchema = {
  type: 'object',
  required: ['func', 'args', 'ret', 'line', 'file'],
  properties: {
    func: { type: 'string' },
    args: { type: 'array', items: { type: 'string' } },
    ret: { type: 'string' },
    line: { type: 'integer' },
    file: { type: 'string' },
  },
} as const;

export const structSummarySchema = {
  type: 'object',
  required: ['name', 'members', 'size'],
  properties: { name: { type: 'string' }, members: { type: 'integer' }, size: { type: 'integer' } },
} as const;

export const cellSchema = {
  type: 'object',
  required: ['type', 'name', 'offset', 'size', 'bits'],
  properties: {
    type: { type: 'string' },
    name: { type: 'string' },
    offset: { type: 'integer' },
    size: { type: 'integer' },
    bits: { type: 'string' },
  },
} as const;

export const typeSchema = {
  type: 'object',
  required: ['name', 'type', 'size'],
  properties: { name: { type: 'string' }, type: { type: 'string' }, size: { type: 'integer' } },
} as const;

export const pageOf = (item: object) =>
  ({
    type: 'object',
    required: ['total', 'offset', 'limit', 'items'],
    properties: {
      total: { type: 'integer' },
      offset: { type: 'integer' },
      limit: { type: 'integer' },
      items: { type: 'array', items: item },
    },
  }) as const;

/** Search results: `more` tells whether another page exists (no costly count). */
export const searchPageOf = (item: object) =>
  ({
    type: 'object',
    required: ['offset', 'limit', 'more', 'items'],
    properties: {
      offset: { type: 'integer' },
      limit: { type: 'integer' },
      more: { type: 'boolean' },
      items: { type: 'array', items: item },
    },
  }) as const;

export function page<T>(rows: T[], offset: number, limit: number) {
  return { offset, limit, more: rows.length > limit, items: rows.slice(0, limit) };
}
