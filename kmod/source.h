/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: where a file's bytes are read from (source.c).
 */
#ifndef EXECBAN_SOURCE_H
#define EXECBAN_SOURCE_H

#include <linux/types.h>

struct dentry;
struct file;
struct inode;

/**
 * struct execban_src - a file to read: an open file, or a dentry's page cache
 * @file: read with kernel_read() when set
 * @dentry: the dentry (the overlay's, for xattrs) when @file is NULL
 * @inode: the inode whose bytes are read: file_inode(@file), or the real
 *	(lower or upper) inode of @dentry
 */
struct execban_src {
	struct file *file;
	struct dentry *dentry;
	struct inode *inode;
};

int execban_src_from_dentry(struct dentry *dentry, struct execban_src *src);
void execban_src_from_file(struct file *file, struct execban_src *src);
loff_t execban_src_size(const struct execban_src *src);
ssize_t execban_src_read(const struct execban_src *src, void *buf, size_t len, loff_t pos);
ssize_t execban_src_getxattr(const struct execban_src *src, const char *name, void *buf,
			     size_t size);

#endif /* EXECBAN_SOURCE_H */
