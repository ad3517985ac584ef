/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * execban.h - the boundary between execban's BPF programs, its kernel module and its CLI.
 *
 * Every struct, enum and constant that crosses BPF <-> userspace or kmod <-> userspace lives
 * here and nowhere else. Rules for changing it:
 *   - fixed-width types only, explicit padding, sizes pinned with _Static_assert;
 *   - enum values are explicit and only ever added, never renumbered;
 *   - an event may only grow at its end; bump EXECBAN_EVENT_VERSION when it does;
 *   - a change to any map's key or value layout bumps EXECBAN_MAPS_ABI, so a CLI refuses to
 *     reuse maps pinned by an incompatible one instead of misreading them.
 *
 * Included from three environments: BPF (vmlinux.h already included), the kernel module
 * (__KERNEL__), and userspace (linux/types.h).
 */
#ifndef EXECBAN_H
#define EXECBAN_H

#if !defined(__VMLINUX_H__) && !defined(__KERNEL__)
#include <linux/types.h>
#endif

#define EXECBAN_MAPS_ABI	1	/* layout of the pinned maps below */
#define EXECBAN_EVENT_VERSION	1	/* layout of struct execban_event */

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
 * Policies are double-buffered. Every policy map exists twice (suffix _0 and _1); the
 * generation counter in the "state" map selects the active copy (gen & 1). A load fills the
 * inactive copy, then increments gen: one 8-byte store switches every rule at once. Readers
 * read gen before and after their lookups and retry if it moved, so a lookup never mixes two
 * policies and a rule present in both is never missed (see bpf/policy.bpf.h).
 */
#define EXECBAN_SLOTS		2
#define EXECBAN_GEN_RETRIES	8

/* Pin layout under bpffs. */
#define EXECBAN_PIN_DIR		"/sys/fs/bpf/execban"

enum execban_rule_action {
	EXECBAN_RULE_DENY = 1,
	EXECBAN_RULE_AUDIT = 2,
};

enum execban_ident_kind {
	EXECBAN_IDENT_SHA256 = 1,
	EXECBAN_IDENT_SIGNER_SKID = 2,
	EXECBAN_IDENT_SIGNER_ISSUER_SERIAL = 3,
	EXECBAN_IDENT_SIGNER_CERT_SHA256 = 4,
	EXECBAN_IDENT_IMA_KEYID = 5,
};

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
};

/* Value of banned_sha256_{0,1}; the key is the 32-byte digest. */
struct execban_rule {
	__u32 rule_id;			/* index of the rule in the compiled policy, from 0 */
	__u16 action;			/* enum execban_rule_action */
	__u16 ident_kind;		/* enum execban_ident_kind */
	__u32 reason_id;		/* key in reasons_{0,1}, or EXECBAN_NO_REASON */
	__u32 flags;			/* enum execban_rule_flags */
	__u64 size;			/* the banned file's size, if EXECBAN_RULE_HAS_SIZE */
	char label[EXECBAN_LABEL_LEN];
};

enum execban_rule_flags {
	EXECBAN_RULE_HAS_SIZE = 1U << 0,
};
#define EXECBAN_NO_REASON	0xffffffffU

/* Value of reasons_{0,1} (an array indexed by reason_id). */
struct execban_reason {
	char text[EXECBAN_REASON_LEN];
};

/* Value of policy_info (an array of EXECBAN_SLOTS entries, one per policy copy). */
struct execban_policy_info {
	__u64 version;			/* the policy's "version" directive, 0 if none */
	__u32 mode;			/* enum execban_mode */
	__u32 flags;			/* enum execban_policy_flags */
	__u32 n_rules;
	__u32 n_sizes;
	__u32 n_reasons;
	__u32 pad;
	__u64 loaded_at_ns;		/* CLOCK_REALTIME of the load */
	__u8 digest[EXECBAN_SHA256_LEN];/* SHA-256 of the compiled policy */
	char name[EXECBAN_NAME_LEN];
};

/* Value of the one-entry "state" array. */
struct execban_state {
	__u64 gen;			/* active policy copy is gen & 1 */
	__u32 maps_abi;			/* EXECBAN_MAPS_ABI of whoever created the maps */
	__u32 pad;
};

/* Value of the per-CPU "event_seq" array. */
struct execban_event_seq {
	__u64 seq;			/* last sequence number handed out */
	__u64 lost;			/* dropped since the last delivered event */
};

/*
 * Value of the interpreters inode-storage map, set by the loader through an fd of each
 * interpreter named by the policy: gen[slot] is the generation of the policy that named it in
 * that slot. A task whose executable's inode carries gen[g & 1] == g for the active g is an
 * interpreter, and its opens of banned files (scripts read as data) are refused.
 */
struct execban_interp_mark {
	__u64 gen[EXECBAN_SLOTS];
};

/* Value of rule_hits, keyed by the matched digest: survives reloads and lost events. */
struct execban_rule_hits {
	__u64 hits;			/* matches (denied or audited) */
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
	EXECBAN_STAT_MAX = 16,
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
	__u32 valid;
	__u32 pad;
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
};

_Static_assert(sizeof(struct execban_rule) == 56, "execban_rule layout");
_Static_assert(sizeof(struct execban_policy_info) == 136, "execban_policy_info layout");
_Static_assert(sizeof(struct execban_state) == 16, "execban_state layout");
_Static_assert(sizeof(struct execban_rule_hits) == 16, "execban_rule_hits layout");
_Static_assert(sizeof(struct execban_inode_cache) == 80, "execban_inode_cache layout");
_Static_assert(sizeof(struct execban_event_hdr) == 32, "execban_event_hdr layout");
_Static_assert(sizeof(struct execban_event) % 8 == 0, "execban_event alignment");
_Static_assert(EXECBAN_PATH_LEN / EXECBAN_PATH_SLOT == 32, "path slots (PATH_DEPTH)");

#endif /* EXECBAN_H */
