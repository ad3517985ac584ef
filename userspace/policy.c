// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - parse the ban policy language (docs/execban.policy.5.md).
 *
 * One rule or directive per line; '#' starts a comment outside quotes:
 *
 *   name "gc-ban-2023"
 *   version 7
 *   mode enforce|audit
 *   deny  sha256=<64 hex> [size=<bytes>] [label=<word>] [reason="<text>"]
 *   audit sha256=<64 hex> ...
 *   allow <any identity above>      (an exception: the more specific identity wins)
 *   deny  signer-skid=<hex> | signer-issuer-serial=<64 hex>/<hex> | signer-cert-sha256=<64 hex>
 *         | ima-keyid=<8 hex> | signer=<certificate file>   [label=...] [reason=...]
 *   include <path or glob>          (relative to the including file; matches in sorted order)
 *   interpreter <absolute path>     (its opens of banned files are refused: scripts as data)
 *   quarantine <absolute dir>       (renaming a banned file into it is allowed, and audited)
 *
 * Errors never stop at the first one: every bad line is reported as file:line, then the whole
 * policy is refused. Nothing here touches the kernel.
 *
 * Every rule here is one map entry: signer=<file> becomes one rule per identity the
 * certificate is known by (read through p->load_cert), so duplicates and the rule limit are
 * judged on what the kernel will hold.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

#define POLICY_MAX_FILE_SIZE	(256U << 20)

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = EXECBAN_MODE_ENFORCE;
	p->max_rules = EXECBAN_DEFAULT_MAX_RULES;
}

void policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_arena; i++)
		free(p->reason_arena[i]);
	free(p->reason_arena);
	free(p->reason_lens);
	for (i = 0; i < p->n_files; i++)
		free(p->files[i]);
	for (i = 0; i < p->n_interps; i++)
		free(p->interps[i].path);
	for (i = 0; i < p->n_quarantines; i++)
		free(p->quarantines[i].path);
	free(p->quarantines);
	for (i = 0; i < p->n_signer_paths; i++)
		free(p->signer_paths[i]);
	free(p->signer_paths);
	free(p->interps);
	free(p->reasons);
	free(p->reason_index);
	free(p->files);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

static void vdiag(struct policy *p, const char *file, unsigned int line, bool error,
		  const char *fmt, va_list ap)
{
	FILE *out = p->diag ? p->diag : stderr;
	char msg[512];
	size_t i;

	if (error) {
		if (++p->n_errors > POLICY_MAX_ERRORS)
			return;
	} else {
		p->n_warnings++;
	}
	if (line)
		fprintf(out, "%s:%u: %s: ", file, line, error ? "error" : "warning");
	else
		fprintf(out, "%s: %s: ", file, error ? "error" : "warning");
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Quoted input may be binary: keep the terminal readable. */
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] == 0x7f)
			msg[i] = '?';
	fprintf(out, "%s\n", msg);
	if (p->diag_fn)
		p->diag_fn(p->diag_arg, file, line, error, msg);
}

__attribute__((format(printf, 5, 6)))
static void diag(struct policy *p, const char *file, unsigned int line, bool error,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(p, file, line, error, fmt, ap);
	va_end(ap);
}

void policy_diag(struct policy *p, const char *file, unsigned int line, bool error,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(p, file, line, error, fmt, ap);
	va_end(ap);
}

/* Digit value + 1, 0 for anything else: a million-rule policy is 64 million digits. */
static const uint8_t hex_digit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/*
 * A million-rule policy is several arrays of 100 MB and more, each written once or twice:
 * with 4 KiB pages, their page faults and TLB misses took three times as long as the parsing
 * (execban check of 1,000,000 rules on the bench host: 2.0 s; 0.5 s with huge pages). Debian's
 * kernels give transparent huge pages to every large mapping ("always"); where an admin has
 * set "madvise" (as on the bench host) they come only on request, so ask; with "never" this
 * is a no-op. The hint covers the allocation's pages: for malloc's large blocks that is
 * exactly their own mapping (left whole, so realloc can still mremap it); a hint on
 * neighbouring heap pages is harmless.
 */
#define POLICY_HUGE_MIN	(4u << 20)

void policy_huge(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len + page - 1) & ~(page - 1);

	if (!p || len < POLICY_HUGE_MIN || end <= start)
		return;
	(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *policy_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p)
		policy_huge(p, n * size);
	return p;
}

void *policy_malloc(size_t n, size_t size)
{
	size_t len = n * size;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(len ? len : 1);
	policy_huge(p, len);
	return p;
}

static int hexval(char c)
{
	return hex_digit[(unsigned char)c] - 1;
}

/*
 * Two digits at a time: hex_pair[a | b << 8] is the byte "ab" writes, or HEX_PAIR_BAD. 128 KiB
 * built on first use, then each byte of a digest costs one table read (the per-digit version
 * cost 23 instructions a byte: 0.75 s of a million-rule load in the test VM).
 */
#define HEX_PAIR_BAD	0x100

static uint16_t hex_pair[1 << 16];
static bool hex_pair_ready;

static void hex_pair_init(void)
{
	unsigned int a, b;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			hex_pair[a | b << 8] = hex_digit[a] && hex_digit[b] ?
				(uint16_t)((hex_digit[a] - 1) << 4 | (hex_digit[b] - 1)) : HEX_PAIR_BAD;
	hex_pair_ready = true;
}

/* n bytes from 2n digits without ':'; false (out spoiled) if any is not a digit. */
static bool hex_plain(const char *s, size_t n, uint8_t *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int bad = 0, v;
	size_t i;

	if (!hex_pair_ready)
		hex_pair_init();
	i = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 4 <= n; i += 4) {	/* 8 digits a load: the low 16 bits are the first two */
		uint64_t x;
		unsigned int v0, v1, v2, v3;

		memcpy(&x, u + 2 * i, sizeof(x));
		v0 = hex_pair[x & 0xffff];
		v1 = hex_pair[x >> 16 & 0xffff];
		v2 = hex_pair[x >> 32 & 0xffff];
		v3 = hex_pair[x >> 48];
		bad |= v0 | v1 | v2 | v3;
		/* one store; a bad pair's bit 8 spoils its neighbour, and the result is refused */
		v0 |= v1 << 8 | v2 << 16 | v3 << 24;
		memcpy(out + i, &v0, sizeof(v0));
	}
#endif
	for (; i < n; i++) {
		v = hex_pair[u[2 * i] | u[2 * i + 1] << 8];
		bad |= v;
		out[i] = (uint8_t)v;
	}
	return !(bad & HEX_PAIR_BAD);
}

int policy_parse_hex_var(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t i = 0, n = 0;
	int hi, lo;

	if (!len)
		return -ERANGE;
	/* The usual form: exactly max bytes, no ':' (else the general loop below decides). */
	if (len == 2 * max && hex_plain(s, max, out))
		return (int)max;
	while (i < len) {
		if (n == max)
			return -E2BIG;
		if (n && s[i] == ':') {
			i++;
			if (i == len)
				return -EINVAL;
		}
		if (i + 2 > len)
			return -EINVAL;
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return (int)n;
}

int policy_parse_hex(const char *s, size_t len, uint8_t *out, size_t out_len)
{
	int n = policy_parse_hex_var(s, len, out, out_len);

	if (n < 0)
		return n;
	return (size_t)n == out_len ? 0 : -ERANGE;
}

#define IDENT_FORM(key, kind)	{ key, sizeof(key) - 1, kind }

static const struct ident_form {
	const char *key;
	size_t len;
	uint16_t kind;
} ident_forms[] = {
	IDENT_FORM("sha256", EXECBAN_IDENT_SHA256),
	IDENT_FORM("signer-skid", EXECBAN_IDENT_SIGNER_SKID),
	IDENT_FORM("signer-issuer-serial", EXECBAN_IDENT_SIGNER_ISSUER_SERIAL),
	IDENT_FORM("signer-cert-sha256", EXECBAN_IDENT_SIGNER_CERT_SHA256),
	IDENT_FORM("ima-keyid", EXECBAN_IDENT_IMA_KEYID),
};

const char *policy_ident_name(unsigned int kind)
{
	size_t i;

	for (i = 0; i < sizeof(ident_forms) / sizeof(ident_forms[0]); i++)
		if (ident_forms[i].kind == kind)
			return ident_forms[i].key;
	return "";
}

const char *policy_action_name(unsigned int action)
{
	switch (action) {
	case EXECBAN_RULE_DENY:		return "deny";
	case EXECBAN_RULE_AUDIT:	return "audit";
	case EXECBAN_RULE_ALLOW:	return "allow";
	default:			return "";
	}
}

size_t policy_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
	return 2 * n;
}

int policy_format_ident(const struct policy_rule *r, char *buf, size_t size)
{
	char hex[2 * POLICY_IDENT_MAX + 2];
	size_t n = r->ident_len > POLICY_IDENT_MAX ? POLICY_IDENT_MAX : r->ident_len;
	int len;

	if (r->ident_kind == EXECBAN_IDENT_SIGNER_ISSUER_SERIAL && n > EXECBAN_SHA256_LEN) {
		/* <issuer sha256>/<serial>: the form lib/sigparse.h documents */
		policy_hex(r->ident, EXECBAN_SHA256_LEN, hex);
		hex[2 * EXECBAN_SHA256_LEN] = '/';
		policy_hex(r->ident + EXECBAN_SHA256_LEN, n - EXECBAN_SHA256_LEN,
			hex + 2 * EXECBAN_SHA256_LEN + 1);
	} else {
		policy_hex(r->ident, n, hex);
	}
	len = snprintf(buf, size, "%s=%s", policy_ident_name(r->ident_kind), hex);
	return len < 0 || (size_t)len >= size ? -ENOSPC : len;
}

/* A token of a line: a bare word, or key="quoted text" with \" and \\ escapes. */
struct tok {
	const char *key;	/* up to '=' (or the whole bare word) */
	size_t key_len;
	const char *val;	/* after '=', unquoted form in buf when quoted */
	size_t val_len;
	bool has_val;
	bool quoted;
	char buf[POLICY_MAX_LINE];
};

struct line_ctx {
	struct policy *p;
	const char *file;
	const char *interned;	/* file as intern_file() last gave it, or NULL */
	unsigned int line;
	const char *s, *end;
	bool nul_free;		/* the buffer parse_lines() was given holds no NUL byte */
};

/*
 * Past the bytes of s (before end) that can only continue an unquoted value, 8 at a time: a
 * word of 8 bytes none of which is below '0' holds no space, tab, '#' or '"' (all below it).
 * Digests, sizes and labels are such bytes: most of a million-rule policy. The caller's byte
 * loop does the rest, and the bytes below '0' a value may hold ('.', '-', '+', '/').
 */
static const char *skip_plain(const char *s, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x;

	while (end - s >= 8) {
		memcpy(&x, s, sizeof(x));
		if ((x - '0' * ones) & ~x & highs)	/* a byte below '0' */
			break;
		s += 8;
	}
	return s;
}

/* The bytes that end a key: space, tab, '=', '#' and '"' (which is an error there). */
static const bool key_end[256] = {
	[' '] = true, ['\t'] = true, ['='] = true, ['#'] = true, ['"'] = true,
};

/* Returns 1 with a token, 0 at end of line (or comment), -1 on error (reported). */
static int next_tok(struct line_ctx *c, struct tok *t)
{
	const char *s = c->s;
	size_t n = 0;

	while (s < c->end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == c->end || *s == '#') {
		c->s = c->end;
		return 0;
	}
	t->val = NULL;
	t->val_len = 0;
	t->has_val = false;
	t->quoted = false;
	t->key = s;
	if (*s == '"') {
		/* A bare quoted word: a directive's argument. */
		t->key_len = 0;
		t->has_val = true;
	} else {
		while (s < c->end && !key_end[(unsigned char)*s])
			s++;
		t->key_len = (size_t)(s - t->key);
		if (s < c->end && *s == '"') {
			diag(c->p, c->file, c->line, true, "unexpected '\"' in '%.*s'",
			     (int)t->key_len + 1, t->key);
			return -1;
		}
		if (s < c->end && *s == '=') {
			t->has_val = true;
			s++;
		}
	}
	if (!t->has_val) {
		c->s = s;
		return 1;
	}
	if (s < c->end && *s == '"') {
		const char *q;

		t->quoted = true;
		s++;
		/* Usually no escape before the closing quote: the text is copied whole. */
		q = memchr(s, '"', (size_t)(c->end - s));
		if (q && !memchr(s, '\\', (size_t)(q - s))) {
			n = (size_t)(q - s);
			memcpy(t->buf, s, n);
			s = q;
		}
		while (s < c->end && *s != '"') {
			if (*s == '\\') {
				s++;
				if (s == c->end || (*s != '"' && *s != '\\')) {
					diag(c->p, c->file, c->line, true,
					     "bad escape in quoted text (only \\\" and \\\\ are allowed)");
					return -1;
				}
			}
			t->buf[n++] = *s++;
		}
		if (s == c->end) {
			diag(c->p, c->file, c->line, true, "unterminated quote");
			return -1;
		}
		s++;
		if (s < c->end && *s != ' ' && *s != '\t' && *s != '#') {
			diag(c->p, c->file, c->line, true, "expected a space after the closing quote");
			return -1;
		}
		t->buf[n] = 0;
		t->val = t->buf;
		t->val_len = n;
	} else {
		t->val = s;
		s = skip_plain(s, c->end);
		while (s < c->end && *s != ' ' && *s != '\t' && *s != '#') {
			if (*s == '"') {
				diag(c->p, c->file, c->line, true,
				     "unexpected '\"' inside '%.*s' (quote the whole value)",
				     (int)t->key_len, t->key);
				return -1;
			}
			s++;
		}
		t->val_len = (size_t)(s - t->val);
	}
	c->s = s;
	return 1;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return t->key_len == strlen(word) && !memcmp(t->key, word, t->key_len);
}

/*
 * The reason index's hash: 8 bytes a step (a byte at a time was 15 instructions a byte, for
 * a million reasons of a feed), mixed at the end. Only the table's layout depends on it.
 */
static uint32_t reason_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, sizeof(w));
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

/* Grow the reason index (open addressing, slots hold reason id + 1) to twice the reasons. */
static int reason_index_grow(struct policy *p)
{
	size_t cap = p->reason_slots ? p->reason_slots * 2 : 64, i, j;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < p->n_reasons; i++) {
		j = reason_hash(p->reasons[i], p->reason_lens[i]) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i + 1;
	}
	free(p->reason_index);
	p->reason_index = t;
	p->reason_slots = cap;
	return 0;
}

/* Reasons are deduplicated (a package import gives thousands of similar rules). */
#define REASON_BLOCK	65536

/*
 * A copy of a reason (len below EXECBAN_REASON_LEN), NUL-terminated, in blocks of 64 KiB: a
 * feed with a reason per file has a million of them, and a malloc and a free each cost more
 * than the rest of their parsing.
 */
static char *reason_store(struct policy *p, const char *text, size_t len)
{
	char **a, *s;

	if (p->arena_left < len + 1) {
		a = realloc(p->reason_arena, (p->n_arena + 1) * sizeof(*a));
		if (!a)
			return NULL;
		p->reason_arena = a;
		a[p->n_arena] = malloc(REASON_BLOCK);
		if (!a[p->n_arena])
			return NULL;
		p->n_arena++;
		p->arena_left = REASON_BLOCK;
	}
	s = p->reason_arena[p->n_arena - 1] + REASON_BLOCK - p->arena_left;
	memcpy(s, text, len);
	s[len] = 0;
	p->arena_left -= len + 1;
	return s;
}

static int intern_reason(struct policy *p, const char *text, size_t len, uint32_t *id)
{
	size_t j;
	char *s;

	if (2 * (p->n_reasons + 1) > p->reason_slots && reason_index_grow(p))
		return -ENOMEM;
	for (j = reason_hash(text, len) & (p->reason_slots - 1); p->reason_index[j];
	     j = (j + 1) & (p->reason_slots - 1)) {
		const char *r = p->reasons[p->reason_index[j] - 1];

		if (p->reason_lens[p->reason_index[j] - 1] == len && !memcmp(r, text, len)) {
			*id = p->reason_index[j] - 1;
			return 0;
		}
	}
	if (p->n_reasons == p->cap_reasons) {
		size_t cap = p->cap_reasons ? p->cap_reasons * 2 : 16;
		char **r = realloc(p->reasons, cap * sizeof(*r));
		uint8_t *l;

		if (!r)
			return -ENOMEM;
		p->reasons = r;
		l = realloc(p->reason_lens, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		p->reason_lens = l;
		p->cap_reasons = cap;
	}
	s = reason_store(p, text, len);
	if (!s)
		return -ENOMEM;
	p->reasons[p->n_reasons] = s;
	p->reason_lens[p->n_reasons] = (uint8_t)len;
	p->reason_index[j] = (uint32_t)p->n_reasons + 1;
	*id = (uint32_t)p->n_reasons++;
	return 0;
}

static const char *intern_file(struct policy *p, const char *file)
{
	char **f;

	if (p->n_files && !strcmp(p->files[p->n_files - 1], file))
		return p->files[p->n_files - 1];
	f = realloc(p->files, (p->n_files + 1) * sizeof(*f));
	if (!f)
		return NULL;
	p->files = f;
	f[p->n_files] = strdup(file);
	if (!f[p->n_files])
		return NULL;
	return f[p->n_files++];
}

/* Room for at least n rules. */
static int reserve_rules(struct policy *p, size_t n)
{
	struct policy_rule *r;

	if (n <= p->cap_rules)
		return 0;
	if (n > SIZE_MAX / sizeof(*r))
		return -ENOMEM;
	r = realloc(p->rules, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	policy_huge(r, n * sizeof(*r));
	p->rules = r;
	p->cap_rules = n;
	return 0;
}

static int add_rule(struct policy *p, const struct policy_rule *r)
{
	if (p->n_rules == p->cap_rules &&
	    reserve_rules(p, p->cap_rules ? p->cap_rules * 2 : 64))
		return -ENOMEM;
	p->rules[p->n_rules++] = *r;
	return 0;
}

/* The bytes of a label: A-Z a-z 0-9 . _ : + - */
static const bool label_byte[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
	['.'] = true, ['_'] = true, [':'] = true, ['+'] = true, ['-'] = true,
};

static bool label_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= EXECBAN_LABEL_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!label_byte[(unsigned char)s[i]])
			return false;
	return true;
}

static bool text_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		/* no division a digit: a million size= values are most of a policy's numbers */
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int policy_parse_file_at(struct policy *p, const char *path, const char *from,
				unsigned int from_line);

#define ERR(...) do { diag(c->p, c->file, c->line, true, __VA_ARGS__); return -1; } while (0)

/* At most 80 bytes of a value in a message: "%.*s" arguments. */
#define SHOWN(t) (int)((t)->val_len > 80 ? 80 : (t)->val_len), (t)->val

/* The identity of key=value t (a kind of ident_forms) into r. 0, or -1 (reported). */
static int parse_ident(struct line_ctx *c, const struct tok *t, uint16_t kind,
		       struct policy_rule *r)
{
	const char *slash;
	int n;

	switch (kind) {
	case EXECBAN_IDENT_SHA256:
		if (policy_parse_hex(t->val, t->val_len, r->ident, EXECBAN_SHA256_LEN))
			ERR("sha256=%.*s: expected 64 hex digits (32 bytes, ':' between bytes allowed)",
			    SHOWN(t));
		r->ident_len = EXECBAN_SHA256_LEN;
		break;
	case EXECBAN_IDENT_SIGNER_SKID:
		n = policy_parse_hex_var(t->val, t->val_len, r->ident, POLICY_SKID_MAX);
		if (n < 0)
			ERR("signer-skid=%.*s: expected the subjectKeyIdentifier in hex, 1 to %d bytes "
			    "(':' between bytes allowed)", SHOWN(t), POLICY_SKID_MAX);
		r->ident_len = (uint8_t)n;
		break;
	case EXECBAN_IDENT_SIGNER_ISSUER_SERIAL:
		slash = memchr(t->val, '/', t->val_len);
		if (!slash)
			ERR("signer-issuer-serial=%.*s: expected <SHA-256 of the issuer Name's DER, 64 "
			    "hex>/<serial in hex>, as 'execban hash' prints it", SHOWN(t));
		n = (int)(slash - t->val);
		if (policy_parse_hex(t->val, (size_t)n, r->ident, EXECBAN_SHA256_LEN))
			ERR("signer-issuer-serial=%.*s: the part before '/' must be 64 hex digits "
			    "(the SHA-256 of the issuer Name's DER)", SHOWN(t));
		n = policy_parse_hex_var(slash + 1, t->val_len - (size_t)(slash + 1 - t->val),
					 r->ident + EXECBAN_SHA256_LEN, POLICY_SERIAL_MAX);
		if (n < 0)
			ERR("signer-issuer-serial=%.*s: the serial after '/' must be 1 to %d bytes of "
			    "hex", SHOWN(t), POLICY_SERIAL_MAX);
		r->ident_len = (uint8_t)(EXECBAN_SHA256_LEN + n);
		/*
		 * Kept as written: these are the INTEGER's content octets, which the kernel
		 * compares byte for byte. But say so when they cannot be what DER encodes for a
		 * positive serial: openssl prints serials without their sign byte.
		 */
		if (r->ident[EXECBAN_SHA256_LEN] & 0x80)
			diag(c->p, c->file, c->line, false,
				    "signer-issuer-serial: the serial starts with 8-f, which DER reads "
				    "as negative; a positive serial is written with a leading 00 "
				    "(openssl x509 -serial leaves it out): kept as written");
		else if (n > 1 && !r->ident[EXECBAN_SHA256_LEN] &&
			 !(r->ident[EXECBAN_SHA256_LEN + 1] & 0x80))
			diag(c->p, c->file, c->line, false,
				    "signer-issuer-serial: the serial has a leading 00 that DER does not "
				    "encode (only before 8-f): it matches no DER signature as written");
		break;
	case EXECBAN_IDENT_SIGNER_CERT_SHA256:
		if (policy_parse_hex(t->val, t->val_len, r->ident, EXECBAN_SHA256_LEN))
			ERR("signer-cert-sha256=%.*s: expected 64 hex digits (the SHA-256 of the "
			    "certificate's DER)", SHOWN(t));
		r->ident_len = EXECBAN_SHA256_LEN;
		break;
	case EXECBAN_IDENT_IMA_KEYID:
		if (policy_parse_hex(t->val, t->val_len, r->ident, POLICY_IMA_KEYID_LEN))
			ERR("ima-keyid=%.*s: expected 8 hex digits (the 4-byte key id evmctl and "
			    "'execban hash' print)", SHOWN(t));
		r->ident_len = POLICY_IMA_KEYID_LEN;
		break;
	default:
		ERR("internal error: identity kind %u", kind);
	}
	r->ident_kind = kind;
	return 0;
}

static const char *intern_signer_path(struct policy *p, const char *path)
{
	if (p->n_signer_paths == p->cap_signer_paths) {
		size_t cap = p->cap_signer_paths ? p->cap_signer_paths * 2 : 8;
		char **n = realloc(p->signer_paths, cap * sizeof(*n));

		if (!n)
			return NULL;
		p->signer_paths = n;
		p->cap_signer_paths = cap;
	}
	p->signer_paths[p->n_signer_paths] = strdup(path);
	if (!p->signer_paths[p->n_signer_paths])
		return NULL;
	return p->signer_paths[p->n_signer_paths++];
}

/* One rule of kind with id, a copy of model otherwise. 0 or -ENOMEM. */
static int add_derived(struct policy *p, const struct policy_rule *model, uint16_t kind,
		       const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	struct policy_rule r = *model;

	r.ident_kind = kind;
	memcpy(r.ident, a, a_len);
	if (b_len)
		memcpy(r.ident + a_len, b, b_len);
	r.ident_len = (uint8_t)(a_len + b_len);
	return add_rule(p, &r);
}

/*
 * signer=<path>: every identity the kernel can match a signature of this certificate by, each
 * its own rule (model holds action, label, reason, place). The path is relative to the
 * policy file's folder, like include. 0, -1 (reported) or -ENOMEM.
 */
static int add_signer_rules(struct line_ctx *c, struct policy_rule *model, const char *arg)
{
	struct policy *p = c->p;
	char path[PATH_MAX], dir[PATH_MAX], why[256] = "";
	struct policy_cert_ids ids;
	int ret;

	if (!arg[0])
		ERR("expected signer=<path to a PEM or DER X.509 certificate>");
	if (!p->load_cert)
		ERR("signer=%s: certificates cannot be read here: use the signer's identities "
		    "(signer-skid=, signer-issuer-serial=, signer-cert-sha256=, ima-keyid=)", arg);
	if (arg[0] == '/') {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		snprintf(dir, sizeof(dir), "%s", c->file);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dirname(dir), arg) >= sizeof(path))
			ERR("signer=%s: path too long", arg);
	}
	memset(&ids, 0, sizeof(ids));
	ret = p->load_cert(p->load_cert_arg, path, &ids, why, sizeof(why));
	if (ret == -ENOMEM)
		return -ENOMEM;
	if (ret)
		ERR("signer=%s: %s", arg, why[0] ? why : strerror(-ret));
	model->signer = intern_signer_path(p, path);
	if (!model->signer)
		return -ENOMEM;

	/* A signature names its signer by key id (SKID; IMA: its last 4 bytes) ... */
	if (!ids.skid_len)
		diag(p, c->file, c->line, false,
			    "signer=%s: the certificate has no subjectKeyIdentifier: signatures "
			    "naming their signer by key id (PKCS#7 made with -keyid, IMA) will not "
			    "match; by issuer and serial, or by embedding the certificate, they will",
			    arg);
	else if (ids.skid_len > POLICY_SKID_MAX)
		diag(p, c->file, c->line, false,
			    "signer=%s: its subjectKeyIdentifier is %zu bytes, more than the %d "
			    "execban handles: no signer-skid or ima-keyid rule for it", arg,
			    ids.skid_len, POLICY_SKID_MAX);
	if (ids.skid_len && ids.skid_len <= POLICY_SKID_MAX) {
		ret = add_derived(p, model, EXECBAN_IDENT_SIGNER_SKID, ids.skid, ids.skid_len,
				  NULL, 0);
		/* evmctl's key id: the SKID's last 4 bytes */
		if (!ret && ids.skid_len >= POLICY_IMA_KEYID_LEN)
			ret = add_derived(p, model, EXECBAN_IDENT_IMA_KEYID,
					  ids.skid + ids.skid_len - POLICY_IMA_KEYID_LEN,
					  POLICY_IMA_KEYID_LEN, NULL, 0);
		if (ret)
			return ret;
	}
	/* ... or by the issuer and serial of its certificate (sign-file's default) ... */
	if (ids.serial_len >= 1 && ids.serial_len <= POLICY_SERIAL_MAX) {
		ret = add_derived(p, model, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, ids.issuer_sha256,
				  EXECBAN_SHA256_LEN, ids.serial, ids.serial_len);
		if (ret)
			return ret;
	} else {
		diag(p, c->file, c->line, false,
			    "signer=%s: its serial is %zu bytes, more than the %d execban handles: "
			    "no signer-issuer-serial rule for it", arg, ids.serial_len,
			    POLICY_SERIAL_MAX);
	}
	/* ... and a PKCS#7 may embed the certificate itself. */
	return add_derived(p, model, EXECBAN_IDENT_SIGNER_CERT_SHA256, ids.cert_sha256,
			   EXECBAN_SHA256_LEN, NULL, 0);
}

static int parse_rule(struct line_ctx *c, uint16_t action)
{
	struct policy *p = c->p;
	struct policy_rule r = { .action = action, .reason_id = POLICY_NO_REASON };
	bool seen_label = false, seen_reason = false, seen_signer = false;
	char signer[PATH_MAX];
	struct tok t;
	size_t i;
	int ret, err;

	while ((ret = next_tok(c, &t)) > 0) {
		if (!t.has_val)
			ERR("unexpected '%.*s': rule options are key=value", (int)t.key_len, t.key);
		for (i = 0; i < sizeof(ident_forms) / sizeof(ident_forms[0]); i++)
			if (t.key_len == ident_forms[i].len &&
			    !memcmp(t.key, ident_forms[i].key, t.key_len))
				break;
		if (i < sizeof(ident_forms) / sizeof(ident_forms[0]) || tok_is(&t, "signer")) {
			if (r.ident_kind || seen_signer)
				ERR("a rule has exactly one identity; write a second rule");
		}
		if (i < sizeof(ident_forms) / sizeof(ident_forms[0])) {
			if (parse_ident(c, &t, ident_forms[i].kind, &r))
				return -1;
		} else if (tok_is(&t, "signer")) {
			if (t.val_len >= sizeof(signer))
				ERR("signer=: path too long");
			memcpy(signer, t.val, t.val_len);
			signer[t.val_len] = 0;
			seen_signer = true;
		} else if (tok_is(&t, "size")) {
			if (r.has_size)
				ERR("size= given twice");
			if (parse_u64(t.val, t.val_len, &r.size))
				ERR("size=%.*s: expected a file size in bytes", (int)t.val_len, t.val);
			if (r.size > EXECBAN_RULE_SIZE_MAX)
				ERR("size=%.*s: larger than any file execban can ban (at most %llu "
				    "bytes, 256 TiB)", (int)t.val_len, t.val,
				    (unsigned long long)EXECBAN_RULE_SIZE_MAX);
			r.has_size = true;
		} else if (tok_is(&t, "label")) {
			if (seen_label)
				ERR("label= given twice");
			if (!label_ok(t.val, t.val_len))
				ERR("label=%.*s: expected 1 to %d of A-Z a-z 0-9 . _ : + -",
				    SHOWN(&t), EXECBAN_LABEL_LEN - 1);
			memcpy(r.label, t.val, t.val_len);
			seen_label = true;
		} else if (tok_is(&t, "reason")) {
			if (seen_reason)
				ERR("reason= given twice");
			if (!t.quoted)
				ERR("reason= must be quoted: reason=\"...\"");
			if (t.val_len >= EXECBAN_REASON_LEN)
				ERR("reason is %zu bytes; at most %d", t.val_len, EXECBAN_REASON_LEN - 1);
			if (!text_ok(t.val, t.val_len))
				ERR("reason holds a control character");
			err = intern_reason(p, t.val, t.val_len, &r.reason_id);
			if (err)
				return err;
			seen_reason = true;
		} else if (tok_is(&t, "signer-key") || tok_is(&t, "kind")) {
			/* What "execban show" prints: the kernel keeps no more of a signer rule. */
			ERR("'%.*s=' is how 'execban show' prints a signer rule's key, not an identity "
			    "a policy can name: write signer=, signer-skid=, signer-issuer-serial=, "
			    "signer-cert-sha256= or ima-keyid=", (int)t.key_len, t.key);
		} else {
			ERR("unknown rule option '%.*s' (expected an identity: sha256=, signer=, "
			    "signer-skid=, signer-issuer-serial=, signer-cert-sha256=, ima-keyid=; "
			    "or size=, label=, reason=)",
			    (int)(t.key_len > 80 ? 80 : t.key_len), t.key);
		}
	}
	if (ret < 0)
		return -1;
	if (!r.ident_kind && !seen_signer)
		ERR("rule has no identity (expected sha256=<64 hex digits>, signer=<certificate> or "
		    "a signer-*= or ima-keyid= identity)");
	if (r.has_size && r.ident_kind != EXECBAN_IDENT_SHA256)
		ERR("size= applies to sha256= rules only: a signer rule matches files of any size");
	/* the file's interned name, while no other file was interned since (an include) */
	if (!c->interned || !p->n_files || p->files[p->n_files - 1] != c->interned)
		c->interned = intern_file(p, c->file);
	r.file = c->interned;
	if (!r.file)
		return -ENOMEM;
	r.line = c->line;
	if (seen_signer)
		return add_signer_rules(c, &r, signer);
	return add_rule(p, &r);
}

#undef SHOWN

static int expect_end(struct line_ctx *c, const char *what)
{
	struct tok t;
	int ret = next_tok(c, &t);

	if (ret > 0)
		ERR("unexpected '%.*s' after %s", (int)(t.key_len ? t.key_len : t.val_len),
		    t.key_len ? t.key : t.val, what);
	return ret < 0 ? -1 : 0;
}

/* A folder that does not exist matches nothing; one that cannot be read is an error. */
static int glob_err(const char *path, int e)
{
	(void)path;
	return e != ENOENT && e != ENOTDIR;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A policy folder read through a glob (the pattern *.policy in policy.d): every other file in it is
 * not read, which a file named 20-site.conf or 10-ban.policy.dpkg-dist does not tell its
 * author. Warn, naming each, in sorted order: what the pattern does not match and that does
 * not end in .policy (a narrower pattern excluding other .policy files is on purpose), or is
 * hidden (globs skip dot files). arg is the include argument as written, pattern the path.
 */
static void warn_unread(struct line_ctx *c, const char *arg, const char *pattern)
{
	const char *slash = strrchr(pattern, '/'), *aslash = strrchr(arg, '/');
	char dir[PATH_MAX], **names = NULL, **n;
	size_t n_names = 0, i, len;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (!slash || !has_glob(slash + 1) || (size_t)(slash - pattern) >= sizeof(dir))
		return;
	memcpy(dir, pattern, (size_t)(slash - pattern));
	dir[slash - pattern] = 0;
	if (has_glob(dir))
		return;
	d = opendir(dir[0] ? dir : "/");
	if (!d)
		return;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!fnmatch(slash + 1, de->d_name, FNM_PERIOD))
			continue;	/* read */
		if (de->d_name[0] != '.' && len > 7 && !strcmp(de->d_name + len - 7, ".policy"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) || S_ISDIR(st.st_mode))
			continue;
		n = realloc(names, (n_names + 1) * sizeof(*n));
		if (!n)
			break;
		names = n;
		names[n_names] = strdup(de->d_name);
		if (names[n_names])
			n_names++;
	}
	closedir(d);
	if (n_names)
		qsort(names, n_names, sizeof(*names), cmp_str);
	for (i = 0; i < n_names; i++) {
		diag(c->p, c->file, c->line, false,
		     "include %s: %.*s%s is not read: only files ending in .policy are", arg,
		     aslash ? (int)(aslash - arg + 1) : 0, arg, names[i]);
		free(names[i]);
	}
	free(names);
}

/* include <path-or-glob>: relative to the including file's folder, matches in sorted order. */
static int parse_include(struct line_ctx *c)
{
	struct policy *p = c->p;
	char arg[PATH_MAX], pattern[PATH_MAX], dir[PATH_MAX];
	glob_t g;
	struct tok t;
	size_t i;
	int ret, r;

	ret = next_tok(c, &t);
	if (ret < 0)
		return -1;
	if (ret == 0 || (t.has_val && t.key_len) || (!t.has_val && !t.key_len))
		ERR("expected include <path or glob>");
	if (t.has_val)		/* include "path with spaces" */
		snprintf(arg, sizeof(arg), "%.*s", (int)t.val_len, t.val);
	else
		snprintf(arg, sizeof(arg), "%.*s", (int)t.key_len, t.key);
	if (expect_end(c, "the include path"))
		return -1;
	if (p->no_include)
		ERR("include is not allowed here");
	if (arg[0] == '/') {
		snprintf(pattern, sizeof(pattern), "%s", arg);
	} else {
		snprintf(dir, sizeof(dir), "%s", c->file);
		if ((size_t)snprintf(pattern, sizeof(pattern), "%s/%s", dirname(dir), arg) >=
		    sizeof(pattern))
			ERR("include %s: path too long", arg);
	}
	r = glob(pattern, 0, glob_err, &g);
	if (has_glob(arg))
		warn_unread(c, arg, pattern);
	if (p->on_glob && (r == 0 || r == GLOB_NOMATCH))
		p->on_glob(p->on_input_arg, pattern, g.gl_pathv, r ? 0 : g.gl_pathc);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		if (has_glob(arg)) {
			diag(p, c->file, c->line, false, "include %s matches no file", arg);
			return 0;
		}
		ERR("include %s: no such file", arg);
	}
	if (r) {
		globfree(&g);
		ERR("include %s: cannot read the folder", arg);
	}
	ret = 0;
	for (i = 0; i < g.gl_pathc; i++) {
		r = policy_parse_file_at(p, g.gl_pathv[i], c->file, c->line);
		if (r < -1 && r != -EINVAL && !ret)
			ret = r;
	}
	globfree(&g);
	return ret == -ENOMEM ? -ENOMEM : 0;
}

/*
 * interpreter <absolute path>, quarantine <absolute dir>: resolved on the machine that loads
 * the policy.
 */
static int parse_path_directive(struct line_ctx *c, const char *what, const char *example,
				struct policy_interp **list, size_t *n_list)
{
	struct policy *p = c->p;
	struct policy_interp *n;
	const char *file;
	struct tok t;
	int ret;

	ret = next_tok(c, &t);
	if (ret < 0)
		return -1;
	if (ret == 0 || t.has_val || t.key_len == 0 || t.key[0] != '/')
		ERR("expected %s <absolute path>, e.g. %s %s", what, what, example);
	if (expect_end(c, "the path"))
		return -1;
	file = intern_file(p, c->file);
	n = realloc(*list, (*n_list + 1) * sizeof(*n));
	if (!file || !n)
		return -ENOMEM;
	*list = n;
	n[*n_list].path = strndup(t.key, t.key_len);
	if (!n[*n_list].path)
		return -ENOMEM;
	n[*n_list].file = file;
	n[*n_list].line = c->line;
	(*n_list)++;
	return 0;
}

/*
 * name, version and mode are set once across all the files of a load: with drop-ins, the last
 * file read must not silently rename the policy, change its version (lock mode's rollback
 * check reads it) or turn every rule into audit. 0 if not set yet (then *file and *line are
 * set), -1 if it was (reported, naming both lines), -ENOMEM.
 */
static int set_once(struct line_ctx *c, const char *what, const char *was, const char **file,
		    unsigned int *line)
{
	const char *here;

	if (*file) {
		diag(c->p, c->file, c->line, true,
		     "%s is already set to %s at %s:%u: name, version and mode may each be set "
		     "once across all the files of a policy", what, was, *file, *line);
		return -1;
	}
	here = intern_file(c->p, c->file);
	if (!here)
		return -ENOMEM;
	*file = here;
	*line = c->line;
	return 0;
}

static int parse_line(struct line_ctx *c)
{
	struct policy *p = c->p;
	char was[EXECBAN_NAME_LEN + 8];
	uint32_t mode;
	uint64_t version;
	struct tok t;
	int ret;

	ret = next_tok(c, &t);
	if (ret <= 0)
		return ret;
	if (t.has_val && !t.key_len)
		ERR("a line starts with a keyword, not a quoted string");
	if (tok_is(&t, "deny") && !t.has_val)
		return parse_rule(c, EXECBAN_RULE_DENY);
	if (tok_is(&t, "audit") && !t.has_val)
		return parse_rule(c, EXECBAN_RULE_AUDIT);
	if (tok_is(&t, "allow") && !t.has_val)
		return parse_rule(c, EXECBAN_RULE_ALLOW);
	if (tok_is(&t, "mode") && !t.has_val) {
		ret = next_tok(c, &t);
		if (ret < 0)
			return -1;
		if (ret == 0 || t.has_val)
			ERR("expected 'mode enforce' or 'mode audit'");
		if (tok_is(&t, "enforce"))
			mode = EXECBAN_MODE_ENFORCE;
		else if (tok_is(&t, "audit"))
			mode = EXECBAN_MODE_AUDIT;
		else
			ERR("unknown mode '%.*s' (expected enforce or audit)", (int)t.key_len, t.key);
		if (expect_end(c, "the mode"))
			return -1;
		ret = set_once(c, "the mode", p->mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce",
			       &p->mode_file, &p->mode_line);
		if (ret)
			return ret;
		p->mode = mode;
		return 0;
	}
	if (tok_is(&t, "name") && !t.has_val) {
		ret = next_tok(c, &t);
		if (ret < 0)
			return -1;
		if (ret == 0 || !t.quoted || t.key_len)
			ERR("expected name \"<policy id>\"");
		if (!t.val_len || t.val_len >= EXECBAN_NAME_LEN || !text_ok(t.val, t.val_len))
			ERR("policy name must be 1 to %d printable bytes", EXECBAN_NAME_LEN - 1);
		if (expect_end(c, "the name"))
			return -1;
		snprintf(was, sizeof(was), "\"%s\"", p->name);
		ret = set_once(c, "the name", was, &p->name_file, &p->name_line);
		if (ret)
			return ret;
		memset(p->name, 0, sizeof(p->name));
		memcpy(p->name, t.val, t.val_len);
		return 0;
	}
	if (tok_is(&t, "version") && !t.has_val) {
		ret = next_tok(c, &t);
		if (ret < 0)
			return -1;
		if (ret == 0 || t.has_val || parse_u64(t.key, t.key_len, &version))
			ERR("expected version <non-negative integer>");
		if (expect_end(c, "the version"))
			return -1;
		snprintf(was, sizeof(was), "%llu", (unsigned long long)p->version);
		ret = set_once(c, "the version", was, &p->version_file, &p->version_line);
		if (ret)
			return ret;
		p->version = version;
		return 0;
	}
	if (tok_is(&t, "include") && !t.has_val)
		return parse_include(c);
	if (tok_is(&t, "interpreter") && !t.has_val)
		return parse_path_directive(c, "interpreter", "/usr/bin/python3", &p->interps,
					    &p->n_interps);
	if (tok_is(&t, "quarantine") && !t.has_val)
		return parse_path_directive(c, "quarantine", "/var/lib/execban/quarantine",
					    &p->quarantines, &p->n_quarantines);
	ERR("unknown keyword '%.*s' (expected deny, audit, allow, include, interpreter, quarantine, mode, name or version)",
	    (int)(t.key_len > 80 ? 80 : t.key_len), t.key_len ? t.key : t.val);
}

#undef ERR

/*
 * One line, s to eol (its newline excluded), as the next line of c. 1 to go on, 0 when there
 * were too many errors to read further (said), or a negative errno.
 */
static int parse_one(struct line_ctx *c, const char *s, const char *eol)
{
	struct policy *p = c->p;
	int ret;

	c->line++;
	c->s = s;
	c->end = eol;
	if (c->end > c->s && c->end[-1] == '\r')
		c->end--;
	if ((size_t)(c->end - c->s) > POLICY_MAX_LINE) {
		diag(p, c->file, c->line, true, "line is longer than %d bytes", POLICY_MAX_LINE);
	} else if (!c->nul_free && memchr(c->s, 0, (size_t)(c->end - c->s))) {
		diag(p, c->file, c->line, true, "NUL byte: this is not a policy text file");
	} else {
		ret = parse_line(c);
		if (ret < -1)
			return ret;
	}
	if (p->n_errors > POLICY_MAX_ERRORS) {
		diag(p, c->file, 0, false, "too many errors, stopped reading");
		return 0;
	}
	return 1;
}

/* The complete lines of buf into c; how many bytes they took (the rest is a partial line). */
static ssize_t parse_lines(struct line_ctx *c, const char *buf, size_t len, bool *stop)
{
	const char *s = buf, *end = buf + len, *eol;
	int ret;

	/* One look for NUL bytes over the whole buffer, not one per line (parse_one()). */
	c->nul_free = !memchr(buf, 0, len);
	while (s < end && (eol = memchr(s, '\n', (size_t)(end - s)))) {
		ret = parse_one(c, s, eol);
		if (ret < 0)
			return ret;
		s = eol + 1;
		if (!ret) {
			*stop = true;
			break;
		}
	}
	return s - buf;
}

int policy_parse_buffer(struct policy *p, const char *file, const char *buf, size_t len)
{
	unsigned int errors_before = p->n_errors;
	struct line_ctx c = { .p = p, .file = file };
	bool stop = false;
	ssize_t n;
	int ret;

	/* Remember the file even if it holds no rule, for "no rules" errors. */
	if (!intern_file(p, file))
		return -ENOMEM;
	n = parse_lines(&c, buf, len, &stop);
	if (n < 0)
		return (int)n;
	if (!stop && (size_t)n < len) {		/* the last line, without its newline */
		ret = parse_one(&c, buf + n, buf + len);
		if (ret < 0)
			return ret;
	}
	return p->n_errors > errors_before ? -EINVAL : 0;
}

/*
 * Read fd's size bytes in chunks into a buffer reused for each (a file of a million rules is
 * not held whole: its pages would be new memory for the kernel to clear) and parse its lines.
 * 0, -EINVAL (errors reported) or -errno.
 */
#define READ_CHUNK	(1U << 20)

static int parse_fd(struct policy *p, int fd, const char *path, size_t size)
{
	size_t cap = READ_CHUNK + POLICY_MAX_LINE + 2, have = 0, total = 0;
	unsigned int errors_before = p->n_errors;
	struct line_ctx c = { .p = p, .file = path };
	bool stop = false, eof = false, skip = false;
	char *buf, *nl;
	ssize_t n;
	int ret = 0;

	if (!intern_file(p, path))
		return -ENOMEM;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (!eof && !stop) {
		n = total < size ? read(fd, buf + have, cap - have < size - total ?
					cap - have : size - total) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag(p, path, 0, true, "read: %s", strerror(errno));
			goto out;
		}
		eof = n == 0;
		total += (size_t)n;
		have += (size_t)n;
		if (skip) {
			/* the rest of a line too long to hold, already reported */
			nl = memchr(buf, '\n', have);
			if (!nl) {
				have = 0;
				continue;
			}
			skip = false;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		n = parse_lines(&c, buf, have, &stop);
		if (n < 0) {
			ret = (int)n;
			goto out;
		}
		have -= (size_t)n;
		memmove(buf, buf + n, have);
		if (stop)
			break;
		if (eof && have) {		/* the last line, without its newline */
			ret = parse_one(&c, buf, buf + have);
			if (ret < 0)
				goto out;
			ret = 0;
		} else if (have > POLICY_MAX_LINE + 1) {
			/* longer than a line may be even without its \r: report it, skip the rest */
			c.line++;
			diag(p, path, c.line, true, "line is longer than %d bytes", POLICY_MAX_LINE);
			if (p->n_errors > POLICY_MAX_ERRORS) {
				diag(p, path, 0, false, "too many errors, stopped reading");
				break;
			}
			have = 0;
			skip = true;
		}
	}
	ret = p->n_errors > errors_before ? -EINVAL : 0;
out:
	free(buf);
	return ret;
}

static int policy_parse_file_at(struct policy *p, const char *path, const char *from,
				unsigned int from_line)
{
	char real[PATH_MAX];
	int i;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (from)
			diag(p, from, from_line, true, "include %s: %s", path, strerror(errno));
		else
			diag(p, path, 0, true, "cannot open: %s", strerror(errno));
		return ret;
	}
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (i = 0; i < p->depth; i++) {
		if (!strcmp(p->stack[i], real)) {
			diag(p, from, from_line, true, "include cycle: %s includes itself%s",
			     path, i + 1 < p->depth ? " through other files" : "");
			close(fd);
			return -ELOOP;
		}
	}
	if (p->depth == POLICY_MAX_DEPTH) {
		diag(p, from, from_line, true, "includes nested deeper than %d", POLICY_MAX_DEPTH);
		close(fd);
		return -ELOOP;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		diag(p, path, 0, true, "not a regular file");
		goto out_close;
	}
	if ((uint64_t)st.st_size > POLICY_MAX_FILE_SIZE) {
		ret = -EFBIG;
		diag(p, path, 0, true, "larger than %u MiB", POLICY_MAX_FILE_SIZE >> 20);
		goto out_close;
	}
	if (p->on_file)
		p->on_file(p->on_input_arg, path, &st);	/* before reading: a later write shows */
	p->stack[p->depth] = strdup(real);
	if (!p->stack[p->depth]) {
		ret = -ENOMEM;
		goto out_close;
	}
	p->depth++;
	/*
	 * A sha256 rule line is about 90 bytes: size the rules once (pages left untouched cost
	 * nothing) rather than by doubling.
	 */
	ret = reserve_rules(p, p->n_rules + (size_t)st.st_size / 64 + 1);
	if (!ret)
		ret = parse_fd(p, fd, path, (size_t)st.st_size);
	free(p->stack[--p->depth]);
out_close:
	close(fd);
	return ret;
}

int policy_parse_file(struct policy *p, const char *path)
{
	return policy_parse_file_at(p, path, NULL, 0);
}

/* Same identity: same kind and bytes, hence the same kernel key. */
static int cmp_ident(const struct policy_rule *x, const struct policy_rule *y)
{
	if (x->ident_kind != y->ident_kind)
		return x->ident_kind < y->ident_kind ? -1 : 1;
	if (x->ident_len != y->ident_len)
		return x->ident_len < y->ident_len ? -1 : 1;
	return memcmp(x->ident, y->ident, x->ident_len);
}

int policy_sort_pairs(struct policy_pair *v, size_t n)
{
	struct policy_pair *tmp, *src = v, *dst;
	size_t *count, i, sum, shift;

	if (n < 2)
		return 0;
	tmp = policy_malloc(n, sizeof(*tmp));
	count = malloc(65536 * sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return -ENOMEM;
	}
	dst = tmp;
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & 0xffff]++;
		if (count[(src[0].key >> shift) & 0xffff] == n)
			continue;	/* one digit for all: nothing moves */
		for (i = 0, sum = 0; i < 65536; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
		dst = src;
		src = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
	free(count);
	return 0;
}

int policy_sort_pairs_by(struct policy_pair *v, size_t n,
			 int (*cmp)(const void *a, const void *b, void *arg), void *arg)
{
	size_t i, j;

	if (policy_sort_pairs(v, n))
		return -ENOMEM;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].key == v[i].key; j++)
			;
		if (j - i > 1)
			qsort_r(v + i, j - i, sizeof(*v), cmp, arg);
	}
	return 0;
}

/*
 * Sorting a million 160-byte rules moves 160 MB per pass: policy_finish() sorts (prefix, index)
 * pairs instead, prefix ordering as cmp_ident() does on kind, length and the first 6 identity
 * bytes. The radix sort is stable, so rules of one prefix stay in their order of appearance
 * (files in the order they were read); only such runs, rare but for duplicates, look at the
 * rules themselves.
 */
static uint64_t ident_prefix64(const struct policy_rule *r)
{
	uint64_t v = (uint64_t)(r->ident_kind & 0xff) << 56 | (uint64_t)r->ident_len << 48;
	int i;

	for (i = 0; i < 6 && i < r->ident_len; i++)
		v |= (uint64_t)r->ident[i] << (40 - 8 * i);
	return v;
}

/* Same identity together; deny (1) before audit (2) before allow (3); then order of appearance. */
static int cmp_rule_at(const struct policy *p, const struct policy_pair *x,
		       const struct policy_pair *y)
{
	const struct policy_rule *a = &p->rules[x->val], *b = &p->rules[y->val];
	int d = cmp_ident(a, b);

	if (d)
		return d;
	if (a->action != b->action)
		return a->action < b->action ? -1 : 1;
	return x->val < y->val ? -1 : x->val > y->val;
}

/* Sort p->rules as cmp_rule_at() orders them: an index is sorted, the rules copied once. */
static int sort_rules(struct policy *p)
{
	struct policy_pair *o = policy_calloc(p->n_rules + 1, sizeof(*o)), t;
	struct policy_rule *sorted;
	size_t i, j, k, from;

	if (!o)
		return -ENOMEM;
	for (i = 0; i < p->n_rules; i++)
		o[i] = (struct policy_pair){ ident_prefix64(&p->rules[i]), i };
	if (policy_sort_pairs(o, p->n_rules)) {
		free(o);
		return -ENOMEM;
	}
	/* Runs of one prefix: insertion sort (they are short). */
	for (i = 0; i < p->n_rules; i = j) {
		for (j = i + 1; j < p->n_rules && o[j].key == o[i].key; j++)
			;
		for (k = i + 1; k < j; k++) {
			t = o[k];
			for (from = k; from > i && cmp_rule_at(p, &o[from - 1], &t) > 0; from--)
				o[from] = o[from - 1];
			o[from] = t;
		}
	}
	/*
	 * Gathered into a new array rather than permuted in place: following the permutation's
	 * cycles makes each read wait for the one before (a cache miss each, 150 ms for a
	 * million rules); here the reads are independent and the writes sequential (50 ms).
	 */
	for (i = 0; i < p->n_rules && o[i].val == i; i++)
		;
	if (i == p->n_rules) {
		free(o);	/* in order already, as a sorted feed is */
		return 0;
	}
	sorted = policy_malloc(p->n_rules, sizeof(*sorted));
	if (!sorted) {
		free(o);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_rules; i++)
		sorted[i] = p->rules[o[i].val];
	free(p->rules);
	p->rules = sorted;
	p->cap_rules = p->n_rules;
	free(o);
	return 0;
}

/* "signer-skid=<hex> (from signer=<path>): " before a message about a derived rule. */
static void ident_prefix(const struct policy_rule *r, char *buf, size_t size)
{
	char id[POLICY_IDENT_STRLEN];

	buf[0] = 0;
	if (r->ident_kind == EXECBAN_IDENT_SHA256)
		return;		/* the line says it */
	policy_format_ident(r, id, sizeof(id));
	if (r->signer)
		snprintf(buf, size, "%s (from signer=%s): ", id, r->signer);
	else
		snprintf(buf, size, "%s: ", id);
}

int policy_finish(struct policy *p)
{
	const char *first = p->n_files ? p->files[0] : "policy";
	size_t i, out;

	if (p->n_errors)
		return -EINVAL;
	if (!p->n_rules) {
		/* No ban list installed yet (a fresh install): the caller says so. */
		if (p->allow_empty)
			return -ENODATA;
		/* An empty ban list loaded by mistake (a truncated file) would lift every ban. */
		diag(p, first, 0, true,
		     "no rules: refusing an empty policy (to lift every ban, run 'execban unload')");
		return -EINVAL;
	}

	if (sort_rules(p))
		return -ENOMEM;
	for (i = 1, out = 1; i < p->n_rules; i++) {
		struct policy_rule *keep = &p->rules[out - 1], *r = &p->rules[i];
		char what[POLICY_IDENT_STRLEN + PATH_MAX + 20];

		if (cmp_ident(keep, r)) {
			if (out != i)
				p->rules[out] = *r;
			out++;
			continue;
		}
		ident_prefix(r, what, sizeof(what));
		if (r->action == EXECBAN_RULE_ALLOW && keep->action != EXECBAN_RULE_ALLOW) {
			/* Which one was meant cannot be guessed: an exception or a ban. */
			diag(p, r->file, r->line, true,
			     "%sallowed here but %s at %s:%u: an identity is either banned or "
			     "allowed; remove one of the two rules", what,
			     keep->action == EXECBAN_RULE_DENY ? "denied" : "audited", keep->file,
			     keep->line);
			continue;
		}
		if (keep->action != r->action)
			diag(p, r->file, r->line, false,
				    "%saudit rule for %s also denied at %s:%u: deny wins", what,
				    what[0] ? "an identity" : "a digest", keep->file, keep->line);
		else
			diag(p, r->file, r->line, false,
				    "%sduplicate of the rule at %s:%u (ignored)", what, keep->file,
				    keep->line);
		if (r->has_size && keep->has_size && r->size != keep->size) {
			diag(p, r->file, r->line, true,
			     "same digest as %s:%u but a different size= (%llu vs %llu)",
			     keep->file, keep->line, (unsigned long long)r->size,
			     (unsigned long long)keep->size);
		} else if (r->has_size && !keep->has_size) {
			keep->size = r->size;
			keep->has_size = true;
		}
	}
	p->n_rules = out;
	if (p->n_rules > p->max_rules) {
		diag(p, first, 0, true, "%zu rules: more than the maximum of %zu (see --max-rules)",
		     p->n_rules, p->max_rules);
		return -EINVAL;
	}
	return p->n_errors ? -EINVAL : 0;
}
