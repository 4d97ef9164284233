import { chownSync, lstatSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The account a bubblewrap sandbox drops to when the server runs as root (nobody/nogroup). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** Every directory on the way must be searchable, and the path itself readable, by "other" users. */
function readableByOthers(p: string): boolean {
  try {
    const st = statSync(p);
    if ((st.mode & (st.isDirectory() ? 0o005 : 0o004)) !== (st.isDirectory() ? 0o005 : 0o004)) return false;
    for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) return false;
      if (dir === path.dirname(dir)) return true;
    }
  } catch {
    return false;
  }
}

function chownTree(p: string, uid: number, gid: number): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink() || (st.uid === uid && st.gid === gid && !st.isDirectory())) return;
  chownSync(p, uid, gid);
  if (st.isDirectory()) for (const name of readdirSync(p)) chownTree(path.join(p, name), uid, gid);
}

/**
 * Whether a root server can run this sandbox as nobody. As root, RLIMIT_NPROC
 * binds nothing; as nobody it does, and the tool holds no privilege at all.
 * Only when nobody can read every read-only source (a checkout in a private
 * home directory cannot be) — otherwise the sandbox stays root, still confined
 * by its namespaces. The writable sources are handed to whichever account runs
 * (a root sandbox has no capability to enter nobody's directories).
 */
export function prepareUnprivileged(readonly: string[], writable: string[]): boolean {
  if (process.getuid?.() !== 0) return false;
  const drop =
    readonly.every(readableByOthers) &&
    writable.every((w) => path.dirname(w) === w || readableByOthers(path.dirname(w)));
  for (const w of writable) chownTree(w, drop ? SANDBOX_UID : 0, drop ? SANDBOX_GID : 0);
  return drop;
}
