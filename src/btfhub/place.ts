import type { Arch } from '../hive/names.js';

/** Where BTFHub files a kernel: `<distro>/<version>/<arch>/<kernel>.btf.tar.xz`. */
export interface BtfhubPlace {
  distro: string;
  version: string;
  arch: string;
}

/** BTFHub spells aarch64 as Debian and Ubuntu do. */
export const btfhubArch = (arch: Arch): string => (arch === 'aarch64' ? 'arm64' : arch);

const majorMinor = (ver: string) => /^([0-9]+\.[0-9]+)\./.exec(`${ver}.`)?.[1];

/** The kernel series each release shipped, for distributions whose kernel names carry no release tag. */
const SERIES: Record<string, Record<string, string>> = {
  debian: { '4.9': '9', '4.19': '10', '5.10': '11', '6.1': '12', '6.12': '13' },
  ubuntu: {
    '4.4': '16.04',
    '4.15': '18.04',
    '5.4': '20.04',
    '5.15': '22.04',
    '6.8': '24.04',
  },
};

/** Release tags in RPM kernel names (`.el8`, `.an8`, `.fc39`, `.oe2203`) → (BTFHub distro, version). */
const TAGGED: Record<string, (ver: string) => { distro: string; version: string } | undefined> = {
  centos: (v) => el(v, 'centos'),
  rocky: (v) => el(v, 'rocky'),
  alma: (v) => el(v, 'alma'),
  oracle: (v) => el(v, 'ol'),
  fedora: (v) => tag(v, /\.fc([0-9]{1,3})\b/, 'fedora', (m) => m),
  anolis: (v) => tag(v, /\.an([0-9]{1,2})\b/, 'anolis', (m) => m),
  alinux: (v) => tag(v, /\.al([0-9]{1,2})\b/, 'alinux', (m) => (m === '7' ? '2' : m === '8' ? '3' : m)),
  openeuler: (v) => tag(v, /\.oe([0-9]{2})([0-9]{2})\b/, 'openeuler', (a, b) => `${a}.${b}`),
};

function tag(
  ver: string,
  re: RegExp,
  distro: string,
  version: (...groups: string[]) => string,
): { distro: string; version: string } | undefined {
  const m = re.exec(ver);
  return m ? { distro, version: version(...m.slice(1)) } : undefined;
}

const el = (ver: string, distro: string) => tag(ver, /\.el([0-9]{1,2})/, distro, (m) => m);

/**
 * The BTFHub place of a stored kernel, from our release name and its kernel
 * version (and, for `local`, the host OS recorded at build time); undefined
 * when the distribution version cannot be told.
 */
export function btfhubPlace(
  k: { arch: Arch; release: string; ver: string },
  meta: Record<string, string> = {},
): BtfhubPlace | undefined {
  const arch = btfhubArch(k.arch);
  const series = SERIES[k.release];
  if (series) {
    const version = series[majorMinor(k.ver) ?? ''];
    return version ? { distro: k.release, version, arch } : undefined;
  }
  const tagged = TAGGED[k.release]?.(k.ver);
  if (tagged) return { ...tagged, arch };
  if (meta.os_id && meta.os_version_id) return { distro: meta.os_id, version: meta.os_version_id, arch };
  return undefined;
}
