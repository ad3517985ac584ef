/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.bpf.h - reading the double-buffered policy consistently.
 *
 * The loader only ever writes the inactive copy (gen + 1) & 1, then increments gen. A reader
 * takes gen, looks up in copy gen & 1, and takes gen again: if it did not move, no switch
 * happened during the lookup and the copy it read was not being written, so the answer is
 * exactly the answer of policy "gen". If it moved, the reader retries with the new gen.
 */
#ifndef EXECBAN_POLICY_BPF_H
#define EXECBAN_POLICY_BPF_H

static __always_inline __u64 policy_gen(void)
{
	__u32 zero = 0;
	struct execban_state *s = bpf_map_lookup_elem(&state, &zero);

	/* An array lookup of index 0 cannot fail; 0 keeps the verifier and the reader happy. */
	return s ? *(volatile __u64 *)&s->gen : 0;
}

static __always_inline struct execban_policy_info *policy_info_of(__u64 gen)
{
	__u32 slot = gen & 1;

	return bpf_map_lookup_elem(&policy_info, &slot);
}

static __always_inline struct execban_rule *lookup_sha256(__u64 gen, struct execban_sha256_key *k)
{
	if (gen & 1)
		return bpf_map_lookup_elem(&banned_sha256_1, k);
	return bpf_map_lookup_elem(&banned_sha256_0, k);
}

static __always_inline bool size_banned(__u64 gen, __u64 size)
{
	if (gen & 1)
		return bpf_map_lookup_elem(&banned_sizes_1, &size) != NULL;
	return bpf_map_lookup_elem(&banned_sizes_0, &size) != NULL;
}

static __always_inline struct execban_reason *lookup_reason(__u64 gen, __u32 id)
{
	if (gen & 1)
		return bpf_map_lookup_elem(&reasons_1, &id);
	return bpf_map_lookup_elem(&reasons_0, &id);
}

/*
 * Can a file of this size match the policy? False only when the active policy has a complete
 * size filter that does not hold the size, and no switch raced the answer.
 */
static __always_inline bool size_may_match(__u64 size)
{
	__u64 gen = policy_gen();
	struct execban_policy_info *info = policy_info_of(gen);
	bool may;

	if (!info)
		return true;	/* cannot happen (array); hashing is the safe answer */
	if (!info->n_rules)
		may = false;
	else if (!(info->flags & EXECBAN_POLICY_SIZE_FILTER))
		may = true;
	else
		may = size_banned(gen, size);
	return may || policy_gen() != gen;
}

struct verdict {
	__u64 gen;
	struct execban_rule rule;	/* copied: the copy it came from may be rewritten later */
	__u32 mode;
	bool matched;
	bool exhausted;
};

/* Look the digest up in the active policy; consistent against concurrent policy switches. */
static __always_inline void policy_match(struct execban_sha256_key *k, struct verdict *v)
{
	struct execban_policy_info *info;
	struct execban_rule *r;
	__u64 gen;
	int i;

	for (i = 0; i < EXECBAN_GEN_RETRIES; i++) {
		gen = policy_gen();
		info = policy_info_of(gen);
		r = lookup_sha256(gen, k);
		v->matched = r != NULL;
		if (r)
			v->rule = *r;
		v->mode = info ? info->mode : EXECBAN_MODE_ENFORCE;
		if (policy_gen() == gen) {
			v->gen = gen;
			return;
		}
		stat_inc(EXECBAN_STAT_GEN_RETRIES);
	}
	/* The policy switched EXECBAN_GEN_RETRIES times during one lookup: fail closed. */
	v->exhausted = true;
	v->gen = gen;
}

#endif /* EXECBAN_POLICY_BPF_H */
