// SPDX-License-Identifier: GPL-2.0
/*
 * verdict.c - decide a file as the kernel does (verdict.h), in userspace: the same lookups in
 * the same order, by the same keys, with the same precedence (execban_ident_specificity()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verdict.h"

static int cmp_ban(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sha256_key));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int bans_set(struct bans *b, const struct compiled *c, const struct kpolicy *k)
{
	const struct sha256_key *keys = c ? c->keys : k->keys;
	const struct execban_rule *rules = c ? c->rules : k->rules;
	size_t i, j, n = c ? c->n_rules : k->n_rules;
	uint32_t mode = c ? c->info.mode : k->info.mode;
	const char *label, *reason;

	memset(b, 0, sizeof(*b));
	b->bans = calloc(n + 1, sizeof(*b->bans));
	b->sizes = calloc(n + 1, sizeof(*b->sizes));
	if (!b->bans || !b->sizes)
		return -ENOMEM;
	b->size_filter = true;	/* with no digest rule, nothing needs hashing */
	for (i = 0; i < n; i++) {
		b->bans[b->n_bans].key = keys[i];
		b->bans[b->n_bans].rule = rules[i];
		text_of(c, k, rules[i].text_id, &label, &reason);
		strncpy(b->bans[b->n_bans].label, label, EXECBAN_LABEL_LEN - 1);
		b->n_bans++;
		if (rules[i].action == EXECBAN_RULE_ALLOW) {
			/* an exception bans nothing: not in the size filter (compile.c) */
			b->n_allow_rules++;
			continue;
		}
		if (rules[i].ident_kind && rules[i].ident_kind != EXECBAN_IDENT_SHA256) {
			b->n_signer_bans++;
			continue;
		}
		b->n_hash_rules++;
		if (execban_rule_size(&rules[i]) != EXECBAN_RULE_NO_SIZE)
			b->sizes[b->n_sizes++] = execban_rule_size(&rules[i]);
		else
			b->size_filter = false;
	}
	qsort(b->bans, b->n_bans, sizeof(*b->bans), cmp_ban);
	qsort(b->sizes, b->n_sizes, sizeof(*b->sizes), cmp_u64);
	for (i = 0, j = 0; i < b->n_sizes; i++)
		if (!j || b->sizes[j - 1] != b->sizes[i])
			b->sizes[j++] = b->sizes[i];
	b->n_sizes = j;
	b->audit_mode = mode == EXECBAN_MODE_AUDIT;
	return 0;
}

void bans_free(struct bans *b)
{
	free(b->bans);
	free(b->sizes);
	memset(b, 0, sizeof(*b));
}

const struct ban *bans_find(const struct bans *b, const uint8_t key[EXECBAN_SHA256_LEN])
{
	return bsearch(key, b->bans, b->n_bans, sizeof(*b->bans), cmp_ban);
}

bool bans_size_may_match(const struct bans *b, uint64_t size)
{
	if (!b->n_hash_rules)
		return false;
	return !b->size_filter || bsearch(&size, b->sizes, b->n_sizes, sizeof(size), cmp_u64);
}

/* As signer_scan_one() and signer_pick() in bpf/policy.bpf.h. */
int verdict_pick(const struct ban *const *m, size_t n)
{
	int best[3] = { -1, -1, -1 };
	uint32_t spec[3] = { 0 }, s, a;
	bool allow;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!m[i])
			continue;
		a = (uint32_t)m[i]->rule.action - EXECBAN_RULE_DENY;	/* deny, audit, allow */
		if (a > 2)
			continue;
		s = execban_ident_specificity(m[i]->rule.ident_kind);
		if (best[a] < 0 || s > spec[a]) {
			best[a] = (int)i;
			spec[a] = s;
		}
	}
	allow = best[2] >= 0;
	if (best[0] >= 0 && (!allow || spec[0] > spec[2]))
		return best[0];
	if (best[1] >= 0 && (!allow || spec[1] > spec[2]))
		return best[1];
	return best[2];
}

static int hash_src(const struct judge_src *src, struct judgement *j)
{
	int ret;

	if (j->hashed)
		return 0;
	if (src->img) {
		memcpy(j->digest, src->img->sha256, sizeof(j->digest));
	} else {
		ret = sha256_fd(src->fd, j->digest, &j->hashed_bytes);
		if (ret) {
			j->hash_err = ret;
			return ret;
		}
	}
	j->hashed = true;
	return 0;
}

static void read_sigs(const struct judge_src *src, struct file_sigs *fs, struct judgement *j)
{
	if (src->img)
		file_sigs_read_tail(src->img->tail, src->img->tail_len, src->img->size, fs);
	else
		file_sigs_read(src->fd, src->size, fs);
	j->sigs_read = true;
}

/* The allow rule of the file's digest (hashed now if need be), or NULL. */
static const struct ban *digest_allow(const struct bans *b, const struct judge_src *src,
				      struct judgement *j)
{
	const struct ban *r;

	if (!b->n_allow_rules || hash_src(src, j))
		return NULL;
	r = bans_find(b, j->digest);
	return r && r->rule.action == EXECBAN_RULE_ALLOW &&
	       r->rule.ident_kind == EXECBAN_IDENT_SHA256 ? r : NULL;
}

int judge_file(const struct bans *b, const struct judge_src *src, bool always_hash,
	       struct file_sigs *fs, struct judgement *j)
{
	const struct ban *m[1 + EXECBAN_SIGNER_KEYS] = { NULL }, *r;
	unsigned int i;
	int pick, ret;

	memset(j, 0, sizeof(*j));
	j->which = -1;
	j->size_banned = bans_size_may_match(b, src->size);
	if (j->size_banned || always_hash) {
		ret = hash_src(src, j);
		if (ret && j->size_banned)
			return ret;	/* the kernel refuses it too: it cannot be hashed */
	}
	if (j->hashed) {
		r = bans_find(b, j->digest);
		/* deny and audit digests only where the kernel hashes; an allow wherever */
		if (r && (j->size_banned || r->rule.action == EXECBAN_RULE_ALLOW))
			j->digest_rule = r;
	}
	r = j->digest_rule;
	if (r && r->rule.action != EXECBAN_RULE_AUDIT) {
		/* The most specific identity decided. What an allow spared it, for people: */
		j->rule = r;
		if (r->rule.action == EXECBAN_RULE_ALLOW && b->n_signer_bans) {
			read_sigs(src, fs, j);
			if (!j->size_banned && file_sigs_unreadable(fs)) {
				/*
				 * The kernel hashed it for no digest rule, and refuses an
				 * unreadable signature before it would look an exception up.
				 */
				j->digest_rule = NULL;
				j->sig_unreadable = true;
				j->rule = NULL;
				j->deny = true;
				return 0;
			}
			for (i = 0; i < fs->n_ids && i < EXECBAN_SIGNER_KEYS; i++)
				m[i] = j->signer_rule[i] = bans_find(b, fs->ids[i].key.b);
			pick = verdict_pick(m, fs->n_ids);
			if (pick >= 0 && m[pick]->rule.action != EXECBAN_RULE_ALLOW)
				j->exempted = m[pick];
		}
		goto out;
	}
	m[0] = r;	/* a digest audit, or none */
	if (b->n_signer_bans) {
		read_sigs(src, fs, j);
		if (file_sigs_unreadable(fs)) {
			/* It could name a banned signer: refused (fail closed), no exception. */
			j->sig_unreadable = true;
			j->rule = NULL;
			j->deny = true;
			return 0;
		}
		for (i = 0; i < fs->n_ids && i < EXECBAN_SIGNER_KEYS; i++)
			m[1 + i] = j->signer_rule[i] = bans_find(b, fs->ids[i].key.b);
	}
	pick = verdict_pick(m, 1 + (j->sigs_read ? fs->n_ids : 0));
	if (pick < 0)
		goto out;
	j->rule = m[pick];
	j->which = pick - 1;
	if (pick > 0 && j->rule->rule.action != EXECBAN_RULE_ALLOW) {
		/* Refused (or audited) by who signed it: an exception by digest? */
		r = digest_allow(b, src, j);
		if (r) {
			j->exempted = j->rule;
			j->digest_rule = j->rule = r;
			j->which = -1;
		}
	}
out:
	r = j->rule;
	j->deny = r && r->rule.action == EXECBAN_RULE_DENY && !b->audit_mode;
	j->audit = r && !j->deny && r->rule.action != EXECBAN_RULE_ALLOW;
	return 0;
}
