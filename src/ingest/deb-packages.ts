import { StringDecoder } from 'node:string_decoder';
import type { IndexEntry } from './candidate.js';
import { decompressStream } from './decompress.js';
import { checkHttpUrl } from './http.js';
import { type IndexFetchOptions, malformed, openIndex } from './index-fetch.js';

const INDEX_NAMES = ['Packages.xz', 'Packages.gz'];
const MAX_LINE = 1024 * 1024;

/**
 * Reads `dists/<suite>/<component>/binary-<arch>/Packages.{xz,gz}` of a Debian-style
 * archive and returns the packages whose name passes `wanted`. Undefined when absent.
 */
export async function readDebPackages(
  baseUrl: string,
  where: { suite: string; component: string; debArch: string },
  wanted: (name: string) => boolean,
  opts: IndexFetchOptions,
): Promise<IndexEntry[] | undefined> {
  const dir = `${baseUrl}/dists/${where.suite}/${where.component}/binary-${where.debArch}`;
  for (const name of INDEX_NAMES) {
    const body = await openIndex(`${dir}/${name}`, opts);
    if (!body) continue;
    const { output } = await decompressStream(body, {
      maxOutputBytes: opts.maxExpandedBytes,
      timeoutMs: opts.toolTimeoutMs,
      signal: opts.signal,
      runner: opts.runner,
      what: 'Packages index',
    });
    return parsePackages(output, wanted, baseUrl);
  }
  return undefined;
}

/** Parses deb822 stanzas line by line, keeping only the fields a download needs. */
export async function parsePackages(
  text: AsyncIterable<Buffer>,
  wanted: (name: string) => boolean,
  baseUrl: string,
): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  let fields: Record<string, string> = {};
  const endStanza = () => {
    const entry = fields.Package && wanted(fields.Package) ? toEntry(fields, baseUrl) : undefined;
    if (entry) out.push(entry);
    fields = {};
  };
  const onLine = (line: string) => {
    if (line.trim() === '') return endStanza();
    if (line.startsWith(' ') || line.startsWith('\t')) return; // continuation of a long field
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('Packages index has a line without a field name');
    const key = line.slice(0, colon);
    if (['Package', 'Version', 'Architecture', 'Filename', 'Size', 'SHA256', 'Depends'].includes(key))
      fields[key] = line.slice(colon + 1).trim();
  };

  const decoder = new StringDecoder('utf8');
  let partial = '';
  for await (const chunk of text) {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop()!;
    if (partial.length > MAX_LINE) throw malformed('Packages index has an overlong line');
    for (const line of lines) onLine(line);
  }
  partial += decoder.end();
  if (partial) onLine(partial);
  endStanza();
  return out;
}

function toEntry(f: Record<string, string>, baseUrl: string): IndexEntry | undefined {
  if (!f.Package || !f.Version || !f.Architecture || !f.Filename) return undefined;
  let url: string;
  try {
    url = checkHttpUrl(new URL(f.Filename, `${baseUrl}/`).href).href;
  } catch {
    return undefined;
  }
  const size = Number(f.Size);
  const sha = f.SHA256?.toLowerCase();
  return {
    name: f.Package,
    version: f.Version,
    arch: f.Architecture,
    url,
    size: Number.isSafeInteger(size) && size > 0 ? size : undefined,
    sha256: sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined,
    depends: dependNames(f.Depends),
  };
}

/** `a (>= 1), b | c` → the package names a, b, c. */
function dependNames(field: string | undefined): string[] | undefined {
  if (!field) return undefined;
  return field
    .split(/[,|]/)
    .map((d) => d.trim().split(/[\s(:]/)[0] ?? '')
    .filter((n) => n !== '');
}
