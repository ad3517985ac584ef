// SPDX-License-Identifier: GPL-2.0
/*
 * lookup.bpf.c - the candidates for the rule map of a million digests (issue 21), side by side
 * in one kernel: what each costs a lookup, from a BPF program, as the exec path would pay it.
 * bench/lookup.c creates and fills the maps (and measures their memory), then runs each probe
 * over the same queries with BPF_PROG_TEST_RUN.
 *
 *   hash56   the former layout: a hash of 32-byte keys to a 56-byte struct execban_rule
 *   hash8    the same hash with an 8-byte value: an element of 88 bytes, in the allocator's
 *            96-byte class as today's 16-byte struct execban_rule (96 bytes) is

 *   sorted   an array of 48-byte entries (key, rule_id, note id, size) sorted by key, and an
 *            index of 65,537 positions by the key's first 16 bits: one index read, then a
 *            binary search bounded at 21 steps (2^20 rules per 16-bit prefix at most)
 *   inner    the sorted array as a policy load would swap it in: an inner map (BPF_F_INNER_MAP,
 *            sized per load) of an ARRAY_OF_MAPS, found through the outer map, searched whole
 *            (no index) in at most 21 steps; its size in a one-entry array
 *   inner_idx the same inner map, searched from the 16-bit prefix index of "sorted" (a fixed
 *            256 KiB array per policy copy, needing no map-in-map)
 *   none     the loop and the query read alone, the overhead the others include
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KEY_LEN		32
#define INDEX_SLOTS	65537
#define MAX_STEPS	21

struct lk_key {
	__u64 w[4];
};

struct lk_rule56 {
	__u8 b[56];
};

struct lk_sentry {
	struct lk_key key;
	__u32 rule_id;
	__u32 note_id;
	__u64 size;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);		/* set by lookup.c */
	__type(key, struct lk_key);
	__type(value, struct lk_rule56);
} hash56 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lk_key);
	__type(value, __u64);
} hash8 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lk_sentry);
} sorted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INDEX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sorted_index SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);		/* any: BPF_F_INNER_MAP */
	__type(key, __u32);
	__type(value, struct lk_sentry);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_n SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* the number of queries */
	__type(key, __u32);
	__type(value, struct lk_key);
} queries SEC(".maps");

struct lk_probe_args {
	__u32 n;		/* queries to run */
	__u32 hits;		/* out */
	__u64 ns;		/* out: bpf_ktime_get_ns() across the loop */
};

struct lk_loop_ctx {
	__u32 hits;
};

static __always_inline struct lk_key *query(__u32 i)
{
	return bpf_map_lookup_elem(&queries, &i);
}

static long one_none(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && q->w[0] == 0x5a5a5a5a5a5a5a5aULL)	/* never: keeps the read */
		c->hits++;
	return 0;
}

static long one_hash56(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && bpf_map_lookup_elem(&hash56, q))
		c->hits++;
	return 0;
}

static long one_hash8(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && bpf_map_lookup_elem(&hash8, q))
		c->hits++;
	return 0;
}

/* Keys compare as big-endian numbers, a word at a time: the order of their bytes. */
static __always_inline int cmp_key(const struct lk_key *a, const struct lk_key *b)
{
	__u64 x, y;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		x = __builtin_bswap64(a->w[i]);
		y = __builtin_bswap64(b->w[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* Binary search of entries [lo, hi) of array m (sorted, or an inner map), at most 21 steps. */
static __always_inline struct lk_sentry *search(void *m, __u32 lo, __u32 hi,
						const struct lk_key *k)
{
	struct lk_sentry *e;
	__u32 mid;
	int i, d;

	for (i = 0; i < MAX_STEPS && lo < hi; i++) {
		mid = lo + (hi - lo) / 2;
		e = bpf_map_lookup_elem(m, &mid);
		if (!e)
			return NULL;
		d = cmp_key(&e->key, k);
		if (!d)
			return e;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The entries of the key's 16-bit prefix, from sorted_index: false if it cannot be read. */
static __always_inline bool prefix_range(const struct lk_key *k, __u32 *lo, __u32 *hi)
{
	__u32 top = (__u32)(__builtin_bswap64(k->w[0]) >> 48), top1 = top + 1;
	__u32 *a = bpf_map_lookup_elem(&sorted_index, &top);
	__u32 *b = bpf_map_lookup_elem(&sorted_index, &top1);

	if (!a || !b)
		return false;
	*lo = *a;
	*hi = *b;
	return true;
}

static __always_inline struct lk_sentry *lookup_sorted(const struct lk_key *k)
{
	__u32 lo, hi;

	return prefix_range(k, &lo, &hi) ? search(&sorted, lo, hi, k) : NULL;
}

static __always_inline struct lk_sentry *lookup_inner(const struct lk_key *k)
{
	__u32 zero = 0;
	__u32 *np = bpf_map_lookup_elem(&inner_n, &zero);
	void *m = bpf_map_lookup_elem(&outer, &zero);

	return m && np ? search(m, 0, *np, k) : NULL;
}

static __always_inline struct lk_sentry *lookup_inner_idx(const struct lk_key *k)
{
	__u32 zero = 0, lo, hi;
	void *m = bpf_map_lookup_elem(&outer, &zero);

	return m && prefix_range(k, &lo, &hi) ? search(m, lo, hi, k) : NULL;
}

static long one_inner_idx(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && lookup_inner_idx(q))
		c->hits++;
	return 0;
}

static long one_inner(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && lookup_inner(q))
		c->hits++;
	return 0;
}

static long one_sorted(__u32 i, struct lk_loop_ctx *c)
{
	struct lk_key *q = query(i);

	if (q && lookup_sorted(q))
		c->hits++;
	return 0;
}

#define PROBE(name)							\
SEC("syscall")								\
int probe_##name(struct lk_probe_args *args)				\
{									\
	struct lk_loop_ctx c = {};						\
	__u64 t0 = bpf_ktime_get_ns();					\
									\
	bpf_loop(args->n, one_##name, &c, 0);				\
	args->ns = bpf_ktime_get_ns() - t0;				\
	args->hits = c.hits;						\
	return 0;							\
}

PROBE(none)
PROBE(hash56)
PROBE(hash8)
PROBE(sorted)
PROBE(inner)
PROBE(inner_idx)

char LICENSE[] SEC("license") = "GPL";
