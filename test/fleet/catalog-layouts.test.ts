import fs from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { builtinCatalog } from '../../src/ingest/catalog.js';
import { downloadAndExtract } from '../../src/ingest/download-extract.js';
import { resolvePackage } from '../../src/ingest/resolve.js';
import { resolveInOrder } from '../../src/ingest/resolve-in-order.js';
import { resolveUname } from '../../src/ingest/uname.js';
import { RUNNER } from '../helpers/tools.js';
import { FAMILY, familyMirror } from './helpers/family-mirror.js';

const m = await familyMirror();
t.teardown(m.close);
const catalog = builtinCatalog();
const fast = { retry: { retries: 0 }, runner: RUNNER };

/** What `surfhive ingest auto` and provisioning do: the uname's releases, in order, against the mirrors. */
const resolveAuto = (uname: string) => {
  const r = resolveUname(uname, { catalog });
  return resolveInOrder(r.candidates, { version: r.version, arch: r.arch, mirrors: m.mirrors, ...fast });
};

const expected: [string, string, RegExp][] = [
  [
    FAMILY.ubuntuPool,
    'ubuntu',
    /\/ubuntu\/pool\/main\/l\/linux\/linux-image-unsigned-5\.15\.0-91-generic-dbgsym_5\.15\.0-91\.101_amd64\.ddeb$/,
  ],
  [FAMILY.ubuntuUniverse, 'ubuntu', /\/ubuntu\/pool\/main\/l\/linux-aws\//],
  [FAMILY.debianBackports, 'debian', /\/debian\/pool\/main\/l\/linux\/linux-image-6\.12\.12\+bpo-amd64-dbg_/],
  [
    FAMILY.oracleRhck,
    'oracle',
    /\/oracle\/ol8\/debuginfo\/kernel-debuginfo-4\.18\.0-553\.el8_10\.x86_64\.rpm$/,
  ],
  [FAMILY.oracleUek, 'oracle', /\/oracle\/ol8\/debuginfo\/kernel-uek-debuginfo-/],
  [
    FAMILY.fedoraKoji,
    'fedora',
    /\/koji\/packages\/kernel\/6\.5\.6\/300\.fc39\/x86_64\/kernel-debuginfo-6\.5\.6-300\.fc39\.x86_64\.rpm$/,
  ],
  [FAMILY.alinux2Listing, 'alinux', /\/alinux\/2\/kernels\/x86_64\/debug\/kernel-debuginfo-/],
  [FAMILY.anolis23, 'anolis', /\/anolis\/23\/os\/x86_64\/debug\/Packages\//],
  [FAMILY.alinux4, 'alinux', /\/alinux\/4\/os\/x86_64\/debug\/Packages\//],
  [FAMILY.almaOnly, 'alma', /\/alma\/8\.9\/BaseOS\/debug\/x86_64\/Packages\//],
];

t.test('each family layout: the kernel only the catalog fixes find', async (t) => {
  for (const [uname, release, url] of expected) {
    const c = await resolveAuto(uname);
    t.equal(c.release, release, `${uname} from ${release}`);
    t.equal(c.ver, uname);
    t.match(c.url, url);
    t.ok(c.url.startsWith(`${m.mirror.url}/`), 'from the configured mirror only');
  }
});

t.test(
  'the Oracle listing keeps UEK and RHCK apart; an arm64 or signed stub link is not taken',
  async (t) => {
    const rhck = await resolveAuto(FAMILY.oracleRhck);
    t.equal(rhck.pkg.name, 'kernel-debuginfo');
    const uek = await resolveAuto(FAMILY.oracleUek);
    t.equal(uek.pkg.name, 'kernel-uek-debuginfo');
    const ub = await resolveAuto(FAMILY.ubuntuPool);
    t.equal(ub.pkg.name, 'linux-image-unsigned-5.15.0-91-generic-dbgsym');
    t.equal(ub.pkg.arch, 'amd64');
  },
);

t.test('pool .ddeb and Koji .rpm download and extract', async (t) => {
  for (const uname of [FAMILY.ubuntuPool, FAMILY.fedoraKoji, FAMILY.alinux2Listing]) {
    const r = resolveUname(uname, { catalog });
    const dir = path.join(m.root, `fetch-${r.release}`);
    const cand = await resolvePackage({
      release: r.release,
      version: r.version,
      arch: r.arch,
      mirrors: m.mirrors,
      ...fast,
    });
    await fs.mkdir(dir, { recursive: true });
    const got = await downloadAndExtract(cand, dir, { runner: RUNNER });
    t.same(await fs.readFile(got.kernel.vmlinuxPath), m.elfBytes, `${uname}: the vmlinux inside`);
  }
});

t.test('a kernel found nowhere: KERNEL_NOT_FOUND naming every release tried', async (t) => {
  const r = resolveUname('4.18.0-1.el8_1.x86_64', { catalog });
  await t.rejects(
    resolveInOrder(r.candidates, { version: r.version, arch: r.arch, mirrors: m.mirrors, ...fast }),
    { kind: 'KERNEL_NOT_FOUND', message: /centos, rocky, alma, oracle/ },
  );
  // this mirror holds no fedora repository, and Koji has no such build
  await t.rejects(resolveAuto('6.6.6-300.fc39.x86_64'), {
    kind: 'DOWNLOAD_FAILED',
    message: /none of the \d+ fedora repositories exist/,
  });
  const koji = m.mirror.requests.filter((q) => q.path.startsWith('/koji/'));
  t.ok(
    koji.some((q) => q.path === '/koji/packages/kernel/6.6.6/300.fc39/x86_64/'),
    'koji path from the parsed version',
  );
});
