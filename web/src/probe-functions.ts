/**
 * Functions people reach for first when they trace a struct: the member-path
 * box suggests one of these (the first the kernel has, taking a pointer to the
 * struct) before any other function that happens to take one.
 */
export const COMMON_PROBES: Record<string, readonly string[]> = {
  'struct task_struct': ['wake_up_new_task', 'wake_up_process', 'finish_task_switch'],
  'struct file': ['vfs_read', 'vfs_write', 'security_file_open', 'filp_close'],
  'struct sock': ['tcp_v4_connect', 'tcp_sendmsg', 'tcp_close', 'udp_sendmsg', 'tcp_set_state'],
  'struct sk_buff': ['tcp_v4_rcv', '__netif_receive_skb', 'netif_receive_skb', 'consume_skb'],
  'struct socket': ['sock_sendmsg'],
  'struct msghdr': ['tcp_sendmsg', 'udp_sendmsg'],
  'struct mm_struct': ['mmput', 'exit_mmap'],
  'struct vm_area_struct': ['handle_mm_fault'],
  'struct inode': ['iput', 'security_inode_create'],
  'struct dentry': ['dput', 'd_instantiate'],
  'struct super_block': ['new_inode'],
  'struct open_how': ['do_sys_openat2'],
  'struct filename': ['do_filp_open'],
  'struct linux_binprm': ['bprm_execve'],
  'struct bio': ['submit_bio'],
  'struct request': ['blk_mq_start_request'],
  'struct pt_regs': ['exc_page_fault'],
};

/** Names a person would pick among many: no leading underscore or capitals, not a tracing helper. */
export const plainName = (name: string) =>
  /^[a-z][a-z0-9_]*$/.test(name) && !/^(trace_|perf_|bpf_|__bpf|btf_)/.test(name);
