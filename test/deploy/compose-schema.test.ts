import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import { parse } from 'yaml';
import { packageRoot } from '../../src/util/package-root.js';

// The Compose Specification's own schema (compose-spec/compose-spec, schema/compose-spec.json).
// It names its draft-07 meta-schema by an https URL that Ajv does not know by that name.
const { $schema: _draft, ...schema } = JSON.parse(
  readFileSync(path.join(packageRoot(), 'test/fixtures/compose-spec/compose-spec.json'), 'utf8'),
) as Record<string, unknown>;
// The schema names formats (duration, ...) that it does not define; their values are checked by type.
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

for (const file of ['compose.yaml', 'compose.docker-sandbox.yaml']) {
  t.test(`${file} validates against the Compose Specification schema`, async (t) => {
    const doc = parse(readFileSync(path.join(packageRoot(), file), 'utf8'), { merge: true }) as unknown;
    const ok = validate(doc);
    t.ok(ok, ok ? 'valid' : JSON.stringify(validate.errors, null, 1));
  });
}

t.test('the validator refuses what the specification refuses', async (t) => {
  t.notOk(validate({ services: { api: { image: 'x', restart_policy: 'always' } } }), 'an unknown key');
  t.notOk(validate({ services: { api: ['image', 'x'] } }), 'a service that is no mapping');
  t.notOk(validate({ service: { api: { image: 'x' } } }), 'an unknown top-level key');
  t.notOk(validate({ services: { api: { image: 'x', security_opt: 'seccomp=x' } } }), 'a string for a list');
});
