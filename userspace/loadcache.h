/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loadcache.h - telling that the files of a load are those the policy in force was compiled
 * from, without reading them: what every input looked like (struct stat, glob matches) when
 * the policy in force was loaded, in LOADCACHE_PATH.
 */
#ifndef EXECBAN_LOADCACHE_H
#define EXECBAN_LOADCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "execban.h"

#define LOADCACHE_PATH	"/run/execban/load.inputs"

struct loadcache_input {
	char *path;		/* absolute: a file as opened, or an include pattern */
	bool glob;
	struct stat st;		/* a file: its stat before it was read */
	long long seen_ns;	/* and when (CLOCK_REALTIME) */
	size_t n_matches;	/* a glob: what it matched, and their digest */
	uint8_t matches[EXECBAN_SHA256_LEN];
};

/* A load's inputs, as the parser met them (policy.h on_file / on_glob, arg the struct). */
struct loadcache_inputs {
	struct loadcache_input *v;
	size_t n;
	bool unusable;		/* an input that cannot be described: write no record */
};

void loadcache_on_file(void *arg, const char *path, const struct stat *st);
void loadcache_on_glob(void *arg, const char *pattern, char *const *matches, size_t n);
void loadcache_inputs_free(struct loadcache_inputs *in);

/* What a load is, beside its inputs: the same command on the same files, by the same binary. */
struct loadcache_key {
	char *const *files;	/* the POLICY arguments */
	int n_files;
	size_t max_rules;
	bool force;
};

/* A path the policy marks (interpreter or quarantine), to mark again on an unchanged load. */
struct loadcache_mark {
	bool quarantine;
	char *path, *file;
	unsigned int line;
};

/* What a record promises: the policy in force when it was written. */
struct loadcache_record {
	uint64_t gen;
	uint8_t digest[EXECBAN_SHA256_LEN];
	struct loadcache_mark *marks;
	size_t n_marks;
};

/*
 * Record, after a load that left the policy whose digest is given in force as generation gen,
 * what its inputs looked like. Replaced atomically; 0 or -errno. Inputs that changed while
 * they were read (a ctime too close to now to tell a later write apart) are recorded as such
 * and never match.
 */
int loadcache_write(const struct loadcache_key *k, const struct loadcache_inputs *in,
		    const struct loadcache_mark *marks, size_t n_marks, uint64_t gen,
		    const uint8_t *digest);

/*
 * 0 and rec filled when LOADCACHE_PATH was written for the same key by this binary and no
 * input has changed since (the same stat of every file, the same matches of every glob); else
 * -ESTALE, or -ENOENT (no record). The caller still checks rec against the kernel.
 */
int loadcache_check(const struct loadcache_key *k, struct loadcache_record *rec);
void loadcache_record_free(struct loadcache_record *rec);

/* Forget the record (a load that changed the policy but could not write a new one). */
void loadcache_forget(void);

#endif /* EXECBAN_LOADCACHE_H */
