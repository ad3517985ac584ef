/* SPDX-License-Identifier: GPL-2.0 */
/*
 * quarantine.h - execban scan --quarantine DIR: move banned files into a root-only folder,
 * without their execute bits, and record each move in DIR/manifest.jsonl.
 */
#ifndef EXECBAN_QUARANTINE_H
#define EXECBAN_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "execban.h"

struct json_object;

#define QUARANTINE_MANIFEST	"manifest.jsonl"

struct quarantine;

/*
 * Open DIR, creating it (and missing parents) 0700 if it does not exist. Refuses, with a
 * message saying what to do, a DIR that is not a folder, is a symlink, is not owned by root
 * or is accessible to group or others, and a caller who is not root. 0 or -errno.
 */
int quarantine_open(struct quarantine **qp, const char *dir);
void quarantine_close(struct quarantine *q);

/* Is the folder open as dirfd the quarantine folder itself? (scan skips what it holds) */
bool quarantine_is_dir(const struct quarantine *q, int dirfd);

/* A banned file to move, as scan found it. */
struct quarantine_item {
	const char *path;		/* as scanned */
	int fd;				/* open read-only on it */
	const struct stat *st;		/* fstat(fd) when it was hashed */
	const uint8_t *sha256;		/* its digest (EXECBAN_SHA256_LEN bytes) */
	/*
	 * The finding's JSON fields common to scan --json and the manifest ("sha256", "size",
	 * ...), from scan.c: made once, copied into the manifest's line.
	 */
	struct json_object *json_fields;
};

/*
 * Move it into the quarantine folder under a new name: rename(2) where it can (same
 * filesystem; the file keeps its inode), else, on EXDEV or EPERM (a kernel that refuses to
 * rename a banned file), a copy of the exact bytes (checked against sha256, fsync'd) and then
 * unlink of the original. The new file has no execute, setuid or setgid bit. The move is
 * appended to the manifest. Whatever fails, the original stays where it was (undoing a rename
 * if need be). Thread-safe (moves are serialised).
 *
 * 0 with the new path in newpath; or -errno with why (one line, for people).
 */
int quarantine_file(struct quarantine *q, const struct quarantine_item *it, char *newpath,
		    size_t newpath_len, char *why, size_t why_len);

/*
 * rename(2) that never replaces anything, also where the filesystem cannot say
 * RENAME_NOREPLACE (then checked just before: a window, but only for who can write the
 * target's folder). 0 or -errno (-EEXIST: the target exists).
 */
int quarantine_rename_noreplace(int from_dfd, const char *from, int to_dfd, const char *to);

#endif /* EXECBAN_QUARANTINE_H */
