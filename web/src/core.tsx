import { useState } from 'preact/hooks';
import type { CoreMatrix, ReloResult } from '../../src/corecheck/types.js';
import { ApiError, request } from './api';
import { href } from './router';

const LABEL: Record<ReloResult['status'], string> = {
  ok: 'ok',
  missing_type: 'no type',
  missing_field: 'no field',
  incompatible: 'incompatible',
  ambiguous: 'ambiguous',
  skipped: 'skipped',
};

interface Source {
  file?: File;
  compile?: string;
}

function query(sel: Record<string, string>, compile?: string): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...sel, compile })) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : '';
}

function body(src: Source): FormData | undefined {
  if (!src.file) return undefined;
  const form = new FormData();
  form.append('object', src.file);
  return form;
}

type Job = { id: string; status: string; progress?: { done: number; total: number }; result?: CoreMatrix };

/** Sends the check; a large selection comes back as a job, followed until it ends. */
async function runCheck(src: Source, sel: Record<string, string>, onProgress: (p: string) => void) {
  const r = await request<CoreMatrix | Job>(`/api/v1/core/check${query(sel, src.compile)}`, {
    method: 'POST',
    body: body(src),
  });
  if (r.status === 200) return r.body as CoreMatrix;
  const job = r.body as Job;
  for (let i = 0; i < 1200; i++) {
    await new Promise((res) => setTimeout(res, 500));
    const s = (await request<Job & { error?: { message: string } }>(`/api/v1/core/jobs/${job.id}`)).body;
    if (s.progress) onProgress(`${s.progress.done} of ${s.progress.total} kernels`);
    if (s.status === 'completed' && s.result) return s.result;
    if (s.status === 'failed') throw new ApiError(422, s.error?.message ?? 'the check failed');
  }
  throw new ApiError(504, 'the check is taking too long');
}

async function downloadBundle(src: Source, sel: Record<string, string>) {
  const r = await fetch(`/api/v1/core/btf${query(sel, src.compile)}`, { method: 'POST', body: body(src) });
  if (!r.ok) {
    const e = (await r.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(r.status, e.message ?? `HTTP ${r.status}`);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = 'core-btf.tar.xz';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Cell({ r, kernel, type }: { r: ReloResult | undefined; kernel: string; type: string }) {
  if (!r) return <td />;
  const cls = `core-${r.status}${r.fatal || r.reachable ? ' core-fails' : ''}`;
  const title = r.message ?? (r.status === 'ok' ? `resolved to ${r.value}` : LABEL[r.status]);
  if (r.status === 'ok')
    return (
      <td class={cls} title={title}>
        {r.value}
      </td>
    );
  return (
    <td class={cls} title={title}>
      <a href={href('/structs', { k: kernel, s: type })} data-spa="1">
        {r.fatal || r.reachable ? LABEL[r.status] : `(${LABEL[r.status]})`}
      </a>
    </td>
  );
}

function Grid({ m }: { m: CoreMatrix }) {
  return (
    <div class="core-grid-wrap">
      <table class="core-grid" data-testid="core-grid">
        <thead>
          <tr>
            <th>kernel</th>
            <th>verdict</th>
            {m.object.relos.map((r, i) => (
              <th key={i} title={`${r.access} — ${r.kind}, ${r.program ?? '-'} in ${r.section}`}>
                #{i}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.kernels.map((k) => (
            <tr key={`${k.arch}/${k.ver}`} class={k.loads ? 'core-loads' : 'core-failing'}>
              <th class="mono">
                {k.arch} {k.release} {k.ver}
              </th>
              <td class={k.loads ? 'core-ok' : 'core-fails'} title={k.failing.join(', ')}>
                {k.error ? 'no BTF' : k.loads ? 'loads' : 'fails'}
              </td>
              {m.object.relos.map((r, i) => (
                <Cell key={i} r={k.relos[i]} kernel={`${k.arch}/${k.ver}`} type={r.type} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Drop a BPF object or name a compile job; see which kernels of the hive it loads on, and why not. */
export function CoreView({ params }: { params: URLSearchParams }) {
  const [file, setFile] = useState<File | undefined>();
  const [compile, setCompile] = useState(params.get('job') ?? '');
  const [arch, setArch] = useState('');
  const [release, setRelease] = useState('');
  const [verPrefix, setVerPrefix] = useState('');
  const [matrix, setMatrix] = useState<CoreMatrix | undefined>();
  const [progress, setProgress] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const src: Source = file ? { file } : { compile: compile.trim() };
  const sel = { arch, release, verPrefix };
  const ready = !!file || /^[0-9a-f]{64}$/.test(compile.trim());

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await what();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      setProgress('');
    }
  };
  const check = () =>
    act(async () => {
      setMatrix(undefined);
      setMatrix(await runCheck(src, sel, setProgress));
    });

  return (
    <section class="core">
      <h1>CO-RE check</h1>
      <p class="hint">
        Resolves every CO-RE relocation of a BPF object (clang -target bpf -g) against the BTF of each kernel
        in the hive, with libbpf's own rules.
      </p>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target; the file input inside is the accessible control */}
      <div
        class="core-drop"
        data-testid="core-drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const f = e.dataTransfer?.files[0];
          if (f) setFile(f);
        }}
      >
        <label>
          BPF object{' '}
          <input id="core-file" type="file" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        </label>
        <span>{file ? `${file.name}, ${file.size} bytes` : 'or drop it here'}</span>
        <label>
          or a compile job{' '}
          <input
            id="core-job"
            class="mono"
            size={20}
            placeholder="64-hex job id"
            value={compile}
            onInput={(e) => {
              setFile(undefined);
              setCompile(e.currentTarget.value);
            }}
          />
        </label>
      </div>
      <div class="core-select">
        <label>
          arch{' '}
          <select id="core-arch" value={arch} onChange={(e) => setArch(e.currentTarget.value)}>
            <option value="">the object's</option>
            <option value="x86_64">x86_64</option>
            <option value="aarch64">aarch64</option>
          </select>
        </label>
        <label>
          release{' '}
          <input
            id="core-release"
            size={10}
            value={release}
            onInput={(e) => setRelease(e.currentTarget.value)}
          />
        </label>
        <label>
          version prefix{' '}
          <input
            id="core-ver"
            size={10}
            value={verPrefix}
            onInput={(e) => setVerPrefix(e.currentTarget.value)}
          />
        </label>
        <button type="button" disabled={!ready || busy} onClick={check}>
          Check
        </button>
        <button type="button" disabled={!ready || busy} onClick={() => act(() => downloadBundle(src, sel))}>
          Download BTF bundle
        </button>
        {progress && <span class="hint">{progress}</span>}
      </div>
      {error && <p class="error">{error}</p>}
      {matrix && (
        <>
          <p class="core-summary" data-testid="core-summary">
            Loads on {matrix.summary.loads} of {matrix.summary.kernels} kernels;{' '}
            {matrix.summary.groups.length} distinct outcome{matrix.summary.groups.length === 1 ? '' : 's'}.
          </p>
          <ol class="core-legend" start={0}>
            {matrix.object.relos.map((r, i) => (
              <li key={i}>
                <span class="mono">{r.access}</span>{' '}
                <span class="hint">
                  {r.kind}, {r.program ?? '-'} ({r.section})
                </span>
              </li>
            ))}
          </ol>
          <Grid m={matrix} />
          <p class="hint">
            (x): poisoned where the verifier never reaches it, e.g. behind bpf_core_field_exists(). Click a
            failing cell for the struct's layout on that kernel.
          </p>
        </>
      )}
    </section>
  );
}
