/* Validation of an untrusted object's BTF before libbpf's relocation code walks it. */
#ifndef CORECHECK_BTF_CHECK_H
#define CORECHECK_BTF_CHECK_H
#include <bpf/btf.h>

/*
 * libbpf 1.1 trusts type references once a BTF is parsed: an out-of-range
 * id is read past the type table and a modifier/typedef/array cycle makes its
 * type walks spin. Returns 0 when every reference is in range and no such
 * cycle exists; otherwise -1 with a message in msg.
 */
int btf_check_untrusted(const struct btf *btf, char *msg, size_t msg_sz);

#endif
