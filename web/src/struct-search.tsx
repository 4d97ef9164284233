import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { useDebounced, useLoad } from './hooks';

/** The characters a LIKE search may hold; `_` matches any one character, as in the API. */
const clean = (s: string) => s.replace(/[^A-Za-z0-9_ ]/g, '').slice(0, 120);

interface Props {
  kernel: string | undefined;
  query: string;
  selected: string | undefined;
  onQuery: (q: string) => void;
  onSelect: (name: string) => void;
}

/** Search as you type; arrows move through the answers, Enter opens one. */
export function StructSearch({ kernel, query, selected, onQuery, onSelect }: Props) {
  const [text, setText] = useState(query);
  const [active, setActive] = useState(0);
  const q = useDebounced(clean(text.trim()), 150);
  useEffect(() => {
    if (q !== query) onQuery(q);
    setActive(0);
  }, [q]);
  const res = useLoad(kernel ? `${kernel}|${q}` : undefined, (signal) =>
    api.structs(kernel!, q ? `%${q}%` : '%', 50, 0, signal),
  );
  const items = res.data?.items ?? [];

  // "/" anywhere outside a field jumps to the search box
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) {
        e.preventDefault();
        document.getElementById('struct-q')?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, items.length - 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
    else if (e.key === 'Enter' && items[active]) onSelect(items[active]!.name);
    else return;
    e.preventDefault();
  };

  return (
    <div class="search">
      <div class="field wide">
        <label for="struct-q">find a struct or union (press / to jump here)</label>
        <input
          id="struct-q"
          type="search"
          value={text}
          placeholder="task_struct"
          autocomplete="off"
          spellcheck={false}
          aria-controls="struct-results"
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={onKey}
        />
      </div>
      {text !== clean(text) && <p class="muted">Only letters, digits, _ and spaces are searched.</p>}
      {res.error && <p class="error">{res.error}</p>}
      <ul id="struct-results" aria-label="structs" class="results">
        {items.map((s, i) => (
          <li key={s.name} class={i === active ? 'active' : ''}>
            <button
              type="button"
              aria-current={s.name === selected ? 'true' : undefined}
              onClick={() => onSelect(s.name)}
              onMouseEnter={() => setActive(i)}
            >
              <span class="mono">{s.name}</span>
              <span class="muted" title={`${s.size} bytes, ${s.members} member rows`}>
                {s.size} B
              </span>
            </button>
          </li>
        ))}
      </ul>
      {res.data?.more && <p class="muted">more match: type more to narrow</p>}
      {res.data && items.length === 0 && <p class="muted">no struct matches</p>}
    </div>
  );
}
