// SPDX-License-Identifier: GPL-2.0
/*
 * rulemap.c - the kernel's rule arrays (bpf/maps.bpf.h, "rules" and "rule_index").
 *
 * Each policy copy's rules are one BPF array of struct execban_rule_record sorted by key, sized
 * for the policy and swapped into its slot of the outer map "rules", with its 65,537-entry
 * prefix index in rule_index. A load writes the inactive copy: a new array, filled, its index,
 * then the swap (the copy is read by no one until the switch of generations).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "cli.h"
#include "kstate.h"
#include "rulemap.h"

/*
 * A new rule array for capacity rules (at least 1). The outer map takes only arrays like its
 * template, BTF included (6.1 compares what BTF makes of the value: "timer_off"), so it is made
 * with the BTF of execban's object, which rule_index carries.
 */
int rule_array_create(int index_fd, uint32_t capacity)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	struct bpf_map_info mi = {};
	__u32 mi_len = sizeof(mi);
	struct btf *btf;
	int key_id, value_id, btf_fd, fd;

	if (bpf_obj_get_info_by_fd(index_fd, &mi, &mi_len))
		return -errno;
	btf = btf__load_from_kernel_by_id(mi.btf_id);
	if (!btf)
		return -errno;
	key_id = btf__find_by_name_kind(btf, "unsigned int", BTF_KIND_INT);
	value_id = btf__find_by_name_kind(btf, "execban_rule_record", BTF_KIND_STRUCT);
	btf__free(btf);
	if (key_id <= 0 || value_id <= 0)
		return -ENOENT;
	btf_fd = bpf_btf_get_fd_by_id(mi.btf_id);
	if (btf_fd < 0)
		return -errno;
	opts.btf_fd = (__u32)btf_fd;
	opts.btf_key_type_id = (__u32)key_id;
	opts.btf_value_type_id = (__u32)value_id;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "execban_rules", sizeof(__u32),
			    sizeof(struct execban_rule_record), capacity ? capacity : 1, &opts);
	if (fd < 0)
		fd = -errno;
	close(btf_fd);
	return fd;
}

/* The array in slot of the outer map, read-only or not: an fd, or -ENOENT for none. */
int rule_array_fd(int rules_fd, uint32_t slot, bool rdonly)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = rdonly ? BPF_F_RDONLY : 0);
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(rules_fd, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id_opts(id, &opts);
	return fd < 0 ? -errno : fd;
}

/* The index entries of n sorted records: entry p is the first whose 16-bit prefix is p or more. */
static void build_index(const struct execban_rule_record *r, size_t n, uint32_t *idx)
{
	size_t i = 0;
	uint32_t q;

	for (q = 0; q < EXECBAN_RULE_INDEX_SLOTS; q++) {
		while (i < n && ((uint32_t)r[i].key[0] << 8 | r[i].key[1]) < q)
			i++;
		idx[q] = (uint32_t)i;
	}
}

int rule_index_write(int index_fd, uint32_t slot, const struct execban_rule_record *r, size_t n)
{
	uint32_t *idx = calloc(EXECBAN_RULE_INDEX_SLOTS, sizeof(*idx));
	uint32_t *keys = calloc(EXECBAN_RULE_INDEX_SLOTS, sizeof(*keys));
	uint32_t q;
	int ret;

	if (!idx || !keys) {
		free(idx);
		free(keys);
		return -ENOMEM;
	}
	build_index(r, n, idx);
	for (q = 0; q < EXECBAN_RULE_INDEX_SLOTS; q++)
		keys[q] = slot * EXECBAN_RULE_INDEX_SLOTS + q;
	ret = map_update_batched(index_fd, keys, sizeof(*keys), idx, sizeof(*idx),
				 EXECBAN_RULE_INDEX_SLOTS);
	free(idx);
	free(keys);
	return ret;
}

/*
 * Entries [0, n) of array fd from r, through a shared mapping (one memcpy, where a batched
 * update cost about 700 guest instructions an entry; a kill point every MAP_BATCH entries),
 * then the array is frozen: no syscall and no mapping can write it any more, whoever holds an
 * fd of it (the kernel refuses to freeze a map someone has mapped for writing: EBUSY).
 */
int rule_array_fill(int fd, const struct execban_rule_record *r, size_t n)
{
	struct execban_rule_record *m;
	size_t done = 0, k;

	if (n) {
		m = mmap(NULL, n * sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return -errno;
		while (done < n) {
			test_kill_point();
			k = n - done < MAP_BATCH ? n - done : MAP_BATCH;
			memcpy(m + done, r + done, k * sizeof(*r));
			done += k;
		}
		munmap(m, n * sizeof(*r));
	}
	return bpf_map_freeze(fd) ? -errno : 0;
}

int rule_slot_install(const int *fd, uint32_t slot, const struct execban_rule_record *r, size_t n,
		      uint32_t capacity)
{
	int afd, ret;

	if (capacity < n)
		capacity = (uint32_t)n;
	afd = rule_array_create(fd[PM_RULE_INDEX], capacity);
	if (afd < 0)
		return afd;
	ret = rule_array_fill(afd, r, n);
	if (!ret)
		ret = rule_index_write(fd[PM_RULE_INDEX], slot, r, n);
	if (!ret && bpf_map_update_elem(fd[PM_RULES], &slot, &afd, BPF_ANY))
		ret = -errno;
	close(afd);
	return ret;
}

/* How many rules copy slot holds: the index's last entry. */
int rule_slot_count(const int *fd, uint32_t slot, size_t *n)
{
	uint32_t key = slot * EXECBAN_RULE_INDEX_SLOTS + EXECBAN_RULE_INDEX_SLOTS - 1, v;

	if (bpf_map_lookup_elem(fd[PM_RULE_INDEX], &key, &v))
		return -errno;
	*n = v;
	return 0;
}

int rule_slot_read(const int *fd, uint32_t slot, struct execban_rule_record **out, size_t *n_out)
{
	struct execban_rule_record *r;
	size_t n = 0, got = 0;
	uint32_t in = 0, next = 0, *keys;
	__u32 count;
	int afd, ret;

	*out = NULL;
	*n_out = 0;
	ret = rule_slot_count(fd, slot, &n);
	if (ret)
		return ret;
	afd = rule_array_fd(fd[PM_RULES], slot, true);
	if (afd == -ENOENT && !n)
		return 0;
	if (afd < 0)
		return afd;
	r = malloc((n + 1) * sizeof(*r));
	keys = malloc(MAP_BATCH * sizeof(*keys));
	if (!r || !keys) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < n) {
		count = (__u32)(n - got < MAP_BATCH ? n - got : MAP_BATCH);
		ret = bpf_map_lookup_batch(afd, got ? &in : NULL, &next, keys, r + got, &count,
					   NULL);
		if (ret && ret != -ENOENT)
			goto out;
		got += count;
		in = next;
		if (ret == -ENOENT || !count)
			break;
	}
	ret = got < n ? -EAGAIN : 0;	/* the array is smaller than its index: a load raced */
out:
	free(keys);
	close(afd);
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	*n_out = n;
	return 0;
}

int rule_slot_map(const int *fd, uint32_t slot, const struct execban_rule_record **out,
		  size_t *n_out)
{
	struct bpf_map_info mi = {};
	__u32 mi_len = sizeof(mi);
	void *m;
	size_t n = 0;
	int afd, ret;

	*out = NULL;
	*n_out = 0;
	ret = rule_slot_count(fd, slot, &n);
	if (ret || !n)
		return ret;
	/* A shared mapping, even a read-only one, needs an fd opened for writing. */
	afd = rule_array_fd(fd[PM_RULES], slot, false);
	if (afd < 0)
		return afd;
	if (bpf_obj_get_info_by_fd(afd, &mi, &mi_len)) {
		ret = -errno;
	} else if (mi.max_entries < n) {
		ret = -EAGAIN;	/* the array is smaller than its index: a load raced */
	} else {
		m = mmap(NULL, n * sizeof(**out), PROT_READ, MAP_SHARED, afd, 0);
		if (m == MAP_FAILED) {
			ret = -errno;
		} else {
			*out = m;
			*n_out = n;
		}
	}
	close(afd);
	return ret;
}

void rule_slot_unmap(const struct execban_rule_record *r, size_t n)
{
	if (r)
		munmap((void *)r, n * sizeof(*r));
}

/* Key k's rule in a copy read by rule_slot_read() (sorted by key), or NULL. */
const struct execban_rule_record *rule_find_in(const struct execban_rule_record *r, size_t n,
					       const uint8_t *k)
{
	size_t lo = 0, hi = n, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = memcmp(r[mid].key, k, EXECBAN_SHA256_LEN);
		if (!d)
			return &r[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The kernel memory of copy slot's rules: its array, and its half of rule_index. */
uint64_t rule_slot_memlock(const int *fd, uint32_t slot)
{
	int afd = rule_array_fd(fd[PM_RULES], slot, true);
	uint64_t m = map_memlock(fd[PM_RULE_INDEX]) / EXECBAN_SLOTS;

	if (afd >= 0) {
		m += map_memlock(afd);
		close(afd);
	}
	return m;
}
