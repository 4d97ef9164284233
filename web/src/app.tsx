import { useEffect } from 'preact/hooks';
import { api, kernelRef } from './api';
import { CompileView } from './compile';
import { CoreView } from './core';
import { DiffView } from './diff';
import { DocsView } from './docs';
import { FunctionsView } from './functions';
import { HistoryView } from './history';
import { useLoad } from './hooks';
import { KernelsView } from './kernels';
import { href, navigate, setParams, useLocation } from './router';
import { StructsView } from './structs';

const VIEWS = [
  { path: '/kernels', label: 'Kernels' },
  { path: '/structs', label: 'Structs' },
  { path: '/diff', label: 'Diff' },
  { path: '/history', label: 'History' },
  { path: '/functions', label: 'Functions' },
  { path: '/compile', label: 'Compile' },
  { path: '/core', label: 'CO-RE' },
  { path: '/api/v1/docs', label: 'API' },
] as const;

/** Views that do not start on a kernel of their own. */
const NO_KERNEL: readonly string[] = ['/kernels', '/diff', '/core', '/history', '/api/v1/docs'];

export function App() {
  const loc = useLocation();
  const list = useLoad('all', (signal) => api.kernels({ limit: 500 }, signal));
  const kernels = list.data?.items ?? [];
  const asked = loc.path.length > 1 ? loc.path.replace(/\/+$/, '') : loc.path;
  const path = VIEWS.some((v) => v.path === asked) ? asked : '/kernels';
  const k = loc.params.get('k') ?? undefined;

  // a view that needs a kernel starts on the first one the hive has
  useEffect(() => {
    if (loc.path !== path) navigate(href(path, Object.fromEntries(loc.params.entries())), true);
    else if (!k && kernels[0] && !NO_KERNEL.includes(path)) setParams({ k: kernelRef(kernels[0]) });
  }, [loc.path, path, k, kernels.length]);

  useEffect(() => {
    const title = VIEWS.find((v) => v.path === path)?.label ?? '';
    document.title = `${title} · surfhive`;
  }, [path]);

  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="/kernels" data-spa="1">
          surfhive
        </a>
        <nav aria-label="views">
          {VIEWS.map((v) => (
            <a
              key={v.path}
              href={v.path === '/api/v1/docs' ? v.path : href(v.path, { k })}
              data-spa="1"
              aria-current={v.path === path ? 'page' : undefined}
            >
              {v.label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main">
        {list.error && <p class="error">Kernel list: {list.error}</p>}
        {path === '/kernels' && <KernelsView params={loc.params} />}
        {path === '/structs' && <StructsView params={loc.params} kernels={kernels} />}
        {path === '/diff' && <DiffView params={loc.params} kernels={kernels} />}
        {path === '/history' && <HistoryView params={loc.params} />}
        {path === '/functions' && <FunctionsView params={loc.params} kernels={kernels} />}
        {path === '/compile' && <CompileView params={loc.params} kernels={kernels} />}
        {path === '/core' && <CoreView params={loc.params} />}
        {path === '/api/v1/docs' && <DocsView params={loc.params} />}
      </main>
    </div>
  );
}
