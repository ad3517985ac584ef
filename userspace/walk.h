/* SPDX-License-Identifier: GPL-2.0 */
/*
 * walk.h - the file tree walk shared by import and scan.
 */
#ifndef EXECBAN_WALK_H
#define EXECBAN_WALK_H

#include <stddef.h>
#include <sys/stat.h>

enum walk_flags {
	WALK_XDEV = 1U << 0,		/* stay on the root's filesystem (like find -xdev) */
	WALK_SKIP_PSEUDO = 1U << 1,	/* never enter proc, sysfs, cgroup, debugfs, ... */
};

/* One entry that is not a folder: a regular file, symlink, device, fifo or socket. */
struct walk_ent {
	const char *path;	/* root and the path below it, joined with '/' */
	const char *rel;	/* below the root ("" when the root itself is not a folder) */
	int dirfd;		/* the folder holding it (AT_FDCWD for a root), for openat() */
	const char *name;	/* its name in dirfd */
	const struct stat *st;	/* lstat(): symlinks are reported, never followed */
};

/* Return 0 to go on, anything else stops the walk and is returned by walk(). */
typedef int (*walk_fn)(const struct walk_ent *e, void *arg);
/* A folder or entry that could not be read (err is an errno); the walk goes on. */
typedef void (*walk_err_fn)(const char *path, int err, void *arg);

/*
 * Walk the tree at root (followed if it is a symlink, nothing below it is), calling fn for
 * every entry that is not a folder. Returns 0, what fn returned to stop it, -ENOMEM, or the
 * -errno of the root itself (not reported through on_err).
 */
int walk(const char *root, unsigned int flags, walk_fn fn, walk_err_fn on_err, void *arg);

/* rm -rf without following symlinks; makes folders writable first. 0 or the first -errno. */
int remove_tree(const char *path);

#endif /* EXECBAN_WALK_H */
