// SPDX-License-Identifier: GPL-2.0
/*
 * origins.c - the record of where each rule in force came from (origins.h).
 *
 * ORIGINS_PATH, text, written by every successful "execban load" while it holds the load lock:
 *   execban-origins 2
 *   digest <the policy's digest, hex>
 *   files <n>
 *   <synced-from URL or -> <path>          n lines; the path last (it may hold spaces)
 *   rules <n>
 *   <rule_id> <file index> <line>[ <Santa rule_type> <identifier>]   one per rule, by rule_id
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

static const char *santa_type(unsigned int kind)
{
	if (kind == EXECBAN_IDENT_SHA256)
		return "BINARY";
	if (kind == EXECBAN_IDENT_SIGNER_CERT_SHA256)
		return "CERTIFICATE";
	return NULL;
}

/* n in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t n)
{
	char t[20];
	int k = 0;

	do {
		t[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (k)
		*p++ = t[--k];
	return p;
}

int origins_write(const struct compiled *c)
{
	const char **paths = NULL;
	char **urls = NULL, tmp[] = ORIGINS_PATH ".tmp", hex[2 * EXECBAN_SHA256_LEN + 1];
	char line[160], *e;
	size_t n_paths = 0, i, j = 0;
	int fd, ret = 0;
	FILE *f;

	if (mkdir("/run/execban", 0755) && errno != EEXIST)
		return -errno;
	paths = calloc(c->n_rules + 1, sizeof(*paths));
	urls = calloc(c->n_rules + 1, sizeof(*urls));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!paths || !urls || !f) {
		ret = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0 && !f)
			close(fd);
		goto out;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	/* the files, each once; file names are interned (policy.files): compare pointers */
	for (i = 0; i < c->n_rules; i++) {
		const char *p = c->pol.rules[i].file ? c->pol.rules[i].file : "?";

		for (j = 0; j < n_paths && paths[j] != p; j++)
			;
		if (j == n_paths) {
			paths[n_paths] = p;
			urls[n_paths++] = synced_from(p);
		}
	}
	hex_encode(c->info.digest, EXECBAN_SHA256_LEN, hex);
	fprintf(f, "execban-origins 2\ndigest %s\nfiles %zu\n", hex, n_paths);
	for (i = 0; i < n_paths; i++)
		fprintf(f, "%s %s\n", urls[i] ? urls[i] : "-", paths[i]);
	fprintf(f, "rules %zu\n", c->n_rules);
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *r = &c->pol.rules[i];
		const char *p = r->file ? r->file : "?", *type = santa_type(r->ident_kind);

		if (j >= n_paths || paths[j] != p)
			for (j = 0; j < n_paths && paths[j] != p; j++)
				;
		/* by hand, not fprintf: a million lines took 1.5 s of the guest's 8 s load */
		e = put_u64(line, c->rules[i].rule_id);
		*e++ = ' ';
		e = put_u64(e, j);
		*e++ = ' ';
		e = put_u64(e, r->line);
		if (urls[j] && type && r->ident_len == EXECBAN_SHA256_LEN) {
			*e++ = ' ';
			e = stpcpy(e, type);
			*e++ = ' ';
			hex_encode(r->ident, EXECBAN_SHA256_LEN, e);
			e += 2 * EXECBAN_SHA256_LEN;
		}
		*e++ = '\n';
		fwrite_unlocked(line, 1, (size_t)(e - line), f);
	}
	if (fflush(f) || ferror(f))
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
	return ret;
}

int origins_read(struct origins *o, const uint8_t digest[EXECBAN_SHA256_LEN])
{
	char *line = NULL, hex[2 * EXECBAN_SHA256_LEN + 1], *sp;
	size_t cap = 0, i, n;
	int ret = -EINVAL;
	FILE *f = fopen(ORIGINS_PATH, "re");

	memset(o, 0, sizeof(*o));
	if (!f)
		return -errno;
	hex_encode(digest, EXECBAN_SHA256_LEN, hex);
	if (getline(&line, &cap, f) <= 0 || strcmp(line, "execban-origins 2\n") ||
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
	if (getline(&line, &cap, f) <= 0 || sscanf(line, "rules %zu", &n) != 1 || n > 1u << 28)
		goto out;
	o->rules = calloc(n + 1, sizeof(*o->rules));
	if (!o->rules) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct origin *r = &o->rules[i];

		if (getline(&line, &cap, f) <= 0 ||
		    sscanf(line, "%u %u %u %15s %64s", &r->id, &r->file, &r->line, r->rule_type,
			   r->identifier) < 3 || r->file >= o->n_files ||
		    (i && r->id <= o->rules[i - 1].id))
			goto out;
		o->n_rules++;
	}
	ret = 0;
out:
	free(line);
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
