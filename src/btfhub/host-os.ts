import { readFile } from 'node:fs/promises';

/** `ID` and `VERSION_ID` of /etc/os-release, as meta keys; what a BTFHub path of the local kernel is made of. */
export async function hostOsMeta(file = '/etc/os-release'): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(ID|VERSION_ID)=("?)([A-Za-z0-9._-]{1,32})\2$/.exec(line.trim());
    if (m) out[m[1] === 'ID' ? 'os_id' : 'os_version_id'] = m[3]!;
  }
  return out;
}
