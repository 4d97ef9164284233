import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import { run } from './helpers/btf-tools.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** One member line of `pahole -C NAME`: type, name (with dims), offset and size from the comment. */
async function paholeMember(struct: string, member: string) {
  const out = (await run('pahole', ['-C', struct, VMLINUX])).stdout;
  const re = new RegExp(
    `^\\t(.+?)\\s*\\b${member}((?:\\[\\d*\\])*);\\s+/\\*\\s+(\\d+)\\s+(\\d+)\\s+\\*/`,
    'm',
  );
  const m = re.exec(out);
  if (!m) throw new Error(`pahole shows no member ${member} in ${struct}`);
  const type = m[1]!.replace(/\s+/g, ' ').replace(/ \*/g, ' *').trim();
  return { type, dims: m[2]!, offset: Number(m[3]), size: Number(m[4]) };
}

t.test(
  "this machine's vmlinux BTF",
  { skip: existsSync(VMLINUX) ? false : `${VMLINUX} is absent` },
  async (t) => {
    const raw = readFileSync(VMLINUX);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const btf = parseBtf(raw);
    const parsed = performance.now();
    const rows = rowsFromBtf(btf, { module: 'vm' });
    const done = performance.now();
    const members = rows.structs.reduce((n, s) => n + s.members.length, 0);
    t.comment(
      `vmlinux ${(raw.length / 1e6).toFixed(1)} MB, ${btf.types.length} types: parse ${(parsed - started).toFixed(0)} ms, ` +
        `rows ${(done - parsed).toFixed(0)} ms; ${rows.structs.length} structs, ${members} members, ` +
        `${rows.types.length} types, ${rows.funcs.length} funcs; rss +${((process.memoryUsage().rss - rssBefore) / 1e6).toFixed(0)} MB`,
    );
    t.ok(done - started < 15_000, 'parse + rows within seconds');
    t.ok(rows.structs.length > 1000 && rows.funcs.length > 1000, 'a kernel-sized result');
    t.same(rows.types[0], { name: 'void *', alias: 'void *', bytes: 8 });

    const task = rows.structs.find((s) => s.name === 'struct task_struct');
    if (!task) throw new Error('no struct task_struct row');
    const row = (name: string) => task.members.find((m) => m.name === name);

    // Direct members of task_struct.
    for (const [name, dims] of [
      ['comm', '[16]'],
      ['pid', ''],
      ['real_parent', ''],
    ] as const) {
      const p = await paholeMember('task_struct', name);
      t.equal(p.dims, dims, `pahole dims of ${name}`);
      t.same(
        row(name + dims) && {
          type: row(name + dims)!.type,
          offset: row(name + dims)!.offset,
          bytes: row(name + dims)!.bytes,
        },
        { type: p.type, offset: p.offset, bytes: p.size },
        `task_struct.${name}${dims} agrees with pahole`,
      );
    }

    // se.run_node.rb_left: offsets add up through the embedded structs.
    const se = await paholeMember('task_struct', 'se');
    const runNode = await paholeMember('sched_entity', 'run_node');
    const rbLeft = await paholeMember('rb_node', 'rb_left');
    t.equal(se.type, 'struct sched_entity');
    t.equal(runNode.type, 'struct rb_node');
    t.same(
      row('se.run_node.rb_left'),
      {
        type: rbLeft.type,
        name: 'se.run_node.rb_left',
        offset: se.offset + runNode.offset + rbLeft.offset,
        bytes: 8,
        bits: '',
      },
      'se.run_node.rb_left agrees with pahole',
    );
  },
);
