// The bench object: 60+ CO-RE relocations over task_struct and mm_struct members
// that kernels from 4.x to 6.x have, in one tracepoint program.
typedef unsigned long long __u64;
typedef unsigned int __u32;
typedef unsigned short __u16;
typedef unsigned char __u8;
typedef long long __s64;
typedef int __s32;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
enum bpf_map_type { BPF_MAP_TYPE_UNSPEC };
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct mm_struct {
	unsigned long task_size, mmap_base, total_vm, locked_vm, hiwater_rss, data_vm, exec_vm, stack_vm;
	unsigned long start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;
	int map_count;
} __attribute__((preserve_access_index));

struct sched_entity {
	__u64 exec_start, sum_exec_runtime, vruntime, prev_sum_exec_runtime;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid, tgid, prio, static_prio, normal_prio, on_cpu, on_rq, wake_cpu, exit_state, exit_code,
		exit_signal, pdeath_signal, nr_cpus_allowed;
	unsigned int flags, policy, personality, ptrace;
	__u64 utime, stime, gtime, nvcsw, nivcsw, start_time, min_flt, maj_flt;
	char comm[16];
	struct sched_entity se;
	struct mm_struct *mm, *active_mm;
	struct task_struct *real_parent, *parent, *group_leader;
	void *stack, *cred, *real_cred, *files, *fs, *nsproxy, *signal, *sighand;
} __attribute__((preserve_access_index));

__u64 sink[128];

#define R(i, ...) sink[i] = (__u64)BPF_CORE_READ(__VA_ARGS__)

SEC("tracepoint/syscalls/sys_enter_getpid")
int many(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	R(0, t, pid); R(1, t, tgid); R(2, t, prio); R(3, t, static_prio); R(4, t, normal_prio);
	R(5, t, on_cpu); R(6, t, on_rq); R(7, t, wake_cpu); R(8, t, exit_state); R(9, t, exit_code);
	R(10, t, exit_signal); R(11, t, pdeath_signal); R(12, t, nr_cpus_allowed); R(13, t, flags);
	R(14, t, policy); R(15, t, personality); R(16, t, ptrace); R(17, t, utime); R(18, t, stime);
	R(19, t, gtime); R(20, t, nvcsw); R(21, t, nivcsw); R(22, t, start_time); R(23, t, min_flt);
	R(24, t, maj_flt); R(25, t, comm[0]); R(26, t, se.vruntime); R(27, t, se.sum_exec_runtime);
	R(28, t, se.exec_start); R(29, t, se.prev_sum_exec_runtime); R(30, t, stack); R(31, t, cred);
	R(32, t, real_cred); R(33, t, files); R(34, t, fs); R(35, t, nsproxy); R(36, t, signal);
	R(37, t, sighand); R(38, t, real_parent, pid); R(39, t, parent, tgid); R(40, t, group_leader, pid);
	R(41, t, active_mm, map_count);
	R(42, t, mm, task_size); R(43, t, mm, mmap_base); R(44, t, mm, total_vm); R(45, t, mm, locked_vm);
	R(46, t, mm, hiwater_rss); R(47, t, mm, data_vm); R(48, t, mm, exec_vm); R(49, t, mm, stack_vm);
	R(50, t, mm, start_code); R(51, t, mm, end_code); R(52, t, mm, start_data); R(53, t, mm, end_data);
	R(54, t, mm, start_brk); R(55, t, mm, brk); R(56, t, mm, start_stack); R(57, t, mm, arg_start);
	R(58, t, mm, arg_end); R(59, t, mm, env_start); R(60, t, mm, env_end);
	sink[61] = bpf_core_field_size(t->comm);
	sink[62] = bpf_core_type_size(struct task_struct);
	return 0;
}
