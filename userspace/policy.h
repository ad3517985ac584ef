/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - the ban policy language: parsing and compiling.
 *
 * Pure C (libc only): used by the CLI, the host unit tests and the fuzz harness. The grammar is
 * documented in docs/execban.policy.5.md.
 */
#ifndef EXECBAN_POLICY_H
#define EXECBAN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "execban.h"

#define POLICY_MAX_LINE		4096	/* bytes per line, newline excluded */
#define POLICY_MAX_ERRORS	50	/* reported before giving up on a file */
#define POLICY_MAX_DEPTH	16	/* nested includes */

/* Bounds of the identities a rule names (include/execban.h: EXECBAN_SIGNER_KEY_PREFIX). */
#define POLICY_SKID_MAX		EXECBAN_SKID_MAX	/* subjectKeyIdentifier octets */
#define POLICY_SERIAL_MAX	32			/* serial INTEGER content octets */
#define POLICY_IMA_KEYID_LEN	4
#define POLICY_IDENT_MAX	64	/* the longest: a SKID, or issuer hash + serial */
#define POLICY_NO_REASON	0xffffffffU	/* a policy_rule without reason= */

/*
 * One map entry: a rule and its identity as written (or as derived from a signer=
 * certificate), so that check, show and diff can print it back in policy syntax. The kernel
 * key is computed from (ident_kind, ident) by the compiler: for EXECBAN_IDENT_SHA256 it is
 * ident itself, for a signer kind SHA-256(EXECBAN_SIGNER_KEY_PREFIX || kind || ident).
 */
struct policy_rule {
	uint8_t ident[POLICY_IDENT_MAX];/* for ISSUER_SERIAL: issuer SHA-256, then the serial */
	uint8_t ident_len;
	bool has_size;
	uint16_t action;		/* enum execban_rule_action */
	uint16_t ident_kind;		/* enum execban_ident_kind */
	uint32_t reason_id;		/* index in policy.reasons or POLICY_NO_REASON */
	unsigned int line;
	uint64_t size;			/* valid if has_size (sha256 rules only) */
	char label[EXECBAN_LABEL_LEN];
	const char *file;		/* where it was written (interned in policy.files) */
	const char *signer;		/* the signer=<path> it was derived from, or NULL */
};

/*
 * What a signer= certificate is known by, as the certificate loader reads it. A length above
 * its buffer means the field exists but is too long to be named (nothing was copied).
 */
struct policy_cert_ids {
	uint8_t skid[POLICY_SKID_MAX];	/* subjectKeyIdentifier octets */
	size_t skid_len;		/* 0: the certificate has no subjectKeyIdentifier */
	uint8_t issuer_sha256[EXECBAN_SHA256_LEN];	/* SHA-256 of the issuer Name's DER */
	uint8_t serial[POLICY_SERIAL_MAX];		/* the serial's content octets */
	size_t serial_len;
	uint8_t cert_sha256[EXECBAN_SHA256_LEN];	/* SHA-256 of the whole certificate DER */
};

/*
 * Reads the certificate at path (PEM or DER) for a "signer=" rule and fills ids. Returns 0, or
 * a negative errno with a one-line reason in why. policy.c is libc-only (the fuzz harness
 * compiles it alone), so reading X.509 is the caller's: compile.c passes an OpenSSL one.
 */
typedef int (*policy_cert_loader)(void *arg, const char *path, struct policy_cert_ids *ids,
				  char *why, size_t why_len);

struct policy_interp {
	char *path;			/* as written */
	const char *file;
	unsigned int line;
};

struct stat;

struct policy {
	struct policy_rule *rules;
	size_t n_rules, cap_rules;
	char **reasons;			/* deduplicated, in reason_arena */
	uint8_t *reason_lens;		/* strlen of each (below EXECBAN_REASON_LEN) */
	size_t n_reasons, cap_reasons;
	char **reason_arena;		/* blocks the reasons are stored in */
	size_t n_arena, arena_left;
	uint32_t *reason_index;		/* hash of reasons: slot = reason id + 1, 0 empty */
	size_t reason_slots;
	char **files;			/* file names the rules point into */
	size_t n_files;
	struct policy_interp *interps;	/* "interpreter <path>" directives */
	size_t n_interps;
	struct policy_interp *quarantines; /* "quarantine <dir>" directives */
	size_t n_quarantines;
	char name[EXECBAN_NAME_LEN];
	uint64_t version;
	uint32_t mode;			/* enum execban_mode */
	/*
	 * Where name, version and mode were set (file NULL: not set, the default holds). Each
	 * may be set once across all the files of a load: a second setting is an error.
	 */
	const char *name_file, *version_file, *mode_file;
	unsigned int name_line, version_line, mode_line;
	size_t max_rules;		/* refuse policies with more rules than this */
	/* Files being read, outermost first (real paths), to refuse include cycles. */
	char *stack[POLICY_MAX_DEPTH];
	int depth;
	bool no_include;		/* refuse "include" (the fuzz harness reads no files) */
	/* policy_finish returns -ENODATA, silently, for a policy with no rules and no error. */
	bool allow_empty;
	/* Reads signer= certificates; NULL refuses signer= rules (no X.509 parser here). */
	policy_cert_loader load_cert;
	void *load_cert_arg;
	/*
	 * When set, told of every input as it is read, before its bytes are: each policy file
	 * (st from the open file) and each include glob with what it matched (n may be 0), paths
	 * as opened. The loader keeps them to tell an unchanged policy without reading it again.
	 */
	void (*on_file)(void *arg, const char *path, const struct stat *st);
	void (*on_glob)(void *arg, const char *pattern, char *const *matches, size_t n);
	void *on_input_arg;
	char **signer_paths;		/* resolved signer= paths the rules point into */
	size_t n_signer_paths, cap_signer_paths;
	/* Diagnostics: "file:line: error: ..." lines go here (stderr if NULL). */
	FILE *diag;
	/* And, when set, each to diag_fn too, its parts apart (line 0: none); check --json. */
	void (*diag_fn)(void *arg, const char *file, unsigned int line, bool error,
			const char *msg);
	void *diag_arg;
	unsigned int n_errors, n_warnings;
};

void policy_init(struct policy *p);
void policy_free(struct policy *p);

/*
 * Parse a policy text. Errors and warnings are written to p->diag as "file:line: ...".
 * Returns 0, or -EINVAL when the text has errors (p then holds a partial parse that must not be
 * loaded), or -ENOMEM.
 */
int policy_parse_buffer(struct policy *p, const char *file, const char *buf, size_t len);

/*
 * Read and parse a file, and the files it includes. Returns 0, -EINVAL (errors reported) or
 * -errno (I/O, also reported).
 */
int policy_parse_file(struct policy *p, const char *path);

/*
 * After parsing: resolve duplicates (deny wins over audit, first label wins), refuse an empty
 * or oversize policy. Returns 0 or -EINVAL (reported).
 */
int policy_finish(struct policy *p);

/*
 * Hex as policies write it: two digits per byte, any case, optionally ':' between bytes (as
 * openssl and modinfo print). policy_parse_hex wants exactly out_len bytes: 0, -EINVAL (not
 * hex), -E2BIG (too long) or -ERANGE (too short). policy_parse_hex_var takes 1 to max bytes
 * and returns how many, or the same errors.
 */
int policy_parse_hex(const char *s, size_t len, uint8_t *out, size_t out_len);
int policy_parse_hex_var(const char *s, size_t len, uint8_t *out, size_t max);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated); returns 2n. */
size_t policy_hex(const uint8_t *b, size_t n, char *out);

/* The keyword of a rule action ("deny", "audit", "allow"), "" if unknown. */
const char *policy_action_name(unsigned int action);

/* The policy keyword of an identity kind ("sha256", "signer-skid", ...), "" if unknown. */
const char *policy_ident_name(unsigned int kind);

/*
 * A rule's identity in policy syntax ("signer-issuer-serial=<hex>/<hex>"), lower-case hex.
 * Returns the length, or -ENOSPC (buf then holds a truncated string).
 */
int policy_format_ident(const struct policy_rule *r, char *buf, size_t size);
#define POLICY_IDENT_STRLEN	(32 + 2 * POLICY_IDENT_MAX + 2)

/*
 * Sort n pairs by key, stably (LSD radix): what sorts a million rules, and their sizes, in
 * milliseconds. 0 or -ENOMEM.
 */
struct policy_pair {
	uint64_t key;
	uint64_t val;
};
int policy_sort_pairs(struct policy_pair *v, size_t n);
/*
 * The same, then each run of pairs sharing a key (rare when keys are hash prefixes) sorted
 * with cmp(a, b, arg), qsort_r's comparator of two struct policy_pair. 0 or -ENOMEM.
 */
int policy_sort_pairs_by(struct policy_pair *v, size_t n,
			 int (*cmp)(const void *a, const void *b, void *arg), void *arg);

/*
 * calloc()/malloc() of n elements for the arrays a big policy needs (overflow checked), with
 * transparent huge pages asked for when the array is large; policy_huge() hints an existing
 * allocation (after a realloc). Freed with free().
 */
void *policy_calloc(size_t n, size_t size);
void *policy_malloc(size_t n, size_t size);
void policy_huge(void *p, size_t len);

/* A "file:line: error: ..." (or warning) diagnostic, counted like the parser's own. */
__attribute__((format(printf, 5, 6)))
void policy_diag(struct policy *p, const char *file, unsigned int line, bool error,
		 const char *fmt, ...);

#endif /* EXECBAN_POLICY_H */
