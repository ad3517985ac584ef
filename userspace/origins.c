// SPDX-License-Identifier: GPL-2.0
/*
 * origins.c - the record of where each rule in force came from (origins.h).
 *
 * ORIGINS_PATH, written by every successful "execban load" while it holds the load lock: a
 * text head, then binary records in this machine's byte order (/run lives for one boot):
 *   execban-origins 3
 *   digest <the policy's digest, hex>
 *   files <n>
 *   <synced-from URL or -> <path>          n lines; the path last (it may hold spaces)
 *   rules <n> <k>
 *   n struct origin_rec, by rule_id        where each rule came from
 *   k struct origin_santa, by index        the Santa rule type and identifier of the synced
 *                                          rules that have one
 * Binary because a million text lines took 0.6 s of a 1M-rule load in the test VM (and 21 MB
 * of /run, now 12).
 * "execban show" trusts it only when its digest is the digest of the policy in force; a load
 * killed between its switch and this file, or a policy switched by other means, leaves a
 * record of another digest: show then names no origins rather than wrong ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "jsonout.h"
#include "origins.h"

/* The server a file written by "execban sync" names in its first line, or NULL (malloc'd). */
static char *synced_from(const char *path)
{
	char *line = NULL, *url = NULL, *end;
	size_t cap = 0, head = strlen(SYNC_POLICY_HEAD), tail = strlen(SYNC_POLICY_TAIL);
	FILE *f = fopen(path, "re");
	ssize_t n;

	if (!f)
		return NULL;
	n = getline(&line, &cap, f);
	fclose(f);
	if (n > 0) {
		line[strcspn(line, "\n")] = 0;
		n = (ssize_t)strlen(line);
		end = line + n - tail;
		if ((size_t)n > head + tail && !strncmp(line, SYNC_POLICY_HEAD, head) &&
		    !strcmp(end, SYNC_POLICY_TAIL) && !memchr(line + head, ' ', end - line - head))
			url = strndup(line + head, end - line - head);
	}
	free(line);
	return url;
}

struct origin_rec {
	uint32_t id;		/* rule_id, strictly increasing */
	uint32_t file;		/* index in the files */
	uint32_t line;
};

struct origin_santa {
	uint32_t index;		/* of the rule in the origin_rec array, strictly increasing */
	uint32_t type;		/* enum santa_type */
	uint8_t identifier[EXECBAN_SHA256_LEN];
};

enum santa_type { SANTA_NONE, SANTA_BINARY, SANTA_CERTIFICATE };

static const char *const santa_names[] = { "", "BINARY", "CERTIFICATE" };

static enum santa_type santa_type(unsigned int kind)
{
	if (kind == EXECBAN_IDENT_SHA256)
		return SANTA_BINARY;
	if (kind == EXECBAN_IDENT_SIGNER_CERT_SHA256)
		return SANTA_CERTIFICATE;
	return SANTA_NONE;
}

/* Does the record keep rule r's Santa identifier (a synced rule, from url, that has one)? */
static bool has_santa_id(const char *url, const struct policy_rule *r)
{
	return url && santa_type(r->ident_kind) && r->ident_len == EXECBAN_SHA256_LEN;
}

int origins_write(const struct compiled *c)
{
	const char **paths = NULL;
	char **urls = NULL, tmp[] = ORIGINS_PATH ".tmp", hex[2 * EXECBAN_SHA256_LEN + 1];
	struct origin_rec *recs = NULL;
	struct origin_santa *santa = NULL;
	size_t n_paths = 0, n_santa = 0, i, j = 0;
	int fd, ret = 0;
	FILE *f;

	if (mkdir("/run/execban", 0755) && errno != EEXIST)
		return -errno;
	paths = calloc(c->n_rules + 1, sizeof(*paths));
	urls = calloc(c->n_rules + 1, sizeof(*urls));
	recs = policy_malloc(c->n_rules + 1, sizeof(*recs));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!paths || !urls || !recs || !f) {
		ret = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0 && !f)
			close(fd);
		goto out;
	}
	/* the files, each once; file names are interned (policy.files): compare pointers */
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *r = &c->pol.rules[i];
		const char *p = r->file ? r->file : "?";

		if (j >= n_paths || paths[j] != p) {
			for (j = 0; j < n_paths && paths[j] != p; j++)
				;
			if (j == n_paths) {
				paths[n_paths] = p;
				urls[n_paths++] = synced_from(p);
			}
		}
		recs[i] = (struct origin_rec){ c->rules[i].rule_id, (uint32_t)j, r->line };
		n_santa += has_santa_id(urls[j], r);
	}
	santa = calloc(n_santa + 1, sizeof(*santa));
	if (!santa) {
		ret = -ENOMEM;
		fclose(f);
		goto out;
	}
	for (i = 0, n_santa = 0; i < c->n_rules; i++) {
		const struct policy_rule *r = &c->pol.rules[i];

		if (has_santa_id(urls[recs[i].file], r)) {
			santa[n_santa].index = (uint32_t)i;
			santa[n_santa].type = santa_type(r->ident_kind);
			memcpy(santa[n_santa++].identifier, r->ident, EXECBAN_SHA256_LEN);
		}
	}
	hex_encode(c->info.digest, EXECBAN_SHA256_LEN, hex);
	fprintf(f, "execban-origins 3\ndigest %s\nfiles %zu\n", hex, n_paths);
	for (i = 0; i < n_paths; i++)
		fprintf(f, "%s %s\n", urls[i] ? urls[i] : "-", paths[i]);
	fprintf(f, "rules %zu %zu\n", c->n_rules, n_santa);
	if (fwrite(recs, sizeof(*recs), c->n_rules, f) != c->n_rules ||
	    fwrite(santa, sizeof(*santa), n_santa, f) != n_santa)
		ret = -EIO;
	if ((fflush(f) || ferror(f)) && !ret)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, ORIGINS_PATH))
		ret = -errno;
out:
	if (ret)
		unlink(tmp);
	for (i = 0; urls && i < n_paths; i++)
		free(urls[i]);
	free(urls);
	free(paths);
	free(recs);
	free(santa);
	return ret;
}

int origins_read(struct origins *o, const uint8_t digest[EXECBAN_SHA256_LEN])
{
	char *line = NULL, hex[2 * EXECBAN_SHA256_LEN + 1], *sp;
	struct origin_rec *recs = NULL;
	size_t cap = 0, i, n, k;
	uint32_t last = 0;
	int ret = -EINVAL;
	FILE *f = fopen(ORIGINS_PATH, "re");

	memset(o, 0, sizeof(*o));
	if (!f)
		return -errno;
	hex_encode(digest, EXECBAN_SHA256_LEN, hex);
	if (getline(&line, &cap, f) <= 0 || strcmp(line, "execban-origins 3\n") ||
	    getline(&line, &cap, f) <= 0 || strncmp(line, "digest ", 7))
		goto out;
	line[strcspn(line, "\n")] = 0;
	if (strcmp(line + 7, hex)) {
		ret = -ESTALE;
		goto out;
	}
	if (getline(&line, &cap, f) <= 0 || sscanf(line, "files %zu", &n) != 1 || n > 1u << 20)
		goto out;
	o->files = calloc(n + 1, sizeof(*o->files));
	if (!o->files) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (getline(&line, &cap, f) <= 0 || !(sp = strchr(line, ' ')))
			goto out;
		line[strcspn(line, "\n")] = 0;
		*sp = 0;
		o->files[i].path = strdup(sp + 1);
		o->files[i].synced_from = strcmp(line, "-") ? strdup(line) : NULL;
		o->n_files++;
	}
	if (getline(&line, &cap, f) <= 0 || sscanf(line, "rules %zu %zu", &n, &k) != 2 ||
	    n > 1u << 28 || k > n)
		goto out;
	o->rules = calloc(n + 1, sizeof(*o->rules));
	recs = policy_malloc(n + 1, sizeof(*recs));
	if (!o->rules || !recs) {
		ret = -ENOMEM;
		goto out;
	}
	if (fread(recs, sizeof(*recs), n, f) != n)
		goto out;
	for (i = 0; i < n; i++) {
		struct origin *r = &o->rules[i];

		if (recs[i].file >= o->n_files || (i && recs[i].id <= recs[i - 1].id))
			goto out;
		r->id = recs[i].id;
		r->file = recs[i].file;
		r->line = recs[i].line;
	}
	for (i = 0; i < k; i++) {
		struct origin_santa s;

		if (fread(&s, sizeof(s), 1, f) != 1 || s.index >= n || !s.type ||
		    s.type >= sizeof(santa_names) / sizeof(santa_names[0]) ||
		    (i && s.index <= last))
			goto out;
		last = s.index;
		strcpy(o->rules[s.index].rule_type, santa_names[s.type]);
		hex_encode(s.identifier, EXECBAN_SHA256_LEN, o->rules[s.index].identifier);
	}
	if (fgetc(f) != EOF)
		goto out;		/* more than it said: not a record this version wrote */
	o->n_rules = n;
	ret = 0;
out:
	free(line);
	free(recs);
	fclose(f);
	if (ret)
		origins_free(o);
	return ret;
}

const struct origin *origins_rule(const struct origins *o, uint32_t id)
{
	size_t lo = 0, hi = o ? o->n_rules : 0, mid;

	/* ids increase strictly (origins_read() checks) */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (o->rules[mid].id == id)
			return &o->rules[mid];
		if (o->rules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void origins_print(FILE *out, const struct origins *o, const struct origin *r)
{
	const struct origin_file *f = &o->files[r->file];

	if (f->synced_from && r->rule_type[0])
		fprintf(out, "  # synced from %s (Santa %s rule %s)", f->synced_from, r->rule_type,
			r->identifier);
	else if (f->synced_from)
		fprintf(out, "  # synced from %s", f->synced_from);
	else
		fprintf(out, "  # %s:%u", f->path, r->line);
}

struct json_object *origins_json(const struct origins *o, const struct origin *r)
{
	const struct origin_file *f = &o->files[r->file];
	struct json_object *x = json_object_new_object();

	if (!x)
		return NULL;
	if (f->synced_from) {
		json_add_str(x, "source", "sync");
		json_add_str(x, "server", f->synced_from);
		json_add_str(x, "rule_type", r->rule_type[0] ? r->rule_type : NULL);
		json_add_str(x, "identifier", r->identifier[0] ? r->identifier : NULL);
	} else {
		json_add_str(x, "source", "local");
		json_add_str(x, "file", f->path);
		json_add_u64(x, "line", r->line);
	}
	return x;
}

void origins_free(struct origins *o)
{
	size_t i;

	for (i = 0; o->files && i < o->n_files; i++) {
		free(o->files[i].path);
		free(o->files[i].synced_from);
	}
	free(o->files);
	free(o->rules);
	memset(o, 0, sizeof(*o));
}
