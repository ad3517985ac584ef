// SPDX-License-Identifier: GPL-2.0
/*
 * kstate.c - read the enforced policy back from the kernel maps, for show and diff: what the
 * kernel holds, not what a file says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "kstate.h"
#include "rulemap.h"

static int by_u32(const void *a, const void *b, void *arg)
{
	const uint32_t *v = arg;
	uint32_t x = v[*(const size_t *)a], y = v[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

void kpolicy_free(struct kpolicy *k)
{
	free(k->keys);
	free(k->rules);
	free(k->texts);
	free(k->text_ids);
	memset(k, 0, sizeof(*k));
}

const struct execban_text *kpolicy_text(const struct kpolicy *k, uint32_t id)
{
	size_t lo = 0, hi = k->n_texts, mid;

	while (id != EXECBAN_NO_TEXT && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k->text_ids[mid] == id)
			return &k->texts[mid];
		if (k->text_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void text_of(const struct compiled *c, const struct kpolicy *k, uint32_t id,
	     const char **label, const char **reason)
{
	const struct compiled_text *ct;
	const struct execban_text *kt;

	*label = "";
	*reason = "";
	if (c) {
		ct = compiled_text(c, id);
		if (ct) {
			*label = ct->label;
			*reason = ct->reason;
		}
	} else if (k) {
		kt = kpolicy_text(k, id);
		if (kt) {
			*label = kt->label;
			*reason = kt->reason;
		}
	}
}

int map_read_texts(int fd, uint32_t **ids_out, struct execban_text **texts_out, size_t *n)
{
	struct execban_text *texts = NULL, *t;
	uint32_t *ids = NULL, *v;
	size_t *order = NULL, i;
	int ret;

	ret = map_read_all(fd, sizeof(*ids), sizeof(*texts), (void **)&v, (void **)&t, n);
	if (ret)
		return ret;
	/* by id (a hash map's order is not) */
	texts = policy_malloc(*n + 1, sizeof(*texts));
	ids = policy_malloc(*n + 1, sizeof(*ids));
	order = policy_malloc(*n + 1, sizeof(*order));
	if (!texts || !ids || !order) {
		free(texts);
		free(ids);
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < *n; i++)
		order[i] = i;
	qsort_r(order, *n, sizeof(*order), by_u32, v);
	for (i = 0; i < *n; i++) {
		ids[i] = v[order[i]];
		texts[i] = t[order[i]];
		texts[i].label[EXECBAN_LABEL_LEN - 1] = 0;
		texts[i].reason[EXECBAN_REASON_LEN - 1] = 0;
	}
	*ids_out = ids;
	*texts_out = texts;
out:
	free(order);
	free(v);
	free(t);
	return ret;
}

static int by_rule_id(const void *a, const void *b, void *arg)
{
	const struct execban_rule *rules = arg;
	uint32_t x = rules[*(const size_t *)a].rule_id, y = rules[*(const size_t *)b].rule_id;

	return x < y ? -1 : x > y;
}

int map_read_all(int fd, size_t key_size, size_t value_size, void **keys, void **vals,
		 size_t *n)
{
	uint64_t in = 0, out = 0;	/* opaque batch cursors, large enough for any key */
	size_t cap = MAP_BATCH, got = 0;
	char *k = policy_malloc(cap, key_size), *v = policy_malloc(cap, value_size), *t;
	bool first = true;
	__u32 count;
	int ret;

	for (;;) {
		if (!k || !v) {
			ret = -ENOMEM;
			break;
		}
		if (cap - got < MAP_BATCH) {
			cap *= 2;
			t = realloc(k, cap * key_size);
			if (t)
				k = t;
			t = t ? realloc(v, cap * value_size) : NULL;
			if (!t) {
				ret = -ENOMEM;
				break;
			}
			v = t;
			policy_huge(k, cap * key_size);
			policy_huge(v, cap * value_size);
		}
		count = MAP_BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, k + got * key_size,
					   v + got * value_size, &count, NULL);
		first = false;
		if (ret && ret != -ENOENT)
			break;
		got += count;
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		in = out;
	}
	if (ret) {
		free(k);
		free(v);
		return ret;
	}
	*keys = k;
	*vals = v;
	*n = got;
	return 0;
}

/* Is path's inode marked for the mark generation in force (struct execban_state)? */
static int mark_state(const int *fd, const struct kmark *m, uint64_t mark_gen)
{
	struct execban_interp_mark v;
	int f, ret;

	f = open(m->path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	interp_mark_sync(f);
	ret = bpf_map_lookup_elem(fd[m->kind == EXECBAN_MARK_QUARANTINE ? PM_QUARANTINE :
				     PM_INTERPRETERS], &f, &v);
	close(f);
	if (ret)
		return 0;	/* no mark at all: another file is there now */
	return mark_gen && v.gen[mark_gen & 1] == mark_gen;
}

/*
 * The paths of the policy of generation gen, in slot gen & 1 of mark_paths; locked, the marks
 * are those of the lock's generation (a signed load does not mark: docs/lock-mode.md).
 */
static int read_marks(struct kpolicy *k, const int *fd)
{
	struct execban_mark_path e;
	struct execban_lock lk = { 0 };
	uint64_t gen = k->gen;
	uint32_t zero = 0, i, key;

	bpf_map_lookup_elem(fd[PM_LOCK], &zero, &lk);
	if (lk.locked)
		gen = lk.lock_gen;
	k->n_marks = 0;
	for (i = 0; i < EXECBAN_MARK_PATHS; i++) {
		key = (uint32_t)(gen & 1) * EXECBAN_MARK_PATHS + i;
		if (bpf_map_lookup_elem(fd[PM_MARK_PATHS], &key, &e))
			return -errno;
		if (e.gen != gen || !e.path[0])
			continue;
		k->marks[k->n_marks].kind = e.kind;
		memcpy(k->marks[k->n_marks].path, e.path, sizeof(e.path));
		k->marks[k->n_marks].path[EXECBAN_MARK_PATH_LEN - 1] = 0;
		k->marks[k->n_marks].state = mark_state(fd, &k->marks[k->n_marks], k->mark_gen);
		k->n_marks++;
	}
	return 0;
}

static int read_once(struct kpolicy *k, const int *fd)
{
	struct execban_state st;
	uint32_t zero = 0, slot, i;
	size_t n = 0, *order = NULL;
	struct execban_rule_record *recs;
	struct sha256_key *keys;
	struct execban_rule *rules;
	int ret;

	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	slot = st.gen & 1;
	k->gen = st.gen;
	k->mark_gen = st.mark_gen;
	k->features = st.features;
	if (bpf_map_lookup_elem(fd[PM_POLICY_INFO], &slot, &k->info))
		return -errno;
	ret = rule_slot_read(fd, slot, &recs, &n);
	if (ret)
		return ret;
	if (n != k->info.n_rules) {
		free(recs);
		return -EAGAIN;	/* not what the info says: a load raced us */
	}
	k->keys = policy_malloc(n + 1, sizeof(*k->keys));
	k->rules = policy_malloc(n + 1, sizeof(*k->rules));
	if (!k->keys || !k->rules) {
		free(recs);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		memcpy(k->keys[i].b, recs[i].key, EXECBAN_SHA256_LEN);
		k->rules[i] = recs[i].rule;
	}
	free(recs);
	k->n_rules = n;
	ret = map_read_texts(fd[PM_TEXTS_0 + slot], &k->text_ids, &k->texts, &k->n_texts);
	if (ret)
		return ret;
	if (k->n_texts != k->info.n_texts)
		return -EAGAIN;	/* a load is rewriting them */

	/* Sort by rule id: the order the compiled policy had. */
	order = policy_malloc(n + 1, sizeof(*order));
	keys = policy_malloc(n + 1, sizeof(*keys));
	rules = policy_malloc(n + 1, sizeof(*rules));
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

	ret = read_marks(k, fd);
	if (ret)
		return ret;
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
