import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type KernelSummary, type MemberLocation } from './api';
import { useLoad } from './hooks';
import { KernelSelect } from './kernel-select';
import { LayoutGrid } from './layout-grid';
import {
  ancestorsOf,
  buildModel,
  type Group,
  groupKeys,
  type Item,
  type Leaf,
  type Model,
  visibleNodes,
} from './layout-model';
import { MemberPath } from './member-path';
import { MemberTable } from './member-table';
import { href, setParams } from './router';
import { StructSearch } from './struct-search';

const WIDTHS = [4, 8, 16, 32, 64];

function Detail({ kernel, model, params }: { kernel: string; model: Model; params: URLSearchParams }) {
  const path = params.get('p') ?? '';
  const w = Number(params.get('w') ?? 8);
  const bytesPerRow = WIDTHS.includes(w) ? w : 8;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [loc, setLoc] = useState<MemberLocation | undefined>();
  useEffect(() => setOpen(new Set()), [model]);
  useEffect(() => {
    if (loc) setOpen((o) => new Set([...o, ...ancestorsOf(loc.member)]));
  }, [loc]);

  const visible = useMemo(() => visibleNodes(model.roots, open), [model, open]);
  const toggle = (g: Group) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(g.key)) n.delete(g.key);
      else n.add(g.key);
      return n;
    });
  const pickLeaf = (l: Leaf) => setParams({ p: l.path });
  const pick = (it: Item) => {
    if (it.kind === 'group') toggle(it);
    else if (it.kind === 'leaf') pickLeaf(it);
  };
  const selection = loc ? { start: loc.offset * 8, end: (loc.offset + loc.size) * 8 } : undefined;
  const holes = model.gaps.filter((g) => g.kind === 'hole');
  const holeBytes = holes.reduce((n, g) => n + (g.end - g.start), 0) / 8;
  const padding = model.gaps.find((g) => g.kind === 'padding');

  return (
    <div class="detail">
      <header class="detail-head">
        <h2 class="mono" id="struct-title">
          {model.name}
        </h2>
        <p class="muted">
          {model.size} bytes · {model.leaves.length} member rows · {holes.length} hole
          {holes.length === 1 ? '' : 's'}
          {holes.length > 0 && ` (${holeBytes} bytes)`}
          {padding && ` · ${(padding.end - padding.start) / 8} bytes tail padding`} ·{' '}
          <a href={href('/diff', { s: model.name, a: kernel })} data-spa="1">
            compare with another kernel
          </a>{' '}
          ·{' '}
          <a href={href('/history', { s: model.name, m: path || undefined })} data-spa="1" id="history-link">
            history across kernels
          </a>
        </p>
      </header>
      <MemberPath
        kernel={kernel}
        struct={model.name}
        path={path}
        onPath={(p) => setParams({ p: p || undefined })}
        onLocated={setLoc}
      />
      <div class="toolbar">
        <span class="field">
          <label for="bpr">bytes per row</label>
          <select
            id="bpr"
            value={String(bytesPerRow)}
            onChange={(e) => setParams({ w: (e.currentTarget as HTMLSelectElement).value })}
          >
            {WIDTHS.map((x) => (
              <option key={x} value={String(x)}>
                {x}
              </option>
            ))}
          </select>
        </span>
        <button type="button" onClick={() => setOpen(new Set(groupKeys(model.roots)))}>
          expand all
        </button>
        <button type="button" onClick={() => setOpen(new Set())}>
          collapse all
        </button>
      </div>
      <LayoutGrid
        model={model}
        visible={visible}
        bytesPerRow={bytesPerRow}
        selection={selection}
        selectedKey={loc?.member}
        onPick={pick}
      />
      <MemberTable model={model} open={open} selectedKey={loc?.member} onToggle={toggle} onPick={pickLeaf} />
    </div>
  );
}

/** Struct search, the layout drawing and the member-path box. */
export function StructsView({ params, kernels }: { params: URLSearchParams; kernels: KernelSummary[] }) {
  const kernel = params.get('k') ?? undefined;
  const name = params.get('s') ?? undefined;
  const layout = useLoad(kernel && name ? `${kernel}|${name}` : undefined, (signal) =>
    api.struct(kernel!, name!, signal),
  );
  const model = useMemo(() => (layout.data ? buildModel(layout.data) : undefined), [layout.data]);

  return (
    <section class="two-col" aria-label="structs">
      <aside>
        <h1>Structs</h1>
        <KernelSelect
          id="k"
          label="kernel"
          kernels={kernels}
          value={kernel}
          onChange={(k) => setParams({ k }, false)}
        />
        <StructSearch
          kernel={kernel}
          query={params.get('q') ?? ''}
          selected={name}
          onQuery={(q) => setParams({ q: q || undefined })}
          onSelect={(s) => setParams({ s, p: undefined }, false)}
        />
      </aside>
      <div>
        {!name && <p class="muted">Pick a struct on the left.</p>}
        {layout.error && <p class="error">{layout.error}</p>}
        {kernel && model && !layout.error && model.name === name && (
          <Detail kernel={kernel} model={model} params={params} />
        )}
      </div>
    </section>
  );
}
