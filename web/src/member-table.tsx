import {
  bitsText,
  type Gap,
  type Group,
  hex,
  type Leaf,
  type Model,
  type Node,
  visibleGaps,
  visibleNodes,
} from './layout-model';

interface Props {
  model: Model;
  open: ReadonlySet<string>;
  selectedKey?: string;
  onToggle: (g: Group) => void;
  onPick: (leaf: Leaf) => void;
}

type Line = { node: Node } | { gap: Gap };

function lines(nodes: Node[], open: ReadonlySet<string>, out: Line[] = []): Line[] {
  for (const n of nodes) {
    out.push({ node: n });
    if (n.kind === 'group' && open.has(n.key)) lines(n.children, open, out);
  }
  return out;
}

/** Gaps go before the first line that starts at or after their end. */
function withGaps(list: Line[], gaps: Gap[]): Line[] {
  const out = [...list];
  for (const g of gaps) {
    const at = out.findIndex((l) => 'node' in l && l.node.start >= g.end);
    if (at < 0) out.push({ gap: g });
    else out.splice(at, 0, { gap: g });
  }
  return out;
}

const offsetText = (bits: number) => {
  const bytes = Math.floor(bits / 8);
  return `${bytes} (${hex(bytes)})`;
};

/** The members as a table, like `ptype /o`: the keyboard's way through the layout. */
export function MemberTable({ model, open, selectedKey, onToggle, onPick }: Props) {
  const gaps = visibleGaps(model, visibleNodes(model.roots, open));
  const rows = withGaps(lines(model.roots, open), gaps);
  return (
    <table class="grid-table members">
      <thead>
        <tr>
          <th scope="col" class="num">
            offset
          </th>
          <th scope="col" class="num">
            size
          </th>
          <th scope="col">bits</th>
          <th scope="col">member</th>
          <th scope="col">type</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((l) => {
          if ('gap' in l) {
            const g = l.gap;
            return (
              <tr key={g.key} class={`gap ${g.kind}`}>
                <td class="num mono">{offsetText(g.start)}</td>
                <td class="num">{bitsText(g.end - g.start)}</td>
                <td />
                <td colSpan={2} class="muted">
                  {g.kind === 'hole' ? '— hole —' : '— padding —'}
                </td>
              </tr>
            );
          }
          const n = l.node;
          const indent = { paddingLeft: `${0.4 + n.depth * 1.2}em` };
          if (n.kind === 'group') {
            const isOpen = open.has(n.key);
            return (
              <tr key={`g:${n.key}`} class="group">
                <td class="num mono">{offsetText(n.start)}</td>
                <td class="num">{Math.ceil((n.end - n.start) / 8)}</td>
                <td />
                <td style={indent}>
                  <button type="button" class="link" aria-expanded={isOpen} onClick={() => onToggle(n)}>
                    {isOpen ? '▾' : '▸'} {n.label}
                  </button>
                </td>
                <td class="muted">nested {'{…}'}</td>
              </tr>
            );
          }
          return (
            <tr key={`m:${n.key}`} class={n.key === selectedKey ? 'picked' : ''}>
              <td class="num mono">{offsetText(n.offset * 8)}</td>
              <td class="num">{n.size}</td>
              <td class="mono">{n.bits}</td>
              <td style={indent}>
                <button type="button" class="link mono" onClick={() => onPick(n)} title={`show ${n.path}`}>
                  {n.label}
                </button>
              </td>
              <td class="mono type">{n.type}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
