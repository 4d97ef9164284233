import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type CompileJob, type KernelSummary } from './api';
import { KernelSelect } from './kernel-select';
import { setParams } from './router';
import { downloadWithToken, TokenField, useToken } from './token';

const DRAFT = 'surfhive.compile.source';
const MAX_SOURCE = 512 * 1024;
const EXAMPLE = `#include "lbc.h"

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
    bpf_printk("exec by %d\\n", (u32)(bpf_get_current_pid_tgid() >> 32));
    return 0;
}

char _license[] SEC("license") = "GPL";
`;
const FINISHED = ['completed', 'failed'];
/** `bpf.c:6:13: error: ...` → file, line, column. */
const LOG_LINE = /^([A-Za-z0-9_./-]+\.[ch]):([0-9]+):([0-9]+):/;

function loadDraft(): string {
  try {
    return window.localStorage.getItem(DRAFT) ?? EXAMPLE;
  } catch {
    return EXAMPLE;
  }
}

/** What a refused compile means for the person at the keyboard. */
function refusal(e: unknown, fallback: string): string {
  if (!(e instanceof ApiError)) return fallback;
  if (e.status === 401)
    return 'This server compiles only with a token: paste a compile token into the token field.';
  if (e.status === 403) return 'The server does not accept this token: check the token field.';
  return e.message;
}

/** A link that, with a token kept, fetches with it (a plain link cannot send one). */
function TokenLink({
  href,
  name,
  children,
  ...rest
}: {
  href: string;
  name: string;
  children: string;
  class?: string;
  'data-testid'?: string;
}) {
  const [token] = useToken();
  const [failed, setFailed] = useState('');
  return (
    <>
      <a
        {...rest}
        href={href}
        download={name}
        onClick={(e) => {
          if (!token) return;
          e.preventDefault();
          setFailed('');
          downloadWithToken(href, name).catch((err: unknown) => setFailed(String((err as Error).message)));
        }}
      >
        {children}
      </a>
      {failed && <span class="error"> {failed}</span>}
    </>
  );
}

/** Polls a job until it finishes (or the view goes away). */
async function follow(id: string, signal: AbortSignal, update: (j: CompileJob) => void): Promise<void> {
  for (let i = 0; i < 600 && !signal.aborted; i++) {
    const j = await api.job(id, signal);
    update(j);
    if (FINISHED.includes(j.status)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function Log({ text, onJump }: { text: string; onJump: (line: number, col: number) => void }) {
  return (
    <pre class="clog" data-testid="clog">
      {text.split('\n').map((l, i) => {
        const m = LOG_LINE.exec(l);
        if (!m) return <div key={i}>{l || ' '}</div>;
        const line = Number(m[2]);
        const col = Number(m[3]);
        return (
          <div key={i}>
            <button
              type="button"
              class="link mono"
              onClick={() => onJump(line, col)}
              title={`go to line ${line}`}
            >
              {m[0]}
            </button>
            {l.slice(m[0].length)}
          </div>
        );
      })}
    </pre>
  );
}

/** Paste or upload a bpf.c, compile it for a kernel through the job API, read the log, fetch the result. */
export function CompileView({ params, kernels }: { params: URLSearchParams; kernels: KernelSummary[] }) {
  const kernel = params.get('k') ?? undefined;
  const output = params.get('out') === 'so' ? 'so' : 'o';
  const jobId = params.get('job') ?? undefined;
  const env = params.get('env') ?? '';
  const [envText, setEnvText] = useState(env);
  useEffect(() => setEnvText(env), [env]);
  const flags = envText.trim();
  const [source, setSource] = useState(loadDraft);
  const [job, setJob] = useState<CompileJob | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  useEffect(() => {
    try {
      window.localStorage.setItem(DRAFT, source);
    } catch {
      // private mode: the draft just is not kept
    }
  }, [source]);

  // a shared link with ?job= shows that job
  useEffect(() => {
    if (!jobId) return;
    if (job?.id === jobId && FINISHED.includes(job.status)) return;
    const ctl = new AbortController();
    follow(jobId, ctl.signal, setJob).catch((e: unknown) => {
      if (!ctl.signal.aborted) setError(refusal(e, 'the job cannot be read'));
    });
    return () => ctl.abort();
  }, [jobId]);

  const compile = async () => {
    if (!kernel || busy) return;
    const slash = kernel.indexOf('/');
    setBusy(true);
    setError('');
    setJob(undefined);
    try {
      const r = await api.compile(
        {
          source,
          arch: kernel.slice(0, slash),
          ver: kernel.slice(slash + 1),
          output,
          ...(flags ? { env: flags } : {}),
        },
        20,
      );
      setJob(r.body);
      setParams({ job: r.body.id }, false);
    } catch (e) {
      setError(refusal(e, 'compile request failed'));
    } finally {
      setBusy(false);
    }
  };

  const jump = (line: number, col: number) => {
    const ta = editor.current;
    if (!ta) return;
    const lines = ta.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const len = lines[line - 1]?.length ?? 0;
    ta.focus();
    ta.setSelectionRange(start + Math.min(col - 1, len), start + len);
    const lh = Number.parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (line - 4) * lh);
  };

  const upload = async (e: Event) => {
    const f = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!f) return;
    if (f.size > MAX_SOURCE) {
      setError('that file is larger than 512 KiB');
      return;
    }
    setSource(await f.text());
  };

  const lineCount = source.split('\n').length;
  const done = job && FINISHED.includes(job.status);
  return (
    <section aria-labelledby="cc-h">
      <h1 id="cc-h">Compile playground</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void compile();
        }}
      >
        <KernelSelect
          id="k"
          label="kernel"
          kernels={kernels}
          value={kernel}
          onChange={(k) => setParams({ k }, false)}
        />
        <span class="field">
          <label for="cc-out">output</label>
          <select
            id="cc-out"
            value={output}
            onChange={(e) => setParams({ out: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="o">bpf.o (CO-RE object)</option>
            <option value="so">bpf.so (pylcc/clcc library)</option>
          </select>
        </span>
        <span class="field">
          <label for="cc-env">extra compiler flags</label>
          <input
            id="cc-env"
            class="mono"
            value={envText}
            placeholder="-DMAX_ENTRIES=1024"
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => setEnvText((e.currentTarget as HTMLInputElement).value)}
            onChange={() => setParams({ env: flags || undefined })}
          />
        </span>
        <span class="field">
          <label for="cc-file">upload bpf.c</label>
          <input id="cc-file" type="file" accept=".c,.h,text/x-c,text/plain" onChange={upload} />
        </span>
        <TokenField id="cc-token" hint="only if the server asks for one" />
        <button type="submit" class="primary" disabled={!kernel || busy}>
          {busy ? 'compiling…' : 'Compile (Ctrl+Enter)'}
        </button>
      </form>
      <div class="editor">
        <div class="gutter mono" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i}>{i + 1}</div>
          ))}
        </div>
        <textarea
          id="cc-source"
          ref={editor}
          class="mono"
          aria-label="bpf.c source"
          spellcheck={false}
          value={source}
          onInput={(e) => setSource((e.currentTarget as HTMLTextAreaElement).value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = (e.currentTarget as HTMLTextAreaElement).scrollTop;
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void compile();
            }
          }}
        />
      </div>
      {error && <p class="error">{error}</p>}
      {job && (
        <div class="job" aria-live="polite">
          <p>
            job <span class="mono">{job.id}</span>:{' '}
            <span class={`badge job-${job.status}`} data-testid="job-status">
              {job.status}
            </span>
            {!done && ' … waiting'}
            {done && (
              <>
                {' '}
                ·{' '}
                <TokenLink href={`/api/v1/compile/${encodeURIComponent(job.id)}/log`} name="compile.log">
                  raw log
                </TokenLink>
              </>
            )}
          </p>
          {job.error && <p class="error">{job.error}</p>}
          {job.artifact && (
            <p>
              <TokenLink class="button" href={job.artifact.url} name={`bpf.${output}`} data-testid="artifact">
                {`Download bpf.${output}`}
              </TokenLink>{' '}
              <span class="muted">
                {job.artifact.size.toLocaleString('en')} bytes · sha256{' '}
                <span class="mono">{job.artifact.sha256.slice(0, 16)}…</span>
              </span>
            </p>
          )}
          {job.clog !== undefined && job.clog !== '' && <Log text={job.clog} onJump={jump} />}
          {done && !job.clog && <p class="muted">the compiler printed nothing</p>}
        </div>
      )}
    </section>
  );
}
