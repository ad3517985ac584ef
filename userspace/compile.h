/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compile.h - turn parsed policy files into the arrays the kernel maps hold.
 */
#ifndef EXECBAN_COMPILE_H
#define EXECBAN_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "execban.h"
#include "loadcache.h"
#include "policy.h"

struct sha256_key {
	uint8_t b[EXECBAN_SHA256_LEN];
};

/* A label and reason pair the policy's rules have (execban_rule.text_id). */
struct compiled_text {
	uint32_t id;
	const char *label;		/* below EXECBAN_LABEL_LEN bytes */
	const char *reason;
};

struct compiled {
	struct sha256_key *keys;	/* sorted; keys[i] goes with rules[i] and pol.rules[i] */
	struct execban_rule *rules;
	uint64_t *sizes;		/* distinct banned sizes */
	uint32_t *size_counts;		/* rules per size */
	size_t n_rules, n_sizes;
	/*
	 * The whole DER of every certificate a signer= rule names, each once, in the order
	 * first named: the loader adds them to execban.ko's keyring so that the kernel can
	 * verify a signature against a banned certificate.
	 */
	unsigned char **certs;
	size_t *cert_lens;
	size_t n_certs;
	struct compiled_text *texts;	/* the distinct label and reason pairs, by id */
	size_t n_texts;
	struct execban_policy_info info;
	struct policy pol;		/* the parsed rules, with their identities as written */
	struct loadcache_inputs inputs;	/* every file and glob read, as found (loadcache.h) */
};

/*
 * Parse and compile policy files. Errors are reported as file:line to diag (stderr if NULL);
 * returns 0, -EINVAL (the policy has errors) or another -errno. Call compiled_free() in every
 * case.
 */
int compile(struct compiled *c, char **files, int n_files, size_t max_rules);
int compile_diag(struct compiled *c, char **files, int n_files, size_t max_rules, FILE *diag);
/*
 * As compile_diag, but a policy with no rules and no error is not reported: -ENODATA (no ban
 * list installed; execban.service on a fresh install, status).
 */
int compile_empty_ok(struct compiled *c, char **files, int n_files, size_t max_rules,
		     FILE *diag);
/* The same, each diagnostic also to fn (struct policy's diag_fn, kept for later checks). */
int compile_diag_fn(struct compiled *c, char **files, int n_files, size_t max_rules, FILE *diag,
		    void (*fn)(void *arg, const char *file, unsigned int line, bool error,
			       const char *msg), void *arg);
void compiled_free(struct compiled *c);
/* The label and reason of text id (execban_rule.text_id), NULL if none. */
const struct compiled_text *compiled_text(const struct compiled *c, uint32_t id);
/* A text as texts_{0,1} hold it: zero-padded, so that equal texts are equal bytes. */
void compiled_text_value(const struct compiled_text *t, struct execban_text *v);
/* The index in c->rules of the rule whose rule_id is id, or -1. */
ssize_t compiled_rule_index(const struct compiled *c, uint32_t id);

/*
 * The map key of an identity (kind an enum execban_ident_kind, id its len bytes as
 * struct policy_rule holds them): the digest itself for sha256, else SHA-256 of
 * EXECBAN_SIGNER_KEY_PREFIX, the kind and the identity (include/execban.h). The one
 * derivation in userspace: the compiler keys rules with it, scan keys what it reads from files
 * (filesig.c), and execban.ko must agree with both.
 */
void ident_key(unsigned int kind, const uint8_t *id, size_t len, struct sha256_key *out);

/*
 * The DER of the certificate in a PEM or DER file, as the file holds it (not re-encoded): the
 * reader of signer= rules and of execban lock's policy key. 0 or -errno, with why.
 */
int cert_file_der(const char *path, unsigned char **der, size_t *der_len, char *why,
		  size_t why_len);

/* ident_key() of a rule's identity. */
void rule_key(const struct policy_rule *r, struct sha256_key *out);

/*
 * SHA-256 of the paths a policy marks: "interpreter" or "quarantine", then the path, each
 * NUL-terminated, interpreters first, in policy order. The signed manifest's marks_sha256,
 * and what tells a load whether the marks in force may stay (execban_state.mark_gen).
 */
int policy_marks_sha256(const struct policy *p, uint8_t out[EXECBAN_SHA256_LEN]);	/* 0, -ENOMEM */

#endif /* EXECBAN_COMPILE_H */
