// SPDX-License-Identifier: GPL-2.0
/*
 * failfs - a FUSE filesystem whose reads fail, for the fault tests (tests/guest/faults.sh).
 *
 *   failfs SOURCE MOUNTPOINT [FUSE OPTIONS]
 *
 * Serves two executable files with SOURCE's bytes: "good", read normally, and "bad", whose
 * every read at or past 4096 bytes fails with EIO (the ELF header still reads, so the kernel
 * recognises the binary; the bytes a digest needs do not). Runs in the foreground.
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

#define FAIL_AT 4096

static char *data;
static size_t data_len;

static int which(const char *path)
{
	if (!strcmp(path, "/good"))
		return 1;
	if (!strcmp(path, "/bad"))
		return 2;
	return 0;
}

static int ff_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (!which(path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0755;
	st->st_nlink = 1;
	st->st_size = (off_t)data_len;
	st->st_ino = (ino_t)which(path) + 1;
	return 0;
}

static int ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "good", NULL, 0, 0);
	fill(buf, "bad", NULL, 0, 0);
	return 0;
}

static int ff_open(const char *path, struct fuse_file_info *fi)
{
	if (!which(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fi->direct_io = which(path) == 2;	/* no page cache: every read reaches us */
	return 0;
}

static int ff_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (which(path) == 2 && off + (off_t)size > FAIL_AT)
		return -EIO;
	if ((size_t)off >= data_len)
		return 0;
	if (size > data_len - (size_t)off)
		size = data_len - (size_t)off;
	memcpy(buf, data + off, size);
	return (int)size;
}

static const struct fuse_operations ops = {
	.getattr = ff_getattr,
	.readdir = ff_readdir,
	.open = ff_open,
	.read = ff_read,
};

int main(int argc, char **argv)
{
	FILE *f;
	long n;

	if (argc < 3) {
		fprintf(stderr, "usage: failfs SOURCE MOUNTPOINT [FUSE OPTIONS]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		perror(argv[1]);
		return 1;
	}
	data_len = (size_t)n;
	data = malloc(data_len);
	if (!data || fread(data, 1, data_len, f) != data_len) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
