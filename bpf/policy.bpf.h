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

/*
 * Is an interpreter or quarantine mark in force? Made for the mark generation in force
 * (struct execban_state): loads that keep the list of marked paths, and signed loads in lock
 * mode, which have no file to mark, leave it as it is.
 */
static __always_inline bool mark_active(const struct execban_interp_mark *m)
{
	__u32 zero = 0;
	struct execban_state *s = bpf_map_lookup_elem(&state, &zero);
	__u64 mg = s ? *(volatile __u64 *)&s->mark_gen : 0;

	return mg && m->gen[mg & 1] == mg;
}

static __always_inline struct execban_inode_id inode_id(struct inode *inode)
{
	struct execban_inode_id id = {
		.dev = inode->i_sb->s_dev,
		.ino = inode->i_ino,
	};

	return id;
}

/*
 * The interpreter mark of an inode, or NULL. An inode with none may be a marked one that was
 * evicted and read again (struct execban_inode_id): its mark is then put back from
 * interp_ids. A lookup there only for inode numbers that may be in it (interp_ino_bits),
 * rather than for every library mapped.
 */
static __always_inline struct execban_interp_mark *interp_mark_of(struct inode *inode)
{
	struct execban_interp_mark *m, *v;
	struct execban_inode_id id;
	struct execban_lock *lk;
	__u32 zero = 0;

	m = bpf_inode_storage_get(&interpreters, inode, 0, 0);
	if (m)
		return m;
	lk = bpf_map_lookup_elem(&lock, &zero);
	if (!lk || !(lk->interp_ino_bits & (1U << (inode->i_ino & 31))))
		return NULL;
	id = inode_id(inode);
	v = bpf_map_lookup_elem(&interp_ids, &id);
	if (!v)
		return NULL;
	m = bpf_inode_storage_get(&interpreters, inode, v, BPF_LOCAL_STORAGE_GET_F_CREATE);
	return m ? m : v;
}

static __always_inline __u64 mark_newest(const struct execban_interp_mark *m)
{
	return m->gen[0] > m->gen[1] ? m->gen[0] : m->gen[1];
}

/*
 * The loader, after marking an inode through an fd of it, and `execban show`, before
 * reading a mark, call FIGETBSZ on the fd (lsm/file_ioctl): the mark is recorded by
 * identity, or put back if the inode was evicted since. Anyone may have a mark put back;
 * only root records one, and never an older mark over a newer. Identities are not unique
 * everywhere (btrfs subvolumes share a superblock and number their inodes each on their
 * own): a user's file with an interpreter's inode number must not write that interpreter's
 * entry.
 */
static __always_inline void interp_mark_sync(struct inode *inode)
{
	struct execban_interp_mark *m, *old;
	struct execban_inode_id id;
	struct execban_lock *lk;
	__u32 zero = 0;

	m = bpf_inode_storage_get(&interpreters, inode, 0, 0);
	if (!m) {
		interp_mark_of(inode);
		return;
	}
	if ((__u32)bpf_get_current_uid_gid() != 0)
		return;
	lk = bpf_map_lookup_elem(&lock, &zero);
	if (!lk)
		return;
	id = inode_id(inode);
	old = bpf_map_lookup_elem(&interp_ids, &id);
	if (old && mark_newest(old) > mark_newest(m))
		return;
	if (!(lk->interp_ino_bits & (1U << (inode->i_ino & 31))))
		__sync_fetch_and_or(&lk->interp_ino_bits, 1U << (inode->i_ino & 31));
	bpf_map_update_elem(&interp_ids, &id, m, BPF_ANY);
}

/*
 * Does an interpreter's inode mark go to the task that runs it? When made for the mark
 * generation in force, or for a later one: a load marks the new list's paths before its switch,
 * and a task that starts one meanwhile must be an interpreter after it. Not when made only for
 * an older list: a task keeps its mark until its next exec, whatever loads come.
 */
static __always_inline bool mark_for_task(const struct execban_interp_mark *m)
{
	__u32 zero = 0;
	struct execban_state *s = bpf_map_lookup_elem(&state, &zero);
	__u64 mg = s ? *(volatile __u64 *)&s->mark_gen : 0;

	return m->gen[0] >= mg || m->gen[1] >= mg;
}

static __always_inline struct execban_policy_info *policy_info_of(__u64 gen)
{
	__u32 slot = gen & 1;

	return bpf_map_lookup_elem(&policy_info, &slot);
}

/* Keys compare as big-endian numbers, a word at a time: the order of their bytes (memcmp). */
static __always_inline int key_cmp(const __u64 *a, const __u64 *b)
{
	__u64 x, y;
	int i;

#pragma unroll
	for (i = 0; i < EXECBAN_SHA256_LEN / 8; i++) {
		x = __builtin_bswap64(a[i]);
		y = __builtin_bswap64(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * The rule of key k in copy gen & 1, copied to *out: 1 if there is one. The key's 16-bit prefix
 * gives its range of the sorted array (rule_index), searched by halving. A global function:
 * verified once, whatever calls it (its loop would multiply its callers' states).
 */
__attribute__((noinline)) int rule_find(__u64 gen, struct execban_sha256_key *k,
					struct execban_rule *out)
{
	struct execban_rule_record *e;
	__u32 slot = gen & 1, top, lo, hi, mid;
	__u32 *a, *b;
	void *arr;
	int i, d;

	if (!k || !out)
		return 0;
	arr = bpf_map_lookup_elem(&rules, &slot);
	if (!arr)
		return 0;	/* no array in the slot: a copy with no rules */
	top = slot * EXECBAN_RULE_INDEX_SLOTS + ((__u32)k->b[0] << 8 | k->b[1]);
	a = bpf_map_lookup_elem(&rule_index, &top);
	top++;
	b = bpf_map_lookup_elem(&rule_index, &top);
	if (!a || !b)
		return 0;
	lo = *a;
	hi = *b;
	for (i = 0; i < EXECBAN_RULE_SEARCH_STEPS && lo < hi; i++) {
		mid = lo + (hi - lo) / 2;
		e = bpf_map_lookup_elem(arr, &mid);
		if (!e)
			return 0;
		d = key_cmp((const __u64 *)e->key, (const __u64 *)k->b);
		if (!d) {
			*out = e->rule;
			return 1;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Are all of the size's bits set in the filter of copy gen & 1? (false: no rule has it) */
static __always_inline bool size_banned(__u64 gen, __u64 size)
{
	struct execban_size_filter *f;
	__u32 zero = 0, b;
	int i;

	if (gen & 1)
		f = bpf_map_lookup_elem(&banned_sizes_1, &zero);
	else
		f = bpf_map_lookup_elem(&banned_sizes_0, &zero);
	if (!f)
		return true;	/* cannot happen (array); hashing is the safe answer */
#pragma unroll
	for (i = 0; i < EXECBAN_SIZE_PROBES; i++) {
		b = execban_size_bit(size, i);
		if (!(f->w[(b >> 6) & (EXECBAN_SIZE_WORDS - 1)] & (1ULL << (b & 63))))
			return false;
	}
	return true;
}

static __always_inline struct execban_text *lookup_text(__u64 gen, __u32 id)
{
	if (gen & 1)
		return bpf_map_lookup_elem(&texts_1, &id);
	return bpf_map_lookup_elem(&texts_0, &id);
}

/*
 * Can a file of this size (any size: the file's size is not the size of what is mapped)
 * match the policy? False only when the active policy has no rules, or a complete size
 * filter that does not hold the size; and no switch raced the answer.
 */
static __always_inline bool may_match(__u64 size, bool any_size)
{
	__u64 gen = policy_gen();
	struct execban_policy_info *info = policy_info_of(gen);
	bool may;

	if (!info)
		return true;	/* cannot happen (array); hashing is the safe answer */
	if (!info->n_rules)
		may = false;
	else if (any_size || !(info->flags & EXECBAN_POLICY_SIZE_FILTER))
		may = true;
	else
		may = size_banned(gen, size);
	return may || policy_gen() != gen;
}

static __always_inline bool size_may_match(__u64 size)
{
	return may_match(size, false);
}

struct verdict {
	__u64 gen;
	struct execban_rule rule;	/* copied: the copy it came from may be rewritten later */
	struct execban_sha256_key key;	/* the key it was found under */
	__u32 mode;
	bool matched;
	bool exhausted;
};

/*
 * Look the digest up in the active policy; consistent against concurrent policy switches.
 * Global functions from here on (verified once per program, on their own, rather than for
 * every state of their callers): they touch only the stack and maps.
 */
__attribute__((noinline)) int policy_match(struct execban_sha256_key *k, struct verdict *v)
{
	struct execban_policy_info *info;
	__u64 gen = 0;
	int i;

	if (!k || !v)
		return 0;
	for (i = 0; i < EXECBAN_GEN_RETRIES; i++) {
		gen = policy_gen();
		info = policy_info_of(gen);
		/* writes v->rule only if found */
		v->matched = rule_find(gen, k, &v->rule);
		if (v->matched)
			v->key = *k;
		v->mode = info ? info->mode : EXECBAN_MODE_ENFORCE;
		if (policy_gen() == gen) {
			v->gen = gen;
			return 0;
		}
		stat_inc(EXECBAN_STAT_GEN_RETRIES);
	}
	/* The policy switched EXECBAN_GEN_RETRIES times during one lookup: fail closed. */
	v->exhausted = true;
	v->gen = gen;
	return 0;
}

struct signer_scan {
	struct execban_signer *sg;	/* in a scratch map's value */
	__u64 gen;
};

/*
 * bpf_loop callback: one key. Verified once, whatever the number of keys. The action of its
 * rule goes to 2 bits of sg->pad (key j: bits 2j, 2j + 1; 0 no rule), which is map memory:
 * 6.12 verifies a callback until the caller's state repeats exactly, and results kept on the
 * stack (which key, how specific) made that state differ on every iteration (the program
 * outgrew the verifier's 1M instructions).
 */
static long signer_scan_one(__u32 j, struct signer_scan *s)
{
	struct execban_signer *sg = s->sg;
	struct execban_sha256_key key;
	struct execban_rule r;

	if (j >= sg->n_keys || j >= EXECBAN_SIGNER_KEYS)
		return 1;
	__builtin_memcpy(&key, sg->keys[j & (EXECBAN_SIGNER_KEYS - 1)], sizeof(key));
	if (rule_find(s->gen, &key, &r) && r.action >= EXECBAN_RULE_DENY &&
	    r.action <= EXECBAN_RULE_ALLOW)
		sg->pad |= (__u32)r.action << (2 * (j & (EXECBAN_SIGNER_KEYS - 1)));
	return 0;
}

/* max(a, b) of values below 2^31, without a branch */
static __always_inline __u32 max_nb(__u32 a, __u32 b)
{
	__u32 d = a - b, lt;

	/* opaque to clang, which would turn the arithmetic back into a branch */
	asm volatile("" : "+r"(d));
	lt = d >> 31;					/* 1 when a < b */
	asm volatile("" : "+r"(lt));
	lt = 0 - lt;					/* all ones then */
	return a ^ ((a ^ b) & lt);
}

/*
 * The key that decides, of the actions signer_scan_one() found (acts, 2 bits per key) for keys
 * of the kinds in kinds (8 bits per key): a deny, else an audit, unless an allow rule of a more
 * specific identity exempts the file from it (each key is of another kind:
 * execban_ident_specificity() of its kind); else the allow (the file runs, exempted). Returns
 * -1 for none, else the key's index, | 4 when it is a deny rule's.
 *
 * A global function (verified once, on its own) computed without a branch: every branch on a
 * match would give the verifier one more state to follow, and their combinations outgrew its
 * million instructions. Each key gets a score, category << 8 | specificity << 4 | index + 1
 * (category 3 deny, 2 audit, 1 allow; 0 for a deny or audit an allow at least as specific
 * lifts), and the highest score decides.
 */
_Static_assert(EXECBAN_SIGNER_KEYS == 4, "signer_pick() packs 4 keys' kinds in 32 bits");

__attribute__((noinline)) int signer_pick(__u32 acts, __u32 kinds)
{
	__u32 allow = 0, best = 0, act, spec, is_deny, is_audit, is_allow, above, cat;
	int j;

#pragma unroll
	for (j = 0; j < EXECBAN_SIGNER_KEYS; j++) {
		act = (acts >> (2 * j)) & 3;
		spec = (EXECBAN_IDENT_SPEC_NIBBLES >> (4 * ((kinds >> (8 * j)) & 7))) & 0xf;
		is_allow = (act >> 1) & act & 1;			/* 3 */
		allow = max_nb(allow, spec * is_allow);
	}
#pragma unroll
	for (j = 0; j < EXECBAN_SIGNER_KEYS; j++) {
		act = (acts >> (2 * j)) & 3;
		spec = (EXECBAN_IDENT_SPEC_NIBBLES >> (4 * ((kinds >> (8 * j)) & 7))) & 0xf;
		is_deny = act & ~(act >> 1) & 1;			/* 1 */
		is_audit = (act >> 1) & ~act & 1;			/* 2 */
		is_allow = (act >> 1) & act & 1;			/* 3 */
		above = allow - spec;
		asm volatile("" : "+r"(above));
		above = above >> 31;				/* spec > allow */
		cat = (is_deny * 3 + is_audit * 2) * above + is_allow;
		best = max_nb(best, ((cat << 8) | (spec << 4) | (j + 1)) * ((cat + 3) >> 2));
	}
	if (!best)
		return -1;
	return (int)((best & 0xf) - 1) | (int)((best >> 9) & (best >> 8) & 1) << 2;
}

/*
 * One attempt of signer_match() against the active policy. Returns 1 when done (v updated if a
 * key matched), 0 when the policy switched during the attempt (try again), -1 when it switched
 * after v's earlier match had been overwritten: too rare (a switch in this very window) to
 * keep a second copy for, so the caller refuses, as for any lookup the policy kept switching
 * under.
 */
static __always_inline int signer_try(const struct execban_signer *sg, struct verdict *v)
{
	struct execban_policy_info *info;
	struct execban_sha256_key key;
	struct signer_scan s;
	bool r = false;
	bool best_deny;
	__s32 best;
	__u64 gen;

	gen = policy_gen();
	s = (struct signer_scan){ .sg = (struct execban_signer *)sg, .gen = gen };
	s.sg->pad = 0;
	bpf_loop(EXECBAN_SIGNER_KEYS, signer_scan_one, &s, 0);
	best = signer_pick(sg->pad, (__u32)sg->key_kind[0] | (__u32)sg->key_kind[1] << 8 |
			   (__u32)sg->key_kind[2] << 16 | (__u32)sg->key_kind[3] << 24);
	best_deny = best >= 0 && (best & 4);
	if (best >= 0)
		best &= 3;
	if (best >= 0 && (!v->matched || best_deny)) {
		__builtin_memcpy(&key, sg->keys[best & (EXECBAN_SIGNER_KEYS - 1)], sizeof(key));
		r = rule_find(gen, &key, &v->rule);	/* writes v->rule only if found */
		if (r)
			v->key = key;
	}
	info = policy_info_of(gen);
	if (policy_gen() != gen) {
		stat_inc(EXECBAN_STAT_GEN_RETRIES);
		return r && v->matched ? -1 : 0;
	}
	if (r) {
		v->matched = true;
		v->gen = gen;
		v->mode = info ? info->mode : EXECBAN_MODE_ENFORCE;
	}
	return 1;
}

/*
 * Look the file's signer identity keys up in the active policy, consistently as above. Of
 * several matches a deny rule wins over an audit rule, and an allow rule exempts the file from
 * those of less specific identities (signer_pick()). A verdict already holding a (hash rule's
 * audit) match is replaced only by a signer deny. Three attempts, written out: 6.1's
 * CFG check refuses a loop around a bpf_loop() call here ("back-edge").
 */
static __always_inline void signer_match(const struct execban_signer *sg, struct verdict *v)
{
	int ret = signer_try(sg, v);

	if (!ret)
		ret = signer_try(sg, v);
	if (!ret)
		ret = signer_try(sg, v);
	if (ret <= 0) {
		v->exhausted = true;
		v->gen = policy_gen();
	}
}

/*
 * An exception by digest for a file a signer rule refuses, or whose signature cannot be read:
 * if the active policy has "allow sha256=" of k, v becomes that allow rule (the file runs).
 * Asked only on those paths, after the digest is known: files that match no signer rule pay
 * nothing for exceptions. A switch during the lookup refuses (v->exhausted: fail closed).
 */
__attribute__((noinline)) int digest_exempts(struct execban_sha256_key *k, struct verdict *v)
{
	struct execban_sha256_key key;
	struct execban_rule r;
	__u64 gen;

	if (!k || !v)
		return 0;
	key = *k;
	gen = policy_gen();
	if (!rule_find(gen, &key, &r) || r.action != EXECBAN_RULE_ALLOW ||
	    r.ident_kind != EXECBAN_IDENT_SHA256)
		return false;
	v->rule = r;
	if (policy_gen() != gen || (v->matched && v->gen != gen)) {
		/* v's rule is overwritten: refused, as when the policy keeps switching */
		stat_inc(EXECBAN_STAT_GEN_RETRIES);
		v->exhausted = true;
		v->gen = policy_gen();
		return 0;
	}
	v->key = key;
	v->matched = true;
	v->gen = gen;
	return 1;
}

#endif /* EXECBAN_POLICY_BPF_H */
