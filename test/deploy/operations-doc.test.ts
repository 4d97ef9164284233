import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/config.js';
import { packageRoot } from '../../src/util/package-root.js';

const root = packageRoot();
const doc = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
const configSource = readFileSync(path.join(root, 'src/config/config.ts'), 'utf8');
const variables = [
  ...new Set([...configSource.matchAll(/(?:env\.|v\(')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!)),
];

t.test('the configuration reference lists every variable the config reads, with its default', async (t) => {
  t.ok(variables.length >= 25, `${variables.length} variables read`);
  const rows = new Map(
    [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );
  for (const v of variables) t.ok(rows.has(v), `${v} is documented`);
  for (const v of rows.keys()) t.ok(variables.includes(v), `${v} is a real setting`);
  // spot-check that documented defaults are the real ones
  const d = loadConfig({});
  const num = (v: string) => Number(/`(\d+)`/.exec(rows.get(v) ?? '')?.[1]);
  t.equal(num('SURFHIVE_PORT'), d.port);
  t.equal(num('SURFHIVE_MAX_COMPILE_BACKLOG'), d.maxCompileBacklog);
  t.equal(num('SURFHIVE_LOOKUP_RATE_LIMIT'), d.lookupRateLimit);
  t.equal(num('SURFHIVE_COMPILE_RATE_LIMIT'), d.compileRateLimit);
  t.equal(num('SURFHIVE_SHUTDOWN_DEADLINE_MS'), d.shutdownDeadlineMs);
  t.equal(num('SURFHIVE_HEADERS_TIMEOUT_MS'), d.headersTimeoutMs);
  t.equal(num('SURFHIVE_BODY_LIMIT'), d.bodyLimit);
});

t.test('the doc covers scaling out, backup and restore, upgrading; the README links it', async (t) => {
  for (const h of [
    '## Configuration reference',
    '## Scaling out',
    '## Backup and restore of the hive',
    '## Upgrading',
  ])
    t.ok(doc.includes(h), h);
  t.match(readFileSync(path.join(root, 'README.md'), 'utf8'), /\(docs\/operations\.md\)/);
});
