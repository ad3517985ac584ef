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

struct policy_rule {
	uint8_t sha256[EXECBAN_SHA256_LEN];
	uint64_t size;			/* valid if has_size */
	bool has_size;
	uint16_t action;		/* enum execban_rule_action */
	uint16_t ident_kind;		/* enum execban_ident_kind */
	uint32_t reason_id;		/* index in policy.reasons or EXECBAN_NO_REASON */
	char label[EXECBAN_LABEL_LEN];
	const char *file;		/* where it was written (interned in policy.files) */
	unsigned int line;
};

struct policy_interp {
	char *path;			/* as written */
	const char *file;
	unsigned int line;
};

struct policy {
	struct policy_rule *rules;
	size_t n_rules, cap_rules;
	char **reasons;			/* deduplicated */
	size_t n_reasons, cap_reasons;
	uint32_t *reason_index;		/* hash of reasons: slot = reason id + 1, 0 empty */
	size_t reason_slots;
	char **files;			/* file names the rules point into */
	size_t n_files;
	struct policy_interp *interps;	/* "interpreter <path>" directives */
	size_t n_interps;
	char name[EXECBAN_NAME_LEN];
	uint64_t version;
	uint32_t mode;			/* enum execban_mode */
	size_t max_rules;		/* refuse policies with more rules than this */
	/* Files being read, outermost first (real paths), to refuse include cycles. */
	char *stack[POLICY_MAX_DEPTH];
	int depth;
	bool no_include;		/* refuse "include" (the fuzz harness reads no files) */
	/* Diagnostics: "file:line: error: ..." lines go here (stderr if NULL). */
	FILE *diag;
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

/* Hex digest parsing shared with the CLI: 64 hex digits, optional ':' between bytes. */
int policy_parse_hex(const char *s, size_t len, uint8_t *out, size_t out_len);

#endif /* EXECBAN_POLICY_H */
