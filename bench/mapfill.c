// SPDX-License-Identifier: GPL-2.0
/*
 * mapfill - the kernel side of loading N hash rules, on whatever kernel runs it: creates a map
 * of the layout of execban's rule maps (include/execban.h; not preallocated), fills it with N
 * random entries in batches of 8192 as execban load writes a new policy's rules, reads them
 * all back as a load reads the inactive copy, and deletes them in batches as a load deletes
 * the rules a new policy no longer has. Prints one JSON object of milliseconds.
 *
 * It needs only BPF maps, not the LSM programs: it runs natively on a host whose kernel
 * refuses LSM programs, which tells the load time without emulation (make bench).
 *
 *   mapfill [N]      (default 1000000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "execban.h"
#include "mapbatch.h"


/* Read every entry back, in batches (userspace/kstate.c: map_read_all). Returns the count. */
static long read_back(int fd, size_t n, size_t ks, size_t vs)
{
	char *k = malloc((n + BATCH) * ks), *v = malloc((n + BATCH) * vs);
	__u64 in = 0, out = 0;
	size_t got = 0;
	bool first = true;
	__u32 count;
	int ret;

	if (!k || !v)
		return -ENOMEM;
	for (;;) {
		count = BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, k + got * ks, v + got * vs,
					   &count, NULL);
		first = false;
		if (ret && ret != -ENOENT)
			break;
		got += count;
		if (ret == -ENOENT || got >= n) {
			ret = 0;
			break;
		}
		in = out;
	}
	free(k);
	free(v);
	return ret ? ret : (long)got;
}

static int delete_all(int fd, const void *keys, size_t ks, size_t n)
{
	size_t done = 0;
	__u32 count;

	while (done < n) {
		count = (__u32)(n - done < BATCH ? n - done : BATCH);
		if (bpf_map_delete_batch(fd, (const char *)keys + done * ks, &count, NULL))
			return -errno;
		done += count;
	}
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i;
	struct execban_rule *rules = calloc(n, sizeof(*rules));
	unsigned char *keys = malloc(n * EXECBAN_SHA256_LEN);
	double t0, t_fill, t_read, t_delete;
	long got;
	int fd;

	if (!rules || !keys)
		return 1;
	srandom(1);
	for (i = 0; i < n * EXECBAN_SHA256_LEN; i++)
		keys[i] = (unsigned char)random();
	for (i = 0; i < n; i++) {
		rules[i].rule_id = (__u32)i;
		rules[i].action = EXECBAN_RULE_DENY;
		rules[i].ident_kind = EXECBAN_IDENT_SHA256;
		rules[i].text_id = EXECBAN_NO_TEXT;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mapfill_rules", EXECBAN_SHA256_LEN,
			    sizeof(struct execban_rule), (__u32)n, &opts);
	if (fd < 0) {
		fprintf(stderr, "mapfill: cannot create a map: %s\n", strerror(errno));
		return 1;
	}
	t0 = now_ms();
	if (batch_fill(fd, keys, EXECBAN_SHA256_LEN, rules, sizeof(*rules), n))
		return 1;
	t_fill = now_ms();
	got = read_back(fd, n, EXECBAN_SHA256_LEN, sizeof(*rules));
	if (got != (long)n) {
		fprintf(stderr, "mapfill: read back %ld of %zu\n", got, n);
		return 1;
	}
	t_read = now_ms();
	if (delete_all(fd, keys, EXECBAN_SHA256_LEN, n))
		return 1;
	t_delete = now_ms();
	printf("{\"entries\":%zu,\"fill_ms\":%.1f,\"read_ms\":%.1f,\"delete_ms\":%.1f}\n", n,
	       t_fill - t0, t_read - t_fill, t_delete - t_read);
	close(fd);
	return 0;
}
