import t from 'tap';
import type { SurfhiveError } from '../../src/errors/codes.js';
import { builtinCatalog } from '../../src/ingest/catalog.js';
import { resolveUname } from '../../src/ingest/uname.js';

const catalog = builtinCatalog();
const EL7 = ['centos', 'oracle'];
const EL8 = ['centos', 'rocky', 'alma', 'oracle'];
const EL10 = ['centos', 'rocky', 'alma'];

/** [uname -r as hosts print it, release, arch, every candidate (default: just the release)] */
const TABLE: [string, string, 'x86_64' | 'aarch64', string[]?][] = [
  // Anolis: ANCK and RHCK on 7 and 8, Anolis 23
  ['4.19.91-26.an8.x86_64', 'anolis', 'x86_64'],
  ['4.19.91-27.4.an8.aarch64', 'anolis', 'aarch64'],
  ['5.10.134-16.3.an8.x86_64', 'anolis', 'x86_64'],
  ['4.18.0-372.32.1.an8_6.x86_64', 'anolis', 'x86_64'],
  ['4.18.0-477.13.1.0.1.an8.x86_64', 'anolis', 'x86_64'],
  ['4.19.91-26.an7.x86_64', 'anolis', 'x86_64'],
  ['3.10.0-1160.90.1.0.1.an7.x86_64', 'anolis', 'x86_64'],
  ['5.10.134-17.an23.x86_64', 'anolis', 'x86_64'],
  ['6.6.25-1.an23.aarch64', 'anolis', 'aarch64'],
  // Alibaba Cloud Linux 2, 3, 4
  ['4.19.91-27.al7.x86_64', 'alinux', 'x86_64'],
  ['4.19.91-26.6.al7.aarch64', 'alinux', 'aarch64'],
  ['5.10.134-16.al8.x86_64', 'alinux', 'x86_64'],
  ['5.10.134-18.0.1.al8.aarch64', 'alinux', 'aarch64'],
  ['6.6.71-3.alnx4.x86_64', 'alinux', 'x86_64'],
  // Red Hat family: the suffix is shared, the order is the catalog's (or the operator's)
  ['3.10.0-1160.el7.x86_64', 'centos', 'x86_64', EL7],
  ['3.10.0-1160.119.1.el7.x86_64', 'centos', 'x86_64', EL7],
  ['3.10.0-957.27.2.el7.x86_64', 'centos', 'x86_64', EL7],
  ['4.18.0-348.7.1.el8_5.x86_64', 'centos', 'x86_64', EL8],
  ['4.18.0-513.24.1.el8_9.x86_64', 'centos', 'x86_64', EL8],
  ['4.18.0-553.el8_10.x86_64', 'centos', 'x86_64', EL8],
  ['4.18.0-80.el8.x86_64', 'centos', 'x86_64', EL8],
  ['4.18.0-477.10.1.el8_8.aarch64', 'centos', 'aarch64', EL8],
  ['5.14.0-362.8.1.el9_3.x86_64', 'centos', 'x86_64', EL8],
  ['5.14.0-427.13.1.el9_4.aarch64', 'centos', 'aarch64', EL8],
  ['5.14.0-503.11.1.el9_5.x86_64', 'centos', 'x86_64', EL8],
  ['5.14.0-70.13.1.el9_0.x86_64', 'centos', 'x86_64', EL8],
  ['5.14.0-570.12.1.el9_6.x86_64', 'centos', 'x86_64', EL8],
  ['5.14.0-284.11.1.el9_2.x86_64', 'centos', 'x86_64', EL8],
  ['5.14.0-362.8.1.0.1.el9_3.x86_64', 'centos', 'x86_64', EL8],
  ['6.12.0-55.9.1.el10_0.x86_64', 'centos', 'x86_64', EL10],
  ['6.12.0-55.el10.aarch64', 'centos', 'aarch64', EL10],
  // Oracle UEK
  ['5.4.17-2136.307.3.1.el8uek.x86_64', 'oracle', 'x86_64'],
  ['5.15.0-200.131.27.el9uek.x86_64', 'oracle', 'x86_64'],
  ['5.15.0-206.153.7.1.el8uek.aarch64', 'oracle', 'aarch64'],
  ['4.14.35-2047.528.2.1.el7uek.x86_64', 'oracle', 'x86_64'],
  ['4.1.12-124.48.6.el7uek.x86_64', 'oracle', 'x86_64'],
  // Fedora
  ['6.5.6-300.fc39.x86_64', 'fedora', 'x86_64'],
  ['6.8.5-301.fc40.x86_64', 'fedora', 'x86_64'],
  ['6.11.4-301.fc41.aarch64', 'fedora', 'aarch64'],
  ['5.17.5-300.fc36.x86_64', 'fedora', 'x86_64'],
  ['6.14.0-63.fc42.x86_64', 'fedora', 'x86_64'],
  // openEuler
  ['4.19.90-2112.8.0.0131.oe1.x86_64', 'openeuler', 'x86_64'],
  ['5.10.0-60.18.0.50.oe2203.x86_64', 'openeuler', 'x86_64'],
  ['5.10.0-136.12.0.86.oe2203sp1.x86_64', 'openeuler', 'x86_64'],
  ['5.10.0-182.0.0.95.oe2203sp3.aarch64', 'openeuler', 'aarch64'],
  ['6.6.0-28.0.0.34.oe2403.x86_64', 'openeuler', 'x86_64'],
  ['6.6.0-72.0.0.76.oe2403sp1.aarch64', 'openeuler', 'aarch64'],
  // Ubuntu flavours (an arch only when the flavour names one)
  ['5.15.0-91-generic', 'ubuntu', 'x86_64'],
  ['6.8.0-45-generic', 'ubuntu', 'x86_64'],
  ['5.4.0-182-generic', 'ubuntu', 'x86_64'],
  ['4.15.0-213-generic', 'ubuntu', 'x86_64'],
  ['6.8.0-1015-aws', 'ubuntu', 'x86_64'],
  ['5.15.0-1063-aws', 'ubuntu', 'x86_64'],
  ['6.5.0-1025-azure', 'ubuntu', 'x86_64'],
  ['5.4.0-1109-azure', 'ubuntu', 'x86_64'],
  ['6.8.0-1014-gcp', 'ubuntu', 'x86_64'],
  ['5.15.0-1048-gke', 'ubuntu', 'x86_64'],
  ['5.15.0-1061-oracle', 'ubuntu', 'x86_64'],
  ['5.15.0-1059-kvm', 'ubuntu', 'x86_64'],
  ['6.8.0-40-lowlatency', 'ubuntu', 'x86_64'],
  ['6.8.0-31-generic-64k', 'ubuntu', 'aarch64'],
  ['5.15.0-1055-raspi', 'ubuntu', 'aarch64'],
  ['6.8.0-1008-nvidia', 'ubuntu', 'x86_64'],
  ['5.15.0-1053-ibm', 'ubuntu', 'x86_64'],
  // Debian: releases, point releases, cloud/rt flavours, backports
  ['6.1.0-56-amd64', 'debian', 'x86_64'],
  ['6.1.0-18-cloud-amd64', 'debian', 'x86_64'],
  ['6.1.0-25-arm64', 'debian', 'aarch64'],
  ['6.1.0-22-cloud-arm64', 'debian', 'aarch64'],
  ['6.1.0-26-rt-amd64', 'debian', 'x86_64'],
  ['5.10.0-28-amd64', 'debian', 'x86_64'],
  ['5.10.0-32-cloud-amd64', 'debian', 'x86_64'],
  ['4.19.0-26-amd64', 'debian', 'x86_64'],
  ['6.12.12+bpo-amd64', 'debian', 'x86_64'],
  ['6.12.12+bpo-cloud-arm64', 'debian', 'aarch64'],
  ['6.1.0-0.deb11.21-amd64', 'debian', 'x86_64'],
  ['6.12.43+deb13-amd64', 'debian', 'x86_64'],
  ['6.12.43+deb13-cloud-arm64', 'debian', 'aarch64'],
];

t.test(`a table of ${TABLE.length} real-world uname -r strings`, async (t) => {
  t.ok(TABLE.length >= 60);
  for (const [uname, release, arch, candidates] of TABLE) {
    const r = resolveUname(uname, { catalog });
    t.same(r, { release, version: uname, arch, candidates: candidates ?? [release] }, uname);
  }
});

t.test('the operator order decides among releases sharing a suffix', async (t) => {
  const r = resolveUname('4.18.0-513.24.1.el8_9.x86_64', { catalog, order: ['rocky', 'oracle'] });
  t.same(r.candidates, ['rocky', 'oracle', 'centos', 'alma']);
  t.equal(r.release, 'rocky');
  const uek = resolveUname('5.4.17-2136.307.3.1.el8uek.x86_64', { catalog, order: ['rocky'] });
  t.same(uek.candidates, ['oracle'], 'UEK is Oracle whatever the order');
});

t.test('arch: from the string, from the request, and a contradiction', async (t) => {
  t.equal(resolveUname('5.15.0-91-generic', { catalog, arch: 'aarch64' }).arch, 'aarch64');
  t.equal(resolveUname('6.1.0-56-arm64', { catalog }).arch, 'aarch64');
  const noArch = resolveUname('4.19.91-26.an8', { catalog, arch: 'aarch64' });
  t.same([noArch.version, noArch.arch], ['4.19.91-26.an8.aarch64', 'aarch64'], 'RPM ver gets its arch');
  t.throws(() => resolveUname('6.1.0-56-amd64', { catalog, arch: 'aarch64' }), {
    kind: 'INVALID_FIELD',
    message: /names arch x86_64 but arch aarch64/,
  });
});

t.test('input of any shape: an answer or INVALID_FIELD with the reason', async (t) => {
  const hostile: unknown[] = [
    '',
    ' ',
    'generic',
    '../../etc/passwd',
    '6.1.0-56-amd64/../../x',
    'http://evil.example/x.rpm',
    '6.1.0\u0000-56-amd64',
    '6.1..0-56-amd64',
    '9'.repeat(200),
    `${'1.'.repeat(60)}el8`,
    '1-1-generic-'.repeat(20),
    '5.15.0-91-notaflavour',
    '6.1.0-56-i686',
    '4.19.91-26.an9.x86_64',
    'x'.repeat(100_000),
    null,
    42,
    ['6.1.0-56-amd64'],
    { uname: '6.1.0-56-amd64' },
  ];
  for (const raw of hostile) {
    const started = process.hrtime.bigint();
    try {
      resolveUname(raw, { catalog });
      t.fail(`answered for ${JSON.stringify(raw)?.slice(0, 40)}`);
    } catch (err) {
      t.equal((err as SurfhiveError).kind, 'INVALID_FIELD', JSON.stringify(raw)?.slice(0, 40));
      t.ok((err as Error).message.length < 200);
    }
    t.ok(process.hrtime.bigint() - started < 50_000_000n, 'bounded time');
  }
  t.equal(resolveUname(' 6.1.0-56-amd64\n', { catalog }).version, '6.1.0-56-amd64', 'whitespace trimmed');
});
