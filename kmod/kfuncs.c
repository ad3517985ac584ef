// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: the kfuncs BPF LSM programs call.
 *
 * The set is registered once, for BPF_PROG_TYPE_LSM only: on 6.1 LSM and
 * tracing programs share one kfunc table, and a second registration WARNs,
 * fails with -EINVAL and drops the first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/version.h>

#include "compat.h"
#include "execban.h"
#include "execban_kmod.h"
#include "hash.h"
#include "image.h"
#include "install.h"
#include "kfuncs.h"
#include "signer.h"
#include "source.h"

static_assert(EXECBAN_SHA256_SIZE == SHA256_DIGEST_SIZE);

/*
 * 6.1's headers have neither annotation. There a kfunc only needs to stay an
 * out-of-line function, which external linkage and noinline ensure.
 */
#ifndef __bpf_kfunc
#define __bpf_kfunc noinline
#endif
#ifndef BTF_KFUNCS_START
#define BTF_KFUNCS_START(name) BTF_SET8_START(name)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

/*
 * KF_TRUSTED_ARGS changed meaning in 6.2. On 6.1 it demands a referenced
 * pointer and so refuses bprm->file, the very argument this kfunc is for. From
 * 6.2 it demands a pointer the verifier trusts (LSM hook arguments, and
 * bprm->file) and refuses ones loaded through arbitrary fields, which could be
 * stale. No header macro marks the change, hence the version test. 7.2 has
 * no KF_TRUSTED_ARGS: every kfunc's pointer arguments must be trusted.
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE && defined(KF_TRUSTED_ARGS)
#define EXECBAN_KF_FILE_ARG	KF_TRUSTED_ARGS
#else
#define EXECBAN_KF_FILE_ARG	0
#endif

/*
 * How the kfuncs read @file (source.c): through @file itself, or, when its
 * open is still in progress (lsm.s/file_open runs before ->open and before
 * FMODE_CAN_READ is set, so kernel_read() would fail with -EINVAL and some
 * filesystems have no private state yet), through a second open of the same
 * path with the opener's credentials. That open is marked in a way open(2)
 * cannot imitate (compat.h: EXECBAN_KMOD_OPEN_FLAG in f_flags, and
 * FMODE_NONOTIFY up to 6.12, which also keeps it from raising fanotify
 * events), and execban's own file_open program, which it runs through,
 * recognises and skips it (also through execban_kmod_open_marker(), for
 * programs of older releases). The same second open reads a file its last
 * writer is closing (install.c), always: it may have been opened write-only,
 * and its own struct file is no longer fit to read through (below). NULL,
 * non-regular files and other files not open for reading are refused. On 0,
 * release with put_src().
 */
static int get_src(struct file *file, struct execban_src *src)
{
	struct file *r = file;
	bool closing;

	if (!file || !S_ISREG(file_inode(file)->i_mode))
		return -EINVAL;
	closing = execban_install_probing(file);
	/* A writer closing its file (install.c) may not have opened it for reading. */
	if (!(file->f_mode & FMODE_READ) && !closing)
		return -EBADF;
	/*
	 * A file at its last close is never read through itself: __fput() may run
	 * from task work (fput()), which reuses f_rcuhead, and on 6.1
	 * f_iocb_flags shares a union with it (6.12 moved it out): a kiocb made
	 * from that file gets the task work's pointer as its flags. With
	 * IOCB_WAITQ among them, 6.1's filemap_read() locked a folio through a
	 * NULL ki_waitq (an exiting task closing a file it had written to xfs).
	 */
	if (!(file->f_mode & FMODE_CAN_READ) || closing) {
		r = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE | EXECBAN_REOPEN_FLAGS,
				file->f_cred);
		if (IS_ERR(r))
			return PTR_ERR(r);
	}
	execban_src_from_file(r, src);
	return 0;
}

static void put_src(struct file *file, struct execban_src *src)
{
	if (src->file != file)
		fput(src->file);
}

/**
 * execban_file_sha256() - SHA-256 of the whole content of an open file
 * @file: the file, e.g. bprm->file in lsm.s/bprm_check_security
 * @digest: buffer for the digest; the verifier checks it has @digest__sz bytes
 * @digest__sz: size of @digest, at least EXECBAN_SHA256_SIZE (32)
 *
 * Hashes @file from offset 0 to end of file without using or moving its file
 * position. If the file changes size meanwhile, the digest covers what the
 * reads returned up to end of file. A file being executed cannot be opened for
 * writing (deny_write_access()), so for bprm->file the digest is of what runs.
 * Only the first 32 bytes of @digest are written.
 *
 * On 6.1 the verifier accepts any struct file pointer here, so the arguments
 * are checked: NULL, non-regular files (which exec refuses anyway, and whose
 * reads could block or never end) and files not opened for reading are
 * refused.
 *
 * Context: sleepable BPF LSM programs (lsm.s/...) only: KF_SLEEPABLE.
 * Return: 0 with the digest in @digest. On error the first
 * min(@digest__sz, 32) bytes of @digest are zeroed and the result is
 * -EINVAL for a NULL or non-regular @file or a short @digest; -EBADF if @file
 * was not opened for reading; -EINTR if a fatal signal is pending; -ENOMEM;
 * the -errno of reopening a file whose open is in progress (lsm.s/file_open,
 * see get_src()); or the -errno of the failed read.
 */
__bpf_kfunc int execban_file_sha256(struct file *file, u8 *digest, u32 digest__sz)
{
	struct execban_src src;
	int err;

	if (!digest)
		return -EINVAL;

	err = digest__sz < EXECBAN_SHA256_SIZE ? -EINVAL : get_src(file, &src);
	if (!err) {
		err = execban_hash_src(&src, digest);
		put_src(file, &src);
	}

	if (err)
		memset(digest, 0, min_t(u32, digest__sz, EXECBAN_SHA256_SIZE));
	return err;
}

/**
 * execban_dentry_sha256() - SHA-256 of a file known by its dentry only
 * @dentry: e.g. old_dentry in lsm.s/inode_rename, dentry in lsm.s/inode_setattr
 * @digest: buffer for the digest
 * @digest__sz: size of @digest, at least 32
 *
 * For hooks that have no open file and no vfsmount: reads the real inode's
 * page cache (source.c), on filesystems where that needs no open file.
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: as execban_file_sha256(), and -EOPNOTSUPP on a filesystem that
 * cannot be read this way (9p, FUSE, NFS, ...). On error the digest is zeroed.
 */
__bpf_kfunc int execban_dentry_sha256(struct dentry *dentry, u8 *digest, u32 digest__sz)
{
	struct execban_src src;
	int err;

	if (!digest)
		return -EINVAL;
	err = digest__sz < EXECBAN_SHA256_SIZE ? -EINVAL :
	      execban_src_from_dentry(dentry, &src);
	if (!err)
		err = execban_hash_src(&src, digest);
	if (err)
		memset(digest, 0, min_t(u32, digest__sz, EXECBAN_SHA256_SIZE));
	return err;
}

/**
 * execban_dentry_sha256_nowait() - execban_dentry_sha256() where nothing may sleep
 * @dentry: e.g. old_dentry in lsm/inode_link
 * @digest: buffer for the digest
 * @digest__sz: size of @digest, at least 32
 *
 * Hashes the real inode's page cache as it is, reading nothing from disk
 * (hash.c: execban_hash_page_cache()), on any filesystem.
 *
 * Context: any BPF LSM program; does not sleep.
 * Return: 0; -EINVAL for a negative dentry, not a regular file or a short
 * @digest; -EAGAIN when part of the file is not in the page cache; -EFBIG
 * for a file above 64 MiB. On error the digest is zeroed.
 */
__bpf_kfunc int execban_dentry_sha256_nowait(struct dentry *dentry, u8 *digest, u32 digest__sz)
{
	struct inode *inode = NULL;
	int err = -EINVAL;

	if (!digest)
		return -EINVAL;
	if (digest__sz >= EXECBAN_SHA256_SIZE && dentry && !d_is_negative(dentry))
		inode = d_real_inode(dentry);
	if (inode && S_ISREG(inode->i_mode))
		err = execban_hash_page_cache(inode, digest);
	if (err)
		memset(digest, 0, min_t(u32, digest__sz, EXECBAN_SHA256_SIZE));
	return err;
}

/**
 * execban_file_signer() - who signed a file, as its signatures say
 * @file: the file, e.g. bprm->file
 * @out: a struct execban_signer (include/execban.h)
 * @out__sz: size of @out, at least sizeof(struct execban_signer)
 *
 * Reads the appended PKCS#7 signature (module-signature format) and the
 * security.ima signature, and fills @out with the signer identities they name
 * and the identity keys the policy is looked up by. Nothing is verified here.
 * A signature that is present but cannot be read is reported in
 * @out->modsig_err or @out->ima_err, not as the return value.
 *
 * Context: sleepable BPF LSM programs (lsm.s/...) only: KF_SLEEPABLE.
 * Return: 0 with @out filled; -EINVAL for a short @out, a NULL or non-regular
 * @file; -EBADF if @file is not open for reading; the -errno of reopening a
 * file whose open is in progress. On error @out (if long enough) is zeroed.
 */
__bpf_kfunc int execban_file_signer(struct file *file, u8 *out, u32 out__sz)
{
	struct execban_signer *s = (struct execban_signer *)out;
	struct execban_src src;
	int err;

	if (!out || out__sz < sizeof(*s))
		return -EINVAL;
	err = get_src(file, &src);
	if (!err) {
		execban_signer_read(&src, s);
		put_src(file, &src);
	}
	if (err)
		memset(s, 0, sizeof(*s));
	return err;
}

/**
 * execban_dentry_signer() - who signed a file known by its dentry only
 * @dentry: as for execban_dentry_sha256()
 * @out: a struct execban_signer
 * @out__sz: size of @out
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: as execban_file_signer(), and -EOPNOTSUPP as for
 * execban_dentry_sha256(). On error @out (if long enough) is zeroed.
 */
__bpf_kfunc int execban_dentry_signer(struct dentry *dentry, u8 *out, u32 out__sz)
{
	struct execban_signer *s = (struct execban_signer *)out;
	struct execban_src src;
	int err;

	if (!out || out__sz < sizeof(*s))
		return -EINVAL;
	err = execban_src_from_dentry(dentry, &src);
	if (err)
		memset(s, 0, sizeof(*s));
	else
		execban_signer_read(&src, s);
	return err;
}

/**
 * execban_dentry_verify_signer() - execban_file_verify_signer() for a dentry
 * @dentry: as for execban_dentry_sha256()
 * @kind: as for execban_file_verify_signer()
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: as execban_file_verify_signer(), and -EOPNOTSUPP as for
 * execban_dentry_sha256().
 */
__bpf_kfunc int execban_dentry_verify_signer(struct dentry *dentry, u32 kind)
{
	struct execban_src src;
	int err;

	err = execban_src_from_dentry(dentry, &src);
	return err ? err : execban_signer_verify(&src, kind);
}

/**
 * execban_file_verify_signer() - does the file's signature verify against one
 *	of the banned certificates execban load put in execban's keyring?
 * @file: the file
 * @kind: the enum execban_ident_kind that matched: which signature to verify
 *	(EXECBAN_IDENT_IMA_KEYID: security.ima; others: the appended PKCS#7)
 *
 * Reads the whole file: call it only once a signer rule matched.
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: 0 verified; -ENOKEY made by none of them; -EKEYREJECTED a signature
 * that does not match the content; -ENODATA no such signature; -EFBIG a file
 * too big to verify; -EOPNOTSUPP an IMA signature other than v2 over SHA-256;
 * another -errno.
 */
__bpf_kfunc int execban_file_verify_signer(struct file *file, u32 kind)
{
	struct execban_src src;
	int err;

	err = get_src(file, &src);
	if (err)
		return err;
	err = execban_signer_verify(&src, kind);
	put_src(file, &src);
	return err;
}

/**
 * execban_file_module_image() - the module image a compressed module file holds
 * @file: the file of lsm.s/kernel_read_file with READING_MODULE
 * @digest: buffer for the image's SHA-256
 * @digest__sz: size of @digest, at least 32
 * @out: a struct execban_signer: who signed the image
 * @out__sz: size of @out, at least sizeof(struct execban_signer)
 *
 * finit_module(2) with MODULE_INIT_COMPRESSED_FILE loads what the kernel
 * decompresses from @file after the hook, which no LSM hook is shown (up to
 * 6.12). This decompresses @file as the kernel will (image.c) and reads the
 * image's SHA-256 and its appended signature, a signer named by issuer and
 * serial resolved in the system keyrings as for a file.
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: the image's size when @file starts as a module compressed in the
 * format this kernel decompresses, with @digest and @out filled in; 0 when it
 * does not (then @file itself is what could load); -EINVAL for short buffers
 * or a NULL or non-regular @file; -EBADF; the other errors of
 * execban_image_read(). Unless positive, @digest and @out are zeroed.
 */
__bpf_kfunc s64 execban_file_module_image(struct file *file, u8 *digest, u32 digest__sz,
					  u8 *out, u32 out__sz)
{
	struct execban_signer *s = (struct execban_signer *)out;
	struct execban_src src;
	s64 ret;

	if (!digest || !out || digest__sz < EXECBAN_SHA256_SIZE || out__sz < sizeof(*s))
		return -EINVAL;
	ret = get_src(file, &src);
	if (!ret) {
		ret = execban_image_read(&src, digest, s);
		put_src(file, &src);
	}
	if (ret <= 0) {
		memset(digest, 0, EXECBAN_SHA256_SIZE);
		memset(s, 0, sizeof(*s));
	}
	return ret;
}

static_assert(sizeof(execban_sha256_ctx) <= EXECBAN_SHA256_STATE_LEN);

/**
 * execban_sha256_init() - start a SHA-256 over memory the program supplies
 * @state: EXECBAN_SHA256_STATE_LEN bytes of BPF memory, 8-byte aligned
 * @state__sz: size of @state
 *
 * With execban_sha256_update() and execban_sha256_final(): hashing what a BPF
 * program copied into its own memory (an init_module image), where there is
 * no file. Pure computation: callable where nothing may sleep.
 *
 * Context: any BPF LSM program.
 * Return: 0, or -EINVAL for a short @state.
 */
__bpf_kfunc int execban_sha256_init(u8 *state, u32 state__sz)
{
	if (state__sz < sizeof(execban_sha256_ctx))
		return -EINVAL;
	sha256_init((execban_sha256_ctx *)state);
	return 0;
}

/**
 * execban_sha256_update() - add bytes to a SHA-256 started by execban_sha256_init()
 * @state: as for execban_sha256_init()
 * @state__sz: size of @state
 * @data: the bytes
 * @data__sz: how many
 *
 * Context: any BPF LSM program.
 * Return: 0, or -EINVAL for a short @state.
 */
__bpf_kfunc int execban_sha256_update(u8 *state, u32 state__sz, const u8 *data, u32 data__sz)
{
	if (state__sz < sizeof(execban_sha256_ctx))
		return -EINVAL;
	sha256_update((execban_sha256_ctx *)state, data, data__sz);
	return 0;
}

/**
 * execban_sha256_final() - the digest of a SHA-256 from execban_sha256_init()
 * @state: as for execban_sha256_init(); wiped
 * @state__sz: size of @state
 * @digest: 32 bytes
 * @digest__sz: size of @digest
 *
 * Context: any BPF LSM program.
 * Return: 0, or -EINVAL for a short @state or @digest.
 */
__bpf_kfunc int execban_sha256_final(u8 *state, u32 state__sz, u8 *digest, u32 digest__sz)
{
	if (state__sz < sizeof(execban_sha256_ctx) || digest__sz < EXECBAN_SHA256_SIZE)
		return -EINVAL;
	sha256_final((execban_sha256_ctx *)state, digest);
	return 0;
}

/**
 * execban_mem_signer() - who signed a file held in memory (an init_module image)
 * @tail: the file's last @tail__sz bytes, copied by the program
 * @tail__sz: their number; the signature and its trailer must be within them
 * @file_len: the whole file's length
 * @out: a struct execban_signer
 * @out__sz: size of @out
 *
 * As execban_file_signer(), from memory, without allocating or sleeping: a
 * signer named by issuer and serial is not resolved to its key id, and there
 * is no security.ima. A signature that starts before @tail is reported as
 * @out->modsig_err -EMSGSIZE.
 *
 * Context: any BPF LSM program.
 * Return: 0, or -EINVAL for a short @out.
 */
__bpf_kfunc int execban_mem_signer(const u8 *tail, u32 tail__sz, u64 file_len, u8 *out,
				   u32 out__sz)
{
	if (out__sz < sizeof(struct execban_signer))
		return -EINVAL;
	execban_signer_read_mem(tail, tail__sz, file_len, (struct execban_signer *)out);
	return 0;
}

/**
 * execban_install_probe() - is @file handed over at its last writer's close?
 * @file: the file of an lsm.s/kernel_read_file call with READING_POLICY
 *
 * The module reports closes of written files by calling
 * security_kernel_read_file(file, READING_POLICY, true) (install.c); this
 * tells such a call from any other. The kfuncs read such a file even if it
 * was opened write-only.
 *
 * Context: any BPF LSM program.
 * Return: 1 if it is, else 0.
 */
__bpf_kfunc int execban_install_probe(struct file *file)
{
	return file && execban_install_probing(file);
}

/**
 * execban_install_watch_file() - report the last close of files written on
 *	@file's filesystem
 * @file: a file being opened for writing (lsm.s/file_open)
 *
 * Adds the module's close-of-write watch on @file's superblock if it has none
 * yet (one lockless lookup when it has).
 *
 * Context: sleepable BPF LSM programs only: KF_SLEEPABLE.
 * Return: 0, -EINVAL for a NULL @file, -ENOMEM, or another -errno of adding
 * the watch.
 */
__bpf_kfunc int execban_install_watch_file(struct file *file)
{
	if (!file)
		return -EINVAL;
	return execban_install_watch(file_inode(file)->i_sb);
}

/**
 * execban_kmod_open_marker() - the f_mode bit of the module's own opens
 *
 * FMODE_NONOTIFY, whose value differs between kernel releases: a file_open
 * program skips files with this bit, which the kfuncs' second opens carry
 * and open(2) cannot set.
 *
 * Context: any BPF LSM program.
 * Return: FMODE_NONOTIFY of the running kernel.
 */
__bpf_kfunc u32 execban_kmod_open_marker(void)
{
	return (__force u32)FMODE_NONOTIFY;
}

/**
 * execban_kmod_abi_version() - the kfunc ABI this module implements
 *
 * A loader compares this with the EXECBAN_KMOD_ABI it was built with before it
 * loads programs that call the module's other kfuncs.
 *
 * Context: any BPF LSM program.
 * Return: EXECBAN_KMOD_ABI.
 */
__bpf_kfunc u32 execban_kmod_abi_version(void)
{
	return EXECBAN_KMOD_ABI;
}

BTF_KFUNCS_START(execban_kfunc_ids)
BTF_ID_FLAGS(func, execban_file_sha256, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_file_signer, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_file_verify_signer, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_dentry_sha256, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_dentry_signer, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_dentry_verify_signer, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_sha256_init)
BTF_ID_FLAGS(func, execban_sha256_update)
BTF_ID_FLAGS(func, execban_sha256_final)
BTF_ID_FLAGS(func, execban_mem_signer)
BTF_ID_FLAGS(func, execban_file_module_image, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_dentry_sha256_nowait, EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_install_probe, EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_install_watch_file, KF_SLEEPABLE | EXECBAN_KF_FILE_ARG)
BTF_ID_FLAGS(func, execban_kmod_open_marker)
BTF_ID_FLAGS(func, execban_kmod_abi_version)
BTF_KFUNCS_END(execban_kfunc_ids)

static const struct btf_kfunc_id_set execban_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &execban_kfunc_ids,
};

/**
 * execban_kfuncs_register() - make the kfuncs callable from BPF LSM programs
 *
 * There is no unregistration: the kfuncs go away with the module's BTF, and a
 * loaded program that uses one keeps the module from being removed.
 *
 * Return: 0 or the -errno of register_btf_kfunc_id_set(). Beware that 6.1
 * returns 0 when the module has no usable BTF (it only logs "missing module
 * BTF"): a loader must check that the kfuncs are really there.
 */
int execban_kfuncs_register(void)
{
	int err;

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM, &execban_kfunc_set);
	if (err)
		pr_err("cannot register kfuncs for BPF LSM programs: %d\n", err);
	return err;
}
