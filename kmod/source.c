// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: reading a file's bytes, from an open file or, where
 * a hook has only a dentry (inode_rename, inode_setattr), from the page cache.
 *
 * Hooks that see a rename or a chmod get a dentry and no vfsmount, so no file
 * can be opened. The bytes are then read from the page cache of the real
 * inode (the overlay's lower or upper one), as the filesystem's read_folio
 * fills it. That is only done for filesystems whose read_folio needs no open
 * file (ext4, xfs, btrfs) and for tmpfs through shmem's own reader; others
 * (9p, FUSE, NFS, ...) use the file their read_folio is given and are refused
 * with -EOPNOTSUPP, for the caller's documented choice.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/xattr.h>

#include "source.h"

static bool page_cache_readable(struct inode *inode)
{
	switch (inode->i_sb->s_magic) {
	case TMPFS_MAGIC:
		return true;
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		return inode->i_mapping->a_ops->read_folio != NULL;
	default:
		return false;
	}
}

/**
 * execban_src_from_dentry() - read @dentry's file through the page cache
 * @dentry: a dentry of a regular file
 * @src: filled in
 *
 * Return: 0; -EINVAL for a negative dentry or not a regular file;
 * -EOPNOTSUPP where the real inode's filesystem is not known to be readable
 * without an open file.
 */
int execban_src_from_dentry(struct dentry *dentry, struct execban_src *src)
{
	struct inode *inode;

	if (!dentry || d_is_negative(dentry))
		return -EINVAL;
	inode = d_real_inode(dentry);
	if (!inode || !S_ISREG(inode->i_mode))
		return -EINVAL;
	if (!page_cache_readable(inode))
		return -EOPNOTSUPP;
	src->file = NULL;
	src->dentry = dentry;
	src->inode = inode;
	return 0;
}

void execban_src_from_file(struct file *file, struct execban_src *src)
{
	src->file = file;
	src->dentry = file_dentry(file);
	src->inode = file_inode(file);
}

loff_t execban_src_size(const struct execban_src *src)
{
	return i_size_read(src->inode);
}

/* Up to @len bytes at @pos from the page cache; 0 at end of file. */
static ssize_t page_cache_read(struct inode *inode, void *buf, size_t len, loff_t pos)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t size = i_size_read(inode);
	size_t done = 0, off, n;
	struct page *page;
	pgoff_t index;
	void *p;

	if (pos >= size)
		return 0;
	len = min_t(loff_t, len, size - pos);
	while (done < len) {
		if (fatal_signal_pending(current))
			return -EINTR;
		index = (pos + done) >> PAGE_SHIFT;
		off = (pos + done) & ~PAGE_MASK;
		n = min_t(size_t, PAGE_SIZE - off, len - done);
		if (inode->i_sb->s_magic == TMPFS_MAGIC)
			page = shmem_read_mapping_page_gfp(mapping, index,
							   mapping_gfp_mask(mapping));
		else
			page = read_cache_page(mapping, index, NULL, NULL);
		if (IS_ERR(page))
			return PTR_ERR(page);
		p = kmap_local_page(page);
		memcpy(buf + done, p + off, n);
		kunmap_local(p);
		put_page(page);
		done += n;
	}
	return done;
}

/**
 * execban_src_read() - read up to @len bytes at @pos
 * @src: the file
 * @buf: kernel buffer
 * @len: bytes wanted
 * @pos: offset in the file
 *
 * Context: process context, may sleep.
 * Return: bytes read (fewer at end of file, 0 past it) or -errno.
 */
ssize_t execban_src_read(const struct execban_src *src, void *buf, size_t len, loff_t pos)
{
	if (src->file)
		return kernel_read(src->file, buf, len, &pos);
	return page_cache_read(src->inode, buf, len, pos);
}

/* An extended attribute of the file, as the filesystem stores it (no LSM check). */
ssize_t execban_src_getxattr(const struct execban_src *src, const char *name, void *buf,
			     size_t size)
{
	return __vfs_getxattr(src->dentry, d_inode(src->dentry), name, buf, size);
}
