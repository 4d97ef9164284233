import { statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type Config, type ConfigFlags, loadConfig, mirrorList, SettingError } from '../config/config.js';
import { ARCHES, type Arch, isRelease, isVer, normalizeArch } from '../hive/names.js';
import { type Catalog, checkMirrorKeys, type MirrorOverrides, parseMirrorArgs } from '../ingest/catalog.js';
import { loadCatalog } from '../ingest/catalog-file.js';
import { type Logger, loggerOptions } from '../log/logger.js';

export interface CommandSettings {
  config: Config;
  catalog: Catalog;
  /** SURFHIVE_MIRRORS, then --mirror, each key known to the catalog. */
  mirrors: MirrorOverrides;
}

/**
 * Every command's settings, checked together before the command does anything slow: the
 * environment and the flags (loadConfig), the catalog file, and the mirror keys against it.
 * A mistake throws a SettingError naming the flag or variable (the CLI exits 2).
 */
export function loadSettings(
  flags: ConfigFlags & { mirror?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): CommandSettings {
  const loaded = loadConfig(env, {}, flags);
  const catalog = loadCatalog(loaded.catalogFile);
  const fromFlags = mirrorList('--mirror', flags.mirror ?? []);
  const mirrors = {
    ...checkMirrorKeys(parseMirrorArgs(loaded.mirrors), catalog, 'SURFHIVE_MIRRORS'),
    ...checkMirrorKeys(parseMirrorArgs(fromFlags), catalog, '--mirror'),
  };
  return { config: { ...loaded, mirrors: [...loaded.mirrors, ...fromFlags] }, catalog, mirrors };
}

const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** `--arch` as given (amd64 and arm64 are accepted for x86_64 and aarch64). */
export function archArg(value: string, name = '--arch'): Arch {
  try {
    return normalizeArch(value);
  } catch {
    throw new SettingError(name, `must be one of ${ARCHES.join(', ')}, not ${shown(value)}`);
  }
}

/** A release key (`debian`, `anolis`): its form here; whether the catalog has it, at `knownRelease`. */
export function releaseArg(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new SettingError(name, 'is missing');
  if (!isRelease(value))
    throw new SettingError(name, `must be a release key such as debian or anolis, not ${shown(value)}`);
  return value;
}

export function knownRelease(value: string, catalog: Catalog, name: string): string {
  if (!Object.hasOwn(catalog, value))
    throw new SettingError(
      name,
      `${shown(value)} is not a known release; known releases: ${Object.keys(catalog).sort().join(', ')}`,
    );
  return value;
}

/** A kernel release as `uname -r` prints it (or the short form ingest accepts). */
export function verArg(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new SettingError(name, 'is missing');
  if (!isVer(value))
    throw new SettingError(name, `must look like a kernel release (uname -r), not ${shown(value)}`);
  return value;
}

/** A file or directory named on the command line, resolved; missing ones are the user's mistake. */
export function existingPath(value: string | undefined, name: string, kind: 'file' | 'directory'): string {
  if (value === undefined || value === '') throw new SettingError(name, 'is missing');
  const p = path.resolve(value);
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) throw new SettingError(name, `${shown(value)}: no such ${kind}`);
  if (kind === 'file' ? !st.isFile() : !st.isDirectory())
    throw new SettingError(name, `${shown(value)} is not a ${kind}`);
  return p;
}

/**
 * The logger of a command run by hand (build, ingest): warnings and errors as plain lines on
 * stderr, so that stdout holds only the command's own output. SURFHIVE_LOG_LEVEL, when set,
 * chooses the level; debug and trace print the full JSON records.
 */
export function commandLogger(config: Config, env: NodeJS.ProcessEnv = process.env): Logger {
  const explicit = env.SURFHIVE_LOG_LEVEL !== undefined && env.SURFHIVE_LOG_LEVEL !== '';
  const level = explicit ? config.logLevel : 'warn';
  if (level === 'debug' || level === 'trace') return pino(loggerOptions(level), pino.destination(2));
  const lines = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        try {
          const rec = JSON.parse(text) as { level?: number; msg?: string; err?: { message?: string } };
          const label = (rec.level ?? 30) >= 50 ? 'error' : (rec.level ?? 30) >= 40 ? 'warning' : 'note';
          const cause = rec.err?.message ? `: ${rec.err.message}` : '';
          process.stderr.write(`surfhive: ${label}: ${rec.msg ?? ''}${cause}\n`);
        } catch {
          process.stderr.write(`${text}\n`);
        }
      }
      done();
    },
  });
  return pino(loggerOptions(level), lines);
}
