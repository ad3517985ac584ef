/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysguard.h - the files a machine needs to boot and to be repaired, and whether a ban list
 * names one of them. check, load and import refuse such a list unless --force (issue 19).
 * What is protected, and how it is computed: sysguard.c and docs/execban.8.md.
 */
#ifndef EXECBAN_SYSGUARD_H
#define EXECBAN_SYSGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"

/* The default digest cache; EXECBAN_SYSGUARD_CACHE names another ("" or "off": none). */
#define SYSGUARD_CACHE	"/var/cache/execban/sysguard.cache"

/* What a ban list bans, as sysguard_run() looks for it. */
struct sysguard_query {
	const struct sha256_key *keys;	/* sorted: digests, and signer keys (ident_key()) */
	const uint8_t *kinds;		/* kinds[i]: enum execban_ident_kind of keys[i]; NULL: all
					   are digests */
	const uint8_t *actions;		/* actions[i]: enum execban_rule_action of keys[i]; NULL:
					   all deny. An allow rule is an exception, not a ban */
	size_t kinds_stride;		/* bytes from kinds[i] to kinds[i + 1], and actions' */
	size_t n_keys;
	const uint64_t *sizes;		/* sorted: the banned sizes, when size_filter */
	size_t n_sizes;
	bool size_filter;		/* a file of another size is never hashed by the kernel */
	bool digests;			/* some key is a digest */
	bool signers;			/* some deny or audit key is a signer's: read signatures */
	bool allows;			/* some key is an allow rule's: exceptions apply */
};

/* A protected file the ban list would refuse. */
struct sysguard_hit {
	size_t idx;			/* the keys[] that matched; SIZE_MAX: signature unreadable */
	const char *path;		/* the file, as this machine sees it */
	const char *why;		/* why it is protected: "package coreutils (Essential)" */
	const char *detail;		/* an unreadable signature: why */
};

typedef void (*sysguard_fn)(void *arg, const struct sysguard_hit *h);

/*
 * Compute the protected files (cached digests reused), and call fn for each that q bans.
 * Returns how many, or -errno (reported on stderr).
 */
long sysguard_run(const struct sysguard_query *q, sysguard_fn fn, void *arg);

/*
 * check and load: every rule of c that bans a protected file is a "file:line: error" (with
 * force a warning) through c->pol's diagnostics. 0, -EINVAL (refused), or another -errno.
 */
int sysguard_policy(struct compiled *c, bool force);

#endif /* EXECBAN_SYSGUARD_H */
