import { useEffect, useState } from 'preact/hooks';

/**
 * The bearer token this browser sends where the server asks for one (compiles
 * with SURFHIVE_COMPILE_AUTH=token; ingest and uploads from the API page).
 * Kept in this browser's localStorage only; one token shared by every view.
 */
const KEY = 'surfhive.token';
const listeners = new Set<(t: string) => void>();

export function readToken(): string {
  try {
    return window.localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

function writeToken(token: string): void {
  try {
    if (token) window.localStorage.setItem(KEY, token);
    else window.localStorage.removeItem(KEY);
  } catch {
    // private mode: the token lasts as long as the page
  }
  for (const l of listeners) l(token);
}

/** `{ authorization: 'Bearer …' }` when a token is kept, else nothing. */
export function authHeaders(): Record<string, string> {
  const t = readToken().trim();
  return t ? { authorization: `Bearer ${t}` } : {};
}

export function useToken(): [string, (t: string) => void] {
  const [token, setToken] = useState(readToken);
  useEffect(() => {
    listeners.add(setToken);
    return () => {
      listeners.delete(setToken);
    };
  }, []);
  return [token, writeToken];
}

/** The token field: a password input whose value is kept in this browser. */
export function TokenField({ id, hint }: { id: string; hint: string }) {
  const [token, setToken] = useToken();
  return (
    <span class="field token">
      <label for={id}>token</label>
      <input
        id={id}
        class="mono"
        type="password"
        value={token}
        placeholder={hint}
        spellcheck={false}
        autocomplete="off"
        onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value.trim())}
      />
    </span>
  );
}

/** Fetches `url` with the token and saves the answer as `name` (a plain link cannot send a token). */
export async function downloadWithToken(url: string, name: string): Promise<void> {
  const r = await fetch(url, { headers: authHeaders() });
  if (!r.ok) throw new Error(`download failed (HTTP ${r.status})`);
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
