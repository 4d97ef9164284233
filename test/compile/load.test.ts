import t from 'tap';
import { compileSharedObject } from '../../src/compile/compile-shared-object.js';
import { RUNNER } from '../helpers/tools.js';
import {
  cannotLoadBpf,
  drive,
  ensureTracefs,
  fixtureSource,
  HOST_ARCH,
  newJobDir,
  testKernel,
} from './lbc-env.js';

// End to end: build real .so files for THIS kernel and drive them through the ABI with ctypes, as pylcc does.
const why = cannotLoadBpf();
if (why) {
  t.plan(0, `BPF cannot be loaded here: ${why}`);
} else {
  const kernel = await testKernel(t);
  const build = async (name: string, env = '') =>
    (
      await compileSharedObject({
        runner: RUNNER,
        source: fixtureSource(name),
        env,
        kernVersion: kernel.release,
        arch: HOST_ARCH,
        vmlinuxH: kernel.vmlinuxH,
        jobDir: newJobDir(kernel.root, name),
      })
    ).sharedObject;

  t.test('hello: bpf_printk reaches trace_pipe', async (t) => {
    if (!(await ensureTracefs())) return t.plan(0, 'tracefs cannot be mounted');
    const r = await drive('hello', await build('hello'));
    t.match(r.line, new RegExp(`surfhive hello: exec by ${r.pid}$`), 'the exec of /bin/true was traced');
  });

  t.test('event_out: perf events delivered to the callback, decoded with the ffi', async (t) => {
    const r = await drive('event_out', await build('event_out'));
    t.equal(r.id, 0, 'exec_events has id 0');
    t.equal(r.set_rc, 0, 'lbc_set_event_cb');
    t.ok((r.loop_rc as number) >= 1, 'lbc_event_loop returned the events it delivered');
    const mine = r.mine as { comm: string; ppid: number; uid: number; size: number }[];
    t.ok(mine.length >= 1, 'an event for the exec of /bin/true');
    t.equal(mine[0]?.comm, 'true');
    t.equal(mine[0]?.ppid, r.self_pid, 'ppid read with CO-RE is the driver');
    t.equal(mine[0]?.uid, process.getuid?.(), 'uid of the exec');
    t.ok((mine[0]?.size ?? 0) >= 32, 'sample holds the whole struct');
  });

  t.test('hash_map: counts and histogram read through the map calls', async (t) => {
    const r = await drive('hash_map', await build('hash_map'));
    t.same(r.ids, [0, 1]);
    t.equal(r.lookup_rc, 0);
    t.equal(r.count, 1, 'one exec by that pid');
    t.equal(r.pid_in_keys, true, 'lbc_map_get_next_key walks to it');
    t.equal(r.hist_rc, 0);
    t.ok((r.hist0 as number) >= 1, 'histogram slot 0 counted');
    t.same(r.roundtrip, [0, 0, 42, 0, -2], 'update, lookup, delete, then ENOENT');
  });

  t.test('call_stack: stack ids resolve to kernel symbols with ksym_search', async (t) => {
    const r = await drive('call_stack', await build('call_stack'));
    t.ok((r.events as number) >= 1, 'fork events delivered');
    t.ok(
      (r.stack_ids as number[]).length >= 1,
      'a stack id for the fork of /bin/true, child pid from the tracepoint',
    );
    t.equal(r.lookup_rc, 0);
    const frames = r.frames as { name: string }[];
    t.ok(frames.length >= 2, 'several frames');
    t.equal(r.all_known, true, 'every frame resolved to a /proc/kallsyms symbol at or below its address');
    t.comment(`stack: ${frames.map((f) => f.name).join(' <- ')}`);
  });

  t.test('perf_event: both lbc_attach_perf_event signatures', async (t) => {
    const r = await drive('perf_event', await build('perf_probe'));
    t.equal(r.json_rc, 0, "pylcc's JSON attr form");
    t.equal(r.bad_json, -22, 'an unknown attr field is -EINVAL');
    t.ok((r.fd as number) >= 0, 'driver opened a perf event');
    t.equal(r.fd_rc, 0, "clcc's perf-fd form");
    t.equal(r.neg_fd_rc, -9, 'a negative fd is -EBADF');
    t.equal(r.lookup_rc, 0);
    t.ok((r.samples as number) > 0, 'the perf_event program ran');
  });

  t.test('errors come back as negative errno, never a crash', async (t) => {
    const r = await drive('errors', await build('hash_map'));
    t.ok((r.maps_id_before_init as number) < 0, 'map id before init');
    t.equal(r.double_init, -114, 'second init is -EALREADY');
    t.equal(r.unknown_map, -2);
    t.equal(r.bad_id_lookup, -2);
    t.equal(r.null_key, -22);
    t.equal(r.unknown_prog, -2);
    t.ok((r.xdp_bad_ifindex as number) < 0, 'xdp on a missing interface');
    t.ok((r.uprobe_missing as number) < 0, 'uprobe on a missing binary');
    t.equal(r.loop_without_cb, -22, 'event loop before a callback');
    t.ok((r.after_exit as number) < 0, 'nothing after exit');
  });
}
