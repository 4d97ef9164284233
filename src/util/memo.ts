/**
 * Results of async work remembered by key, so that concurrent and later callers share one
 * run; a run that fails is forgotten, so the next call tries again.
 */
export class PromiseMemo<K, V> {
  private readonly runs = new Map<K, Promise<V>>();

  get(key: K, run: () => Promise<V>): Promise<V> {
    const known = this.runs.get(key);
    if (known) return known;
    const p = run();
    this.runs.set(key, p);
    p.catch(() => {
      if (this.runs.get(key) === p) this.runs.delete(key);
    });
    return p;
  }
}
