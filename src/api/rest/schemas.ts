import { ARTIFACT_KINDS } from '../../hive/layout.js';
import { ARCHES, type Arch, RELEASE_PATTERN, VER_PATTERN } from '../../hive/names.js';

/** JSON schemas shared by the REST routes (also the OpenAPI document's components). */
export const NAME_PATTERN = '^[A-Za-z0-9_ ]{1,128}$';
/** `%` any run, `_` any one character (SQL LIKE, as the legacy protocol). */
export const LIKE_PATTERN = '^[A-Za-z0-9_% ]{1,128}$';
/** REST name searches: SQL LIKE as above, or a shell glob (`*` any run, `?` any one character). */
const SEARCH_PATTERN = '^[A-Za-z0-9_%*? ]{1,128}$';
export const searchPatternSchema = (example: string) =>
  ({
    type: 'string',
    pattern: SEARCH_PATTERN,
    description: '`*` or `%`: any run of characters; `?` or `_`: any one character',
    examples: [example],
  }) as const;
/** A search pattern as the LIKE the queries take (`tcp_v4_*` → `tcp_v4_%`). */
export const toLike = (pattern: string) => pattern.replace(/\*/g, '%').replace(/\?/g, '_');

/** C type strings (`struct file *`, `int (*)(struct task_struct *, int)`), no `;` quotes or backslashes. */
export const CTYPE_PATTERN = '^[A-Za-z0-9_ *()\\[\\],.{}&:<>=+-]{1,256}$';

/** A struct named by its row (`struct task_struct`) or its bare tag (`task_struct`): `structByTag`. */
export const structNameSchema = {
  type: 'string',
  pattern: NAME_PATTERN,
  description: '`task_struct`, `struct task_struct`, `union bpf_attr`, `atomic_t`',
  examples: ['task_struct'],
} as const;

/** `:name` of the cross-kernel struct routes (diff, history). */
export const structNameParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: structNameSchema },
} as const;

export const archSchema = { type: 'string', enum: [...ARCHES], examples: ['x86_64'] } as const;
export const verSchema = {
  type: 'string',
  pattern: VER_PATTERN,
  maxLength: 128,
  examples: ['6.1.0-56-amd64'],
} as const;
export const releaseSchema = {
  type: 'string',
  pattern: RELEASE_PATTERN,
  maxLength: 32,
  examples: ['debian'],
} as const;

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

/** The one error shape every route answers with (`SurfhiveError.toJSON`). */
export const errorSchema = {
  type: 'object',
  description: 'A coded error: `code` is stable, `message` is meant for people',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', examples: [404] },
    code: { type: 'string', pattern: '^SURFHIVE_ERR_[A-Z_]+$', examples: ['SURFHIVE_ERR_STRUCT_NOT_FOUND'] },
    error: { type: 'string', examples: ['Not Found'] },
    message: { type: 'string', examples: ['no struct task_struc in kernel x86_64/6.1.0-56-amd64'] },
  },
} as const;

/** `errorSchema` under its id: added to every app (installErrorHandling), referenced by every error response. */
export const ERROR_SCHEMA_ID = 'Error';
export const errorComponent = { $id: ERROR_SCHEMA_ID, ...errorSchema } as const;

/** What each error status means here, for the API document. */
const ERROR_STATUS_TEXT = {
  400: 'A parameter or field is invalid (SURFHIVE_ERR_INVALID_FIELD, SURFHIVE_ERR_BAD_REQUEST)',
  401: 'No token was sent: this operation needs `Authorization: Bearer <token>`',
  403: 'The token sent is not one this server accepts',
  404: 'The kernel, struct, member, function, type, job or file does not exist (the message names it)',
  409: 'Several releases claim this kernel with different files: name the release',
  412: 'If-Match / If-Unmodified-Since failed',
  413: 'The request body is larger than this route accepts',
  416: 'The range cannot be satisfied',
  422: 'The input file or program was read and refused (bad BTF/ELF/archive, compile error)',
  429: 'Too many requests from this client: retry after Retry-After seconds',
  500: 'An internal fault (logged on the server)',
  502: 'A mirror answered badly',
  503: 'Busy or starting: the queue is full or unavailable; retry after Retry-After seconds',
  504: 'A tool ran out of time',
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUS_TEXT;

/** Error responses of a route: each status references the one Error schema, described for that status. */
export const errorResponses = (...statuses: ErrorStatus[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { $ref: `${ERROR_SCHEMA_ID}#`, description: ERROR_STATUS_TEXT[s] }]),
  ) as Record<ErrorStatus, { $ref: string; description: string }>;

/** Error responses every kernel route can give. */
export const kernelErrors = errorResponses(400, 404, 409, 500, 503);

/** A file download: the bytes (whole, or a Range of them) and 304 for a cache that holds them. */
export const fileResponses = (mediaType: string, description: string) => {
  const content = { [mediaType]: { schema: { type: 'string', format: 'binary' } } };
  return {
    200: { description, content },
    206: { description: 'Part of the file (Range request)', content },
    304: { description: 'Not modified (If-None-Match / If-Modified-Since)', type: 'null' },
  };
};

/** The security requirement of every route that needs an operator or compile token. */
export const bearerSecurity = [{ bearer: [] }];

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
