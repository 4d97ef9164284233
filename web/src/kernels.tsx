import { useEffect, useState } from 'preact/hooks';
import { api, DOWNLOADS, type KernelSummary, kernelBase, kernelRef } from './api';
import { useDebounced, useLoad } from './hooks';
import { Pager } from './pager';
import { href, setParams } from './router';

const PAGE = 50;

function Counts({ kernel }: { kernel: KernelSummary }) {
  const ref = kernelRef(kernel);
  const has = kernel.artifacts.includes('db');
  const c = useLoad(has ? ref : undefined, (signal) => api.counts(ref, signal));
  if (!has)
    return (
      <td colSpan={2} class="muted">
        no database
      </td>
    );
  if (c.error)
    return (
      <td colSpan={2} class="muted">
        ?
      </td>
    );
  return (
    <>
      <td class="num">{c.data ? c.data.structs.toLocaleString('en') : '…'}</td>
      <td class="num">{c.data ? c.data.functions.toLocaleString('en') : '…'}</td>
    </>
  );
}

/** The kernels in the hive, filtered by arch, release and version prefix. */
export function KernelsView({ params }: { params: URLSearchParams }) {
  const arch = params.get('arch') ?? '';
  const release = params.get('release') ?? '';
  const ver = params.get('ver') ?? '';
  const offset = Math.max(0, Number(params.get('o') ?? 0) || 0);
  const [verText, setVerText] = useState(ver);
  const [releaseText, setReleaseText] = useState(release);
  const verQ = useDebounced(verText.trim(), 250);
  const releaseQ = useDebounced(releaseText.trim(), 250);
  useEffect(() => {
    if (verQ !== ver || releaseQ !== release) setParams({ ver: verQ, release: releaseQ, o: undefined });
  }, [verQ, releaseQ]);

  const valid =
    (!ver || /^[0-9A-Za-z._+~-]{1,128}$/.test(ver)) && (!release || /^[a-z][a-z0-9_-]{0,31}$/.test(release));
  const key = valid ? `${arch}|${release}|${ver}|${offset}` : undefined;
  const list = useLoad(key, (signal) =>
    api.kernels(
      {
        arch: arch || undefined,
        release: release || undefined,
        ver_prefix: ver || undefined,
        limit: PAGE,
        offset,
      },
      signal,
    ),
  );
  const page = list.data;

  return (
    <section aria-labelledby="kernels-h">
      <h1 id="kernels-h">Kernels</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <span class="field">
          <label for="f-arch">arch</label>
          <select
            id="f-arch"
            value={arch}
            onChange={(e) => setParams({ arch: (e.currentTarget as HTMLSelectElement).value, o: undefined })}
          >
            <option value="">any</option>
            <option value="x86_64">x86_64</option>
            <option value="aarch64">aarch64</option>
          </select>
        </span>
        <span class="field">
          <label for="f-release">release</label>
          <input
            id="f-release"
            value={releaseText}
            placeholder="debian, centos…"
            onInput={(e) => setReleaseText((e.currentTarget as HTMLInputElement).value)}
          />
        </span>
        <span class="field">
          <label for="f-ver">version starts with</label>
          <input
            id="f-ver"
            value={verText}
            placeholder="5.10"
            onInput={(e) => setVerText((e.currentTarget as HTMLInputElement).value)}
          />
        </span>
      </form>
      {!valid && <p class="error">A version holds letters, digits and . _ + ~ -; a release is lower case.</p>}
      {list.error && <p class="error">{list.error}</p>}
      {page && (
        <>
          <p class="muted" aria-live="polite">
            {page.total} kernel{page.total === 1 ? '' : 's'}
            {page.total > PAGE && ` · showing ${offset + 1}–${Math.min(offset + PAGE, page.total)}`}
          </p>
          <table class="grid-table kernels">
            <thead>
              <tr>
                <th scope="col">version</th>
                <th scope="col">arch</th>
                <th scope="col">release</th>
                <th scope="col" class="num">
                  structs
                </th>
                <th scope="col" class="num">
                  functions
                </th>
                <th scope="col">downloads</th>
                <th scope="col">explore</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((k) => {
                const ref = kernelRef(k);
                return (
                  <tr key={ref}>
                    <th scope="row" class="mono">
                      {k.ver}
                    </th>
                    <td>{k.arch}</td>
                    <td>{k.releases.join(', ')}</td>
                    <Counts kernel={k} />
                    <td>
                      <div class="links">
                        {k.artifacts.map((a) =>
                          DOWNLOADS[a] ? (
                            <a key={a} href={`${kernelBase(ref)}/${DOWNLOADS[a]!.path}`} download>
                              {DOWNLOADS[a]!.label}
                            </a>
                          ) : (
                            <span key={a} class="tag" title="kept in the hive, not offered for download">
                              {a}
                            </span>
                          ),
                        )}
                      </div>
                    </td>
                    <td>
                      <div class="links">
                        <a href={href('/structs', { k: ref })} data-spa="1">
                          structs
                        </a>
                        <a href={href('/functions', { k: ref })} data-spa="1">
                          functions
                        </a>
                        <a href={href('/compile', { k: ref })} data-spa="1">
                          compile
                        </a>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager offset={offset} size={PAGE} hasNext={offset + PAGE < page.total} />
        </>
      )}
    </section>
  );
}
