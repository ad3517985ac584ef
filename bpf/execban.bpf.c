// SPDX-License-Identifier: GPL-2.0
/*
 * execban.bpf.c - refuse to run banned binaries.
 *
 * Hooks:
 *   lsm.s/bprm_check_security  exec: hash the file being executed (and, for #! scripts, on
 *                              the second call, the interpreter) and deny a banned digest.
 *   lsm.s/mmap_file            mapping a file executable (the dynamic loader run directly,
 *                              dlopen, LD_PRELOAD): deny a banned file. Mapped without
 *                              PROT_EXEC: cache its digest if it could be banned.
 *   lsm/file_mprotect          making a file mapping executable: cannot sleep, so decides
 *                              from the cached digest; uncached and possibly banned: denied.
 *   lsm.s/kernel_read_file     finit_module() and kexec of a banned file: denied.
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
	return check_access(&a, true);
}

#define PROT_EXEC	0x4
#define VM_EXEC		0x4

/*
 * Also called by the ELF loader for the binary and its interpreter after exec's point of no
 * return: those files were judged in bprm_check_security already (same cached digest, same
 * answer), so this never turns an allowed exec into a SIGSEGV.
 */
SEC("lsm.s/mmap_file")
int BPF_PROG(execban_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct access a = { .file = file, .action = EXECBAN_ACT_MMAP };

	if (ret)
		return ret;
	if (!file)
		return 0;
	if (!(prot & PROT_EXEC)) {
		prime_cache(file);
		return 0;
	}
	return check_access(&a, true);
}

SEC("lsm/file_mprotect")
int BPF_PROG(execban_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct access a = { .action = EXECBAN_ACT_MPROTECT };

	if (ret)
		return ret;
	if (!(prot & PROT_EXEC) || (vma->vm_flags & VM_EXEC))
		return 0;
	a.file = vma->vm_file;
	if (!a.file)
		return 0;	/* anonymous memory: no file to ban (see README) */
	return check_access(&a, false);
}

SEC("lsm.s/kernel_read_file")
int BPF_PROG(execban_kernel_read_file, struct file *file, enum kernel_read_file_id id,
	     bool contents, int ret)
{
	struct access a = { .file = file, .action = EXECBAN_ACT_MODULE };

	if (ret)
		return ret;
	if (id != READING_MODULE && id != READING_KEXEC_IMAGE)
		return 0;
	return check_access(&a, true);
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
