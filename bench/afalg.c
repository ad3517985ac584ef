// SPDX-License-Identifier: GPL-2.0
/*
 * afalg - the kernel's own SHA-256 throughput, through AF_ALG ("hash", "sha256"): the same
 * crypto API driver the kernel hashes files with.
 *
 *   afalg FILE [REPS]
 *
 * Reads FILE into memory (untimed), then REPS times (default 5): accept a fresh hash
 * instance, write the whole buffer in 256 KiB chunks with MSG_MORE, read the digest. Prints one
 * line per rep: "<ns> <hex digest>" (the digest lets the caller check it against sha256sum).
 */
#include <fcntl.h>
#include <linux/if_alg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#define CHUNK (256 * 1024)

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256" };
	unsigned char digest[32], *buf;
	unsigned long long t0;
	int reps, r, tfm, op, fd, i;
	size_t size, off;
	struct stat st;
	ssize_t got;

	if (argc < 2) {
		fprintf(stderr, "usage: afalg FILE [REPS]\n");
		return 2;
	}
	reps = argc > 2 ? atoi(argv[2]) : 5;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[1]);
		return 1;
	}
	size = st.st_size;
	buf = malloc(size ? size : 1);
	for (off = 0; off < size; off += got) {
		got = read(fd, buf + off, size - off);
		if (got <= 0) {
			perror("read");
			return 1;
		}
	}
	close(fd);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("AF_ALG sha256");
		return 1;
	}
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		op = accept(tfm, NULL, 0);
		if (op < 0) {
			perror("accept");
			return 1;
		}
		for (off = 0; off < size; off += got) {
			size_t len = size - off < CHUNK ? size - off : CHUNK;

			got = send(op, buf + off, len, off + len < size ? MSG_MORE : 0);
			if (got <= 0) {
				perror("send");
				return 1;
			}
		}
		if (read(op, digest, sizeof(digest)) != sizeof(digest)) {
			perror("read digest");
			return 1;
		}
		close(op);
		printf("%llu ", now_ns() - t0);
		for (i = 0; i < 32; i++)
			printf("%02x", digest[i]);
		printf("\n");
	}
	return 0;
}
