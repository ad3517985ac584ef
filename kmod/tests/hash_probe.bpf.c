// SPDX-License-Identifier: GPL-2.0
/*
 * hash_probe: calls execban.ko's kfuncs from the two sleepable LSM hooks
 * execban hashes in, for tasks that named themselves "ebk-N" (see
 * hash_probe.h), and stores the results in slot N of `results`.
 *
 * Hooks:
 *   lsm.s/bprm_check_security  hashes bprm->file (the case KF_TRUSTED_ARGS on
 *                              6.1 would refuse)
 *   lsm.s/mmap_file            hashes the mapped file, which may be NULL,
 *                              a device, or not open for reading (a NULL
 *                              one is not passed where the kernel calls
 *                              it file__nullable: the loader sets
 *                              file_nullable)
 * Maps:
 *   results                    array of struct hp_result, HP_SLOTS entries
 * Both hooks pass on a denial from an earlier LSM and never deny anything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hash_probe.h"

extern int execban_file_sha256(struct file *file, u8 *digest, u32 digest__sz) __ksym;
extern u32 execban_kmod_abi_version(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HP_SLOTS);
	__type(key, u32);
	__type(value, struct hp_result);
} results SEC(".maps");

const volatile bool file_nullable = false;

/* The slot the current task asked for with its name "ebk-N", or -1. */
static __always_inline int current_slot(void)
{
	char comm[16];

	if (bpf_get_current_comm(comm, sizeof(comm)))
		return -1;
	if (comm[0] != 'e' || comm[1] != 'b' || comm[2] != 'k' || comm[3] != '-')
		return -1;
	if (comm[4] < '0' || comm[4] >= '0' + HP_SLOTS)
		return -1;
	return comm[4] - '0';
}

static __always_inline void hash_into_slot(struct file *file)
{
	struct hp_result *r;
	u32 key;
	u64 t0;
	int slot;

	slot = current_slot();
	if (slot < 0)
		return;
	key = slot;
	r = bpf_map_lookup_elem(&results, &key);
	if (!r)
		return;

	/* Reading a field keeps the full struct file in this program's BTF. */
	r->f_mode = file ? file->f_mode : 0;
	r->abi = execban_kmod_abi_version();
	if (file_nullable && !file) {
		r->ret = HP_NOT_CALLED;
		__builtin_memset(r->digest, 0, sizeof(r->digest));
		r->calls++;
		return;
	}
	t0 = bpf_ktime_get_ns();
	r->ret = execban_file_sha256(file, r->digest, sizeof(r->digest));
	r->ns = bpf_ktime_get_ns() - t0;
	r->calls++;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(hp_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	hash_into_slot(bprm->file);
	return 0;
}

SEC("lsm.s/mmap_file")
int BPF_PROG(hp_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	if (ret)
		return ret;
	hash_into_slot(file);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
