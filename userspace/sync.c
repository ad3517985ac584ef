// SPDX-License-Identifier: GPL-2.0
/*
 * sync.c - execban sync: a Santa sync client (docs/sync.md).
 *
 * One sync, the stages of Santa's sync protocol (santa.sync.v1, HTTP + JSON, client first):
 *   1. POST /preflight/<machine_id>     report the machine, learn the sync type, batch size
 *                                       and interval;
 *   2. POST /eventupload/<machine_id>   the queued denials (syncq.c), in batches; a batch
 *                                       leaves the queue once the server answered 200;
 *   3. POST /ruledownload/<machine_id>  every page, following "cursor" until there is none;
 *   4. apply: the synced rules are written to SYNC_POLICY.tmp, loaded together with the local
 *      policy in one atomic policy switch (cmd_load), and only then renamed over SYNC_POLICY;
 *   5. POST /postflight/<machine_id>    what was received and applied.
 * Any failure before 4 leaves the rules in force and SYNC_POLICY untouched. Every sync that
 * reached a server records its outcome in SYNC_STATE (execban status shows it).
 *
 * JSON through json-c, HTTP through libcurl (STYLE.md 13): nothing hand-written on the wire.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <zlib.h>

#include "cli.h"
#include "jsonout.h"
#include "compile.h"
#include "origins.h"
#include "policy.h"
#include "sync.h"
#include "syncq.h"
#include "sysguard.h"

#define LOCAL_POLICY	"/etc/execban/execban.policy"
#define SYNC_LOCK	SYNC_DIR "/sync.lock"
#define SYNC_LABEL	"santa"
/* A server's answer bigger than this is refused: a page of rules is far smaller. */
#define MAX_BODY	(64u << 20)
/* A cursor that never ends is a broken server, not a big rule set. */
#define MAX_PAGES	100000
/* Events per eventupload request when preflight names no batch_size (the protocol's). */
#define BATCH_DEFAULT	50
#define BATCH_MAX	5000

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

/* The stage running, and the first error it met: what sync.state records. */
static const char *cur_stage = "config";
static char first_err[256];
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void keep_error(const char *path, const char *msg)
{
	const char *m = msg;
	size_t n = strlen(cur_stage);

	if (first_err[0])
		return;
	if (!strncmp(m, "sync: ", 6))
		m += 6;
	/* the stage is recorded beside the message */
	if (!strncmp(m, cur_stage, n) && !strncmp(m + n, ": ", 2))
		m += n + 2;
	snprintf(first_err, sizeof(first_err), "%s%s%s", path ? path : "", path ? ": " : "", m);
}

/* Plain http only to a loopback address: anything else could be read or altered on the way. */
int sync_url_ok(const char *url, char *why, size_t why_len)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *h;
	unsigned char a[16];
	size_t n;
	int ret = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(why, why_len, "not a URL");
		goto out;
	}
	if (!strcmp(scheme, "https")) {
		ret = 0;
		goto out;
	}
	if (strcmp(scheme, "http")) {
		snprintf(why, why_len, "scheme %s: expected https (http only to a loopback address)",
			 scheme);
		goto out;
	}
	h = host;
	n = strlen(h);
	if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
		h[n - 1] = 0;
		h++;
	}
	if (!strcasecmp(h, "localhost") || (inet_pton(AF_INET, h, a) == 1 && a[0] == 127) ||
	    (inet_pton(AF_INET6, h, a) == 1 && !memcmp(a, in6addr_loopback.s6_addr, 16))) {
		ret = 0;
		goto out;
	}
	snprintf(why, why_len, "plain http is allowed only to a loopback address; use https");
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

static size_t body_write(char *p, size_t sz, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = sz * n;
	char *nb;

	if (b->len + len > MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, len);
	b->buf = nb;
	b->len += len;
	b->buf[b->len] = 0;
	return len;
}

/*
 * A server that requires a client certificate and gets none ends the TLS 1.3 connection once
 * the handshake is over on the client's side: the client sees a failed send or receive, or the
 * alert, depending on timing. Say what is likely wrong.
 */
static bool no_client_cert(const struct sync_conf *c, CURLcode rc)
{
	return !c->client_cert && !strncasecmp(c->server, "https:", 6) &&
	       (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_SSL_CONNECT_ERROR ||
		rc == CURLE_SSL_CERTPROBLEM);
}

/*
 * POST a JSON object to <server>/<stage>/<machine_id>; the answer must be 200 and a JSON
 * object. Returns it (json_object_put it) or NULL, having said why.
 */
static struct json_object *post(CURL *curl, const struct sync_conf *c, const char *stage,
				const char *machine_id, struct json_object *req)
{
	struct curl_slist *hdr = NULL;
	struct body b = { 0 };
	struct json_object *resp = NULL;
	struct json_tokener *tok = NULL;
	char *url = NULL, *mid, detail[CURL_ERROR_SIZE] = "";
	const char *json;
	Bytef *z = NULL;
	const char *sep = c->server[strlen(c->server) - 1] == '/' ? "" : "/";
	long code = 0;
	CURLcode rc;

	mid = curl_easy_escape(curl, machine_id, 0);
	if (!mid || asprintf(&url, "%s%s%s/%s", c->server, sep, stage, mid) < 0) {
		url = NULL;
		err("out of memory");
		goto out;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	json = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (c->compress_requests) {
		/* what Santa sends and Moroz requires: zlib (RFC 1950), "deflate" in HTTP */
		uLongf zlen = compressBound(strlen(json));

		z = malloc(zlen);
		if (!z || compress2(z, &zlen, (const Bytef *)json, strlen(json),
				    Z_DEFAULT_COMPRESSION) != Z_OK) {
			err("sync: %s: cannot compress the request", stage);
			goto out;
		}
		hdr = curl_slist_append(hdr, "Content-Encoding: deflate");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)zlen);
		curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, z);
	} else {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, -1L);
		curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, json);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	/* libcurl's own words on what failed: which certificate check, which TLS alert */
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	rc = curl_easy_perform(curl);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		if (b.too_big)
			err("sync: %s: the answer is bigger than %u bytes", stage, MAX_BODY);
		else
			err("sync: %s: %s%s%s%s%s", stage, curl_easy_strerror(rc),
			    detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
			    no_client_cert(c, rc) ? "; no client certificate was presented: if the "
			    "server requires one, set client_cert= and client_key=" : "");
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		err("sync: %s: the server answered HTTP %ld", stage, code);
		goto out;
	}
	tok = json_tokener_new();
	if (!tok)
		goto out;
	resp = json_tokener_parse_ex(tok, b.buf ? b.buf : "", (int)b.len);
	if (!resp || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != b.len) {
		/* a truncated answer ends here too: json-c waits for more and we have none */
		err("sync: %s: the answer is not one complete JSON object", stage);
		json_object_put(resp);
		resp = NULL;
		goto out;
	}
	if (!json_object_is_type(resp, json_type_object)) {
		err("sync: %s: the answer is not a JSON object", stage);
		json_object_put(resp);
		resp = NULL;
	}
out:
	if (tok)	/* json-c 0.16 does not take NULL here */
		json_tokener_free(tok);
	curl_slist_free_all(hdr);
	curl_free(mid);
	free(url);
	free(z);
	free(b.buf);
	return resp;
}

static CURL *curl_setup(const struct sync_conf *c)
{
	CURL *curl = curl_easy_init();

	if (!curl)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, c->timeout < 10 ? c->timeout : 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");	/* what libcurl can decode */
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "execban/" EXECBAN_VERSION);
	if (c->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	if (c->client_cert)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->client_cert);
	if (c->client_key)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->client_key);
	/* proxy= set: that proxy; unset: none, whatever the environment says */
	curl_easy_setopt(curl, CURLOPT_PROXY, c->proxy ? c->proxy : "");
	return curl;
}

/* ---- synced rules: the mapping (docs/sync.md) and the file that holds them ---- */

static const char *const kind_word[] = {
	[SRULE_BINARY] = "sha256",
	[SRULE_CERTIFICATE] = "signer-cert-sha256",
};

void srules_free(struct srules *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].reason);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int srules_add(struct srules *s, int type, const char *id, bool remove, bool allow,
		      const char *reason)
{
	struct srule *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		r = realloc(s->v, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->v = r;
		s->cap = cap;
	}
	r = &s->v[s->n];
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->remove = remove;
	r->allow = allow;
	r->seq = s->n;
	memcpy(r->id, id, 64);
	r->id[64] = 0;
	if (reason && *reason) {
		r->reason = strdup(reason);
		if (!r->reason)
			return -ENOMEM;
	}
	s->n++;
	return 0;
}

static bool hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[64];
}

/*
 * The reason a rule carries: custom_msg, then custom_url, as the policy language takes it
 * (at most 127 bytes, no control characters; cut on a UTF-8 character boundary).
 */
static void make_reason(char *out, size_t out_len, const char *msg, const char *url)
{
	size_t n = 0;
	const char *parts[2] = { msg, url };
	int p;

	for (p = 0; p < 2; p++) {
		const char *s = parts[p];

		if (!s || !*s)
			continue;
		if (n && n < out_len - 1)
			out[n++] = ' ';
		for (; *s && n < out_len - 1; s++)
			out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	}
	/* a cut UTF-8 sequence: drop its lead and continuation bytes */
	if (n == out_len - 1) {
		size_t k = n;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0xc0)
			n = k - 1;
	}
	out[n] = 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * One page of a ruledownload answer into s (in order: a later rule for the same target wins).
 * No "rules", or null, is a page of none (protobuf's JSON leaves an empty list out; Moroz
 * sends null). A "rules" that is not a list, or a rule without identifier, policy or
 * rule_type, is an error: the sync fails and nothing is applied. Types and policies execban
 * has no meaning for are counted in st->ignored.
 */
int sync_parse_rules(struct json_object *page, struct srules *s, struct sync_stats *st,
		     char *why, size_t why_len)
{
	struct json_object *rules, *r;
	size_t i, n;
	char reason[128];

	/* No "rules", or null (Moroz's answer for none, a protobuf empty list): no rules. */
	if (!json_object_object_get_ex(page, "rules", &rules) || !rules)
		return 0;
	if (!json_object_is_type(rules, json_type_array)) {
		snprintf(why, why_len, "\"rules\" is not a list");
		return -EINVAL;
	}
	n = json_object_array_length(rules);
	for (i = 0; i < n; i++) {
		const char *id, *pol, *type;
		int t;
		bool remove, allow;

		r = json_object_array_get_idx(rules, i);
		st->received++;
		if (!json_object_is_type(r, json_type_object)) {
			snprintf(why, why_len, "rule %zu is not an object", i);
			return -EINVAL;
		}
		id = jstr(r, "identifier");
		pol = jstr(r, "policy");
		type = jstr(r, "rule_type");
		if (!id || !pol || !type) {
			snprintf(why, why_len, "rule %zu: identifier, policy and rule_type are "
				 "required strings", i);
			return -EINVAL;
		}
		if (!strcmp(type, "BINARY")) {
			t = SRULE_BINARY;
		} else if (!strcmp(type, "CERTIFICATE")) {
			t = SRULE_CERTIFICATE;
		} else if (!strcmp(type, "TEAMID") || !strcmp(type, "SIGNINGID") ||
			   !strcmp(type, "CDHASH")) {
			st->ignored++;	/* Apple code-signing identities: no meaning on Linux */
			continue;
		} else {
			snprintf(why, why_len, "rule %zu: unknown rule_type \"%.40s\"", i, type);
			return -EINVAL;
		}
		allow = false;
		if (!strcmp(pol, "BLOCKLIST") || !strcmp(pol, "SILENT_BLOCKLIST") ||
		    !strcmp(pol, "BLACKLIST") || !strcmp(pol, "SILENT_BLACKLIST")) {
			remove = false;
		} else if (!strcmp(pol, "REMOVE")) {
			remove = true;
		} else if (!strcmp(pol, "ALLOWLIST") || !strcmp(pol, "ALLOWLIST_COMPILER") ||
			   !strcmp(pol, "WHITELIST") || !strcmp(pol, "WHITELIST_COMPILER")) {
			/* an exception; execban has no transitive (compiler) rules: a plain one */
			remove = false;
			allow = true;
		} else {
			snprintf(why, why_len, "rule %zu: unknown policy \"%.40s\"", i, pol);
			return -EINVAL;
		}
		if (!hex64(id)) {
			snprintf(why, why_len, "rule %zu: %s identifier \"%.70s\": expected 64 hex "
				 "digits (SHA-256)", i, type, id);
			return -EINVAL;
		}
		make_reason(reason, sizeof(reason), jstr(r, "custom_msg"), jstr(r, "custom_url"));
		if (srules_add(s, t, id, remove, allow, reason))
			return -ENOMEM;
		st->processed++;
	}
	return 0;
}

static int cmp_srule(const void *a, const void *b)
{
	const struct srule *x = a, *y = b;
	int d = x->type - y->type;

	if (!d)
		d = strcasecmp(x->id, y->id);
	if (!d)
		d = x->seq < y->seq ? -1 : x->seq > y->seq;
	return d;
}

/* Keep the last word on each target; drop removed ones. */
void srules_resolve(struct srules *s)
{
	size_t i, j = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmp_srule);
	for (i = 0; i < s->n; i++) {
		if (i + 1 < s->n && s->v[i + 1].type == s->v[i].type &&
		    !strcasecmp(s->v[i + 1].id, s->v[i].id)) {
			free(s->v[i].reason);
			continue;
		}
		if (s->v[i].remove) {
			free(s->v[i].reason);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	for (i = 0; i < s->n; i++)
		s->v[i].seq = i;
}

/* The policy text of the rules. */
int srules_write(FILE *f, const struct srules *s, const char *server)
{
	size_t i;
	const char *p;

	/* the load path knows synced rules by this line (origins.h) */
	fprintf(f, SYNC_POLICY_HEAD "%s" SYNC_POLICY_TAIL "\n", server);
	for (i = 0; i < s->n; i++) {
		fprintf(f, "%s %s=%s label=" SYNC_LABEL, s->v[i].allow ? "allow" : "deny",
			kind_word[s->v[i].type], s->v[i].id);
		if (s->v[i].reason) {
			fputs(" reason=\"", f);
			for (p = s->v[i].reason; *p; p++) {
				if (*p == '"' || *p == '\\')
					fputc('\\', f);
				fputc(*p, f);
			}
			fputc('"', f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

/* Read back a file srules_write() wrote (the rules a normal sync adds to). */
int srules_read(const char *path, struct srules *s)
{
	char *line = NULL, *p, *q, *r, *rest;
	size_t cap = 0;
	int ret = 0, t, lineno = 0;
	bool allow;
	FILE *f = fopen(path, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!*line || *line == '#')
			continue;
		allow = !strncmp(line, "allow ", 6);
		if (!allow && strncmp(line, "deny ", 5)) {
			ret = -EINVAL;
			break;
		}
		p = line + (allow ? 6 : 5);
		for (t = 0; t < SRULE_TYPES; t++) {
			size_t n = strlen(kind_word[t]);

			if (!strncmp(p, kind_word[t], n) && p[n] == '=') {
				p += n + 1;
				break;
			}
		}
		if (t == SRULE_TYPES || strlen(p) < 64 || (p[64] && p[64] != ' ')) {
			ret = -EINVAL;
			break;
		}
		rest = p[64] ? p + 65 : p + 64;
		p[64] = 0;
		q = strstr(rest, "reason=\"");
		r = NULL;
		if (q) {
			char *w;

			r = w = q + 8;
			for (q = r; *q && *q != '"'; q++) {
				if (*q == '\\' && q[1])
					q++;
				*w++ = *q;
			}
			*w = 0;
		}
		if (!hex64(p)) {
			ret = -EINVAL;
			break;
		}
		ret = srules_add(s, t, p, false, allow, r);
		if (ret)
			break;
	}
	if (ret == -EINVAL)
		err("%s:%d: not a line 'execban sync' writes; remove the file for a clean sync",
		    path, lineno);
	free(line);
	fclose(f);
	return ret;
}

size_t srules_drop_banned(struct srules *s, const struct policy *local, struct sync_stats *st)
{
	static const unsigned int kind[] = {
		[SRULE_BINARY] = EXECBAN_IDENT_SHA256,
		[SRULE_CERTIFICATE] = EXECBAN_IDENT_SIGNER_CERT_SHA256,
	};
	size_t i, j, out = 0, dropped = 0;

	for (i = 0; i < s->n; i++) {
		struct srule *sr = &s->v[i];
		const struct policy_rule *hit = NULL;
		uint8_t id[EXECBAN_SHA256_LEN];

		/*
		 * One identity cannot be both allowed and banned (policy_finish()): where the
		 * server and the local policy disagree, the local rule stays.
		 */
		if (!policy_parse_hex(sr->id, 64, id, sizeof(id)))
			for (j = 0; j < local->n_rules && !hit; j++) {
				const struct policy_rule *lr = &local->rules[j];

				if ((lr->action == EXECBAN_RULE_ALLOW) != sr->allow &&
				    lr->ident_kind == kind[sr->type] &&
				    lr->ident_len == sizeof(id) && !memcmp(lr->ident, id, sizeof(id)))
					hit = lr;
			}
		if (hit && sr->allow) {
			warn("sync: the server's allow of %s=%s is not applied: the local policy %s "
			     "it at %s:%u, and a local ban wins (counted as ignored)",
			     kind_word[sr->type], sr->id,
			     hit->action == EXECBAN_RULE_DENY ? "denies" : "audits",
			     hit->file ? hit->file : "?", hit->line);
		} else if (hit) {
			warn("sync: the server's ban of %s=%s is not applied: the local policy allows "
			     "it at %s:%u, and a local exception wins (counted as ignored)",
			     kind_word[sr->type], sr->id, hit->file ? hit->file : "?", hit->line);
		}
		if (hit) {
			free(sr->reason);
			st->ignored++;
			if (st->processed)
				st->processed--;
			dropped++;
			continue;
		}
		s->v[out++] = *sr;
	}
	s->n = out;
	for (i = 0; i < s->n; i++)
		s->v[i].seq = i;
	return dropped;
}

/*
 * srules_drop_banned against the local policy file: compiled the way "execban load" compiles
 * it (signer= certificates read). A local policy with errors drops nothing here: the load
 * that follows refuses it and says why.
 */
static void drop_locally_banned(struct srules *s, const char *policy, struct sync_stats *st)
{
	struct compiled cc;
	char *files[1] = { (char *)policy };
	FILE *quiet = fopen("/dev/null", "we");

	if (!compile_empty_ok(&cc, files, 1, SIZE_MAX, quiet))
		srules_drop_banned(s, &cc.pol, st);
	compiled_free(&cc);
	if (quiet)
		fclose(quiet);
}

/*
 * A synced ban of a file the system needs to boot and to be repaired (sysguard.c) would have
 * the load refuse the whole list, at this sync and every one after it: such a ban is not
 * applied (only a local policy, loaded with --force, can ban such a file). The load that
 * follows checks again, with every rule.
 */
struct guard_key {
	uint8_t kind;			/* sysguard_query.kinds, strided */
	uint8_t action;			/* and .actions */
	size_t rule;			/* its index in the srules */
	struct sha256_key key;
};

struct guard_scan {
	const struct guard_key *gk;
	size_t n;
	char **hit;			/* per key: the first protected file it bans, or NULL */
	bool nomem;
};

static int cmp_guard_key(const void *a, const void *b)
{
	return memcmp(((const struct guard_key *)a)->key.b, ((const struct guard_key *)b)->key.b,
		      EXECBAN_SHA256_LEN);
}

static void on_guard_hit(void *arg, const struct sysguard_hit *h)
{
	struct guard_scan *g = arg;

	if (h->idx >= g->n || g->hit[h->idx])
		return;		/* SIZE_MAX: a signature unreadable, no rule of ours to drop */
	if (asprintf(&g->hit[h->idx], "%s, %s", h->path, h->why) < 0) {
		g->hit[h->idx] = NULL;
		g->nomem = true;
	}
}

static int cmp_srule_target(const void *a, const void *b)
{
	const struct srule *x = a, *y = b;

	return x->type != y->type ? x->type - y->type : strcasecmp(x->id, y->id);
}

/*
 * Only bans not in force already are looked at (those passed the load that put them in
 * force): a sync that brings nothing new costs no look at the system's files.
 */
static void drop_protected(struct srules *s, struct sync_stats *st)
{
	struct guard_key *gk = calloc(s->n + 1, sizeof(*gk));
	struct sha256_key *keys = calloc(s->n + 1, sizeof(*keys));
	struct sysguard_query q = { .keys = keys, .kinds_stride = sizeof(*gk) };
	struct guard_scan g = { .gk = gk };
	struct srules cur = { 0 };
	uint8_t id[EXECBAN_SHA256_LEN];
	size_t i, out;

	if (!gk || !keys)
		goto out;
	if (srules_read(SYNC_POLICY, &cur))
		cur.n = 0;	/* unreadable: every ban is looked at */
	qsort(cur.v, cur.n, sizeof(*cur.v), cmp_srule_target);
	for (i = 0; i < s->n; i++) {
		const struct srule *sr = &s->v[i], *was;
		unsigned int kind = sr->type == SRULE_BINARY ? EXECBAN_IDENT_SHA256 :
				    EXECBAN_IDENT_SIGNER_CERT_SHA256;

		if (sr->remove || sr->allow || policy_parse_hex(sr->id, 64, id, sizeof(id)))
			continue;
		was = cur.n ? bsearch(sr, cur.v, cur.n, sizeof(*cur.v), cmp_srule_target) : NULL;
		if (was && !was->allow)
			continue;
		gk[g.n] = (struct guard_key){ .kind = (uint8_t)kind, .action = EXECBAN_RULE_DENY,
					      .rule = i };
		ident_key(kind, id, sizeof(id), &gk[g.n].key);
		q.digests |= kind == EXECBAN_IDENT_SHA256;
		q.signers |= kind != EXECBAN_IDENT_SHA256;
		g.n++;
	}
	if (!g.n)
		goto out;
	qsort(gk, g.n, sizeof(*gk), cmp_guard_key);
	for (i = 0; i < g.n; i++)
		keys[i] = gk[i].key;
	q.kinds = &gk[0].kind;
	q.actions = &gk[0].action;
	q.n_keys = g.n;
	g.hit = calloc(g.n, sizeof(*g.hit));
	/* Cannot tell (reported on stderr): the load decides, as before. */
	if (!g.hit || sysguard_run(&q, on_guard_hit, &g) < 0 || g.nomem)
		goto out;
	for (i = 0; i < g.n; i++) {
		struct srule *sr = &s->v[gk[i].rule];

		if (!g.hit[i])
			continue;
		warn("sync: the server's ban of %s=%s is not applied: it bans %s, which the system "
		     "needs to boot and to be repaired (counted as ignored)",
		     kind_word[sr->type], sr->id, g.hit[i]);
		sr->remove = true;	/* dropped below */
		st->ignored++;
		if (st->processed)
			st->processed--;
	}
	for (i = 0, out = 0; i < s->n; i++) {
		if (s->v[i].remove) {
			free(s->v[i].reason);
			continue;
		}
		s->v[out] = s->v[i];
		s->v[out].seq = out;
		out++;
	}
	s->n = out;
out:
	for (i = 0; g.hit && i < g.n; i++)
		free(g.hit[i]);
	free(g.hit);
	free(gk);
	free(keys);
	srules_free(&cur);
}

/* ---- the machine, as preflight reports it ---- */

static char *read_first_line(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	if (getline(&line, &cap, f) <= 0) {
		free(line);
		line = NULL;
	} else {
		line[strcspn(line, "\n")] = 0;
	}
	fclose(f);
	return line;
}

static char *os_release(const char *key)
{
	char *line = NULL, *v = NULL;
	size_t cap = 0, n = strlen(key);
	FILE *f = fopen("/etc/os-release", "re");

	if (!f)
		return strdup("");
	while (!v && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, key, n) || line[n] != '=')
			continue;
		v = line + n + 1;
		if (*v == '"') {
			v++;
			v[strcspn(v, "\"")] = 0;
		}
		v = strdup(v);
	}
	free(line);
	fclose(f);
	return v ? v : strdup("");
}

static void count_rules(const struct srules *s, unsigned int *n)
{
	size_t i;

	n[SRULE_BINARY] = n[SRULE_CERTIFICATE] = 0;
	for (i = 0; i < s->n; i++)
		n[s->v[i].type]++;
}

static struct json_object *preflight_request(const char *machine_id, const struct sync_conf *c,
					     const struct srules *have, bool clean)
{
	struct json_object *o = json_object_new_object();
	struct utsname u;
	char host[HOST_NAME_MAX + 1] = "", os[64], serial[128];
	char *dmi = read_first_line("/sys/class/dmi/id/product_serial");
	char *model = read_first_line("/sys/class/dmi/id/product_name");
	char *ver = os_release("VERSION_ID");
	unsigned int n[SRULE_TYPES];

	gethostname(host, sizeof(host) - 1);
	if (uname(&u))
		strcpy(u.release, "");
	/* what Zentral parses (docs/sync.md, preflight): never empty, dotted numbers */
	sync_serial_num(dmi, machine_id, serial, sizeof(serial));
	sync_os_version(ver, u.release, os, sizeof(os));
	count_rules(have, n);
	json_object_object_add(o, "serial_num", json_object_new_string(serial));
	json_object_object_add(o, "hostname", json_object_new_string(host));
	json_object_object_add(o, "os_version", json_object_new_string(os));
	json_object_object_add(o, "os_build", json_object_new_string(u.release));
	json_object_object_add(o, "model_identifier", json_object_new_string(model ? model : ""));
	json_object_object_add(o, "santa_version", json_object_new_string("execban "
									 EXECBAN_VERSION));
	json_object_object_add(o, "primary_user",
			       json_object_new_string(c->primary_user ? c->primary_user : ""));
	/* execban bans what the rules name and lets the rest run: Santa's MONITOR */
	json_object_object_add(o, "client_mode", json_object_new_string("MONITOR"));
	json_object_object_add(o, "request_clean_sync", json_object_new_boolean(clean));
	json_object_object_add(o, "binary_rule_count", json_object_new_int(n[SRULE_BINARY]));
	json_object_object_add(o, "certificate_rule_count",
			       json_object_new_int(n[SRULE_CERTIFICATE]));
	json_object_object_add(o, "machine_id", json_object_new_string(machine_id));
	free(dmi);
	free(model);
	free(ver);
	return o;
}

/* ---- apply ---- */

static int write_tmp(const char *tmp, const struct srules *s, const char *server)
{
	int fd, ret;
	FILE *f;

	if (mkdir(SYNC_DIR, 0755) && errno != EEXIST) {
		err_path(SYNC_DIR, "%s", strerror(errno));
		return -errno;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err_path(tmp, "%s", strerror(errno));
		return -errno;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ret = srules_write(f, s, server);
	if (!ret && (fflush(f) || fsync(fd)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		err_path(tmp, "cannot write: %s", strerror(-ret));
	return ret;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

/* Do files a and b hold the same bytes? false on any error. */
static bool same_bytes(const char *a, const char *b)
{
	char x[65536], y[sizeof(x)];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	struct stat sa, sb;
	bool same = false;
	ssize_t n, m;

	if (fa < 0 || fb < 0 || fstat(fa, &sa) || fstat(fb, &sb) || sa.st_size != sb.st_size)
		goto out;
	for (;;) {
		n = read(fa, x, sizeof(x));
		m = n > 0 ? read(fb, y, (size_t)n) : n;
		if (n < 0 || m != n || memcmp(x, y, (size_t)n))
			break;
		if (!n) {
			same = true;
			break;
		}
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/*
 * The local policy and the synced rules, compiled and switched to in one step by the load
 * path itself; SYNC_POLICY is replaced only once the kernel enforces what it says. When the
 * synced rules are those SYNC_POLICY holds already, that file is loaded as it is: loading
 * files unchanged since the policy in force was loaded from them compiles and writes nothing
 * (loadcache.h), which is what most syncs of a feed are.
 */
static int apply(const struct srules *s, const struct sync_conf *c, bool json)
{
	const char *tmp = SYNC_POLICY ".tmp";
	struct execban_lock lk;
	char *argv[5];
	bool same;
	int ret;

	if (!lock_read(&lk) && lk.locked) {
		/* docs/sync.md "Lock mode": a sync never changes a locked policy */
		err("sync: enforcement is locked: synced rules are not applied (a locked policy "
		    "changes only with a signature by the lock key); the rules in force are "
		    "unchanged");
		return -EPERM;
	}
	ret = write_tmp(tmp, s, c->server);
	if (ret)
		return ret;
	same = same_bytes(tmp, SYNC_POLICY);
	if (same)
		unlink(tmp);
	argv[0] = "execban load";
	argv[1] = c->policy;
	argv[2] = (char *)(same ? SYNC_POLICY : tmp);
	argv[3] = NULL;
	optind = 0;	/* cmd_load parses its own argv: a fresh getopt_long */
	/* with --json, stdout is the sync's object: the load prints nothing there */
	ret = json ? load_quiet(argv + 1, 2) : cmd_load(3, argv);
	optind = 0;
	if (ret != EXIT_OK) {
		if (!same)
			unlink(tmp);
		err("sync: the synced rules could not be loaded; the rules in force are "
		    "unchanged");
		return -EIO;
	}
	if (same)
		return 0;
	if (rename(tmp, SYNC_POLICY)) {
		ret = -errno;
		err_path(SYNC_POLICY, "loaded, but cannot be replaced: %s", strerror(errno));
		return ret;
	}
	fsync_dir(SYNC_DIR);
	return 0;
}

/* ---- eventupload: the queued denials ---- */

/*
 * Every event queued when the sync started, batch by batch: a batch leaves the queue only
 * once the server answered 200, and a SIGTERM lets the batch in flight finish (answer and
 * removal) before the sync stops. Events queued meanwhile wait for the next sync.
 */
static int upload_events(CURL *curl, const struct sync_conf *c, const char *machine_id,
			 size_t batch, long long *uploaded)
{
	struct syncq q;
	struct json_object *req, *events, *resp;
	uint64_t waiting, dropped, last, none = UINT64_MAX, sent = 0;
	size_t n;
	int ret;

	*uploaded = 0;
	ret = syncq_count(SYNCQ_DIR, &waiting, &dropped);
	if (ret == -ENOENT || (!ret && !waiting))
		return 0;	/* nothing queued: the protocol skips the stage */
	if (!ret)
		ret = syncq_open(&q, SYNCQ_DIR);
	if (ret) {
		err_path(SYNCQ_DIR, "the event queue: %s", strerror(-ret));
		return ret;
	}
	while (sent < waiting && !stop) {
		events = json_object_new_array();
		last = none;
		ret = syncq_peek(&q, batch, events, &last, &n);
		if (ret) {
			err_path(SYNCQ_DIR, "the event queue: %s", strerror(-ret));
			json_object_put(events);
			break;
		}
		if (last == none) {	/* the queue is empty now (dropped meanwhile) */
			json_object_put(events);
			break;
		}
		if (n) {
			req = json_object_new_object();
			json_object_object_add(req, "events", events);
			json_object_object_add(req, "machine_id", json_object_new_string(machine_id));
			resp = post(curl, c, "eventupload", machine_id, req);
			json_object_put(req);
			if (!resp) {
				ret = -EIO;
				break;
			}
			json_object_put(resp);
		} else {
			json_object_put(events);	/* unreadable lines only: they go too */
		}
		ret = syncq_commit(&q, last);
		if (ret) {
			/* the server has them: sent again next time (docs/sync.md, the guarantee) */
			err_path(SYNCQ_DIR, "uploaded, but cannot be removed from the queue: %s",
				 strerror(-ret));
			break;
		}
		sent += n ? n : 1;
		*uploaded += (long long)n;
	}
	syncq_close(&q);
	return ret;
}

/* ---- the verb ---- */

static void usage_sync(void)
{
	puts("usage: execban sync [--config FILE] [--server URL] [--machine-id ID] [--clean]\n"
	     "                    [--once] [--json]\n"
	     "\n"
	     "One sync with a Santa sync server (docs/sync.md): upload the queued denials, fetch\n"
	     "rules and enforce them together with the local policy, in one atomic policy\n"
	     "switch. A failed stage changes no rule. The daemon runs this on a schedule.\n"
	     "\n"
	     "  -c, --config FILE    the configuration (default " SYNC_CONF ")\n"
	     "  -s, --server URL     the sync server's base URL (https; http only to loopback)\n"
	     "  -m, --machine-id ID  this machine's id (default /etc/machine-id)\n"
	     "      --clean          ask the server for all rules, and replace every synced one\n"
	     "      --once           one sync, then exit (what every run does)\n"
	     "  -j, --json           one JSON object: ok, server, machine_id, sync_type, stages\n"
	     "                       (each ok, failed or not_run), failed_stage, error,\n"
	     "                       events_uploaded, rules_received, rules_applied,\n"
	     "                       rules_ignored, synced_rules, messages\n"
	     "\n"
	     "exit: 0 every stage succeeded, 1 a stage failed, 2 usage, 3 the system refused");
}

/* One sync at a time: a second waits (an upload must never run twice over one batch). */
static int take_sync_lock(void)
{
	int fd;

	if (mkdir(SYNC_DIR, 0755) && errno != EEXIST) {
		err_path(SYNC_DIR, "%s", strerror(errno));
		return -errno;
	}
	fd = open(SYNC_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_path(SYNC_LOCK, "%s", strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "execban: sync: another sync is running: waiting for it\n");
		while (flock(fd, LOCK_EX))
			if (errno != EINTR || stop) {
				err("sync: %s: %s", SYNC_LOCK, stop ? "interrupted" :
				    strerror(errno));
				close(fd);
				return -EINTR;
			}
	}
	return fd;
}

static long jlong(struct json_object *o, const char *key, long dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return (long)json_object_get_int64(v);
}

static const char *const stages[] = {
	"preflight", "eventupload", "ruledownload", "apply", "postflight",
};

/*
 * With --json, the sync's object on stdout: what each stage did (the stages before cur_stage
 * succeeded; cur_stage is the last one run), the counts, the first error and every message.
 * s: the synced rules in force, on success. Returns ret, or 3 when stdout failed.
 */
static int sync_json(bool json, int ret, const char *server, const char *machine_id,
		     const char *sync_type, long long uploaded, const struct sync_stats *st,
		     const struct srules *s)
{
	struct json_object *o, *a, *x;
	size_t i, reached = 0;
	bool found = false;

	if (!json)
		return ret;
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		if (!strcmp(cur_stage, stages[i])) {
			reached = i;
			found = true;
		}
	o = json_doc(JSON_SCHEMA_SYNC);
	json_add_bool(o, "ok", ret == EXIT_OK);
	json_add_str(o, "server", server);
	json_add_str(o, "machine_id", machine_id);
	json_add_str(o, "sync_type", sync_type);
	a = json_object_new_array();
	for (i = 0; a && i < sizeof(stages) / sizeof(stages[0]); i++) {
		x = json_object_new_object();
		json_add_str(x, "stage", stages[i]);
		json_add_str(x, "outcome", !found || i > reached ? "not_run" : i < reached ||
			     ret == EXIT_OK ? "ok" : "failed");
		json_object_array_add(a, x);
	}
	json_add(o, "stages", a);
	json_add_str(o, "failed_stage", ret == EXIT_OK ? NULL : cur_stage);
	json_add_str(o, "error", ret == EXIT_OK ? NULL : first_err[0] ? first_err : "failed");
	json_add_i64(o, "events_uploaded", uploaded);
	json_add_u64(o, "rules_received", st->received);
	json_add_u64(o, "rules_applied", st->processed);
	json_add_u64(o, "rules_ignored", st->ignored);
	json_add(o, "synced_rules", s ? json_object_new_uint64(s->n) : NULL);
	json_add(o, "messages", json_messages_end());
	return json_emit(stdout, o) ? EXIT_SYSTEM : ret;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 's' },
		{ "machine-id", required_argument, NULL, 'm' },
		{ "clean", no_argument, NULL, 'C' },
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct sync_conf c;
	struct sync_state state;
	struct srules s = { 0 };
	struct sync_stats st = { 0 };
	struct json_object *req = NULL, *resp = NULL, *v;
	const char *conf_path = SYNC_CONF, *server = NULL, *mid = NULL, *sync_type = "NORMAL";
	char *machine_id = NULL, why[256];
	bool clean = false, conf_given = false, record = false, preflight_ok = false, json = false;
	bool upload_failed = false;
	char upload_err[sizeof(first_err)] = "";
	uint64_t waiting = 0, dropped;
	struct sigaction sa = { .sa_handler = on_stop };
	CURL *curl = NULL;
	int opt, ret = EXIT_FAIL, pages, lock = -1;
	long batch = BATCH_DEFAULT, interval = 0;
	long long uploaded = 0;

	sync_conf_init(&c);
	while ((opt = getopt_long(argc, argv, "c:s:m:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			conf_path = optarg;
			conf_given = true;
			break;
		case 's':
			server = optarg;
			break;
		case 'm':
			mid = optarg;
			break;
		case 'C':
			clean = true;
			break;
		case 'o':
			break;
		case 'h':
			usage_sync();
			return EXIT_OK;
		default:
			return usage_hint("sync");
		}
	}
	if (optind != argc)
		return usage_error("sync", "unexpected argument '%s'", argv[optind]);
	if (json)
		json_messages_begin();
	err_hook = keep_error;	/* the first error: sync.state's, and --json's "error" */
	if (sync_conf_read(&c, conf_path, conf_given)) {
		sync_conf_free(&c);
		return sync_json(json, EXIT_FAIL, NULL, NULL, NULL, 0, &st, NULL);
	}
	if (server) {
		free(c.server);
		c.server = strdup(server);
	}
	if (mid) {
		free(c.machine_id);
		c.machine_id = strdup(mid);
	}
	if (!c.policy)
		c.policy = strdup(LOCAL_POLICY);
	if (!c.server || !*c.server) {
		sync_conf_free(&c);
		json_object_put(json_messages_end());
		return usage_error("sync", "no server: give --server or set server= in %s",
				   conf_path);
	}
	if (sync_url_ok(c.server, why, sizeof(why))) {
		err("sync: %s: %s", c.server, why);
		ret = sync_json(json, EXIT_FAIL, c.server, c.machine_id, NULL, 0, &st, NULL);
		sync_conf_free(&c);
		return ret;
	}
	machine_id = c.machine_id ? strdup(c.machine_id) : read_first_line("/etc/machine-id");
	if (!machine_id || !*machine_id) {
		err("sync: no machine id: /etc/machine-id is missing or empty; give --machine-id");
		goto out;
	}
	if (access(c.policy, R_OK)) {
		err_path(c.policy, "the local policy: %s (set policy= in %s)", strerror(errno),
			 conf_path);
		goto out;
	}
	/* SIGTERM, SIGINT: finish the request in flight and its bookkeeping, then stop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lock = take_sync_lock();
	if (lock < 0)
		goto out;
	/* from here on, the outcome goes to SYNC_STATE */
	record = true;
	if (srules_read(SYNC_POLICY, &s))
		goto out;
	if (access(SYNC_POLICY, F_OK))
		clean = true;	/* nothing synced yet: ask for everything */

	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_setup(&c);
	if (!curl) {
		err("sync: cannot set up libcurl");
		goto out;
	}

	/* 1. preflight */
	cur_stage = "preflight";
	req = preflight_request(machine_id, &c, &s, clean);
	resp = post(curl, &c, "preflight", machine_id, req);
	json_object_put(req);
	req = NULL;
	if (!resp)
		goto out;
	if (json_object_object_get_ex(resp, "sync_type", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);

		if (!strcasecmp(t, "CLEAN"))
			sync_type = "CLEAN";
		else if (!strcasecmp(t, "CLEAN_ALL"))
			sync_type = "CLEAN_ALL";
	} else if (json_object_object_get_ex(resp, "clean_sync", &v) &&
		   json_object_get_boolean(v)) {
		sync_type = "CLEAN";
	}
	/* batch_size: events per eventupload; full_sync_interval: the daemon's schedule */
	batch = jlong(resp, "batch_size", 0);
	if (batch <= 0)
		batch = BATCH_DEFAULT;
	if (batch > BATCH_MAX)
		batch = BATCH_MAX;
	interval = jlong(resp, "full_sync_interval", 0);
	if (interval > 0 && interval < 60)
		interval = 60;	/* the protocol's floor */
	/*
	 * And a ceiling: a schedule a server got wrong (milliseconds, or a huge number) would
	 * not sync again for years, and the server could not correct it.
	 */
	if (interval > SYNC_INTERVAL_MAX) {
		warn("sync: the server's full_sync_interval of %ld s is taken as %d s (one day)",
		     interval, SYNC_INTERVAL_MAX);
		interval = SYNC_INTERVAL_MAX;
	}
	preflight_ok = true;
	json_object_put(resp);
	resp = NULL;
	/* execban keeps no rules Santa would call transitive: CLEAN and CLEAN_ALL are alike */
	if (strcmp(sync_type, "NORMAL"))
		srules_free(&s);

	/*
	 * 2. eventupload. A failure here does not hold back the rules: the events stay queued
	 * for the next sync, the rules are still downloaded and applied, and the sync is
	 * reported failed at this stage (docs/sync.md, One sync).
	 */
	cur_stage = "eventupload";
	if (stop)
		goto out;
	if (upload_events(curl, &c, machine_id, (size_t)batch, &uploaded)) {
		if (stop)
			goto out;
		upload_failed = true;
		snprintf(upload_err, sizeof(upload_err), "%s", first_err[0] ? first_err : "failed");
		first_err[0] = 0;	/* a later stage's failure is recorded as its own */
		if (syncq_count(SYNCQ_DIR, &waiting, &dropped))
			waiting = 0;
		fprintf(stderr, "execban: sync: eventupload failed: %llu event(s) stay queued for "
			"the next sync; downloading and applying the rules all the same\n",
			(unsigned long long)waiting);
	}
	if (stop)	/* the batch in flight finished; the rest waits for the next sync */
		goto out;

	/* 3. ruledownload, every page */
	cur_stage = "ruledownload";
	for (pages = 0; pages < MAX_PAGES && !stop; pages++) {
		struct json_object *cur;
		const char *cursor = NULL;

		req = json_object_new_object();
		json_object_object_add(req, "machine_id", json_object_new_string(machine_id));
		if (resp) {
			cursor = jstr(resp, "cursor");
			json_object_object_add(req, "cursor", json_object_new_string(cursor));
			json_object_put(resp);
		}
		resp = post(curl, &c, "ruledownload", machine_id, req);
		json_object_put(req);
		req = NULL;
		if (!resp)
			goto out;
		if (sync_parse_rules(resp, &s, &st, why, sizeof(why))) {
			err("sync: ruledownload page %d: %s", pages + 1, why);
			goto out;
		}
		/* A cursor of another type would end the paging early: a partial rule set. */
		if (json_object_object_get_ex(resp, "cursor", &cur) && cur &&
		    !json_object_is_type(cur, json_type_string)) {
			err("sync: ruledownload page %d: \"cursor\" is not a string", pages + 1);
			goto out;
		}
		cursor = jstr(resp, "cursor");
		if (!cursor || !*cursor)
			break;
	}
	if (stop)
		goto out;
	if (pages == MAX_PAGES) {
		err("sync: ruledownload: more than %d pages: a cursor that never ends", MAX_PAGES);
		goto out;
	}
	json_object_put(resp);
	resp = NULL;

	/* 4. apply */
	cur_stage = "apply";
	srules_resolve(&s);
	drop_locally_banned(&s, c.policy, &st);
	drop_protected(&s, &st);
	if (apply(&s, &c, json)) {
		ret = EXIT_FAIL;
		goto out;
	}

	/* 5. postflight */
	cur_stage = "postflight";
	req = json_object_new_object();
	json_object_object_add(req, "rules_received", json_object_new_int(st.received));
	json_object_object_add(req, "rules_processed", json_object_new_int(st.processed));
	json_object_object_add(req, "machine_id", json_object_new_string(machine_id));
	json_object_object_add(req, "sync_type", json_object_new_string(sync_type));
	resp = post(curl, &c, "postflight", machine_id, req);
	if (!resp)
		goto out;
	if (upload_failed) {
		/* partial: the rules are in force, the denials are not with the server */
		if (!json)
			printf("execban: sync from %s: PARTIAL: eventupload failed, %llu event(s) "
			       "stay queued (%lld uploaded); %s, %u rules received, %u applied, %u "
			       "ignored; %zu synced rules in force\n", c.server,
			       (unsigned long long)waiting, uploaded, sync_type, st.received,
			       st.processed, st.ignored, s.n);
		cur_stage = "eventupload";
		snprintf(first_err, sizeof(first_err), "%.180s (the rules were downloaded and "
			 "applied; the events stay queued)", upload_err);
		goto out;
	}
	if (!json)
		printf("execban: sync from %s: %lld events uploaded; %s, %u rules received, %u "
		       "applied, %u ignored; %zu synced rules in force\n", c.server, uploaded,
		       sync_type, st.received, st.processed, st.ignored, s.n);
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK && stop && !first_err[0])
		err("sync: %s: stopped by a signal", cur_stage);
	if (ret != EXIT_OK)
		fprintf(stderr, "execban: sync failed\n");
	err_hook = NULL;
	if (record) {
		sync_state_read(SYNC_STATE, &state);
		state.last_attempt = (long long)time(NULL);
		if (ret == EXIT_OK) {
			state.last_success = state.last_attempt;
			state.stage[0] = state.error[0] = 0;
		} else {
			snprintf(state.stage, sizeof(state.stage), "%s", cur_stage);
			snprintf(state.error, sizeof(state.error), "%s",
				 first_err[0] ? first_err : "failed");
		}
		if (preflight_ok) {	/* what this server says now, 0: nothing */
			state.interval = interval;
			state.batch_size = batch;
		}
		state.uploaded = uploaded;
		if (sync_state_write(SYNC_STATE, &state))
			warn("%s: cannot record this sync: %s", SYNC_STATE, strerror(errno));
	}
	ret = sync_json(json, ret, c.server, machine_id, preflight_ok ? sync_type : NULL, uploaded,
			&st, ret == EXIT_OK ? &s : NULL);
	if (lock >= 0)
		close(lock);
	json_object_put(req);
	json_object_put(resp);
	if (curl)
		curl_easy_cleanup(curl);
	srules_free(&s);
	free(machine_id);
	sync_conf_free(&c);
	return ret;
}
