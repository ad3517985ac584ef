// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: the module image inside a compressed module file.
 *
 * finit_module(2) with MODULE_INIT_COMPRESSED_FILE (kmod 31 and later use it
 * when /sys/module/compression names their file's format) has the kernel read
 * the compressed file and decompress it itself (kernel/module/decompress.c).
 * Up to 6.12 the LSM hooks are shown the compressed file only
 * (security_kernel_read_file() before it is read, then
 * security_kernel_post_read_file() with its compressed bytes); what loads is
 * the image, which no hook sees. This decompresses the file as the kernel will,
 * so that the image is judged as an init_module(2) image is: by its SHA-256
 * and the signature appended to it.
 *
 * As the kernel's own decompressor: only the format the kernel was built to
 * decompress (CONFIG_MODULE_COMPRESS_XZ on Debian: xz_dec, XZ_DYNALLOC, no
 * dictionary bound), one stream, anything after it ignored. The image is
 * hashed as it comes out and not kept: only its last EXECBAN_MEM_CHUNK bytes
 * are, for its signature (the window an init_module image's is read in). The
 * file cannot change meanwhile: kernel_read_file() denies write access to it
 * before it calls the hook.
 */
#include <crypto/sha2.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xz.h>

#include "compat.h"
#include "execban.h"
#include "image.h"
#include "signer.h"
#include "source.h"

/* Bytes per read and per decoder output. */
#define EXECBAN_IMAGE_CHUNK	(64 * 1024)
/* The largest image judged: what kernel_read_file() reads at most (INT_MAX). */
#define EXECBAN_IMAGE_MAX	((u64)INT_MAX)

#if IS_ENABLED(CONFIG_MODULE_DECOMPRESS)
/* Where the decoder's output goes. */
struct image_sink {
	execban_sha256_ctx sha;
	u64 len;
	u8 *tail;		/* the last EXECBAN_MEM_CHUNK bytes */
	size_t tail_len;
};

static int __maybe_unused sink_put(struct image_sink *k, const u8 *p, size_t n)
{
	size_t drop;

	if (n > EXECBAN_IMAGE_MAX - k->len)
		return -EFBIG;
	sha256_update(&k->sha, p, n);
	k->len += n;
	if (n >= EXECBAN_MEM_CHUNK) {
		memcpy(k->tail, p + n - EXECBAN_MEM_CHUNK, EXECBAN_MEM_CHUNK);
		k->tail_len = EXECBAN_MEM_CHUNK;
		return 0;
	}
	if (k->tail_len + n > EXECBAN_MEM_CHUNK) {
		drop = k->tail_len + n - EXECBAN_MEM_CHUNK;
		memmove(k->tail, k->tail + drop, k->tail_len - drop);
		k->tail_len -= drop;
	}
	memcpy(k->tail + k->tail_len, p, n);
	k->tail_len += n;
	return 0;
}
#endif

#if IS_ENABLED(CONFIG_MODULE_DECOMPRESS) && IS_ENABLED(CONFIG_MODULE_COMPRESS_XZ)
static const u8 kernel_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

static int decompress(const struct execban_src *src, struct image_sink *k, u8 *in, u8 *out)
{
	struct xz_dec *xz = xz_dec_init(XZ_DYNALLOC, (u32)-1);	/* as the kernel */
	struct xz_buf b = { .in = in, .out = out, .out_size = EXECBAN_IMAGE_CHUNK };
	enum xz_ret ret = XZ_OK;
	loff_t pos = 0;
	ssize_t n;
	int err = 0;

	if (!xz)
		return -ENOMEM;
	do {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (b.in_pos == b.in_size) {
			/* at the end, no input: XZ_BUF_ERROR on the second call */
			n = execban_src_read(src, in, EXECBAN_IMAGE_CHUNK, pos);
			if (n < 0) {
				err = n;
				break;
			}
			pos += n;
			b.in_pos = 0;
			b.in_size = n;
		}
		b.out_pos = 0;
		ret = xz_dec_run(xz, &b);
		err = sink_put(k, out, b.out_pos);
	} while (!err && ret == XZ_OK);
	if (!err && ret != XZ_STREAM_END)
		err = ret == XZ_MEM_ERROR || ret == XZ_MEMLIMIT_ERROR ? -ENOMEM : -EBADMSG;
	xz_dec_end(xz);
	return err;
}
#elif IS_ENABLED(CONFIG_MODULE_DECOMPRESS)
/*
 * A kernel that decompresses gzip or zstd modules: not done here (Debian's
 * kernels use xz). Such a file is refused: its image cannot be judged.
 */
#if IS_ENABLED(CONFIG_MODULE_COMPRESS_ZSTD)
static const u8 kernel_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
#else
static const u8 kernel_magic[] = { 0x1f, 0x8b };
#endif

static int decompress(const struct execban_src *src, struct image_sink *k, u8 *in, u8 *out)
{
	return -EOPNOTSUPP;
}
#endif

/**
 * execban_image_read() - the module image inside a compressed module file
 * @src: the file finit_module(2) is given
 * @digest: SHA256_DIGEST_SIZE bytes, written when the result is positive
 * @s: the image's signer, written when the result is positive
 *
 * Context: process context, may sleep (reads the file, resolves a signer in
 * the system keyrings).
 * Return: the image's size when @src starts as a module compressed in the
 * format this kernel decompresses; 0 when it does not, or when the kernel
 * decompresses no modules (MODULE_INIT_COMPRESSED_FILE then fails: the file is
 * what would load, if anything); -EBADMSG for corrupt or truncated data (the
 * kernel refuses it too); -ENOEXEC for an empty image; -EFBIG for an image
 * above INT_MAX bytes; -EOPNOTSUPP for a format not decompressed here;
 * -ENOMEM; -EINTR; a read error.
 */
s64 execban_image_read(const struct execban_src *src, u8 *digest, struct execban_signer *s)
{
#if IS_ENABLED(CONFIG_MODULE_DECOMPRESS)
	struct image_sink k = { };
	u8 head[sizeof(kernel_magic)], *in, *out;
	ssize_t n;
	int err;

	n = execban_src_read(src, head, sizeof(head), 0);
	if (n < 0)
		return n;
	if (n < sizeof(head) || memcmp(head, kernel_magic, sizeof(head)))
		return 0;
	in = kvmalloc(EXECBAN_IMAGE_CHUNK, GFP_KERNEL);
	out = kvmalloc(EXECBAN_IMAGE_CHUNK, GFP_KERNEL);
	k.tail = kvmalloc(EXECBAN_MEM_CHUNK, GFP_KERNEL);
	err = in && out && k.tail ? 0 : -ENOMEM;
	if (!err) {
		sha256_init(&k.sha);
		err = decompress(src, &k, in, out);
	}
	if (!err && !k.len)
		err = -ENOEXEC;
	if (!err) {
		sha256_final(&k.sha, digest);
		execban_signer_read_image(k.tail, k.tail_len, k.len, s);
	}
	memzero_explicit(&k.sha, sizeof(k.sha));
	kvfree(k.tail);
	kvfree(out);
	kvfree(in);
	return err ? err : (s64)k.len;
#else
	return 0;
#endif
}
