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

/*
 * Plain loads, not BPF_CORE_READ(): @inode is a BTF pointer (the hook's file or dentry), so the
 * JIT makes each a load where a bpf_probe_read_kernel() call costs every exec six helper calls.
 */
static __always_inline void inode_stamp(struct inode *inode, struct stamp *s)
{
	struct inode___v611 *n = (void *)inode;
	struct inode___v66 *m = (void *)inode;
	struct inode___v61 *o = (void *)inode;

	if (bpf_core_field_exists(n->i_ctime_sec)) {
		s->ctime_sec = n->i_ctime_sec;
		s->ctime_nsec = n->i_ctime_nsec;
		s->mtime_sec = n->i_mtime_sec;
		s->mtime_nsec = n->i_mtime_nsec;
	} else if (bpf_core_field_exists(m->__i_ctime)) {
		s->ctime_sec = m->__i_ctime.tv_sec;
		s->ctime_nsec = m->__i_ctime.tv_nsec;
		s->mtime_sec = m->__i_mtime.tv_sec;
		s->mtime_nsec = m->__i_mtime.tv_nsec;
	} else {
		s->ctime_sec = o->i_ctime.tv_sec;
		s->ctime_nsec = o->i_ctime.tv_nsec;
		s->mtime_sec = o->i_mtime.tv_sec;
		s->mtime_nsec = o->i_mtime.tv_nsec;
	}
	/* Bit 0 is the "queried" flag, not part of the count. */
	s->i_version = inode->i_version.counter >> 1;
	s->size = inode->i_size;
}

static __always_inline bool stamp_eq(const struct execban_inode_cache *c, const struct stamp *s)
{
	return c->i_version == s->i_version && c->size == s->size &&
	       c->mtime_sec == s->mtime_sec && c->mtime_nsec == s->mtime_nsec &&
	       c->ctime_sec == s->ctime_sec && c->ctime_nsec == s->ctime_nsec;
}

static __always_inline bool stamps_same(const struct stamp *a, const struct stamp *b)
{
	return a->i_version == b->i_version && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

#define barrier()	asm volatile("" ::: "memory")
#define READ_ONCE_U32(x) (*(volatile __u32 *)&(x))
#define READ_ONCE_U64(x) (*(volatile __u64 *)&(x))

/*
 * Reading an entry (any hook): what it holds is usable only if no filler is rewriting it
 * (seq even and unchanged across the copy) and it was read under the current write
 * generation (fill_gen == wgen: no open for writing or truncate since).
 */
static __always_inline bool cache_read_begin(struct execban_inode_cache *c, __u32 *seq)
{
	*seq = READ_ONCE_U32(c->seq);
	barrier();
	return !(*seq & 1) && c->fill_gen == READ_ONCE_U64(c->wgen);
}

static __always_inline bool cache_read_end(struct execban_inode_cache *c, __u32 seq)
{
	barrier();
	return READ_ONCE_U32(c->seq) == seq;
}

/*
 * Filling an entry. Every change to a file's bytes on a filesystem whose entries are kept
 * (fs_class() FS_CACHE) needs a file open for writing (which holds i_writecount up from
 * the open, before lsm/file_open runs, to the last fput: also across shared writable
 * mappings, io_uring and AIO requests in flight), or a truncate by path; opens for writing
 * and truncates bump wgen. So: note wgen, then the writers, read the file, then the
 * writers and wgen again. No writer at either point and the same wgen: nobody could
 * write while it was read, and any later writer moves wgen past fill_gen.
 */
struct fill {
	struct stamp st;
	__u64 gen;
	bool ok;
};

/* No writer but, at a last writer's close, the closing one (which writes no more). */
static __always_inline bool no_writers(struct inode *inode, bool at_close)
{
	return BPF_CORE_READ(inode, i_writecount.counter) <= (at_close ? 1 : 0);
}

static __always_inline void fill_start(struct execban_inode_cache *c, struct inode *inode,
				       bool at_close, struct fill *f)
{
	f->gen = READ_ONCE_U64(c->wgen);
	barrier();
	f->ok = no_writers(inode, at_close);
	inode_stamp(inode, &f->st);
}

/*
 * After the read: may the result be stored? If so the entry is locked for writing (seq
 * odd) and reset if it described another state of the file; fill_end() unlocks it.
 */
static __always_inline bool fill_begin(struct execban_inode_cache *c, struct inode *inode,
				       bool at_close, const struct fill *f, __u32 what)
{
	struct stamp now = {};
	__u32 seq;

	if (!f->ok)
		return false;
	barrier();
	if (!no_writers(inode, at_close) || READ_ONCE_U64(c->wgen) != f->gen)
		return false;
	inode_stamp(inode, &now);
	if (!stamps_same(&now, &f->st))
		return false;
	seq = READ_ONCE_U32(c->seq);
	if ((seq & 1) || __sync_val_compare_and_swap(&c->seq, seq, seq + 1) != seq)
		return false;	/* another filler is at it: let it */
	if (!stamp_eq(c, &f->st) || c->fill_gen != f->gen) {
		c->valid = 0;
		c->fill_gen = f->gen;
		c->i_version = f->st.i_version;
		c->size = f->st.size;
		c->mtime_sec = f->st.mtime_sec;
		c->mtime_nsec = f->st.mtime_nsec;
		c->ctime_sec = f->st.ctime_sec;
		c->ctime_nsec = f->st.ctime_nsec;
	} else {
		c->valid &= ~what;
	}
	barrier();
	return true;
}

static __always_inline void fill_end(struct execban_inode_cache *c, __u32 what)
{
	c->valid |= what;
	barrier();
	__sync_fetch_and_add(&c->seq, 1);
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

static __always_inline struct inode *access_inode(const struct access *a)
{
	if (!a->by_dentry)
		return a->file ? a->file->f_inode : NULL;
	return a->dentry ? a->dentry->d_inode : NULL;
}

/*
 * ---- Where a file's bytes live, and what of them execban can trust ----
 *
 * FS_CACHE: local filesystems whose files change only through a file opened for writing or
 *   a truncate, both seen by hooks (see struct fill): digests are cached per inode.
 * FS_NOCACHE: what a read returns is what a mapping gets (both go through one page cache,
 *   filled from a disk, a host or a server run by the administrator), but changes need not
 *   pass a hook here (network filesystems written from another machine, 9p, memfd and SysV
 *   shared memory written through fds that hold no write access, tmpfs and ramfs, whose
 *   pages a user can pin writable for ever (io_uring fixed buffers: the pin outlives the
 *   mapping and the open file, and a READ_FIXED into it writes the file through no hook),
 *   filesystems not known): hashed at every access of a banned size, never cached.
 * FS_UNTRUSTED: what a read returns need not be what runs (FUSE: the server answers every
 *   read, and a mapping's page faults, as it likes; anything else mounted inside a user
 *   namespace): a file of a banned size is refused unread.
 * FS_OVERLAY: resolved to the real file in a layer, then classified as that (ovl_resolve()).
 * docs/threat-model.md says why.
 */
enum fs_class {
	FS_CACHE = 0,
	FS_NOCACHE = 1,
	FS_UNTRUSTED = 2,
	FS_OVERLAY = 3,
};

#define EXT4_SUPER_MAGIC	0xEF53		/* also ext2 and ext3 */
#define XFS_SUPER_MAGIC		0x58465342
#define BTRFS_SUPER_MAGIC	0x9123683E
#define F2FS_SUPER_MAGIC	0xF2F52010
#define TMPFS_MAGIC		0x01021994
#define RAMFS_MAGIC		0x858458f6
#define SQUASHFS_MAGIC		0x73717368
#define EROFS_SUPER_MAGIC_V1	0xE0F5E1E2
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define FUSE_SUPER_MAGIC	0x65735546

/* The class of @inode, whose superblock has this magic. */
static __always_inline int fs_class_of(struct inode *inode, __u32 magic)
{
	switch (magic) {
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case F2FS_SUPER_MAGIC:
	case SQUASHFS_MAGIC:
	case EROFS_SUPER_MAGIC_V1:
		return FS_CACHE;
	case TMPFS_MAGIC:
	case RAMFS_MAGIC:
		/*
		 * Long-term writable pins (io_uring fixed buffers) are refused for pages of
		 * files that need dirty tracking, the filesystems above; not for these.
		 */
		return FS_NOCACHE;
	case OVERLAYFS_SUPER_MAGIC:
		return FS_OVERLAY;
	case FUSE_SUPER_MAGIC:
		return FS_UNTRUSTED;
	}
	/* Mounted inside a user namespace (the initial one is the only one at level 0). */
	if (BPF_CORE_READ(inode, i_sb, s_user_ns, level))
		return FS_UNTRUSTED;
	return FS_NOCACHE;
}

/* @inode is an address (a layer's inode): read through bpf_probe_read_kernel(). */
static __always_inline int fs_class(struct inode *inode)
{
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	return fs_class_of(inode, BPF_CORE_READ(sb, s_magic));
}

/*
 * overlayfs (fs/overlayfs/ovl_entry.h, file.c). overlay is usually a module: these types
 * come from its BTF, which must be there when the programs are loaded (`execban load` loads
 * overlay first); without it, bpf_core_type_exists() is false and overlay files are judged
 * as FS_UNTRUSTED.
 *
 * An overlay inode's data is in the upper layer's file once there is one (created there, or
 * copied up by an open for writing or a metadata change), else in the lower layer's. Reads
 * of an open overlay file go to that real file, re-opened if a copy-up happened since the
 * open; a mapping of it maps the real file opened at open() (file->private_data) and never
 * follows a copy-up. So an overlay file opened before a copy-up reads one file and maps
 * another: hashing it would judge bytes other than those that run (STALE).
 */
struct ovl_path___eb {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct ovl_entry___eb {			/* 6.5+ */
	unsigned int __numlower;
	struct ovl_path___eb __lowerstack[1];
} __attribute__((preserve_access_index));

struct ovl_inode___eb {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
	struct ovl_path___eb lowerpath;	/* up to 6.4 */
	struct ovl_entry___eb *oe;	/* 6.5+ */
} __attribute__((preserve_access_index));

struct ovl_file___eb {			/* file->private_data where overlay wraps its real file */
	struct file *realfile;
} __attribute__((preserve_access_index));

/* The real inode reads of an overlay inode go to now; NULL if that cannot be known. */
static __always_inline struct inode *ovl_real_inode(struct inode *inode)
{
	struct ovl_inode___eb *oi;
	struct ovl_entry___eb *oe;
	struct dentry *d = NULL;

	if (!bpf_core_type_exists(struct ovl_inode___eb))
		return NULL;
	oi = (void *)inode - bpf_core_field_offset(struct ovl_inode___eb, vfs_inode);
	d = BPF_CORE_READ(oi, __upperdentry);
	if (!d && bpf_core_field_exists(oi->oe)) {
		oe = BPF_CORE_READ(oi, oe);
		if (oe && BPF_CORE_READ(oe, __numlower))
			d = BPF_CORE_READ(oe, __lowerstack[0].dentry);
	} else if (!d && bpf_core_field_exists(oi->lowerpath)) {
		d = BPF_CORE_READ(oi, lowerpath.dentry);
	}
	return d ? BPF_CORE_READ(d, d_inode) : NULL;
}

/* The real file a mapping of an open overlay file maps (set by ovl_open(), after file_open). */
static __always_inline struct file *ovl_mapped_file(struct file *file)
{
	void *pd = BPF_CORE_READ(file, private_data);

	if (pd && bpf_core_type_exists(struct ovl_file___eb))
		return BPF_CORE_READ((struct ovl_file___eb *)pd, realfile);
	return pd;
}

/*
 * What is judged: the real file's inode, its class, and what must hold after reading. Kernel
 * addresses as plain numbers: judge() and ovl_still() are global functions, verified once on
 * their own, so the callers' verifier states do not multiply by every way a file can be
 * resolved (the kernel_read_file program, which checks twice, would not load otherwise); they
 * only read through these addresses (bpf_probe_read_kernel).
 */
struct judged {
	__u64 inode;		/* whose bytes and size: the real inode for overlay files */
	__u64 ovl[2];		/* overlay: the overlay inode at each level */
	__u64 real[2];		/* ... and the real inode its reads went to */
	__u32 cls;
	__u8 cache;		/* the digest and signers may be cached on the file's own inode */
	__u8 stale;		/* an overlay file that reads one file and maps another */
	__u8 mapped_any;	/* stale: the size of what it maps is not known */
	__u8 pad;
	__u64 mapped_size;	/* stale: the size of the file it maps */
};

#define JUDGE_MAPPING	1	/* judge(): the access maps the file (exec, mmap, module) */

/*
 * judge()'s @how for @inode, a BTF pointer (the hook's file or dentry): its superblock's magic
 * (bits 32-63), read with a plain load here, where judge() would need two
 * bpf_probe_read_kernel() calls on every exec and mapping.
 */
static __always_inline __u64 judge_how(struct inode *inode, __u32 flags)
{
	struct super_block *sb = inode->i_sb;

	return (__u64)(__u32)sb->s_magic << 32 | flags;
}

/* A kernel pointer as a number the verifier lets a global function take. */
static __always_inline __u64 addr_of(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/*
 * An overlay file whose mapping goes to @f (the file its open found) while its reads go to
 * another (copied up since): note the size of what is mapped, or "any size" where @f's own
 * cannot be believed (on an overlay or an untrusted filesystem, or a second stale level).
 */
static __always_inline void mark_stale(struct judged *j, struct file *f)
{
	struct inode *m = f ? BPF_CORE_READ(f, f_inode) : NULL;
	int cls = m ? fs_class(m) : FS_UNTRUSTED;

	if (j->stale || cls == FS_OVERLAY || cls == FS_UNTRUSTED)
		j->mapped_any = 1;
	else
		j->mapped_size = BPF_CORE_READ(m, i_size);
	j->stale = 1;
}

/*
 * Resolve an access to the real file (through at most two overlays: the kernel stacks no
 * deeper) and classify it. Exec, mmap and module loads check an open overlay file's
 * mapping against its reads; file_open (an interpreter's open, before ovl_open() ran),
 * install closes and dentry hooks have no mapping and judge the file reads go to.
 */
__attribute__((noinline)) int judge(__u64 file_addr, __u64 inode_addr, __u64 how,
				    struct judged *j)
{
	struct file *f = (struct file *)file_addr;
	struct inode *inode = (struct inode *)inode_addr, *cur = inode, *real;
	__u32 cls;
	int i;

	if (!j)
		return 0;
	cls = fs_class_of(inode, how >> 32);
	j->stale = 0;
	j->mapped_any = 0;
	j->mapped_size = 0;
	j->real[0] = j->real[1] = 0;
	j->ovl[0] = j->ovl[1] = 0;
	for (i = 0; i < 2 && cls == FS_OVERLAY; i++) {
		real = ovl_real_inode(cur);
		if (!real) {
			cls = FS_UNTRUSTED;
			break;
		}
		if (how & JUDGE_MAPPING) {
			f = f ? ovl_mapped_file(f) : NULL;
			if (!f || BPF_CORE_READ(f, f_inode) != real)
				mark_stale(j, f);
		}
		j->ovl[i] = (__u64)cur;
		j->real[i] = (__u64)real;
		cur = real;
		cls = fs_class(real);
	}
	if (cls == FS_OVERLAY)
		cls = FS_UNTRUSTED;
	j->inode = (__u64)cur;
	j->cls = cls;
	j->cache = cls == FS_CACHE && cur == inode;
	return 0;
}

/* After reading an overlay file: did a copy-up move its reads meanwhile? 1 if not. */
__attribute__((noinline)) int ovl_still(struct judged *j)
{
	int i;

	if (!j)
		return 0;
	for (i = 0; i < 2; i++)
		if (j->ovl[i] && (__u64)ovl_real_inode((struct inode *)j->ovl[i]) != j->real[i])
			return 0;
	return 1;
}

/* Nonzero once IMA's policy measures, appraises, audits or hashes (security/integrity/ima). */
extern const void ima_policy_flag __ksym __weak;

/*
 * Where an IMA policy measured or appraised the file, bpf_ima_file_hash() answers with the
 * digest IMA stored then, which it drops only at the last writer's close of that inode
 * (ima_check_last_writer). So it may no longer describe the bytes while a writer holds the
 * file open, and at any time on a file system where changes need not pass that inode:
 * an overlay file whose layer was written directly (6.1's IMA never looks; 6.12's looks in
 * its own hook, after this one), a memfd, a network or FUSE file system. That is every file
 * judge() does not let execban cache (@tracked false), for the same reason. Then the digest
 * is unknown: refused where the size could be banned, like any file that cannot be read
 * (execban.ko reads the bytes themselves). Where no policy is in force, IMA hashes the bytes
 * at every call. An address that did not resolve counts as a policy.
 */
static __always_inline bool ima_may_be_stale(struct file *file, bool tracked)
{
	int flag = 1;

	if (tracked && BPF_CORE_READ(file, f_inode, i_writecount.counter) <= 0)
		return false;
	if (&ima_policy_flag)
		bpf_probe_read_kernel(&flag, sizeof(flag), &ima_policy_flag);
	return flag != 0;
}

static __always_inline int hash_file(const struct access *a, bool tracked, __u8 *digest)
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

	if (ima_may_be_stale(file, tracked))
		return -16;	/* -EBUSY */
	ret = bpf_ima_file_hash(file, digest, EXECBAN_SHA256_LEN);
	if (ret < 0)
		return ret;
	/* IMA hashes with its configured algorithm (ima_hash=); only SHA-256 can match a rule. */
	return ret == HASH_ALGO_SHA256 ? 0 : -22;
}

/*
 * The file's SHA-256: from the inode cache when an entry filled under the current write
 * generation and inode state (i_version, size, mtime, ctime) holds it, otherwise computed
 * now, and stored if nothing could have written the file while it was read (struct fill).
 * Only on filesystems whose every change passes a hook (j->cache, where @inode, the file's
 * own inode, is the judged one); elsewhere hashed at every access.
 */
static __always_inline int file_digest(const struct access *a, const struct judged *j,
				       struct inode *inode, struct execban_sha256_key *k,
				       __u32 *evflags, const bool can_hash)
{
	struct execban_inode_cache *c = NULL;
	struct stamp now = {};
	struct fill f = {};
	__u32 seq;
	int ret;

	if (j->cache) {
		inode_stamp(inode, &now);
		c = bpf_inode_storage_get(&inode_cache, inode, 0,
					  can_hash ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	}
	if (c && cache_read_begin(c, &seq) && (c->valid & EXECBAN_CACHE_DIGEST) &&
	    stamp_eq(c, &now)) {
		__builtin_memcpy(k->b, c->sha256, EXECBAN_SHA256_LEN);
		if (cache_read_end(c, seq)) {
			*evflags |= EXECBAN_EVF_CACHED;
			stat_inc(EXECBAN_STAT_CACHE_HITS);
			return 0;
		}
	}
	if (c)
		fill_start(c, inode, a->report_only, &f);
	if (can_hash) {
		ret = hash_file(a, j->cache, k->b);
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

	if (c && fill_begin(c, inode, a->report_only, &f, EXECBAN_CACHE_DIGEST)) {
		__builtin_memcpy(c->sha256, k->b, EXECBAN_SHA256_LEN);
		fill_end(c, EXECBAN_CACHE_DIGEST);
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
static __always_inline int file_signer(const struct access *a, const struct judged *j,
				       struct inode *inode, struct execban_signer **out,
				       const bool can_read)
{
	struct execban_inode_cache *c = NULL;
	struct execban_signer *sg;
	struct stamp now = {};
	struct fill f = {};
	__u32 seq;
	int ret;

	*out = NULL;
	sg = scratch_get(signer_scratch, EXECBAN_TM_SIGNER, signer);
	if (!sg)
		return -12;	/* -ENOMEM */
	if (j->cache) {
		inode_stamp(inode, &now);
		c = bpf_inode_storage_get(&inode_cache, inode, 0,
					  can_read ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	}
	if (c && cache_read_begin(c, &seq) && (c->valid & EXECBAN_CACHE_SIGNER) &&
	    stamp_eq(c, &now)) {
		*sg = c->signer;
		if (cache_read_end(c, seq)) {
			stat_inc(EXECBAN_STAT_SIGNER_CACHE_HITS);
			*out = sg;
			return 0;
		}
	}
	if (!can_read)
		return -ENODATA;

	if (c)
		fill_start(c, inode, a->report_only, &f);
	stat_inc(EXECBAN_STAT_SIGNER_READS);
	if (!a->by_dentry)
		ret = execban_file_signer(a->file, (__u8 *)sg, sizeof(*sg));
	else
		ret = execban_dentry_signer(a->dentry, (__u8 *)sg, sizeof(*sg));
	if (ret)
		return ret;
	if (c && fill_begin(c, inode, a->report_only, &f, EXECBAN_CACHE_SIGNER)) {
		c->signer = *sg;
		fill_end(c, EXECBAN_CACHE_SIGNER);
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
 * ---- Events ----
 *
 * Everything an event says, but its full path where bpf_d_path() can give it, is written by
 * event_fill(), a global function: the verifier checks it once per program, on its own,
 * instead of once for every state that reaches one of the many emit_event() calls (each
 * inlined copy, with its path walks, was verified again for every combination of flags and
 * verdicts; they made up most of the programs' verification, and 6.1's kernel_read_file
 * program came within 0.2% of the 1M-instruction limit). A global function takes no trusted
 * kernel pointer on 6.1: the file, dentry and inode go in as addresses (read with
 * BPF_CORE_READ, i.e. bpf_probe_read_kernel, as the path walk always did).
 */
struct ev_args {
	__u64 inode;		/* addresses (addr_of()), or 0 */
	__u64 obj;		/* the file, or the dentry (EVK_DENTRY) */
	__u64 filename;
	__u32 kind;		/* EVK_* */
	__u32 pad;
};

/*
 * What the caller wrote in the event before event_fill(): the header's seq and lost_before,
 * action, verdict, flags (so far), policy_gen (without a verdict) and size (EVK_MEM).
 */
#define EVK_MEM		1	/* no file: an image in memory, or a tamper event */
#define EVK_DENTRY	2	/* obj is a dentry */
#define EVK_D_PATH	4	/* the caller fills path with bpf_d_path() */

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

__attribute__((noinline)) int event_fill(struct execban_event *e, const struct ev_args *x,
					 const struct execban_sha256_key *k,
					 const struct verdict *v, const struct execban_signer *sg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct execban_text *text;
	struct inode *inode;
	__u32 evflags, kind;
	__u64 ugid;

	if (!e || !x)
		return 0;
	inode = (struct inode *)x->inode;
	evflags = e->flags;
	kind = x->kind;
	e->pad0 = 0;

	e->hdr.type = EXECBAN_EV_DECISION;
	e->hdr.version = EXECBAN_EVENT_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.boot_ns = bpf_ktime_get_boot_ns();
	e->hdr.cpu = bpf_get_smp_processor_id();

	/* the acting process */
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

	/* the rule */
	e->rule_id = EXECBAN_NO_RULE;
	e->ident_kind = 0;
	event_policy(e, v ? v->gen : e->policy_gen);
	e->label[0] = 0;
	e->reason[0] = 0;
	if (v && v->matched) {
		e->rule_id = v->rule.rule_id;
		e->ident_kind = v->rule.ident_kind;
		__builtin_memcpy(e->match_key, v->key.b, EXECBAN_SHA256_LEN);
		text = lookup_text(v->gen, v->rule.text_id);
		if (text) {
			__builtin_memcpy(e->label, text->label, EXECBAN_LABEL_LEN);
			bpf_probe_read_kernel_str(e->reason, sizeof(e->reason), text->reason);
		}
	} else {
		__builtin_memset(e->match_key, 0, EXECBAN_SHA256_LEN);
	}

	/* the file */
	if (kind & EVK_MEM) {
		e->dev = 0;
		e->ino = 0;
	} else {
		e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		e->ino = BPF_CORE_READ(inode, i_ino);
		e->size = BPF_CORE_READ(inode, i_size);
	}
	if (!k || (evflags & (EXECBAN_EVF_HASH_ERROR | EXECBAN_EVF_NO_DIGEST)))
		__builtin_memset(e->sha256, 0, EXECBAN_SHA256_LEN);
	else
		__builtin_memcpy(e->sha256, k->b, EXECBAN_SHA256_LEN);
	if (sg) {
		e->signer = *sg;
		evflags |= EXECBAN_EVF_SIGNER;
	} else {
		__builtin_memset(&e->signer, 0, sizeof(e->signer));
	}
	e->filename[0] = 0;
	if (x->filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
					  (const void *)x->filename);
	e->flags = evflags;
	return 0;
}

/*
 * The event's paths: the file's where the caller does not write it (bpf_d_path()), and the
 * acting process's executable (walked, since mm->exe_file is not trusted). A global function
 * of its own, apart from event_fill(): each keeps a small stack, and the path walk's bpf_loop
 * callback adds a frame (6.1 counts the stack of every frame in a chain against 512 bytes).
 */
__attribute__((noinline)) int event_paths(struct execban_event *e, const struct ev_args *x)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 evflags;

	if (!e || !x)
		return 0;
	evflags = e->flags;
	e->path[0] = 0;
	if (x->kind & (EVK_MEM | EVK_D_PATH)) {
		;	/* no file (filename says what it was), or the caller's bpf_d_path() */
	} else if (x->kind & EVK_DENTRY) {
		evflags |= EXECBAN_EVF_PATH_SLOTS | EXECBAN_EVF_PATH_FSREL;
		if (!walk_path((struct dentry *)x->obj, NULL, e->path))
			evflags |= EXECBAN_EVF_PATH_TRUNC;
	} else {
		evflags |= EXECBAN_EVF_PATH_SLOTS;
		if (!path_walk((struct file *)x->obj, e->path))
			evflags |= EXECBAN_EVF_PATH_TRUNC;
	}
	e->exe[0] = 0;
	evflags |= EXECBAN_EVF_EXE_SLOTS;
	if (!path_walk(BPF_CORE_READ(task, mm, exe_file), e->exe))
		evflags |= EXECBAN_EVF_EXE_TRUNC;
	e->flags = evflags;
	return 0;
}

/*
 * Reserve an event and write what the caller knows (see struct ev_args). NULL when the ring
 * buffer is full: the loss is counted, in total and for the next event on this CPU to report.
 */
static __always_inline struct execban_event *event_reserve(__u16 action, __u16 verdict,
							   __u32 evflags)
{
	struct execban_event_seq *es;
	struct execban_event *e;
	__u64 seq = 0;
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
	e->hdr.seq = seq;
	e->hdr.lost_before = es ? (__u32)__sync_lock_test_and_set(&es->lost, 0) : 0;
	e->action = action;
	e->verdict = verdict;
	e->flags = evflags;
	return e;
}

/* Report an access. Reserved after the hashing, so a slow hash never holds back other CPUs'. */
static __always_inline void emit_event(const struct access *a, struct inode *inode,
				       const struct execban_sha256_key *k, const struct verdict *v,
				       const struct execban_signer *sg, __u16 verdict, __u32 evflags,
				       const bool can_sleep)
{
	struct ev_args x = {};
	struct execban_event *e;
	__u32 kind = 0;
	long n;

	/*
	 * bpf_d_path() is allowed only in hooks that may sleep (its allowlist), and resolves
	 * against current->fs, gone in a task's last closes at exit.
	 */
	if (a->by_mem)
		kind = EVK_MEM;
	else if (a->by_dentry)
		kind = EVK_DENTRY;
	else if (can_sleep &&
		 BPF_CORE_READ((struct task_struct *)bpf_get_current_task_btf(), fs))
		kind = EVK_D_PATH;
	if (!a->by_mem) {
		x.inode = addr_of(inode);
		x.obj = a->by_dentry ? addr_of(a->dentry) : addr_of(a->file);
	}
	if (a->filename)
		x.filename = addr_of(a->filename);
	x.kind = kind;
	e = event_reserve(a->action, verdict, evflags);
	if (!e)
		return;
	if (a->by_mem)
		e->size = a->mem_size;
	event_fill(e, &x, k, v, sg);
	event_paths(e, &x);
	if (kind == EVK_D_PATH) {
		n = bpf_d_path(&a->file->f_path, e->path, sizeof(e->path));
		if (n < 0) {
			e->path[0] = 0;
			e->flags |= EXECBAN_EVF_PATH_TRUNC;
		}
	}
	bpf_ringbuf_submit(e, 0);
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
 * digest deny or allow matched, the file's signers: a signer deny beats a hash audit, an
 * "allow sha256=" of the file beats a signer rule (looked up only when one matched).
 */
static __always_inline int check_access(const struct access *a, const bool can_hash)
{
	struct execban_sha256_key k = {};
	struct execban_signer *sg = NULL;
	struct verdict v = {};
	struct inode *inode, *real;
	struct judged j = {};
	__u32 evflags = 0;
	bool hashed = false;
	__u16 verdict;
	int ret;

	inode = access_inode(a);
	/* Only regular files hold banned bytes; exec and mmap of anything else is not ours. */
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;

	stat_inc(EXECBAN_STAT_CHECKS);
	judge(a->by_dentry ? 0 : addr_of(a->file), addr_of(inode),
	      judge_how(inode, !a->by_dentry && !a->report_only &&
			a->action != EXECBAN_ACT_OPEN ? JUDGE_MAPPING : 0), &j);
	real = (struct inode *)j.inode;
	/*
	 * A stale overlay file maps another file than the one whose size this is (the layer
	 * below, which may since hold any bytes): the size of that one counts too.
	 */
	if (!size_may_match(BPF_CORE_READ(real, i_size)) &&
	    (!j.stale || !may_match(j.mapped_size, j.mapped_any))) {
		stat_inc(EXECBAN_STAT_SIZE_SKIPS);
	} else if ((j.stale || j.cls == FS_UNTRUSTED) && !a->by_dentry && !a->report_only) {
		/*
		 * Could be banned, and what a read returns need not be what runs: refused
		 * unread (rename, chmod, link and install closes are judged as below: the file
		 * is refused when it is run).
		 */
		stat_inc(EXECBAN_STAT_UNVERIFIABLE);
		v.gen = policy_gen();
		emit_event(a, inode, &k, &v, NULL, fail_verdict(a), evflags | EXECBAN_EVF_NO_DIGEST |
			   (j.stale ? EXECBAN_EVF_STALE_LAYER : EXECBAN_EVF_UNTRUSTED_FS), can_hash);
		return refuse(a);
	} else if ((ret = file_digest(a, &j, inode, &k, &evflags, can_hash))) {
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
	} else if (j.ovl[0] && !ovl_still(&j)) {
		/* A copy-up moved the overlay file's reads while it was hashed. */
		stat_inc(EXECBAN_STAT_UNVERIFIABLE);
		v.gen = policy_gen();
		emit_event(a, inode, &k, &v, NULL, fail_verdict(a),
			   evflags | EXECBAN_EVF_NO_DIGEST | EXECBAN_EVF_STALE_LAYER, can_hash);
		return refuse(a);
	} else {
		hashed = true;
		policy_match(&k, &v);
	}

	/*
	 * Signers, unless a digest rule decided: its deny, or its allow (the most specific
	 * identity: an exception from every signer rule). A digest audit leaves a signer deny
	 * to win.
	 */
	if (!v.exhausted && (!v.matched || v.rule.action == EXECBAN_RULE_AUDIT) &&
	    signers_active()) {
		ret = file_signer(a, &j, inode, &sg, can_hash);
		if (ret && a->by_dentry && (ret == -EOPNOTSUPP || ret == -ENODATA))
			goto decide;	/* as above: judged when run */
		if (ret || signer_unreadable(sg))
			evflags |= EXECBAN_EVF_SIG_ERROR;	/* it could be a banned signer */
		else
			signer_match(sg, &v);
		if (!(evflags & EXECBAN_EVF_SIG_ERROR) && v.matched &&
		    v.rule.ident_kind != EXECBAN_IDENT_SHA256 && v.rule.action != EXECBAN_RULE_ALLOW &&
		    !hashed && !v.exhausted) {
			/*
			 * About to refuse (or audit) it by who signed it: its digest, for an
			 * exception ("allow sha256=", which the size filter does not hold) and
			 * for the event. Not from a file whose bytes need not be what runs.
			 * An unreadable signature is refused without hashing (no exception
			 * rescues it): through this copy of file_digest() too, it doubled the
			 * kernel_read_file program's states past 6.1's 1M instructions.
			 */
			if (j.stale || j.cls == FS_UNTRUSTED ||
			    file_digest(a, &j, inode, &k, &evflags, can_hash) ||
			    (j.ovl[0] && !ovl_still(&j)))
				evflags |= EXECBAN_EVF_NO_DIGEST;
			else if (digest_exempts(&k, &v))
				goto decide;	/* an exception: runs whoever signed it */
		}
		if ((evflags & EXECBAN_EVF_SIG_ERROR) && !hashed)
			evflags |= EXECBAN_EVF_NO_DIGEST;
		if (!(evflags & EXECBAN_EVF_SIG_ERROR) && sg && v.matched &&
		    v.rule.ident_kind != EXECBAN_IDENT_SHA256 &&
		    v.rule.action != EXECBAN_RULE_ALLOW && can_hash)
			/* For the event: whether a banned certificate signed it. */
			sg->verify = a->by_dentry ?
				     execban_dentry_verify_signer(a->dentry, v.rule.ident_kind) :
				     execban_file_verify_signer(a->file, v.rule.ident_kind);
	}

decide:
	/* One event for every outcome from here (see above): its verdict and flags vary. */
	if (v.exhausted) {
		/* The policy kept switching under us: refuse rather than guess. */
		evflags |= EXECBAN_EVF_GEN_EXHAUSTED;
		verdict = fail_verdict(a);
	} else if (evflags & EXECBAN_EVF_SIG_ERROR) {
		/* Who signed it cannot be known: it could be a banned signer. */
		stat_inc(EXECBAN_STAT_SIG_ERRORS);
		v.matched = false;
		v.gen = policy_gen();
		verdict = fail_verdict(a);
	} else if (!v.matched) {
		return 0;
	} else {
		count_hit(&v.key);
		if (v.rule.action == EXECBAN_RULE_ALLOW)
			return 0;	/* an exception: no denial, no event */
		verdict = verdict_of(&v, a);
	}
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
	struct access a = { .file = file, .action = EXECBAN_ACT_MMAP };
	struct execban_signer *sg;
	struct execban_sha256_key k;
	struct inode *inode;
	struct judged j = {};
	__u32 evflags = 0;

	if (!file)
		return;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return;
	judge(addr_of(file), addr_of(inode), judge_how(inode, JUDGE_MAPPING), &j);
	/* Only a cache entry helps mprotect, and it is kept on local filesystems only. */
	if (!j.cache)
		return;
	if (size_may_match(inode->i_size)) {
		file_digest(&a, &j, inode, &k, &evflags, true);
	} else if (signers_active() && !file_signer(&a, &j, inode, &sg, true)) {
		struct verdict v = {};

		/* A signer rule refuses it: an exception by digest would need its digest. */
		if (!signer_unreadable(sg))
			signer_match(sg, &v);
		if (signer_unreadable(sg) || (v.matched && v.rule.action != EXECBAN_RULE_ALLOW))
			file_digest(&a, &j, inode, &k, &evflags, true);
		return;
	}
	if (signers_active())
		file_signer(&a, &j, inode, &sg, true);
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

/* SHA-256 of the image of size bytes at kernel address addr into k. 0, or -1. */
static __always_inline int mem_digest(__u64 addr, __u64 size, struct execban_mem_scratch *sc,
				      struct execban_sha256_key *k)
{
	struct mem_hash h = { .addr = addr, .size = size, .sc = sc };

	if (size > (__u64)MEM_MAX_CHUNKS * EXECBAN_MEM_CHUNK ||
	    execban_sha256_init(sc->state, sizeof(sc->state)))
		return -1;
	bpf_loop(MEM_MAX_CHUNKS, mem_hash_step, &h, 0);
	if (h.failed || execban_sha256_final(sc->state, sizeof(sc->state), k->b, sizeof(k->b)))
		return -1;
	stat_inc(EXECBAN_STAT_HASHES);
	return 0;
}

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
	__u64 size = a->mem_size, win;
	__u32 evflags = 0;
	bool hashed = false;
	__u16 verdict;

	if (!use_kmod_signer)
		return 0;
	stat_inc(EXECBAN_STAT_CHECKS);
	sc = scratch_get(mem_scratch, EXECBAN_TM_MEM, mem);
	if (!sc)
		goto fail;
	if (!size_may_match(size)) {
		stat_inc(EXECBAN_STAT_SIZE_SKIPS);
	} else {
		if (mem_digest(addr, size, sc, &k))
			goto fail;
		hashed = true;
		policy_match(&k, &v);
	}

	if (!v.exhausted && (!v.matched || v.rule.action == EXECBAN_RULE_AUDIT) &&
	    signers_active()) {
		sg = scratch_get(signer_scratch, EXECBAN_TM_SIGNER, signer);
		if (!sg)
			goto fail;
		win = size < EXECBAN_MEM_CHUNK ? size : EXECBAN_MEM_CHUNK;
		if (bpf_probe_read_kernel(sc->buf, win, (const void *)(addr + size - win)) ||
		    execban_mem_signer(sc->buf, win, size, (__u8 *)sg, sizeof(*sg)))
			goto fail;
		stat_inc(EXECBAN_STAT_SIGNER_READS);
		if (signer_unreadable(sg) && !v.exhausted) {
			stat_inc(EXECBAN_STAT_SIG_ERRORS);
			v.matched = false;
			v.gen = policy_gen();
			emit_event(a, NULL, &k, &v, sg, EXECBAN_VERDICT_DENIED,
				   evflags | EXECBAN_EVF_SIG_ERROR | (hashed ? 0 : EXECBAN_EVF_NO_DIGEST),
				   false);
			return deny_ret();
		}
		if (!signer_unreadable(sg))
			signer_match(sg, &v);
		if (v.matched && v.rule.action != EXECBAN_RULE_ALLOW && !hashed &&
		    !v.exhausted) {
			if (mem_digest(addr, size, sc, &k))
				evflags |= EXECBAN_EVF_NO_DIGEST;
			else
				digest_exempts(&k, &v);
		}
	}

	if (v.exhausted) {
		emit_event(a, NULL, &k, &v, sg, EXECBAN_VERDICT_DENIED,
			   evflags | EXECBAN_EVF_GEN_EXHAUSTED, false);
		return deny_ret();
	}
	if (!v.matched)
		return 0;
	count_hit(&v.key);
	if (v.rule.action == EXECBAN_RULE_ALLOW)
		return 0;	/* an exception */
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
