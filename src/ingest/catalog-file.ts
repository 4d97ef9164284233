import { readFileSync } from 'node:fs';
import { SettingError } from '../config/config.js';
import { builtinCatalog, type Catalog, checkCatalog } from './catalog.js';

const FILE_LIMIT = 4 * 1024 * 1024;

/**
 * The built-in catalog with an operator's JSON file merged over it: a release the file
 * names replaces the built-in entry whole, new names are added. Every entry is checked,
 * so a typo stops the server at start with the entry and the reason.
 */
export function loadCatalog(file: string | undefined): Catalog {
  if (!file) return builtinCatalog();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingError(
      'SURFHIVE_CATALOG',
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (text.length > FILE_LIMIT) throw new SettingError('SURFHIVE_CATALOG', `${file}: larger than 4 MiB`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SettingError('SURFHIVE_CATALOG', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SettingError('SURFHIVE_CATALOG', `${file}: must be an object of releases`);
  try {
    return { ...builtinCatalog(), ...checkCatalog(raw as Record<string, unknown>) };
  } catch (err) {
    throw new SettingError('SURFHIVE_CATALOG', `${file}: ${(err as Error).message}`);
  }
}
