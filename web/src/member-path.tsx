import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Func, type MemberLocation, request } from './api';
import { CopyBox } from './copy-box';
import { useDebounced, useLoad } from './hooks';
import { hex } from './layout-model';
import { COMMON_PROBES, plainName } from './probe-functions';

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]{1,9}\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[[0-9]{1,9}\])*){0,31}$/;

interface Props {
  kernel: string;
  struct: string;
  path: string;
  onPath: (path: string) => void;
  onLocated: (loc: MemberLocation | undefined) => void;
}

/** A surftrace variable name: a letter first (`__state` → `state`). */
function varName(path: string): string {
  const last = path.split('.').pop() ?? '';
  const v = last.replace(/\[.*$/, '').replace(/^[^A-Za-z]+/, '');
  return v.slice(0, 64) || 'v';
}

/**
 * A function to probe that takes `ptr`: a commonly traced one when the kernel
 * has it, else the first plainly named one, else the first at all.
 */
async function probeFunction(kernel: string, struct: string, ptr: string, signal: AbortSignal) {
  for (const name of COMMON_PROBES[struct] ?? []) {
    try {
      const f = (await api.function(kernel, name, signal)).items.find((x) => x.args.includes(ptr));
      if (f) return f;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  const all = (await api.functions(kernel, { arg: ptr, limit: 100, offset: 0 }, signal)).items;
  return all.find((f) => plainName(f.func)) ?? all[0];
}

/**
 * A surftrace probe that reads the member: on a function taking a pointer to
 * the struct when the kernel has one, else a cast on the first argument.
 */
function useSurftrace(kernel: string, struct: string, path: string | undefined) {
  const ptr = `${struct} *`;
  const fn = useLoad<Func | undefined>(path ? `${kernel}|${struct}` : undefined, (signal) =>
    probeFunction(kernel, struct, ptr, signal),
  );
  if (!path || fn.loading) return undefined;
  const f = fn.data;
  const v = varName(path);
  if (f) {
    const index = f.args.indexOf(ptr);
    return {
      expr: `p ${f.func} ${v}=%${index}->${path}`,
      note: `${f.func} takes ${ptr} as argument ${index}`,
    };
  }
  return {
    expr: `p FUNCTION ${v}=!(${ptr})%0->${path}`,
    note: `no function of this kernel takes ${ptr}: put one whose first argument points to a ${struct}`,
  };
}

/** What the server compiles the expression into: proof it resolves on this kernel. */
function useDefinition(kernel: string, expr: string | undefined) {
  return useLoad(expr && !expr.includes('FUNCTION') ? `${kernel}|${expr}` : undefined, async (signal) => {
    const slash = kernel.indexOf('/');
    const url = `/api/v1/kernels/${encodeURIComponent(kernel.slice(0, slash))}/${encodeURIComponent(kernel.slice(slash + 1))}/surftrace`;
    const r = await request<{ expressions: { definition: string | null }[] }>(url, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ expressions: [expr] }),
    });
    return r.body.expressions[0]?.definition ?? '';
  });
}

/** Type a member path (`se.run_node.rb_left`, `comm[3]`) and see where it lands. */
export function MemberPath({ kernel, struct, path, onPath, onLocated }: Props) {
  const [text, setText] = useState(path);
  useEffect(() => setText(path), [path]);
  const wanted = useDebounced(text.trim(), 200);
  useEffect(() => {
    if (wanted !== path) onPath(wanted);
  }, [wanted]);

  const valid = path === '' || PATH_RE.test(path);
  const loc = useLoad(valid && path ? `${kernel}|${struct}|${path}` : undefined, (signal) =>
    api.member(kernel, struct, path, signal),
  );
  const found = loc.loading ? undefined : loc.data;
  useEffect(() => onLocated(loc.error ? undefined : found), [found, loc.error]);
  const st = useSurftrace(kernel, found?.struct ?? struct, found && !loc.error ? path : undefined);
  const def = useDefinition(kernel, st?.expr);

  return (
    <section class="member-path" aria-labelledby="mp-h">
      <h2 id="mp-h">Member path</h2>
      <div class="field wide">
        <label for="member-path">path in {struct}</label>
        <input
          id="member-path"
          class="mono"
          value={text}
          placeholder="se.run_node.rb_left"
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      {!valid && <p class="error">A path is names joined by dots, each with optional [index].</p>}
      {valid && loc.error && <p class="error">{loc.error}</p>}
      {found && !loc.error && (
        <>
          <dl class="facts" aria-live="polite">
            <dt>offset</dt>
            <dd class="mono" data-testid="mp-offset">
              {found.offset} ({hex(found.offset)})
            </dd>
            <dt>size</dt>
            <dd class="mono" data-testid="mp-size">
              {found.size}
            </dd>
            <dt>type</dt>
            <dd class="mono" data-testid="mp-type">
              {found.type}
            </dd>
            {found.bits && (
              <>
                <dt>bits</dt>
                <dd class="mono">{found.bits}</dd>
              </>
            )}
            <dt>row</dt>
            <dd class="mono">{found.member}</dd>
          </dl>
          {st && (
            <div class="surftrace">
              <CopyBox id="surftrace-expr" label="surftrace expression" value={st.expr} />
              <p class="muted">{st.note}</p>
              {def.data && (
                <p class="muted">
                  kprobe: <code>{def.data}</code>
                </p>
              )}
              {def.error && <p class="error">{def.error}</p>}
            </div>
          )}
        </>
      )}
    </section>
  );
}
