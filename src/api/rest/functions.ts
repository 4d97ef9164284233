import type { FastifyInstance } from 'fastify';
import { funcExact, funcSearch } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import { functionNotFound } from './not-found.js';
import {
  CTYPE_PATTERN,
  funcSchema,
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  page,
  paging,
  searchPageOf,
  searchPatternSchema,
  toLike,
} from './schemas.js';

const wakeUpNewTask = {
  func: 'wake_up_new_task',
  args: ['struct task_struct *'],
  ret: 'void',
  line: 4730,
  file: 'kernel/sched/core.c',
};

/** Function search by name pattern, return type and argument type; one function's signatures. */
export async function functionRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{
    Params: KernelParams;
    Querystring: { pattern?: string; ret?: string; arg?: string; limit: number; offset: number };
  }>(
    '/kernels/:arch/:ver/functions',
    {
      schema: {
        summary: 'Search functions',
        operationId: 'searchFunctions',
        description:
          '`pattern`: the name, with `*`/`%` for any run and `?`/`_` for any one character ' +
          '(`tcp_v4_*`). `ret`: return type (also matches `static <ret>`). ' +
          '`arg`: functions with an argument of exactly that type. Filters combine.',
        tags: ['functions'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pattern: searchPatternSchema('wake_up_*'),
            ret: { type: 'string', pattern: CTYPE_PATTERN, examples: ['void'] },
            arg: { type: 'string', pattern: CTYPE_PATTERN, examples: ['struct task_struct *'] },
            ...paging,
          },
        },
        response: {
          200: {
            ...searchPageOf(funcSchema),
            description: 'Matching functions in database order; `more` tells whether a next page exists',
            examples: [{ offset: 0, limit: 50, more: false, items: [wakeUpNewTask] }],
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { pattern, ret, arg, limit, offset } = request.query;
      const k = await deps.lookup.kernel(arch, ver);
      const rows = deps.lookup.query(k, (h) =>
        funcSearch(h, {
          pattern: pattern === undefined ? undefined : toLike(pattern),
          ret,
          arg,
          limit: limit + 1,
          offset,
        }),
      );
      return page(rows, offset, limit);
    },
  );

  app.get<{ Params: KernelParams & { name: string } }>(
    '/kernels/:arch/:ver/functions/:name',
    {
      schema: {
        summary: "A function's signatures (several when static functions share the name)",
        operationId: 'getFunction',
        tags: ['functions'],
        params: kernelParamsWith({
          name: {
            type: 'string',
            pattern: '^[A-Za-z_][A-Za-z0-9_.]{0,127}$',
            examples: ['wake_up_new_task'],
          },
        }),
        response: {
          200: {
            description: 'Every function of that name: arguments, return type, source file and line',
            examples: [{ name: 'wake_up_new_task', items: [wakeUpNewTask] }],
            type: 'object',
            required: ['name', 'items'],
            properties: { name: { type: 'string' }, items: { type: 'array', items: funcSchema } },
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver, name } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const items = deps.lookup.query(k, (h) => funcExact(h, name));
      if (items.length === 0) throw functionNotFound(name, k);
      return { name, items };
    },
  );
}
