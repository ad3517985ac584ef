/* SPDX-License-Identifier: GPL-2.0 */
/*
 * origins.h - where each rule of the policy in force came from: a local policy file and
 * line, or a Santa sync server (the file "execban sync" writes). The kernel keeps neither;
 * "execban load" records them beside the policy it switched to, "execban show" reads them.
 */
#ifndef EXECBAN_ORIGINS_H
#define EXECBAN_ORIGINS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compile.h"

/* Written by every load, on tmpfs: it describes what the kernel holds until the next boot. */
#define ORIGINS_PATH	"/run/execban/policy.origins"

/*
 * The first line of a policy file "execban sync" writes: SYNC_POLICY_HEAD <server URL>
 * SYNC_POLICY_TAIL. The load path knows synced rules by it.
 */
#define SYNC_POLICY_HEAD	"# Written by 'execban sync' from "
#define SYNC_POLICY_TAIL	": do not edit, the next sync replaces it."

struct origin_file {
	char *path;
	char *synced_from;	/* the server's URL, or NULL: a local file */
};

struct origin {
	uint32_t id;		/* the rule's rule_id */
	uint32_t file;		/* index in origins.files */
	uint32_t line;
	char rule_type[16];	/* synced rules: the Santa rule_type, e.g. "BINARY" */
	char identifier[65];	/* synced rules: the Santa identifier */
};

struct origins {
	struct origin_file *files;
	size_t n_files;
	struct origin *rules;	/* by rule_id */
	size_t n_rules;
};

/* Record c's origins in ORIGINS_PATH (replaced atomically). 0 or -errno. */
int origins_write(const struct compiled *c);
/*
 * Read ORIGINS_PATH if it describes the policy whose digest is given (the one in force):
 * 0, -ENOENT (none recorded), -ESTALE (it describes another policy), or -errno.
 */
int origins_read(struct origins *o, const uint8_t digest[EXECBAN_SHA256_LEN]);
/* The origin of rule id, or NULL. */
const struct origin *origins_rule(const struct origins *o, uint32_t id);
/* "  # file:line" or "  # synced from URL (Santa TYPE rule ID)". */
void origins_print(FILE *out, const struct origins *o, const struct origin *r);
/* The JSON object of an origin ("source", ...), a new reference. */
struct json_object *origins_json(const struct origins *o, const struct origin *r);
void origins_free(struct origins *o);

#endif /* EXECBAN_ORIGINS_H */
