// SPDX-License-Identifier: GPL-2.0
/*
 * lookup - the rule map candidates of issue 21 measured in one kernel (bench/lookup.bpf.c):
 * for N random digests, each candidate's kernel memory (the rise of SUnreclaim + VmallocUsed +
 * Percpu in /proc/meminfo while its map is created and filled, as make bench measures a load),
 * the time to fill it, and what a lookup costs a BPF program, hit or miss (half the queries
 * are in the map), from BPF_PROG_TEST_RUN of a loop over the same queries, less the loop's own
 * cost. Under icount the guest's nanoseconds are its instructions. One JSON object on stdout.
 * The inner candidate is the sorted array made as a load would make it: created for N,
 * filled, then put in the outer map's slot after the programs are loaded.
 *
 *   lookup OBJ [N]      (N: 1000000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mapbatch.h"

#define QUERIES		65536
#define ROUNDS		5
#define INDEX_SLOTS	65537

struct key {
	unsigned char b[32];
};

struct sentry {
	struct key key;
	__u32 rule_id;
	__u32 note_id;
	__u64 size;
};

struct probe_args {
	__u32 n;
	__u32 hits;
	__u64 ns;
};


/* SUnreclaim + VmallocUsed + Percpu, bytes: the kernel memory a map takes */
static long long kmem(void)
{
	char line[256];
	long long v, sum = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %lld", &v) == 1 ||
		    sscanf(line, "VmallocUsed: %lld", &v) == 1 ||
		    sscanf(line, "Percpu: %lld", &v) == 1)
			sum += v;
	fclose(f);
	return sum * 1024;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "lookup: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct key));
}

static double fill(int fd, const void *keys, size_t ks, const void *vals, size_t vs, size_t n)
{
	double t0 = now_ms();
	int ret = batch_fill(fd, keys, ks, vals, vs, n);

	if (ret)
		die("update_batch", -ret);
	return now_ms() - t0;
}

/*
 * Wait for the meter to stand still (RCU-deferred frees of an earlier process's maps land
 * seconds later): two reads 0.3 s apart within 256 KiB, or 20 s.
 */
static void settle(void)
{
	long long a = kmem(), b;
	int i;

	for (i = 0; i < 66; i++) {
		usleep(300000);
		b = kmem();
		if (llabs(b - a) < 256 * 1024)
			return;
		a = b;
	}
}

static double probe(struct bpf_program *p, __u32 *hits)
{
	double best = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		struct probe_args a = { .n = QUERIES };
		/* a syscall program's context is copied back into ctx_in */
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

		if (bpf_prog_test_run_opts(bpf_program__fd(p), &o))
			die(bpf_program__name(p), errno);
		if (!r || a.ns < best)
			best = (double)a.ns;
		*hits = a.hits;
	}
	return best / QUERIES;
}

int main(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000, i;
	struct key *keys, *qk;
	struct sentry *sv;
	unsigned char (*v56)[56];
	__u64 *v8;
	__u32 *idx, *pos;
	struct bpf_object *obj;
	long long m0, mem_h56, mem_h8, mem_sorted, mem_inner;
	double t_h56, t_h8, t_sorted, t_inner, c_none, c_h56, c_h8, c_sorted, c_inner, c_inner_idx;
	__u32 h_h56, h_h8, h_sorted, h_inner, h_inner_idx, h_none, top, zero = 0, n32;
	__u32 inner_key_id, inner_value_id;
	int fd_h56, fd_h8, fd_sorted, fd_idx, fd_q, fd_inner;
	FILE *rnd;

	if (argc < 2 || !n)
		return fprintf(stderr, "usage: lookup OBJ [N]\n"), 2;
	keys = calloc(n, sizeof(*keys));
	qk = calloc(QUERIES, sizeof(*qk));
	sv = calloc(n, sizeof(*sv));
	v56 = calloc(n, sizeof(*v56));
	v8 = calloc(n, sizeof(*v8));
	idx = calloc(INDEX_SLOTS, sizeof(*idx));
	pos = calloc(INDEX_SLOTS, sizeof(*pos));
	rnd = fopen("/dev/urandom", "re");
	if (!keys || !qk || !sv || !v56 || !v8 || !idx || !pos || !rnd ||
	    fread(keys, sizeof(*keys), n, rnd) != n || fread(qk, sizeof(*qk), QUERIES, rnd) != QUERIES)
		die("setup", ENOMEM);
	fclose(rnd);
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (i = 0; i < QUERIES; i += 2)	/* half of the queries are in the map */
		qk[i] = keys[(i * 7919) % n];
	for (i = 0; i < n; i++) {
		sv[i].key = keys[i];
		sv[i].rule_id = (__u32)i;
		sv[i].size = 4096 + i;
		v8[i] = i;
		memset(v56[i], (int)i, sizeof(v56[i]));
		top = (__u32)keys[i].b[0] << 8 | keys[i].b[1];
		pos[top + 1]++;
	}
	for (i = 1; i < INDEX_SLOTS; i++)	/* idx[t]: the first entry whose prefix is >= t */
		idx[i] = idx[i - 1] + pos[i];

	settle();
	m0 = kmem();
	fd_h56 = bpf_map_create(BPF_MAP_TYPE_HASH, "hash56", sizeof(struct key), 56, (__u32)n,
				&(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							       .map_flags = BPF_F_NO_PREALLOC });
	if (fd_h56 < 0)
		die("hash56", errno);
	t_h56 = fill(fd_h56, keys, sizeof(*keys), v56, sizeof(*v56), n);
	settle();
	mem_h56 = kmem() - m0;

	m0 = kmem();
	fd_h8 = bpf_map_create(BPF_MAP_TYPE_HASH, "hash8", sizeof(struct key), 8, (__u32)n,
			       &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							      .map_flags = BPF_F_NO_PREALLOC });
	if (fd_h8 < 0)
		die("hash8", errno);
	t_h8 = fill(fd_h8, keys, sizeof(*keys), v8, sizeof(*v8), n);
	settle();
	mem_h8 = kmem() - m0;

	m0 = kmem();
	fd_sorted = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sorted", 4, sizeof(struct sentry),
				   (__u32)n, NULL);
	fd_idx = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sorted_index", 4, 4, INDEX_SLOTS, NULL);
	if (fd_sorted < 0 || fd_idx < 0)
		die("sorted", errno);
	{
		__u32 *ak = calloc(n, sizeof(*ak));

		if (!ak)
			die("setup", ENOMEM);
		for (i = 0; i < n; i++)
			ak[i] = (__u32)i;
		t_sorted = fill(fd_sorted, ak, sizeof(*ak), sv, sizeof(*sv), n);
		fill(fd_idx, ak, sizeof(*ak), idx, sizeof(*idx), INDEX_SLOTS > n ? n : INDEX_SLOTS);
		if (n < INDEX_SLOTS) {
			__u32 k;

			for (k = (__u32)n; k < INDEX_SLOTS; k++)
				if (bpf_map_update_elem(fd_idx, &k, &idx[k], BPF_ANY))
					die("index", errno);
		}
		free(ak);
	}
	settle();
	mem_sorted = kmem() - m0;


	fd_q = bpf_map_create(BPF_MAP_TYPE_ARRAY, "queries", 4, sizeof(struct key), QUERIES, NULL);
	if (fd_q < 0)
		die("queries", errno);
	for (i = 0; i < QUERIES; i++) {
		__u32 k = (__u32)i;

		if (bpf_map_update_elem(fd_q, &k, &qk[i], BPF_ANY))
			die("queries", errno);
	}

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		die("open", errno);
	if (bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "hash56"), (__u32)n) ||
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "hash8"), (__u32)n) ||
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "sorted"), (__u32)n) ||
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "queries"), QUERIES) ||
	    bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "hash56"), fd_h56) ||
	    bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "hash8"), fd_h8) ||
	    bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "sorted"), fd_sorted) ||
	    bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "sorted_index"), fd_idx) ||
	    bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "queries"), fd_q))
		die("maps", errno);
	/* libbpf keeps the template only until the outer map is made */
	{
		struct bpf_map *im = bpf_map__inner_map(bpf_object__find_map_by_name(obj, "outer"));

		inner_key_id = im ? bpf_map__btf_key_type_id(im) : 0;
		inner_value_id = im ? bpf_map__btf_value_type_id(im) : 0;
	}
	if (bpf_object__load(obj))
		die("load", errno);
	/*
	 * The inner array is created with the template's BTF: on 6.1 a map made without BTF has
	 * timer_off -EINVAL where the template, made with BTF, has -ENOENT, and the outer map
	 * refuses it (EINVAL) as not of the template's kind.
	 */
	{
		LIBBPF_OPTS(bpf_map_create_opts, co, .map_flags = BPF_F_INNER_MAP,
			    .btf_fd = (__u32)bpf_object__btf_fd(obj),
			    .btf_key_type_id = inner_key_id, .btf_value_type_id = inner_value_id);
		__u32 *ak = calloc(n, sizeof(*ak));

		if (!inner_value_id || !ak)
			die("inner", ENOMEM);
		settle();
		m0 = kmem();
		fd_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "inner", 4, sizeof(struct sentry),
					  (__u32)n, &co);
		if (fd_inner < 0)
			die("inner", errno);
		for (i = 0; i < n; i++)
			ak[i] = (__u32)i;
		t_inner = fill(fd_inner, ak, sizeof(*ak), sv, sizeof(*sv), n);
		free(ak);
		settle();
		mem_inner = kmem() - m0;
	}
	n32 = (__u32)n;
	if (bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "outer")), &zero,
				&fd_inner, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "inner_n")), &zero,
				&n32, BPF_ANY))
		die("outer", errno);
	c_none = probe(bpf_object__find_program_by_name(obj, "probe_none"), &h_none);
	c_h56 = probe(bpf_object__find_program_by_name(obj, "probe_hash56"), &h_h56);
	c_h8 = probe(bpf_object__find_program_by_name(obj, "probe_hash8"), &h_h8);
	c_sorted = probe(bpf_object__find_program_by_name(obj, "probe_sorted"), &h_sorted);
	c_inner = probe(bpf_object__find_program_by_name(obj, "probe_inner"), &h_inner);
	c_inner_idx = probe(bpf_object__find_program_by_name(obj, "probe_inner_idx"), &h_inner_idx);

	printf("{\"n\": %zu, \"queries\": %d, \"hits_expected\": %d,\n", n, QUERIES, QUERIES / 2);
	printf(" \"hash56\": {\"kmem\": %lld, \"fill_ms\": %.1f, \"lookup_ns\": %.1f, \"hits\": %u},\n",
	       mem_h56, t_h56, c_h56 - c_none, h_h56);
	printf(" \"hash8\": {\"kmem\": %lld, \"fill_ms\": %.1f, \"lookup_ns\": %.1f, \"hits\": %u},\n",
	       mem_h8, t_h8, c_h8 - c_none, h_h8);
	printf(" \"sorted\": {\"kmem\": %lld, \"fill_ms\": %.1f, \"lookup_ns\": %.1f, \"hits\": %u},\n",
	       mem_sorted, t_sorted, c_sorted - c_none, h_sorted);
	printf(" \"inner\": {\"kmem\": %lld, \"fill_ms\": %.1f, \"lookup_ns\": %.1f, \"hits\": %u},\n",
	       mem_inner, t_inner, c_inner - c_none, h_inner);
	/* the same map as inner: its memory and fill are inner's */
	printf(" \"inner_idx\": {\"kmem\": %lld, \"fill_ms\": %.1f, \"lookup_ns\": %.1f, "
	       "\"hits\": %u},\n", mem_inner, t_inner, c_inner_idx - c_none, h_inner_idx);
	printf(" \"loop_ns\": %.1f}\n", c_none);
	bpf_object__close(obj);
	return h_h56 == QUERIES / 2 && h_h8 == QUERIES / 2 && h_sorted == QUERIES / 2 &&
	       h_inner == QUERIES / 2 && h_inner_idx == QUERIES / 2 ? 0 : 1;
}
