import { useRef, useState } from 'preact/hooks';

/** A read-only field with a copy button (clipboard API, else select + execCommand). */
export function CopyBox({ id, label, value }: { id: string; label: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [done, setDone] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setDone('copied');
    } catch {
      input.current?.select();
      setDone(document.execCommand('copy') ? 'copied' : 'select and copy by hand');
    }
    setTimeout(() => setDone(''), 2000);
  };
  return (
    <div class="field wide copy">
      <label for={id}>{label}</label>
      <div class="row">
        <input
          id={id}
          ref={input}
          class="mono"
          readOnly
          value={value}
          onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span class="muted" role="status">
          {done}
        </span>
      </div>
    </div>
  );
}
