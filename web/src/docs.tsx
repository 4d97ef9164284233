import { useMemo, useState } from 'preact/hooks';
import { getJson } from './api';
import { useLoad } from './hooks';
import { setParams } from './router';
import { authHeaders, TokenField, useToken } from './token';

/*
 * The API page: the server's own OpenAPI document, rendered in the explorer's
 * look, each operation with its parameters, examples and responses, and a form
 * that sends it (with the kept token where the operation asks for one).
 */

interface Media {
  schema?: { $ref?: string; type?: string; format?: string };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: {
    type?: string;
    enum?: unknown[];
    default?: unknown;
    pattern?: string;
    items?: { type?: string };
  };
}
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Param[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}
interface Op extends Operation {
  method: string;
  path: string;
}

const METHODS = ['get', 'post', 'put', 'delete'];
const TAG_ORDER = [
  'kernels',
  'structs',
  'functions',
  'types',
  'surftrace',
  'downloads',
  'compile',
  'core',
  'btf',
  'ingest',
  'ops',
  'legacy',
];
const MAX_SHOWN = 64 * 1024;

/** `text with `code`` → text and code elements. */
function Text({ text }: { text?: string }) {
  if (!text) return null;
  return <>{text.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>;
}

const exampleOf = (m?: Media): unknown => m?.example ?? Object.values(m?.examples ?? {})[0]?.value;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** The initial text of a parameter's field: its example, else its default. */
function initial(p: Param): string {
  const v = p.example ?? p.schema?.default;
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join('\n') : String(v);
}

interface Answer {
  status: number;
  type: string;
  body: string;
  ms: number;
}

function TryIt({ op }: { op: Op }) {
  const params = op.parameters ?? [];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(params.map((p) => [`${p.in}:${p.name}`, initial(p)])),
  );
  const jsonBody = op.requestBody?.content['application/json'];
  const [body, setBody] = useState(() => (jsonBody ? show(exampleOf(jsonBody) ?? {}) : ''));
  const [answer, setAnswer] = useState<Answer | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [token] = useToken();
  const needsToken = Boolean(op.security?.length);

  const url = () => {
    let path = op.path;
    const q = new URLSearchParams();
    for (const p of params) {
      const v = values[`${p.in}:${p.name}`] ?? '';
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p.in === 'query' && v !== '') {
        if (p.schema?.type === 'array') for (const line of v.split('\n')) q.append(p.name, line);
        else q.set(p.name, v);
      }
    }
    const qs = q.toString();
    return qs ? `${path}?${qs}` : path;
  };

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setAnswer(undefined);
    const t0 = performance.now();
    try {
      const r = await fetch(url(), {
        method: op.method.toUpperCase(),
        headers: {
          accept: 'application/json, text/plain, */*',
          ...(needsToken ? authHeaders() : {}),
          ...(jsonBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(jsonBody ? { body } : {}),
      });
      const type = r.headers.get('content-type') ?? '';
      const textual = /json|text|shellscript/.test(type);
      let text = textual
        ? await r.text()
        : `(${(await r.blob()).size.toLocaleString('en')} bytes of ${type || 'data'})`;
      if (type.includes('json')) {
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // shown as it came
        }
      }
      if (text.length > MAX_SHOWN)
        text = `${text.slice(0, MAX_SHOWN)}\n… (${text.length.toLocaleString('en')} characters)`;
      setAnswer({ status: r.status, type, body: text, ms: Math.round(performance.now() - t0) });
    } catch {
      setError('the server cannot be reached');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="try" onSubmit={send} aria-label={`try ${op.operationId}`}>
      {params.map((p) => {
        const id = `${op.operationId}-${p.in}-${p.name}`;
        const key = `${p.in}:${p.name}`;
        const onInput = (e: Event) =>
          setValues({ ...values, [key]: (e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value });
        return (
          <span class="field" key={key}>
            <label for={id}>
              {p.name} <span class="tag">{p.in}</span>
              {p.required && <span class="req"> required</span>}
            </label>
            {p.schema?.enum ? (
              <select id={id} value={values[key]} onChange={onInput}>
                {!p.required && <option value="">(none)</option>}
                {p.schema.enum.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
            ) : p.schema?.type === 'array' ? (
              <textarea id={id} class="mono" rows={2} value={values[key]} onInput={onInput} />
            ) : (
              <input
                id={id}
                class="mono"
                value={values[key]}
                size={Math.min(60, Math.max(12, (values[key] ?? '').length + 2))}
                spellcheck={false}
                autocomplete="off"
                onInput={onInput}
              />
            )}
          </span>
        );
      })}
      {jsonBody && (
        <span class="field wide">
          <label for={`${op.operationId}-body`}>body (JSON)</label>
          <textarea
            id={`${op.operationId}-body`}
            class="mono"
            rows={Math.min(14, body.split('\n').length + 1)}
            value={body}
            spellcheck={false}
            onInput={(e) => setBody((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </span>
      )}
      <p class="send">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'sending…' : 'Send'}
        </button>{' '}
        <code class="muted">
          {op.method.toUpperCase()} {url()}
        </code>
        {needsToken && !token && <span class="error"> needs a token: fill the token field at the top</span>}
      </p>
      {error && <p class="error">{error}</p>}
      {answer && (
        <div class="answer" aria-live="polite">
          <p>
            <span class={`badge ${answer.status < 300 ? 'st-added' : 'st-removed'}`} data-testid="try-status">
              {answer.status}
            </span>{' '}
            <span class="muted">
              {answer.type} · {answer.ms} ms
            </span>
          </p>
          <pre class="clog" data-testid="try-body">
            {answer.body}
          </pre>
        </div>
      )}
    </form>
  );
}

function Operation({ op, open }: { op: Op; open: boolean }) {
  const params = op.parameters ?? [];
  return (
    <details class="op" id={op.operationId} open={open}>
      <summary>
        <span class={`method m-${op.method}`}>{op.method.toUpperCase()}</span>{' '}
        <code class="op-path">{op.path}</code>{' '}
        <span class="op-summary">
          <Text text={op.summary} />
        </span>
        {op.security && (
          <span class="tag" title="send Authorization: Bearer <token>">
            token
          </span>
        )}
      </summary>
      <div class="op-body">
        <p class="muted mono">operationId: {op.operationId}</p>
        {op.description && (
          <p>
            <Text text={op.description} />
          </p>
        )}
        {params.length > 0 && (
          <table class="grid-table params">
            <thead>
              <tr>
                <th scope="col">parameter</th>
                <th scope="col">in</th>
                <th scope="col">type</th>
                <th scope="col">example</th>
              </tr>
            </thead>
            <tbody>
              {params.map((p) => (
                <tr key={`${p.in}:${p.name}`}>
                  <td class="mono">
                    {p.name}
                    {p.required && <span class="req"> *</span>}
                    {p.description && (
                      <div class="muted">
                        <Text text={p.description} />
                      </div>
                    )}
                  </td>
                  <td>{p.in}</td>
                  <td class="mono">
                    {p.schema?.enum ? p.schema.enum.join(' | ') : p.schema?.type}
                    {p.schema?.default !== undefined && (
                      <span class="muted"> = {String(p.schema.default)}</span>
                    )}
                  </td>
                  <td class="mono">{p.example === undefined ? '' : show(p.example)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Responses</h3>
        <dl class="responses">
          {Object.entries(op.responses).map(([status, r]) => {
            const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
            const ex = exampleOf(media);
            return (
              <div key={status}>
                <dt>
                  <span
                    class={`badge ${Number(status) < 300 ? 'st-added' : Number(status) < 400 ? '' : 'st-removed'}`}
                  >
                    {status}
                  </span>
                </dt>
                <dd>
                  <Text text={r.description} />
                  {type && (
                    <span class="muted">
                      {' '}
                      · {type}
                      {media?.schema?.$ref ? ` · ${media.schema.$ref.split('/').pop()}` : ''}
                    </span>
                  )}
                  {ex !== undefined && <pre class="example">{show(ex)}</pre>}
                </dd>
              </div>
            );
          })}
        </dl>
        <h3>Try it</h3>
        <TryIt op={op} />
      </div>
    </details>
  );
}

/** The API reference, from `/api/v1/openapi.json`. */
export function DocsView({ params }: { params: URLSearchParams }) {
  const doc = useLoad('openapi', (signal) => getJson<OpenApiDoc>('/api/v1/openapi.json', signal));
  const filter = params.get('q') ?? '';
  const openId = params.get('op') ?? '';
  const groups = useMemo(() => {
    const ops: Op[] = [];
    for (const [path, methods] of Object.entries(doc.data?.paths ?? {}))
      for (const [method, op] of Object.entries(methods))
        if (METHODS.includes(method)) ops.push({ ...op, method, path });
    const words = filter.toLowerCase();
    const shown = ops.filter(
      (o) =>
        !words || `${o.method} ${o.path} ${o.summary ?? ''} ${o.operationId}`.toLowerCase().includes(words),
    );
    const tags = [...new Set(shown.map((o) => o.tags?.[0] ?? 'other'))].sort(
      (a, b) => (TAG_ORDER.indexOf(a) + 1 || 99) - (TAG_ORDER.indexOf(b) + 1 || 99),
    );
    return tags.map((tag) => ({ tag, ops: shown.filter((o) => (o.tags?.[0] ?? 'other') === tag) }));
  }, [doc.data, filter]);

  return (
    <section aria-labelledby="docs-h" class="docs-page">
      <h1 id="docs-h">API</h1>
      {doc.data && (
        <p class="muted">
          {doc.data.info.title} {doc.data.info.version} · <Text text={doc.data.info.description} /> · the
          document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>
        </p>
      )}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <span class="field">
          <label for="docs-q">filter</label>
          <input
            id="docs-q"
            value={filter}
            placeholder="structs, ingest, compile…"
            autocomplete="off"
            onInput={(e) => setParams({ q: (e.currentTarget as HTMLInputElement).value || undefined })}
          />
        </span>
        <TokenField id="docs-token" hint="operator or compile token" />
      </form>
      <p class="muted">
        Operations marked <span class="tag">token</span> need <code>Authorization: Bearer &lt;token&gt;</code>
        : an operator token (<code>surfhive token new</code>) for ingest and uploads, a compile token for
        compiles when the server runs with <code>SURFHIVE_COMPILE_AUTH=token</code>. The token stays in this
        browser.
      </p>
      {doc.error && <p class="error">The API document: {doc.error}</p>}
      {groups.map((g) => (
        <section key={g.tag} class="tag-group" aria-label={g.tag}>
          <h2>{g.tag}</h2>
          {g.ops.map((op) => (
            <Operation key={`${op.method} ${op.path}`} op={op} open={op.operationId === openId} />
          ))}
        </section>
      ))}
    </section>
  );
}
