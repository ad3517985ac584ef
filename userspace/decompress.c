// SPDX-License-Identifier: GPL-2.0
/*
 * decompress.c - the module image inside a compressed kernel module, decompressed with
 * Debian's libraries (liblzma, libzstd, zlib) as kmod does, hashed as it comes out, with a
 * bound on its size. decompress.h says what and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "decompress.h"

#define IN_CHUNK	(64 * 1024)
#define OUT_CHUNK	(128 * 1024)
/* The most memory a decoder may take (xz's dictionary, zstd's window): more is refused. */
#define XZ_MEMLIMIT	(256ULL << 20)
#define ZSTD_WINDOWLOG_MAX	27	/* 128 MiB, zstd's own default limit, said explicitly */

#define ELF_HEAD	18	/* e_ident (16 bytes) and e_type */
#define ET_REL		1

#define NOT_A_MODULE	1	/* sink_put: stop, the image is not an ELF relocatable object */

enum zformat zformat_sniff(const uint8_t *head, size_t n)
{
	if (n >= 6 && !memcmp(head, "\xfd" "7zXZ\0", 6))
		return ZFORMAT_XZ;
	if (n >= 4 && !memcmp(head, "\x28\xb5\x2f\xfd", 4))
		return ZFORMAT_ZSTD;
	if (n >= 3 && !memcmp(head, "\x1f\x8b\x08", 3))	/* gzip, deflate */
		return ZFORMAT_GZIP;
	return ZFORMAT_NONE;
}

const char *zformat_name(enum zformat f)
{
	switch (f) {
	case ZFORMAT_XZ: return "xz";
	case ZFORMAT_ZSTD: return "zstd";
	case ZFORMAT_GZIP: return "gzip";
	case ZFORMAT_NONE: break;
	}
	return "none";
}

/* "<n>[K|M|G]" in bytes; 0 if malformed or zero. */
static uint64_t parse_bytes(const char *s)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'K': case 'k': v = v > (~0ULL >> 10) ? 0 : v << 10; end++; break;
	case 'M': case 'm': v = v > (~0ULL >> 20) ? 0 : v << 20; end++; break;
	case 'G': case 'g': v = v > (~0ULL >> 30) ? 0 : v << 30; end++; break;
	}
	return *end ? 0 : v;
}

bool module_image_name(const char *name)
{
	static const char *const ext[] = { ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t n = strlen(name), i, e;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		e = strlen(ext[i]);
		if (n > e && !strcmp(name + n - e, ext[i]))
			return true;
	}
	return false;
}

uint64_t module_image_max(void)
{
	const char *s = getenv(MODULE_IMAGE_MAX_ENV);

	return s && *s ? parse_bytes(s) : MODULE_IMAGE_MAX_DEFAULT;
}

/* Where the decoders' output goes: the ELF test, the digest, the tail, the bound. */
struct sink {
	struct module_image *img;
	EVP_MD_CTX *md;
	uint64_t max;
	uint8_t head[ELF_HEAD];
	size_t head_len;
};

static bool elf_rel(const uint8_t *h)
{
	unsigned int type;

	if (memcmp(h, "\x7f" "ELF", 4) || (h[5] != 1 && h[5] != 2))
		return false;
	type = h[5] == 1 ? h[16] | (unsigned int)h[17] << 8 : h[17] | (unsigned int)h[16] << 8;
	return type == ET_REL;
}

static void size_text(uint64_t n, char *buf, size_t len)
{
	if (n && !(n & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(n >> 30));
	else if (n && !(n & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

/* 0 to go on, NOT_A_MODULE, or -EFBIG past the bound. */
static int sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	struct module_image *img = s->img;
	char max[32];
	size_t k;

	if (!n)
		return 0;
	if (n > s->max - img->size) {
		size_text(s->max, max, sizeof(max));
		snprintf(img->why, sizeof(img->why), "%s-compressed: it decompresses to more than "
			 "%s (%s): refused as a possible decompression bomb", zformat_name(img->format),
			 max, MODULE_IMAGE_MAX_ENV);
		return -EFBIG;
	}
	if (!img->elf_rel) {
		k = sizeof(s->head) - s->head_len < n ? sizeof(s->head) - s->head_len : n;
		memcpy(s->head + s->head_len, p, k);
		s->head_len += k;
		if (s->head_len == sizeof(s->head)) {
			if (!elf_rel(s->head))
				return NOT_A_MODULE;
			img->elf_rel = true;
		}
	}
	EVP_DigestUpdate(s->md, p, n);
	img->size += n;
	/* keep the last MODULE_IMAGE_TAIL bytes */
	if (n >= MODULE_IMAGE_TAIL) {
		memcpy(img->tail, p + n - MODULE_IMAGE_TAIL, MODULE_IMAGE_TAIL);
		img->tail_len = MODULE_IMAGE_TAIL;
	} else {
		if (img->tail_len + n > MODULE_IMAGE_TAIL) {
			k = img->tail_len + n - MODULE_IMAGE_TAIL;
			memmove(img->tail, img->tail + k, img->tail_len - k);
			img->tail_len -= k;
		}
		memcpy(img->tail + img->tail_len, p, n);
		img->tail_len += n;
	}
	return 0;
}

/* Up to len bytes at off; 0 at the end, or -errno (with why set). */
static ssize_t read_in(int fd, uint8_t *buf, size_t len, off_t off, struct module_image *img)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		snprintf(img->why, sizeof(img->why), "read: %s", strerror(errno));
	}
	return n;
}

static int corrupt(struct module_image *img, const char *what)
{
	snprintf(img->why, sizeof(img->why), "%s-compressed, cannot be decompressed: %s",
		 zformat_name(img->format), what);
	return -EBADMSG;
}

static int run_xz(int fd, struct sink *s, uint8_t *in, uint8_t *out)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;
	bool eof = false;
	off_t off = 0;
	ssize_t n;
	int ret;

	if (lzma_stream_decoder(&z, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK) {
		snprintf(s->img->why, sizeof(s->img->why), "xz: cannot start the decoder");
		return -ENOMEM;
	}
	for (;;) {
		if (!z.avail_in && !eof) {
			n = read_in(fd, in, IN_CHUNK, off, s->img);
			if (n < 0) {
				ret = (int)n;
				break;
			}
			eof = !n;
			off += n;
			z.next_in = in;
			z.avail_in = (size_t)n;
		}
		z.next_out = out;
		z.avail_out = OUT_CHUNK;
		r = lzma_code(&z, eof ? LZMA_FINISH : LZMA_RUN);
		ret = sink_put(s, out, OUT_CHUNK - z.avail_out);
		if (ret || r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		switch (r) {
		case LZMA_BUF_ERROR:
			ret = corrupt(s->img, "the data is truncated");
			break;
		case LZMA_MEMLIMIT_ERROR:
		case LZMA_MEM_ERROR:
			snprintf(s->img->why, sizeof(s->img->why), "xz-compressed, cannot be "
				 "decompressed: it needs more than %llu MiB of memory",
				 XZ_MEMLIMIT >> 20);
			ret = -ENOMEM;
			break;
		case LZMA_OPTIONS_ERROR:
			ret = corrupt(s->img, "unsupported xz options");
			break;
		default:	/* LZMA_DATA_ERROR, LZMA_FORMAT_ERROR */
			ret = corrupt(s->img, "the data is corrupt");
			break;
		}
		break;
	}
	lzma_end(&z);
	return ret;
}

static int run_zstd(int fd, struct sink *s, uint8_t *in, uint8_t *out)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { .src = in };
	ZSTD_outBuffer ob;
	size_t last = 1, r;
	off_t off = 0;
	ssize_t n;
	int ret = 0;
	char what[160];

	if (!d || ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
						      ZSTD_WINDOWLOG_MAX))) {
		ZSTD_freeDCtx(d);
		snprintf(s->img->why, sizeof(s->img->why), "zstd: cannot start the decoder");
		return -ENOMEM;
	}
	for (;;) {
		n = read_in(fd, in, IN_CHUNK, off, s->img);
		if (n < 0) {
			ret = (int)n;
			break;
		}
		if (!n) {
			if (last)	/* a frame is not finished */
				ret = corrupt(s->img, "the data is truncated");
			break;
		}
		off += n;
		ib.size = (size_t)n;
		ib.pos = 0;
		do {
			ob = (ZSTD_outBuffer){ .dst = out, .size = OUT_CHUNK };
			r = ZSTD_decompressStream(d, &ob, &ib);
			if (ZSTD_isError(r) &&
			    ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
				snprintf(s->img->why, sizeof(s->img->why), "zstd-compressed, cannot "
					 "be decompressed: its window is larger than %u MiB",
					 1U << (ZSTD_WINDOWLOG_MAX - 20));
				ret = -ENOMEM;
				break;
			}
			if (ZSTD_isError(r)) {
				snprintf(what, sizeof(what), "%s", ZSTD_getErrorName(r));
				ret = corrupt(s->img, what);
				break;
			}
			last = r;
			ret = sink_put(s, out, ob.pos);
		} while (!ret && (ib.pos < ib.size || ob.pos == ob.size));
		if (ret)
			break;
	}
	ZSTD_freeDCtx(d);
	return ret;
}

static int run_gzip(int fd, struct sink *s, uint8_t *in, uint8_t *out)
{
	z_stream z = { 0 };
	bool eof = false;
	off_t off = 0;
	ssize_t n;
	int r, ret = 0;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(s->img->why, sizeof(s->img->why), "gzip: cannot start the decoder");
		return -ENOMEM;
	}
	for (;;) {
		/* keep at least 2 bytes in: the magic of a next member */
		if (z.avail_in < 2 && !eof) {
			memmove(in, z.next_in ? z.next_in : in, z.avail_in);
			n = read_in(fd, in + z.avail_in, IN_CHUNK - z.avail_in, off, s->img);
			if (n < 0) {
				ret = (int)n;
				break;
			}
			eof = !n;
			off += n;
			z.next_in = in;
			z.avail_in += (uInt)n;
		}
		z.next_out = out;
		z.avail_out = OUT_CHUNK;
		r = inflate(&z, Z_NO_FLUSH);
		ret = sink_put(s, out, OUT_CHUNK - z.avail_out);
		if (ret)
			break;
		if (r == Z_STREAM_END) {
			if (z.avail_in < 2 && !eof)
				continue;	/* read on, then look again */
			/*
			 * Members follow one another (gzip a b > c); anything else after the last
			 * one is ignored, as zlib's gzread (kmod's reader) ignores it.
			 */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b &&
			    inflateReset(&z) == Z_OK)
				continue;
			break;
		}
		if (r == Z_OK)
			continue;
		if (r == Z_BUF_ERROR && !eof)
			continue;
		if (r == Z_MEM_ERROR) {
			snprintf(s->img->why, sizeof(s->img->why), "gzip: out of memory");
			ret = -ENOMEM;
		} else if (r == Z_BUF_ERROR) {
			ret = corrupt(s->img, "the data is truncated");
		} else {
			ret = corrupt(s->img, z.msg ? z.msg : "the data is corrupt");
		}
		break;
	}
	inflateEnd(&z);
	return ret;
}

int module_image_read(int fd, struct module_image *img)
{
	struct sink s = { .img = img };
	uint8_t magic[6], *in = NULL, *out = NULL;
	ssize_t n;
	int ret;

	memset(img, 0, sizeof(*img));
	n = read_in(fd, magic, sizeof(magic), 0, img);
	if (n < 0)
		return (int)n;
	img->format = zformat_sniff(magic, (size_t)n);
	if (img->format == ZFORMAT_NONE)
		return 0;
	s.max = module_image_max();
	if (!s.max) {
		snprintf(img->why, sizeof(img->why), "%s=%s: expected a number of bytes (with K, "
			 "M or G)", MODULE_IMAGE_MAX_ENV, getenv(MODULE_IMAGE_MAX_ENV));
		return -EINVAL;
	}
	in = malloc(IN_CHUNK);
	out = malloc(OUT_CHUNK);
	s.md = EVP_MD_CTX_new();
	if (!in || !out || !s.md || !EVP_DigestInit_ex(s.md, EVP_sha256(), NULL)) {
		snprintf(img->why, sizeof(img->why), "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	switch (img->format) {
	case ZFORMAT_XZ:
		ret = run_xz(fd, &s, in, out);
		break;
	case ZFORMAT_ZSTD:
		ret = run_zstd(fd, &s, in, out);
		break;
	default:
		ret = run_gzip(fd, &s, in, out);
		break;
	}
	if (ret == NOT_A_MODULE || (!ret && !img->elf_rel)) {
		ret = 0;	/* compressed, but not a module: the file is only itself */
	} else if (!ret) {
		EVP_DigestFinal_ex(s.md, img->sha256, NULL);
		ret = 1;
	}
out:
	EVP_MD_CTX_free(s.md);
	free(in);
	free(out);
	return ret;
}
