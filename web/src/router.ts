import { useEffect, useState } from 'preact/hooks';

/** The UI keeps all of its state in the URL (path + query), so every view can be linked to. */
export interface Location {
  path: string;
  params: URLSearchParams;
}

const read = (): Location => ({
  path: window.location.pathname,
  params: new URLSearchParams(window.location.search),
});
const listeners = new Set<() => void>();

export function href(path: string, params: Record<string, string | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') s.set(k, v);
  const text = s.toString();
  return text ? `${path}?${text}` : path;
}

/** Goes to a URL of the UI; `replace` for state that changes as one types. */
export function navigate(url: string, replace = false): void {
  if (url === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const l of listeners) l();
}

/** Updates some query parameters of the current path (undefined or '' removes one). */
export function setParams(changes: Record<string, string | undefined>, replace = true): void {
  const { path, params } = read();
  const next: Record<string, string | undefined> = Object.fromEntries(params.entries());
  Object.assign(next, changes);
  navigate(href(path, next), replace);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

/** Same-origin link clicks become history navigation (new-tab clicks stay as they are). */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
    if (!a.dataset.spa) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
}
