/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstate.h - read the policy the kernel enforces, back from the pinned maps.
 */
#ifndef EXECBAN_KSTATE_H
#define EXECBAN_KSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "execban.h"

/* An interpreter or quarantine path the policy named, and whether its inode carries the mark. */
struct kmark {
	uint32_t kind;			/* enum execban_mark_kind */
	char path[EXECBAN_MARK_PATH_LEN];
	int state;			/* 1 marked, 0 not (replaced since the load), -errno (missing) */
};

struct kpolicy {
	uint64_t gen;
	uint64_t mark_gen;		/* execban_state.mark_gen */
	uint32_t features;		/* enum execban_features of the attached programs */
	struct execban_policy_info info;
	struct sha256_key *keys;	/* sorted by rule_id */
	struct execban_rule *rules;
	size_t n_rules;
	struct execban_text *texts;	/* n_texts entries, by id: */
	uint32_t *text_ids;		/* their ids (execban_rule.text_id), increasing */
	size_t n_texts;
	struct kmark marks[EXECBAN_MARK_PATHS];
	size_t n_marks;
};

/*
 * Every entry of a hash map, in batches: *keys and *vals (malloc'd, n entries) in the map's
 * order. 0 or -errno.
 */
int map_read_all(int fd, size_t key_size, size_t value_size, void **keys, void **vals,
		 size_t *n);

/*
 * Every entry of a text map (texts_{0,1}), sorted by id, each string NUL-terminated: *ids and
 * *texts (malloc'd, n entries). 0 or -errno.
 */
int map_read_texts(int fd, uint32_t **ids, struct execban_text **texts, size_t *n);

/* Read the active policy consistently (retries if a load switches it meanwhile). 0 or -errno. */
int kpolicy_read(struct kpolicy *k);
void kpolicy_free(struct kpolicy *k);
/* The label and reason of text id in k (execban_rule.text_id), NULL if none. */
const struct execban_text *kpolicy_text(const struct kpolicy *k, uint32_t id);

/*
 * A rule's label and reason (text id), from the compiled policy c if not NULL, else from the
 * kernel's k; "" for none, never NULL.
 */
void text_of(const struct compiled *c, const struct kpolicy *k, uint32_t id,
	     const char **label, const char **reason);

#endif /* EXECBAN_KSTATE_H */
