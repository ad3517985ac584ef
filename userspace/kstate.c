// SPDX-License-Identifier: GPL-2.0
/*
 * kstate.c - read the enforced policy back from the kernel maps, for show and diff: what the
 * kernel holds, not what a file says.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "kstate.h"

void kpolicy_free(struct kpolicy *k)
{
	free(k->keys);
	free(k->rules);
	free(k->reasons);
	memset(k, 0, sizeof(*k));
}

static int by_rule_id(const void *a, const void *b, void *arg)
{
	const struct execban_rule *rules = arg;
	uint32_t x = rules[*(const size_t *)a].rule_id, y = rules[*(const size_t *)b].rule_id;

	return x < y ? -1 : x > y;
}

static int read_once(struct kpolicy *k, const int *fd)
{
	struct execban_state st;
	uint32_t zero = 0, slot, i;
	struct sha256_key key, next;
	size_t cap, n = 0, *order = NULL;
	struct sha256_key *keys;
	struct execban_rule *rules;
	bool first = true;

	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	slot = st.gen & 1;
	k->gen = st.gen;
	if (bpf_map_lookup_elem(fd[PM_POLICY_INFO], &slot, &k->info))
		return -errno;
	cap = k->info.n_rules + 1;
	k->keys = calloc(cap, sizeof(*k->keys));
	k->rules = calloc(cap, sizeof(*k->rules));
	k->reasons = calloc(k->info.n_reasons + 1, sizeof(*k->reasons));
	if (!k->keys || !k->rules || !k->reasons)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd[PM_SHA256_0 + slot], first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (n == cap)
			return -EAGAIN;	/* more than the info says: a load raced us */
		if (bpf_map_lookup_elem(fd[PM_SHA256_0 + slot], &key, &k->rules[n]))
			continue;
		k->keys[n++] = key;
	}
	k->n_rules = n;
	for (i = 0; i < k->info.n_reasons; i++)
		if (bpf_map_lookup_elem(fd[PM_REASONS_0 + slot], &i, &k->reasons[i]))
			return -errno;

	/* Sort by rule id: the order the compiled policy had. */
	order = malloc((n + 1) * sizeof(*order));
	keys = malloc((n + 1) * sizeof(*keys));
	rules = malloc((n + 1) * sizeof(*rules));
	if (!order || !keys || !rules) {
		free(order);
		free(keys);
		free(rules);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), by_rule_id, k->rules);
	for (i = 0; i < n; i++) {
		keys[i] = k->keys[order[i]];
		rules[i] = k->rules[order[i]];
	}
	free(order);
	free(k->keys);
	free(k->rules);
	k->keys = keys;
	k->rules = rules;

	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	return st.gen == k->gen ? 0 : -EAGAIN;
}

int kpolicy_read(struct kpolicy *k)
{
	int fd[PM_COUNT], i, ret = 0, tries;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < PM_COUNT; i++)
		fd[i] = -1;
	for (i = 0; i < PM_COUNT; i++) {
		fd[i] = open_pinned_map_ro(i);
		if (fd[i] < 0) {
			ret = fd[i];
			goto out;
		}
	}
	for (tries = 0; tries < 10; tries++) {
		kpolicy_free(k);
		ret = read_once(k, fd);
		if (ret != -EAGAIN)
			break;
	}
out:
	for (i = 0; i < PM_COUNT; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (ret)
		kpolicy_free(k);
	return ret;
}
