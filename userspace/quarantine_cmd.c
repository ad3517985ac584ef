// SPDX-License-Identifier: GPL-2.0
/*
 * quarantine_cmd.c - execban quarantine list | restore: what scan --quarantine moved away
 * (quarantine.c), read back from DIR/manifest.jsonl, and putting one file back.
 *
 * The manifest is append-only: a file's ID is the line of its quarantine record, and a restore
 * appends {"restored":ID,...}, so IDs never change and the history stays. A restore refuses to
 * put back a file the policy in force still bans (its digest, or a signer it names), a file
 * whose bytes changed in quarantine, and, always, to overwrite anything: the original path
 * must be free (renameat2 RENAME_NOREPLACE). Owner, mode (execute bits included) and mtime
 * come back as scan recorded them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "compile.h"
#include "filesig.h"
#include "jsonout.h"
#include "kstate.h"
#include "quarantine.h"

#define QUARANTINE_DEFAULT_DIR	"/var/lib/execban/quarantine"

struct qentry {
	unsigned long id;		/* the manifest line of its quarantine record */
	json_object *o;			/* the record */
	const char *path, *qpath, *sha256, *rule, *when, *mode, *mtime;
	long long uid, gid;
	bool restored;
};

struct qlist {
	int dirfd;
	char dir[PATH_MAX];
	json_object **lines;		/* every record, to be put */
	size_t n_lines;
	struct qentry *e;
	size_t n;
};

static void qlist_free(struct qlist *l)
{
	size_t i;

	for (i = 0; i < l->n_lines; i++)
		json_object_put(l->lines[i]);
	free(l->lines);
	free(l->e);
	if (l->dirfd >= 0)
		close(l->dirfd);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static long long jint(json_object *o, const char *key, long long def)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : def;
}

/*
 * Open DIR and read its manifest. The folder must be root's alone, as scan --quarantine
 * requires: a manifest others could write could send a restore anywhere. 0 or an exit code.
 */
static int qlist_read(struct qlist *l, const char *dir)
{
	char *line = NULL;
	size_t cap = 0, i;
	unsigned long lineno = 0;
	json_object *o, **lines;
	struct qentry *e;
	struct stat st;
	ssize_t len;
	long long id;
	FILE *f;
	int fd;

	memset(l, 0, sizeof(*l));
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l->dirfd < 0) {
		err_path(dir, "%s%s", strerror(errno), errno == ENOENT ?
			 " (nothing was quarantined there; --dir names another folder)" :
			 errno == EACCES ? " (run as root)" : "");
		return errno == ENOENT ? EXIT_FAIL : EXIT_SYSTEM;
	}
	if (fstat(l->dirfd, &st) || st.st_uid != 0 || (st.st_mode & 077)) {
		err_path(dir, "not root's alone (owner uid %u, mode %04o): its manifest cannot be "
			 "trusted", (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return EXIT_FAIL;
	}
	if (!realpath(dir, l->dir))
		snprintf(l->dir, sizeof(l->dir), "%s", dir);
	fd = openat(l->dirfd, QUARANTINE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;	/* an empty quarantine */
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		err_path(dir, "%s: %s", QUARANTINE_MANIFEST, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_SYSTEM;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!len)
			continue;
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			warn("%s/%s:%lu: not a JSON object: skipped", l->dir, QUARANTINE_MANIFEST,
			     lineno);
			json_object_put(o);
			continue;
		}
		lines = realloc(l->lines, (l->n_lines + 1) * sizeof(*lines));
		e = realloc(l->e, (l->n + 1) * sizeof(*e));
		if (lines)
			l->lines = lines;
		if (e)
			l->e = e;
		if (!lines || !e) {
			json_object_put(o);
			free(line);
			fclose(f);
			err("out of memory");
			return EXIT_SYSTEM;
		}
		l->lines[l->n_lines++] = o;
		id = jint(o, "restored", 0);
		if (id > 0) {
			for (i = 0; i < l->n; i++)
				if (l->e[i].id == (unsigned long)id)
					l->e[i].restored = true;
			continue;
		}
		e = &l->e[l->n];
		memset(e, 0, sizeof(*e));
		e->id = lineno;
		e->o = o;
		e->path = jstr(o, "path");
		e->qpath = jstr(o, "quarantined");
		e->sha256 = jstr(o, "sha256");
		e->rule = jstr(o, "rule");
		e->when = jstr(o, "quarantined_at");
		e->mode = jstr(o, "mode");
		e->mtime = jstr(o, "mtime");
		e->uid = jint(o, "uid", -1);
		e->gid = jint(o, "gid", -1);
		if (!e->path || !e->qpath || !e->sha256 || strlen(e->sha256) != 64) {
			warn("%s/%s:%lu: not a quarantine record (path, quarantined, sha256): skipped",
			     l->dir, QUARANTINE_MANIFEST, lineno);
			continue;
		}
		l->n++;
	}
	free(line);
	fclose(f);
	return 0;
}

/* The quarantined file's name inside DIR (the manifest records its absolute path). */
static const char *qname(const struct qentry *e)
{
	const char *s = strrchr(e->qpath, '/');

	return s ? s + 1 : e->qpath;
}

static bool present(const struct qlist *l, const struct qentry *e)
{
	struct stat st;

	return !fstatat(l->dirfd, qname(e), &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

static int cmd_list(const char *dir, bool json, bool all)
{
	char rule[ESC_LEN(EXECBAN_LABEL_LEN)];
	struct qlist l;
	json_object *o;
	size_t i, shown = 0;
	int ret = qlist_read(&l, dir);

	if (ret) {
		qlist_free(&l);
		return ret;
	}
	for (i = 0; i < l.n; i++) {
		const struct qentry *e = &l.e[i];
		bool here = present(&l, e);

		if (e->restored && !all)
			continue;
		shown++;
		if (json) {
			o = json_doc(JSON_SCHEMA_QUARANTINE);
			json_add_u64(o, "id", e->id);
			json_object_object_foreach(e->o, k, v)
				json_add(o, k, json_object_get(v));
			json_add_bool(o, "restored", e->restored);
			json_add_bool(o, "present", here);
			json_emit(stdout, o);
			continue;
		}
		if (shown == 1)
			printf("%-4s %-20s %-16s %-64s %s\n", "ID", "QUARANTINED", "RULE", "SHA256",
			       "PATH");
		printf("%-4lu %-20s %-16s %s ", e->id, e->when ? e->when : "-",
		       esc(rule, sizeof(rule), e->rule && e->rule[0] ? e->rule : "-"), e->sha256);
		fput_esc(stdout, e->path);
		if (e->restored)
			fputs("  (restored)", stdout);
		else if (!here)
			fputs("  (missing from the quarantine folder)", stdout);
		putchar('\n');
	}
	if (!json && !shown)
		printf("nothing quarantined in %s\n", l.dir);
	qlist_free(&l);
	return EXIT_OK;
}

/* ---- restore ---- */

/*
 * The rule of the policy that bans the file (digest dig, open as fd), or NULL. The policy is
 * the files given, else the one the kernel enforces (*none: no policy is loaded). Deny rules
 * only, and not in mode audit: an audit rule bans nothing. -1 (reported) if it cannot be read.
 */
static int banned_by(char **files, int n_files, int fd, uint64_t size, const uint8_t *dig,
		     char *rule, size_t rule_len, bool *none)
{
	struct sha256_key *keys;
	struct execban_rule *rules;
	struct compiled c;
	struct kpolicy k;
	struct file_sigs fs;
	const char *label, *reason;
	bool sigs_read = false, signer_rules = false;
	size_t n, i, j;
	uint32_t mode;
	int ret;

	*none = false;
	rule[0] = 0;
	memset(&k, 0, sizeof(k));
	memset(&c, 0, sizeof(c));
	if (n_files) {
		ret = compile(&c, files, n_files, (size_t)1 << 26);
		if (ret) {
			compiled_free(&c);
			err("the policy has errors (above): nothing restored");
			return -1;
		}
		keys = c.keys;
		rules = c.rules;
		n = c.n_rules;
		mode = c.info.mode;
	} else {
		ret = kpolicy_read(&k);
		if (ret == -ENOENT) {
			*none = true;
			return 0;
		}
		if (ret) {
			err("cannot read the policy the kernel enforces (%s): pass it with --policy "
			    "FILE", strerror(-ret));
			return -1;
		}
		keys = k.keys;
		rules = k.rules;
		n = k.n_rules;
		mode = k.info.mode;
	}
	for (i = 0; i < n && !rule[0] && mode != EXECBAN_MODE_AUDIT; i++) {
		if (rules[i].action != EXECBAN_RULE_DENY)
			continue;
		text_of(n_files ? &c : NULL, &k, rules[i].text_id, &label, &reason);
		if (!rules[i].ident_kind || rules[i].ident_kind == EXECBAN_IDENT_SHA256) {
			if (!memcmp(keys[i].b, dig, EXECBAN_SHA256_LEN))
				snprintf(rule, rule_len, "%.*s (sha256)", EXECBAN_LABEL_LEN,
					 label[0] ? label : "-");
			continue;
		}
		signer_rules = true;
		if (!sigs_read) {
			file_sigs_read(fd, size, &fs);
			sigs_read = true;
		}
		for (j = 0; j < fs.n_ids; j++)
			if (!memcmp(&fs.ids[j].key, &keys[i], sizeof(keys[i])))
				snprintf(rule, rule_len, "%.*s (%s)", EXECBAN_LABEL_LEN,
					 label[0] ? label : "-",
					 policy_ident_name(fs.ids[j].kind));
	}
	/* The kernel refuses a file whose signature it cannot read while signer rules are in force */
	if (!rule[0] && signer_rules && file_sigs_unreadable(&fs))
		snprintf(rule, rule_len, "- (its signature cannot be read, and the policy has "
			 "signer rules)");
	compiled_free(&c);
	if (!n_files)
		kpolicy_free(&k);
	return 0;
}

/* Copy fd's bytes into a new file in path's folder, then give it path. 0 or -errno, with why. */
static int restore_copy(int fd, const struct stat *st, const char *path, mode_t mode, uid_t uid,
			gid_t gid, char *why, size_t why_len)
{
	const struct timespec times[2] = { st->st_atim, st->st_mtim };
	char tmp[PATH_MAX + 32], buf[1 << 16];
	const char *slash = strrchr(path, '/');
	off_t off = 0;
	ssize_t n, w;
	int out, ret = 0;

	if (!slash) {
		snprintf(why, why_len, "the recorded path is not absolute");
		return -EINVAL;
	}
	snprintf(tmp, sizeof(tmp), "%.*s/.execban-restore.XXXXXX", (int)(slash - path), path);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		snprintf(why, why_len, "copy: cannot create a file next to it: %s", strerror(errno));
		return -errno;
	}
	while (!ret && (n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (w = write(out, buf, (size_t)n)) != n) {
			ret = errno ? -errno : -EIO;
			snprintf(why, why_len, "copy: %s", strerror(-ret));
			break;
		}
		off += n;
	}
	if (!ret && fchown(out, uid, gid)) {
		/* not fatal: as when it was quarantined */
	}
	if (!ret && fchmod(out, mode)) {
		ret = -errno;
		snprintf(why, why_len, "chmod %04o: %s%s", (unsigned int)mode, strerror(errno),
			 errno == EPERM ? " (the kernel refuses execute bits on a banned file)" : "");
	}
	if (!ret) {
		futimens(out, times);
		if (fsync(out)) {
			ret = -errno;
			snprintf(why, why_len, "copy: fsync: %s", strerror(errno));
		}
	}
	close(out);
	if (!ret) {
		ret = quarantine_rename_noreplace(AT_FDCWD, tmp, AT_FDCWD, path);
		if (ret)
			snprintf(why, why_len, "%s: %s", ret == -EEXIST ? "it exists now (never "
				 "overwritten)" : "rename", strerror(-ret));
	}
	if (ret)
		unlink(tmp);
	return ret;
}

/* Append {"restored":ID,...} to the manifest. 0 or -errno. */
static int record_restore(const struct qlist *l, const struct qentry *e, const char *method,
			  bool forced)
{
	json_object *o = json_doc(JSON_SCHEMA_QUARANTINE);
	char now[32];
	const char *s;
	struct tm tm;
	time_t t = time(NULL);
	size_t len, done = 0;
	ssize_t n;
	int fd, ret = 0;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!o)
		return -ENOMEM;
	json_add_u64(o, "restored", e->id);
	json_add_str(o, "path", e->path);
	json_add_str(o, "quarantined", e->qpath);
	json_add_str(o, "sha256", e->sha256);
	json_add_str(o, "restored_at", now);
	json_add_str(o, "method", method);
	json_add_bool(o, "forced", forced);
	s = json_line(o);
	fd = openat(l->dirfd, QUARANTINE_MANIFEST, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	len = strlen(s);
	while (!ret && done <= len) {
		n = done < len ? write(fd, s + done, len - done) : write(fd, "\n", 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else
			done += (size_t)n;
	}
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	json_object_put(o);
	return ret;
}

/* The entry ID or PATH names: an ID, the original path, or the quarantined file's path. */
static const struct qentry *find_entry(const struct qlist *l, const char *what)
{
	const struct qentry *found = NULL;
	char *end, abs[PATH_MAX];
	unsigned long id;
	size_t i, n = 0;

	id = strtoul(what, &end, 10);
	if (*what && !*end) {
		for (i = 0; i < l->n; i++)
			if (l->e[i].id == id)
				return &l->e[i];
		err("no quarantine record %lu in %s/%s (execban quarantine list)", id, l->dir,
		    QUARANTINE_MANIFEST);
		return NULL;
	}
	/* The folder resolved, as scan recorded it; the path as given when that fails. */
	snprintf(abs, sizeof(abs), "%s", what);
	if (what[0] != '/' && getcwd(abs, sizeof(abs) - 1))
		snprintf(abs + strlen(abs), sizeof(abs) - strlen(abs), "/%s", what);
	for (i = 0; i < l->n; i++) {
		if (l->e[i].restored || (strcmp(l->e[i].path, abs) && strcmp(l->e[i].path, what) &&
					 strcmp(l->e[i].qpath, abs) && strcmp(l->e[i].qpath, what)))
			continue;
		found = &l->e[i];
		n++;
	}
	if (n == 1)
		return found;
	if (!n)
		err_path(what, "not in quarantine (execban quarantine list shows what is)");
	else
		err_path(what, "quarantined %zu times: restore one by its ID (execban quarantine "
			 "list)", n);
	return NULL;
}

static int cmd_restore(const char *dir, const char *what, char **policy, int n_policy,
		       bool force)
{
	char why[PATH_MAX + 256] = "", rule[EXECBAN_LABEL_LEN + 128], hex[65];
	uint8_t dig[EXECBAN_SHA256_LEN];
	const char *method = "rename";
	const struct qentry *e;
	struct stat st, dst;
	struct qlist l;
	mode_t mode;
	uint64_t size;
	bool none;
	int fd = -1, ret;
	char *end;

	ret = qlist_read(&l, dir);
	if (ret)
		goto out;
	ret = EXIT_FAIL;
	e = find_entry(&l, what);
	if (!e)
		goto out;
	if (e->restored) {
		err_path(e->path, "already restored (quarantine record %lu)", e->id);
		goto out;
	}
	mode = e->mode ? (mode_t)strtoul(e->mode, &end, 8) & 07777 : 0644;
	fd = openat(l.dirfd, qname(e), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err_path(e->qpath, "%s: nothing to restore", fd < 0 ? strerror(errno) :
			 "not a regular file");
		goto out;
	}
	if (sha256_fd(fd, dig, &size)) {
		err_path(e->qpath, "cannot read it: %s", strerror(errno));
		ret = EXIT_SYSTEM;
		goto out;
	}
	hex_encode(dig, sizeof(dig), hex);
	if (strcasecmp(hex, e->sha256)) {
		err_path(e->qpath, "its bytes changed in quarantine (sha256 %s, recorded %s): not "
			 "restored", hex, e->sha256);
		goto out;
	}
	if (banned_by(policy, n_policy, fd, size, dig, rule, sizeof(rule), &none)) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (rule[0] && !force) {
		err_path(e->path, "still banned by the policy %s: rule %s; not restored (--force "
			 "restores it anyway; the kernel will still refuse to run it)",
			 n_policy ? "given" : "in force", rule);
		goto out;
	}
	if (rule[0])
		warn_path(e->path, "still banned by rule %s: restoring it anyway (--force)", rule);
	/* Never overwrite: the path must be free, and renameat2 checks it again atomically. */
	if (!lstat(e->path, &dst)) {
		err_path(e->path, "exists: never overwritten; move it away first (the quarantined "
			 "copy stays %s)", e->qpath);
		goto out;
	}
	ret = quarantine_rename_noreplace(l.dirfd, qname(e), AT_FDCWD, e->path);
	if (ret == -EXDEV || ret == -EPERM) {
		method = "copy";
		ret = restore_copy(fd, &st, e->path, mode, (uid_t)e->uid, (gid_t)e->gid, why,
				   sizeof(why));
		if (!ret && unlinkat(l.dirfd, qname(e), 0))
			warn_path(e->qpath, "restored by a copy, but not removed: %s",
				  strerror(errno));
	} else if (ret) {
		snprintf(why, sizeof(why), "%s", ret == -EEXIST ? "it exists now (never "
			 "overwritten)" : ret == -ENOENT ? "its folder does not exist any more "
			 "(create it first)" : strerror(-ret));
	} else {
		/* Owner first: chown clears setuid and setgid bits, chmod sets them again. */
		if (e->uid >= 0 && fchown(fd, (uid_t)e->uid, (gid_t)e->gid)) {
			/* not fatal: a user namespace may not map that owner */
		}
		if (fchmod(fd, mode)) {
			ret = -errno;
			snprintf(why, sizeof(why), "chmod %04o: %s%s", (unsigned int)mode,
				 strerror(errno), errno == EPERM ? " (the kernel refuses execute "
				 "bits on a banned file)" : "");
			/* back where it was, without its execute bits, as scan left it */
			if (quarantine_rename_noreplace(AT_FDCWD, e->path, l.dirfd, qname(e)))
				snprintf(why + strlen(why), sizeof(why) - strlen(why),
					 "; and it could not be moved back into quarantine: it "
					 "is at its path without its mode");
		}
	}
	if (ret) {
		err_path(e->path, "not restored: %s", why);
		ret = ret == -EEXIST || ret == -ENOENT ? EXIT_FAIL : EXIT_SYSTEM;
		goto out;
	}
	ret = record_restore(&l, e, method, force && rule[0]);
	printf("RESTORED ");
	fput_esc(stdout, e->qpath);
	fputs(" -> ", stdout);
	fput_esc(stdout, e->path);
	printf(" mode %04o uid %lld gid %lld%s\n", (unsigned int)mode, e->uid, e->gid,
	       none ? " (no policy is loaded)" : "");
	if (ret) {
		err("%s/%s: restored, but not recorded: %s", l.dir, QUARANTINE_MANIFEST,
		    strerror(-ret));
		ret = EXIT_SYSTEM;
		goto out;
	}
	ret = EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	qlist_free(&l);
	return ret;
}

static void quarantine_usage(void)
{
	printf("usage: execban quarantine list [--dir DIR] [--all] [--json]\n"
	       "       execban quarantine restore [--dir DIR] [--policy P]... [--force] ID|PATH\n"
	       "\n"
	       "What execban scan moved into the quarantine folder DIR (DIR/%s), and\n"
	       "putting one file back where it was, with its owner, mode and mtime.\n"
	       "\n"
	       "  --dir DIR     the quarantine folder (default %s)\n"
	       "  --all         list restored files too\n"
	       "  --json        one object per file (schema %d)\n"
	       "  --policy P    judge by these policy files, not the one the kernel enforces\n"
	       "  --force       restore a file the policy still bans\n"
	       "ID is list's first column; PATH the original path or the quarantined file.\n"
	       "A restore never overwrites a file. Exit: 0 restored, 1 refused, 2 usage, 3 error.\n",
	       QUARANTINE_MANIFEST, QUARANTINE_DEFAULT_DIR, JSON_SCHEMA_QUARANTINE);
}

int cmd_quarantine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' }, { "policy", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, {},
	};
	const char *dir = QUARANTINE_DEFAULT_DIR, *sub;
	char **policy = calloc((size_t)argc + 1, sizeof(char *));
	bool json = false, all = false, force = false;
	int opt, n_policy = 0, ret;

	if (!policy) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	while ((opt = getopt_long(argc, argv, "d:ajp:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'p': policy[n_policy++] = optarg; break;
		case 'f': force = true; break;
		case 'h':
			quarantine_usage();
			free(policy);
			return EXIT_OK;
		default:
			free(policy);
			return usage_hint("quarantine");
		}
	}
	sub = optind < argc ? argv[optind] : NULL;
	if (sub && !strcmp(sub, "list") && optind + 1 == argc && !n_policy && !force) {
		ret = cmd_list(dir, json, all);
	} else if (sub && !strcmp(sub, "restore") && optind + 2 == argc && !json && !all) {
		ret = cmd_restore(dir, argv[optind + 1], policy, n_policy, force);
	} else {
		ret = usage_error("quarantine", "%s",
			!sub ? "no subcommand given (list or restore)" :
			strcmp(sub, "list") && strcmp(sub, "restore") ? "unknown subcommand" :
			!strcmp(sub, "list") ? "list takes --dir, --all and --json only" :
			"restore takes one ID or PATH, and --dir, --policy, --force");
	}
	free(policy);
	return ret;
}
