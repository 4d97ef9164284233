// A CO-RE program: its relocations (task_struct.comm, .pid) are resolved against the BTF libbpf is given.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";
int seen_pid;
char seen_comm[16];

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	seen_pid = BPF_CORE_READ(t, pid);
	BPF_CORE_READ_STR_INTO(&seen_comm, t, comm);
	return 0;
}
