import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { goldenHive } from '../helpers/golden-hive.js';

/*
 * The OpenAPI document as a client generator or the docs page reads it: every
 * operation named, exemplified and answering documented errors; the bearer
 * scheme on exactly the operations that refuse a request without a token
 * (checked by sending each operation's own example without and with one).
 */

const OPERATOR = 'operator-token-for-the-openapi-test';
const COMPILER = 'compile-token-for-the-openapi-test';

interface Media {
  schema?: { $ref?: string; format?: string };
  example?: unknown;
  examples?: unknown;
}
interface Param {
  in: string;
  name: string;
  required?: boolean;
  example?: unknown;
  schema?: { default?: unknown };
}
interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: Param[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Doc {
  components: { schemas: Record<string, { required?: string[] }>; securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

const g = goldenHive();
const app = await buildApp({
  config: {
    ...g.config,
    compileAuth: 'token',
    operatorTokenHashes: [hashToken(OPERATOR)],
    compileTokenHashes: [hashToken(COMPILER)],
    autoIngest: false,
    // an ingest sent with a token must fail at once, never reach the network
    mirrors: ['debian=http://127.0.0.1:9', 'debian.security=http://127.0.0.1:9'],
  },
  registryOptions: { pollMs: 0 },
});
await app.ready();
t.teardown(async () => {
  await app.close();
  g.cleanup();
});

const doc = (await app.inject('/api/v1/openapi.json')).json() as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })),
);

t.test(
  'every operation: an id, an example, described responses, errors of the one Error schema',
  async (t) => {
    t.ok(operations.length >= 40, `${operations.length} operations`);
    const ids = operations.map((o) => o.op.operationId);
    t.same(
      operations.filter((o) => !o.op.operationId).map((o) => o.name),
      [],
      'every operation has an operationId',
    );
    t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    t.same(doc.components.schemas.Error?.required, ['statusCode', 'code', 'error', 'message']);
    for (const { op, name } of operations) {
      const paramsWithout = (op.parameters ?? []).filter(
        (p) => p.example === undefined && p.schema?.default === undefined,
      );
      t.same(
        paramsWithout.map((p) => p.name),
        [],
        `${name}: every parameter without a default has an example`,
      );
      const bodyExamples = Object.values(op.requestBody?.content ?? {}).filter(
        (m) => m.example !== undefined || m.examples !== undefined,
      );
      if (op.requestBody) t.ok(bodyExamples.length > 0, `${name}: the request body has an example`);
      for (const [status, r] of Object.entries(op.responses)) {
        t.not(r.description, 'Default Response', `${name} ${status} is described`);
        for (const [type, media] of Object.entries(r.content ?? {})) {
          // readiness answers its own status object while starting, not an error
          if (Number(status) >= 400 && type.includes('json') && op.operationId !== 'readiness')
            t.equal(media.schema?.$ref, '#/components/schemas/Error', `${name} ${status} is an Error`);
          if (Number(status) < 300 && media.schema?.format !== 'binary')
            t.ok(
              media.example !== undefined || media.examples !== undefined,
              `${name} ${status} ${type} has an example`,
            );
        }
      }
      const exampled =
        (op.parameters ?? []).some((p) => p.example !== undefined) ||
        bodyExamples.length > 0 ||
        Object.values(op.responses).some((r) =>
          Object.values(r.content ?? {}).some((m) => m.example !== undefined || m.examples !== undefined),
        );
      t.ok(exampled, `${name} carries a hand-written example`);
    }
    const text = JSON.stringify(doc);
    t.match(text, /6\.1\.0-56-amd64/, 'examples name real kernels');
    t.match(text, /"task_struct"/);
    t.match(text, /"debian"/);
  },
);

t.test('the bearer scheme: declared, and on exactly the operations that need a token', async (t) => {
  t.same(doc.components.securitySchemes.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: (doc.components.securitySchemes.bearer as { description: string }).description,
  });
  const secured = operations.filter((o) => o.op.security).map((o) => o.op.operationId);
  t.same(secured.sort(), [
    'deleteKernel',
    'getCompile',
    'getCompileArtifact',
    'getCompileLog',
    'getIngest',
    'submitCompile',
    'submitIngest',
    'uploadKernel',
    'uploadModule',
  ]);
  for (const { op } of operations.filter((o) => o.op.security)) {
    t.same(op.security, [{ bearer: [] }]);
    t.ok(op.responses['401'] && op.responses['403'], `${op.operationId} documents 401 and 403`);
  }

  // every operation sent as its example says: 401 without a token exactly where the document says so
  for (const { path, method, op, name } of operations) {
    const params = op.parameters ?? [];
    const url =
      path.replace(/\{([^}]+)\}/g, (_m, p: string) =>
        encodeURIComponent(String(params.find((x) => x.in === 'path' && x.name === p)?.example)),
      ) +
      params
        .filter((p) => p.in === 'query' && p.required)
        .map((p, i) => {
          const v = p.example;
          const list = Array.isArray(v) ? v : [v];
          return list
            .map((x, j) => `${i + j === 0 ? '?' : '&'}${p.name}=${encodeURIComponent(String(x))}`)
            .join('');
        })
        .join('');
    const body = op.requestBody?.content['application/json']?.example;
    const send = (headers: Record<string, string>) =>
      app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
    const anon = await send({});
    t.equal(anon.statusCode === 401, Boolean(op.security), `${name}: ${anon.statusCode} without a token`);
    if (op.security) {
      t.equal(anon.json().code, 'SURFHIVE_ERR_UNAUTHORIZED');
      const wrong = await send({ authorization: 'Bearer not-a-token' });
      t.equal(wrong.statusCode, 403, `${name}: 403 with a wrong token`);
      const token = path.includes('/compile') ? COMPILER : OPERATOR;
      const ok = await send({ authorization: `Bearer ${token}` });
      t.notOk([401, 403].includes(ok.statusCode), `${name}: ${ok.statusCode} with the token`);
    }
  }
});
