// SPDX-License-Identifier: GPL-2.0
/*
 * compile.c - compile parsed policy files into map-ready arrays and the policy digest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "compile.h"

void compiled_free(struct compiled *c)
{
	free(c->keys);
	free(c->rules);
	free(c->sizes);
	free(c->size_counts);
	policy_free(&c->pol);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* SHA-256 over a canonical form of everything the kernel enforces. */
static void policy_digest(const struct compiled *c, uint8_t out[EXECBAN_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const struct policy *p = &c->pol;
	size_t i;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "execban-policy-1", 17);
	EVP_DigestUpdate(ctx, c->info.name, sizeof(c->info.name));
	EVP_DigestUpdate(ctx, &c->info.version, sizeof(c->info.version));
	EVP_DigestUpdate(ctx, &c->info.mode, sizeof(c->info.mode));
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		uint64_t size = r->has_size ? r->size : UINT64_MAX;
		const char *reason = r->reason_id == EXECBAN_NO_REASON ? "" :
				     p->reasons[r->reason_id];

		EVP_DigestUpdate(ctx, r->sha256, sizeof(r->sha256));
		EVP_DigestUpdate(ctx, &size, sizeof(size));
		EVP_DigestUpdate(ctx, &r->action, sizeof(r->action));
		EVP_DigestUpdate(ctx, r->label, sizeof(r->label));
		EVP_DigestUpdate(ctx, reason, strlen(reason) + 1);
	}
	for (i = 0; i < p->n_interps; i++)
		EVP_DigestUpdate(ctx, p->interps[i].path, strlen(p->interps[i].path) + 1);
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
}

/* Parse and compile the policy files into map-ready arrays. Errors are reported. */
int compile(struct compiled *c, char **files, int n_files, size_t max_rules)
{
	struct policy *p = &c->pol;
	bool all_sized = true;
	size_t i, j;
	int ret = 0, r;

	memset(c, 0, sizeof(*c));
	policy_init(p);
	p->max_rules = max_rules;
	for (i = 0; i < (size_t)n_files; i++) {
		r = policy_parse_file(p, files[i]);
		if (r && !ret)
			ret = r;
	}
	if (ret)
		return ret;
	ret = policy_finish(p);
	if (ret)
		return ret;

	c->n_rules = p->n_rules;
	c->keys = calloc(c->n_rules, sizeof(*c->keys));
	c->rules = calloc(c->n_rules, sizeof(*c->rules));
	c->sizes = calloc(c->n_rules, sizeof(*c->sizes));
	c->size_counts = calloc(c->n_rules, sizeof(*c->size_counts));
	if (!c->keys || !c->rules || !c->sizes || !c->size_counts)
		return -ENOMEM;
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *pr = &p->rules[i];
		struct execban_rule *kr = &c->rules[i];

		memcpy(c->keys[i].b, pr->sha256, sizeof(pr->sha256));
		kr->rule_id = (uint32_t)i;
		kr->action = pr->action;
		kr->ident_kind = pr->ident_kind;
		kr->reason_id = pr->reason_id;
		memcpy(kr->label, pr->label, sizeof(kr->label));
		if (pr->has_size) {
			kr->flags |= EXECBAN_RULE_HAS_SIZE;
			kr->size = pr->size;
			c->sizes[c->n_sizes++] = pr->size;
		}
		else
			all_sized = false;
	}
	qsort(c->sizes, c->n_sizes, sizeof(*c->sizes), cmp_u64);
	for (i = 0, j = 0; i < c->n_sizes; i++) {
		if (j && c->sizes[j - 1] == c->sizes[i]) {
			c->size_counts[j - 1]++;
			continue;
		}
		c->sizes[j] = c->sizes[i];
		c->size_counts[j++] = 1;
	}
	c->n_sizes = j;

	c->info.version = p->version;
	c->info.mode = p->mode;
	c->info.flags = all_sized ? EXECBAN_POLICY_SIZE_FILTER : 0;
	c->info.n_rules = (uint32_t)c->n_rules;
	c->info.n_sizes = (uint32_t)c->n_sizes;
	c->info.n_reasons = (uint32_t)p->n_reasons;
	memcpy(c->info.name, p->name, sizeof(c->info.name));
	policy_digest(c, c->info.digest);
	return 0;
}

