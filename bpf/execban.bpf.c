// SPDX-License-Identifier: GPL-2.0
/*
 * execban.bpf.c - refuse to run banned binaries.
 *
 * Hooks:
 *   lsm.s/bprm_check_security  exec: hash the file being executed (and, for #! scripts, on
 *                              the second call, the interpreter) and deny a banned digest.
 *   lsm/file_open              drop the inode's cached digest when it is opened for writing.
 *   lsm/path_truncate          drop it on truncate(2) by path (no open involved).
 *
 * Maps: maps.bpf.h. Consistent policy reads: policy.bpf.h. The check itself: check.bpf.h.
 * Every hook first returns an earlier LSM's refusal unchanged.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "execban.h"
#include "maps.bpf.h"
#include "policy.bpf.h"
#include "check.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("lsm.s/bprm_check_security")
int BPF_PROG(execban_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct access a = {
		.file = bprm->file,
		.filename = bprm->filename,
		.action = EXECBAN_ACT_EXEC,
	};

	if (ret)
		return ret;
	return check_access(&a);
}

SEC("lsm/file_open")
int BPF_PROG(execban_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (file->f_mode & FMODE_WRITE)
		bpf_inode_storage_delete(&inode_cache, file->f_inode);
	return 0;
}

SEC("lsm/path_truncate")
int BPF_PROG(execban_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	bpf_inode_storage_delete(&inode_cache, path->dentry->d_inode);
	return 0;
}
