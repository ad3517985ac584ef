/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sync.h - the pure parts of execban sync (userspace/sync.c): Santa rules to execban rules.
 */
#ifndef EXECBAN_SYNC_H
#define EXECBAN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

/* The Santa rule types execban enforces (docs/sync.md has the whole mapping). */
enum srule_type {
	SRULE_BINARY,		/* deny (or allow) sha256= */
	SRULE_CERTIFICATE,	/* deny (or allow) signer-cert-sha256= */
	SRULE_TYPES,
};

struct srule {
	int type;		/* enum srule_type */
	bool remove;		/* a REMOVE: the rule goes */
	bool allow;		/* an ALLOWLIST rule: an exception (allow), else a ban (deny) */
	size_t seq;		/* order received: the last word on a target wins */
	char id[65];		/* 64 hex digits */
	char *reason;		/* custom_msg and custom_url, or NULL */
};

struct srules {
	struct srule *v;
	size_t n, cap;
};

struct sync_stats {
	unsigned int received;	/* rules in every ruledownload page */
	unsigned int processed;	/* of them, mapped to an execban rule (or a removal) */
	unsigned int ignored;	/* of them, with no meaning for execban (counted, not failed) */
};

int sync_url_ok(const char *url, char *why, size_t why_len);
int sync_parse_rules(struct json_object *page, struct srules *s, struct sync_stats *st,
		     char *why, size_t why_len);
void srules_resolve(struct srules *s);
int srules_write(FILE *f, const struct srules *s, const char *server);
int srules_read(const char *path, struct srules *s);
struct policy;
/*
 * Drop every synced allow of an identity the local policy (parsed and finished) bans or audits:
 * the local admin's rule wins (the compiler would refuse both). Each is counted in st->ignored
 * (no longer in st->processed) and warned about, naming the local rule's file:line. Returns how
 * many were dropped.
 */
size_t srules_drop_banned(struct srules *s, const struct policy *local, struct sync_stats *st);
void srules_free(struct srules *s);

#endif /* EXECBAN_SYNC_H */
