/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: SHA-256 of a whole file with the kernel crypto API.
 */
#ifndef EXECBAN_HASH_H
#define EXECBAN_HASH_H

#include <linux/types.h>

struct execban_src;
struct inode;

/* The largest file hashed where nothing may sleep (execban_hash_page_cache()). */
#define EXECBAN_HASH_NOWAIT_MAX	(64LL << 20)

int execban_hash_init(void);
void execban_hash_exit(void);
int execban_hash_src(const struct execban_src *src, u8 *digest);
int execban_hash_page_cache(struct inode *inode, u8 *digest);

#endif /* EXECBAN_HASH_H */
