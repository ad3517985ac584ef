/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.bpf.h - every map of the execban BPF object.
 *
 * Policy maps come in two copies (_0, _1) selected by state.gen & 1; see execban.h and
 * policy.bpf.h. Sizes marked "set by the loader" are fixed when the maps are first pinned.
 */
#ifndef EXECBAN_MAPS_BPF_H
#define EXECBAN_MAPS_BPF_H

struct execban_sha256_key {
	__u8 b[EXECBAN_SHA256_LEN];
};

/*
 * Banned digests (and signer keys) -> rule: per policy copy, an array of the rules sorted by
 * key (struct execban_rule_record, 48 bytes: no hash buckets, no per-element header), made by
 * each load at the policy's size and swapped into its slot of the outer map "rules". A lookup
 * reads the 16-bit prefix's range from rule_index, then binary-searches it (policy.bpf.h,
 * rule_find()). A million rules cost 46 MiB a copy, where a hash took 109 MiB (bench/lookup).
 * BPF_F_INNER_MAP: arrays of any size fit the slot. An empty slot is a copy with no rules.
 * BPF_F_MMAPABLE: a load writes (and reads back) the array through a mapping, one memcpy where
 * batched updates cost about 700 guest instructions an entry; it then freezes the array before
 * it goes into a slot, so no one writes it from userspace again, by syscall or by mapping
 * (userspace/rulemap.c).
 */
struct rule_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* any: each load sizes its own */
	__type(key, __u32);
	__type(value, struct execban_rule_record);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EXECBAN_SLOTS);
	__type(key, __u32);
	__array(values, struct rule_array);
} rules SEC(".maps");

/*
 * Per copy (slot * EXECBAN_RULE_INDEX_SLOTS + p): the position in its rule array of the first
 * key whose first 16 bits are p or more; entry 65536 is the number of rules. Written with the
 * array, before the switch.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXECBAN_SLOTS * EXECBAN_RULE_INDEX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} rule_index SEC(".maps");

/* Sizes of banned files, the prefilter: a Bloom filter (struct execban_size_filter). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_size_filter);
} banned_sizes_0 SEC(".maps"), banned_sizes_1 SEC(".maps");

/* Rule labels and reasons, each pair once, keyed by execban_rule.text_id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EXECBAN_DEFAULT_MAX_RULES);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct execban_text);
} texts_0 SEC(".maps"), texts_1 SEC(".maps");

/* One entry per policy copy: its mode, flags, name, version and digest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXECBAN_SLOTS);
	__type(key, __u32);
	__type(value, struct execban_policy_info);
} policy_info SEC(".maps");

/* The generation counter that selects the active copy. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_state);
} state SEC(".maps");

/* Counters (enum execban_stat), per CPU, updated atomically (sleepable programs share a CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXECBAN_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Per-CPU event sequence numbers and drops not yet reported. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_event_seq);
} event_seq SEC(".maps");

/* Decisions for responders. Full: the event is counted as lost, the verdict stands. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EXECBAN_DEFAULT_RINGBUF);	/* set by the loader */
} events SEC(".maps");

/*
 * Matches per banned digest, so figures survive a full ring buffer and policy reloads. Full:
 * a new digest's count is not recorded (the verdict and event are unaffected).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EXECBAN_RULE_HITS_MAX);	/* or --max-rules, if smaller */
	__type(key, struct execban_sha256_key);
	__type(value, struct execban_rule_hits);
} rule_hits SEC(".maps");

/* Interpreters named by the policy; see struct execban_interp_mark. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct execban_interp_mark);
} interpreters SEC(".maps");

/*
 * The interpreters' marks by inode identity (struct execban_inode_id), for marked inodes
 * evicted since: see interp_mark_of() in policy.bpf.h.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXECBAN_INTERP_IDS);
	__type(key, struct execban_inode_id);
	__type(value, struct execban_interp_mark);
} interp_ids SEC(".maps");

/*
 * Quarantine folders named by the policy (same marks as interpreters): renaming a banned file
 * into one is allowed, and audited, so responders can move what they find out of the way.
 */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct execban_interp_mark);
} quarantine_dirs SEC(".maps");

/* The paths behind the marks above, per policy copy, for execban show (execban.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXECBAN_SLOTS * EXECBAN_MARK_PATHS);
	__type(key, __u32);
	__type(value, struct execban_mark_path);
} mark_paths SEC(".maps");

/*
 * The interpreter mark of the executable a task runs, keyed by the task's address (task_alloc
 * runs before the child has a pid): copied at exec (bprm_committed_creds), inherited at fork
 * (task_alloc), dropped at task_free, before the address can be reused. file_open reads it
 * through the current task. A hash map rather than task storage for the reason given at
 * signer_scratch below: a lookup that failed would let an interpreter read a banned script.
 * Full, it fails closed: the exec (bprm_check_security makes the entry) or the fork or
 * thread (task_alloc) of a marked interpreter is refused with -ENOMEM. Sized by the loader at
 * twice kernel.threads-max (task_map_entries() in userspace/util.c), so no set of live tasks
 * fills it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);	/* set by the loader */
	__type(key, __u64);
	__type(value, struct execban_interp_mark);
} task_interp SEC(".maps");

/* Per-inode digest cache; see check.bpf.h for when an entry is trusted. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct execban_inode_cache);
} inode_cache SEC(".maps");

/*
 * Per-task scratch space, keyed by thread id: what execban.ko says about a file's signers (320
 * bytes: too big for the stack, and per-CPU space is unsafe in programs that sleep), and the
 * buffer an init_module image is hashed through. Not task storage: on 6.1,
 * bpf_task_storage_get() returns NULL whenever another task on the same CPU is inside a
 * task-storage call (a per-CPU "busy" counter held across a sleeping allocation), which a
 * fail-closed check would turn into a refusal. Hash map updates lock with preemption off and
 * lookups take no lock. Entries are removed when their task is freed (lsm/task_free). Sized
 * as task_interp is.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct execban_signer);
} signer_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 16);
	__type(key, __u32);
	__type(value, struct execban_mem_scratch);
} mem_scratch SEC(".maps");

/* Lock mode (bpf/lock.bpf.h): its state, written only by the programs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_lock);
} lock SEC(".maps");

/* Requests (struct execban_ctl): writing one asks the bpf() hook to carry it out. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_ctl);
} lock_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_lock_scratch);
} lock_scratch SEC(".maps");

/* Processes (tgid) protected from signals and ptrace while locked; dropped at their exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} protected_tasks SEC(".maps");

/* Before the first entry of a per-task map (enum execban_task_map) is made. */
static __always_inline void task_map_used(__u32 bit)
{
	__u32 zero = 0;
	struct execban_lock *lk = bpf_map_lookup_elem(&lock, &zero);

	if (lk && !(lk->task_maps & bit))
		__sync_fetch_and_or(&lk->task_maps, bit);
}

/* May the map have an entry? Asked when a task starts, execs or ends. */
static __always_inline bool task_map_in_use(__u32 bit)
{
	__u32 zero = 0;
	struct execban_lock *lk = bpf_map_lookup_elem(&lock, &zero);

	return !lk || (lk->task_maps & bit);
}

/* Zeroed values to create scratch entries from (array values start zeroed). */
struct execban_zeroes {
	struct execban_signer signer;
	struct execban_mem_scratch mem;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execban_zeroes);
} zeroes SEC(".maps");

/*
 * The current thread's scratch entry in map m (enum execban_task_map bit), created from its
 * zero value z.
 */
#define scratch_get(m, bit, z)						\
({									\
	__u32 __tid = (__u32)bpf_get_current_pid_tgid(), __zero = 0;	\
	struct execban_zeroes *__z;					\
	void *__s = bpf_map_lookup_elem(&m, &__tid);			\
									\
	if (!__s) {							\
		__z = bpf_map_lookup_elem(&zeroes, &__zero);		\
		if (__z) {						\
			task_map_used(bit);				\
			bpf_map_update_elem(&m, &__tid, &__z->z, BPF_NOEXIST); \
			__s = bpf_map_lookup_elem(&m, &__tid);		\
		}							\
	}								\
	__s;								\
})

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

#endif /* EXECBAN_MAPS_BPF_H */
