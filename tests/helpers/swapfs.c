// SPDX-License-Identifier: GPL-2.0
/*
 * swapfs - a FUSE filesystem that lies, for the adversarial tests (tests/guest/adversarial.sh).
 *
 *   swapfs [--direct-io] [--swap-opens N] FIRST THEN OTHER MOUNTPOINT [FUSE OPTIONS]
 *
 * Serves "prog", whose attributes never change (FIRST's size, a fixed mtime and ctime, one
 * inode number), and whose bytes are FIRST's, then THEN's (which must have the same size):
 *   default        the first N opens (--swap-opens, default 1) read FIRST, every later
 *                  open reads THEN: content swapped between opens, attributes constant;
 *   --direct-io    every open is FOPEN_DIRECT_IO (no page cache: each read comes here);
 *                  reads return FIRST until one read has reached the end of the file (a
 *                  hash's full pass), THEN from then on (the page faults of a mapping).
 * and "other", OTHER's bytes, honestly. Runs in the foreground.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blob {
	char *data;
	size_t len;
};

static struct blob first, then, other;
static int direct_io, swap_opens = 1, opens, passed;

static int load(const char *path, struct blob *b)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		return -1;
	}
	b->len = (size_t)n;
	b->data = malloc(b->len);
	if (!b->data || fread(b->data, 1, b->len, f) != b->len) {
		perror(path);
		return -1;
	}
	fclose(f);
	return 0;
}

static int which(const char *path)
{
	if (!strcmp(path, "/prog"))
		return 1;
	if (!strcmp(path, "/other"))
		return 2;
	return 0;
}

static int sw_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_mtim.tv_sec = st->st_ctim.tv_sec = st->st_atim.tv_sec = 1000000000;
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (!which(path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0755;
	st->st_nlink = 1;
	st->st_size = (off_t)(which(path) == 1 ? first.len : other.len);
	st->st_ino = (ino_t)which(path) + 1;
	return 0;
}

static int sw_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "prog", NULL, 0, 0);
	fill(buf, "other", NULL, 0, 0);
	return 0;
}

static int sw_open(const char *path, struct fuse_file_info *fi)
{
	if (!which(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fi->direct_io = which(path) == 1 && direct_io;
	fi->fh = which(path) == 1 && !direct_io && ++opens > swap_opens;	/* 1: THEN */
	return 0;
}

static int sw_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	const struct blob *b = &other;

	if (which(path) == 1)
		b = (direct_io ? passed != 0 : fi->fh != 0) ? &then : &first;
	if ((size_t)off >= b->len)
		return 0;
	if (size > b->len - (size_t)off)
		size = b->len - (size_t)off;
	memcpy(buf, b->data + off, size);
	if (which(path) == 1 && (size_t)off + size >= b->len)
		passed = 1;
	return (int)size;
}

static const struct fuse_operations ops = {
	.getattr = sw_getattr,
	.readdir = sw_readdir,
	.open = sw_open,
	.read = sw_read,
};

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--direct-io"))
			direct_io = 1;
		else if (!strcmp(argv[i], "--swap-opens") && i + 1 < argc)
			swap_opens = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i < 4) {
		fprintf(stderr, "usage: swapfs [--direct-io] [--swap-opens N] FIRST THEN OTHER "
			"MOUNTPOINT [FUSE OPTIONS]\n");
		return 2;
	}
	if (load(argv[i], &first) || load(argv[i + 1], &then) || load(argv[i + 2], &other))
		return 1;
	if (first.len != then.len) {
		fprintf(stderr, "swapfs: FIRST and THEN must have one size\n");
		return 2;
	}
	argv[i + 2] = argv[0];
	return fuse_main(argc - i - 2, argv + i + 2, &ops, NULL);
}
