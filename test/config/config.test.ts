import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/config.js';

t.test('defaults, environment, then flags; every directory absolute', async (t) => {
  const d = loadConfig({});
  t.equal(d.port, 7655);
  t.equal(d.hive, path.resolve('hive'));
  t.equal(d.redisUrl, undefined);
  const e = loadConfig({ SURFHIVE_PORT: '8000', SURFHIVE_HIVE: '/srv/hive', REDIS_URL: 'redis://r:6379' });
  t.equal(e.port, 8000);
  t.equal(e.hive, '/srv/hive');
  t.equal(e.workDir, '/srv/hive/.work');
  t.equal(e.redisUrl, 'redis://r:6379');
  const f = loadConfig({ SURFHIVE_HIVE: '/srv/hive' }, { hive: 'rel/hive', port: 9000 });
  t.equal(f.hive, path.resolve('rel/hive'), 'a relative flag is resolved');
  t.equal(f.port, 9000);
  t.throws(() => loadConfig({ SURFHIVE_PORT: 'eighty' }));
});

t.test('a wrong setting names its flag or variable (SettingError: the CLI exits 2)', async (t) => {
  const fails = (env: Record<string, string>, flags: Record<string, string>, message: RegExp) =>
    t.throws(() => loadConfig(env, {}, flags), { name: 'SurfhiveError', setting: /\S/, message });
  fails({ SURFHIVE_PORT: 'abc' }, {}, /^SURFHIVE_PORT must be a whole number from 0 to 65535, not "abc"$/);
  fails({ SURFHIVE_PORT: '8000' }, { port: '8x' }, /^--port must be a whole number/);
  fails({ SURFHIVE_LOG_LEVEL: 'verbose' }, {}, /^SURFHIVE_LOG_LEVEL must be one of fatal, error, warn, info/);
  fails(
    { SURFHIVE_PROCESSES: '0' },
    {},
    /^SURFHIVE_PROCESSES must be auto or a whole number from 1 to 256, not "0"$/,
  );
  fails({}, { processes: '300' }, /^--processes must be/);
  fails(
    { SURFHIVE_COMPILE_CONCURRENCY: '0' },
    {},
    /^SURFHIVE_COMPILE_CONCURRENCY must be a whole number of at least 1/,
  );
  fails({}, { concurrency: '-1' }, /^--concurrency must be/);
  fails({ SURFHIVE_API_URL: 'api:7655' }, {}, /^SURFHIVE_API_URL must be an http\(s\) URL/);
  fails({ REDIS_URL: 'localhost' }, {}, /^REDIS_URL must be a redis:\/\//);
  fails({ SURFHIVE_MIRRORS: 'debian' }, {}, /^SURFHIVE_MIRRORS must look like RELEASE=URL/);
  fails(
    { SURFHIVE_MIRRORS: 'debian=file:///x' },
    {},
    /^SURFHIVE_MIRRORS debian=\.\.\.: the URL must be http\(s\)/,
  );
  fails({ SURFHIVE_CATALOG: '/nonexistent.json' }, {}, /^SURFHIVE_CATALOG names no file/);
  fails(
    { SURFHIVE_OPERATOR_TOKEN_HASHES: 'secret-token' },
    {},
    /^SURFHIVE_OPERATOR_TOKEN_HASHES must list sha256/,
  );
  t.notMatch(
    (() => {
      try {
        loadConfig({ SURFHIVE_OPERATOR_TOKEN_HASHES: 'secret-token' });
      } catch (e) {
        return (e as Error).message;
      }
    })(),
    /secret-token/,
    'a token pasted by mistake is not echoed',
  );
  const ok = loadConfig(
    { SURFHIVE_PORT: '8000', SURFHIVE_LOG_LEVEL: 'debug' },
    {},
    { port: '9000', processes: 'auto' },
  );
  t.equal(ok.port, 9000, 'the flag wins over the variable');
  t.equal(ok.logLevel, 'debug');
  t.ok(ok.processes >= 1);
  t.equal(ok.mirrorTimeoutMs, 60_000);
  t.equal(ok.mirrorRetries, 4);
});
