import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildDeb, buildElf, buildRpm, createRepo, writePackagesXz } from '../../ingest/helpers/fixtures.js';
import { startMirror } from '../../ingest/helpers/mirror-server.js';

/** An HTML directory index like Apache's, linking each file. */
async function writeIndex(dir: string, files: string[]): Promise<void> {
  const links = files.map((f) => `<a href="${encodeURIComponent(f)}">${f}</a>`).join('\n');
  await fs.writeFile(
    path.join(dir, 'index.html'),
    `<html><body><pre>\n<a href="../">../</a>\n${links}\n</pre></body></html>`,
  );
}

/** An RPM built into `dir`, linked from `dir/index.html` (a directory without repodata/). */
async function listedRpm(dir: string, elf: string, o: { name?: string; version: string; release: string }) {
  await fs.mkdir(dir, { recursive: true });
  const file = await buildRpm(dir, { ...o, compressor: 'gzip', elf });
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.rpm'));
  await writeIndex(dir, files);
  return path.basename(file);
}

export const FAMILY = {
  ubuntuPool: '5.15.0-91-generic',
  ubuntuUniverse: '6.8.0-1015-aws',
  debianBackports: '6.12.12+bpo-amd64',
  oracleRhck: '4.18.0-553.el8_10.x86_64',
  oracleUek: '5.4.17-2136.307.3.1.el8uek.x86_64',
  fedoraKoji: '6.5.6-300.fc39.x86_64',
  alinux2Listing: '4.19.91-27.al7.x86_64',
  anolis23: '5.10.134-17.an23.x86_64',
  alinux4: '6.6.71-3.alnx4.x86_64',
  almaOnly: '4.18.0-513.24.1.el8_9.x86_64',
} as const;

/**
 * One mirror on 127.0.0.1 laid out like each family's public one, each holding a kernel
 * that only the catalog's fixes find: a ddebs pool directory listing (the Packages index
 * lacks the build), a `-updates` universe index, a Debian `-backports` suite, Oracle's
 * debuginfo listing with the Red Hat compatible kernel, a Koji package tree, an Alinux 2
 * directory without repodata/, Anolis 23 and Alinux 4 repodata trees, an el8 kernel only Alma has.
 */
export async function familyMirror() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-family-'));
  const www = path.join(root, 'www');
  const elf = await buildElf(root);
  const split = (uname: string) => {
    const m = /^(.+)-([^-]+)\.x86_64$/.exec(uname)!;
    return { version: m[1]!, release: m[2]! };
  };

  // ubuntu: jammy-updates/main lists only a stub; the real build is in the pool directory
  const ub = path.join(www, 'ubuntu');
  const pool = path.join(ub, 'pool/main/l/linux');
  await fs.mkdir(pool, { recursive: true });
  const unsigned = `linux-image-unsigned-${FAMILY.ubuntuPool}-dbgsym`;
  const ddeb = await buildDeb(pool, {
    kver: FAMILY.ubuntuPool,
    name: unsigned,
    version: '5.15.0-91.101',
    compression: 'xz',
    elf,
  });
  await fs.rename(ddeb, ddeb.replace(/\.deb$/, '.ddeb'));
  await writeIndex(pool, [
    path.basename(ddeb).replace(/\.deb$/, '.ddeb'),
    `linux-image-${FAMILY.ubuntuPool}-dbgsym_5.15.0-91.101_amd64.ddeb`,
    `${unsigned}_5.15.0-91.101_arm64.ddeb`,
  ]);
  const stubPool = path.join(ub, 'pool/main/l/linux-signed');
  await fs.mkdir(stubPool, { recursive: true });
  const stub = await buildDeb(stubPool, {
    kver: '5.15.0-90-generic',
    name: 'linux-image-5.15.0-90-generic-dbgsym',
    version: '5.15.0-90.100',
    compression: 'xz',
    elf,
  });
  await writePackagesXz(ub, 'jammy-updates', [
    {
      file: path.relative(ub, stub),
      fields: {
        Package: 'linux-image-5.15.0-90-generic-dbgsym',
        Version: '5.15.0-90.100',
        Architecture: 'amd64',
      },
    },
  ]);
  const awsPool = path.join(ub, 'pool/main/l/linux-aws');
  await fs.mkdir(awsPool, { recursive: true });
  const awsName = `linux-image-unsigned-${FAMILY.ubuntuUniverse}-dbgsym`;
  const aws = await buildDeb(awsPool, {
    kver: FAMILY.ubuntuUniverse,
    name: awsName,
    version: '6.8.0-1015.16',
    compression: 'xz',
    elf,
  });
  await writePackagesXz(
    ub,
    'noble-updates',
    [
      {
        file: path.relative(ub, aws),
        fields: { Package: awsName, Version: '6.8.0-1015.16', Architecture: 'amd64' },
      },
    ],
    {},
    'universe',
  );

  // debian: bookworm-backports
  const deb = path.join(www, 'debian');
  const dpool = path.join(deb, 'pool/main/l/linux');
  await fs.mkdir(dpool, { recursive: true });
  const bpo = await buildDeb(dpool, {
    kver: FAMILY.debianBackports,
    version: '6.12.12-1~bpo12+1',
    compression: 'xz',
    elf,
  });
  await writePackagesXz(deb, 'bookworm-backports', [
    {
      file: path.relative(deb, bpo),
      fields: {
        Package: `linux-image-${FAMILY.debianBackports}-dbg`,
        Version: '6.12.12-1~bpo12+1',
        Architecture: 'amd64',
      },
    },
  ]);

  // oracle: one listing with UEK and the Red Hat compatible kernel
  const ol8 = path.join(www, 'oracle/ol8/debuginfo');
  await listedRpm(ol8, elf, split(FAMILY.oracleRhck));
  await listedRpm(ol8, elf, { name: 'kernel-uek-debuginfo', ...split(FAMILY.oracleUek) });

  // fedora: only Koji's package tree has this build
  const koji = path.join(www, 'koji/packages/kernel/6.5.6/300.fc39/x86_64');
  await listedRpm(koji, elf, split(FAMILY.fedoraKoji));

  // alinux 2: a directory without repodata/
  await listedRpm(path.join(www, 'alinux/2/kernels/x86_64/debug'), elf, split(FAMILY.alinux2Listing));

  // anolis 23 and alinux 4: repodata trees
  for (const [dir, uname] of [
    ['anolis/23/os/x86_64/debug', FAMILY.anolis23],
    ['alinux/4/os/x86_64/debug', FAMILY.alinux4],
    ['alma/8.9/BaseOS/debug/x86_64', FAMILY.almaOnly],
  ] as const) {
    const repo = path.join(www, dir);
    await fs.mkdir(path.join(repo, 'Packages'), { recursive: true });
    await buildRpm(path.join(repo, 'Packages'), { ...split(uname), compressor: 'gzip', elf });
    await createRepo(repo);
  }

  const mirror = await startMirror(www);
  const u = mirror.url;
  return {
    root,
    mirror,
    elfBytes: await fs.readFile(elf),
    mirrors: {
      ubuntu: `${u}/ubuntu`,
      debian: `${u}/debian`,
      oracle: `${u}/oracle`,
      fedora: `${u}/fedora`,
      'fedora.koji': `${u}/koji`,
      alinux: `${u}/alinux`,
      anolis: `${u}/anolis`,
      alma: `${u}/alma`,
      rocky: `${u}/rocky`,
      centos: `${u}/centos`,
    } as Record<string, string>,
    close: async () => {
      await mirror.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
