import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { runTool } from '../../src/sandbox/exec.js';
import { lbcOne } from '../helpers/app.js';
import { ensureCli } from '../helpers/cli.js';
import { debKey, ingestMirror, kernelState, leftovers } from '../ingest/helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);
const cli = await ensureCli();

/** `surfhive ingest auto <uname -r>` as an operator types it: no release, no --arch. */
const auto = (hive: string, uname: string) =>
  runTool('node', [cli, 'ingest', 'auto', uname, '--hive', hive, '--mirror', m.mirrorArg], {
    timeoutMs: 180_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: m.root },
  });

t.test('ingest auto: uname -r → release and arch → ingest from the mirror → published', async (t) => {
  const hive = path.join(m.root, 'hive-auto');
  const uname = '6.1.0-60-amd64';
  const res = await auto(hive, uname);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, /^6\.1\.0-60-amd64: debian\b[^\n]*\(x86_64\)\n/, 'the resolution is shown first');
  t.match(
    res.stdout,
    /^x86_64\/debian\/6\.1\.0-60-amd64: published in [\d.]+ s \(\d+ structs, \d+ functions\); resolve [\d.]+ s, download [^\n]*\n/,
  );
  t.ok(
    m.mirror.requests.some((r) => r.path === m.urlPath(uname)),
    'the package came from the 127.0.0.1 mirror',
  );
  t.equal(await kernelState(hive, debKey(uname)), 'complete');
  t.same(await leftovers(hive, debKey(uname)), []);

  // a server over that hive answers for the kernel
  const app = await buildApp({
    config: loadConfig({}, { hive, logLevel: 'silent' }),
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  await app.ready();
  t.teardown(() => app.close());
  const r = await lbcOne(app, { cmd: 'struct', ver: uname, arch: 'x86_64', struct: 'struct list_head' });
  t.equal(r?.log, 'ok.');

  const again = await auto(hive, uname);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /already in the hive/);
});

t.test('ingest auto: a uname -r no release names fails clearly, without asking the mirror', async (t) => {
  const hive = path.join(m.root, 'hive-bad');
  // a well-formed release no catalog entry claims fails (1); one that is no kernel release at all
  // is a mistake on the command line (2)
  for (const [uname, code] of [
    ['5.4.0-mystery', 1],
    ['../../etc/passwd', 2],
    ['x'.repeat(300), 2],
  ] as const) {
    const before = m.mirror.requests.length;
    const res = await auto(hive, uname);
    t.equal(res.code, code, `${uname.slice(0, 20)}: exit ${code}`);
    t.match(res.stderr, /(^|\n)surfhive: /);
    t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
    t.equal(m.mirror.requests.length, before, 'no request to the mirror');
  }
});
