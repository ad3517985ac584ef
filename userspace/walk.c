// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - the file tree walk shared by import and scan. Folders are opened relative to their
 * parent with O_NOFOLLOW and checked to be the folder lstat() saw, so a folder swapped for a
 * symlink mid-walk is never followed. An unreadable folder is reported and skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "walk.h"

struct walker {
	unsigned int flags;
	walk_fn fn;
	walk_err_fn on_err;
	void *arg;
	dev_t dev;		/* the root's filesystem */
	char *path;
	size_t len, cap, root_len;
};

static void report(struct walker *w, int e)
{
	if (w->on_err)
		w->on_err(w->path, e, w->arg);
}

static int path_append(struct walker *w, const char *name)
{
	size_t n = strlen(name);

	if (w->len + n + 2 > w->cap) {
		size_t cap = (w->len + n + 2) * 2;
		char *p = realloc(w->path, cap);

		if (!p)
			return -ENOMEM;
		w->path = p;
		w->cap = cap;
	}
	w->path[w->len] = '/';
	memcpy(w->path + w->len + 1, name, n + 1);
	w->len += n + 1;
	return 0;
}

/* Kernel interfaces and virtual filesystems: nothing to hash there, and reads can block. */
static bool is_pseudo(int fd)
{
	static const unsigned int magics[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
		DEBUGFS_MAGIC, TRACEFS_MAGIC, SECURITYFS_MAGIC, BPF_FS_MAGIC, DEVPTS_SUPER_MAGIC,
		PSTOREFS_MAGIC, EFIVARFS_MAGIC, SELINUX_MAGIC, SMACK_MAGIC, BINFMTFS_MAGIC,
		0x62656570 /* configfs */,
	};
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf))
		return false;
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if ((unsigned int)sf.f_type == magics[i])
			return true;
	return false;
}

/* Walk the open folder dfd (consumed), whose path is w->path. */
static int walk_dir(struct walker *w, int dfd, dev_t parent_dev)
{
	size_t len = w->len;
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	d = fdopendir(dfd);
	if (!d) {
		report(w, errno);
		close(dfd);
		return 0;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				report(w, errno);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		w->len = len;
		ret = path_append(w, de->d_name);
		if (ret)
			break;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno != ENOENT)	/* removed meanwhile: nothing to report */
				report(w, errno);
			continue;
		}
		if ((w->flags & WALK_XDEV) && st.st_dev != w->dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			struct stat st2;
			int fd;

			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			if (fd < 0) {
				if (errno != ENOENT)
					report(w, errno == EMFILE ? ELOOP : errno);
				continue;
			}
			if (fstat(fd, &st2) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
				close(fd);	/* replaced between lstat and open: not ours */
				continue;
			}
			if ((w->flags & WALK_SKIP_PSEUDO) && st.st_dev != parent_dev && is_pseudo(fd)) {
				close(fd);
				continue;
			}
			ret = walk_dir(w, fd, st.st_dev);
		} else {
			struct walk_ent e = {
				.path = w->path,
				.rel = w->path + w->root_len + 1,
				.dirfd = dirfd(d),
				.name = de->d_name,
				.st = &st,
			};

			ret = w->fn(&e, w->arg);
		}
		if (ret)
			break;
	}
	w->len = len;
	w->path[len] = 0;
	closedir(d);
	return ret;
}

int walk(const char *root, unsigned int flags, walk_fn fn, walk_err_fn on_err, void *arg)
{
	struct walker w = { .flags = flags, .fn = fn, .on_err = on_err, .arg = arg };
	size_t n = strlen(root);
	struct stat st;
	int fd, ret;

	if (stat(root, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		struct walk_ent e = {
			.path = root, .rel = "", .dirfd = AT_FDCWD, .name = root, .st = &st,
		};

		return fn(&e, arg);
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		n = 0;		/* "/" : children are "/bin", not "//bin" */
	w.cap = n + 256;
	w.path = malloc(w.cap);
	if (!w.path) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(w.path, root, n);
	w.path[n] = 0;
	w.len = w.root_len = n;
	w.dev = st.st_dev;
	ret = walk_dir(&w, fd, st.st_dev);
	free(w.path);
	return ret;
}

static int remove_at(int dfd, const char *name)
{
	struct dirent *de;
	struct stat st;
	int fd, ret = 0, r;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) && errno != ENOENT ? -errno : 0;
	/* Best effort: if the folder stays unreadable, openat below says why. */
	if ((st.st_mode & 0700) != 0700 && fchmodat(dfd, name, 0700, 0))
		errno = 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = remove_at(dirfd(d), de->d_name);
		if (r && !ret)
			ret = r;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path);
}
