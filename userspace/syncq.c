// SPDX-License-Identifier: GPL-2.0
/*
 * syncq.c - the parts of execban sync that the daemon and "status" share, none of them HTTP
 * (execban-sync alone links libcurl): sync.conf, the on-disk queue of denials, the sync state
 * file, and an execban event as a Santa Event. docs/sync.md describes all four.
 *
 * The queue (SYNCQ_DIR, 0700, files 0600, root's):
 *   events  "<number> <Santa Event JSON>\n" per event, numbers consecutive, oldest first;
 *           only the daemon appends, fdatasync'd before the lock is let go;
 *   state   "first=N\ndropped=N\n": events numbered below first are gone (uploaded or
 *           dropped); replaced atomically (write, fsync, rename, fsync the folder);
 *   lock    flock'd around every change.
 * An event leaves by "state" saying so first; the events file is compacted afterwards (the
 * lines still wanted, written to events.tmp and renamed over it), so a crash at any point
 * leaves a queue that means what it meant before or after the step, never something else.
 * A last line without its newline (the daemon killed mid-write) is not an event: the next
 * append cuts it off.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "syncq.h"

#ifndef EXECBAN_LIBEXEC
#define EXECBAN_LIBEXEC "/usr/lib/execban"
#endif

/* ---- sync.conf ---- */

void sync_conf_init(struct sync_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout = 30;
	c->interval = SYNC_INTERVAL_DEFAULT;
	c->retry = SYNC_RETRY_DEFAULT;
	c->queue_max = SYNCQ_MAX_DEFAULT;
	c->jitter = -1;
	c->event_extras = true;
}

void sync_conf_free(struct sync_conf *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->client_cert);
	free(c->client_key);
	free(c->proxy);
	free(c->machine_id);
	free(c->policy);
	free(c->primary_user);
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "90", "90s", "10m", "2h", "1d" in seconds; -1 if not one. */
static long parse_seconds(const char *v)
{
	char *end;
	long n, mult = 1;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || n < 0)
		return -1;
	if (*end && !end[1]) {
		mult = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 :
		       *end == 'd' ? 86400 : 0;
		end++;
	}
	if (*end || !mult || n > LONG_MAX / mult)
		return -1;
	return n * mult;
}

struct num_key {
	const char *key;
	size_t off;
	long min, max;
	bool duration;
	const char *what;
};

#define NK(k, lo, hi, dur, what) { #k, offsetof(struct sync_conf, k), lo, hi, dur, what }
static const struct num_key num_keys[] = {
	NK(timeout, 1, 3600, true, "1 to 3600 seconds"),
	NK(interval, 10, SYNC_INTERVAL_MAX, true, "10 seconds to 1 day (90, 90s, 10m, 2h, 1d)"),
	NK(retry, 1, 86400, true, "1 second to 1 day (90, 90s, 10m, 2h, 1d)"),
	NK(max_sync_age, 0, 365 * 86400L, true, "a duration (90, 90s, 10m, 2h, 1d), 0 for none"),
	NK(queue_max, 1, SYNCQ_MAX_MAX, false, "1 to 1000000 events"),
	NK(jitter, 0, 86400, true, "0 to 1 day (90, 90s, 10m, 2h, 1d; 0: sync at once)"),
};

/* key=value lines, # comments. Missing file: 0 if !must. Unknown key: file:line error. */
int sync_conf_read(struct sync_conf *c, const char *path, bool must)
{
	static const char *const keys[] = { "server", "ca_file", "client_cert", "client_key",
					    "proxy", "machine_id", "policy", "primary_user" };
	char **slots[] = { &c->server, &c->ca_file, &c->client_cert, &c->client_key,
			   &c->proxy, &c->machine_id, &c->policy, &c->primary_user };
	char *line = NULL, *k, *v, *eq, *end;
	size_t cap = 0, i;
	int lineno = 0, ret = 0;
	FILE *f = fopen(path, "re");
	long n;

	if (!f) {
		if (errno == ENOENT && !must)
			return 0;
		ret = -errno;
		err_path(path, "%s", strerror(errno));
		return ret;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			err("%s:%d: expected key=value", path, lineno);
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		k = trim(k);
		v = trim(eq + 1);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i]))
				break;
		if (i < sizeof(keys) / sizeof(keys[0])) {
			free(*slots[i]);
			*slots[i] = strdup(v);
			if (!*slots[i]) {
				ret = -ENOMEM;
				break;
			}
			continue;
		}
		if (!strcmp(k, "event_extras") || !strcmp(k, "compress_requests")) {
			bool *b = k[0] == 'e' ? &c->event_extras : &c->compress_requests;

			if (!strcmp(v, "yes") || !strcmp(v, "true")) {
				*b = true;
			} else if (!strcmp(v, "no") || !strcmp(v, "false")) {
				*b = false;
			} else {
				err("%s:%d: %s=%s: expected yes or no", path, lineno, k, v);
				ret = -EINVAL;
				break;
			}
			continue;
		}
		for (i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++)
			if (!strcmp(k, num_keys[i].key))
				break;
		if (i == sizeof(num_keys) / sizeof(num_keys[0])) {
			err("%s:%d: unknown key '%s' (server, ca_file, client_cert, client_key, "
			    "proxy, machine_id, policy, primary_user, timeout, interval, retry, "
			    "max_sync_age, queue_max, jitter, event_extras, "
			    "compress_requests)", path, lineno, k);
			ret = -EINVAL;
			break;
		}
		if (num_keys[i].duration) {
			n = parse_seconds(v);
		} else {
			errno = 0;
			n = strtol(v, &end, 10);
			if (errno || end == v || *end)
				n = -1;
		}
		if (n < num_keys[i].min || n > num_keys[i].max) {
			err("%s:%d: %s=%s: expected %s", path, lineno, k, v, num_keys[i].what);
			ret = -EINVAL;
			break;
		}
		*(long *)((char *)c + num_keys[i].off) = n;
	}
	free(line);
	fclose(f);
	return ret;
}

/* ---- files replaced atomically ---- */

static int fsync_dirname(const char *path)
{
	char *d = strdup(path), *slash;
	int fd, ret = 0;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (slash)
		*slash = 0;
	fd = open(slash && *d ? d : slash ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(d);
	return ret;
}

/* path.tmp, written, fsync'd, renamed over path, the folder fsync'd. */
static int replace_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, ret = 0;
	size_t off = 0;
	ssize_t w;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!ret && (fchmod(fd, mode) || fsync(fd)))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		fsync_dirname(path);
	return ret;
}

/* ---- the queue ---- */

static void qpath(char *buf, size_t len, const struct syncq *q, const char *name)
{
	snprintf(buf, len, "%s/%s", q->dir, name);
}

static int read_qstate(struct syncq *q)
{
	char p[PATH_MAX], line[128];
	unsigned long long v;
	FILE *f;

	q->first = q->dropped = 0;
	qpath(p, sizeof(p), q, "state");
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "first=%llu", &v) == 1)
			q->first = v;
		else if (sscanf(line, "dropped=%llu", &v) == 1)
			q->dropped = v;
	}
	fclose(f);
	return 0;
}

static int write_qstate(const struct syncq *q)
{
	char p[PATH_MAX], buf[128];
	int n;

	qpath(p, sizeof(p), q, "state");
	n = snprintf(buf, sizeof(buf), "first=%llu\ndropped=%llu\n",
		     (unsigned long long)q->first, (unsigned long long)q->dropped);
	return replace_file(p, buf, (size_t)n, 0600);
}

int syncq_open(struct syncq *q, const char *dir)
{
	char p[PATH_MAX];
	struct stat st;

	memset(q, 0, sizeof(*q));
	q->lockfd = -1;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* never readable or writable by anyone else, whoever made it */
	if ((st.st_mode & 077) || st.st_uid != geteuid()) {
		if (chown(dir, geteuid(), getegid()) || chmod(dir, 0700))
			return -errno;
	}
	q->dir = strdup(dir);
	if (!q->dir)
		return -ENOMEM;
	qpath(p, sizeof(p), q, "lock");
	q->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (q->lockfd < 0) {
		int ret = -errno;

		free(q->dir);
		q->dir = NULL;
		return ret;
	}
	return 0;
}

void syncq_close(struct syncq *q)
{
	if (q->lockfd >= 0)
		close(q->lockfd);
	free(q->dir);
	q->dir = NULL;
	q->lockfd = -1;
}

static int qlock(struct syncq *q)
{
	while (flock(q->lockfd, LOCK_EX))
		if (errno != EINTR)
			return -errno;
	return read_qstate(q);
}

static void qunlock(struct syncq *q)
{
	flock(q->lockfd, LOCK_UN);
}

/*
 * The number on the last complete line of fd, or -1 (no line). A torn last line (no newline)
 * is cut off when cut is set.
 */
static long long last_number(int fd, bool cut)
{
	char buf[4096];
	off_t size, pos, end = -1, start = 0;
	ssize_t n, i;
	unsigned long long v;

	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		return -1;
	/* the last '\n', then the one before it */
	for (pos = size; pos > 0 && start == 0;) {
		off_t from = pos > (off_t)sizeof(buf) ? pos - (off_t)sizeof(buf) : 0;

		n = pread(fd, buf, (size_t)(pos - from), from);
		if (n <= 0)
			return -1;
		for (i = n - 1; i >= 0; i--) {
			if (buf[i] != '\n')
				continue;
			if (end < 0) {
				end = from + i;
			} else {
				start = from + i + 1;
				break;
			}
		}
		pos = from;
	}
	if (end < 0) {
		if (cut && ftruncate(fd, 0))
			return -1;
		return -1;
	}
	if (cut && end + 1 < size && ftruncate(fd, end + 1))
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, start);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%llu ", &v) != 1)
		return -1;
	return (long long)v;
}

/* Rewrite the events file without the lines numbered below first. */
static int compact(struct syncq *q)
{
	char p[PATH_MAX], t[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long long v;
	FILE *in, *out;
	int fd, ret = 0;

	qpath(p, sizeof(p), q, "events");
	qpath(t, sizeof(t), q, "events.tmp");
	in = fopen(p, "re");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		fclose(in);
		return ret;
	}
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] != '\n')
			break;	/* a torn last line: not an event */
		if (sscanf(line, "%llu ", &v) == 1 && v < q->first)
			continue;
		fwrite(line, 1, (size_t)len, out);
	}
	free(line);
	fclose(in);
	if (fflush(out) || fsync(fd))
		ret = -errno;
	if (fclose(out) && !ret)
		ret = -errno;
	if (!ret && rename(t, p))
		ret = -errno;
	if (ret)
		unlink(t);
	else
		fsync_dirname(p);
	return ret;
}

/* The number on the first line (-1: none). */
static long long first_number(const struct syncq *q)
{
	char p[PATH_MAX], buf[32];
	unsigned long long v;
	FILE *f;
	long long ret = -1;

	qpath(p, sizeof(p), q, "events");
	f = fopen(p, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%llu ", &v) == 1)
		ret = (long long)v;
	fclose(f);
	return ret;
}

/* Compact when the lines that are gone outnumber the ones still wanted. */
static void maybe_compact(struct syncq *q, uint64_t next)
{
	long long head = first_number(q);
	uint64_t gone, kept;

	if (head < 0 || (uint64_t)head >= q->first)
		return;
	gone = q->first - (uint64_t)head;
	kept = next > q->first ? next - q->first : 0;
	if (gone >= kept)
		compact(q);
}

int syncq_append(struct syncq *q, char *const *events, size_t n, uint64_t max)
{
	char p[PATH_MAX], num[32];
	long long last;
	uint64_t next, skip = 0, i;
	int fd, ret;
	FILE *f;

	if (!n)
		return 0;
	ret = qlock(q);
	if (ret)
		return ret;
	qpath(p, sizeof(p), q, "events");
	fd = open(p, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	last = last_number(fd, true);
	next = last >= 0 && (uint64_t)last + 1 > q->first ? (uint64_t)last + 1 : q->first;
	/* more than fit: the oldest of these go at once */
	if (n > max)
		skip = n - max;
	f = fdopen(fd, "a");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out;
	}
	for (i = skip; i < n; i++) {
		snprintf(num, sizeof(num), "%llu ", (unsigned long long)(next + i - skip));
		fputs(num, f);
		fputs(events[i], f);
		fputc('\n', f);
	}
	if (fflush(f) || fdatasync(fd))
		ret = -errno;
	fclose(f);
	if (ret)
		goto out;
	next += n - skip;
	if (skip || next - q->first > max) {
		uint64_t nf = next - q->first > max ? next - max : q->first;

		q->dropped += skip + (nf - q->first);
		q->first = nf;
		ret = write_qstate(q);
		if (!ret)
			maybe_compact(q, next);
	}
out:
	qunlock(q);
	return ret;
}

int syncq_peek(struct syncq *q, size_t max, struct json_object *arr, uint64_t *last,
	       size_t *n)
{
	char p[PATH_MAX], *line = NULL, *sp;
	size_t cap = 0;
	ssize_t len;
	unsigned long long v;
	struct json_object *o;
	FILE *f;
	int ret;

	*n = 0;
	ret = qlock(q);
	if (ret)
		return ret;
	qpath(p, sizeof(p), q, "events");
	f = fopen(p, "re");
	if (!f) {
		ret = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	while (*n < max && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;
		line[len - 1] = 0;
		if (sscanf(line, "%llu ", &v) != 1 || v < q->first)
			continue;
		*last = v;
		sp = strchr(line, ' ');
		o = sp ? json_tokener_parse(sp + 1) : NULL;
		if (!o || !json_object_is_type(o, json_type_object)) {
			/* it counts as sent: a line nobody can read must not block the rest */
			warn("%s: event %llu is not a JSON object: skipped", p, v);
			json_object_put(o);
			continue;
		}
		json_object_array_add(arr, o);
		(*n)++;
	}
	/* skipped lines only: commit them too */
	free(line);
	fclose(f);
out:
	qunlock(q);
	return ret;
}

int syncq_commit(struct syncq *q, uint64_t last)
{
	char p[PATH_MAX];
	long long l;
	int fd, ret = qlock(q);

	if (ret)
		return ret;
	if (last + 1 > q->first) {
		q->first = last + 1;
		ret = write_qstate(q);
	}
	if (!ret) {
		qpath(p, sizeof(p), q, "events");
		fd = open(p, O_RDONLY | O_CLOEXEC);
		l = fd >= 0 ? last_number(fd, false) : -1;
		if (fd >= 0)
			close(fd);
		maybe_compact(q, l >= 0 ? (uint64_t)l + 1 : q->first);
	}
	qunlock(q);
	return ret;
}

int syncq_count(const char *dir, uint64_t *len, uint64_t *dropped)
{
	struct syncq q = { .dir = (char *)dir, .lockfd = -1 };
	char p[PATH_MAX];
	long long l;
	int fd, ret;

	*len = *dropped = 0;
	ret = read_qstate(&q);
	if (ret)
		return ret;
	*dropped = q.dropped;
	qpath(p, sizeof(p), &q, "events");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	l = last_number(fd, false);
	close(fd);
	if (l >= 0 && (uint64_t)l + 1 > q.first)
		*len = (uint64_t)l + 1 - q.first;
	return 0;
}

/* ---- the sync state ---- */

/* A server's interval as written by an execban that kept any (sync.c clamps it since). */
static long clamp_interval(long v)
{
	return v < 0 ? 0 : v > SYNC_INTERVAL_MAX ? SYNC_INTERVAL_MAX : v;
}

int sync_state_read(const char *path, struct sync_state *s)
{
	char *line = NULL, *v;
	size_t cap = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		v = strchr(line, '=');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(line, "last_attempt"))
			s->last_attempt = atoll(v);
		else if (!strcmp(line, "last_success"))
			s->last_success = atoll(v);
		else if (!strcmp(line, "error_stage"))
			snprintf(s->stage, sizeof(s->stage), "%s", v);
		else if (!strcmp(line, "error"))
			snprintf(s->error, sizeof(s->error), "%s", v);
		else if (!strcmp(line, "interval"))
			s->interval = clamp_interval(atol(v));
		else if (!strcmp(line, "batch_size"))
			s->batch_size = atol(v);
		else if (!strcmp(line, "uploaded"))
			s->uploaded = atoll(v);
	}
	free(line);
	fclose(f);
	return 0;
}

int sync_state_write(const char *path, const struct sync_state *s)
{
	char buf[1024], err1[sizeof(s->error)];
	size_t i;
	int n;

	/* one line per value: a message never makes a second line */
	for (i = 0; s->error[i] && i < sizeof(err1) - 1; i++)
		err1[i] = (unsigned char)s->error[i] < 0x20 ? ' ' : s->error[i];
	err1[i] = 0;
	n = snprintf(buf, sizeof(buf), "# execban sync's state, replaced after every sync\n"
		     "last_attempt=%lld\nlast_success=%lld\nerror_stage=%s\nerror=%s\n"
		     "interval=%ld\nbatch_size=%ld\nuploaded=%lld\n", s->last_attempt,
		     s->last_success, s->stage, err1, s->interval, s->batch_size, s->uploaded);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EOVERFLOW;
	return replace_file(path, buf, (size_t)n, 0644);
}

/* ---- an execban event as a Santa Event ---- */

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

struct json_object *sync_event_from_json(struct json_object *ev, bool extras)
{
	static const char *const exec_actions[] = { "exec", "mmap", "mprotect", "module",
						    "open" };
	const char *action = jget(ev, "action"), *identity = jget(ev, "identity");
	const char *path = jget(ev, "path"), *slash, *decision;
	struct json_object *o, *signer, *cert;
	char user[64], *dir;
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	int64_t uid = jint(ev, "uid");
	size_t i;

	if (strcmp(jget(ev, "type"), "decision") || strcmp(jget(ev, "verdict"), "denied"))
		return NULL;
	for (i = 0; i < sizeof(exec_actions) / sizeof(exec_actions[0]); i++)
		if (!strcmp(action, exec_actions[i]))
			break;
	if (i == sizeof(exec_actions) / sizeof(exec_actions[0]))
		return NULL;
	if (!strcmp(identity, "sha256"))
		decision = "BLOCK_BINARY";
	else if (!strncmp(identity, "signer", 6) || !strncmp(identity, "ima", 3))
		decision = "BLOCK_CERTIFICATE";
	else
		decision = "BLOCK_UNKNOWN";
	if (!*path)
		path = jget(ev, "filename");
	slash = strrchr(path, '/');
	if (slash)
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	else
		dir = strdup("");
	if (getpwuid_r((uid_t)uid, &pw, pwbuf, sizeof(pwbuf), &pwp) || !pwp)
		snprintf(user, sizeof(user), "%lld", (long long)uid);
	else
		snprintf(user, sizeof(user), "%s", pw.pw_name);
	o = json_object_new_object();
	if (!o || !dir) {
		free(dir);
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "file_sha256", json_object_new_string(jget(ev, "sha256")));
	json_object_object_add(o, "file_path", json_object_new_string(dir));
	json_object_object_add(o, "file_name", json_object_new_string(slash ? slash + 1 : path));
	json_object_object_add(o, "executing_user", json_object_new_string(user));
	json_object_object_add(o, "execution_time",
			       json_object_new_double((double)jint(ev, "time_ns") / 1e9));
	json_object_object_add(o, "decision", json_object_new_string(decision));
	json_object_object_add(o, "pid", json_object_new_int((int32_t)jint(ev, "pid")));
	json_object_object_add(o, "ppid", json_object_new_int((int32_t)jint(ev, "ppid")));
	json_object_object_add(o, "parent_name",
			       json_object_new_string(jget(ev, "parent_comm")));
	if (json_object_object_get_ex(ev, "signer", &signer) &&
	    json_object_is_type(signer, json_type_object) && *jget(signer, "cert_sha256")) {
		struct json_object *chain = json_object_new_array();

		cert = json_object_new_object();
		json_object_object_add(cert, "sha256",
				       json_object_new_string(jget(signer, "cert_sha256")));
		json_object_array_add(chain, cert);
		json_object_object_add(o, "signing_chain", chain);
	}
	if (extras)
		json_object_object_add(o, "execban", json_object_get(ev));
	free(dir);
	return o;
}

/* ---- the helper program ---- */

/*
 * execban-sync is looked for next to the running program (a build tree), then in
 * EXECBAN_LIBEXEC.
 */
int sync_helper_path(char *path, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	path[0] = 0;
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, len, "%s/execban-sync", self);
		}
	}
	if (!path[0] || access(path, X_OK))
		snprintf(path, len, "%s", EXECBAN_LIBEXEC "/execban-sync");
	return access(path, X_OK) ? -errno : 0;
}

/* ---- what preflight reports ---- */

void sync_serial_num(const char *dmi, const char *machine_id, char *out, size_t len)
{
	/* what firmware writes when the vendor wrote nothing: shared by many machines */
	static const char *const placeholder[] = {
		"none", "not specified", "not applicable", "n/a", "na", "unknown", "default string",
		"to be filled by o.e.m.", "system serial number", "chassis serial number",
		"serial number", "0", "00000000", "0000000000", "123456789", "0123456789",
	};
	size_t i, n;

	while (dmi && isspace((unsigned char)*dmi))
		dmi++;
	n = dmi ? strlen(dmi) : 0;
	while (n && isspace((unsigned char)dmi[n - 1]))
		n--;
	for (i = 0; n && i < sizeof(placeholder) / sizeof(placeholder[0]); i++)
		if (strlen(placeholder[i]) == n && !strncasecmp(dmi, placeholder[i], n))
			n = 0;
	if (n)
		snprintf(out, len, "%.*s", (int)n, dmi);
	else
		snprintf(out, len, "%s", machine_id && *machine_id ? machine_id : "unknown");
}

/* The length of the dotted numbers s starts with ("6.1.0" of "6.1.0-28"), 0 if none. */
static size_t dotted_len(const char *s)
{
	size_t i = 0, end = 0;

	while (isdigit((unsigned char)s[i])) {
		while (isdigit((unsigned char)s[i]))
			i++;
		end = i;
		if (s[i] != '.' || !isdigit((unsigned char)s[i + 1]))
			break;
		i++;
	}
	return end;
}

void sync_os_version(const char *version_id, const char *kernel_release, char *out, size_t len)
{
	size_t n;

	if (version_id && *version_id && dotted_len(version_id) == strlen(version_id)) {
		snprintf(out, len, "%s", version_id);
		return;
	}
	n = kernel_release ? dotted_len(kernel_release) : 0;
	if (n)
		snprintf(out, len, "%.*s", (int)n, kernel_release);
	else
		snprintf(out, len, "0");
}

/* ---- the daemon's schedule ---- */

long sync_first_delay(long jitter, long interval, uint64_t rnd)
{
	if (jitter < 0)
		jitter = interval / 10;
	return jitter > 0 ? (long)(rnd % ((uint64_t)jitter + 1)) : 0;
}

long sync_next_delay(long interval, long retry, unsigned int failures, uint64_t rnd,
		     long *unjittered)
{
	long delay = interval, spread;
	unsigned int i;

	if (failures) {
		delay = retry;
		for (i = 1; i < failures && delay < interval; i++)
			delay *= 2;
		if (delay > interval)
			delay = interval;
	}
	if (unjittered)
		*unjittered = delay;
	/* give or take 10 % */
	spread = delay / 5;
	return delay - delay / 10 + (spread > 0 ? (long)(rnd % ((uint64_t)spread + 1)) : 0);
}
