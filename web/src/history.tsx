import type { MemberPlace } from '../../src/history/layouts.js';
import type { MemberHistory, StructHistory } from '../../src/history/struct-history.js';
import { getJson } from './api';
import { useDebounced, useLoad } from './hooks';
import { href, setParams } from './router';

type Paged = { total: number; offset: number; limit: number };
type MemberAnswer = MemberHistory & Paged;
type StructAnswer = StructHistory & Paged;
type Ref = { arch: string; ver: string; release: string };

const load = <T,>(
  name: string,
  member: string | undefined,
  arch: string | undefined,
  signal: AbortSignal,
) => {
  const q = new URLSearchParams();
  if (member) q.set('member', member);
  if (arch) q.set('arch', arch);
  const text = q.toString();
  return getJson<T>(`/api/v1/structs/${encodeURIComponent(name)}/history${text ? `?${text}` : ''}`, signal);
};

const kref = (r: Ref) => `${r.arch}/${r.ver}`;
const placeText = (p: MemberPlace) =>
  p.state === 'present' ? `+${p.offset} · ${p.size} B · ${p.type}${p.bits ? ` :${p.bits}` : ''}` : p.state;

/** One bar per run, as wide as its kernels; hover tells the run. */
function Timeline({
  runs,
  label,
}: {
  runs: { first: Ref; last: Ref; count: number; text: string; absent: boolean }[];
  label: string;
}) {
  const total = runs.reduce((n, r) => n + r.count, 0) || 1;
  return (
    <ol class="timeline" aria-label={label}>
      {runs.map((r, i) => (
        <li
          key={`${kref(r.first)}-${i}`}
          class={`run run-${i % 6}${r.absent ? ' absent' : ''}`}
          style={{ flexGrow: r.count, flexBasis: `${(100 * r.count) / total}%` }}
          title={`${kref(r.first)} … ${kref(r.last)} (${r.count}): ${r.text}`}
        >
          <span class="mono">{r.text}</span>
          <small>
            {r.first.ver}
            {r.count > 1 ? ` … ${r.last.ver}` : ''} ({r.count})
          </small>
        </li>
      ))}
    </ol>
  );
}

function Renames({ items }: { items: MemberHistory['renames'] }) {
  if (items.length === 0) return <p class="muted">No likely renames.</p>;
  return (
    <ul class="renames">
      {items.map((r) => (
        <li key={`${r.from}-${r.after.ver}`}>
          likely renamed: <b class="mono">{r.from}</b> → <b class="mono">{r.to}</b> ({r.type}, +{r.offset},{' '}
          {r.size} B) between {r.before.ver} and {r.after.ver}
        </li>
      ))}
    </ul>
  );
}

function MemberView({ h }: { h: MemberAnswer }) {
  const runs = h.runs.map((r) => ({ ...r, text: placeText(r.layout), absent: r.layout.state !== 'present' }));
  return (
    <>
      <p class="muted" id="history-summary">
        {h.firstPresent
          ? `present from ${kref(h.firstPresent)} to ${kref(h.lastPresent!)}`
          : 'absent from every kernel'}{' '}
        · {h.kernels.length} kernels · {h.runs.length} layout{h.runs.length === 1 ? '' : 's'}
      </p>
      <Timeline runs={runs} label="member timeline" />
      <Renames items={h.renames} />
      <table class="history">
        <thead>
          <tr>
            <th>kernel</th>
            <th>release</th>
            <th class="num">offset</th>
            <th class="num">size</th>
            <th>type</th>
            <th class="num">run</th>
          </tr>
        </thead>
        <tbody>
          {h.kernels.map((k) => (
            <tr key={kref(k)} class={k.place.state === 'present' ? '' : 'absent'}>
              <td class="mono">
                <a href={href('/structs', { k: kref(k), s: h.struct, p: h.member })} data-spa="1">
                  {kref(k)}
                </a>
              </td>
              <td>{k.release}</td>
              <td class="num">{k.place.state === 'present' ? k.place.offset : ''}</td>
              <td class="num">{k.place.state === 'present' ? k.place.size : ''}</td>
              <td class="mono">{k.place.state === 'present' ? k.place.type : k.place.state}</td>
              <td class="num">{k.run + 1}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function StructView({ h }: { h: StructAnswer }) {
  const runs = h.runs.map((r) => {
    const l = r.layout >= 0 ? h.layouts[r.layout] : undefined;
    return {
      ...r,
      text: l ? `layout ${r.layout + 1}: ${l.size} B, ${l.cells.length} rows` : 'absent',
      absent: !l,
    };
  });
  return (
    <>
      <p class="muted" id="history-summary">
        {h.firstPresent ? `present from ${kref(h.firstPresent)} to ${kref(h.lastPresent!)}` : 'in no kernel'}{' '}
        · {h.kernels.length} kernels · {h.layouts.length} distinct layout{h.layouts.length === 1 ? '' : 's'}
      </p>
      <Timeline runs={runs} label="struct timeline" />
      <Renames items={h.renames} />
      <table class="history">
        <thead>
          <tr>
            <th>member</th>
            <th>first kernel</th>
            <th>last kernel</th>
            <th class="num">kernels</th>
          </tr>
        </thead>
        <tbody>
          {h.members.map((m) => (
            <tr key={m.name}>
              <td class="mono">
                <a href={href('/history', { s: h.struct, m: m.name })} data-spa="1">
                  {m.name}
                </a>
              </td>
              <td class="mono">{kref(m.first)}</td>
              <td class="mono">{kref(m.last)}</td>
              <td class="num">{m.kernels}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A struct's or member's layout across every kernel: timeline of runs, renames, and the per-kernel table. */
export function HistoryView({ params }: { params: URLSearchParams }) {
  const name = params.get('s') ?? '';
  const member = params.get('m') ?? '';
  const arch = params.get('a') ?? undefined;
  const typed = useDebounced(member, 300);
  const key = name ? `${name}|${typed}|${arch ?? ''}` : undefined;
  const h = useLoad<MemberAnswer | StructAnswer>(key, (signal) =>
    typed ? load<MemberAnswer>(name, typed, arch, signal) : load<StructAnswer>(name, undefined, arch, signal),
  );
  return (
    <section aria-label="history">
      <h1>
        History of <span class="mono">{name || '…'}</span>
      </h1>
      <div class="toolbar">
        <span class="field">
          <label for="hs">struct</label>
          <input id="hs" class="mono" value={name} onInput={(e) => setParams({ s: e.currentTarget.value })} />
        </span>
        <span class="field">
          <label for="hm">member path</label>
          <input
            id="hm"
            class="mono"
            placeholder="whole struct"
            value={member}
            onInput={(e) => setParams({ m: e.currentTarget.value || undefined })}
          />
        </span>
      </div>
      {!name && <p class="muted">Name a struct.</p>}
      {h.error && <p class="error">{h.error}</p>}
      {h.data &&
        !h.error &&
        // the answer's shape, not the typed path: an older answer may still show while the next loads
        ('member' in h.data ? <MemberView h={h.data} /> : <StructView h={h.data} />)}
    </section>
  );
}
