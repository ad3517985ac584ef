// SPDX-License-Identifier: GPL-2.0
/*
 * mkcopies - N distinct files of the same size: copies of SRC whose last 64 bytes (padding the
 * benchmark appended after the ELF image, never read by the loader) are replaced by random
 * bytes, so every copy has its own SHA-256 and none is in any digest cache.
 *
 *   mkcopies SRC N PATTERN      PATTERN holds one %d (0..N-1); copies are mode 0755
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAD 64

int main(int argc, char **argv)
{
	unsigned long n, i;
	unsigned char *buf;
	char path[4096];
	struct stat st;
	size_t off;
	ssize_t got;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: mkcopies SRC N PATTERN-with-%%d\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size < PAD) {
		perror(argv[1]);
		return 1;
	}
	buf = malloc(st.st_size);
	if (!buf)
		return 1;
	for (off = 0; off < (size_t)st.st_size; off += got) {
		got = read(fd, buf + off, st.st_size - off);
		if (got <= 0) {
			perror("read");
			return 1;
		}
	}
	close(fd);
	for (i = 0; i < n; i++) {
		if (getrandom(buf + st.st_size - PAD, PAD, 0) != PAD) {
			perror("getrandom");
			return 1;
		}
		snprintf(path, sizeof(path), argv[3], (int)i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		for (off = 0; off < (size_t)st.st_size; off += got) {
			got = write(fd, buf + off, st.st_size - off);
			if (got <= 0) {
				perror("write");
				return 1;
			}
		}
		if (close(fd)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
