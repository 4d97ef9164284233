import { type FSWatcher, watch } from 'node:fs';

/**
 * Keeps one inotify watch per hive directory (not recursive) and calls
 * `onChange` when any of them sees a file come or go. Best effort: where
 * watching fails the registry's poll and on-miss checks still catch changes.
 */
export class DirWatchers {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(private readonly onChange: () => void) {}

  /** Watches exactly `dirs` (those that exist), dropping watches on directories no longer listed. */
  sync(dirs: Iterable<string>): void {
    const wanted = new Set(dirs);
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.onChange());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.onChange();
        });
        this.watchers.set(dir, w);
      } catch {
        // absent directory: noticed through its parent's watch or the poll
      }
    }
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
