// Opens a BPF object with btf_custom_path (as tools do on kernels without /sys/kernel/btf) and loads it.
#include <stdio.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: %s OBJ BTF\n", argv[0]); return 2; }
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argv[2]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) { perror("open"); return 1; }
	int err = bpf_object__load(obj);
	if (err) { fprintf(stderr, "load failed: %d\n", err); return 1; }
	printf("loaded %s with BTF %s\n", argv[1], argv[2]);
	bpf_object__close(obj);
	return 0;
}
