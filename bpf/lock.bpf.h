/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lock.bpf.h - lock mode: once `execban lock` ran, until reboot, not even root can weaken the
 * ban. See docs/lock-mode.md for what it stops and what it cannot.
 *
 * Userspace talks to these programs through one map, lock_ctl: a write to it is a request
 * (struct execban_ctl) that the bpf() hook carries out before the write itself happens, in the
 * writer's context, and answers with the syscall's return value:
 *   EXECBAN_CTL_LOCK     record the policy key's keyring and the pin folder; locked.
 *   EXECBAN_CTL_LOAD     install a signed policy: verify the manifest's PKCS#7 signature
 *                        against the lock keyring, refuse a version not newer than the one in
 *                        force, copy every record from the caller's memory into the inactive
 *                        policy copy while hashing exactly those bytes, compare with the
 *                        signed digest, and only then switch generations.
 *   EXECBAN_CTL_PROTECT  protect the calling process (the event daemon) from signals and
 *                        ptrace while locked.
 *
 * While locked, every other write to execban's maps is refused: at open (lsm/bpf_map, so no
 * fd can be opened for writing) and at each write command (lsm/bpf, for fds opened before the
 * lock). So are programs that use execban's maps, removing pins or the pin folder, unmounting
 * its bpffs, and signals and ptrace against protected processes. Each refusal is a "tamper"
 * event.
 */
#ifndef EXECBAN_LOCK_BPF_H
#define EXECBAN_LOCK_BPF_H

#define PTRACE_MODE_ATTACH	0x02
#define BPF_FS_MAGIC		0xcafe4a11
#define ENOKEY			126
#define EKEYREJECTED		129
#define EALREADY		114
#define EBUSY			16
#define EBADMSG			74
#define ESTALE			116
#define EINVAL			22
#define E2BIG			7
#define EOPNOTSUPP		95
#define ENOLCK			37
#define EFAULT			14

extern struct bpf_key *bpf_lookup_user_key(__u32 serial, __u64 flags) __ksym __weak;
extern void bpf_key_put(struct bpf_key *key) __ksym __weak;
extern int bpf_verify_pkcs7_signature(struct bpf_dynptr *data_ptr, struct bpf_dynptr *sig_ptr,
				      struct bpf_key *trusted_keyring) __ksym __weak;

static __always_inline struct execban_lock *lock_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lock, &zero);
}

static __always_inline bool locked(void)
{
	struct execban_lock *lk = lock_state();

	return lk && lk->locked;
}

/* The struct file behind the current task's fd (0 if none), as an address. */
static __always_inline __u64 fd_file(int fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return 0;
	return (__u64)f;
}

/* The BPF object (map, prog, link) an fd refers to: its file's private_data. */
static __always_inline __u64 fd_object(int fd)
{
	struct file *f = (struct file *)fd_file(fd);

	return f ? (__u64)BPF_CORE_READ(f, private_data) : 0;
}

#define MAP_RULE_ARRAY	25

/*
 * Index of one of execban's maps (for events), or -1. The rule arrays in the slots of "rules"
 * are execban's too (MAP_RULE_ARRAY): while locked the slots do not change, and nothing but
 * the signed load writes the arrays in them.
 */
static __always_inline int our_map(__u64 m)
{
	__u32 s0 = 0, s1 = 1;

#define M(i, name) if (m == (__u64)&name) return i
	M(0, rules); M(1, rule_index); M(2, banned_sizes_0);
	M(3, banned_sizes_1); M(4, texts_0); M(5, texts_1); M(6, policy_info);
	M(7, state); M(8, stats); M(9, event_seq); M(10, events); M(11, inode_cache);
	M(12, rule_hits); M(13, interpreters); M(14, task_interp); M(15, signer_scratch);
	M(16, mem_scratch); M(17, zeroes); M(18, quarantine_dirs); M(19, lock);
	M(20, lock_ctl); M(21, lock_scratch); M(22, protected_tasks); M(23, mark_paths);
	M(24, interp_ids);
#undef M
	if (m && (m == (__u64)bpf_map_lookup_elem(&rules, &s0) ||
		  m == (__u64)bpf_map_lookup_elem(&rules, &s1)))
		return MAP_RULE_ARRAY;
	return -1;
}

#define MAP_EVENTS	10
#define MAP_LOCK	19
#define MAP_LOCK_CTL	20

/*
 * A "tamper" event: what was attempted (filename) and on what (path, formatted with
 * bpf_snprintf from up to three arguments).
 */
static __always_inline void emit_tamper(const char *what, const char *fmt, __u64 *args,
					__u32 args_sz)
{
	struct ev_args x = { .kind = EVK_MEM };
	struct execban_event *e;

	stat_inc(EXECBAN_STAT_TAMPER);
	e = event_reserve(EXECBAN_ACT_TAMPER, EXECBAN_VERDICT_DENIED, EXECBAN_EVF_NO_DIGEST);
	if (!e)
		return;
	e->size = 0;
	e->policy_gen = policy_gen();
	event_fill(e, &x, NULL, NULL, NULL);
	event_paths(e, &x);
	__builtin_memcpy(e->reason, "lock mode", sizeof("lock mode"));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), what);
	if (bpf_snprintf(e->path, sizeof(e->path), fmt, args, args_sz) < 0)
		e->path[0] = 0;
	bpf_ringbuf_submit(e, 0);
}

static const char map_names[27][16] = {
	"rules", "rule_index", "banned_sizes_0", "banned_sizes_1", "texts_0",
	"texts_1", "policy_info", "state", "stats", "event_seq", "events", "inode_cache",
	"rule_hits", "interpreters", "task_interp", "signer_scratch", "mem_scratch", "zeroes",
	"quarantine_dirs", "lock", "lock_ctl", "lock_scratch", "protected_tasks", "mark_paths",
	"interp_ids", "rule array", "?",
};

static __always_inline int refuse_map(const char *what, int idx)
{
	__u64 args[1];

	if (idx < 0 || idx > MAP_RULE_ARRAY)
		idx = MAP_RULE_ARRAY + 1;
	args[0] = (__u64)map_names[idx];
	emit_tamper(what, "map %s", args, sizeof(args));
	return deny_ret();
}

/* ---- Requests through lock_ctl ---- */

struct install {
	struct execban_lock_scratch *sc;
	struct execban_size_filter *sizes;	/* the inactive copy's */
	__u64 src;		/* user address of the next records */
	__u32 slot;
	int err;
};

static long clear_one(struct bpf_map *map, const void *key, void *value, void *ctx)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

struct filter_ref {
	struct execban_size_filter *f;
};

static long clear_word(__u32 i, struct filter_ref *r)
{
	if (r->f)
		r->f->w[i & (EXECBAN_SIZE_WORDS - 1)] = 0;
	return 0;
}

/*
 * Empty a size filter (its 2 MiB, a word at a time). The filter goes through the stack: 6.1's
 * bpf_loop() takes only a stack pointer as its callback's context.
 */
static __always_inline void clear_filter(struct execban_size_filter *f)
{
	struct filter_ref r = { f };

	if (f)
		bpf_loop(EXECBAN_SIZE_WORDS, clear_word, &r, 0);
}

/*
 * The sizes and texts of a copy (its rule array is overwritten: install_rule()). One function
 * per copy: the verifier refuses a bpf_for_each_map_elem() call site that sees
 * two maps, which is what the compiler makes of an if/else around two such calls.
 */
static __noinline int clear_slot0(void)
{
	__u32 zero = 0;

	clear_filter(bpf_map_lookup_elem(&banned_sizes_0, &zero));
	bpf_for_each_map_elem(&texts_0, clear_one, NULL, 0);
	return 0;
}

static __noinline int clear_slot1(void)
{
	__u32 zero = 0;

	clear_filter(bpf_map_lookup_elem(&banned_sizes_1, &zero));
	bpf_for_each_map_elem(&texts_1, clear_one, NULL, 0);
	return 0;
}

/* Copy record i (size bytes) from the caller into sc->rec, and hash exactly those bytes. */
static __always_inline int take_record(struct install *in, __u32 i, __u32 size)
{
	if (bpf_copy_from_user(in->sc->rec, size, (const void *)(in->src + (__u64)i * size)) ||
	    execban_sha256_update(in->sc->state, sizeof(in->sc->state), in->sc->rec, size)) {
		in->err = -EFAULT;
		return 1;
	}
	return 0;
}

/*
 * Record i into entry i of the copy's rule array, which `execban lock` sized for the largest
 * policy (--max-rules): -E2BIG past its end. Keys must ascend strictly, as compile.c sorts
 * them: the search relies on it.
 */
static long install_rule(__u32 i, struct install *in)
{
	struct execban_rule_record *r = (void *)in->sc->rec, *e;
	__u32 slot = in->slot;
	void *arr;

	if (take_record(in, i, sizeof(*r)))
		return 1;
	arr = bpf_map_lookup_elem(&rules, &slot);
	e = arr ? bpf_map_lookup_elem(arr, &i) : NULL;
	if (!e) {
		in->err = -E2BIG;
		return 1;
	}
	if (i && key_cmp((const __u64 *)in->sc->prev.key, (const __u64 *)r->key) >= 0) {
		in->err = -EINVAL;
		return 1;
	}
	__builtin_memcpy(in->sc->prev.key, r->key, EXECBAN_SHA256_LEN);
	*e = *r;
	return 0;
}

/*
 * The position (sc->walk_q: the next prefix to index, sc->walk_i: the first rule whose prefix
 * may be walk_q or more) is in map memory, not on the stack: 6.1 verifies a bpf_loop()
 * callback once, with the caller's stack as it is at the call, and takes branches it never
 * saw taken there for dead code (with q known to be 0, "prefix < q" would never move i).
 */
struct index_walk {
	struct execban_lock_scratch *sc;
	__u32 slot, n;
	int err;
};

/*
 * One step of the index of a copy's n installed rules: entry q is the first rule whose
 * 16-bit prefix is q or more. Each step moves i or q on: n + EXECBAN_RULE_INDEX_SLOTS steps.
 */
static long index_step(__u32 it, struct index_walk *w)
{
	struct execban_lock_scratch *sc = w->sc;
	struct execban_rule_record *e;
	__u32 slot = w->slot, pos;
	__u32 *x;
	void *arr;

	if (!sc || sc->walk_q >= EXECBAN_RULE_INDEX_SLOTS)
		return 1;
	if (sc->walk_i < w->n) {
		arr = bpf_map_lookup_elem(&rules, &slot);
		pos = sc->walk_i;
		e = arr ? bpf_map_lookup_elem(arr, &pos) : NULL;
		if (!e) {
			w->err = -EINVAL;
			return 1;
		}
		if (((__u32)e->key[0] << 8 | e->key[1]) < sc->walk_q) {
			sc->walk_i++;
			return 0;
		}
	}
	pos = slot * EXECBAN_RULE_INDEX_SLOTS + sc->walk_q;
	x = bpf_map_lookup_elem(&rule_index, &pos);
	if (!x) {
		w->err = -EINVAL;
		return 1;
	}
	*x = sc->walk_i;
	sc->walk_q++;
	return 0;
}

static long install_size(__u32 i, struct install *in)
{
	struct execban_size_record *r = (void *)in->sc->rec;
	struct execban_size_filter *f = in->sizes;
	__u32 b;
	int j;

	if (take_record(in, i, sizeof(*r)))
		return 1;
	if (!f) {
		in->err = -EINVAL;
		return 1;
	}
#pragma unroll
	for (j = 0; j < EXECBAN_SIZE_PROBES; j++) {
		b = execban_size_bit(r->size, j);
		f->w[(b >> 6) & (EXECBAN_SIZE_WORDS - 1)] |= 1ULL << (b & 63);
	}
	return 0;
}

static long install_text(__u32 i, struct install *in)
{
	struct execban_text_record *r = (void *)in->sc->rec;
	long err;

	if (take_record(in, i, sizeof(*r)))
		return 1;
	r->text.label[EXECBAN_LABEL_LEN - 1] = 0;
	r->text.reason[EXECBAN_REASON_LEN - 1] = 0;
	if (in->slot)
		err = bpf_map_update_elem(&texts_1, &r->id, &r->text, BPF_NOEXIST);
	else
		err = bpf_map_update_elem(&texts_0, &r->id, &r->text, BPF_NOEXIST);
	if (err) {
		in->err = err;
		return 1;
	}
	return 0;
}

#define INSTALL_MAX	(1U << 23)	/* bpf_loop's limit */

static __always_inline bool bytes_eq(const __u8 *a, const __u8 *b, __u32 n)
{
	__u8 diff = 0;
	__u32 i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

/* EXECBAN_CTL_LOAD; the caller holds lk->busy. */
static __always_inline int signed_load(struct execban_lock *lk, const struct execban_ctl *c)
{
	struct execban_lock_scratch *sc;
	struct execban_manifest *m;
	struct execban_policy_info *pi;
	struct execban_state *st;
	struct bpf_dynptr data, sig;
	struct bpf_key *key;
	struct install in = {};
	struct index_walk w = {};
	__u64 args[3];
	__u32 zero = 0, slot, len = c->sig_len;
	int ret;

	sc = bpf_map_lookup_elem(&lock_scratch, &zero);
	st = bpf_map_lookup_elem(&state, &zero);
	if (!sc || !st)
		return -EINVAL;
	if (!use_kmod_hash)
		return -EOPNOTSUPP;
	m = &sc->manifest;
	if (len > EXECBAN_POLICY_SIG_MAX)
		len = EXECBAN_POLICY_SIG_MAX;
	if (bpf_copy_from_user(m, sizeof(*m), (const void *)c->manifest) ||
	    bpf_copy_from_user(sc->sig, len, (const void *)c->sig))
		return -EFAULT;

	/* The signature, against the key named at lock time, before anything else is read. */
	key = bpf_lookup_user_key(lk->keyring, 0);
	if (!key) {
		args[0] = (__u64)lk->keyring;
		emit_tamper("signed load: lock keyring gone", "keyring %d", args, 8);
		return -ENOKEY;
	}
	bpf_dynptr_from_mem(m, sizeof(*m), 0, &data);
	bpf_dynptr_from_mem(sc->sig, len, 0, &sig);
	ret = bpf_verify_pkcs7_signature(&data, &sig, key);
	bpf_key_put(key);
	if (ret) {
		args[0] = m->info.version;
		args[1] = (__u64)(long)ret;
		emit_tamper("policy load refused: signature", "version %llu error %lld", args, 16);
		return ret;
	}
	if (!bytes_eq((const __u8 *)m->magic, (const __u8 *)EXECBAN_MANIFEST_MAGIC, 16) ||
	    m->body_abi != EXECBAN_BODY_ABI ||
	    (m->info.mode != EXECBAN_MODE_ENFORCE && m->info.mode != EXECBAN_MODE_AUDIT) ||
	    m->info.n_rules > INSTALL_MAX - EXECBAN_RULE_INDEX_SLOTS ||
	    m->info.n_sizes > INSTALL_MAX ||
	    m->info.n_texts > INSTALL_MAX)
		return -EINVAL;
	if (m->info.version <= lk->min_version) {
		args[0] = m->info.version;
		args[1] = lk->min_version;
		emit_tamper("policy load refused: rollback", "version %llu, in force %llu", args,
			    16);
		return -ESTALE;
	}

	/* The inactive copy: emptied, then filled from the caller's records, hashed. */
	slot = (__u32)((st->gen + 1) & 1);
	if (slot)
		clear_slot1();
	else
		clear_slot0();
	if (execban_sha256_init(sc->state, sizeof(sc->state)))
		return -EINVAL;
	in.sc = sc;
	in.slot = slot;
	in.sizes = slot ? bpf_map_lookup_elem(&banned_sizes_1, &zero) :
			  bpf_map_lookup_elem(&banned_sizes_0, &zero);
	in.src = c->rules;
	bpf_loop(m->info.n_rules, install_rule, &in, 0);
	if (!in.err) {
		w.sc = sc;
		w.slot = slot;
		w.n = m->info.n_rules;
		sc->walk_q = 0;
		sc->walk_i = 0;
		bpf_loop(w.n + EXECBAN_RULE_INDEX_SLOTS, index_step, &w, 0);
		in.err = w.err;
		/* every prefix indexed, every rule passed: else the walk stopped short */
		if (!in.err && (sc->walk_q != EXECBAN_RULE_INDEX_SLOTS || sc->walk_i != w.n))
			in.err = -EINVAL;
	}
	if (!in.err) {
		in.src = c->sizes;
		bpf_loop(m->info.n_sizes, install_size, &in, 0);
	}
	if (!in.err) {
		in.src = c->texts;
		bpf_loop(m->info.n_texts, install_text, &in, 0);
	}
	if (in.err)
		return in.err;
	if (execban_sha256_final(sc->state, sizeof(sc->state), sc->rec, EXECBAN_SHA256_LEN))
		return -EINVAL;
	if (!bytes_eq(sc->rec, m->body_sha256, EXECBAN_SHA256_LEN)) {
		args[0] = m->info.version;
		emit_tamper("policy load refused: rules differ from the signed digest",
			    "version %llu", args, 8);
		return -EBADMSG;
	}

	pi = bpf_map_lookup_elem(&policy_info, &slot);
	if (!pi)
		return -EINVAL;
	*pi = m->info;
	pi->loaded_at_ns = c->now_ns;
	pi->name[EXECBAN_NAME_LEN - 1] = 0;
	/* The switch: everything the new policy needs is in place. */
	__sync_fetch_and_add(&st->gen, 1);
	lk->min_version = m->info.version;
	stat_inc(EXECBAN_STAT_SIGNED_LOADS);
	return 0;
}

static __always_inline int ctl_lock(struct execban_lock *lk, const struct execban_ctl *c)
{
	struct file *f = (struct file *)fd_file(c->pin_dir_fd);
	struct inode *dir = BPF_CORE_READ(f, f_inode);
	struct super_block *sb = BPF_CORE_READ(dir, i_sb);
	struct execban_policy_info *pi;
	struct bpf_key *key;
	__u64 gen = policy_gen();

	if (lk->locked)
		return -EALREADY;
	if (!use_kmod_hash)
		return -EOPNOTSUPP;
	if (!f || !dir || BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC)
		return -EINVAL;
	key = bpf_lookup_user_key(c->keyring, 0);
	if (!key)
		return -ENOKEY;
	bpf_key_put(key);
	pi = policy_info_of(gen);
	lk->keyring = c->keyring;
	lk->lock_gen = gen;
	lk->min_version = pi ? pi->version : 0;
	lk->pin_dir = (__u64)dir;
	lk->pin_sb = (__u64)sb;
	lk->locked_at_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(lk->key_sha256, c->key_sha256, EXECBAN_SHA256_LEN);
	__sync_fetch_and_add(&lk->locked, 1);
	return 0;
}

static __always_inline int handle_ctl(__u64 uvalue)
{
	struct execban_lock *lk = lock_state();
	struct execban_ctl c;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, one = 1;
	int ret;

	if (!lk || bpf_copy_from_user(&c, sizeof(c), (const void *)uvalue))
		return -EFAULT;
	switch (c.op) {
	case EXECBAN_CTL_LOCK:
		return ctl_lock(lk, &c);
	case EXECBAN_CTL_PROTECT:
		task_map_used(EXECBAN_TM_PROTECTED);
		return bpf_map_update_elem(&protected_tasks, &tgid, &one, BPF_ANY) ? -E2BIG : 0;
	case EXECBAN_CTL_LOAD:
		if (!lk->locked)
			return -ENOLCK;
		if (__sync_val_compare_and_swap(&lk->busy, 0, 1))
			return -EBUSY;
		ret = signed_load(lk, &c);
		__sync_lock_test_and_set(&lk->busy, 0);
		return ret;
	}
	return -EINVAL;
}

/* ---- Hooks ---- */

#define ENOMEM		12
#define EEXIST		17
#define ENOSPC		28

static __always_inline int neg(int e)
{
	int r = -e;

	asm volatile("" : "+r"(r));
	return r;
}

/*
 * A request's -errno as the hook's return value. The verifier (6.12) wants it provably in
 * [-4095, 0]: each value goes through a constant, as in deny_ret().
 */
static __always_inline int errno_ret(int r)
{
	switch (r) {
	case 0: return 0;
	case -ENOKEY: return neg(ENOKEY);
	case -EKEYREJECTED: return neg(EKEYREJECTED);
	case -EBADMSG: return neg(EBADMSG);
	case -ESTALE: return neg(ESTALE);
	case -EBUSY: return neg(EBUSY);
	case -EOPNOTSUPP: return neg(EOPNOTSUPP);
	case -ENOLCK: return neg(ENOLCK);
	case -EFAULT: return neg(EFAULT);
	case -E2BIG: return neg(E2BIG);
	case -ENOMEM: return neg(ENOMEM);
	case -EALREADY: return neg(EALREADY);
	case -EEXIST: return neg(EEXIST);
	case -ENOSPC: return neg(ENOSPC);
	case -EPERM: return neg(EPERM);
	}
	return neg(EINVAL);
}

/*
 * Fields of the kernel's copy of the bpf() attributes, read by offset: the verifier walks a
 * union through its first member only.
 */
static __always_inline __u64 attr_read(union bpf_attr *attr, __u32 off, __u32 size)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, size & 15, (char *)attr + off);
	return v;
}

#define ATTR(attr, field)						\
	attr_read(attr, __builtin_offsetof(union bpf_attr, field),	\
		  sizeof(((union bpf_attr *)0)->field))

#define BPF_MAP_UPDATE_ELEM_		2
#define BPF_MAP_DELETE_ELEM_		3
#define BPF_MAP_LOOKUP_AND_DELETE_ELEM_	21
#define BPF_MAP_FREEZE_			22
#define BPF_MAP_LOOKUP_AND_DELETE_BATCH_ 25
#define BPF_MAP_UPDATE_BATCH_		26
#define BPF_MAP_DELETE_BATCH_		27
#define BPF_LINK_CREATE_		28
#define BPF_TRACE_ITER_			28
#define BPF_MAP_TYPE_ARRAY_OF_MAPS_	12
#define BPF_MAP_TYPE_HASH_OF_MAPS_	13
#define MAP_IN_MAP_BATCH_MAX		4096

/* An fd the caller names in its own memory, if it refers to one of execban's maps. */
static __always_inline int user_fd_map(__u64 uaddr)
{
	__u32 fd;

	if (bpf_copy_from_user(&fd, sizeof(fd), (const void *)uaddr))
		return -1;
	return our_map(fd_object((int)fd));
}

struct fd_scan {
	__u64 values;
	__u32 count;
	int idx;
};

static long fd_scan_step(__u32 i, struct fd_scan *s)
{
	if (i >= s->count)
		return 1;
	s->idx = user_fd_map(s->values + (__u64)i * sizeof(__u32));
	return s->idx >= 0;
}

/*
 * A read-only fd of an execban map is enough to put it into a map-of-maps (whose programs
 * could then write it) or to iterate it with a program that writes its values: while
 * locked, neither. Returns the map's index, or -1.
 */
static __always_inline int indirect_use(int cmd, union bpf_attr *attr, int idx_target)
{
	struct bpf_map *target;
	struct fd_scan fs = { .idx = -1 };
	__u32 type;

	if (cmd == BPF_LINK_CREATE_) {
		if (ATTR(attr, link_create.attach_type) != BPF_TRACE_ITER_ ||
		    !ATTR(attr, link_create.iter_info) || ATTR(attr, link_create.iter_info_len) < 4)
			return -1;
		return user_fd_map(ATTR(attr, link_create.iter_info));
	}
	if (idx_target >= 0 || (cmd != BPF_MAP_UPDATE_ELEM_ && cmd != BPF_MAP_UPDATE_BATCH_))
		return -1;
	target = (struct bpf_map *)fd_object(cmd == BPF_MAP_UPDATE_ELEM_ ?
					     (int)ATTR(attr, map_fd) : (int)ATTR(attr, batch.map_fd));
	type = BPF_CORE_READ(target, map_type);
	if (!target || (type != BPF_MAP_TYPE_ARRAY_OF_MAPS_ && type != BPF_MAP_TYPE_HASH_OF_MAPS_))
		return -1;
	if (cmd == BPF_MAP_UPDATE_ELEM_)
		return user_fd_map(ATTR(attr, value));
	fs.values = ATTR(attr, batch.values);
	fs.count = (__u32)ATTR(attr, batch.count);
	bpf_loop(MAP_IN_MAP_BATCH_MAX, fd_scan_step, &fs, 0);
	return fs.idx;
}

/*
 * The bpf hook gained a fourth argument after 6.12 (bool kernel; 7.2 has it), and LSM hook
 * arguments are not relocated: the previous programs' verdict, the slot after the arguments,
 * is ctx[4] there and ctx[3] on 6.1 and 6.12. The loader sets bpf_hook_kernel_arg from the
 * running kernel's BTF; the verifier sees a constant and explores one load. Each load is asm,
 * so that the compiler cannot merge them into one load from a computed ctx address (which the
 * verifier refuses: "dereference of modified ctx ptr").
 */
const volatile bool bpf_hook_kernel_arg = false;

static __always_inline int bpf_hook_ret(unsigned long long *ctx)
{
	__u64 r;

	if (bpf_hook_kernel_arg)
		asm volatile("%0 = *(u64 *)(%1 + 32)" : "=r"(r) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 24)" : "=r"(r) : "r"(ctx));
	return (int)r;
}

SEC("lsm.s/bpf")
int BPF_PROG(execban_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	int fd, idx, ret = bpf_hook_ret(ctx);
	__u64 obj;

	if (ret)
		return ret;
	if (cmd == BPF_LINK_CREATE_) {
		if (!locked())
			return 0;
		idx = indirect_use(cmd, attr, -1);
		return idx < 0 ? 0 : refuse_map("bpf iterator over", idx);
	}
	switch (cmd) {
	case BPF_MAP_UPDATE_ELEM_:
	case BPF_MAP_DELETE_ELEM_:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM_:
	case BPF_MAP_FREEZE_:
		fd = (int)ATTR(attr, map_fd);
		break;
	case BPF_MAP_UPDATE_BATCH_:
	case BPF_MAP_DELETE_BATCH_:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH_:
		fd = (int)ATTR(attr, batch.map_fd);
		break;
	default:
		return 0;
	}
	obj = fd_object(fd);
	idx = our_map(obj);
	if (idx < 0) {
		if (!locked())
			return 0;
		idx = indirect_use(cmd, attr, idx);
		return idx < 0 ? 0 : refuse_map("bpf map-in-map insert of", idx);
	}
	if (idx == MAP_LOCK_CTL) {
		if (cmd != BPF_MAP_UPDATE_ELEM_)
			return 0;
		return errno_ret(handle_ctl(ATTR(attr, value)));
	}
	if (idx == MAP_LOCK || locked())
		return refuse_map("bpf map write", idx);
	return 0;
}

/* A new fd of one of execban's maps: none for writing while locked (the lock map: never). */
SEC("lsm/bpf_map")
int BPF_PROG(execban_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	int idx;

	if (ret)
		return ret;
	if (!(fmode & FMODE_WRITE))
		return 0;
	idx = our_map((__u64)map);
	/* lock_ctl takes requests; the ring buffer's consumer maps its position writable. */
	if (idx < 0 || idx == MAP_LOCK_CTL || idx == MAP_EVENTS)
		return 0;
	if (idx == MAP_LOCK || locked())
		return refuse_map("bpf map open for writing", idx);
	return 0;
}

#define MAX_USED_MAPS	64

struct used_scan {
	struct bpf_map **used;
	__u32 n;
	int idx;
};

static long used_step(__u32 i, struct used_scan *s)
{
	struct bpf_map *m = NULL;

	if (i >= s->n)
		return 1;
	bpf_probe_read_kernel(&m, sizeof(m), &s->used[i]);
	s->idx = our_map((__u64)m);
	return s->idx >= 0;
}

/* A new program that uses one of execban's maps (a read-only fd would do): not while locked. */
SEC("lsm/bpf_prog")
int BPF_PROG(execban_bpf_prog, struct bpf_prog *prog, int ret)
{
	struct used_scan s = { .idx = -1 };
	struct bpf_prog_aux *aux;

	if (ret)
		return ret;
	if (!locked())
		return 0;
	aux = prog->aux;
	s.n = BPF_CORE_READ(aux, used_map_cnt);
	s.used = BPF_CORE_READ(aux, used_maps);
	bpf_loop(MAX_USED_MAPS, used_step, &s, 0);
	if (s.idx < 0)
		return 0;
	return refuse_map("bpf program using", s.idx);
}

static __always_inline bool is_protected(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (tgid == bpf_get_current_pid_tgid() >> 32)
		return false;
	return bpf_map_lookup_elem(&protected_tasks, &tgid) != NULL;
}

SEC("lsm/task_kill")
int BPF_PROG(execban_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	__u64 args[2];

	if (ret)
		return ret;
	if (!sig || !locked() || !is_protected(p))
		return 0;
	args[0] = BPF_CORE_READ(p, tgid);
	args[1] = sig;
	emit_tamper("signal", "pid %llu signal %llu", args, sizeof(args));
	return deny_ret();
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(execban_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	__u64 args[1];

	if (ret)
		return ret;
	if (!(mode & PTRACE_MODE_ATTACH) || !locked() || !is_protected(child))
		return 0;
	args[0] = BPF_CORE_READ(child, tgid);
	emit_tamper("ptrace", "pid %llu", args, sizeof(args));
	return deny_ret();
}

/* Pins and the pin folder: removing one would detach a program or free a map. */
static __always_inline int pin_guard(struct inode *dir, struct inode *victim, const char *what,
				     const unsigned char *name)
{
	struct execban_lock *lk = lock_state();
	__u64 args[1] = { (__u64)name };

	if (!lk || !lk->locked)
		return 0;
	if ((__u64)dir != lk->pin_dir && (__u64)victim != lk->pin_dir)
		return 0;
	emit_tamper(what, EXECBAN_PIN_DIR "/%s", args, sizeof(args));
	return deny_ret();
}

SEC("lsm/inode_unlink")
int BPF_PROG(execban_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return pin_guard(dir, NULL, "unpin", dentry->d_name.name);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(execban_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return pin_guard(dir, dentry->d_inode, "remove pin folder", dentry->d_name.name);
}

SEC("lsm/sb_umount")
int BPF_PROG(execban_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct execban_lock *lk;
	__u64 args[1] = { 0 };

	if (ret)
		return ret;
	lk = lock_state();
	if (!lk || !lk->locked || (__u64)mnt->mnt_sb != lk->pin_sb)
		return 0;
	emit_tamper("umount of the bpffs holding the pins", "/sys/fs/bpf", args, 0);
	return deny_ret();
}

/*
 * ---- The storage under mounted file systems ----
 *
 * A digest cached for a file, or a file allowed once, must not change behind the file system's
 * back: root could otherwise write a file's blocks through the block device the file system is
 * mounted from (or a loop device's backing file), drop the page cache, and run the new bytes
 * (no hook of the file sees those writes). While locked, writes that reach a mounted file
 * system's storage from outside it are refused:
 *   - write(2) and friends (pwrite, writev, splice, copy_file_range, sendfile, io_uring: all go
 *     through rw_verify_area(), so file_permission) and shared writable mappings of a block
 *     device that something holds (a mounted file system, device-mapper, md, swap: bd_holder;
 *     the whole disk of a held partition is held too) or of a loop device's backing file;
 *   - SCSI and NVMe passthrough ioctls on such a block device, and the SCSI generic devices;
 *   - binding a loop device, writable, to such a block device or backing file (the loop
 *     driver writes its backing file from the kernel, past every hook).
 * A loop device's backing file is known by what loop_configure() does to it (6.1 and 6.12):
 * its mapping allocates with neither __GFP_IO nor __GFP_FS. (XFS clears __GFP_FS on all its
 * inodes, never both.)
 */
#define S_IFBLK			0060000
#define S_IFCHR			0020000
#define MAY_WRITE		0x2
#define PROT_WRITE		0x2
#define MAP_TYPE		0x0f
#define MAP_SHARED		0x01
#define MAP_SHARED_VALIDATE	0x03
#define GFP_IO_FS		(0x40 | 0x80)
#define SCSI_GENERIC_MAJOR	21
#define SG_IO			0x2285
#define FIGETBSZ		0x0002	/* _IO(0x00, 2): the block size; interp_mark_sync() */
#define LOOP_SET_FD		0x4C00
#define LOOP_CHANGE_FD		0x4C06
#define LOOP_CONFIGURE		0x4C0A
#define LO_FLAGS_READ_ONLY	1
#define LOOP_CONFIG_FLAGS_OFF	60	/* struct loop_config: fd, block_size, info.lo_flags */

/* Does something hold this block device (its inode is the bdev's own: f_mapping->host)? */
static __always_inline bool bdev_held(struct inode *host)
{
	struct bdev_inode *bi = container_of(host, struct bdev_inode, vfs_inode);

	return BPF_CORE_READ(bi, bdev.bd_holder) != NULL;
}

/*
 * What a write to this open file would reach that must not be written while locked: 0 if
 * nothing, else a word for the event.
 */
static __always_inline const char *storage_of(struct file *file)
{
	struct address_space *mapping = BPF_CORE_READ(file, f_mapping);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;
	__u32 major;

	if (mode == S_IFBLK)
		return bdev_held(BPF_CORE_READ(mapping, host)) ? "block device in use" : NULL;
	if (mode == S_IFREG)
		return (BPF_CORE_READ(mapping, gfp_mask) & GFP_IO_FS) ? NULL :
		       "loop device backing file";
	if (mode == S_IFCHR) {
		major = BPF_CORE_READ(inode, i_rdev) >> 20;	/* MAJOR() of a kernel dev_t */
		return major == SCSI_GENERIC_MAJOR ? "SCSI generic device" : NULL;
	}
	return NULL;
}

/* A tamper event naming what was attempted, on what kind of storage, and the file's name. */
static __always_inline int refuse_storage(struct file *file, const char *what, const char *kind)
{
	__u64 args[2] = { (__u64)kind, (__u64)BPF_CORE_READ(file, f_path.dentry, d_name.name) };

	emit_tamper(what, "%s: %s", args, sizeof(args));
	return deny_ret();
}

SEC("lsm/file_permission")
int BPF_PROG(execban_file_permission, struct file *file, int mask, int ret)
{
	const char *kind;

	if (ret)
		return ret;
	if (!(mask & MAY_WRITE) || !locked())
		return 0;
	kind = storage_of(file);
	if (!kind)
		return 0;
	return refuse_storage(file, "write to storage under a file system", kind);
}

/*
 * While locked, may this mapping write storage under a file system? Called by the one
 * mmap_file program (execban.bpf.c): a second program on the hook cost every exec's mappings
 * 0.34 us of their 5.9 (bpf_stats, 2026-12-06) for a test that is false whenever unlocked.
 * 0 or a refusal.
 */
static __always_inline int lock_mmap_check(struct file *file, unsigned long prot,
					   unsigned long flags)
{
	const char *kind;
	__u32 type = flags & MAP_TYPE;

	if (!(prot & PROT_WRITE) || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) ||
	    !locked())
		return 0;
	kind = storage_of(file);
	if (!kind)
		return 0;
	return refuse_storage(file, "shared writable mapping of storage under a file system", kind);
}

SEC("lsm.s/file_ioctl")
int BPF_PROG(execban_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct inode *inode;
	struct file *backing;
	const char *kind;
	__u32 lo_flags = 0;
	int fd;

	if (ret)
		return ret;
	inode = file->f_inode;
	if (cmd == FIGETBSZ && (inode->i_mode & S_IFMT) == S_IFREG)
		interp_mark_sync(inode);
	if (!locked())
		return 0;
	if ((inode->i_mode & S_IFMT) != S_IFBLK && (inode->i_mode & S_IFMT) != S_IFCHR)
		return 0;
	if (cmd == LOOP_SET_FD || cmd == LOOP_CHANGE_FD || cmd == LOOP_CONFIGURE) {
		if (cmd == LOOP_CONFIGURE) {
			if (bpf_copy_from_user(&fd, sizeof(fd), (void *)arg) ||
			    bpf_copy_from_user(&lo_flags, sizeof(lo_flags),
					       (void *)(arg + LOOP_CONFIG_FLAGS_OFF)))
				return 0;	/* the kernel's own copy fails the same way */
		} else {
			fd = (int)arg;
		}
		backing = (struct file *)fd_file(fd);
		if (!backing || !(BPF_CORE_READ(backing, f_mode) & FMODE_WRITE) ||
		    (lo_flags & LO_FLAGS_READ_ONLY))
			return 0;
		kind = storage_of(backing);
		if (!kind)
			return 0;
		return refuse_storage(backing, "writable loop device over storage under a file system",
				      kind);
	}
	/* SG_IO and the NVMe I/O passthrough commands ('N', 0x41-0x49) write past the page cache. */
	if (cmd != SG_IO && !(((cmd >> 8) & 0xff) == 'N' && (cmd & 0xff) >= 0x41 &&
			      (cmd & 0xff) <= 0x49))
		return 0;
	kind = storage_of(file);
	if (!kind)
		return 0;
	return refuse_storage(file, "passthrough command to storage under a file system", kind);
}

#endif /* EXECBAN_LOCK_BPF_H */
