/** Typed calls to the surfhive REST API (same origin). */

import type {
  CellAnswer,
  FuncAnswer,
  MemberLocation,
  StructAnswer,
  StructSummary,
} from '../../src/lookup/answers.js';
import type { StructDiff as LayoutDiff, MemberDiff, MemberStatus } from '../../src/lookup/struct-diff.js';
import { authHeaders } from './token';

export interface KernelSummary {
  arch: string;
  ver: string;
  release: string;
  releases: string[];
  artifacts: string[];
}
export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}
export interface SearchPage<T> {
  offset: number;
  limit: number;
  more: boolean;
  items: T[];
}
export interface Counts {
  structs: number;
  functions: number;
  types: number;
}
/** The server's own answer types (type-only: nothing of the server is bundled). */
export type { MemberDiff, MemberLocation, MemberStatus, StructSummary };
export type Cell = CellAnswer;
export type StructLayout = StructAnswer;
export type Func = FuncAnswer;
/** The diff route names each side's kernel as well. */
type DiffSide = LayoutDiff['a'] & { arch: string; ver: string };
export interface StructDiff extends Omit<LayoutDiff, 'a' | 'b'> {
  a: DiffSide;
  b: DiffSide;
}
export interface CompileJob {
  id: string;
  status: string;
  clog?: string;
  error?: string;
  artifact?: { size: number; sha256: string; url: string };
}

/** An error answer of the API, with its message meant for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function request<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let r: Response;
  try {
    r = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError(0, 'the server cannot be reached');
  }
  const text = await r.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!r.ok) {
    const e = body as { message?: string; code?: string } | undefined;
    throw new ApiError(r.status, e?.message ?? `request failed (HTTP ${r.status})`, e?.code);
  }
  return { status: r.status, body: body as T };
}

export const getJson = async <T>(url: string, signal?: AbortSignal): Promise<T> =>
  (await request<T>(url, { signal })).body;

const q = (params: Record<string, string | number | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};

/** `x86_64/6.1.0-56-amd64` → its API base. */
export function kernelBase(kernel: string): string {
  const slash = kernel.indexOf('/');
  return `/api/v1/kernels/${encodeURIComponent(kernel.slice(0, slash))}/${encodeURIComponent(kernel.slice(slash + 1))}`;
}

export const kernelRef = (k: { arch: string; ver: string }) => `${k.arch}/${k.ver}`;

export const api = {
  kernels: (
    f: { arch?: string; release?: string; ver_prefix?: string; limit?: number; offset?: number },
    signal?: AbortSignal,
  ) => getJson<Page<KernelSummary>>(`/api/v1/kernels${q(f)}`, signal),
  counts: (kernel: string, signal?: AbortSignal) => getJson<Counts>(`${kernelBase(kernel)}/counts`, signal),
  structs: (kernel: string, pattern: string, limit: number, offset: number, signal?: AbortSignal) =>
    getJson<SearchPage<StructSummary>>(
      `${kernelBase(kernel)}/structs${q({ pattern, limit, offset })}`,
      signal,
    ),
  struct: (kernel: string, name: string, signal?: AbortSignal) =>
    getJson<StructLayout>(`${kernelBase(kernel)}/structs/${encodeURIComponent(name)}`, signal),
  member: (kernel: string, name: string, path: string, signal?: AbortSignal) =>
    getJson<MemberLocation>(
      `${kernelBase(kernel)}/structs/${encodeURIComponent(name)}/members/${encodeURIComponent(path)}`,
      signal,
    ),
  functions: (
    kernel: string,
    f: { pattern?: string; ret?: string; arg?: string; limit: number; offset: number },
    signal?: AbortSignal,
  ) => getJson<SearchPage<Func>>(`${kernelBase(kernel)}/functions${q(f)}`, signal),
  function: (kernel: string, name: string, signal?: AbortSignal) =>
    getJson<{ name: string; items: Func[] }>(
      `${kernelBase(kernel)}/functions/${encodeURIComponent(name)}`,
      signal,
    ),
  diff: (name: string, a: string, b: string, signal?: AbortSignal) =>
    getJson<StructDiff>(`/api/v1/diff/structs/${encodeURIComponent(name)}${q({ a, b })}`, signal),
  compile: (
    body: { source: string; env?: string; arch: string; ver: string; output: string },
    wait: number,
  ) =>
    request<CompileJob>(`/api/v1/compile?wait=${wait}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    }),
  job: async (id: string, signal?: AbortSignal) =>
    (
      await request<CompileJob>(`/api/v1/compile/${encodeURIComponent(id)}`, {
        signal,
        headers: authHeaders(),
      })
    ).body,
};

/** Download links the server offers for an artifact kind. */
export const DOWNLOADS: Record<string, { path: string; label: string }> = {
  btf: { path: 'btf', label: 'BTF' },
  head: { path: 'vmlinux.h', label: 'vmlinux.h' },
  db: { path: 'db', label: 'database' },
};
