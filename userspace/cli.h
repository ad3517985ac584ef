/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - shared declarations of the execban CLI: verbs, exit codes, helpers.
 */
#ifndef EXECBAN_CLI_H
#define EXECBAN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "execban.h"

/* Exit codes, documented in docs/execban.8.md. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* bad policy, banned file found, check failed */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_SYSTEM = 3,	/* the kernel or system refused (no bpf LSM, not root, ...) */
};

/* One entry per pinned object under EXECBAN_PIN_DIR. */
enum pinned_map {
	PM_RULES, PM_RULE_INDEX, PM_SIZES_0, PM_SIZES_1, PM_TEXTS_0, PM_TEXTS_1,
	PM_POLICY_INFO, PM_STATE, PM_STATS, PM_EVENT_SEQ, PM_EVENTS, PM_INODE_CACHE, PM_RULE_HITS, PM_INTERPRETERS, PM_TASK_INTERP,
	PM_SIGNER_SCRATCH, PM_MEM_SCRATCH, PM_ZEROES, PM_QUARANTINE,
	PM_LOCK, PM_LOCK_CTL, PM_LOCK_SCRATCH, PM_PROTECTED, PM_MARK_PATHS, PM_INTERP_IDS,
	PM_COUNT,
};

extern const char *const pinned_map_names[PM_COUNT];
/* Record fd's interpreter mark by identity, or put it back after an eviction (util.c). */
void interp_mark_sync(int fd);

/* The programs of bpf/execban.bpf.c; each is pinned as link_<name> once attached. */
extern const char *const program_names[];
extern const int n_programs;
int count_attached(void);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_sync(int argc, char **argv);

/* lock.c */
struct compiled;
int lock_read(struct execban_lock *lk);		/* 0, or -errno (not loaded) */
/* The generation and policy_info in force, read-only (lock.c). 0 or -errno. */
int active_info(struct execban_policy_info *info, struct execban_state *st);
int lock_protect_self(void);
int signed_load(const struct compiled *c, const char *sig_path, uint64_t *gen);

/* show.c: a rule in policy syntax (pr: its identity as written, if known), no newline */
struct sha256_key;
struct policy_rule;
void fprint_rule(FILE *out, const struct sha256_key *k, const struct execban_rule *r,
		const struct policy_rule *pr, const char *label, const char *reason);

/* util.c */
void timing(const char *step);	/* EXECBAN_TIMING=1: a step's time on stderr */
unsigned long threads_max(void);	/* kernel.threads-max, 0 if unknown */
uint32_t task_map_entries(unsigned long threads);	/* task_interp, signer_scratch */
__attribute__((format(printf, 1, 2))) void err(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);
/* err() and warn() about a file: "execban: error: <path>: <message>", the path escaped */
__attribute__((format(printf, 2, 3))) void err_path(const char *path, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void warn_path(const char *path, const char *fmt, ...);
/* When set, called with every err()/err_path() message (path NULL for err()). */
extern void (*err_hook)(const char *path, const char *msg);
/* When set, called with every err(), warn(), err_path() and warn_path() message (file NULL for
 * err() and warn(), line 0), and by the compiler (compile.c) with every policy diagnostic,
 * file:line included: what a verb's --json object carries as "messages" (jsonmsg.c). */
extern void (*msg_hook)(const char *file, unsigned int line, bool error, const char *msg);
void hex_encode(const uint8_t *b, size_t n, char *out);
int sha256_fd(int fd, uint8_t out[EXECBAN_SHA256_LEN], uint64_t *size);
int pin_path(char *buf, size_t len, const char *name);
int open_pinned_map(enum pinned_map m);		/* for writing (the lock map: reading) */
int open_pinned_map_ro(enum pinned_map m);
int lock_pin_dir(void);
/* The kernel memory a map holds (its fdinfo "memlock"), in bytes; 0 if unknown. */
uint64_t map_memlock(int fd);
/* Map entries a batched syscall (or a kill point's share of a mapped write) moves at once. */
#define MAP_BATCH	8192
/*
 * Test hook for the kill-during-load tests: EXECBAN_TEST_KILL_AFTER_BATCH=N sends this process
 * SIGKILL at its Nth call (0: the first), one before each batch of a map write.
 */
void test_kill_point(void);
/* n entries into map fd, in batches of MAP_BATCH (a kill point before each). 0 or -errno. */
int map_update_batched(int fd, const void *keys, size_t key_size, const void *vals,
		       size_t value_size, size_t n);
/* A usage error: "execban VERB: <problem>" and "Try 'execban VERB --help'." on stderr;
 * both return EXIT_USAGE. usage_hint alone follows getopt_long's own line. */
__attribute__((format(printf, 2, 3))) int usage_error(const char *verb, const char *fmt, ...);

/* audit.c: records in the audit log through libaudit: 0 (written, or no audit here) or -errno
 * (a record that should have been written was not; audit_error() says why). */
int audit_denial(const char *action, const char *verdict, const char *path, const char *sha256,
		 const char *rule, unsigned int pid, unsigned int uid, int loginuid,
		 const char *comm);
int audit_admin(const char *verb, int argc, char **argv, int status);
const char *audit_error(int err);
int usage_hint(const char *verb);
/* Strings others choose (file names, comm, labels) in text output: one line, every control
 * character escaped C-style (util.c says which). esc() writes into buf (ESC_LEN(n) bytes hold
 * any n-byte string; a longer one is cut, ending "...") and returns it. */
#define ESC_LEN(n) (4 * (size_t)(n) + 1)
char *esc(char *buf, size_t len, const char *s);
void fput_esc(FILE *out, const char *s);

/* load.c */
const char *signers_inactive_why(uint32_t features);
/* execban load FILES, printing nothing on stdout (errors and warnings on stderr): sync's step */
int load_quiet(char **files, int n);

/* keys.c */
struct compiled;
int kmod_keys_setup(const struct compiled *c);

/* lsm.c */
int require_bpf_lsm(void);
int read_lsms(char *buf, size_t len);
bool lsm_active(const char *lsms, const char *name);

#endif /* EXECBAN_CLI_H */
