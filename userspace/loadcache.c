// SPDX-License-Identifier: GPL-2.0
/*
 * loadcache.c - the record of a load's inputs (loadcache.h), so that loading the same files
 * again costs a stat of each instead of a parse of a million rules.
 *
 * LOADCACHE_PATH, text, written by a successful "execban load" while it holds the load lock:
 *   execban-load-inputs 1
 *   exe <dev> <ino> <size> <mtime ns> <ctime ns>     the execban binary that wrote it
 *   max_rules <n>
 *   force <0|1>
 *   gen <generation in force>
 *   digest <its digest, hex>
 *   args <n>, then n lines: each POLICY argument, absolute
 *   inputs <n>, then n lines, the path last:
 *     f <dev> <ino> <mode> <size> <mtime ns> <ctime ns> <racy 0|1> <path>
 *     g <matches> <SHA-256 of the matches, each with its NUL> <pattern>
 *   marks <n>, then n lines: <i|q> <line> <path> <file>
 *   end
 *
 * An input matches when stat(2) of its path says the same (a new inode, size, mode, mtime or
 * ctime: another file) or a glob matches the same names. A write leaves the file's ctime at the
 * kernel's clock tick, so a write in the tick when the file was looked at could go unseen; a
 * file whose ctime was within a second of the moment it was looked at is "racy" and never
 * matches (as git treats a racily clean index entry). The record only ever saves work: the
 * caller checks that the policy in force is the one recorded, and anything that does not
 * match means a full load.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "loadcache.h"
#include "policy.h"

#define MAGIC		"execban-load-inputs 1"
#define RACY_NS		1000000000LL

static long long ts_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* path made absolute against the working folder, without resolving links (malloc'd). */
static char *abs_path(const char *path)
{
	char cwd[4096], *out;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

static struct loadcache_input *add_input(struct loadcache_inputs *in, const char *path)
{
	struct loadcache_input *v, *e;
	char *abs = abs_path(path);

	v = abs && !strchr(abs, '\n') ? realloc(in->v, (in->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(abs);
		in->unusable = true;
		return NULL;
	}
	in->v = v;
	e = &v[in->n++];
	memset(e, 0, sizeof(*e));
	e->path = abs;
	return e;
}

void loadcache_on_file(void *arg, const char *path, const struct stat *st)
{
	struct loadcache_input *e = add_input(arg, path);
	struct timespec now;

	if (!e)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	e->st = *st;
	e->seen_ns = ts_ns(&now);
}

/* SHA-256 of the matches made absolute as add_input does, each with its NUL. */
static int hash_matches(char *const *m, size_t n, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *abs;
	size_t i;
	int ret = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++) {
		abs = abs_path(m[i]);
		if (!abs)
			ret = -ENOMEM;
		else
			EVP_DigestUpdate(ctx, abs, strlen(abs) + 1);
		free(abs);
	}
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ret;
}

void loadcache_on_glob(void *arg, const char *pattern, char *const *matches, size_t n)
{
	struct loadcache_inputs *in = arg;
	struct loadcache_input *e = add_input(in, pattern);

	if (!e)
		return;
	e->glob = true;
	e->n_matches = n;
	if (hash_matches(matches, n, e->matches))
		in->unusable = true;
}

void loadcache_inputs_free(struct loadcache_inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		free(in->v[i].path);
	free(in->v);
	memset(in, 0, sizeof(*in));
}

static int exe_stat(struct stat *st)
{
	return stat("/proc/self/exe", st) ? -errno : 0;
}

/*
 * A file whose ctime was within RACY_NS of when it was looked at: a write in the same clock
 * tick, after the look, would leave the same ctime.
 */
static bool racy(const struct loadcache_input *e)
{
	return ts_ns(&e->st.st_ctim) + RACY_NS > e->seen_ns;
}

int loadcache_write(const struct loadcache_key *k, const struct loadcache_inputs *in,
		    const struct loadcache_mark *marks, size_t n_marks, uint64_t gen,
		    const uint8_t *digest)
{
	char tmp[] = LOADCACHE_PATH ".tmp", hex[2 * EXECBAN_SHA256_LEN + 1], *abs;
	struct stat exe;
	size_t i;
	int fd, ret;
	FILE *f;

	if (in->unusable || exe_stat(&exe))
		return -EINVAL;
	for (i = 0; i < n_marks; i++)
		if (strpbrk(marks[i].path, " \t\n") || strchr(marks[i].file, '\n'))
			return -EINVAL;
	if (mkdir("/run/execban", 0755) && errno != EEXIST)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	hex_encode(digest, EXECBAN_SHA256_LEN, hex);
	fprintf(f, "%s\nexe %llu %llu %lld %lld %lld\nmax_rules %zu\nforce %d\ngen %llu\n"
		"digest %s\nargs %d\n", MAGIC, (unsigned long long)exe.st_dev,
		(unsigned long long)exe.st_ino, (long long)exe.st_size, ts_ns(&exe.st_mtim),
		ts_ns(&exe.st_ctim), k->max_rules, k->force, (unsigned long long)gen, hex,
		k->n_files);
	ret = 0;
	for (i = 0; i < (size_t)k->n_files && !ret; i++) {
		abs = abs_path(k->files[i]);
		if (!abs || strchr(abs, '\n'))
			ret = -EINVAL;
		else
			fprintf(f, "%s\n", abs);
		free(abs);
	}
	fprintf(f, "inputs %zu\n", in->n);
	for (i = 0; i < in->n; i++) {
		const struct loadcache_input *e = &in->v[i];

		if (e->glob) {
			hex_encode(e->matches, EXECBAN_SHA256_LEN, hex);
			fprintf(f, "g %zu %s %s\n", e->n_matches, hex, e->path);
			continue;
		}
		fprintf(f, "f %llu %llu %u %lld %lld %lld %d %s\n", (unsigned long long)e->st.st_dev,
			(unsigned long long)e->st.st_ino, (unsigned int)e->st.st_mode,
			(long long)e->st.st_size, ts_ns(&e->st.st_mtim), ts_ns(&e->st.st_ctim),
			racy(e), e->path);
	}
	fprintf(f, "marks %zu\n", n_marks);
	for (i = 0; i < n_marks; i++)
		fprintf(f, "%c %u %s %s\n", marks[i].quarantine ? 'q' : 'i', marks[i].line,
			marks[i].path, marks[i].file);
	fprintf(f, "end\n");
	if (fflush(f) && !ret)
		ret = -errno;
	if (ferror(f) && !ret)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, LOADCACHE_PATH))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

void loadcache_forget(void)
{
	unlink(LOADCACHE_PATH);
}

void loadcache_record_free(struct loadcache_record *rec)
{
	size_t i;

	for (i = 0; i < rec->n_marks; i++) {
		free(rec->marks[i].path);
		free(rec->marks[i].file);
	}
	free(rec->marks);
	memset(rec, 0, sizeof(*rec));
}

/* The next line of f without its newline, in *line; false at the end or on a bad line. */
static bool next_line(FILE *f, char **line, size_t *cap)
{
	ssize_t n = getline(line, cap, f);

	if (n <= 0 || (*line)[n - 1] != '\n')
		return false;
	(*line)[n - 1] = 0;
	return true;
}

static bool same_stat(const struct stat *a, unsigned long long dev, unsigned long long ino,
		      unsigned int mode, long long size, long long mtime, long long ctime)
{
	return (unsigned long long)a->st_dev == dev && (unsigned long long)a->st_ino == ino &&
	       (unsigned int)a->st_mode == mode && (long long)a->st_size == size &&
	       ts_ns(&a->st_mtim) == mtime && ts_ns(&a->st_ctim) == ctime;
}

/* Does the input on line s (an "f" or "g" line) look as recorded? */
static bool input_unchanged(const char *s)
{
	unsigned long long dev, ino;
	long long size, mtime, ctime;
	unsigned int mode;
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	uint8_t now[EXECBAN_SHA256_LEN];
	size_t n;
	int is_racy, off = 0, r;
	struct stat st;
	glob_t g;

	if (sscanf(s, "f %llu %llu %u %lld %lld %lld %d %n", &dev, &ino, &mode, &size, &mtime,
		   &ctime, &is_racy, &off) == 7 && off) {
		return !is_racy && !stat(s + off, &st) &&
		       same_stat(&st, dev, ino, mode, size, mtime, ctime);
	}
	if (sscanf(s, "g %zu %64s %n", &n, hex, &off) != 2 || !off)
		return false;
	r = glob(s + off, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		g.gl_pathc = 0;
	else if (r) {
		globfree(&g);
		return false;
	}
	r = g.gl_pathc == n && !hash_matches(g.gl_pathv, n, now);
	globfree(&g);
	if (r) {
		char h[2 * EXECBAN_SHA256_LEN + 1];

		hex_encode(now, EXECBAN_SHA256_LEN, h);
		r = !strcmp(h, hex);
	}
	return r;
}

static int read_marks(FILE *f, char **line, size_t *cap, struct loadcache_record *rec)
{
	char kind, *path, *file, *sp;
	unsigned int l;
	size_t n, i;
	int off = 0;

	if (!next_line(f, line, cap) || sscanf(*line, "marks %zu", &n) != 1 || n > 1U << 20)
		return -ESTALE;
	rec->marks = calloc(n + 1, sizeof(*rec->marks));
	if (!rec->marks)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!next_line(f, line, cap) || sscanf(*line, "%c %u %n", &kind, &l, &off) != 2 ||
		    !off || (kind != 'i' && kind != 'q'))
			return -ESTALE;
		sp = strchr(*line + off, ' ');
		if (!sp)
			return -ESTALE;
		path = strndup(*line + off, (size_t)(sp - *line - off));
		file = strdup(sp + 1);
		rec->marks[rec->n_marks++] = (struct loadcache_mark){ kind == 'q', path, file, l };
		if (!path || !file)
			return -ENOMEM;
	}
	return next_line(f, line, cap) && !strcmp(*line, "end") ? 0 : -ESTALE;
}

int loadcache_check(const struct loadcache_key *k, struct loadcache_record *rec)
{
	unsigned long long dev, ino, gen;
	long long size, mtime, ctime;
	char *line = NULL, *abs, hex[2 * EXECBAN_SHA256_LEN + 1];
	size_t cap = 0, max_rules, n, i;
	struct stat exe;
	int force, n_args, ret = -ESTALE;
	FILE *f;

	memset(rec, 0, sizeof(*rec));
	f = fopen(LOADCACHE_PATH, "re");
	if (!f)
		return -ENOENT;
	if (exe_stat(&exe) || !next_line(f, &line, &cap) || strcmp(line, MAGIC) ||
	    !next_line(f, &line, &cap) ||
	    sscanf(line, "exe %llu %llu %lld %lld %lld", &dev, &ino, &size, &mtime, &ctime) != 5 ||
	    !same_stat(&exe, dev, ino, exe.st_mode, size, mtime, ctime) ||
	    !next_line(f, &line, &cap) || sscanf(line, "max_rules %zu", &max_rules) != 1 ||
	    max_rules != k->max_rules ||
	    !next_line(f, &line, &cap) || sscanf(line, "force %d", &force) != 1 ||
	    (force && !k->force) ||
	    !next_line(f, &line, &cap) || sscanf(line, "gen %llu", &gen) != 1 ||
	    !next_line(f, &line, &cap) || sscanf(line, "digest %64s", hex) != 1 ||
	    policy_parse_hex(hex, strlen(hex), rec->digest, EXECBAN_SHA256_LEN) ||
	    !next_line(f, &line, &cap) || sscanf(line, "args %d", &n_args) != 1 ||
	    n_args != k->n_files)
		goto out;
	rec->gen = gen;
	for (i = 0; i < (size_t)n_args; i++) {
		abs = abs_path(k->files[i]);
		if (!abs || !next_line(f, &line, &cap) || strcmp(line, abs)) {
			free(abs);
			goto out;
		}
		free(abs);
	}
	if (!next_line(f, &line, &cap) || sscanf(line, "inputs %zu", &n) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (!next_line(f, &line, &cap) || !input_unchanged(line))
			goto out;
	ret = read_marks(f, &line, &cap, rec);
out:
	free(line);
	fclose(f);
	if (ret)
		loadcache_record_free(rec);
	return ret;
}
