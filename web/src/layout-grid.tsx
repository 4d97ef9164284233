import {
  assignLanes,
  bitsText,
  type GridRow,
  gridRows,
  hex,
  type Item,
  isGap,
  type Model,
  type Node,
  typeClass,
  visibleGaps,
} from './layout-model';

interface Props {
  model: Model;
  visible: Node[];
  bytesPerRow: number;
  /** Bits to outline (the member path's answer). */
  selection?: { start: number; end: number };
  selectedKey?: string;
  onPick: (item: Item) => void;
}

function itemName(item: Item): string {
  if (item.kind === 'hole') return 'hole';
  if (item.kind === 'padding') return 'padding';
  return item.key;
}

export function describe(item: Item): string {
  const where = `offset ${Math.floor(item.start / 8)} (${hex(Math.floor(item.start / 8))})`;
  if (isGap(item)) return `${item.kind}: ${bitsText(item.end - item.start)} at ${where}`;
  if (item.kind === 'group') return `${item.key} {…}: ${bitsText(item.end - item.start)} at ${where}`;
  const bits = item.bitfield ? `, bits ${item.bits}` : '';
  return `${item.key}: ${item.type}, ${item.size} byte${item.size === 1 ? '' : 's'} at ${where}${bits}`;
}

function Ruler({ bytesPerRow }: { bytesPerRow: number }) {
  const step = bytesPerRow <= 16 ? 1 : 8;
  const marks = [];
  for (let b = 0; b < bytesPerRow; b += step) {
    marks.push(
      <span key={b} style={{ left: `${(b / bytesPerRow) * 100}%`, width: `${(step / bytesPerRow) * 100}%` }}>
        +{b}
      </span>,
    );
  }
  return (
    <div class="lrow ruler" aria-hidden="true">
      <span class="off">offset</span>
      <div class="track">{marks}</div>
    </div>
  );
}

function Row({ row, props }: { row: GridRow; props: Props }) {
  const rowBits = props.bytesPerRow * 8;
  if (row.kind === 'fold') {
    return (
      <div class="lrow fold">
        <span class="off">{hex(row.from)}</span>
        <div class="track">
          ⋮ {hex(row.from)}–{hex(row.to - 1)} inside {itemName(row.item)} ({row.to - row.from} bytes folded)
        </div>
      </div>
    );
  }
  const sel = props.selection;
  const base = row.offset * 8;
  const selFrom = sel ? Math.max(sel.start, base) - base : 0;
  const selTo = sel ? Math.min(Math.max(sel.end, sel.start + 1), base + rowBits) - base : 0;
  const cacheline = row.offset % 64 === 0 && row.offset > 0 && props.bytesPerRow < 64;
  return (
    <div class={`lrow${cacheline ? ' cacheline' : ''}`} style={{ '--lanes': String(row.lanes) }}>
      <span class="off" title={`${row.offset} bytes`}>
        {hex(row.offset)}
      </span>
      <div class="track" style={{ '--cols': String(props.bytesPerRow) }}>
        {row.segments.map((s) => {
          const it = s.item;
          const key = 'key' in it ? it.key : '';
          const name = it.kind === 'leaf' || it.kind === 'group' ? it.label : it.kind;
          const width = s.to - s.from;
          return (
            <button
              type="button"
              tabIndex={-1}
              key={`${key}-${s.from}`}
              class={[
                'seg',
                typeClass(it),
                s.first ? 'first' : 'cont',
                s.last ? 'last' : '',
                width === 0 ? 'zero' : '',
                props.selectedKey && key === props.selectedKey ? 'picked' : '',
              ].join(' ')}
              style={{
                left: `${(s.from / rowBits) * 100}%`,
                width: `${(width / rowBits) * 100}%`,
                top: `calc(${s.lane} * var(--lane-h))`,
              }}
              title={describe(it)}
              data-key={key}
              onClick={() => props.onPick(it)}
            >
              {s.first ? (it.kind === 'group' ? `${name} {…}` : name) : `… ${name}`}
            </button>
          );
        })}
        {sel && selTo > selFrom && (
          <div
            class="sel"
            style={{
              left: `${(selFrom / rowBits) * 100}%`,
              width: `${((selTo - selFrom) / rowBits) * 100}%`,
            }}
          />
        )}
      </div>
    </div>
  );
}

/**
 * The byte map: one row per `bytesPerRow` bytes, each member a bar as wide as
 * its bytes (bitfields as wide as their bits), members sharing bytes in lanes
 * below each other, holes and padding hatched, long members folded.
 */
export function LayoutGrid(props: Props) {
  const gaps = visibleGaps(props.model, props.visible);
  const items: Item[] = [...props.visible, ...gaps];
  const lanes = assignLanes(props.visible);
  const rows = gridRows(items, lanes, props.model.size, props.bytesPerRow);
  return (
    <figure class="layout" aria-label={`byte layout of ${props.model.name}`}>
      <Ruler bytesPerRow={props.bytesPerRow} />
      {rows.map((r) => (
        <Row key={r.kind === 'row' ? `r${r.offset}` : `f${r.from}`} row={r} props={props} />
      ))}
      <figcaption class="legend">
        <span class="seg scalar">integer</span>
        <span class="seg pointer">pointer</span>
        <span class="seg array">array</span>
        <span class="seg funcptr">function pointer</span>
        <span class="seg bitfield">bitfield</span>
        <span class="seg nested">nested {'{…}'}</span>
        <span class="seg hole">hole</span>
        <span class="seg padding">padding</span>
      </figcaption>
    </figure>
  );
}
