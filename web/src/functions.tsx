import { useEffect, useState } from 'preact/hooks';
import { api, type KernelSummary } from './api';
import { useDebounced, useLoad } from './hooks';
import { KernelSelect } from './kernel-select';
import { Pager } from './pager';
import { setParams } from './router';

const PAGE = 50;
const CTYPE = /^[A-Za-z0-9_ *()[\],.{}&:<>=+-]{1,256}$/;
const NAME = /^[A-Za-z0-9_% ]{1,128}$/;

/** A text field whose value reaches the URL once typing pauses. */
function useField(value: string, param: string) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const typed = useDebounced(text.trim(), 250);
  useEffect(() => {
    if (typed !== value) setParams({ [param]: typed || undefined, o: undefined });
  }, [typed]);
  return [text, setText] as const;
}

/** Functions by name, return type or argument type, with their signature and source line. */
export function FunctionsView({ params, kernels }: { params: URLSearchParams; kernels: KernelSummary[] }) {
  const kernel = params.get('k') ?? undefined;
  const name = params.get('q') ?? '';
  const ret = params.get('ret') ?? '';
  const arg = params.get('arg') ?? '';
  const offset = Math.max(0, Number(params.get('o') ?? 0) || 0);
  const [nameText, setName] = useField(name, 'q');
  const [retText, setRet] = useField(ret, 'ret');
  const [argText, setArg] = useField(arg, 'arg');

  const bad = [
    name && !NAME.test(name) ? 'name: letters, digits, _ and % only' : '',
    ret && !CTYPE.test(ret) ? 'return type: not a C type' : '',
    arg && !CTYPE.test(arg) ? 'argument type: not a C type' : '',
  ].filter(Boolean);
  const res = useLoad(
    kernel && bad.length === 0 ? `${kernel}|${name}|${ret}|${arg}|${offset}` : undefined,
    (signal) =>
      api.functions(
        kernel!,
        {
          pattern: name ? (name.includes('%') ? name : `%${name}%`) : undefined,
          ret: ret || undefined,
          arg: arg || undefined,
          limit: PAGE,
          offset,
        },
        signal,
      ),
  );
  const items = res.data?.items ?? [];
  const input = (id: string, label: string, value: string, set: (v: string) => void, placeholder: string) => (
    <span class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        class="mono"
        value={value}
        placeholder={placeholder}
        spellcheck={false}
        autocomplete="off"
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      />
    </span>
  );

  return (
    <section aria-labelledby="fn-h">
      <h1 id="fn-h">Functions</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <KernelSelect
          id="k"
          label="kernel"
          kernels={kernels}
          value={kernel}
          onChange={(k) => setParams({ k }, false)}
        />
        {input('fn-name', 'name contains', nameText, setName, 'filp_open')}
        {input('fn-ret', 'returns', retText, setRet, 'struct file *')}
        {input('fn-arg', 'takes an argument', argText, setArg, 'struct sk_buff *')}
      </form>
      {bad.map((b) => (
        <p key={b} class="error">
          {b}
        </p>
      ))}
      {res.error && <p class="error">{res.error}</p>}
      {res.data && items.length === 0 && <p class="muted">no function matches</p>}
      {items.length > 0 && (
        <table class="grid-table functions">
          <thead>
            <tr>
              <th scope="col">signature</th>
              <th scope="col">declared in</th>
            </tr>
          </thead>
          <tbody>
            {items.map((f, i) => (
              <tr key={`${f.func}-${i}`}>
                <td class="mono sig">
                  <span class="type">{f.ret}</span> <strong>{f.func}</strong>(
                  {f.args.map((a, j) => (
                    <span key={j}>
                      {j > 0 && ', '}
                      <button
                        type="button"
                        class="link type"
                        title="functions taking this type"
                        onClick={() =>
                          setParams({ arg: a, q: undefined, ret: undefined, o: undefined }, false)
                        }
                      >
                        {a}
                      </button>
                    </span>
                  ))}
                  )
                </td>
                <td class="mono">{f.file ? `${f.file}:${f.line}` : <span class="muted">BTF only</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {res.data && (offset > 0 || res.data.more) && (
        <Pager offset={offset} size={PAGE} hasNext={res.data.more} />
      )}
    </section>
  );
}
