import { useEffect, useState } from 'preact/hooks';
import { api, type Cell, type KernelSummary, type MemberDiff, type MemberStatus } from './api';
import { useDebounced, useLoad } from './hooks';
import { KernelSelect } from './kernel-select';
import { href, setParams } from './router';

const STATUSES: MemberStatus[] = ['added', 'removed', 'moved', 'resized', 'retyped', 'same'];

function Side({ cell, changes }: { cell?: Cell; changes: string[] }) {
  if (!cell) return <td colSpan={4} class="absent" />;
  const mark = (c: string) => (changes.includes(c) ? 'changed' : '');
  return (
    <>
      <td class={`num mono ${mark('offset')}`}>
        {cell.offset}
        {cell.bits && <span class={`muted ${mark('bits')}`}>:{cell.bits}</span>}
      </td>
      <td class={`num ${mark('size')}`}>{cell.size}</td>
      <td class={`mono type ${mark('type')}`}>{cell.type}</td>
      <td class={`mono ${mark('size')}`}>{cell.name}</td>
    </>
  );
}

function Row({ m }: { m: MemberDiff }) {
  return (
    <tr class={`st-${m.status}`} data-member={m.name} data-status={m.status}>
      <Side cell={m.a} changes={m.changes} />
      <td class="status">
        <span class={`badge st-${m.status}`}>{m.status}</span>
      </td>
      <Side cell={m.b} changes={m.changes} />
    </tr>
  );
}

/** One struct on two kernels, side by side. */
export function DiffView({ params, kernels }: { params: URLSearchParams; kernels: KernelSummary[] }) {
  const a = params.get('a') ?? undefined;
  const b = params.get('b') ?? undefined;
  const s = params.get('s') ?? '';
  const hideSame = params.get('same') === '0';
  const [text, setText] = useState(s);
  useEffect(() => setText(s), [s]);
  const typed = useDebounced(text.trim(), 300);
  useEffect(() => {
    if (typed !== s) setParams({ s: typed || undefined });
  }, [typed]);

  const names = useLoad(a && typed.length > 1 ? `${a}|${typed}` : undefined, (signal) =>
    api.structs(a!, `%${typed.replace(/[^A-Za-z0-9_ ]/g, '')}%`, 20, 0, signal),
  );
  const ready = a && b && /^[A-Za-z0-9_ ]{1,128}$/.test(s);
  const diff = useLoad(ready ? `${a}|${b}|${s}` : undefined, (signal) => api.diff(s, a!, b!, signal));
  const d = diff.loading ? undefined : diff.data;
  const rows = d ? d.members.filter((m) => !hideSame || m.status !== 'same') : [];

  return (
    <section aria-labelledby="diff-h">
      <h1 id="diff-h">Diff a struct between two kernels</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <KernelSelect
          id="diff-a"
          label="kernel a"
          kernels={kernels}
          value={a}
          onChange={(v) => setParams({ a: v }, false)}
        />
        <KernelSelect
          id="diff-b"
          label="kernel b"
          kernels={kernels}
          value={b}
          onChange={(v) => setParams({ b: v }, false)}
        />
        <button type="button" onClick={() => setParams({ a: b, b: a }, false)} disabled={!a || !b}>
          ⇄ swap
        </button>
        <span class="field">
          <label for="diff-s">struct</label>
          <input
            id="diff-s"
            class="mono"
            list="diff-names"
            value={text}
            placeholder="struct task_struct"
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
          <datalist id="diff-names">
            {(names.data?.items ?? []).map((n) => (
              <option key={n.name} value={n.name} />
            ))}
          </datalist>
        </span>
        <span class="field check">
          <input
            id="diff-same"
            type="checkbox"
            checked={hideSame}
            onChange={(e) =>
              setParams({ same: (e.currentTarget as HTMLInputElement).checked ? '0' : undefined })
            }
          />
          <label for="diff-same">hide unchanged</label>
        </span>
      </form>
      {(!a || !b) && <p class="muted">Choose two kernels and a struct.</p>}
      {diff.error && <p class="error">{diff.error}</p>}
      {d && (
        <>
          <p class="summary" aria-live="polite">
            <span class="mono">{d.name}</span>: {d.a.size} → {d.b.size} bytes ·{' '}
            {STATUSES.map((st) => (
              <span key={st} class={`badge st-${st}`} data-testid={`sum-${st}`}>
                {d.summary[st]} {st}
              </span>
            ))}{' '}
            ·{' '}
            <a href={href('/structs', { k: a, s: d.name })} data-spa="1">
              layout on a
            </a>{' '}
            ·{' '}
            <a href={href('/structs', { k: b, s: d.name })} data-spa="1">
              layout on b
            </a>
          </p>
          <table class="grid-table diff">
            <thead>
              <tr>
                <th colSpan={4} scope="colgroup">
                  a: {d.a.ver} ({d.a.arch})
                </th>
                <th rowSpan={2} scope="col">
                  change
                </th>
                <th colSpan={4} scope="colgroup">
                  b: {d.b.ver} ({d.b.arch})
                </th>
              </tr>
              <tr>
                {['offset', 'size', 'type', 'member', 'offset', 'size', 'type', 'member'].map((h, i) => (
                  <th key={i} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((m, i) => (
                <Row key={`${m.name}-${i}`} m={m} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
