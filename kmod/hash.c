// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: SHA-256 of a whole file with the kernel crypto API.
 *
 * One "sha256" shash transform is allocated at module init and shared by all
 * callers: an unkeyed shash tfm holds no per-request state (that lives in the
 * descriptor on each caller's stack), so concurrent hashing needs no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kmod.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "hash.h"
#include "source.h"

/* Bytes per kernel_read(); the buffer is allocated per call, not kept. */
#define EXECBAN_HASH_CHUNK	(64 * 1024)

static struct crypto_shash *execban_sha256_tfm;

/**
 * execban_hash_init() - allocate the SHA-256 transform
 *
 * sha256-generic is built into Debian's kernels (IMA needs it), so the crypto
 * API never loads the SSSE3/AVX2/SHA-NI driver on its own: ask for the module
 * first. Failing that (module missing, CPU without SSSE3) is not an error; the
 * driver in use is logged either way.
 *
 * Return: 0, or the -errno of crypto_alloc_shash().
 */
int execban_hash_init(void)
{
	struct crypto_shash *tfm;

	if (request_module("sha256_ssse3"))
		pr_debug("sha256_ssse3 not loaded, using what the crypto API has\n");

	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("cannot allocate a sha256 transform: %ld\n", PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	execban_sha256_tfm = tfm;
	pr_info("sha256 driver: %s\n", crypto_shash_driver_name(tfm));
	return 0;
}

/**
 * execban_hash_exit() - free the SHA-256 transform
 *
 * Only called once no BPF program can call into the module any more (a loaded
 * program that uses a kfunc holds a reference on the module).
 */
void execban_hash_exit(void)
{
	crypto_free_shash(execban_sha256_tfm);
	execban_sha256_tfm = NULL;
}

/**
 * execban_hash_src() - SHA-256 of a file's content, offset 0 to end of file
 * @src: a regular file open for reading, or a dentry's page cache (source.c)
 * @digest: SHA256_DIGEST_SIZE bytes, written only on success
 *
 * Reads at a local offset, so an open file's f_pos is neither used nor moved.
 * Reads go on until one returns 0 (end of file): a file that changes size
 * meanwhile is hashed as read, not cut at its size at the start. Through an
 * open file, kernel_read() goes through rw_verify_area(), so the read is
 * subject to security_file_permission() and fanotify permission events like
 * any other.
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOMEM; -EINTR if a fatal signal is pending between two chunks;
 * the -errno of a failed read or of the crypto API.
 */
int execban_hash_src(const struct execban_src *src, u8 *digest)
{
	SHASH_DESC_ON_STACK(desc, execban_sha256_tfm);
	loff_t pos = 0;
	ssize_t len;
	void *buf;
	int err;

	might_sleep();

	buf = kvmalloc(EXECBAN_HASH_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	desc->tfm = execban_sha256_tfm;
	err = crypto_shash_init(desc);
	if (err)
		goto out_free_buf;

	for (;;) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out_zero_desc;
		}
		len = execban_src_read(src, buf, EXECBAN_HASH_CHUNK, pos);
		if (len < 0) {
			err = len;
			goto out_zero_desc;
		}
		if (len == 0)
			break;
		pos += len;
		err = crypto_shash_update(desc, buf, len);
		if (err)
			goto out_zero_desc;
		cond_resched();
	}
	err = crypto_shash_final(desc, digest);

out_zero_desc:
	shash_desc_zero(desc);
out_free_buf:
	kvfree(buf);
	return err;
}

/**
 * execban_hash_page_cache() - SHA-256 of a file from its page cache alone
 * @inode: a regular file's inode (the real one, below an overlay)
 * @digest: SHA256_DIGEST_SIZE bytes, written only on success
 *
 * For hooks that cannot sleep (inode_link): no I/O, no allocation, no lock
 * but the page cache's RCU. A file just written, the usual thing to hard-link
 * into place, is there in full; one that is not is not read. Bounded by
 * EXECBAN_HASH_NOWAIT_MAX, as the caller cannot be preempted on every kernel.
 *
 * Context: any; does not sleep.
 * Return: 0; -EAGAIN if a page is not in the page cache or not up to date;
 * -EFBIG above EXECBAN_HASH_NOWAIT_MAX.
 */
int execban_hash_page_cache(struct inode *inode, u8 *digest)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t size = i_size_read(inode), pos;
	execban_sha256_ctx st;
	struct page *page;
	size_t n;
	void *p;

	if (size > EXECBAN_HASH_NOWAIT_MAX)
		return -EFBIG;
	sha256_init(&st);
	for (pos = 0; pos < size; pos += n) {
		page = find_get_page(mapping, pos >> PAGE_SHIFT);
		if (!page)
			return -EAGAIN;
		if (!PageUptodate(page)) {
			put_page(page);
			return -EAGAIN;
		}
		n = min_t(loff_t, PAGE_SIZE, size - pos);
		p = kmap_local_page(page);
		sha256_update(&st, p, n);
		kunmap_local(p);
		put_page(page);
	}
	sha256_final(&st, digest);
	return 0;
}
