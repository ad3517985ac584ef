/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * execban.h - the boundary between execban's BPF programs, its kernel module and its CLI.
 *
 * Every struct, enum and constant that crosses BPF <-> userspace or kmod <-> userspace lives
 * here and nowhere else. Rules for changing it:
 *   - fixed-width types only, explicit padding, sizes pinned with _Static_assert;
 *   - enum values are explicit and only ever added, never renumbered;
 *   - an event may only grow at its end; bump EXECBAN_EVENT_VERSION when it does;
 *   - a change to any map's key or value layout (or to a map's type or flags) bumps
 *     EXECBAN_MAPS_ABI, so a CLI refuses to reuse maps pinned by an incompatible one instead
 *     of misreading them;
 *   - a change to the signed manifest or its body's records bumps EXECBAN_BODY_ABI, and only
 *     that: signatures made before stay valid across changes of the pinned maps alone.
 *
 * Included from three environments: BPF (vmlinux.h already included), the kernel module
 * (__KERNEL__), and userspace (linux/types.h).
 */
#ifndef EXECBAN_H
#define EXECBAN_H

#if !defined(__VMLINUX_H__) && !defined(__KERNEL__)
#include <linux/types.h>
#endif

#define EXECBAN_MAPS_ABI	14	/* layout of the pinned maps below */
#define EXECBAN_BODY_ABI	11	/* layout of struct execban_manifest and its body's records */
#define EXECBAN_EVENT_VERSION	2	/* layout of struct execban_event */

#define EXECBAN_SHA256_LEN	32
#define EXECBAN_LABEL_LEN	32	/* rule label, NUL-terminated */
#define EXECBAN_REASON_LEN	128	/* rule reason, NUL-terminated */
#define EXECBAN_NAME_LEN	64	/* policy name, NUL-terminated */
#define EXECBAN_PATH_LEN	4096	/* full paths in events (PATH_MAX) */
#define EXECBAN_PATH_SLOT	128	/* see EXECBAN_EVF_PATH_SLOTS */
#define EXECBAN_FILENAME_LEN	256	/* the name exec was asked for (bprm->filename) */
#define EXECBAN_COMM_LEN	16

/* Defaults the loader may override at first load (map sizes are fixed once pinned). */
#define EXECBAN_DEFAULT_MAX_RULES	(1U << 20)
#define EXECBAN_DEFAULT_RINGBUF		(4U << 20)
/*
 * Distinct banned digests whose matches are counted (rule_hits), at most: a hash map's buckets
 * are allocated for its max_entries (16 bytes each), and counting a million would cost 16 MiB
 * of kernel memory at any policy size.
 */
#define EXECBAN_RULE_HITS_MAX		(1U << 16)

/*
 * Policies are double-buffered. Every policy map exists twice (suffix _0 and _1); the
 * generation counter in the "state" map selects the active copy (gen & 1). A load fills the
 * inactive copy, then increments gen: one 8-byte store switches every rule at once. Readers
 * read gen before and after their lookups and retry if it moved, so a lookup never mixes two
 * policies and a rule present in both is never missed (see bpf/policy.bpf.h).
 */
#define EXECBAN_SLOTS		2
#define EXECBAN_GEN_RETRIES	8

/*
 * Rules are sorted arrays (bpf/maps.bpf.h, "rules"), found through rule_index: one entry per
 * 16-bit key prefix and one for the end. A prefix's range is searched in at most
 * EXECBAN_RULE_SEARCH_STEPS halvings, enough for the largest --max-rules (2^26).
 */
#define EXECBAN_RULE_INDEX_SLOTS	65537
#define EXECBAN_RULE_SEARCH_STEPS	27
#define EXECBAN_MAX_RULES_LIMIT		(1U << 26)

/* Pin layout under bpffs. */
#define EXECBAN_PIN_DIR		"/sys/fs/bpf/execban"

enum execban_rule_action {
	EXECBAN_RULE_DENY = 1,
	EXECBAN_RULE_AUDIT = 2,
	/*
	 * An exception: the deny and audit rules of less specific identities that the file
	 * matches do not apply to it (execban_ident_specificity(), docs/execban.policy.5.md).
	 * Never a denial, never an event; rule_hits counts its matches.
	 */
	EXECBAN_RULE_ALLOW = 3,
};

enum execban_ident_kind {
	EXECBAN_IDENT_SHA256 = 1,
	EXECBAN_IDENT_SIGNER_SKID = 2,
	EXECBAN_IDENT_SIGNER_ISSUER_SERIAL = 3,
	EXECBAN_IDENT_SIGNER_CERT_SHA256 = 4,
	EXECBAN_IDENT_IMA_KEYID = 5,
};

/*
 * How narrowly an identity names files, for the precedence of allow rules: the file itself
 * (its digest), one certificate (its SHA-256, then its issuer and serial), one key (its
 * subjectKeyIdentifier, then the 4 bytes of an IMA key id, which unrelated keys can share).
 * An allow rule exempts a file from the deny and audit rules it matches by a strictly less
 * specific identity; among the rules left, deny beats audit. One definition, for the
 * programs (bpf/policy.bpf.h) and the CLI (userspace/verdict.c); 0 for an unknown kind.
 */
#define EXECBAN_IDENT_SPEC_NIBBLES	0x143250U	/* kind k: nibble k (kinds 0-7) */

static inline __u32 execban_ident_specificity(__u32 kind)
{
	/* sha256 5, cert 4, issuer+serial 3, skid 2, IMA key id 1; a table, not a switch,
	 * so that the programs compute it without a branch (bpf/policy.bpf.h) */
	return kind < 8 ? (EXECBAN_IDENT_SPEC_NIBBLES >> (4 * kind)) & 0xf : 0;
}

enum execban_mode {
	EXECBAN_MODE_ENFORCE = 1,
	EXECBAN_MODE_AUDIT = 2,	/* record, never deny */
};

/* struct execban_policy_info.flags */
enum execban_policy_flags {
	/*
	 * Every hash rule carries the banned file's size, so a file whose size is not in
	 * banned_sizes cannot match and is let through without hashing. Clear when any hash rule
	 * lacks a size: then every exec is hashed (once per inode change, through the cache).
	 */
	EXECBAN_POLICY_SIZE_FILTER = 1U << 0,
	/*
	 * The policy has deny or audit signer rules: every file checked is also asked who
	 * signed it (execban.ko), once per inode change, whatever its size. (Allow rules alone
	 * ban nothing: a policy whose only signer rules are allow rules reads no signature.)
	 */
	EXECBAN_POLICY_HAS_SIGNERS = 1U << 1,
};

/*
 * Signer rules share the rule arrays with hash rules. Their key is a 32-byte
 * identity key that no file digest can equal (that would take a SHA-256 preimage):
 *
 *   key = SHA-256(EXECBAN_SIGNER_KEY_PREFIX (15 bytes, its NUL included) || u8 kind || id)
 *
 * with kind an enum execban_ident_kind and id, by kind:
 *   EXECBAN_IDENT_SIGNER_SKID           the subjectKeyIdentifier's octets (1..64 bytes)
 *   EXECBAN_IDENT_SIGNER_ISSUER_SERIAL  SHA-256 of the issuer Name's whole DER (32 bytes),
 *                                       then the serial INTEGER's content octets as encoded
 *   EXECBAN_IDENT_SIGNER_CERT_SHA256    SHA-256 of the certificate's whole DER (32 bytes)
 *   EXECBAN_IDENT_IMA_KEYID             the 4-byte IMA key id, big-endian (as printed)
 *
 * The CLI derives these from the policy text, execban.ko from the file's signatures, and
 * both must agree byte for byte: tests/guest/signer.sh checks it on real signatures.
 */
#define EXECBAN_SIGNER_KEY_PREFIX	"execban-signer"
#define EXECBAN_SIGNER_KEY_PREFIX_LEN	15

/*
 * A rule, after its 32-byte key (the digest or signer key) in struct execban_rule_record, the
 * entry of the sorted rule arrays: 48 bytes a rule, a million in 46 MiB a copy. The label and
 * reason live in texts_{0,1}, shared by every rule that has the same pair.
 */
struct execban_rule {
	__u32 rule_id;			/* stable: the key's first 32 bits (compile.c) */
	__u32 text_id;			/* key in texts_{0,1}, or EXECBAN_NO_TEXT */
	__u8 action;			/* enum execban_rule_action */
	__u8 ident_kind;		/* enum execban_ident_kind */
	__u16 size_hi;			/* the banned file's size, bits 32-47 (execban_rule_size()) */
	__u32 size_lo;			/* bits 0-31 */
};

/* A rule's size= is below 2^48 (256 TiB); all ones means the rule has none. */
#define EXECBAN_RULE_SIZE_MAX	((1ULL << 48) - 2)
#define EXECBAN_RULE_NO_SIZE	((1ULL << 48) - 1)

static inline __u64 execban_rule_size(const struct execban_rule *r)
{
	return (__u64)r->size_hi << 32 | r->size_lo;
}

static inline void execban_rule_set_size(struct execban_rule *r, __u64 size)
{
	r->size_hi = (__u16)(size >> 32);
	r->size_lo = (__u32)size;
}

#define EXECBAN_NO_TEXT		0xffffffffU
#define EXECBAN_NO_RULE		0xffffffffU	/* an event's rule_id when no rule matched */

/*
 * Value of banned_sizes_{0,1} (one-entry arrays): the sizes of the banned files as a Bloom
 * filter of EXECBAN_SIZE_BITS bits, EXECBAN_SIZE_PROBES bits per size. A file whose size has
 * any of its bits clear is in no hash rule and is let through unhashed; one whose bits are all
 * set is hashed, and the digest decides: a false positive costs a hash, never a verdict (at a
 * million distinct sizes, 0.5% of other sizes; at 100,000, 6 in a million). A fixed 2 MiB per
 * copy, written in one map update however many rules: no per-size map entries to insert.
 */
#define EXECBAN_SIZE_BITS_LOG2	24
#define EXECBAN_SIZE_BITS	(1U << EXECBAN_SIZE_BITS_LOG2)
#define EXECBAN_SIZE_WORDS	(EXECBAN_SIZE_BITS / 64)
#define EXECBAN_SIZE_PROBES	3

struct execban_size_filter {
	__u64 w[EXECBAN_SIZE_WORDS];
};

/*
 * Bit @i (0 <= i < EXECBAN_SIZE_PROBES) of @size in the filter: double hashing over
 * splitmix64's finaliser. The one definition, for the programs, the CLI and the signed-policy
 * installer in the kernel.
 */
static inline __u32 execban_size_bit(__u64 size, __u32 i)
{
	__u64 h = size + 0x9e3779b97f4a7c15ULL;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (__u32)((h + (__u64)i * ((h >> 32) | 1)) & (EXECBAN_SIZE_BITS - 1));
}

/*
 * Value of texts_{0,1}, a hash keyed by text_id (stable ids, compile.c: sparse): a label and
 * reason pair, once for every rule that has it.
 */
struct execban_text {
	char label[EXECBAN_LABEL_LEN];
	char reason[EXECBAN_REASON_LEN];
};

/* Value of policy_info (an array of EXECBAN_SLOTS entries, one per policy copy). */
struct execban_policy_info {
	__u64 version;			/* the policy's "version" directive, 0 if none */
	__u32 mode;			/* enum execban_mode */
	__u32 flags;			/* enum execban_policy_flags */
	__u32 n_rules;
	__u32 n_sizes;
	__u32 n_texts;			/* entries of texts_{0,1} */
	__u32 n_signer_rules;		/* rules whose identity is a signer (map entries) */
	__u64 loaded_at_ns;		/* CLOCK_REALTIME of the load */
	__u8 digest[EXECBAN_SHA256_LEN];/* SHA-256 of the compiled policy */
	char name[EXECBAN_NAME_LEN];
};

/*
 * Value of the one-entry "state" array.
 *
 * The interpreter and quarantine marks have a generation of their own, mark_gen: an inode's
 * mark (struct execban_interp_mark) is in force while its gen[mark_gen & 1] == mark_gen. A
 * load moves it only when the list of marked paths changes (marks_sha256), and signed loads
 * in lock mode (which mark nothing) leave it alone.
 *
 * Generations decide which inodes' marks count. A task gets its executable's mark at exec if
 * the mark is for the generation in force or a later one (a load marks the new list's paths
 * before its switch), and keeps it, whatever loads come, until its next exec: a running
 * interpreter stays one. A new generation's parity is never mark_gen's, so marking inodes
 * for it leaves the marks in force untouched until the switch.
 */
struct execban_state {
	__u64 gen;			/* active policy copy is gen & 1 */
	__u32 maps_abi;			/* EXECBAN_MAPS_ABI of whoever created the maps */
	__u32 features;			/* enum execban_features of the attached programs */
	__u64 mark_gen;			/* 0: nothing marked yet */
	__u64 mark_last;		/* the last mark generation handed out (never reused) */
	__u8 marks_sha256[EXECBAN_SHA256_LEN];	/* of the marked paths, in policy order */
};

/* What the attached programs were loaded with (decided when they are loaded). */
enum execban_features {
	EXECBAN_FEAT_KMOD_HASH = 1U << 0,	/* hashing with execban.ko */
	EXECBAN_FEAT_SIGNERS = 1U << 1,		/* signer rules enforced (execban.ko) */
	/* banned files reported at their last close; hard links hashed from the page cache */
	EXECBAN_FEAT_INSTALL = 1U << 2,
};

/* Value of the per-CPU "event_seq" array. */
struct execban_event_seq {
	__u64 seq;			/* last sequence number handed out */
	__u64 lost;			/* dropped since the last delivered event */
};

/*
 * Value of the interpreters and quarantine_dirs inode-storage maps, set by the loader through
 * an fd of each interpreter or quarantine folder named by the policy: gen[m & 1] is the mark
 * generation m (execban_state.mark_gen) it was marked for. A task that execs an inode whose
 * mark is for the generation in force or a later one (mark_for_task()) is an interpreter until
 * its next exec, and its opens of banned files (scripts read as data) are refused. The task's
 * entry in task_interp (a copy of the mark) is what says so.
 */
struct execban_interp_mark {
	__u64 gen[EXECBAN_SLOTS];
};

/*
 * Key of interp_ids: an interpreter's inode as the kernel knows it. Inode storage goes with
 * the in-memory inode, and an interpreter no process runs can be evicted (memory pressure,
 * which any user can cause): its next exec meets a new in-memory inode with no mark. So a
 * marked inode is also recorded by identity, and its mark put back from there.
 */
struct execban_inode_id {
	__u32 dev;			/* i_sb->s_dev */
	__u32 pad;
	__u64 ino;			/* i_ino */
};

#define EXECBAN_INTERP_IDS	4096	/* entries of interp_ids */

/*
 * Value of mark_paths (an array, entry slot * EXECBAN_MARK_PATHS + i): the interpreter and
 * quarantine paths the policy in a slot named, as the loader marked them, so that `execban
 * show` can list them and check each one's mark. An entry counts for the slot's policy only
 * when its gen is that policy's generation. A policy may name more; they are enforced, not
 * listed.
 */
#define EXECBAN_MARK_PATHS	64
#define EXECBAN_MARK_PATH_LEN	256

enum execban_mark_kind {
	EXECBAN_MARK_INTERPRETER = 1,
	EXECBAN_MARK_QUARANTINE = 2,
};

struct execban_mark_path {
	__u64 gen;
	__u32 kind;			/* enum execban_mark_kind */
	__u32 pad;
	char path[EXECBAN_MARK_PATH_LEN];
};

/* Value of rule_hits, keyed by the matched digest: survives reloads and lost events. */
struct execban_rule_hits {
	__u64 hits;			/* matches (denied or audited; an allow rule: the
					 * files it let through, exempted or not) */
	__u64 last_boot_ns;		/* CLOCK_BOOTTIME of the last one */
};

/* Indexes of the per-CPU "stats" array; values are __u64 counters. */
enum execban_stat {
	EXECBAN_STAT_CHECKS = 0,	/* files considered by any hook */
	EXECBAN_STAT_SIZE_SKIPS = 1,	/* let through by the size filter */
	EXECBAN_STAT_CACHE_HITS = 2,	/* digest served from the inode cache */
	EXECBAN_STAT_HASHES = 3,	/* digests computed */
	EXECBAN_STAT_DENIED = 4,
	EXECBAN_STAT_AUDITED = 5,
	EXECBAN_STAT_HASH_ERRORS = 6,	/* hashing failed: failed closed (denied) */
	EXECBAN_STAT_EVENTS_LOST = 7,	/* ring buffer full: event dropped, verdict unaffected */
	EXECBAN_STAT_GEN_RETRIES = 8,	/* a policy switch raced a lookup */
	EXECBAN_STAT_SIGNER_READS = 9,	/* files whose signatures execban.ko read */
	EXECBAN_STAT_SIGNER_CACHE_HITS = 10,
	EXECBAN_STAT_SIG_ERRORS = 11,	/* unreadable signature: failed closed (denied) */
	EXECBAN_STAT_TAMPER = 12,	/* lock mode refused an attempt (a "tamper" event) */
	EXECBAN_STAT_SIGNED_LOADS = 13,	/* signed policies installed by the kernel */
	EXECBAN_STAT_INSTALL_CHECKS = 14,	/* files checked at their last writer's close */
	/*
	 * refused unread: a file of a banned size whose bytes execban cannot trust to be the
	 * ones that run (FUSE, a filesystem mounted in a user namespace, an overlayfs file
	 * whose layer changed under it: EXECBAN_EVF_UNTRUSTED_FS, EXECBAN_EVF_STALE_LAYER)
	 */
	EXECBAN_STAT_UNVERIFIABLE = 15,
	EXECBAN_STAT_MAX = 16,
};

/* struct execban_signer.formats: the signatures found on a file. */
enum execban_sig_formats {
	EXECBAN_SIGF_MODSIG = 1U << 0,		/* appended PKCS#7, module-signature format */
	EXECBAN_SIGF_IMA = 1U << 1,		/* security.ima signature (v2 or v3) */
	EXECBAN_SIGF_CERT = 1U << 2,		/* the PKCS#7 embeds the signer's certificate */
	EXECBAN_SIGF_KEYRING_SKID = 1U << 3,	/* skid found through a system keyring */
};

/* struct execban_signer.verify when no verification was attempted. */
#define EXECBAN_VERIFY_NOT_TRIED	1

#define EXECBAN_SIGNER_KEYS	4	/* at most one key per signer identity kind */
#define EXECBAN_SKID_MAX	64

/*
 * The largest signatures read: an appended PKCS#7 or a security.ima value above these is an
 * unreadable signature (-EMSGSIZE), which fails closed while signer rules are in force. The
 * bounds of kmod/signer.c (EXECBAN_SIG_MAX, EXECBAN_IMA_XATTR_MAX there), here so that the
 * CLI (execban hash, execban scan) judges a file's signatures as execban.ko does.
 */
#define EXECBAN_MODSIG_PKCS7_MAX	(64 * 1024)
#define EXECBAN_IMA_XATTR_LEN_MAX	1024

/*
 * Who signed a file, as execban.ko's execban_file_signer() reads it from the file's
 * signatures. keys[i] (kind key_kind[i], 0 = unused) are the identity keys described above,
 * looked up in the policy; the rest is for events and people.
 *
 * modsig_err and ima_err: 0 when that signature was read, -ENODATA (-61) when the file has
 * none, another -errno when one is present but cannot be read (malformed, unsupported
 * variant, too big): with signer rules in force such a file is refused (fail closed).
 */
struct execban_signer {
	__u32 formats;			/* enum execban_sig_formats */
	__s32 modsig_err;
	__s32 ima_err;
	__s32 verify;			/* 0: verified against a banned certificate (execban's
					 * keyring); -ENOKEY: by none of them; -EKEYREJECTED: a
					 * bad signature; another -errno; or
					 * EXECBAN_VERIFY_NOT_TRIED */
	__u8 sid_type;			/* 1 issuer and serial, 2 subject key id (PKCS#7) */
	__u8 skid_len;			/* bytes in skid; 0 if unknown */
	__u8 serial_len;		/* bytes in serial (sid_type 1) */
	__u8 n_keys;
	__u32 ima_keyid;		/* host order, if EXECBAN_SIGF_IMA */
	__u8 skid[EXECBAN_SKID_MAX];
	__u8 issuer_sha256[EXECBAN_SHA256_LEN];	/* SHA-256 of the issuer Name's DER */
	__u8 serial[32];
	__u8 cert_sha256[EXECBAN_SHA256_LEN];	/* if EXECBAN_SIGF_CERT */
	__u8 key_kind[EXECBAN_SIGNER_KEYS];
	__u32 pad;			/* 0 from execban.ko; the programs use it in their scratch
					 * copy for the actions of the keys' rules (policy.bpf.h) */
	__u8 keys[EXECBAN_SIGNER_KEYS][EXECBAN_SHA256_LEN];
};

/*
 * init_module(2) images exist only in memory: the BPF program copies them, EXECBAN_MEM_CHUNK
 * bytes at a time, into a task's scratch entry and hashes them with execban.ko's SHA-256
 * kfuncs (state: EXECBAN_SHA256_STATE_LEN bytes, the kernel's struct sha256_state, struct
 * sha256_ctx on 7.2). The last EXECBAN_MEM_CHUNK bytes also go to execban_mem_signer(): a
 * module's signature must fit.
 */
#define EXECBAN_MEM_CHUNK		32768
#define EXECBAN_SHA256_STATE_LEN	128

/*
 * An f_flags bit of execban.ko's own second open of a file whose open is in progress
 * (kmod/compat.h, kmod/kfuncs.c), which lsm.s/file_open lets through. No open flag uses it
 * (O_ACCMODE is 03, O_CREAT 0100), so open(2) drops it and openat2(2) refuses it.
 */
#define EXECBAN_KMOD_OPEN_FLAG		020

struct execban_mem_scratch {
	__u8 state[EXECBAN_SHA256_STATE_LEN];
	__u8 buf[EXECBAN_MEM_CHUNK];
};

/* ---- Lock mode (bpf/lock.bpf.h, docs/lock-mode.md) ---- */

/*
 * Value of the one-entry "lock" array. Written only by the BPF programs (userspace can never
 * open it for writing): set by an EXECBAN_CTL_LOCK request, cleared only by a reboot.
 */
struct execban_lock {
	__u32 locked;
	__s32 keyring;			/* serial of the keyring holding the policy key */
	__u64 lock_gen;			/* generation in force when locked: its marks stay valid */
	__u64 min_version;		/* version in force: a signed policy must be newer */
	__u64 pin_dir;			/* kernel address of the pin directory's inode */
	__u64 pin_sb;			/* and of its bpffs superblock */
	__u64 locked_at_ns;		/* CLOCK_BOOTTIME of the lock */
	__u32 busy;			/* a signed policy is being installed */
	__u32 pad;
	__u32 task_maps;		/* enum execban_task_map */
	__u32 interp_ino_bits;		/* bit i_ino % 32 of every inode in interp_ids */
	__u8 key_sha256[EXECBAN_SHA256_LEN];	/* SHA-256 of the policy key's certificate */
};

/*
 * Bits of execban_lock.task_maps: the per-task maps that have ever held an entry. A bit is
 * set, for good, before its map's first entry is made, so the hooks every exec and every
 * task's end run (task_alloc, bprm_committed_creds, task_free) skip the lookups in a map that
 * has never held one. Kept in the lock map because no one but the programs can write it: a
 * bit cleared behind them would leave a marked interpreter's children unmarked.
 */
enum execban_task_map {
	EXECBAN_TM_INTERP = 1U << 0,	/* task_interp */
	EXECBAN_TM_SIGNER = 1U << 1,	/* signer_scratch */
	EXECBAN_TM_MEM = 1U << 2,	/* mem_scratch */
	EXECBAN_TM_PROTECTED = 1U << 3,	/* protected_tasks */
};

/*
 * A compiled policy as the kernel installs it in lock mode. The manifest is what is signed
 * (detached PKCS#7, `execban sign` or `openssl cms -sign -binary -outform DER`); it holds the
 * SHA-256 of the body, which the kernel computes over exactly the bytes it copies into the
 * maps: n_rules rule records, then n_sizes size records, then n_texts text records.
 */
#define EXECBAN_MANIFEST_MAGIC		"execban-policy1"	/* 16 bytes with its NUL */
#define EXECBAN_POLICY_SIG_MAX		8192

struct execban_manifest {
	char magic[16];
	__u32 body_abi;			/* EXECBAN_BODY_ABI */
	__u32 n_marks;			/* interpreter and quarantine paths */
	struct execban_policy_info info;/* loaded_at_ns 0 */
	__u8 body_sha256[EXECBAN_SHA256_LEN];
	__u8 marks_sha256[EXECBAN_SHA256_LEN];	/* of the interpreter and quarantine paths */
};

struct execban_rule_record {
	__u8 key[EXECBAN_SHA256_LEN];
	struct execban_rule rule;
};

struct execban_size_record {
	__u64 size;
	__u32 count;
	__u32 pad;
};

struct execban_text_record {
	__u32 id;			/* its key in texts_{0,1}: execban_rule.text_id */
	__u32 pad;
	struct execban_text text;
};

/* Requests written to the one-entry "lock_ctl" array; the bpf hook acts on them. */
enum execban_ctl_op {
	EXECBAN_CTL_LOCK = 1,		/* turn lock mode on (until reboot) */
	EXECBAN_CTL_LOAD = 2,		/* install a signed policy (lock mode) */
	EXECBAN_CTL_PROTECT = 3,	/* protect the calling process (the daemon) */
};

struct execban_ctl {
	__u32 op;			/* enum execban_ctl_op */
	__s32 keyring;			/* LOCK: the policy key's keyring */
	__s32 pin_dir_fd;		/* LOCK: an fd of EXECBAN_PIN_DIR */
	__u32 sig_len;			/* LOAD */
	__u64 manifest;			/* LOAD: user addresses */
	__u64 sig;
	__u64 rules;			/* n_rules struct execban_rule_record */
	__u64 sizes;			/* n_sizes struct execban_size_record */
	__u64 texts;			/* n_texts struct execban_text_record */
	__u64 now_ns;			/* LOAD: CLOCK_REALTIME, for policy_info.loaded_at_ns */
	__u8 key_sha256[EXECBAN_SHA256_LEN];	/* LOCK: for status */
};

/* Scratch space of a signed load (one at a time: execban_lock.busy). */
struct execban_lock_scratch {
	struct execban_manifest manifest;
	__u8 sig[EXECBAN_POLICY_SIG_MAX];
	__u8 state[EXECBAN_SHA256_STATE_LEN];
	__u8 rec[sizeof(struct execban_text_record)];	/* the largest record */
	struct execban_rule_record prev;	/* the last rule: keys must ascend */
	__u32 walk_q, walk_i;			/* index_step()'s position (lock.bpf.h) */
	__u64 pad;
};

/* Value of the inode_cache inode-storage map: a digest and what it was computed from. */
struct execban_inode_cache {
	__u8 sha256[EXECBAN_SHA256_LEN];
	__u64 i_version;		/* i_version >> 1 (bit 0 is the "queried" flag) */
	__s64 mtime_sec;
	__s64 ctime_sec;
	__u32 mtime_nsec;
	__u32 ctime_nsec;
	__u64 size;
	__u32 valid;			/* enum execban_cache_valid */
	/*
	 * Bumped by every open for writing and every truncate of the inode. An entry is
	 * filled only if no writer was there before or after the read and wgen did not move
	 * meanwhile (fill_gen: the wgen it was read under), and used only while wgen still
	 * equals fill_gen. seq is odd while a filler writes the entry (readers retry).
	 * 64 bits: 2^32 opens for writing (hours, for a user who may open the file) would
	 * bring a 32-bit wgen back to a stale entry's fill_gen.
	 */
	__u32 seq;
	__u64 wgen;
	__u64 fill_gen;
	struct execban_signer signer;	/* if EXECBAN_CACHE_SIGNER */
};

enum execban_cache_valid {
	EXECBAN_CACHE_DIGEST = 1U << 0,		/* sha256 holds the file's digest */
	EXECBAN_CACHE_SIGNER = 1U << 1,		/* signer holds what execban.ko read */
};

/* ---- Events (ring buffer "events") ---- */

enum execban_event_type {
	EXECBAN_EV_DECISION = 1,	/* struct execban_event */
};

enum execban_action {
	EXECBAN_ACT_EXEC = 1,
	EXECBAN_ACT_MMAP = 2,
	EXECBAN_ACT_MPROTECT = 3,
	EXECBAN_ACT_RENAME = 4,
	EXECBAN_ACT_LINK = 5,
	EXECBAN_ACT_CHMOD = 6,
	EXECBAN_ACT_MODULE = 7,
	EXECBAN_ACT_INSTALL = 8,
	EXECBAN_ACT_TAMPER = 9,
	EXECBAN_ACT_OPEN = 10,
};

enum execban_verdict {
	EXECBAN_VERDICT_DENIED = 1,
	EXECBAN_VERDICT_AUDITED = 2,
};

/* struct execban_event.flags */
enum execban_event_flags {
	EXECBAN_EVF_HASH_ERROR = 1U << 0,	/* no digest: denied by the fail-closed rule */
	EXECBAN_EVF_PATH_TRUNC = 1U << 1,	/* path did not fit or could not be resolved */
	EXECBAN_EVF_CACHED = 1U << 2,		/* digest came from the inode cache */
	EXECBAN_EVF_GEN_EXHAUSTED = 1U << 3,	/* policy kept switching: failed closed */
	/*
	 * path holds the components in fixed slots of EXECBAN_PATH_SLOT bytes, root first,
	 * ended by an empty slot (hooks where bpf_d_path is not allowed); readers join them.
	 */
	EXECBAN_EVF_PATH_SLOTS = 1U << 4,
	EXECBAN_EVF_EXE_SLOTS = 1U << 5,	/* exe holds slots, as path does above */
	EXECBAN_EVF_EXE_TRUNC = 1U << 6,	/* exe could not be resolved in full */
	EXECBAN_EVF_SIGNER = 1U << 7,		/* signer holds the file's signatures */
	EXECBAN_EVF_SIG_ERROR = 1U << 8,	/* a signature could not be read: failed closed */
	EXECBAN_EVF_NO_DIGEST = 1U << 9,	/* sha256 was not computed (signer rule match) */
	/*
	 * path is relative to the root of the file's filesystem: the hook (rename, chmod, link)
	 * has a dentry and no mount. filename then holds the new name (rename, link).
	 */
	EXECBAN_EVF_PATH_FSREL = 1U << 10,
	/*
	 * Refused unread: the file has a banned size and lives where what execban reads need
	 * not be what runs (FUSE, whose server answers each read as it likes; a filesystem
	 * mounted inside a user namespace). docs/threat-model.md.
	 */
	EXECBAN_EVF_UNTRUSTED_FS = 1U << 11,
	/*
	 * Refused: an overlayfs file of a banned size whose open file maps one layer's file
	 * while reads go to another (opened before a copy-up), so the bytes hashed would not
	 * be the bytes mapped.
	 */
	EXECBAN_EVF_STALE_LAYER = 1U << 12,
};

/* Common header of every ring-buffer record. */
struct execban_event_hdr {
	__u16 type;			/* enum execban_event_type */
	__u16 version;			/* EXECBAN_EVENT_VERSION */
	__u32 size;			/* of the whole record */
	__u64 boot_ns;			/* CLOCK_BOOTTIME when it happened */
	__u64 seq;			/* per-CPU sequence number, from 1: a gap means loss */
	__u32 cpu;
	__u32 lost_before;		/* events dropped on this CPU since the last delivered one */
};

struct execban_event {
	struct execban_event_hdr hdr;
	__u16 action;			/* enum execban_action */
	__u16 verdict;			/* enum execban_verdict */
	__u32 flags;			/* enum execban_event_flags */
	/* the rule */
	__u32 rule_id;
	__u16 ident_kind;		/* enum execban_ident_kind that matched */
	__u16 pad0;
	__u64 policy_gen;
	__u64 policy_version;
	__u8 policy_digest[EXECBAN_SHA256_LEN];
	char label[EXECBAN_LABEL_LEN];
	char reason[EXECBAN_REASON_LEN];
	/* the process */
	__u32 pid;			/* thread id */
	__u32 tgid;			/* process id */
	__u32 ppid;			/* parent's tgid */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 loginuid;
	__u32 sessionid;
	__u64 cgroup_id;
	char comm[EXECBAN_COMM_LEN];
	char pcomm[EXECBAN_COMM_LEN];
	/* the target */
	__u64 dev;
	__u64 ino;
	__u64 size;
	__u8 sha256[EXECBAN_SHA256_LEN];
	char filename[EXECBAN_FILENAME_LEN];	/* as asked for (exec), may be relative */
	char path[EXECBAN_PATH_LEN];		/* full path of the file */
	char exe[EXECBAN_PATH_LEN];		/* full path of the acting process's executable */
	/* version 2 */
	__u8 match_key[EXECBAN_SHA256_LEN];	/* the key found in the policy */
	struct execban_signer signer;		/* if EXECBAN_EVF_SIGNER */
};

_Static_assert(sizeof(struct execban_rule) == 16, "execban_rule layout");
_Static_assert(sizeof(struct execban_text) == 160, "execban_text layout");
_Static_assert(sizeof(struct execban_policy_info) == 136, "execban_policy_info layout");
_Static_assert(sizeof(struct execban_state) == 64, "execban_state layout");
_Static_assert(sizeof(struct execban_rule_hits) == 16, "execban_rule_hits layout");
_Static_assert(sizeof(struct execban_signer) == 320, "execban_signer layout");
_Static_assert(sizeof(struct execban_inode_cache) == 96 + 320, "execban_inode_cache layout");
_Static_assert(sizeof(struct execban_event_hdr) == 32, "execban_event_hdr layout");
_Static_assert(sizeof(struct execban_event) % 8 == 0, "execban_event alignment");
_Static_assert(sizeof(struct execban_lock) == 96, "execban_lock layout");
_Static_assert(sizeof(struct execban_mark_path) == 272, "execban_mark_path layout");
_Static_assert(sizeof(struct execban_manifest) == 224, "execban_manifest layout");
_Static_assert(sizeof(struct execban_rule_record) == 48, "execban_rule_record layout");
_Static_assert(sizeof(struct execban_ctl) == 96, "execban_ctl layout");
_Static_assert(EXECBAN_PATH_LEN / EXECBAN_PATH_SLOT == 32, "path slots (PATH_DEPTH)");

#endif /* EXECBAN_H */
