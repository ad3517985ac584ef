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
 *   lsm.s/kernel_read_file     finit_module() and kexec of a banned file: denied; for a
 *                              compressed module (MODULE_INIT_COMPRESSED_FILE), also the
 *                              image the kernel will decompress from it (execban.ko). Also
 *                              execban.ko handing over a file whose last writer is closing
 *                              it: a banned one is reported as an "install", not refused.
 *   lsm/kernel_post_load_data  init_module() of a banned image (in memory only: what kmod
 *                              does for compressed modules): denied, through execban.ko.
 *   lsm.s/file_open            an interpreter named by the policy (bash, python3, ...) opening
 *                              a banned script to read it: denied. Opened for writing: move
 *                              the inode's write generation (its cached digest is stale from
 *                              then on), and have execban.ko watch for the last close of
 *                              files written on that filesystem.
 *   lsm/path_truncate          the same on truncate(2) by path (no open involved).
 *   lsm.s/inode_rename         installing: renaming a banned file into place (dpkg, rpm,
 *                              install(1), downloaders) is denied.
 *   lsm.s/inode_setattr        installing: adding an execute bit to a banned file is denied.
 *   lsm.s/inode_setxattr,      the same through a POSIX ACL (setfacl), on kernels before 6.2
 *   lsm/inode_set_acl          and after.
 *   lsm/inode_link             installing: a hard link to a banned file is denied (this hook
 *                              cannot sleep: decided from the digest cache, or by hashing
 *                              the page cache without I/O).
 *                              These three have a dentry and no file: execban.ko reads the
 *                              bytes from the page cache where it can (see kmod/source.c);
 *                              where it cannot, the file is judged when it is run.
 *   lsm/bprm_committed_creds   remember in task storage whether the new program is one of the
 *   lsm/task_alloc             policy's interpreters; children inherit it.
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
#include "module_image.bpf.h"
#include "lock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Exec of a marked interpreter: its task's entry in task_interp is made now, while the exec
 * can still be refused, so that a full map (1 << 20 tasks) refuses the exec (-ENOMEM) rather
 * than letting an unmarked interpreter run; bprm_committed_creds rewrites the entry, which
 * then cannot fail for room. If the exec fails later, the old program keeps a mark until its
 * next exec or its end: its reads are judged as an interpreter's, stricter, never looser.
 */
static __always_inline int reserve_interp_mark(struct file *file)
{
	__u64 key = (__u64)bpf_get_current_task_btf();
	struct execban_interp_mark *m;

	m = interp_mark_of(file->f_inode);
	if (!m || !mark_for_task(m))
		return 0;
	task_map_used(EXECBAN_TM_INTERP);
	if (bpf_map_update_elem(&task_interp, &key, m, BPF_ANY))
		return -12;	/* -ENOMEM */
	return 0;
}

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
	ret = check_access(&a, true);
	if (ret)
		return ret;
	return reserve_interp_mark(bprm->file);
}

#define PROT_EXEC	0x4
#define VM_EXEC		0x4

/*
 * A marked interpreter mapped executable by a process that exec'd something else: ld.so
 * running it ("/lib64/ld-linux-x86-64.so.2 /usr/bin/python3 script"), or any loader. The
 * process runs the interpreter's code from now on, so it gets the mark as if it had exec'd
 * it; its next exec decides again (bprm_committed_creds). No room for the mark: the mapping
 * is refused (-ENOMEM), never an unmarked interpreter.
 */
static __always_inline int mark_mapped_interpreter(struct file *file)
{
	__u64 key = (__u64)bpf_get_current_task_btf();
	struct execban_interp_mark *m, *old;

	m = interp_mark_of(file->f_inode);
	if (!m || !mark_for_task(m))
		return 0;
	old = bpf_map_lookup_elem(&task_interp, &key);
	if (old && old->gen[0] == m->gen[0] && old->gen[1] == m->gen[1])
		return 0;	/* the exec of the interpreter itself marked it already */
	task_map_used(EXECBAN_TM_INTERP);
	if (bpf_map_update_elem(&task_interp, &key, m, BPF_ANY))
		return -12;	/* -ENOMEM */
	return 0;
}

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
	ret = lock_mmap_check(file, prot, flags);
	if (ret)
		return ret;
	if (!(prot & PROT_EXEC)) {
		/*
		 * The ELF loader mapping the program it is running (mm->exe_file is bprm->file
		 * by then): its digest was cached by bprm_check_security. Priming is only ever
		 * an optimisation (an uncached file that could be banned is refused at
		 * mprotect), so a process that set its exe_file with prctl() gains nothing.
		 */
		if (BPF_CORE_READ((struct task_struct *)bpf_get_current_task_btf(),
				  mm, exe_file) == file)
			return 0;
		prime_cache(file);
		return 0;
	}
	ret = check_access(&a, true);
	if (ret)
		return ret;
	return mark_mapped_interpreter(file);
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
	ret = check_access(&a, false);
	if (ret)
		return ret;
	return mark_mapped_interpreter(vma->vm_file);
}

/*
 * Also how execban.ko hands over a file its last writer is closing (READING_POLICY, told
 * from any other such call by execban_install_probe()): an "install", reported, never
 * refused (a close cannot fail; the file is refused when it is run).
 */
SEC("lsm.s/kernel_read_file")
int BPF_PROG(execban_kernel_read_file, struct file *file, enum kernel_read_file_id id,
	     bool contents, int ret)
{
	struct access a = { .file = file, .action = EXECBAN_ACT_MODULE };
	struct access inst = { .file = file, .action = EXECBAN_ACT_INSTALL, .report_only = true };
	bool module;

	if (ret)
		return ret;
	if (id == READING_POLICY) {
		/*
		 * Hashed by execban.ko only, which reads the closing file through an open
		 * of its own (kmod/kfuncs.c, get_src()); IMA would read through the file
		 * __fput() is tearing down.
		 */
		if (!use_kmod_install || !use_kmod_hash || !execban_install_probe(file))
			return 0;
		stat_inc(EXECBAN_STAT_INSTALL_CHECKS);
		check_access(&inst, true);
		return 0;
	}
	module = id == READING_MODULE || reading_module_compressed(id);
	if (!module && id != READING_KEXEC_IMAGE)
		return 0;
	/*
	 * The file as it is (one call for modules and kexec images: each inlined copy of
	 * check_access() is verified on its own, and this program must fit in 6.1's 1M
	 * instructions), then for a module the image the kernel may decompress from it.
	 */
	ret = check_access(&a, true);
	if (ret || !module)
		return ret;
	return check_module_image(&a);
}

/*
 * init_module(2): the image is only in memory. buf is a plain address to BPF (a char *
 * argument): read through bpf_probe_read_kernel() into task scratch, then hashed.
 */
SEC("lsm/kernel_post_load_data")
int BPF_PROG(execban_kernel_post_load_data, char *buf, loff_t size, enum kernel_load_data_id id,
	     char *description, int ret)
{
	struct access a = {
		.by_mem = true,
		.mem_size = size,
		.filename = description,
		.action = EXECBAN_ACT_MODULE,
	};

	if (ret)
		return ret;
	if (id != LOADING_MODULE || size <= 0)
		return 0;
	return check_mem(&a, (__u64)buf);
}

#define FMODE_READ	0x1
#define FMODE_EXEC	0x20

/*
 * Is the current task running an interpreter? It is from the exec that gave it a mark
 * (mark_for_task()) to its next exec, across loads: one that changes the interpreter lines
 * does not free the interpreters already running.
 */
static __always_inline bool current_is_interpreter(void)
{
	__u64 key = (__u64)bpf_get_current_task_btf();

	if (!task_map_in_use(EXECBAN_TM_INTERP))
		return false;	/* no task has ever had a mark */
	return bpf_map_lookup_elem(&task_interp, &key) != NULL;
}

/*
 * Delete an entry that is usually not there: a lookup takes no lock, a delete takes the
 * bucket's, with interrupts off (and these run on every exec and every task's end).
 */
#define delete_if_there(map, key)					\
do {									\
	if (bpf_map_lookup_elem(&map, key))				\
		bpf_map_delete_elem(&map, key);				\
} while (0)

/* After exec: remember whether the new program is a marked interpreter. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(execban_bprm_committed_creds, struct linux_binprm *bprm)
{
	__u64 key = (__u64)bpf_get_current_task_btf();
	struct execban_interp_mark *m, *old;

	m = interp_mark_of(bprm->file->f_inode);
	if (!m || !mark_for_task(m)) {
		if (task_map_in_use(EXECBAN_TM_INTERP))
			delete_if_there(task_interp, &key);
		return 0;
	}
	/* Usually reserve_interp_mark() stored this very mark: an update would copy it again. */
	old = bpf_map_lookup_elem(&task_interp, &key);
	if (old && old->gen[0] == m->gen[0] && old->gen[1] == m->gen[1])
		return 0;
	task_map_used(EXECBAN_TM_INTERP);
	bpf_map_update_elem(&task_interp, &key, m, BPF_ANY);
	return 0;
}

/*
 * A task is gone: drop its scratch entries and interpreter mark, from the maps that have ever
 * held an entry (task_map_in_use(): four hash lookups per task otherwise).
 */
SEC("lsm/task_free")
int BPF_PROG(execban_task_free, struct task_struct *task)
{
	__u64 key = (__u64)task;
	__u32 tid = task->pid;

	if (task_map_in_use(EXECBAN_TM_SIGNER))
		delete_if_there(signer_scratch, &tid);
	if (task_map_in_use(EXECBAN_TM_MEM))
		delete_if_there(mem_scratch, &tid);
	if (task_map_in_use(EXECBAN_TM_INTERP))
		delete_if_there(task_interp, &key);
	if (task->pid == task->tgid && task_map_in_use(EXECBAN_TM_PROTECTED)) {
		tid = task->tgid;
		delete_if_there(protected_tasks, &tid);
	}
	return 0;
}

/* Children and threads run the same program: they inherit the mark. */
SEC("lsm/task_alloc")
int BPF_PROG(execban_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	__u64 key = (__u64)bpf_get_current_task_btf(), child = (__u64)task;
	struct execban_interp_mark *m;

	if (ret || !task_map_in_use(EXECBAN_TM_INTERP))
		return ret;
	m = bpf_map_lookup_elem(&task_interp, &key);
	/* No room for the child's mark: no child (an unmarked interpreter would be a bypass). */
	if (m && bpf_map_update_elem(&task_interp, &child, m, BPF_ANY))
		return -12;	/* -ENOMEM */
	return 0;
}

/*
 * The file may change from now on: move its write generation, so that no digest read before
 * (or while) this happens is used again (check.bpf.h, struct fill). Runs after the open took
 * write access (i_writecount), so a filler that missed this bump saw the writer.
 */
static __always_inline void cache_written(struct inode *inode)
{
	struct execban_inode_cache *c;

	c = bpf_inode_storage_get(&inode_cache, inode, 0, 0);
	if (c)
		__sync_fetch_and_add(&c->wgen, 1);
}

SEC("lsm.s/file_open")
int BPF_PROG(execban_file_open, struct file *file, int ret)
{
	struct access a = { .file = file, .action = EXECBAN_ACT_OPEN };

	if (ret)
		return ret;
	/*
	 * Every open for writing moves the write generation, whoever opens: before the tests
	 * for execban.ko's own opens below, which are read-only, because their marker
	 * FMODE_NONOTIFY is also on the real file 6.1's overlayfs opens for a write through
	 * the overlay, and on fanotify's event fds; a write through either would otherwise
	 * leave the digest cached for the old bytes.
	 */
	if (file->f_mode & FMODE_WRITE) {
		cache_written(file->f_inode);
		/* Its last close is reported if the file is banned then (execban.ko). */
		if (use_kmod_install)
			execban_install_watch_file(file);
		return 0;
	}
	/* Exec's own open is judged in bprm_check_security (first: it is on every exec). */
	if (file->f_mode & FMODE_EXEC)
		return 0;
	/*
	 * execban.ko's own second open of a file whose open is in progress (kmod/kfuncs.c):
	 * EXECBAN_KMOD_OPEN_FLAG, and FMODE_NONOTIFY from modules of older releases (7.2 has
	 * no way for a module to set it).
	 */
	if (file->f_flags & EXECBAN_KMOD_OPEN_FLAG)
		return 0;
	if (use_kmod_signer && (file->f_mode & execban_kmod_open_marker()))
		return 0;
	/* Other readers are not ours. */
	if (!(file->f_mode & FMODE_READ))
		return 0;
	if (!current_is_interpreter())
		return 0;
	return check_access(&a, true);
}

struct mnt_idmap;	/* 6.3+; vmlinux.h is from 6.1 */

#define ATTR_MODE	(1 << 0)
#define S_IXUGO		00111

/*
 * rename(2): the file being renamed is judged. For RENAME_EXCHANGE the kernel calls the hook
 * twice, the second time with the two files swapped: both are judged.
 */
SEC("lsm.s/inode_rename")
int BPF_PROG(execban_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	struct access a = {
		.dentry = old_dentry,
		.by_dentry = true,
		.filename = (const char *)new_dentry->d_name.name,
		.action = EXECBAN_ACT_RENAME,
	};
	struct execban_interp_mark *q;

	if (ret)
		return ret;
	/* Lock mode: nothing moves into, out of or within the pin folder. */
	ret = pin_guard(old_dir, old_dentry->d_inode, "rename a pin", old_dentry->d_name.name);
	if (!ret)
		ret = pin_guard(new_dir, NULL, "rename onto a pin", new_dentry->d_name.name);
	if (ret)
		return ret;
	/* Into a quarantine folder of the active policy: allowed, and audited if banned. */
	q = bpf_inode_storage_get(&quarantine_dirs, new_dir, 0, 0);
	if (q)
		a.quarantine = mark_active(q);
	return check_access(&a, true);
}

/* chmod/fchmod/setattr adding an execute bit the file does not have yet. */
static __always_inline int setattr_check(struct dentry *dentry, struct iattr *attr)
{
	struct access a = { .dentry = dentry, .by_dentry = true, .action = EXECBAN_ACT_CHMOD };
	struct inode *inode = dentry->d_inode;

	if (!(attr->ia_valid & ATTR_MODE))
		return 0;
	if (!inode || !(attr->ia_mode & S_IXUGO & ~inode->i_mode))
		return 0;
	return check_access(&a, true);
}

/*
 * inode_setattr gained an idmap first argument in 6.3, and LSM hook arguments are not
 * relocated: one program per layout; the loader loads the one the kernel's BTF has and pins
 * it as link_execban_inode_setattr.
 */
SEC("lsm.s/inode_setattr")
int BPF_PROG(execban_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return setattr_check(dentry, attr);
}

SEC("lsm.s/inode_setattr")
int BPF_PROG(execban_inode_setattr_idmap, struct mnt_idmap *idmap, struct dentry *dentry,
	     struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return setattr_check(dentry, attr);
}

/*
 * A POSIX access ACL written to a file sets the permission bits of its mode too
 * (posix_acl_update_mode()), with no inode_setattr: setfacl -m u::rx makes a file
 * executable. Judged as a chmod when an entry grants execute and the file lacks an execute
 * bit. (cp, install and chmod from coreutils write the ACL of the mode they set, so a file
 * made 644 is written an ACL too: one without execute.)
 */
#define ACL_EXECUTE	0x01
#define ACL_ENTRIES_MAX	32	/* more: taken as granting execute */

static __always_inline bool acl_access_name(const char *name)
{
	static const char want[] = "system.posix_acl_access";
	char n[sizeof(want)];
	int i;

	if (bpf_probe_read_kernel_str(n, sizeof(n), name) != sizeof(n))
		return false;
#pragma unroll
	for (i = 0; i < sizeof(n); i++)
		if (n[i] != want[i])
			return false;
	return true;
}

static __always_inline int acl_check(struct dentry *dentry, const bool can_hash)
{
	struct access a = { .dentry = dentry, .by_dentry = true, .action = EXECBAN_ACT_CHMOD };
	struct inode *inode = dentry->d_inode;

	if (!inode || (inode->i_mode & S_IXUGO) == S_IXUGO)
		return 0;
	return check_access(&a, can_hash);
}

/* The xattr form (struct posix_acl_xattr_header, then 8-byte entries): does one grant x? */
static __always_inline bool acl_xattr_exec(const void *value, size_t size)
{
	__u16 perm;
	__u32 i, n;

	if (!value || size < 4)
		return false;	/* not an ACL: the filesystem refuses it */
	n = (size - 4) / 8;
	if (n > ACL_ENTRIES_MAX)
		return true;
	for (i = 0; i < ACL_ENTRIES_MAX && i < n; i++)
		if (bpf_probe_read_kernel(&perm, sizeof(perm), value + 4 + 8 * i + 2) ||
		    (perm & ACL_EXECUTE))
			return true;
	return false;
}

static __always_inline bool acl_kacl_exec(struct posix_acl *kacl)
{
	__u32 i, n;

	if (!kacl)
		return false;	/* removing the ACL leaves the mode as it is */
	n = BPF_CORE_READ(kacl, a_count);
	if (n > ACL_ENTRIES_MAX)
		return true;
	for (i = 0; i < ACL_ENTRIES_MAX && i < n; i++)
		if (BPF_CORE_READ(kacl, a_entries[i].e_perm) & ACL_EXECUTE)
			return true;
	return false;
}

/*
 * ACLs reach the LSM as xattrs up to 6.2 (inode_setxattr), then through inode_set_acl,
 * which cannot sleep (decided as link(2) is, below). One pin, link_execban_inode_acl; the
 * loader loads the program of the hook the kernel has.
 */
SEC("lsm.s/inode_setxattr")
int execban_inode_acl(unsigned long long *ctx)
{
	/* (ns, dentry, name, value, size, flags), ret */
	struct dentry *dentry = (struct dentry *)ctx[1];
	const char *name = (const char *)ctx[2];
	int ret = (int)ctx[6];
	__u64 value = 0;

	/*
	 * 6.1's verifier lets a program read no argument of type const void *: the value's
	 * address is copied out of the context instead.
	 */
	bpf_probe_read_kernel(&value, sizeof(value), &ctx[3]);
	if (ret || !acl_access_name(name) || !acl_xattr_exec((const void *)value, ctx[4]))
		return ret;
	return acl_check(dentry, true);
}

SEC("lsm/inode_set_acl")
int BPF_PROG(execban_inode_acl_idmap, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *acl_name, struct posix_acl *kacl, int ret)
{
	if (ret || !acl_access_name(acl_name) || !acl_kacl_exec(kacl))
		return ret;
	return acl_check(dentry, false);
}

/*
 * link(2): cannot sleep. Decided from the cache, else from what the page cache holds
 * (execban.ko, without I/O): a file that could be banned and is not all there is refused.
 */
SEC("lsm/inode_link")
int BPF_PROG(execban_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	struct access a = {
		.dentry = old_dentry,
		.by_dentry = true,
		.filename = (const char *)new_dentry->d_name.name,
		.action = EXECBAN_ACT_LINK,
	};

	if (ret)
		return ret;
	return check_access(&a, false);
}

SEC("lsm/path_truncate")
int BPF_PROG(execban_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	cache_written(path->dentry->d_inode);
	return 0;
}
