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
