// SPDX-License-Identifier: GPL-2.0
/*
 * quarantine.c - execban scan --quarantine DIR: move a banned file out of the way, keeping
 * every byte of it, and say where it went.
 *
 * A move is rename(2) into DIR (same filesystem) and then chmod without the execute bits, or a
 * copy (new file created without them, bytes checked against the digest scan computed, then
 * fsync) and unlink of the original, when rename fails with EXDEV (another filesystem) or EPERM
 * (a kernel that refuses to rename or chmod a banned file). Each step is checked to act on the
 * file scan hashed (same device and inode; same size and mtime), and a step that fails undoes
 * the ones before it: the original is never removed before its copy is safe, and a rename is
 * undone when what follows fails. DIR is root's alone (0700), so nobody else can create,
 * swap or read names in it; the file's old folder is another matter, hence the inode checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "jsonout.h"
#include "quarantine.h"

#define NAME_BASE_MAX	100	/* bytes of the original name kept in the new one */
#define NAME_TRIES	10000	/* numbered variants tried before giving up */
#define COPY_BUF	(1 << 16)
#define COPY_XATTR_MAX	(64 * 1024)	/* the kernel's XATTR_LIST_MAX and XATTR_SIZE_MAX */

struct quarantine {
	pthread_mutex_t lock;	/* one move at a time: names, manifest lines */
	int dirfd;
	int manifest_fd;
	dev_t dev;
	ino_t ino;
	char dir[PATH_MAX];	/* absolute */
};

/* mkdir -p, each folder created 0700. 0 or -errno. */
static int mkdir_parents(const char *dir)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int quarantine_open(struct quarantine **qp, const char *dir)
{
	struct quarantine *q;
	struct stat st;
	int ret;

	*qp = NULL;
	if (geteuid() != 0) {
		err("--quarantine %s: run as root (the folder must be root's alone)", dir);
		return -EPERM;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->manifest_fd = -1;
	q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (q->dirfd < 0 && errno == ENOENT) {
		ret = mkdir_parents(dir);
		if (ret) {
			err("--quarantine %s: cannot create it: %s", dir, strerror(-ret));
			goto err_free;
		}
		q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (q->dirfd < 0) {
		ret = -errno;
		if (errno == ELOOP || (errno == ENOTDIR && !lstat(dir, &st) && S_ISLNK(st.st_mode)))
			err("--quarantine %s: a symlink: name the folder itself", dir);
		else if (errno == ENOTDIR)
			err("--quarantine %s: not a folder", dir);
		else
			err("--quarantine %s: %s", dir, strerror(errno));
		goto err_free;
	}
	if (fstat(q->dirfd, &st)) {
		ret = -errno;
		err("--quarantine %s: %s", dir, strerror(errno));
		goto err_close;
	}
	/* Banned files must not be readable, let alone runnable, by anyone else from here. */
	if (st.st_uid != 0) {
		err("--quarantine %s: owned by uid %u, not root: chown root %s, or name another "
		    "folder", dir, (unsigned int)st.st_uid, dir);
		ret = -EPERM;
		goto err_close;
	}
	if (st.st_mode & 077) {
		err("--quarantine %s: mode %04o lets group or others in: chmod 700 %s, or name "
		    "another folder", dir, (unsigned int)(st.st_mode & 07777), dir);
		ret = -EPERM;
		goto err_close;
	}
	q->dev = st.st_dev;
	q->ino = st.st_ino;
	if (!realpath(dir, q->dir)) {
		ret = -errno;
		err("--quarantine %s: %s", dir, strerror(errno));
		goto err_close;
	}
	q->manifest_fd = openat(q->dirfd, QUARANTINE_MANIFEST,
				O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (q->manifest_fd < 0 || fstat(q->manifest_fd, &st)) {
		ret = -errno;
		err("--quarantine %s: %s: %s", dir, QUARANTINE_MANIFEST, strerror(errno));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err("--quarantine %s: %s is not a regular file", dir, QUARANTINE_MANIFEST);
		ret = -EINVAL;
		goto err_close;
	}
	pthread_mutex_init(&q->lock, NULL);
	*qp = q;
	return 0;

err_close:
	if (q->manifest_fd >= 0)
		close(q->manifest_fd);
	close(q->dirfd);
err_free:
	free(q);
	return ret;
}

void quarantine_close(struct quarantine *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	close(q->manifest_fd);
	close(q->dirfd);
	free(q);
}

bool quarantine_is_dir(const struct quarantine *q, int dirfd)
{
	struct stat st;

	return dirfd >= 0 && !fstat(dirfd, &st) && st.st_dev == q->dev && st.st_ino == q->ino;
}

/* "<name>.<16 hex of the digest>[.<n>]": a name that says what the file was, no '/'. */
static void make_name(char *out, size_t size, const char *path, const uint8_t *sha256,
		      unsigned int n)
{
	const char *base = strrchr(path, '/');
	char hex[2 * EXECBAN_SHA256_LEN + 1];

	base = base ? base + 1 : path;
	hex_encode(sha256, EXECBAN_SHA256_LEN, hex);
	if (n)
		snprintf(out, size, "%.*s.%.16s.%u", NAME_BASE_MAX, base, hex, n);
	else
		snprintf(out, size, "%.*s.%.16s", NAME_BASE_MAX, base, hex);
}

/* The absolute path of a file: its folder resolved, then its name. */
static void absolute(const char *path, char *out, size_t size)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *base = strrchr(path, '/');

	snprintf(tmp, sizeof(tmp), "%s", path);
	if (realpath(dirname(tmp), dir))
		snprintf(out, size, "%s/%s", strcmp(dir, "/") ? dir : "", base ? base + 1 : path);
	else
		snprintf(out, size, "%s", path);
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int quarantine_rename_noreplace(int from_dfd, const char *from, int to_dfd, const char *to)
{
	struct stat st;

	if (!renameat2(from_dfd, from, to_dfd, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (!fstatat(to_dfd, to, &st, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(from_dfd, from, to_dfd, to) ? -errno : 0;
}

/* Put a renamed file back where it was. 0, or -errno with why. */
static int undo_rename(struct quarantine *q, const struct quarantine_item *it, const char *name,
		       char *why, size_t why_len)
{
	int ret = quarantine_rename_noreplace(q->dirfd, name, AT_FDCWD, it->path);
	size_t n = strlen(why);

	if (ret && n < why_len)
		snprintf(why + n, why_len - n, "; and it could not be moved back: it is %s/%s (%s)",
			 q->dir, name, strerror(-ret));
	return ret;
}

/* Step 1, same filesystem: rename into DIR. 0, or -errno with why. */
static int move_rename(struct quarantine *q, const struct quarantine_item *it, char *name,
		       size_t name_len, char *why, size_t why_len)
{
	struct stat st;
	unsigned int n;
	int ret = -EEXIST;

	for (n = 0; n < NAME_TRIES && ret == -EEXIST; n++) {
		make_name(name, name_len, it->path, it->sha256, n);
		ret = quarantine_rename_noreplace(AT_FDCWD, it->path, q->dirfd, name);
	}
	if (ret) {
		snprintf(why, why_len, "rename: %s", strerror(-ret));
		return ret;
	}
	/* The path named another file by the time it was renamed: put that one back. */
	if (fstatat(q->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !same_inode(&st, it->st)) {
		snprintf(why, why_len, "replaced by another file since it was scanned");
		undo_rename(q, it, name, why, why_len);
		return -ESTALE;
	}
	return 0;
}

/*
 * The extended attributes too, security.ima among them (the signature a rule may have matched):
 * best effort, as cp -a does; the manifest says what matched in any case.
 */
static void copy_xattrs(int from, int to)
{
	char *names = malloc(COPY_XATTR_MAX), *val = malloc(COPY_XATTR_MAX), *name;
	ssize_t len, n;

	len = names && val ? flistxattr(from, names, COPY_XATTR_MAX) : -1;
	for (name = names; len > 0 && name < names + len; name += strlen(name) + 1) {
		n = fgetxattr(from, name, val, COPY_XATTR_MAX);
		if (n >= 0 && fsetxattr(to, name, val, (size_t)n, 0)) {
			/* not fatal: a security module may refuse to set its label */
		}
	}
	free(names);
	free(val);
}

/* Copy fd's bytes into out from offset 0, checking them against the digest. 0 or -errno. */
static int copy_bytes(const struct quarantine_item *it, int out, char *why, size_t why_len)
{
	uint8_t digest[EXECBAN_SHA256_LEN];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t total = 0;
	ssize_t n, w;
	size_t done;
	char *buf = malloc(COPY_BUF);
	int ret = 0;

	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		snprintf(why, why_len, "copy: out of memory");
		goto out;
	}
	for (;;) {
		n = pread(it->fd, buf, COPY_BUF, (off_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(why, why_len, "copy: read: %s", strerror(errno));
			goto out;
		}
		if (!n)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		for (done = 0; done < (size_t)n; done += (size_t)w) {
			w = write(out, buf + done, (size_t)n - done);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				ret = -errno;
				snprintf(why, why_len, "copy: write: %s", strerror(errno));
				goto out;
			}
		}
		total += (uint64_t)n;
	}
	EVP_DigestFinal_ex(ctx, digest, NULL);
	if (total != (uint64_t)it->st->st_size || memcmp(digest, it->sha256, sizeof(digest))) {
		ret = -ESTALE;
		snprintf(why, why_len, "its content changed since it was scanned");
	}
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ret;
}

/*
 * Step 1, other filesystem (or rename refused): copy, then unlink the original. 0, or -errno
 * with why; on failure the copy is removed and the original is untouched.
 */
static int move_copy(struct quarantine *q, const struct quarantine_item *it, mode_t mode,
		     char *name, size_t name_len, char *why, size_t why_len)
{
	const struct timespec times[2] = { it->st->st_atim, it->st->st_mtim };
	struct stat st;
	unsigned int n;
	int out = -1, ret;

	for (n = 0; n < NAME_TRIES && out < 0; n++) {
		make_name(name, name_len, it->path, it->sha256, n);
		out = openat(q->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (out < 0 && errno != EEXIST)
			break;
	}
	if (out < 0) {
		ret = -errno;
		snprintf(why, why_len, "copy: cannot create it in %s: %s", q->dir, strerror(errno));
		return ret;
	}
	/*
	 * Owner and mode while the file is still empty; the owner only where this process may
	 * give files away (the manifest records it in any case).
	 */
	if (fchown(out, it->st->st_uid, it->st->st_gid)) {
		/* not fatal: a user namespace may not map that owner */
	}
	if (fchmod(out, mode)) {
		ret = -errno;
		snprintf(why, why_len, "copy: chmod: %s", strerror(errno));
		goto err_unlink;
	}
	ret = copy_bytes(it, out, why, why_len);
	if (ret)
		goto err_unlink;
	copy_xattrs(it->fd, out);
	if (futimens(out, times)) {
		/* not fatal: the manifest records the mtime */
	}
	if (fsync(out)) {
		ret = -errno;
		snprintf(why, why_len, "copy: fsync: %s", strerror(errno));
		goto err_unlink;
	}
	ret = close(out);
	out = -1;
	if (ret) {
		ret = -errno;
		snprintf(why, why_len, "copy: close: %s", strerror(errno));
		goto err_unlink;
	}
	fsync(q->dirfd);	/* the new name too, before the old one goes */

	/*
	 * The copy is safe: remove the original, if its path still names the file hashed (a
	 * window remains between this check and unlink for someone who can write to its folder;
	 * they could as well have replaced the file before the scan).
	 */
	if (lstat(it->path, &st) || !same_inode(&st, it->st)) {
		ret = -ESTALE;
		snprintf(why, why_len, "replaced by another file since it was scanned");
		goto err_unlink;
	}
	if (unlink(it->path)) {
		ret = -errno;
		snprintf(why, why_len, "copied, but the original cannot be removed: %s",
			 strerror(errno));
		goto err_unlink;
	}
	return 0;

err_unlink:
	if (out >= 0)
		close(out);
	unlinkat(q->dirfd, name, 0);
	return ret;
}

static void rfc3339(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Append one line to the manifest, whole or not at all. 0, or -errno with why. */
static int record(struct quarantine *q, const struct quarantine_item *it, const char *orig,
		  const char *newpath, const char *method, char *why, size_t why_len)
{
	struct json_object *o = json_doc(JSON_SCHEMA_QUARANTINE);
	char mtime[32], now[32], *line = NULL;
	size_t len, done = 0;
	struct stat st;
	ssize_t n;
	int ret = 0;

	rfc3339(it->st->st_mtim.tv_sec, mtime, sizeof(mtime));
	rfc3339(time(NULL), now, sizeof(now));
	if (o) {
		json_add_str(o, "path", orig);
		json_add_str(o, "quarantined", newpath);
		json_object_object_foreach(it->json_fields, k, v)
			json_add(o, k, json_object_get(v));
		json_add_str(o, "mtime", mtime);
		json_add_str(o, "quarantined_at", now);
		json_add_str(o, "method", method);
		if (asprintf(&line, "%s\n", json_line(o)) < 0)
			line = NULL;
		json_object_put(o);
	}
	if (!line) {
		snprintf(why, why_len, "manifest: out of memory");
		return -ENOMEM;
	}
	len = strlen(line);
	if (fstat(q->manifest_fd, &st))
		st.st_size = -1;
	while (done < len) {
		n = write(q->manifest_fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (!ret && fdatasync(q->manifest_fd))
		ret = -errno;
	if (ret) {
		/* no half line for the next one to be glued to */
		if (done && st.st_size >= 0 && ftruncate(q->manifest_fd, st.st_size)) {
			/* nothing more to do: the error below is reported */
		}
		snprintf(why, why_len, "%s/%s: %s", q->dir, QUARANTINE_MANIFEST, strerror(-ret));
	}
	free(line);
	return ret;
}

int quarantine_file(struct quarantine *q, const struct quarantine_item *it, char *newpath,
		    size_t newpath_len, char *why, size_t why_len)
{
	mode_t mode = it->st->st_mode & 0666;	/* no execute, setuid, setgid or sticky bit */
	char name[NAME_MAX + 1], orig[2 * PATH_MAX];
	const char *method = "rename";
	struct stat st;
	int ret;

	why[0] = 0;
	newpath[0] = 0;
	pthread_mutex_lock(&q->lock);
	/* The bytes hashed are the bytes moved: nothing written since, no other file there. */
	if (fstat(it->fd, &st) || st.st_size != it->st->st_size ||
	    st.st_mtim.tv_sec != it->st->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != it->st->st_mtim.tv_nsec) {
		snprintf(why, why_len, "modified since it was scanned");
		ret = -ESTALE;
		goto out;
	}
	if (lstat(it->path, &st) || !same_inode(&st, it->st)) {
		snprintf(why, why_len, "moved or replaced since it was scanned");
		ret = -ESTALE;
		goto out;
	}
	absolute(it->path, orig, sizeof(orig));

	ret = move_rename(q, it, name, sizeof(name), why, why_len);
	if (!ret && fchmod(it->fd, mode)) {
		ret = -errno;
		snprintf(why, why_len, "chmod: %s", strerror(errno));
		if (undo_rename(q, it, name, why, why_len))
			goto out;	/* in DIR, root's alone, with its mode: reported */
	}
	if (ret == -EXDEV || ret == -EPERM) {
		method = "copy";
		ret = move_copy(q, it, mode, name, sizeof(name), why, why_len);
	}
	if (ret)
		goto out;
	snprintf(newpath, newpath_len, "%s/%s", q->dir, name);

	ret = record(q, it, orig, newpath, method, why, why_len);
	if (ret && !strcmp(method, "rename")) {
		/* Not recorded: as if it never happened. */
		if (!undo_rename(q, it, name, why, why_len)) {
			newpath[0] = 0;
			fchmod(it->fd, it->st->st_mode & 07777);
		}
	} else if (ret) {
		snprintf(why + strlen(why), why_len - strlen(why),
			 ": moved to %s but not recorded there", newpath);
	}
out:
	pthread_mutex_unlock(&q->lock);
	return ret;
}
