import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { checkArch, checkVer } from '../../hive/names.js';
import { encodeQueryValue, errorScript, renderBootstrap } from '../../surftrace/bootstrap.js';
import { checkSyntax } from '../../surftrace/compile.js';
import { surftraceFor } from '../../surftrace/service.js';
import { toSafeError } from '../errors.js';
import type { RestDeps } from './deps.js';
import { type KernelParams, kernelErrors, kernelParams } from './schemas.js';

/** A script answer: the trace, or for an error a script that prints the error and exits 1. */
const scriptResponses = {
  200: {
    description: 'A POSIX sh script: sets the probes up, prints events until stopped, removes them',
    content: {
      'text/x-shellscript': {
        schema: { type: 'string' },
        example: '#!/bin/sh\n# surftrace for x86_64/6.1.0-56-amd64\nset -e\n...',
      },
    },
  },
  ...Object.fromEntries(
    ([400, 404, 409, 500, 503] as const).map((s) => [
      s,
      {
        description: `${kernelErrors[s].description}: a script that prints the error and exits 1`,
        content: { 'text/x-shellscript': { schema: { type: 'string' } } },
      },
    ]),
  ),
};

const SHELL = 'text/x-shellscript; charset=utf-8';
const expressionList = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  items: { type: 'string', minLength: 1, maxLength: 4096 },
  examples: [['p wake_up_new_task comm=%0->comm pid=%0->pid']],
} as const;
const options = {
  stack: { type: 'boolean', default: false, description: 'also record a kernel stack per event' },
  duration: {
    type: 'integer',
    minimum: 0,
    maximum: 86400,
    default: 0,
    description: 'stop after this many seconds (0: until Ctrl-C)',
  },
} as const;
const opSchema = {
  type: 'object',
  required: ['op', 'file'],
  properties: {
    op: { type: 'string', enum: ['mkdir', 'rmdir', 'write', 'append'] },
    file: { type: 'string' },
    value: { type: 'string' },
  },
} as const;
const ops = { type: 'array', items: opSchema } as const;

type ScriptQuery = { e: string[]; stack: boolean; duration: number };

/** GET answers are scripts, errors included, so `curl -s URL | sh` always prints something sensible. */
function scriptErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const safe = toSafeError(err, request);
  return reply.code(safe.statusCode).type(SHELL).send(errorScript(safe.message));
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/** The URL this server is reached at, from a Host header that passed a strict pattern. */
function baseUrl(request: FastifyRequest): string {
  const host = request.host;
  if (!HOST.test(host)) throw new SurfhiveError('BAD_REQUEST', 'the Host header is not a plain host[:port]');
  return `${request.protocol === 'https' ? 'https' : 'http'}://${host}`;
}

/**
 * surftrace expressions compiled into ftrace commands for one kernel:
 * POST gives every definition, filter and tracefs write plus the script;
 * GET gives the script alone, for `curl | sudo sh`.
 */
export async function surftraceRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.post<{ Params: KernelParams; Body: { expressions: string[]; stack: boolean; duration: number } }>(
    '/kernels/:arch/:ver/surftrace',
    {
      schema: {
        summary: 'Compile surftrace expressions into kprobe/uprobe/event definitions, filters and a script',
        operationId: 'compileSurftrace',
        tags: ['surftrace'],
        params: kernelParams,
        body: {
          type: 'object',
          required: ['expressions'],
          additionalProperties: false,
          properties: { expressions: expressionList, ...options },
          examples: [{ expressions: ['p wake_up_new_task comm=%0->comm pid=%0->pid'], duration: 10 }],
        },
        response: {
          200: {
            description:
              'Each expression as ftrace definition and filter, the tracefs writes, and the script',
            examples: [
              {
                arch: 'x86_64',
                ver: '6.1.0-56-amd64',
                instance: 'surfhive',
                group: 'surfhive',
                expressions: [
                  {
                    index: 0,
                    type: 'kprobe',
                    event: 'f0',
                    definition: 'p:surfhive/f0 wake_up_new_task comm=+2976(%di):string pid=+2416(%di):s32',
                    filter: '',
                    symbol: 'wake_up_new_task',
                    writes: [],
                    teardown: [],
                  },
                ],
                setup: [],
                teardown: [],
                script: '#!/bin/sh\n...',
              },
            ],
            type: 'object',
            required: ['arch', 'ver', 'instance', 'group', 'expressions', 'setup', 'teardown', 'script'],
            properties: {
              arch: { type: 'string' },
              ver: { type: 'string' },
              instance: { type: 'string' },
              group: { type: 'string' },
              expressions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index', 'type', 'event', 'definition', 'filter', 'writes', 'teardown'],
                  properties: {
                    index: { type: 'integer' },
                    type: { type: 'string', enum: ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'event'] },
                    event: { type: 'string' },
                    definition: { type: ['string', 'null'] },
                    filter: { type: 'string' },
                    symbol: { type: 'string' },
                    binary: { type: 'string' },
                    writes: ops,
                    teardown: ops,
                  },
                },
              },
              setup: ops,
              teardown: ops,
              script: { type: 'string' },
            },
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { expressions, stack, duration } = request.body;
      const r = await surftraceFor(deps.lookup, { arch, ver, expressions, stack, duration });
      return {
        arch,
        ver,
        instance: r.plan.instance,
        group: r.plan.group,
        expressions: r.compiled.map((c, i) => ({
          index: c.index,
          type: c.type,
          event: c.event,
          definition: c.definition,
          filter: c.filter,
          ...(c.symbol !== undefined ? { symbol: c.symbol } : {}),
          ...(c.binary !== undefined ? { binary: c.binary } : {}),
          writes: r.plan.expressions[i]?.setup ?? [],
          teardown: r.plan.expressions[i]?.teardown ?? [],
        })),
        setup: r.plan.setup,
        teardown: r.plan.teardown,
        script: r.script,
      };
    },
  );

  const scriptQuery = {
    type: 'object',
    required: ['e'],
    additionalProperties: false,
    properties: { e: expressionList, ...options },
  } as const;

  app.get<{ Params: KernelParams; Querystring: ScriptQuery }>(
    '/kernels/:arch/:ver/surftrace',
    {
      errorHandler: scriptErrors,
      schema: {
        summary: 'The trace script for `curl -s URL | sudo sh` (e= once per expression)',
        operationId: 'getSurftraceScript',
        tags: ['surftrace'],
        params: kernelParams,
        querystring: scriptQuery,
        response: scriptResponses,
      },
    },
    async (request, reply) => {
      const { arch, ver } = request.params;
      const { e, stack, duration } = request.query;
      const r = await surftraceFor(deps.lookup, { arch, ver, expressions: e, stack, duration });
      return reply.type(SHELL).send(r.script);
    },
  );

  app.get<{ Querystring: ScriptQuery & { kernel: string } }>(
    '/surftrace',
    {
      errorHandler: scriptErrors,
      schema: {
        summary: 'Trace script for `kernel=auto` (the host picks its kernel from uname) or `kernel=ARCH/VER`',
        operationId: 'getSurftraceScriptFor',
        tags: ['surftrace'],
        querystring: {
          ...scriptQuery,
          required: ['e', 'kernel'],
          properties: {
            ...scriptQuery.properties,
            kernel: { type: 'string', maxLength: 160, examples: ['auto'] },
          },
        },
        response: scriptResponses,
      },
    },
    async (request, reply) => {
      const { e, stack, duration, kernel } = request.query;
      if (kernel === 'auto') {
        checkSyntax(e);
        const query = [
          ...e.map((x) => `e=${encodeQueryValue(x)}`),
          `stack=${stack}`,
          `duration=${duration}`,
        ].join('&');
        // The script depends on the request (Host): no cache may keep it for someone else.
        return reply
          .header('cache-control', 'no-store')
          .type(SHELL)
          .send(renderBootstrap(deps.publicUrl ?? baseUrl(request), query));
      }
      const slash = kernel.indexOf('/');
      if (slash < 0) throw new SurfhiveError('INVALID_FIELD', 'kernel must be auto or ARCH/VER');
      const arch = checkArch(kernel.slice(0, slash));
      const ver = checkVer(kernel.slice(slash + 1));
      const r = await surftraceFor(deps.lookup, { arch, ver, expressions: e, stack, duration });
      return reply.type(SHELL).send(r.script);
    },
  );
}
