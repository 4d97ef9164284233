// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose interpolation, not templates
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/util/package-root.js';
import { durationNs, interpolate, loadCompose } from './helpers/compose-engine.js';

// The compose runner the stack test uses in place of Compose v2: its reading of the file.

t.test('interpolation as Compose does it', async (t) => {
  const env = { SET: 'v', EMPTY: '' };
  t.equal(interpolate('${SET}-${UNSET}', env), 'v-');
  t.equal(interpolate('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:-d}', env), 'd d  v');
  t.equal(interpolate('$$(hostname) $${SET}', env), '$(hostname) ${SET}', '$$ is a literal $');
  t.throws(() => interpolate('${UNSET:?say why}', env), /UNSET: say why/);
  t.throws(() => interpolate('${EMPTY:?empty}', env), /EMPTY: empty/);
  t.equal(interpolate('${EMPTY?unset only}', env), '');
});

t.test('durations', async (t) => {
  t.equal(durationNs('40s'), 40e9);
  t.equal(durationNs('1m30s'), 90e9);
  t.equal(durationNs('500ms'), 5e8);
  t.equal(durationNs(undefined), undefined);
});

t.test('compose.yaml as the runner reads it', async (t) => {
  const env = {
    SURFHIVE_WORKER_TOKEN: 'tok',
    SURFHIVE_WORKER_TOKEN_HASHES: 'hash',
    SURFHIVE_PUBLISH: '127.0.0.1:9',
  };
  const doc = loadCompose(path.join(packageRoot(), 'compose.yaml'), env);
  t.same(doc.services.api?.ports, ['127.0.0.1:9:7655']);
  t.equal(doc.services.worker?.environment?.REDIS_URL, 'redis://redis:6379', 'merged from x-surfhive-env');
  t.match(doc.services.worker?.healthcheck?.test[1], /worker-\$\(hostname\)\.alive/);
  t.same(doc.services.worker?.build, doc.services.api?.build);
  t.equal(doc.secrets?.ca_bundle?.file, '/etc/ssl/certs/ca-certificates.crt');
  t.notOk(
    Object.keys(doc).some((k) => k.startsWith('x-')),
    'extension fields dropped',
  );
  t.throws(
    () => loadCompose(path.join(packageRoot(), 'compose.yaml'), {}),
    /SURFHIVE_WORKER_TOKEN/,
    'a required secret unset stops it',
  );
});

t.test('a key the runner does not apply is refused, not ignored', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-compose-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'compose.yaml');
  writeFileSync(file, 'name: x\nservices:\n  a:\n    image: i\n    privileged: true\n');
  t.throws(() => loadCompose(file, {}), /service a: privileged is not applied/);
});
