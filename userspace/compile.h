/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compile.h - turn parsed policy files into the arrays the kernel maps hold.
 */
#ifndef EXECBAN_COMPILE_H
#define EXECBAN_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "execban.h"
#include "policy.h"

struct sha256_key {
	uint8_t b[EXECBAN_SHA256_LEN];
};

struct compiled {
	struct sha256_key *keys;	/* sorted; keys[i] goes with rules[i] */
	struct execban_rule *rules;
	uint64_t *sizes;		/* distinct banned sizes */
	uint32_t *size_counts;		/* rules per size */
	size_t n_rules, n_sizes;
	struct execban_policy_info info;
	struct policy pol;
};

/* Parse and compile policy files. Errors are reported as file:line; returns 0 or -errno. */
int compile(struct compiled *c, char **files, int n_files, size_t max_rules);
void compiled_free(struct compiled *c);

#endif /* EXECBAN_COMPILE_H */
