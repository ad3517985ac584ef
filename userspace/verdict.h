/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verdict.h - what the kernel decides for a file, decided in userspace the same way
 * (bpf/check.bpf.h, bpf/policy.bpf.h): for execban scan (which files are banned), execban
 * explain (why a file is or is not) and the system guard (whether a ban list refuses a file the
 * system needs). One copy of the precedence, so that the three cannot drift apart.
 */
#ifndef EXECBAN_VERDICT_H
#define EXECBAN_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "decompress.h"
#include "filesig.h"
#include "kstate.h"

/* A map entry: a rule and its key (a digest, or a signer identity's key). */
struct ban {
	struct sha256_key key;
	struct execban_rule rule;
	char label[EXECBAN_LABEL_LEN];	/* its label (texts_{0,1}), "" for none */
};

/* A policy as the kernel's maps hold it, ready to judge files. */
struct bans {
	struct ban *bans;		/* sorted by key */
	size_t n_bans;
	size_t n_hash_rules;		/* deny and audit sha256 rules */
	size_t n_allow_rules;		/* allow rules, of any identity */
	size_t n_signer_bans;		/* deny and audit signer rules: signatures are read */
	uint64_t *sizes;		/* distinct sizes of the hash rules, sorted */
	size_t n_sizes;
	bool size_filter;		/* every hash rule has a size: others are never hashed */
	bool audit_mode;		/* the policy says mode audit: nothing is denied */
};

/*
 * Take the rules of the compiled policy c, or if c is NULL of the kernel's k. 0 or -ENOMEM;
 * bans_free() in every case.
 */
int bans_set(struct bans *b, const struct compiled *c, const struct kpolicy *k);
void bans_free(struct bans *b);

/* The rule under a key, or NULL. */
const struct ban *bans_find(const struct bans *b, const uint8_t key[EXECBAN_SHA256_LEN]);

/* Does the kernel hash a file of this size (a deny or audit digest rule may have it)? */
bool bans_size_may_match(const struct bans *b, uint64_t size);

/*
 * Of the rules a file matched (any of them NULL), the one that decides, as the kernel picks
 * it: a deny, else an audit, of an identity no matching allow rule is more specific than
 * (execban_ident_specificity()); else the most specific allow rule (the file runs). The index,
 * or -1 when none matched.
 */
int verdict_pick(const struct ban *const *m, size_t n);

/* What a file is, for judge_file(): an open file, or a module image (fd -1). */
struct judge_src {
	int fd;
	uint64_t size;
	const struct module_image *img;
};

/* What judge_file() found, and why. */
struct judgement {
	bool size_banned;		/* bans_size_may_match(): the kernel hashes it */
	bool hashed;			/* digest holds its SHA-256 */
	uint8_t digest[EXECBAN_SHA256_LEN];
	uint64_t hashed_bytes;		/* bytes read to hash it (0: given or not hashed) */
	int hash_err;			/* -errno: it could not be read */
	bool sigs_read;			/* fs holds its signatures (the policy has signer bans) */
	bool sig_unreadable;		/* a signature that cannot be read: refused */
	const struct ban *digest_rule;	/* the rule of its digest, if the kernel looks it up */
	const struct ban *signer_rule[EXECBAN_SIGNER_KEYS];	/* per fs->ids[i] */
	const struct ban *rule;		/* the rule that decides; NULL: none (or unreadable) */
	int which;			/* rule is fs->ids[which]'s; -1 the digest's */
	const struct ban *exempted;	/* rule is an allow that overrode this deny or audit */
	bool deny;			/* refused (a deny rule, or an unreadable signature) */
	bool audit;			/* audited: runs, with an event */
};

/*
 * Decide the file as the kernel does at exec: its digest if its size may be banned; unless a
 * digest deny or allow decided, its signatures (into fs) if the policy has signer bans; an
 * exception by digest looked up when a signer rule would refuse it (an unreadable signature
 * is refused, no exception). With always_hash the digest is computed anyway (for people), not changing the verdict.
 * Returns 0, or -errno when the file cannot be read (hash_err).
 */
int judge_file(const struct bans *b, const struct judge_src *src, bool always_hash,
	       struct file_sigs *fs, struct judgement *j);

#endif /* EXECBAN_VERDICT_H */
