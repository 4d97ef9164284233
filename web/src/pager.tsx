import { setParams } from './router';

interface Props {
  /** The first item shown; it lives in the URL parameter `o`. */
  offset: number;
  /** Items a page. */
  size: number;
  hasNext: boolean;
}

/** Previous / next buttons of a paged list; each step is a new history entry. */
export function Pager({ offset, size, hasNext }: Props) {
  return (
    <div class="pager">
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => setParams({ o: String(Math.max(0, offset - size)) }, false)}
      >
        ← previous
      </button>
      <button
        type="button"
        disabled={!hasNext}
        onClick={() => setParams({ o: String(offset + size) }, false)}
      >
        next →
      </button>
    </div>
  );
}
