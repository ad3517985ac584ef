/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decompress.h - the module image inside a compressed kernel module (.ko.xz, .ko.zst, .ko.gz).
 *
 * modprobe and insmod decompress such a file themselves and give the kernel the image with
 * init_module(2) (Debian 12's kmod 30 always does); a newer kmod may instead hand the file to
 * finit_module(2) with MODULE_INIT_COMPRESSED_FILE for the kernel to decompress. Either way
 * the module that loads is the image: its digest, and the signature appended to it, are what
 * a rule must name. execban hash, import --package and scan read it here, once.
 *
 * The format is recognised by its magic bytes (xz, zstd, gzip), never by the file's name, and
 * a file is a compressed module when what it decompresses to starts as an ELF relocatable
 * object (what init_module loads). A file that is not one is left alone after its first
 * bytes. The image is never held whole: it is hashed as it comes out of the decoder, and its
 * last EXECBAN_MEM_CHUNK bytes are kept for its signature, the window execban.ko reads an
 * init_module image's signature in.
 */
#ifndef EXECBAN_DECOMPRESS_H
#define EXECBAN_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "execban.h"

enum zformat {
	ZFORMAT_NONE = 0,
	ZFORMAT_XZ,
	ZFORMAT_ZSTD,
	ZFORMAT_GZIP,
};

/* Largest image decompressed by default: larger is refused as a decompression bomb. */
#define MODULE_IMAGE_MAX_DEFAULT	(512ULL << 20)
/* The environment variable that sets another bound, in bytes (K, M, G suffixes allowed). */
#define MODULE_IMAGE_MAX_ENV		"EXECBAN_IMAGE_MAX"
/* The image's last bytes kept for its appended signature (as execban.ko's window). */
#define MODULE_IMAGE_TAIL		EXECBAN_MEM_CHUNK

struct module_image {
	enum zformat format;
	bool elf_rel;				/* it starts as an ELF relocatable object */
	uint8_t sha256[EXECBAN_SHA256_LEN];	/* of the whole image */
	uint64_t size;				/* of the whole image */
	uint8_t tail[MODULE_IMAGE_TAIL];	/* its last tail_len bytes */
	size_t tail_len;
	char why[256];				/* on error: what failed, for people */
};

/* The compression that head (a file's first n bytes) announces, or ZFORMAT_NONE. */
enum zformat zformat_sniff(const uint8_t *head, size_t n);

/* "xz", "zstd", "gzip" (or "none"). */
const char *zformat_name(enum zformat f);

/* Does a file of this name say it is a compressed module (.ko.xz, .ko.zst, .ko.gz)? */
bool module_image_name(const char *name);

/* The bound on an image's size: $EXECBAN_IMAGE_MAX, else MODULE_IMAGE_MAX_DEFAULT. */
uint64_t module_image_max(void);

/*
 * Is the regular file open at fd a compressed kernel module? Then decompress it.
 * Returns 1 with *img filled in when it is; 0 when it is not (no xz, zstd or gzip magic, or
 * what it decompresses to does not start as an ELF relocatable object); or -errno with
 * img->why saying what failed: -EBADMSG corrupt or truncated data, -EFBIG an image larger
 * than module_image_max() (a decompression bomb), -ENOMEM (a decoder needing more memory than
 * allowed, too), or a read error. img->format is set whenever the magic was recognised, and
 * img->elf_rel once the image's first bytes were seen to be a module's: an error without it
 * is a compressed file that nothing would load as a module either (kmod and the kernel
 * decompress before they look).
 * Safe to call from several threads.
 */
int module_image_read(int fd, struct module_image *img);

#endif /* EXECBAN_DECOMPRESS_H */
