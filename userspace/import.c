// SPDX-License-Identifier: GPL-2.0
/*
 * import.c - execban import: turn sha256sum output, or the executables of a package (.deb,
 * .rpm, AppImage or an unpacked folder), into ready policy rules on stdout. A compressed
 * kernel module in a package gets a rule for the module image inside it (decompress.h) as well
 * as one for the file.
 *
 * The whole output is built in memory first: on any error nothing is printed, so
 * "execban import ... > ban.policy" never leaves half a ban list behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "decompress.h"
#include "jsonout.h"
#include "policy.h"
#include "sysguard.h"
#include "walk.h"

#define MAX_LINE_ERRORS	50	/* bad sha256sum lines reported before giving up */

struct item {
	char *path;		/* sha256sum's path, or the path inside the package */
	uint8_t sha256[EXECBAN_SHA256_LEN];
	uint64_t size;
	bool has_size;
	bool dup;		/* same digest as an earlier item: not printed */
	int8_t no_size;		/* why there is no size: -1 file not found, 1 changed */
	uint8_t image;		/* enum zformat: the module image inside the compressed path */
	unsigned int line;	/* its line in sha256sum output (0: from a package) */
};

struct import {
	const char *action;		/* "deny" or "audit" */
	const char *label_prefix;
	struct item *items;
	size_t n, cap;
	unsigned int n_unreadable;
	bool force;			/* rules for files the system needs, with a warning */
	bool json;			/* --json: one object, the rules in "rules" */
	struct json_object *rules;	/* with --json, while the rules are put */
};

enum pkg_kind { PKG_DEB, PKG_RPM, PKG_APPIMAGE, PKG_DIR };

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ---- small helpers ---- */

static bool label_char(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("._:+-", c));
}

/* prefix + name in the label charset (others become '_'), at most EXECBAN_LABEL_LEN - 1. */
static void make_label(const char *prefix, const char *name, char *out)
{
	size_t n = 0;
	const char *s;

	for (s = prefix ? prefix : ""; *s && n < EXECBAN_LABEL_LEN - 1; s++)
		out[n++] = label_char(*s) ? *s : '_';
	for (s = name; *s && n < EXECBAN_LABEL_LEN - 1; s++)
		out[n++] = label_char(*s) ? *s : '_';
	out[n] = 0;
	if (!n)
		strcpy(out, "file");
}

/* The last component of a path, ignoring trailing slashes, into buf. */
static const char *base_name(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	n -= (size_t)(s - path);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf;
}

/*
 * A reason the policy parser accepts: control characters become '?', and the text is cut to
 * EXECBAN_REASON_LEN - 1 bytes without splitting a UTF-8 sequence.
 */
__attribute__((format(printf, 2, 3)))
static void make_reason(char *out, const char *fmt, ...)
{
	char buf[8192];
	size_t n, i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n > EXECBAN_REASON_LEN - 1) {
		n = EXECBAN_REASON_LEN - 1;
		while (n && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;	/* buf[n] continues a sequence: cut before its lead byte */
	}
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)buf[i] < 0x20 || buf[i] == 0x7f ? '?' : buf[i];
	out[n] = 0;
}

/* A comment-safe copy of s: no control characters (a newline would end the comment). */
static void print_comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void print_rule(FILE *f, const char *action, const struct item *it, const char *label,
		       const char *reason)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	const char *s;

	hex_encode(it->sha256, sizeof(it->sha256), hex);
	fprintf(f, "%s sha256=%s", action, hex);
	if (it->has_size)
		fprintf(f, " size=%llu", (unsigned long long)it->size);
	fprintf(f, " label=%s reason=\"", label);
	for (s = reason; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputs("\"\n", f);
}

/* One rule: a line of policy, or with --json an object in im->rules. */
static void put_rule(struct import *im, FILE *f, const struct item *it, const char *label,
		     const char *reason)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	struct json_object *o;

	if (!im->json) {
		print_rule(f, im->action, it, label, reason);
		return;
	}
	if (!im->rules)
		im->rules = json_object_new_array();
	hex_encode(it->sha256, sizeof(it->sha256), hex);
	o = json_object_new_object();
	json_add_str(o, "action", im->action);
	json_add_str(o, "sha256", hex);
	json_add(o, "size", it->has_size ? json_object_new_uint64(it->size) : NULL);
	json_add_str(o, "label", label);
	json_add_str(o, "reason", reason);
	json_add_str(o, "path", it->path);
	json_add(o, "line", it->line ? json_object_new_uint64(it->line) : NULL);
	json_add_str(o, "image", it->image ? zformat_name(it->image) : NULL);
	json_object_array_add(im->rules, o);
}

/* With --json, after the rules: the one object (JSON OUTPUT in execban(8)). */
static void put_json(struct import *im, FILE *f, const char *source, long kept)
{
	struct json_object *o = json_doc(JSON_SCHEMA_IMPORT);

	if (!im->json || !o) {
		json_object_put(o);
		return;
	}
	json_add_str(o, "source", source);
	json_add_i64(o, "files", kept);
	json_add_u64(o, "duplicates", im->n - (size_t)kept);
	json_add(o, "rules", im->rules ? im->rules : json_object_new_array());
	im->rules = NULL;
	fprintf(f, "%s\n", json_line(o));
	json_object_put(o);
}

static int add_item(struct import *im, const char *path, const uint8_t *sha256, bool has_size,
		    uint64_t size)
{
	struct item *it;

	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 64;

		it = realloc(im->items, cap * sizeof(*it));
		if (!it)
			return -ENOMEM;
		im->items = it;
		im->cap = cap;
	}
	it = &im->items[im->n];
	memset(it, 0, sizeof(*it));
	it->path = strdup(path);
	if (!it->path)
		return -ENOMEM;
	memcpy(it->sha256, sha256, EXECBAN_SHA256_LEN);
	it->has_size = has_size;
	it->size = size;
	im->n++;
	return 0;
}

/* By path; a compressed module's image before the file itself. */
static int cmp_path(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	return r ? r : (int)y->image - (int)x->image;
}

static int cmp_digest(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int r = memcmp(x->sha256, y->sha256, EXECBAN_SHA256_LEN);

	/* items is in output order, so the pointer order is the output order */
	return r ? r : (x < y ? -1 : x > y);
}

/*
 * Mark every item whose digest an earlier item has as a duplicate; the kept one takes a size
 * a duplicate knows. Returns how many are kept, or -ENOMEM.
 */
static long mark_duplicates(struct import *im)
{
	struct item **v = malloc((im->n + 1) * sizeof(*v));
	size_t i, kept = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < im->n; i++)
		v[i] = &im->items[i];
	qsort(v, im->n, sizeof(*v), cmp_digest);
	for (i = 0; i < im->n; i++) {
		struct item *first = v[kept ? kept - 1 : 0];

		if (i && !memcmp(v[i]->sha256, first->sha256, EXECBAN_SHA256_LEN)) {
			v[i]->dup = true;
			if (!first->has_size && v[i]->has_size) {
				first->has_size = true;
				first->size = v[i]->size;
			}
			continue;
		}
		v[kept++] = v[i];
	}
	free(v);
	return (long)kept;
}

static void free_items(struct import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		free(im->items[i].path);
	free(im->items);
}

/* Print a finished in-memory output to stdout. */
static int emit(char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
		err("writing the rules: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

/* ---- files the system needs (sysguard.c) ---- */

struct guard_ctx {
	const struct import *im;
	const size_t *idx;		/* query key i is items[idx[i]] */
	const char *src;
	unsigned int n;
};

static void on_guard_hit(void *arg, const struct sysguard_hit *h)
{
	struct guard_ctx *x = arg;
	const struct item *it = &x->im->items[x->idx[h->idx]];

	if (++x->n > MAX_LINE_ERRORS)
		return;
	if (it->line)
		fprintf(stderr, "%s:%u: ", x->src, it->line);
	else
		fprintf(stderr, "%s: ", x->src);
	fprintf(stderr, "%s: ", x->im->force ? "warning" : "error");
	fput_esc(stderr, it->path);
	fprintf(stderr, "%s has the bytes of ", it->image ? " (the module image inside)" : "");
	fput_esc(stderr, h->path);
	fprintf(stderr, ", %s, which the system needs to boot and to be repaired%s\n", h->why,
		x->im->force ? ": its rule is printed anyway (--force)" :
		"; --force to print its rule anyway");
}

struct keyed_item {
	struct sha256_key key;
	size_t idx;
};

static int cmp_keyed_item(const void *a, const void *b)
{
	return memcmp(a, b, EXECBAN_SHA256_LEN);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Refuse rules for files the system needs to boot and to be repaired (the shell, libc, dpkg,
 * an Essential package's files: sysguard.c), naming each; with --force, warn. src names the
 * input in messages. 0, or an exit code (nothing is to be printed).
 */
static int guard_items(struct import *im, const char *src)
{
	struct keyed_item *k = malloc((im->n + 1) * sizeof(*k));
	struct sha256_key *keys = malloc((im->n + 1) * sizeof(*keys));
	uint64_t *sizes = malloc((im->n + 1) * sizeof(*sizes));
	size_t *idx = malloc((im->n + 1) * sizeof(*idx));
	struct guard_ctx x = { .im = im, .idx = idx, .src = src };
	struct sysguard_query q = { .keys = keys, .sizes = sizes, .digests = true,
				    .size_filter = true };
	size_t i, n = 0, ns = 0;
	int ret = 0;
	long r;

	if (!k || !keys || !sizes || !idx) {
		err("out of memory");
		ret = EXIT_SYSTEM;
		goto out;
	}
	for (i = 0; i < im->n; i++) {
		if (im->items[i].dup)
			continue;
		k[n].key = *(const struct sha256_key *)im->items[i].sha256;
		k[n++].idx = i;
		if (im->items[i].has_size)
			sizes[ns++] = im->items[i].size;
		else
			q.size_filter = false;
	}
	qsort(k, n, sizeof(*k), cmp_keyed_item);
	for (i = 0; i < n; i++) {
		keys[i] = k[i].key;
		idx[i] = k[i].idx;
	}
	qsort(sizes, ns, sizeof(*sizes), cmp_u64);
	q.n_keys = n;
	q.n_sizes = ns;
	r = n ? sysguard_run(&q, on_guard_hit, &x) : 0;
	if (r < 0) {
		ret = r == -ENOMEM ? EXIT_SYSTEM : EXIT_FAIL;
		goto out;
	}
	if (x.n > MAX_LINE_ERRORS)
		fprintf(stderr, "%s: and %u more\n", src, x.n - MAX_LINE_ERRORS);
	if (x.n && !im->force) {
		err("refused: %s would ban files the system needs to boot and to be repaired "
		    "(above); nothing printed: leave those files out, or --force to print the "
		    "rules anyway", x.n == 1 ? "a rule" : "rules");
		ret = EXIT_FAIL;
	}
out:
	free(k);
	free(keys);
	free(sizes);
	free(idx);
	return ret;
}

/* ---- sha256sum output ---- */

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

/* sha256sum's escaping of names holding '\\', '\n' or '\r' (lines starting with '\\'). */
static int unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*d++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*d++ = '\\';
		else if (*s == 'n')
			*d++ = '\n';
		else if (*s == 'r')
			*d++ = '\r';
		else
			return -EINVAL;
	}
	*d = 0;
	return 0;
}

static const char *algo_of(size_t hex_digits)
{
	switch (hex_digits) {
	case 32: return "MD5";
	case 40: return "SHA-1";
	case 56: return "SHA-224";
	case 96: return "SHA-384";
	case 128: return "SHA-512 or BLAKE2b";
	}
	return NULL;
}

/*
 * One line of sha256sum output: "<hex>  <path>", "<hex> *<path>", or with --tag
 * "SHA256 (<path>) = <hex>" (also OpenSSL's "SHA256(<path>)= <hex>" and "SHA2-256(...)").
 * Returns 1 with *path and digest set, 0 for a blank or comment line, -1 with msg set.
 */
static int parse_sum_line(char *s, char **path, uint8_t *digest, char *msg, size_t msglen)
{
	static const char *const tags[] = { "SHA256 (", "SHA256(", "SHA2-256(" };
	bool escaped = false, tagged = false;
	size_t n, i;
	char *hex = NULL, *p = NULL;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#')
		return 0;
	if (*s == '\\') {
		escaped = true;
		s++;
	}
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t tl = strlen(tags[i]);
		char *e;

		if (strncmp(s, tags[i], tl))
			continue;
		tagged = true;
		n = strlen(s);
		if (n < tl + 64 + 4 || !all_hex(s + n - 64, 64) || s[n - 65] != ' ') {
			snprintf(msg, msglen, "expected 'SHA256 (<path>) = <64 hex digits>'");
			return -1;
		}
		hex = s + n - 64;
		e = s + n - 65;		/* the space before the digest */
		if (e[-1] != '=' || (e[-2] != ')' && !(e[-2] == ' ' && e[-3] == ')'))) {
			snprintf(msg, msglen, "expected 'SHA256 (<path>) = <64 hex digits>'");
			return -1;
		}
		e = e[-2] == ')' ? e - 2 : e - 3;
		*e = 0;
		p = s + tl;
		break;
	}
	if (!tagged) {
		const char *algo;

		n = strspn(s, "0123456789abcdefABCDEF");
		if (n != 64) {
			char *paren = strstr(s, " (");

			algo = !s[n] || s[n] == ' ' ? algo_of(n) : NULL;
			if (!n && paren && strstr(paren, ") = ") && paren - s < 16)
				snprintf(msg, msglen, "%.*s checksum, expected SHA-256 (sha256sum "
					 "output)", (int)(paren - s), s);
			else if (algo)
				snprintf(msg, msglen, "%zu hex digits: %s checksum, expected "
					 "SHA-256's 64 (sha256sum output)", n, algo);
			else if (n && (!s[n] || s[n] == ' '))
				snprintf(msg, msglen, "%zu hex digits, expected 64: '<64 hex digits>  "
					 "<path>' (sha256sum output)", n);
			else
				snprintf(msg, msglen, "expected '<64 hex digits>  <path>' "
					 "(sha256sum output)");
			return -1;
		}
		if (s[64] != ' ') {
			snprintf(msg, msglen, "expected two spaces or ' *' between the checksum and "
				 "the path");
			return -1;
		}
		s[64] = 0;
		hex = s;
		p = s + 65;
		if (*p == ' ' || *p == '*')
			p++;
	}
	if (!*p) {
		snprintf(msg, msglen, "no path after the checksum");
		return -1;
	}
	if (escaped && unescape(p)) {
		snprintf(msg, msglen, "bad escape in the path (sha256sum uses only \\\\, \\n, \\r)");
		return -1;
	}
	if (policy_parse_hex(hex, 64, digest, EXECBAN_SHA256_LEN)) {
		snprintf(msg, msglen, "bad checksum");
		return -1;
	}
	*path = p;
	return 1;
}

/* Does path hold exactly these bytes now? Then its size is known. 1 yes, 0 changed, -errno. */
static int size_if_same(const char *path, const uint8_t *digest, uint64_t *size)
{
	uint8_t d[EXECBAN_SHA256_LEN];
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	ret = sha256_fd(fd, d, size);
	close(fd);
	if (ret)
		return ret;
	return !memcmp(d, digest, sizeof(d));
}

static int import_sums(struct import *im, const char *file)
{
	bool from_stdin = !strcmp(file, "-");
	const char *name = from_stdin ? "stdin" : file;
	unsigned int line_no = 0, n_bad = 0, n_missing = 0, n_changed = 0;
	char label[EXECBAN_LABEL_LEN], reason[EXECBAN_REASON_LEN], base[256], msg[160];
	char *line = NULL, *buf = NULL, *path;
	uint8_t digest[EXECBAN_SHA256_LEN];
	size_t cap = 0, len = 0, i;
	FILE *f, *out;
	ssize_t n;
	long kept;
	int ret;

	f = from_stdin ? stdin : fopen(file, "re");
	if (!f) {
		err("%s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		line_no++;
		if (memchr(line, 0, (size_t)n)) {
			fprintf(stderr, "%s:%u: error: NUL byte in the line\n", name, line_no);
			ret = -1;
		} else {
			if (line[n - 1] == '\n')
				line[--n] = 0;
			if (n && line[n - 1] == '\r')
				line[--n] = 0;
			ret = parse_sum_line(line, &path, digest, msg, sizeof(msg));
			if (ret < 0)
				fprintf(stderr, "%s:%u: error: %s\n", name, line_no, msg);
		}
		if (ret < 0) {
			if (++n_bad == MAX_LINE_ERRORS) {
				fprintf(stderr, "%s: too many errors, giving up\n", name);
				break;
			}
			continue;
		}
		if (ret && add_item(im, path, digest, false, 0)) {
			err("out of memory");
			free(line);
			return EXIT_SYSTEM;
		}
		if (ret)
			im->items[im->n - 1].line = line_no;
	}
	free(line);
	if (ferror(f)) {
		err("%s: read: %s", file, strerror(errno));
		if (!from_stdin)
			fclose(f);
		return EXIT_SYSTEM;
	}
	if (!from_stdin)
		fclose(f);
	if (n_bad)
		return EXIT_FAIL;
	if (!im->n) {
		err("%s: no checksums (expected sha256sum output)", name);
		return EXIT_FAIL;
	}

	/* Sizes, for the kernel's size filter: only from files that still hold these bytes. */
	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i];

		ret = size_if_same(it->path, it->sha256, &it->size);
		it->has_size = ret == 1;
		it->no_size = ret < 0 ? -1 : ret == 0;
	}
	kept = mark_duplicates(im);
	if (kept < 0) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	ret = guard_items(im, name);
	if (ret)
		return ret;

	out = open_memstream(&buf, &len);
	if (!out) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	if (!im->json) {
		fputs("# execban import of ", out);
		print_comment_text(out, name);
		fprintf(out, ": %ld files\n", kept);
	}
	make_reason(reason, "imported from %s", name);
	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i];

		if (it->dup)
			continue;
		if (!it->has_size) {
			n_missing += it->no_size < 0;
			n_changed += it->no_size > 0;
		}
		make_label(im->label_prefix, base_name(it->path, base, sizeof(base)), label);
		put_rule(im, out, it, label, reason);
	}
	put_json(im, out, name, kept);
	if (fclose(out)) {
		free(buf);
		err("out of memory");
		return EXIT_SYSTEM;
	}
	if (n_missing + n_changed)
		warn("%u of %ld rules have no size= (files not found here: %u, changed since they "
		     "were hashed: %u): while any rule lacks a size, the kernel hashes every exec; "
		     "import where the files are, or use execban hash",
		     n_missing + n_changed, kept, n_missing, n_changed);
	ret = emit(buf, len);
	free(buf);
	return ret;
}

/* ---- packages ---- */

/* Is an executable named cmd on $PATH? */
static bool have_tool(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *s, *e;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (s = path; ; s = e + 1) {
		e = strchrnul(s, ':');
		if (e > s && snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - s), s, cmd) <
		    (int)sizeof(buf) && !access(buf, X_OK))
			return true;
		if (!*e)
			return false;
	}
}

static int need_tool(const char *cmd, const char *package, const char *why)
{
	if (have_tool(cmd))
		return 0;
	err("%s needs %s, which is not installed: apt-get install %s", why, cmd, package);
	return -ENOENT;
}

/* Start argv (from $PATH) with stdin in, stdout out (-1: inherit), in folder cwd (or NULL). */
static pid_t spawn(char *const argv[], const char *cwd, int in, int out)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (in >= 0 && dup2(in, 0) < 0)
			_exit(127);
		if (out >= 0 && dup2(out, 1) < 0)
			_exit(127);
		if (cwd && chdir(cwd))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "execban: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for a child; on a signal to us, pass SIGTERM on. Returns its exit status, or -1. */
static int reap(pid_t pid)
{
	bool killed = false;
	int status;

	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (errno != EINTR)
			return -1;
		if (got_signal && !killed) {
			kill(pid, SIGTERM);
			killed = true;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(char *const argv[], const char *cwd, int in, int out)
{
	pid_t pid = spawn(argv, cwd, in, out);

	if (pid < 0) {
		err("%s: %s", argv[0], strerror((int)-pid));
		return -1;
	}
	return reap(pid);
}

/* Run argv and keep the first line of its stdout in out. 0 or -1. */
static int run_line(char *const argv[], char *out, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int p[2], status;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = spawn(argv, NULL, -1, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	while ((r = read(p[0], &c, 1)) == 1 || (r < 0 && errno == EINTR)) {
		if (r == 1 && c != '\n' && n + 1 < len)
			out[n++] = c;
		else if (r == 1 && c == '\n')
			break;
	}
	out[n] = 0;
	close(p[0]);
	status = reap(pid);
	return status ? -1 : 0;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A string tag of an RPM header at off (the header's magic). */
static void rpm_tag(int fd, off_t off, uint32_t nindex, uint32_t tag, char *out, size_t len)
{
	uint8_t e[16];
	uint32_t i;
	ssize_t n;

	out[0] = 0;
	for (i = 0; i < nindex && i < 65536; i++) {
		if (pread(fd, e, sizeof(e), off + 16 + (off_t)i * 16) != sizeof(e))
			return;
		if (be32(e) != tag)
			continue;
		if (be32(e + 4) != 6)	/* RPM_STRING_TYPE */
			return;
		n = pread(fd, out, len - 1, off + 16 + (off_t)nindex * 16 + be32(e + 8));
		out[n > 0 ? n : 0] = 0;
		out[strnlen(out, len - 1)] = 0;
		return;
	}
}

/* Name and version-release from an RPM's header (no rpm tool needed). */
static void rpm_name_version(const char *file, char *name, char *version, size_t len)
{
	static const uint8_t magic[4] = { 0x8e, 0xad, 0xe8, 0x01 };
	char ver[128], rel[128];
	uint8_t h[16];
	off_t off = 96;	/* after the lead: the signature header */
	int fd;

	name[0] = version[0] = 0;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, h, sizeof(h), off) == sizeof(h) && !memcmp(h, magic, 4)) {
		off += 16 + (off_t)be32(h + 8) * 16 + be32(h + 12);
		off = (off + 7) & ~(off_t)7;
		if (pread(fd, h, sizeof(h), off) == sizeof(h) && !memcmp(h, magic, 4)) {
			rpm_tag(fd, off, be32(h + 8), 1000, name, len);
			rpm_tag(fd, off, be32(h + 8), 1001, ver, sizeof(ver));
			rpm_tag(fd, off, be32(h + 8), 1002, rel, sizeof(rel));
			if (ver[0])
				snprintf(version, len, "%s%s%s", ver, rel[0] ? "-" : "", rel);
		}
	}
	close(fd);
}

/* An n-byte ELF field, little or big endian. */
static uint64_t elf_field(const uint8_t *p, int n, bool le)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
	return v;
}

/*
 * Where a type 2 AppImage's squashfs starts: right after the ELF runtime, whose section
 * header table comes last. Returns the offset, or -1 when there is no squashfs there.
 */
static off_t appimage_offset(int fd)
{
	uint8_t h[64], m[4];
	uint64_t shoff, shentsize, shnum, off;
	bool le;

	if (pread(fd, h, sizeof(h), 0) != sizeof(h) || memcmp(h, "\x7f" "ELF", 4))
		return -1;
	le = h[5] == 1;
	if (h[4] == 2) {		/* ELFCLASS64 */
		shoff = elf_field(h + 0x28, 8, le);
		shentsize = elf_field(h + 0x3a, 2, le);
		shnum = elf_field(h + 0x3c, 2, le);
	} else if (h[4] == 1) {		/* ELFCLASS32 */
		shoff = elf_field(h + 0x20, 4, le);
		shentsize = elf_field(h + 0x2e, 2, le);
		shnum = elf_field(h + 0x30, 2, le);
	} else {
		return -1;
	}
	off = shoff + shentsize * shnum;
	if (off > (uint64_t)INT64_MAX / 2 || pread(fd, m, 4, (off_t)off) != 4 ||
	    memcmp(m, "hsqs", 4))
		return -1;
	return (off_t)off;
}

static int sniff(const char *file, enum pkg_kind *kind, off_t *sqfs_off)
{
	uint8_t h[16];
	struct stat st;
	int fd;

	if (stat(file, &st)) {
		err("%s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	if (S_ISDIR(st.st_mode)) {
		*kind = PKG_DIR;
		return 0;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err("%s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	memset(h, 0, sizeof(h));
	if (!S_ISREG(st.st_mode) || pread(fd, h, sizeof(h), 0) < 0)
		goto unknown;
	if (!memcmp(h, "!<arch>\n", 8)) {
		*kind = PKG_DEB;
	} else if (!memcmp(h, "\xed\xab\xee\xdb", 4)) {
		*kind = PKG_RPM;
	} else if (!memcmp(h, "\x7f" "ELF", 4)) {
		if (!memcmp(h + 8, "AI\x01", 3)) {
			err("%s: a type 1 AppImage (ISO 9660): not supported; run it with "
			    "--appimage-extract and import the squashfs-root folder", file);
			close(fd);
			return EXIT_FAIL;
		}
		*sqfs_off = appimage_offset(fd);
		if (*sqfs_off < 0) {
			err("%s: an ELF file, not an AppImage with a squashfs: use execban hash",
			    file);
			close(fd);
			return EXIT_FAIL;
		}
		*kind = PKG_APPIMAGE;
	} else {
		goto unknown;
	}
	close(fd);
	return 0;
unknown:
	close(fd);
	err("%s: not a .deb, .rpm, AppImage or folder", file);
	return EXIT_FAIL;
}

/* Extract file into dir with the tools its format needs. 0, or an exit code. */
static int extract(const char *file, enum pkg_kind kind, off_t sqfs_off, const char *dir)
{
	char abs[PATH_MAX], offset[32], root[PATH_MAX];
	int p[2], st1, st2;
	pid_t a, b;

	switch (kind) {
	case PKG_DEB: {
		char *argv[] = { "dpkg-deb", "-x", (char *)file, (char *)dir, NULL };

		if (need_tool("dpkg-deb", "dpkg", "importing a .deb"))
			return EXIT_SYSTEM;
		if (run(argv, NULL, -1, -1)) {
			if (!got_signal)
				err("%s: dpkg-deb could not extract it", file);
			return EXIT_FAIL;
		}
		return 0;
	}
	case PKG_RPM: {
		char *a1[] = { "rpm2cpio", abs, NULL };
		char *a2[] = { "cpio", "-idm", "--quiet", "--no-absolute-filenames", NULL };

		if (need_tool("rpm2cpio", "rpm2cpio", "importing an .rpm") ||
		    need_tool("cpio", "cpio", "importing an .rpm"))
			return EXIT_SYSTEM;
		if (!realpath(file, abs)) {
			err("%s: %s", file, strerror(errno));
			return EXIT_FAIL;
		}
		if (pipe2(p, O_CLOEXEC)) {
			err("pipe: %s", strerror(errno));
			return EXIT_SYSTEM;
		}
		a = spawn(a1, NULL, -1, p[1]);
		b = a < 0 ? -1 : spawn(a2, dir, p[0], -1);
		close(p[0]);
		close(p[1]);
		st1 = a < 0 ? -1 : reap(a);
		st2 = b < 0 ? -1 : reap(b);
		if (st1 || st2) {
			if (!got_signal)
				err("%s: rpm2cpio | cpio could not extract it", file);
			return EXIT_FAIL;
		}
		return 0;
	}
	case PKG_APPIMAGE: {
		char *argv[] = { "unsquashfs", "-n", "-no-xattrs", "-o", offset, "-d", root,
				 (char *)file, NULL };
		int null;

		if (need_tool("unsquashfs", "squashfs-tools", "importing an AppImage"))
			return EXIT_SYSTEM;
		snprintf(offset, sizeof(offset), "%lld", (long long)sqfs_off);
		if (snprintf(root, sizeof(root), "%s/root", dir) >= (int)sizeof(root))
			return EXIT_SYSTEM;
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		st1 = run(argv, NULL, -1, null);
		if (null >= 0)
			close(null);
		if (st1) {
			if (!got_signal)
				err("%s: unsquashfs could not extract its squashfs (offset %s)", file,
				    offset);
			return EXIT_FAIL;
		}
		return 0;
	}
	case PKG_DIR:
		break;
	}
	return 0;
}

static void pkg_walk_err(const char *path, int e, void *arg)
{
	struct import *im = arg;

	warn_path(path, "%s", strerror(e));
	im->n_unreadable++;
}

/*
 * A compressed kernel module at fd (path e->rel): a rule for the module image inside it, what
 * modprobe gives init_module(2). 1 if it is one, 0 if not, -ENOMEM.
 */
static int pkg_module_image(const struct walk_ent *e, int fd, struct import *im)
{
	struct module_image *img = malloc(sizeof(*img));
	char *path;
	int ret;

	if (!img)
		return -ENOMEM;
	ret = module_image_read(fd, img);
	if (ret < 0) {
		/* a compressed file nothing would load as a module (corrupt before its ELF
		 * header) is not one; a module's that cannot be judged is an error */
		if (img->elf_rel || module_image_name(e->name)) {
			warn_path(e->path, "%s", img->why);
			im->n_unreadable++;
		}
		free(img);
		return 0;
	}
	if (ret && asprintf(&path, "/%s", e->rel) < 0)
		ret = -ENOMEM;
	if (ret > 0) {
		ret = add_item(im, path, img->sha256, true, img->size);
		if (!ret) {
			im->items[im->n - 1].image = (uint8_t)img->format;
			ret = 1;
		}
		free(path);
	}
	free(img);
	return ret;
}

/*
 * Every ELF file (executables, shared libraries, kernel modules), every #! script, and every
 * compressed kernel module: the file and the image inside.
 */
static int pkg_visit(const struct walk_ent *e, void *arg)
{
	uint8_t magic[6], digest[EXECBAN_SHA256_LEN];
	struct import *im = arg;
	bool module = false;
	char *path;
	uint64_t size;
	ssize_t n;
	int fd, ret;

	if (got_signal)
		return -EINTR;
	if (!S_ISREG(e->st->st_mode))
		return 0;	/* symlinks are not followed: their target is walked itself */
	fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		pkg_walk_err(e->path, errno, im);
		return 0;
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		pkg_walk_err(e->path, errno, im);
		close(fd);
		return 0;
	}
	if (zformat_sniff(magic, (size_t)n) != ZFORMAT_NONE) {
		ret = pkg_module_image(e, fd, im);
		if (ret < 0) {
			close(fd);
			return ret;
		}
		module = ret;
	}
	if (!module && !(n >= 4 && !memcmp(magic, "\x7f" "ELF", 4)) &&
	    !(n >= 2 && !memcmp(magic, "#!", 2))) {
		close(fd);
		return 0;
	}
	ret = sha256_fd(fd, digest, &size);
	close(fd);
	if (ret) {
		pkg_walk_err(e->path, -ret, im);
		return 0;
	}
	if (asprintf(&path, "/%s", e->rel) < 0)
		return -ENOMEM;
	ret = add_item(im, path, digest, true, size);
	free(path);
	return ret;
}

/* Name and version of the package (version may stay empty). 0 or an exit code. */
static int pkg_identity(const char *file, enum pkg_kind kind, char *name, char *version,
			size_t len)
{
	char base[256], *dot;

	name[0] = version[0] = 0;
	if (kind == PKG_DEB) {
		char *a1[] = { "dpkg-deb", "-f", (char *)file, "Package", NULL };
		char *a2[] = { "dpkg-deb", "-f", (char *)file, "Version", NULL };

		if (need_tool("dpkg-deb", "dpkg", "importing a .deb"))
			return EXIT_SYSTEM;
		if (run_line(a1, name, len) || !name[0]) {
			err("%s: not a valid .deb (dpkg-deb -f found no Package)", file);
			return EXIT_FAIL;
		}
		run_line(a2, version, len);
		return 0;
	}
	if (kind == PKG_DIR) {
		char abs[PATH_MAX];

		if (!realpath(file, abs))
			snprintf(abs, sizeof(abs), "%s", file);
		snprintf(name, len, "%s", base_name(abs, base, sizeof(base)));
		return 0;
	}
	if (kind == PKG_RPM)
		rpm_name_version(file, name, version, len);
	if (!name[0]) {
		snprintf(name, len, "%s", base_name(file, base, sizeof(base)));
		dot = strrchr(name, '.');
		if (dot && (!strcasecmp(dot, ".appimage") || !strcasecmp(dot, ".rpm")))
			*dot = 0;
	}
	return 0;
}

static int import_package(struct import *im, const char *file)
{
	char tmpl[PATH_MAX], rootbuf[PATH_MAX], arg[PATH_MAX], name[256], version[256];
	char label[EXECBAN_LABEL_LEN];
	char reason[EXECBAN_REASON_LEN], base[256], *buf = NULL;
	struct sigaction sa = { .sa_handler = on_signal }, old[4];
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	const char *tmpdir = getenv("TMPDIR"), *root = file;
	bool have_tmp = false, per_file_reason;
	enum pkg_kind kind;
	off_t sqfs_off = 0;
	size_t len = 0, i;
	int ret, r;
	long kept;
	FILE *out;

	ret = sniff(file, &kind, &sqfs_off);
	if (ret)
		return ret;
	/* what the tools get: never a name they could take for an option */
	if (snprintf(arg, sizeof(arg), "%s%s", file[0] == '-' ? "./" : "", file) >=
	    (int)sizeof(arg)) {
		err("%s: %s", file, strerror(ENAMETOOLONG));
		return EXIT_FAIL;
	}
	ret = pkg_identity(arg, kind, name, version, sizeof(name));
	if (ret)
		return ret;

	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (kind != PKG_DIR) {
		snprintf(tmpl, sizeof(tmpl), "%s/execban-import.XXXXXX",
			 tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (!mkdtemp(tmpl)) {
			err("%s: %s", tmpl, strerror(errno));
			ret = EXIT_SYSTEM;
			goto out;
		}
		have_tmp = true;
		ret = extract(arg, kind, sqfs_off, tmpl);
		if (ret || got_signal)
			goto out;
		/* unsquashfs makes its own folder: it refuses to write into an existing one */
		if (snprintf(rootbuf, sizeof(rootbuf), "%s%s", tmpl,
			     kind == PKG_APPIMAGE ? "/root" : "") >= (int)sizeof(rootbuf)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		root = rootbuf;
	}
	r = walk(root, 0, pkg_visit, pkg_walk_err, im);
	if (got_signal)
		goto out;
	if (r) {
		err("%s: %s", root, strerror(-r));
		ret = r == -ENOMEM ? EXIT_SYSTEM : EXIT_FAIL;
		goto out;
	}
	if (im->n_unreadable) {
		err("%u files of %s could not be read or decompressed (above); nothing printed",
		    im->n_unreadable, file);
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (kind == PKG_APPIMAGE) {
		uint8_t digest[EXECBAN_SHA256_LEN];
		uint64_t size;
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		r = fd < 0 ? -errno : sha256_fd(fd, digest, &size);
		if (fd >= 0)
			close(fd);
		if (r || add_item(im, base_name(file, base, sizeof(base)), digest, true, size)) {
			err("%s: %s", file, strerror(r ? -r : ENOMEM));
			ret = EXIT_SYSTEM;
			goto out;
		}
	}

	qsort(im->items, im->n, sizeof(*im->items), cmp_path);
	kept = mark_duplicates(im);
	if (kept < 0) {
		err("out of memory");
		ret = EXIT_SYSTEM;
		goto out;
	}
	ret = guard_items(im, file);
	if (ret)
		goto out;
	/* A reason per file: the kernel keeps one per rule at most, as rules. */
	per_file_reason = true;
	if (!kept)
		warn("%s: no ELF file or script inside: nothing to ban", file);

	make_label(im->label_prefix, name, label);
	out = open_memstream(&buf, &len);
	if (!out) {
		err("out of memory");
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (!im->json) {
		fputs("# execban import of ", out);
		print_comment_text(out, file);
		fprintf(out, ": %ld files\n", kept);
	}
	if (!im->json && kept != (long)im->n)
		fprintf(out, "# %zu more files have the same bytes as one listed\n",
			im->n - (size_t)kept);
	for (i = 0; i < im->n; i++) {
		const struct item *it = &im->items[i];

		if (it->dup)
			continue;
		if (per_file_reason && it->image)
			make_reason(reason, "package %s%s%s: %s (the module image inside, %s)",
				    name, version[0] ? " " : "", version, it->path,
				    zformat_name(it->image));
		else if (per_file_reason)
			make_reason(reason, "package %s%s%s: %s", name, version[0] ? " " : "",
				    version, it->path);
		else
			make_reason(reason, "package %s%s%s", name, version[0] ? " " : "",
				    version);
		put_rule(im, out, it, label, reason);
	}
	put_json(im, out, file, kept);
	if (fclose(out)) {
		err("out of memory");
		ret = EXIT_SYSTEM;
		goto out;
	}
	ret = EXIT_OK;
out:
	if (have_tmp) {
		r = remove_tree(tmpl);
		if (r)
			warn("%s: could not remove it: %s", tmpl, strerror(-r));
	}
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (got_signal) {
		free(buf);
		signal(got_signal, SIG_DFL);
		raise(got_signal);
		return EXIT_SYSTEM;
	}
	if (ret == EXIT_OK)
		ret = emit(buf, len);
	free(buf);
	return ret;
}

static void import_usage(FILE *f)
{
	fputs("usage: execban import --sha256sum FILE [OPTIONS]\n"
	      "       execban import --package FILE.deb|DIR|FILE.rpm|FILE.AppImage [OPTIONS]\n\n"
	      "Print policy rules (execban.policy(5)) for files listed by sha256sum, or for every\n"
	      "ELF file (executables, shared libraries, kernel modules) and #! script in a\n"
	      "package; a compressed kernel module (xz, zstd or gzip: .ko.xz, .ko.zst, .ko.gz)\n"
	      "gets a rule for the module image inside it, what init_module(2) is given, and one\n"
	      "for the file itself.\n\n"
	      "  --sha256sum FILE    sha256sum output ('-' reads stdin): '<hex>  <path>',\n"
	      "                      '<hex> *<path>' or --tag's 'SHA256 (<path>) = <hex>'; the label\n"
	      "                      is the file's name; size= is added when <path> still holds\n"
	      "                      those bytes here (a warning counts the rules without)\n"
	      "  --package FILE      a .deb (dpkg-deb), a folder, an .rpm (rpm2cpio, cpio) or a\n"
	      "                      type 2 AppImage (unsquashfs; the AppImage itself is banned too);\n"
	      "                      label=<package name>, reason=\"package <name> <version>: <path>\";\n"
	      "                      symlinks are skipped; output sorted by path\n"
	      "  --label-prefix X    put X before every label (labels are at most 31 characters)\n"
	      "  --action deny|audit the rule keyword (default deny)\n"
	      "  --force             print rules for files the system needs to boot and to be\n"
	      "                      repaired too (the shell, libc, dpkg, Essential packages:\n"
	      "                      execban(8)), each named in a warning; without it they are\n"
	      "                      an error\n"
	      "  -j, --json          one JSON object instead: source, files, duplicates and\n"
	      "                      rules (action, sha256, size, label, reason, path, line,\n"
	      "                      image)\n\n"
	      "A digest listed twice gives one rule. On any error nothing is printed.\n\n"
	      "exit: 0 ok, 1 bad input, 2 usage, 3 system error (a tool missing, I/O)\n", f);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sha256sum", required_argument, NULL, 's' },
		{ "package", required_argument, NULL, 'p' },
		{ "label-prefix", required_argument, NULL, 'l' },
		{ "action", required_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct import im = { .action = "deny" };
	const char *sums = NULL, *pkg = NULL, *s;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			im.json = true;
			break;
		case 's':
			sums = optarg;
			break;
		case 'p':
			pkg = optarg;
			break;
		case 'l':
			for (s = optarg; *s; s++)
				if (!label_char(*s))
					break;
			if (*s || strlen(optarg) >= EXECBAN_LABEL_LEN - 1) {
				return usage_error("import", "--label-prefix %s: expected up to 30 "
						   "of A-Z a-z 0-9 . _ : + -", optarg);
			}
			im.label_prefix = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "deny") && strcmp(optarg, "audit")) {
				return usage_error("import", "--action %s: expected deny or audit",
						   optarg);
			}
			im.action = optarg;
			break;
		case 'f':
			im.force = true;
			break;
		case 'h':
			import_usage(stdout);
			return EXIT_OK;
		default:
			return usage_hint("import");
		}
	}
	if (optind < argc)
		return usage_error("import", "unexpected argument '%s'", argv[optind]);
	if (!sums == !pkg)
		return usage_error("import", "give exactly one of --sha256sum FILE and "
				   "--package FILE");
	ret = sums ? import_sums(&im, sums) : import_package(&im, pkg);
	json_object_put(im.rules);	/* left by an error after the rules */
	free_items(&im);
	return ret;
}
