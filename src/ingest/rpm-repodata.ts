import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { SurfhiveError } from '../errors/codes.js';
import type { IndexEntry } from './candidate.js';
import { decompressStream } from './decompress.js';
import { checkHttpUrl, showUrl } from './http.js';
import { type IndexFetchOptions, malformed, openIndex, readIndexFile } from './index-fetch.js';

interface PrimaryRef {
  href: string;
  sha256?: string;
  size?: number;
}

const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Reads an RPM repository (repodata/repomd.xml, then its primary metadata) and returns
 * the packages whose name passes `wanted`. Undefined when the repository does not exist.
 */
export async function readRepodata(
  repoUrl: string,
  wanted: (name: string) => boolean,
  opts: IndexFetchOptions,
): Promise<IndexEntry[] | undefined> {
  const repomdUrl = `${repoUrl}/repodata/repomd.xml`;
  const repomd = await readIndexFile(repomdUrl, opts, 8 * 1024 * 1024);
  if (!repomd) return undefined;
  const ref = parseRepomd(repomd.toString('utf8'));
  const primaryUrl = checkHttpUrl(new URL(ref.href, `${repoUrl}/`).href).href;
  const body = await openIndex(primaryUrl, opts, ref.size ?? opts.maxIndexBytes);
  if (!body) throw new SurfhiveError('DOWNLOAD_FAILED', `${showUrl(primaryUrl)} is missing`);

  const hash = createHash('sha256');
  async function* hashed() {
    for await (const chunk of body!) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const { output } = await decompressStream(hashed(), {
    maxOutputBytes: opts.maxExpandedBytes,
    timeoutMs: opts.toolTimeoutMs,
    signal: opts.signal,
    runner: opts.runner,
    what: 'primary metadata',
  });
  const entries = await parsePrimary(output, wanted, repoUrl);
  if (ref.sha256 && hash.digest('hex') !== ref.sha256)
    throw new SurfhiveError('CHECKSUM_MISMATCH', `${showUrl(primaryUrl)} does not match its checksum`);
  return entries;
}

export function parseRepomd(xml: string): PrimaryRef {
  const parser = new SaxesParser();
  let inPrimary = false;
  let field: 'checksum' | 'size' | undefined;
  let checksumType = '';
  let text = '';
  const ref: Partial<PrimaryRef> = {};
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (tag.name === 'data') inPrimary = tag.attributes.type === 'primary';
    if (!inPrimary) return;
    if (tag.name === 'location') ref.href = tag.attributes.href;
    if (tag.name === 'checksum') {
      field = 'checksum';
      checksumType = tag.attributes.type ?? '';
      text = '';
    }
    if (tag.name === 'size') {
      field = 'size';
      text = '';
    }
  });
  parser.on('text', (t) => {
    if (field) text += t;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'data') inPrimary = false;
    if (field === 'checksum' && tag.name === 'checksum' && checksumType === 'sha256') {
      const hex = text.trim().toLowerCase();
      if (SHA256_RE.test(hex)) ref.sha256 = hex;
    }
    if (field === 'size' && tag.name === 'size') {
      const n = Number(text.trim());
      if (Number.isSafeInteger(n) && n > 0) ref.size = n;
    }
    if (tag.name === field) field = undefined;
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    throw malformed('repomd.xml is not valid XML', err);
  }
  if (!ref.href) throw malformed('repomd.xml names no primary metadata');
  return ref as PrimaryRef;
}

interface PartialPackage {
  name?: string;
  arch?: string;
  version?: string;
  release?: string;
  sha256?: string;
  size?: number;
  href?: string;
  base?: string;
}

/**
 * Streams primary.xml through a SAX parser: only the few fields of wanted packages
 * are kept, file lists are skipped, so a 100+ MB file costs little memory.
 */
export async function parsePrimary(
  xml: AsyncIterable<Buffer>,
  wanted: (name: string) => boolean,
  repoUrl: string,
): Promise<IndexEntry[]> {
  const parser = new SaxesParser();
  const out: IndexEntry[] = [];
  let pkg: PartialPackage | undefined;
  let inFormat = false;
  let field: 'name' | 'arch' | 'checksum' | undefined;
  let text = '';

  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (tag.name === 'package') {
      pkg = {};
      inFormat = false;
      return;
    }
    if (!pkg || inFormat) return;
    const a = tag.attributes;
    switch (tag.name) {
      case 'format':
        inFormat = true;
        break;
      case 'name':
      case 'arch':
        field = tag.name;
        text = '';
        break;
      case 'checksum':
        if (a.type === 'sha256') {
          field = 'checksum';
          text = '';
        }
        break;
      case 'version':
        pkg.version = a.ver;
        pkg.release = a.rel;
        break;
      case 'size': {
        const n = Number(a.package);
        if (Number.isSafeInteger(n) && n > 0) pkg.size = n;
        break;
      }
      case 'location':
        pkg.href = a.href;
        pkg.base = a['xml:base'];
        break;
    }
  });
  parser.on('text', (t) => {
    if (field && text.length < 4096) text += t;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'format') inFormat = false;
    if (!pkg) return;
    if (field && tag.name === field) {
      const value = text.trim();
      if (field === 'name') {
        pkg.name = value;
        if (!wanted(value)) pkg = undefined; // the rest of this package is not needed
      } else if (field === 'arch') pkg.arch = value;
      else if (SHA256_RE.test(value.toLowerCase())) pkg.sha256 = value.toLowerCase();
      field = undefined;
    }
    if (tag.name === 'package' && pkg) {
      const entry = toEntry(pkg, repoUrl);
      if (entry) out.push(entry);
      pkg = undefined;
    }
  });

  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of xml) parser.write(decoder.write(chunk));
    parser.write(decoder.end()).close();
  } catch (err) {
    if (err instanceof SurfhiveError) throw err;
    throw malformed('primary metadata is not valid XML', err);
  }
  return out;
}

function toEntry(p: PartialPackage, repoUrl: string): IndexEntry | undefined {
  if (!p.name || !p.arch || !p.version || !p.release || !p.href) return undefined;
  let url: string;
  try {
    const base = p.base ? p.base.replace(/\/*$/, '/') : `${repoUrl}/`;
    url = checkHttpUrl(new URL(p.href, base).href).href;
  } catch {
    return undefined;
  }
  return {
    name: p.name,
    version: p.version,
    release: p.release,
    arch: p.arch,
    url,
    size: p.size,
    sha256: p.sha256,
  };
}
