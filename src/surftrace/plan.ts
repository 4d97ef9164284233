import type { CompiledExpression } from './compile.js';

/** One tracefs operation; `file` is relative to the tracefs mount. */
export interface TraceOp {
  op: 'mkdir' | 'rmdir' | 'write' | 'append';
  file: string;
  value?: string;
}

export interface ExpressionPlan {
  /** Where the event appears inside the instance: `GROUP/p0` or `CATEGORY/EVENT`. */
  eventDir: string;
  /** The definition line actually written (probe group included); uprobes keep `{path}:{offset}`. */
  line: string | null;
  setup: TraceOp[];
  teardown: TraceOp[];
}

export interface TracePlan {
  instance: string;
  group: string;
  setup: TraceOp[];
  expressions: ExpressionPlan[];
  teardown: TraceOp[];
}

/** Names owned by one run: probes go in their own group, events in their own instance. */
export const runNames = (id: string) => ({ instance: `surfhive-${id}`, group: `surfhive_${id}` });

const probeFile = (c: CompiledExpression) =>
  c.type === 'uprobe' || c.type === 'uretprobe' ? 'uprobe_events' : 'kprobe_events';

/** Every tracefs write, in order, for these expressions. */
export function planTrace(compiled: CompiledExpression[], id: string, stack: boolean): TracePlan {
  const { instance, group } = runNames(id);
  const inst = `instances/${instance}`;
  const expressions = compiled.map((c): ExpressionPlan => {
    const isEvent = c.type === 'event';
    const eventDir = isEvent ? c.event : `${group}/${c.event}`;
    const events = `${inst}/events/${eventDir}`;
    const line = isEvent ? null : (c.definition as string).replace(/^([a-z]):/, `$1:${group}/`);
    const setup: TraceOp[] = [];
    if (line !== null) setup.push({ op: 'append', file: probeFile(c), value: line });
    if (c.filter !== '') setup.push({ op: 'write', file: `${events}/filter`, value: c.filter });
    setup.push({ op: 'write', file: `${events}/enable`, value: '1' });
    const teardown: TraceOp[] = [{ op: 'write', file: `${events}/enable`, value: '0' }];
    if (line !== null) teardown.push({ op: 'append', file: probeFile(c), value: `-:${eventDir}` });
    return { eventDir, line, setup, teardown };
  });
  const setup: TraceOp[] = [{ op: 'mkdir', file: inst }];
  if (stack) setup.push({ op: 'write', file: `${inst}/options/stacktrace`, value: '1' });
  return {
    instance,
    group,
    setup,
    expressions,
    teardown: [
      { op: 'write', file: `${inst}/tracing_on`, value: '0' },
      ...expressions.flatMap((e) => e.teardown),
      { op: 'rmdir', file: inst },
    ],
  };
}
