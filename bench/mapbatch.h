/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapbatch.h - what the map benches (mapfill, lookup) share: a monotonic clock in ms, and a
 * map filled in batches as the loader fills the rule map (userspace/load.c).
 */
#ifndef EXECBAN_BENCH_MAPBATCH_H
#define EXECBAN_BENCH_MAPBATCH_H

#include <errno.h>
#include <stddef.h>
#include <time.h>

#include <bpf/bpf.h>

#define BATCH 8192

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n keys of ks bytes and values of vs bytes into map fd, BATCH at a time. 0 or -errno. */
static inline int batch_fill(int fd, const void *keys, size_t ks, const void *vals, size_t vs,
			     size_t n)
{
	size_t done = 0;
	__u32 count;

	while (done < n) {
		count = (__u32)(n - done < BATCH ? n - done : BATCH);
		if (bpf_map_update_batch(fd, (const char *)keys + done * ks,
					 (const char *)vals + done * vs, &count, NULL))
			return -errno;
		done += count;
	}
	return 0;
}

#endif /* EXECBAN_BENCH_MAPBATCH_H */
