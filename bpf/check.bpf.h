/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.bpf.h - "is this file banned?", shared by every enforcement hook that may sleep.
 *
 *   size prefilter -> digest (inode cache, else hash) -> consistent policy lookup -> event.
 */
#ifndef EXECBAN_CHECK_BPF_H
#define EXECBAN_CHECK_BPF_H

#define S_IFMT		00170000
#define S_IFREG		0100000
#define FMODE_WRITE	0x2
#define EPERM		1
#define HASH_ALGO_SHA256 4	/* enum hash_algo, include/uapi/linux/hash_info.h */

/*
 * The verifier (6.12) requires an LSM program's return value to be provably in [-4095, 0].
 * Left alone, clang folds "denied ? -EPERM : 0" into -(x & 1), whose range it cannot bound:
 * hide each constant behind an empty asm so every path returns a plain constant.
 */
static __always_inline int deny_ret(void)
{
	int r = -EPERM;

	asm volatile("" : "+r"(r));
	return r;
}

/* Set by the loader before load. */
const volatile bool use_kmod_hash = false;	/* execban.ko's kfuncs are present */
const volatile bool use_kmod_signer = false;	/* ... and signer rules can be enforced */
/* ... and it reports closes of written files, and hashes from the page cache without sleeping */
const volatile bool use_kmod_install = false;

/* execban.ko (kmod/kfuncs.c); absent module: the guarded calls are dead code to the verifier. */
extern int execban_file_sha256(struct file *file, __u8 *digest, __u32 digest__sz) __ksym __weak;
extern int execban_file_signer(struct file *file, __u8 *out, __u32 out__sz) __ksym __weak;
extern int execban_file_verify_signer(struct file *file, __u32 kind) __ksym __weak;
extern __u32 execban_kmod_open_marker(void) __ksym __weak;
extern int execban_dentry_sha256_nowait(struct dentry *dentry, __u8 *digest,
					__u32 digest__sz) __ksym __weak;
extern int execban_install_probe(struct file *file) __ksym __weak;
extern int execban_install_watch_file(struct file *file) __ksym __weak;
extern int execban_dentry_sha256(struct dentry *dentry, __u8 *digest, __u32 digest__sz) __ksym __weak;
extern int execban_dentry_signer(struct dentry *dentry, __u8 *out, __u32 out__sz) __ksym __weak;
extern int execban_dentry_verify_signer(struct dentry *dentry, __u32 kind) __ksym __weak;
extern int execban_sha256_init(__u8 *state, __u32 state__sz) __ksym __weak;
extern int execban_sha256_update(__u8 *state, __u32 state__sz, const __u8 *data,
				 __u32 data__sz) __ksym __weak;
extern int execban_sha256_final(__u8 *state, __u32 state__sz, __u8 *digest,
				__u32 digest__sz) __ksym __weak;
extern int execban_mem_signer(const __u8 *tail, __u32 tail__sz, __u64 file_len, __u8 *out,
			      __u32 out__sz) __ksym __weak;

#define EOPNOTSUPP	95

#define ENODATA		61

/* Inode timestamps moved across releases; CO-RE flavours for each layout. */
struct inode___v611 {	/* 6.11+: split seconds/nanoseconds */
	time64_t i_ctime_sec;
	__u32 i_ctime_nsec;
	time64_t i_mtime_sec;
	__u32 i_mtime_nsec;
} __attribute__((preserve_access_index));

struct inode___v66 {	/* 6.6 - 6.10 */
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

struct inode___v61 {	/* up to 6.5 */
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

/* What a cached entry was computed from: if any of it changed, the entry is stale. */
struct stamp {
	__u64 i_version;
	__s64 mtime_sec;
	__s64 ctime_sec;
	__u32 mtime_nsec;
	__u32 ctime_nsec;
	__u64 size;
};

static __always_inline void inode_stamp(struct inode *inode, struct stamp *s)
{
	struct inode___v611 *n = (void *)inode;
	struct inode___v66 *m = (void *)inode;
	struct inode___v61 *o = (void *)inode;

	if (bpf_core_field_exists(n->i_ctime_sec)) {
		s->ctime_sec = BPF_CORE_READ(n, i_ctime_sec);
		s->ctime_nsec = BPF_CORE_READ(n, i_ctime_nsec);
		s->mtime_sec = BPF_CORE_READ(n, i_mtime_sec);
		s->mtime_nsec = BPF_CORE_READ(n, i_mtime_nsec);
	} else if (bpf_core_field_exists(m->__i_ctime)) {
		s->ctime_sec = BPF_CORE_READ(m, __i_ctime.tv_sec);
		s->ctime_nsec = BPF_CORE_READ(m, __i_ctime.tv_nsec);
		s->mtime_sec = BPF_CORE_READ(m, __i_mtime.tv_sec);
		s->mtime_nsec = BPF_CORE_READ(m, __i_mtime.tv_nsec);
	} else {
		s->ctime_sec = BPF_CORE_READ(o, i_ctime.tv_sec);
		s->ctime_nsec = BPF_CORE_READ(o, i_ctime.tv_nsec);
		s->mtime_sec = BPF_CORE_READ(o, i_mtime.tv_sec);
		s->mtime_nsec = BPF_CORE_READ(o, i_mtime.tv_nsec);
	}
	/* Bit 0 is the "queried" flag, not part of the count. */
	s->i_version = BPF_CORE_READ(inode, i_version.counter) >> 1;
	s->size = BPF_CORE_READ(inode, i_size);
}

static __always_inline bool stamp_eq(const struct execban_inode_cache *c, const struct stamp *s)
{
	return c->i_version == s->i_version && c->size == s->size &&
	       c->mtime_sec == s->mtime_sec && c->mtime_nsec == s->mtime_nsec &&
	       c->ctime_sec == s->ctime_sec && c->ctime_nsec == s->ctime_nsec;
}

/*
 * About to store @what in the entry: if the entry describes another state of the file, what
 * it holds is stale: start it afresh for this one.
 */
static __always_inline void cache_begin(struct execban_inode_cache *c, const struct stamp *s,
					__u32 what)
{
	if (!stamp_eq(c, s)) {
		c->valid = 0;
		c->i_version = s->i_version;
		c->size = s->size;
		c->mtime_sec = s->mtime_sec;
		c->mtime_nsec = s->mtime_nsec;
		c->ctime_sec = s->ctime_sec;
		c->ctime_nsec = s->ctime_nsec;
	} else {
		c->valid &= ~what;
	}
}

/* What a hook knows about the access being checked. */
struct access {
	struct file *file;	/* the file, or */
	struct dentry *dentry;	/* its dentry, in hooks that have no file (rename, chmod, link) */
	bool by_dentry;		/* a constant in each hook, so each program has one kind only */
	bool by_mem;		/* neither: an init_module image in memory (mem_size bytes) */
	bool quarantine;	/* a rename into a quarantine folder: a match is audited only */
	/*
	 * Nothing can be refused (a file at its last writer's close): every outcome, a match
	 * or a file that could not be read, is audited.
	 */
	bool report_only;
	__u64 mem_size;
	const char *filename;	/* as asked for (exec), the new name (rename, link), or NULL */
	__u16 action;		/* enum execban_action */
};

/*
 * Cache only while nobody can write: a writer racing the read could change bytes within one
 * timestamp tick. Exec'd files have writes denied (ETXTBSY) already.
 */
static __always_inline bool cacheable(struct inode *inode, const struct access *a)
{
	/* At its last writer's close the closing writer still counts, and writes no more. */
	return BPF_CORE_READ(inode, i_writecount.counter) <= (a->report_only ? 1 : 0);
}

static __always_inline struct inode *access_inode(const struct access *a)
{
	if (!a->by_dentry)
		return a->file ? a->file->f_inode : NULL;
	return a->dentry ? a->dentry->d_inode : NULL;
}

static __always_inline int hash_file(const struct access *a, __u8 *digest)
{
	struct file *file = a->file;
	long ret;

	if (a->by_dentry) {
		/* No file: only execban.ko can read it, through the page cache. */
		if (!use_kmod_signer)
			return -EOPNOTSUPP;
		return execban_dentry_sha256(a->dentry, digest, EXECBAN_SHA256_LEN);
	}
	if (use_kmod_hash)
		return execban_file_sha256(file, digest, EXECBAN_SHA256_LEN);

	ret = bpf_ima_file_hash(file, digest, EXECBAN_SHA256_LEN);
	if (ret < 0)
		return ret;
	/* IMA hashes with its configured algorithm (ima_hash=); only SHA-256 can match a rule. */
	return ret == HASH_ALGO_SHA256 ? 0 : -22;
}

/*
 * The file's SHA-256, from the inode cache when the cached entry was computed from the same
 * inode state (i_version, size, mtime, ctime), otherwise computed now. A cached entry is also
 * dropped whenever the file is opened for writing or truncated (execban.bpf.c), which covers
 * changes that land within one tick of the coarse timestamps.
 */
static __always_inline int file_digest(const struct access *a, struct inode *inode,
				       struct execban_sha256_key *k, __u32 *evflags,
				       const bool can_hash)
{
	struct execban_inode_cache *c;
	struct stamp now = {};
	int ret;

	inode_stamp(inode, &now);
	c = bpf_inode_storage_get(&inode_cache, inode, 0,
				  can_hash ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (c && (c->valid & EXECBAN_CACHE_DIGEST) && stamp_eq(c, &now)) {
		__builtin_memcpy(k->b, c->sha256, EXECBAN_SHA256_LEN);
		*evflags |= EXECBAN_EVF_CACHED;
		stat_inc(EXECBAN_STAT_CACHE_HITS);
		return 0;
	}
	if (can_hash) {
		ret = hash_file(a, k->b);
	} else if (a->by_dentry && use_kmod_install) {
		/* A hard link: what the page cache holds, read without sleeping. */
		ret = execban_dentry_sha256_nowait(a->dentry, k->b, EXECBAN_SHA256_LEN);
	} else {
		/* Other hooks that may not sleep: only a cached digest can answer there. */
		return -ENODATA;
	}
	stat_inc(EXECBAN_STAT_HASHES);
	if (ret)
		return ret;

	if (c && cacheable(inode, a)) {
		cache_begin(c, &now, EXECBAN_CACHE_DIGEST);
		__builtin_memcpy(c->sha256, k->b, EXECBAN_SHA256_LEN);
		c->valid |= EXECBAN_CACHE_DIGEST;
	}
	return 0;
}

/* Does the active policy have signer rules that this kernel can enforce? */
static __always_inline bool signers_active(void)
{
	struct execban_policy_info *info;

	if (!use_kmod_signer)
		return false;
	info = policy_info_of(policy_gen());
	return info && (info->flags & EXECBAN_POLICY_HAS_SIGNERS);
}

/*
 * Who signed the file, in the current task's scratch entry (*out): from the inode cache when
 * it was read from the same inode state, otherwise asked of execban.ko (hooks that may sleep
 * only). Returns 0, or -errno when that cannot be known (-ENODATA: not cached where nothing
 * can be read; -EOPNOTSUPP: a file known by its dentry on a filesystem execban.ko cannot read
 * that way).
 */
static __always_inline int file_signer(const struct access *a, struct inode *inode,
				       struct execban_signer **out, const bool can_read)
{
	struct execban_inode_cache *c;
	struct execban_signer *sg;
	struct stamp now = {};
	int ret;

	*out = NULL;
	sg = scratch_get(signer_scratch, signer);
	if (!sg)
		return -12;	/* -ENOMEM */
	inode_stamp(inode, &now);
	c = bpf_inode_storage_get(&inode_cache, inode, 0,
				  can_read ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (c && (c->valid & EXECBAN_CACHE_SIGNER) && stamp_eq(c, &now)) {
		*sg = c->signer;
		stat_inc(EXECBAN_STAT_SIGNER_CACHE_HITS);
		*out = sg;
		return 0;
	}
	if (!can_read)
		return -ENODATA;

	stat_inc(EXECBAN_STAT_SIGNER_READS);
	if (!a->by_dentry)
		ret = execban_file_signer(a->file, (__u8 *)sg, sizeof(*sg));
	else
		ret = execban_dentry_signer(a->dentry, (__u8 *)sg, sizeof(*sg));
	if (ret)
		return ret;
	if (c && cacheable(inode, a)) {
		cache_begin(c, &now, EXECBAN_CACHE_SIGNER);
		c->signer = *sg;
		c->valid |= EXECBAN_CACHE_SIGNER;
	}
	*out = sg;
	return 0;
}

/* A signature is there but could not be read: it might name a banned signer. */
static __always_inline bool signer_unreadable(const struct execban_signer *sg)
{
	return (sg->modsig_err && sg->modsig_err != -ENODATA) ||
	       (sg->ima_err && sg->ima_err != -ENODATA);
}

#define PATH_DEPTH	32	/* components reconstructed; deeper paths are marked truncated */

/*
 * The file's full path where bpf_d_path is not allowed (hooks that may not sleep, and the
 * acting process's executable): walk the dentries up to the mount's root, cross to the parent
 * mount, up to the root of the mount tree. Walked twice: once to count the components, once
 * to write each into its fixed slot of the buffer (root first), so no offset depends on the
 * lengths before it and nothing but a few pointers lives on the stack. The reader joins the
 * slots (EXECBAN_EVF_PATH_SLOTS). bpf_loop keeps the verifier's work linear in the depth.
 */
struct walk {
	struct dentry *d;
	struct mount *mnt;
	char *buf;		/* NULL: count only */
	__u32 n;		/* components: counted, then the total */
	__u32 k;		/* components written */
	bool complete;
	bool failed;
};

static long walk_step(__u32 i, struct walk *w)
{
	struct mount *mnt = w->mnt, *up;
	struct dentry *d = w->d;
	struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	__u32 slot;
	long len;

	if (d == root || d == parent) {
		if (!mnt) {		/* dentry only: the filesystem's root */
			w->complete = true;
			return 1;
		}
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (!up || up == mnt) {
			w->complete = true;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	if (!w->buf) {
		w->n++;
	} else {
		if (w->k >= w->n)
			return 1;
		slot = (w->n - 1 - w->k) & (PATH_DEPTH - 1);
		len = bpf_probe_read_kernel_str(w->buf + slot * EXECBAN_PATH_SLOT,
						EXECBAN_PATH_SLOT, BPF_CORE_READ(d, d_name.name));
		if (len <= 0 || len == EXECBAN_PATH_SLOT)
			w->failed = true;	/* unreadable, or a name cut at the slot's end */
		w->k++;
	}
	w->d = parent;
	return 0;
}

/*
 * Fills buf with path slots from leaf up to the root of the mount tree, or, with no mount (a
 * hook that has a dentry only), up to the root of the dentry's filesystem. Returns false if
 * the path was cut short.
 */
static __always_inline bool walk_path(struct dentry *leaf, struct mount *mnt, char *buf)
{
	struct walk w = { .d = leaf, .mnt = mnt };
	bool complete;
	__u32 n;

	bpf_loop(PATH_DEPTH * 2, walk_step, &w, 0);
	complete = w.complete && w.n <= PATH_DEPTH;
	n = w.n > PATH_DEPTH ? PATH_DEPTH : w.n;
	w = (struct walk){ .d = leaf, .mnt = mnt, .buf = buf, .n = n };
	bpf_loop(PATH_DEPTH * 2, walk_step, &w, 0);
	/* An empty slot ends the path: clear the one after the last component. */
	if (n > 0 && n < PATH_DEPTH)
		buf[(n & (PATH_DEPTH - 1)) * EXECBAN_PATH_SLOT] = 0;
	else if (n == 0)
		buf[0] = 0;
	return complete && !w.failed;
}

static __always_inline bool path_walk(struct file *file, char *buf)
{
	struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);

	return walk_path(BPF_CORE_READ(file, f_path.dentry),
			 container_of(vm, struct mount, mnt), buf);
}


/*
 * Reserve an event and fill its header and the acting process. NULL when the ring buffer is
 * full: the loss is counted, in total and for the next event on this CPU to report.
 */
static __always_inline struct execban_event *event_start(__u16 action, __u16 verdict,
							 __u32 evflags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct execban_event_seq *es;
	struct execban_event *e;
	__u64 seq = 0, ugid;
	__u32 zero = 0;

	es = bpf_map_lookup_elem(&event_seq, &zero);
	if (es)
		seq = __sync_fetch_and_add(&es->seq, 1) + 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(EXECBAN_STAT_EVENTS_LOST);
		if (es)
			__sync_fetch_and_add(&es->lost, 1);
		return NULL;
	}
	e->hdr.type = EXECBAN_EV_DECISION;
	e->hdr.version = EXECBAN_EVENT_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.boot_ns = bpf_ktime_get_boot_ns();
	e->hdr.seq = seq;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.lost_before = es ? (__u32)__sync_lock_test_and_set(&es->lost, 0) : 0;
	e->action = action;
	e->verdict = verdict;
	e->flags = evflags;

	ugid = bpf_get_current_uid_gid();
	e->pid = (__u32)bpf_get_current_pid_tgid();
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->loginuid = BPF_CORE_READ(task, loginuid.val);
	e->sessionid = BPF_CORE_READ(task, sessionid);
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	BPF_CORE_READ_STR_INTO(&e->pcomm, task, real_parent, comm);
	return e;
}

/* The policy an event was decided under. */
static __always_inline void event_policy(struct execban_event *e, __u64 gen)
{
	struct execban_policy_info *info = policy_info_of(gen);

	e->policy_gen = gen;
	e->policy_version = info ? info->version : 0;
	if (info)
		__builtin_memcpy(e->policy_digest, info->digest, EXECBAN_SHA256_LEN);
	else
		__builtin_memset(e->policy_digest, 0, EXECBAN_SHA256_LEN);
}

/*
 * The acting process's executable, then submit: walked, since mm->exe_file is not a trusted
 * pointer.
 */
static __always_inline void event_finish(struct execban_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe;

	e->exe[0] = 0;
	e->flags |= EXECBAN_EVF_EXE_SLOTS;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe || !path_walk(exe, e->exe))
		e->flags |= EXECBAN_EVF_EXE_TRUNC;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_event(const struct access *a, struct inode *inode,
				       const struct execban_sha256_key *k, const struct verdict *v,
				       const struct execban_signer *sg, __u16 verdict, __u32 evflags,
				       const bool can_sleep)
{
	struct execban_reason *reason;
	struct execban_event *e;
	long n;

	/* Reserved after the hashing, so a slow hash never holds back other CPUs' events. */
	e = event_start(a->action, verdict, evflags);
	if (!e)
		return;
	e->rule_id = v->matched ? v->rule.rule_id : EXECBAN_NO_REASON;
	e->ident_kind = v->matched ? v->rule.ident_kind : 0;
	e->pad0 = 0;
	event_policy(e, v->gen);
	e->label[0] = 0;
	e->reason[0] = 0;
	if (v->matched) {
		__builtin_memcpy(e->label, v->rule.label, EXECBAN_LABEL_LEN);
		reason = lookup_reason(v->gen, v->rule.reason_id);
		if (reason)
			bpf_probe_read_kernel_str(e->reason, sizeof(e->reason), reason->text);
	}

	e->dev = a->by_mem ? 0 : BPF_CORE_READ(inode, i_sb, s_dev);
	e->ino = a->by_mem ? 0 : BPF_CORE_READ(inode, i_ino);
	e->size = a->by_mem ? a->mem_size : BPF_CORE_READ(inode, i_size);
	if (evflags & (EXECBAN_EVF_HASH_ERROR | EXECBAN_EVF_NO_DIGEST))
		__builtin_memset(e->sha256, 0, EXECBAN_SHA256_LEN);
	else
		__builtin_memcpy(e->sha256, k->b, EXECBAN_SHA256_LEN);
	if (v->matched)
		__builtin_memcpy(e->match_key, v->key.b, EXECBAN_SHA256_LEN);
	else
		__builtin_memset(e->match_key, 0, EXECBAN_SHA256_LEN);
	if (sg) {
		e->signer = *sg;
		e->flags |= EXECBAN_EVF_SIGNER;
	} else {
		__builtin_memset(&e->signer, 0, sizeof(e->signer));
	}

	e->filename[0] = 0;
	if (a->filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), a->filename);
	/* bpf_d_path is allowed only in hooks that may sleep (its allowlist). */
	if (a->by_mem) {
		e->path[0] = 0;		/* no file: filename says what it was */
		n = 0;
	} else if (a->by_dentry) {
		e->flags |= EXECBAN_EVF_PATH_SLOTS | EXECBAN_EVF_PATH_FSREL;
		n = walk_path(a->dentry, NULL, e->path) ? 0 : -1;
	} else if (can_sleep && BPF_CORE_READ((struct task_struct *)bpf_get_current_task_btf(), fs)) {
		/* d_path() resolves against current->fs, gone in a task's last closes at exit. */
		n = bpf_d_path(&a->file->f_path, e->path, sizeof(e->path));
		if (n < 0)
			e->path[0] = 0;
	} else {
		e->flags |= EXECBAN_EVF_PATH_SLOTS;
		n = path_walk(a->file, e->path) ? 0 : -1;
	}
	if (n < 0)
		e->flags |= EXECBAN_EVF_PATH_TRUNC;
	event_finish(e);
}

static __always_inline void count_hit(struct execban_sha256_key *k)
{
	struct execban_rule_hits *h, first = { .hits = 1 };
	__u64 now = bpf_ktime_get_boot_ns();

	h = bpf_map_lookup_elem(&rule_hits, k);
	if (!h) {
		first.last_boot_ns = now;
		if (!bpf_map_update_elem(&rule_hits, k, &first, BPF_NOEXIST))
			return;
		/* Another CPU created it first: count on its entry. */
		h = bpf_map_lookup_elem(&rule_hits, k);
		if (!h)
			return;
	}
	__sync_fetch_and_add(&h->hits, 1);
	h->last_boot_ns = now;
}

/*
 * The verdict when the file cannot be judged (unreadable, unknown signer, a policy that kept
 * switching): refused, where anything can be.
 */
static __always_inline __u16 fail_verdict(const struct access *a)
{
	return a->report_only ? EXECBAN_VERDICT_AUDITED : EXECBAN_VERDICT_DENIED;
}

/* check_access()'s answer for a refusal: -EPERM, or 0 where nothing can be refused. */
static __always_inline int refuse(const struct access *a)
{
	if (a->report_only)
		return 0;
	return deny_ret();
}

/*
 * The verdict for a matched rule: audit by the rule, by the policy's mode, or for a move into
 * quarantine; else deny.
 */
static __always_inline __u16 verdict_of(const struct verdict *v, const struct access *a)
{
	if (a->quarantine || a->report_only || v->mode == EXECBAN_MODE_AUDIT ||
	    v->rule.action == EXECBAN_RULE_AUDIT) {
		stat_inc(EXECBAN_STAT_AUDITED);
		return EXECBAN_VERDICT_AUDITED;
	}
	stat_inc(EXECBAN_STAT_DENIED);
	return EXECBAN_VERDICT_DENIED;
}

/*
 * Decide an access to a file. Returns 0 (allow) or -EPERM (deny). can_hash (a constant) is
 * true only in hooks that may sleep; elsewhere only cached digests and signers can be used,
 * and a file that could be banned but has nothing cached is refused (fail closed).
 *
 * Hash rules first (size prefilter, digest); then, if the policy has signer rules and no
 * deny rule matched yet, the file's signers: a signer deny beats a hash audit.
 */
static __always_inline int check_access(const struct access *a, const bool can_hash)
{
	struct execban_sha256_key k = {};
	struct execban_signer *sg = NULL;
	struct verdict v = {};
	struct inode *inode;
	__u32 evflags = 0;
	bool hashed = false;
	__u16 verdict;
	int ret;

	inode = access_inode(a);
	/* Only regular files hold banned bytes; exec and mmap of anything else is not ours. */
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;

	stat_inc(EXECBAN_STAT_CHECKS);
	if (!size_may_match(inode->i_size)) {
		stat_inc(EXECBAN_STAT_SIZE_SKIPS);
	} else if ((ret = file_digest(a, inode, &k, &evflags, can_hash))) {
		/*
		 * A file known by its dentry only (rename, chmod, link) that execban.ko cannot
		 * read (no module, or a filesystem it cannot read that way): let it through;
		 * its bytes are judged when run. A link of a file not wholly in the page cache
		 * (-EAGAIN) is refused below, as any file that could be banned and cannot be
		 * read.
		 */
		if (a->by_dentry && (ret == -EOPNOTSUPP || ret == -ENODATA))
			return 0;
		/*
		 * Fail closed: a file that could be banned (its size is) and whose bytes we
		 * cannot read is refused. A ban that a read error turns off is no ban.
		 */
		stat_inc(EXECBAN_STAT_HASH_ERRORS);
		v.gen = policy_gen();
		emit_event(a, inode, &k, &v, NULL, fail_verdict(a),
			   evflags | EXECBAN_EVF_HASH_ERROR, can_hash);
		return refuse(a);
	} else {
		hashed = true;
		policy_match(&k, &v);
	}

	if (!v.exhausted && (!v.matched || v.rule.action != EXECBAN_RULE_DENY) &&
	    signers_active()) {
		ret = file_signer(a, inode, &sg, can_hash);
		if (ret && a->by_dentry && (ret == -EOPNOTSUPP || ret == -ENODATA))
			goto decide;	/* as above: judged when run */
		if (ret || signer_unreadable(sg)) {
			/* Who signed it cannot be known: it could be a banned signer. */
			stat_inc(EXECBAN_STAT_SIG_ERRORS);
			v.matched = false;
			v.gen = policy_gen();
			if (!hashed)
				evflags |= EXECBAN_EVF_NO_DIGEST;
			emit_event(a, inode, &k, &v, sg, fail_verdict(a),
				   evflags | EXECBAN_EVF_SIG_ERROR, can_hash);
			return refuse(a);
		}
		signer_match(sg, &v);
		if (v.matched && v.rule.ident_kind != EXECBAN_IDENT_SHA256) {
			/* For the event: the digest, and whether a banned certificate signed it. */
			if (!hashed && file_digest(a, inode, &k, &evflags, can_hash))
				evflags |= EXECBAN_EVF_NO_DIGEST;
			if (can_hash)
				sg->verify = a->by_dentry ?
					     execban_dentry_verify_signer(a->dentry,
									  v.rule.ident_kind) :
					     execban_file_verify_signer(a->file, v.rule.ident_kind);
		}
	}

decide:
	if (v.exhausted) {
		/* The policy kept switching under us: refuse rather than guess. */
		emit_event(a, inode, &k, &v, sg, fail_verdict(a),
			   evflags | EXECBAN_EVF_GEN_EXHAUSTED, can_hash);
		return refuse(a);
	}
	if (!v.matched)
		return 0;

	count_hit(&v.key);
	verdict = verdict_of(&v, a);
	emit_event(a, inode, &k, &v, sg, verdict, evflags, can_hash);
	if (verdict == EXECBAN_VERDICT_DENIED)
		return refuse(a);
	return 0;
}

/*
 * Read what a later check that cannot sleep needs, deciding nothing: done when a file is
 * mapped without PROT_EXEC, so that a later mprotect(PROT_EXEC), which can neither hash nor
 * read signatures, finds the digest and signers in the cache.
 */
static __always_inline void prime_cache(struct file *file)
{
	struct access a = { .file = file };
	struct execban_signer *sg;
	struct execban_sha256_key k;
	struct inode *inode;
	__u32 evflags = 0;

	if (!file)
		return;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return;
	if (size_may_match(inode->i_size))
		file_digest(&a, inode, &k, &evflags, true);
	if (signers_active())
		file_signer(&a, inode, &sg, true);
}

/* bpf_loop state for hashing an image in memory, one chunk per iteration. */
struct mem_hash {
	__u64 addr;			/* kernel address of the image */
	__u64 size;
	struct execban_mem_scratch *sc;
	bool failed;
};

static long mem_hash_step(__u32 i, struct mem_hash *h)
{
	__u64 off = (__u64)i * EXECBAN_MEM_CHUNK;
	__u64 len;

	if (off >= h->size)
		return 1;
	len = h->size - off;
	if (len > EXECBAN_MEM_CHUNK)
		len = EXECBAN_MEM_CHUNK;
	if (bpf_probe_read_kernel(h->sc->buf, len, (const void *)(h->addr + off)) ||
	    execban_sha256_update(h->sc->state, sizeof(h->sc->state), h->sc->buf, len)) {
		h->failed = true;
		return 1;
	}
	return 0;
}

#define MEM_MAX_CHUNKS	(1U << 16)	/* 2 GiB */

/*
 * Decide a file that exists only in memory (an init_module image at kernel address addr):
 * as check_access(), with no cache, and hashing and signature reading through execban.ko's
 * non-sleeping kfuncs (this hook cannot sleep). Without execban.ko nothing can be read: the
 * image is let through, and status says hashing is not done by execban.ko.
 */
static __always_inline int check_mem(const struct access *a, __u64 addr)
{
	struct execban_sha256_key k = {};
	struct execban_signer *sg = NULL;
	struct execban_mem_scratch *sc;
	struct verdict v = {};
	struct mem_hash h;
	__u64 size = a->mem_size, win;
	__u32 evflags = 0;
	bool hashed = false;
	__u16 verdict;

	if (!use_kmod_signer)
		return 0;
	stat_inc(EXECBAN_STAT_CHECKS);
	sc = scratch_get(mem_scratch, mem);
	if (!sc)
		goto fail;
	if (!size_may_match(size)) {
		stat_inc(EXECBAN_STAT_SIZE_SKIPS);
	} else {
		h = (struct mem_hash){ .addr = addr, .size = size, .sc = sc };
		if (size > (__u64)MEM_MAX_CHUNKS * EXECBAN_MEM_CHUNK ||
		    execban_sha256_init(sc->state, sizeof(sc->state)))
			goto fail;
		bpf_loop(MEM_MAX_CHUNKS, mem_hash_step, &h, 0);
		if (h.failed || execban_sha256_final(sc->state, sizeof(sc->state), k.b, sizeof(k.b)))
			goto fail;
		stat_inc(EXECBAN_STAT_HASHES);
		hashed = true;
		policy_match(&k, &v);
	}

	if (!v.exhausted && (!v.matched || v.rule.action != EXECBAN_RULE_DENY) &&
	    signers_active()) {
		sg = scratch_get(signer_scratch, signer);
		if (!sg)
			goto fail;
		win = size < EXECBAN_MEM_CHUNK ? size : EXECBAN_MEM_CHUNK;
		if (bpf_probe_read_kernel(sc->buf, win, (const void *)(addr + size - win)) ||
		    execban_mem_signer(sc->buf, win, size, (__u8 *)sg, sizeof(*sg)))
			goto fail;
		stat_inc(EXECBAN_STAT_SIGNER_READS);
		if (signer_unreadable(sg)) {
			stat_inc(EXECBAN_STAT_SIG_ERRORS);
			v.matched = false;
			v.gen = policy_gen();
			emit_event(a, NULL, &k, &v, sg, EXECBAN_VERDICT_DENIED,
				   evflags | EXECBAN_EVF_SIG_ERROR | (hashed ? 0 : EXECBAN_EVF_NO_DIGEST),
				   false);
			return deny_ret();
		}
		signer_match(sg, &v);
		if (v.matched && !hashed)
			evflags |= EXECBAN_EVF_NO_DIGEST;
	}

	if (v.exhausted) {
		emit_event(a, NULL, &k, &v, sg, EXECBAN_VERDICT_DENIED,
			   evflags | EXECBAN_EVF_GEN_EXHAUSTED, false);
		return deny_ret();
	}
	if (!v.matched)
		return 0;
	count_hit(&v.key);
	verdict = verdict_of(&v, a);
	emit_event(a, NULL, &k, &v, sg, verdict, evflags, false);
	if (verdict == EXECBAN_VERDICT_DENIED)
		return deny_ret();
	return 0;

fail:
	/* Fail closed, as for a file that cannot be hashed. */
	stat_inc(EXECBAN_STAT_HASH_ERRORS);
	v.gen = policy_gen();
	emit_event(a, NULL, &k, &v, NULL, EXECBAN_VERDICT_DENIED,
		   evflags | EXECBAN_EVF_HASH_ERROR, false);
	return deny_ret();
}

#endif /* EXECBAN_CHECK_BPF_H */
