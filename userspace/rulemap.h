/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rulemap.h - the kernel's rule arrays: one sorted array of struct execban_rule_record per
 * policy copy, in a slot of the outer map "rules", and its prefix index (rule_index).
 */
#ifndef EXECBAN_RULEMAP_H
#define EXECBAN_RULEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "execban.h"

/* A new, empty rule array for capacity rules: an fd, or -errno. */
int rule_array_create(int index_fd, uint32_t capacity);
/* An fd of the array in slot (read-only or not), or -errno (-ENOENT: the slot is empty). */
int rule_array_fd(int rules_fd, uint32_t slot, bool rdonly);
/* Entries [0, n) of array fd from r, then the array is frozen. 0 or -errno. */
int rule_array_fill(int fd, const struct execban_rule_record *r, size_t n);
/* Slot's entries of rule_index for the n sorted records r. 0 or -errno. */
int rule_index_write(int index_fd, uint32_t slot, const struct execban_rule_record *r, size_t n);
/*
 * Copy slot (fd: the pinned maps, enum pinned_map) holds exactly r (n records sorted by key):
 * a new array of max(n, capacity) entries, filled, indexed, then swapped into the slot.
 */
int rule_slot_install(const int *fd, uint32_t slot, const struct execban_rule_record *r, size_t n,
		      uint32_t capacity);
/* The number of rules copy slot holds. 0 or -errno. */
int rule_slot_count(const int *fd, uint32_t slot, size_t *n);
/* The rules of copy slot, sorted by key (*out malloc'd, NULL if none). 0 or -errno. */
int rule_slot_read(const int *fd, uint32_t slot, struct execban_rule_record **out, size_t *n);
/*
 * The rules of copy slot mapped read-only, sorted by key (*out NULL if none; release with
 * rule_slot_unmap()). The mapping needs the array opened for writing, which lock mode refuses:
 * for loads, which are kernel-side while locked. 0 or -errno.
 */
int rule_slot_map(const int *fd, uint32_t slot, const struct execban_rule_record **out,
		  size_t *n);
void rule_slot_unmap(const struct execban_rule_record *r, size_t n);
/* Key k's record in r (n records sorted by key), or NULL. */
const struct execban_rule_record *rule_find_in(const struct execban_rule_record *r, size_t n,
					       const uint8_t *k);
/* Kernel memory of copy slot's rules (its array and its half of rule_index), in bytes. */
uint64_t rule_slot_memlock(const int *fd, uint32_t slot);

#endif /* EXECBAN_RULEMAP_H */
