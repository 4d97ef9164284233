import type { Catalog } from './catalog.js';

/**
 * Where each distribution keeps kernel debuginfo.
 * Placeholders: {arch} (x86_64/aarch64), {debarch} (amd64/arm64); in 'ver' {name} {version} {release} {arch} and named groups of 'match'; in layout {kver} = uname -r.
 * Repos are read in order; a repo that answers 404 is skipped.
 * Every base can be overridden with --mirror RELEASE=URL (all bases of the release) or RELEASE.BASE=URL (one base).
 * Facts from docs/distros.md; extend by adding entries (checked by checkCatalog at load).
 */
export const CATALOG_DATA: Catalog = {
  anolis: {
    format: 'rpm',
    bases: {
      default: 'https://mirrors.openanolis.cn/anolis',
    },
    repos: [
      {
        kind: 'repodata',
        path: '23/os/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '23/updates/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.10/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.10/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.9/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.9/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.8/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.8/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.6/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.6/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.4/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.4/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.2/BaseOS/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '8.2/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '7.9/os/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '7.9/Plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '7.7/os/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '7.7/Plus/{arch}/debug',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.an(7|8|23)(_[0-9]+)?(\\.(x86_64|aarch64))?$'],
  },
  alinux: {
    format: 'rpm',
    bases: {
      default: 'https://mirrors.aliyun.com/alinux',
    },
    repos: [
      {
        kind: 'repodata',
        path: '4/os/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '4/updates/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '3/plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '3/os/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '2.1903/plus/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '2.1903/kernels/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: '2/kernels/{arch}/debug',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.al(7|8)(\\.(x86_64|aarch64))?$', '\\.alnx4(\\.(x86_64|aarch64))?$'],
  },
  centos: {
    format: 'rpm',
    bases: {
      default: 'https://debuginfo.centos.org',
      stream: 'https://mirror.stream.centos.org',
    },
    repos: [
      {
        kind: 'repodata',
        path: '7/{arch}',
      },
      {
        kind: 'repodata',
        path: '8/{arch}',
      },
      {
        kind: 'repodata',
        path: '8-stream/{arch}',
      },
      {
        kind: 'repodata',
        path: '9-stream/BaseOS/{arch}/debug/tree',
        base: 'stream',
      },
      {
        kind: 'repodata',
        path: '10-stream/BaseOS/{arch}/debug/tree',
        base: 'stream',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.el(7|8|9|10)(_[0-9]+)?(\\.(x86_64|aarch64))?$'],
  },
  rocky: {
    format: 'rpm',
    bases: {
      default: 'https://download.rockylinux.org',
    },
    repos: [
      {
        kind: 'repodata',
        path: 'pub/rocky/10/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'pub/rocky/9/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'pub/rocky/8/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.5/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.4/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.3/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.2/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.1/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/9.0/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.9/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.8/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.7/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.6/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.5/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.4/BaseOS/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'vault/rocky/8.3/BaseOS/{arch}/debug/tree',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.el(8|9|10)(_[0-9]+)?(\\.(x86_64|aarch64))?$'],
  },
  alma: {
    format: 'rpm',
    bases: {
      default: 'https://vault.almalinux.org',
    },
    repos: [
      {
        kind: 'repodata',
        path: '10/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.5/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.6/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.4/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.3/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.2/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.1/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '9.0/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.10/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.9/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.8/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.7/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.6/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.5/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.4/BaseOS/debug/{arch}',
      },
      {
        kind: 'repodata',
        path: '8.3/BaseOS/debug/{arch}',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.el(8|9|10)(_[0-9]+)?(\\.(x86_64|aarch64))?$'],
  },
  fedora: {
    format: 'rpm',
    bases: {
      default: 'https://archives.fedoraproject.org/pub/archive/fedora/linux',
      current: 'https://dl.fedoraproject.org/pub/fedora/linux',
      koji: 'https://kojipkgs.fedoraproject.org',
    },
    repos: [
      {
        kind: 'repodata',
        path: 'updates/43/Everything/{arch}/debug',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'releases/43/Everything/{arch}/debug/tree',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'updates/42/Everything/{arch}/debug',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'releases/42/Everything/{arch}/debug/tree',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'updates/41/Everything/{arch}/debug',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'releases/41/Everything/{arch}/debug/tree',
        base: 'current',
      },
      {
        kind: 'repodata',
        path: 'updates/40/Everything/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: 'releases/40/Everything/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'updates/39/Everything/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: 'releases/39/Everything/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'updates/38/Everything/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: 'releases/38/Everything/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'updates/37/Everything/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: 'releases/37/Everything/{arch}/debug/tree',
      },
      {
        kind: 'repodata',
        path: 'updates/36/Everything/{arch}/debug',
      },
      {
        kind: 'repodata',
        path: 'releases/36/Everything/{arch}/debug/tree',
      },
      {
        kind: 'koji',
        path: 'packages/kernel/{version}/{release}/{arch}',
        base: 'koji',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.fc[0-9]{2}(\\.(x86_64|aarch64))?$'],
  },
  openeuler: {
    format: 'rpm',
    bases: {
      default: 'https://repo.openeuler.org',
    },
    repos: [
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS-SP2/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS-SP2/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS-SP1/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS-SP1/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-24.03-LTS/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP4/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP4/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP3/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP3/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP2/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP2/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP1/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS-SP1/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-22.03-LTS/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-20.03-LTS-SP4/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-20.03-LTS-SP4/update/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-20.03-LTS-SP3/debuginfo/{arch}',
      },
      {
        kind: 'repodata',
        path: 'openEuler-20.03-LTS-SP3/update/{arch}',
      },
    ],
    packages: [
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.oe(1|[0-9]{4}(sp[0-9]+)?)(\\.(x86_64|aarch64))?$'],
  },
  oracle: {
    format: 'rpm',
    bases: {
      default: 'https://oss.oracle.com',
    },
    repos: [
      {
        kind: 'listing',
        path: 'ol9/debuginfo',
      },
      {
        kind: 'listing',
        path: 'ol8/debuginfo',
      },
      {
        kind: 'listing',
        path: 'ol7/debuginfo',
      },
    ],
    packages: [
      {
        match: '^kernel-uek-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
      {
        match: '^kernel-debuginfo$',
        ver: '{version}-{release}.{arch}',
      },
    ],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: ['\\.el(7|8|9)uek(\\.(x86_64|aarch64))?$', '\\.el(7|8|9)(_[0-9]+)?(\\.(x86_64|aarch64))?$'],
  },
  ubuntu: {
    format: 'deb',
    bases: {
      default: 'http://ddebs.ubuntu.com',
    },
    repos: [
      {
        kind: 'deb',
        suite: 'noble-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'noble-security',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'noble',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'jammy-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'jammy-security',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'jammy',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'focal-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'focal-security',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'focal',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bionic-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bionic-security',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bionic',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'noble-updates',
        component: 'universe',
      },
      {
        kind: 'deb',
        suite: 'jammy-updates',
        component: 'universe',
      },
      {
        kind: 'deb',
        suite: 'focal-updates',
        component: 'universe',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-aws',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-azure',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-gcp',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-gke',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-oracle',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-kvm',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-ibm',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-nvidia',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-lowlatency',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-raspi',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-realtime',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-6.8',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-6.5',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-6.2',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-5.19',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-5.15',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-hwe-5.4',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-aws-6.8',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-azure-6.8',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-gcp-6.8',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-aws-5.15',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-azure-5.15',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-gcp-5.15',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-oracle-5.15',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-oem-6.8',
      },
      {
        kind: 'pool',
        path: 'pool/main/l/linux-oem-6.5',
      },
    ],
    packages: [
      {
        match: '^linux-image-unsigned-(?<kver>[0-9][^ ]*)-dbgsym$',
        ver: '{kver}',
      },
      {
        match: '^linux-image-(?<kver>[0-9][^ ]*)-dbgsym$',
        ver: '{kver}',
        minBytes: 10000000,
      },
    ],
    vmlinux: 'usr/lib/debug/boot/vmlinux-{kver}',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: [
      '^[0-9]+\\.[0-9]+\\.[0-9]+-[0-9]+-(generic|lowlatency|aws|azure|gcp|gke|gkeop|oracle|kvm|ibm|nvidia|raspi|oem|realtime|intel|fips|xilinx)(-[a-z0-9]+)*$',
    ],
  },
  debian: {
    format: 'deb',
    bases: {
      default: 'https://deb.debian.org/debian',
      security: 'https://security.debian.org/debian-security',
    },
    repos: [
      {
        kind: 'deb',
        suite: 'trixie',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'trixie-security',
        component: 'main',
        base: 'security',
      },
      {
        kind: 'deb',
        suite: 'trixie-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'trixie-backports',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bookworm',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bookworm-security',
        component: 'main',
        base: 'security',
      },
      {
        kind: 'deb',
        suite: 'bookworm-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bookworm-backports',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bullseye',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bullseye-security',
        component: 'main',
        base: 'security',
      },
      {
        kind: 'deb',
        suite: 'bullseye-updates',
        component: 'main',
      },
      {
        kind: 'deb',
        suite: 'bullseye-backports',
        component: 'main',
      },
    ],
    packages: [
      {
        match: '^linux-image-(?<kver>[0-9][^ ]*)-dbg$',
        ver: '{kver}',
      },
    ],
    vmlinux: 'usr/lib/debug/boot/vmlinux-{kver}',
    modules: 'usr/lib/debug/lib/modules/{kver}',
    uname: [
      '^[0-9]+\\.[0-9]+(\\.[0-9]+)?(-[0-9]+|-0\\.deb[0-9]+\\.[0-9]+|\\+bpo|\\+deb[0-9]+)-(cloud-|rt-)?(amd64|arm64)$',
    ],
  },
};
