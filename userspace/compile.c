// SPDX-License-Identifier: GPL-2.0
/*
 * compile.c - compile parsed policy files into map-ready arrays and the policy digest; and read
 * the certificates signer= rules name (policy.c stays libc-only, so X.509 is read here).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "compile.h"

_Static_assert(sizeof(EXECBAN_SIGNER_KEY_PREFIX) == EXECBAN_SIGNER_KEY_PREFIX_LEN,
	       "the signer key prefix is hashed with its NUL");

/* A certificate file larger than this is not a certificate. */
#define CERT_MAX_FILE	(1U << 20)

void compiled_free(struct compiled *c)
{
	size_t i;

	for (i = 0; i < c->n_certs; i++)
		free(c->certs[i]);
	free(c->certs);
	free(c->cert_lens);
	free(c->keys);
	free(c->rules);
	free(c->sizes);
	free(c->size_counts);
	free(c->texts);
	policy_free(&c->pol);
	loadcache_inputs_free(&c->inputs);
	memset(c, 0, sizeof(*c));
}

void ident_key(unsigned int kind, const uint8_t *id, size_t len, struct sha256_key *out)
{
	uint8_t buf[EXECBAN_SIGNER_KEY_PREFIX_LEN + 1 + POLICY_IDENT_MAX];
	size_t n = len > POLICY_IDENT_MAX ? POLICY_IDENT_MAX : len;

	if (kind == EXECBAN_IDENT_SHA256) {
		memcpy(out->b, id, EXECBAN_SHA256_LEN);
		return;
	}
	memcpy(buf, EXECBAN_SIGNER_KEY_PREFIX, EXECBAN_SIGNER_KEY_PREFIX_LEN);
	buf[EXECBAN_SIGNER_KEY_PREFIX_LEN] = (uint8_t)kind;
	memcpy(buf + EXECBAN_SIGNER_KEY_PREFIX_LEN + 1, id, n);
	EVP_Digest(buf, EXECBAN_SIGNER_KEY_PREFIX_LEN + 1 + n, out->b, NULL, EVP_sha256(), NULL);
}

void rule_key(const struct policy_rule *r, struct sha256_key *out)
{
	ident_key(r->ident_kind, r->ident, r->ident_len, out);
}

/* The whole file, at most CERT_MAX_FILE bytes. 0 or -errno, with why. */
static int read_cert_file(const char *path, unsigned char **buf, size_t *len, char *why,
			  size_t why_len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, ret = 0;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(why, why_len, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(why, why_len, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > CERT_MAX_FILE) {
		ret = -EFBIG;
		snprintf(why, why_len, "%lld bytes: too large for a certificate",
			 (long long)st.st_size);
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(why, why_len, "read: %s", strerror(errno));
			goto out;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

/*
 * The DER of the one certificate in a PEM text: the bytes under its "CERTIFICATE" block, not a
 * re-encoding. Other blocks (a key beside it) are ignored. 0 or -errno, with why.
 */
static int pem_cert_der(const unsigned char *text, size_t len, unsigned char **der,
			size_t *der_len, char *why, size_t why_len)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	unsigned int n_certs = 0;
	long n;
	int ret = 0;

	*der = NULL;
	if (!bio)
		return -ENOMEM;
	while (PEM_read_bio(bio, &name, &header, &data, &n)) {
		if (!strcmp(name, PEM_STRING_X509) || !strcmp(name, PEM_STRING_X509_OLD)) {
			if (!n_certs++) {
				*der = malloc(n > 0 ? (size_t)n : 1);
				if (!*der)
					ret = -ENOMEM;
				else
					memcpy(*der, data, (size_t)n);
				*der_len = (size_t)n;
			}
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();	/* the end of the text reads as "no start line" */
	BIO_free(bio);
	if (!ret && n_certs != 1) {
		ret = -EINVAL;
		if (n_certs)
			snprintf(why, why_len, "holds %u certificates: name each in a signer= rule "
				 "of its own", n_certs);
		else
			snprintf(why, why_len, "a PEM file without a CERTIFICATE block");
	}
	if (ret) {
		free(*der);
		*der = NULL;
	}
	return ret;
}

/* Remember a certificate's DER for the kernel's keyring, once. Takes der. 0 or -ENOMEM. */
static int keep_cert(struct compiled *c, unsigned char *der, size_t len)
{
	unsigned char **certs;
	size_t i, *lens;

	for (i = 0; i < c->n_certs; i++) {
		if (c->cert_lens[i] == len && !memcmp(c->certs[i], der, len)) {
			free(der);
			return 0;
		}
	}
	certs = realloc(c->certs, (c->n_certs + 1) * sizeof(*certs));
	if (certs)
		c->certs = certs;
	lens = realloc(c->cert_lens, (c->n_certs + 1) * sizeof(*lens));
	if (lens)
		c->cert_lens = lens;
	if (!certs || !lens) {
		free(der);
		return -ENOMEM;
	}
	c->certs[c->n_certs] = der;
	c->cert_lens[c->n_certs++] = len;
	return 0;
}

/*
 * The policy_cert_loader of compile(): a PEM or DER X.509 certificate, and the identities a
 * signature can name its signer by. Issuer and serial are taken as the certificate encodes
 * them (OpenSSL keeps a parsed Name's original DER; it refuses a non-minimal INTEGER), since a
 * PKCS#7 SignerInfo copies them from there and execban.ko hashes those bytes.
 */
int cert_file_der(const char *path, unsigned char **der, size_t *der_len, char *why,
		  size_t why_len)
{
	unsigned char *file = NULL;
	size_t file_len = 0;
	int ret;

	*der = NULL;
	ret = read_cert_file(path, &file, &file_len, why, why_len);
	if (ret)
		return ret;
	/* DER: a SEQUENCE with a long-form length (any certificate is over 127 bytes) */
	if (!(file_len > 2 && file[0] == 0x30 && file[1] > 0x80) &&
	    memmem(file, file_len, "-----BEGIN ", 11)) {
		ret = pem_cert_der(file, file_len, der, der_len, why, why_len);
		free(file);
		return ret;
	}
	*der = file;
	*der_len = file_len;
	return 0;
}

static int load_cert(void *arg, const char *path, struct policy_cert_ids *ids, char *why,
		     size_t why_len)
{
	struct compiled *c = arg;
	unsigned char *der = NULL, *enc = NULL;
	const unsigned char *q;
	const ASN1_OCTET_STRING *skid;
	size_t der_len = 0, hdr;
	X509 *x = NULL;
	int n, ret;

	ret = cert_file_der(path, &der, &der_len, why, why_len);
	if (ret)
		return ret;
	q = der;
	x = der_len < (size_t)1 << 30 ? d2i_X509(NULL, &q, (long)der_len) : NULL;
	if (!x) {
		/* OpenSSL's reason ("nested asn1 error") would tell a user nothing more */
		snprintf(why, why_len, "not an X.509 certificate (PEM or DER)");
		ret = -EINVAL;
		goto out;
	}
	if (q != der + der_len) {
		snprintf(why, why_len, "%zu bytes after the certificate's DER",
			 (size_t)(der + der_len - q));
		ret = -EINVAL;
		goto out;
	}
	EVP_Digest(der, der_len, ids->cert_sha256, NULL, EVP_sha256(), NULL);

	n = i2d_X509_NAME(X509_get_issuer_name(x), &enc);
	if (n <= 0) {
		snprintf(why, why_len, "cannot encode its issuer");
		ret = -EINVAL;
		goto out;
	}
	EVP_Digest(enc, (size_t)n, ids->issuer_sha256, NULL, EVP_sha256(), NULL);
	OPENSSL_free(enc);
	enc = NULL;

	/* The serial's content octets: its DER after the tag and the length. */
	n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &enc);
	hdr = n >= 2 && enc[1] < 0x80 ? 2 : n >= 2 ? 2 + (size_t)(enc[1] & 0x7f) : 0;
	if (n <= 0 || !hdr || (size_t)n <= hdr) {
		snprintf(why, why_len, "cannot encode its serial number");
		ret = -EINVAL;
		goto out;
	}
	ids->serial_len = (size_t)n - hdr;
	if (ids->serial_len <= sizeof(ids->serial))
		memcpy(ids->serial, enc + hdr, ids->serial_len);

	skid = X509_get0_subject_key_id(x);
	if (skid && ASN1_STRING_length(skid) > 0) {
		ids->skid_len = (size_t)ASN1_STRING_length(skid);
		if (ids->skid_len <= sizeof(ids->skid))
			memcpy(ids->skid, ASN1_STRING_get0_data(skid), ids->skid_len);
	}
	ret = keep_cert(c, der, der_len);
	der = NULL;
out:
	ERR_clear_error();
	OPENSSL_free(enc);
	X509_free(x);
	free(der);
	return ret;
}

/* Sort c->sizes and fold them into distinct sizes with their rule counts. 0 or -ENOMEM. */
static int sort_sizes(struct compiled *c)
{
	struct policy_pair *v = policy_calloc(c->n_sizes + 1, sizeof(*v));
	size_t i, j;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->n_sizes; i++)
		v[i].key = c->sizes[i];
	if (policy_sort_pairs(v, c->n_sizes)) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0, j = 0; i < c->n_sizes; i++) {
		if (j && c->sizes[j - 1] == v[i].key) {
			c->size_counts[j - 1]++;
			continue;
		}
		c->sizes[j] = v[i].key;
		c->size_counts[j++] = 1;
	}
	c->n_sizes = j;
	free(v);
	return 0;
}

static int cmp_sha256(const void *a, const void *b)
{
	return memcmp(a, b, EXECBAN_SHA256_LEN);
}

static size_t put(uint8_t *buf, size_t at, const void *src, size_t len)
{
	memcpy(buf + at, src, len);
	return at + len;
}

/* Reason id's text and its length ("" and 0 for POLICY_NO_REASON). */
static const char *pair_reason(const struct policy *p, uint32_t reason)
{
	return reason == POLICY_NO_REASON ? "" : p->reasons[reason];
}

static size_t reason_len(const struct policy *p, uint32_t reason)
{
	return reason == POLICY_NO_REASON ? 0 : p->reason_lens[reason];
}

#define DIGEST_BUF	(64U << 10)

/* SHA-256 over a canonical form of everything the kernel enforces. */
static int policy_digest(const struct compiled *c, uint8_t out[EXECBAN_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const struct policy *p = &c->pol;
	uint8_t (*certs)[EXECBAN_SHA256_LEN], *buf;
	size_t i, used = 0;

	certs = calloc(c->n_certs + 1, sizeof(*certs));
	buf = malloc(DIGEST_BUF);
	if (!ctx || !certs || !buf) {
		EVP_MD_CTX_free(ctx);
		free(certs);
		free(buf);
		return -ENOMEM;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	/*
	 * -2: each rule's identity kind and key (signer rules), and the certificates. -3: the
	 * label up to its NUL, kind and action a byte each: a million rules hash 46 MB instead of
	 * 77 (on a CPU without SHA instructions, the test VM's, the digest took 3.5 s of the 6.6 s
	 * compile, at about 45 instructions a byte).
	 */
	EVP_DigestUpdate(ctx, "execban-policy-3", 17);
	EVP_DigestUpdate(ctx, c->info.name, sizeof(c->info.name));
	EVP_DigestUpdate(ctx, &c->info.version, sizeof(c->info.version));
	EVP_DigestUpdate(ctx, &c->info.mode, sizeof(c->info.mode));
	/*
	 * Records are gathered in buf and hashed a buffer at a time: SHA-256 then reads whole
	 * blocks in place, where one update per rule copied each record into its block buffer.
	 */
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		uint64_t size = r->has_size ? r->size : UINT64_MAX;
		const char *reason = pair_reason(p, r->reason_id);
		/* kind, key, size, action, label and reason with their NULs: one update per rule */
		uint8_t rec[1 + EXECBAN_SHA256_LEN + 8 + 1 + EXECBAN_LABEL_LEN + EXECBAN_REASON_LEN];
		size_t n = 0, rlen = reason_len(p, r->reason_id);
		size_t llen = r->label[0] ? strnlen(r->label, EXECBAN_LABEL_LEN - 1) : 0;

		rec[n++] = (uint8_t)r->ident_kind;
		n = put(rec, n, c->keys[i].b, EXECBAN_SHA256_LEN);
		n = put(rec, n, &size, sizeof(size));
		rec[n++] = (uint8_t)r->action;
		n = put(rec, n, r->label, llen);
		rec[n++] = 0;
		n = put(rec, n, reason, rlen);
		rec[n++] = 0;
		if (used + n > DIGEST_BUF) {
			EVP_DigestUpdate(ctx, buf, used);
			used = 0;
		}
		memcpy(buf + used, rec, n);
		used += n;
	}
	EVP_DigestUpdate(ctx, buf, used);
	for (i = 0; i < p->n_interps; i++)
		EVP_DigestUpdate(ctx, p->interps[i].path, strlen(p->interps[i].path) + 1);
	for (i = 0; i < p->n_quarantines; i++) {
		EVP_DigestUpdate(ctx, "quarantine", 11);
		EVP_DigestUpdate(ctx, p->quarantines[i].path, strlen(p->quarantines[i].path) + 1);
	}
	/* The keyring's content, whatever order the files named the certificates in. */
	for (i = 0; i < c->n_certs; i++)
		EVP_Digest(c->certs[i], c->cert_lens[i], certs[i], NULL, EVP_sha256(), NULL);
	qsort(certs, c->n_certs, sizeof(*certs), cmp_sha256);
	EVP_DigestUpdate(ctx, certs, c->n_certs * sizeof(*certs));
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	free(certs);
	free(buf);
	return 0;
}

/*
 * Rule ids are stable: a rule's id is the first 32 bits of its key (big-endian), whatever else
 * the policy holds, so a rule keeps its id across policies (events, hit counts, show) and has
 * the same id on every machine. Keys are SHA-256 outputs: two rules sharing those 32 bits are
 * rare (a rule added to a million-rule policy meets one with a chance of 1 in 4,000), and
 * take consecutive ids in key order. Ids increase strictly with the key and are never
 * EXECBAN_NO_RULE. The keys are sorted (key_rules()).
 */
static void stable_ids(uint32_t *ids, size_t n, uint32_t (*nat)(const void *arg, size_t i),
		       const void *arg)
{
	uint64_t id, prev = 0;
	uint32_t cap = EXECBAN_NO_RULE;
	size_t i;

	for (i = 0; i < n; i++) {
		id = nat(arg, i);
		if (i && id <= prev)
			id = prev + 1;
		ids[i] = id < EXECBAN_NO_RULE ? (uint32_t)id : EXECBAN_NO_RULE;
		prev = id;
	}
	/* the top of the range, rarely crowded: step down below the sentinel, and each other */
	for (i = n; i-- > 0 && ids[i] >= cap; cap = ids[i])
		ids[i] = cap - 1;
}

static uint32_t key_prefix(const void *arg, size_t i)
{
	const uint8_t *k = ((const struct sha256_key *)arg)[i].b;

	return (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
}

static int assign_rule_ids(struct compiled *c)
{
	uint32_t *ids = policy_malloc(c->n_rules + 1, sizeof(*ids));
	size_t i;

	if (!ids)
		return -ENOMEM;
	stable_ids(ids, c->n_rules, key_prefix, c->keys);
	for (i = 0; i < c->n_rules; i++)
		c->rules[i].rule_id = ids[i];
	free(ids);
	return 0;
}

/*
 * Text ids are stable the same way: a rule's label and reason, as a pair, get the first 32 bits
 * of SHA-256 of label, NUL, reason; pairs sharing them take consecutive ids in (label,
 * reason) order. So a text added to a policy changes no other rule's record. Each distinct
 * pair is stored once, in texts_{0,1}: a feed gives thousands of rules one label (a package).
 *
 * Pairs are found with an open-addressing table over the rules first, so that SHA-256 runs
 * once per distinct pair, not per rule (a million labelled rules would hash 160 MB).
 */
struct text_pair {
	const char *label;		/* the label of the first rule that has the pair */
	uint32_t reason;		/* index in pol.reasons, or POLICY_NO_REASON */
	uint32_t h;			/* then: the SHA-256 prefix */
	size_t idx;			/* its index in the table's order of discovery */
};

struct text_sort {
	const struct policy *p;
	const struct text_pair *pairs;
};

static uint64_t pair_hash(const char *label, uint32_t reason)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ reason;
	size_t i;

	for (i = 0; i < EXECBAN_LABEL_LEN && label[i]; i++)
		h = (h ^ (uint8_t)label[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static bool has_text(const struct policy_rule *r)
{
	return r->label[0] || r->reason_id != POLICY_NO_REASON;
}

static int cmp_text_pair(const void *a, const void *b, void *arg)
{
	const struct text_pair *x = a, *y = b;
	const struct policy *p = arg;
	int d;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	d = strncmp(x->label, y->label, EXECBAN_LABEL_LEN);
	return d ? d : strcmp(pair_reason(p, x->reason), pair_reason(p, y->reason));
}

/* Ids come from the stable sort by SHA-256 prefix: the radix sort, then runs of one prefix. */
static int cmp_text_at(const void *a, const void *b, void *arg)
{
	const struct text_sort *t = arg;

	return cmp_text_pair(&t->pairs[((const struct policy_pair *)a)->val],
			     &t->pairs[((const struct policy_pair *)b)->val], (void *)t->p);
}

/*
 * Sort the pairs as cmp_text_pair() orders them. A million distinct texts (a feed with a
 * reason per file) took qsort 1,000 instructions each; a radix sort on the 32-bit prefix and
 * a comparison sort of the runs that share one (rare) take a tenth.
 */
static int sort_text_pairs(const struct policy *p, struct text_pair **pairs, size_t n)
{
	struct policy_pair *o = policy_malloc(n + 1, sizeof(*o));
	struct text_pair *sorted = policy_malloc(n + 1, sizeof(*sorted));
	struct text_sort t = { .p = p, .pairs = *pairs };
	size_t i;

	if (!o || !sorted) {
		free(o);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		o[i] = (struct policy_pair){ (*pairs)[i].h, i };
	if (policy_sort_pairs_by(o, n, cmp_text_at, &t)) {
		free(o);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		sorted[i] = (*pairs)[o[i].val];
	free(o);
	free(*pairs);
	*pairs = sorted;
	return 0;
}

static uint32_t text_nat(const void *arg, size_t i)
{
	return ((const struct text_pair *)arg)[i].h;
}

/* Find the distinct pairs (pairs, *n) and each text rule's pair (of_rule). */
static int find_pairs(const struct policy *p, struct text_pair *pairs, size_t *n,
		      uint32_t *of_rule)
{
	size_t cap = 16, i, slot, mask;
	uint32_t *table;

	while (cap < 2 * p->n_rules)
		cap *= 2;
	mask = cap - 1;
	table = policy_malloc(cap, sizeof(*table));
	if (!table)
		return -ENOMEM;
	memset(table, 0xff, cap * sizeof(*table));
	*n = 0;
	for (i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!has_text(r))
			continue;
		for (slot = pair_hash(r->label, r->reason_id) & mask; table[slot] != UINT32_MAX;
		     slot = (slot + 1) & mask) {
			const struct text_pair *t = &pairs[table[slot]];

			if (t->reason == r->reason_id &&
			    !strncmp(t->label, r->label, EXECBAN_LABEL_LEN))
				break;
		}
		if (table[slot] == UINT32_MAX) {
			pairs[*n] = (struct text_pair){ .label = r->label, .reason = r->reason_id,
							.idx = *n };
			table[slot] = (uint32_t)(*n)++;
		}
		of_rule[i] = table[slot];
	}
	free(table);
	return 0;
}

static int assign_text_ids(struct compiled *c, uint32_t *of_rule)
{
	struct policy *p = &c->pol;
	struct text_pair *pairs = policy_malloc(p->n_rules + 1, sizeof(*pairs));
	uint32_t *ids = NULL, *id_of = NULL;
	uint8_t md[EXECBAN_SHA256_LEN], buf[EXECBAN_LABEL_LEN + EXECBAN_REASON_LEN];
	size_t n = 0, i, len;
	/* fetched once: OpenSSL 3 looks an implicit algorithm up again on every use */
	EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ret = -ENOMEM;

	if (!pairs || !sha256 || !ctx)
		goto out;
	ret = find_pairs(p, pairs, &n, of_rule);
	if (ret)
		goto out;
	ret = -ENOMEM;
	ids = policy_malloc(n + 1, sizeof(*ids));
	id_of = policy_malloc(n + 1, sizeof(*id_of));
	c->texts = policy_calloc(n + 1, sizeof(*c->texts));
	if (!ids || !id_of || !c->texts)
		goto out;
	for (i = 0; i < n; i++) {
		const char *reason = pair_reason(p, pairs[i].reason);
		size_t rlen = reason_len(p, pairs[i].reason);

		/* label, NUL, reason: below 32 and 128 bytes (policy.c) */
		len = strnlen(pairs[i].label, EXECBAN_LABEL_LEN - 1);
		memcpy(buf, pairs[i].label, len);
		buf[len++] = 0;
		memcpy(buf + len, reason, rlen);
		len += rlen;
		if (!EVP_DigestInit_ex(ctx, sha256, NULL) || !EVP_DigestUpdate(ctx, buf, len) ||
		    !EVP_DigestFinal_ex(ctx, md, NULL)) {
			ret = -EIO;
			goto out;
		}
		pairs[i].h = key_prefix(md, 0);
	}
	ret = sort_text_pairs(p, &pairs, n);
	if (ret)
		goto out;
	ret = -ENOMEM;
	stable_ids(ids, n, text_nat, pairs);
	for (i = 0; i < n; i++) {
		id_of[pairs[i].idx] = ids[i];
		c->texts[i].id = ids[i];
		c->texts[i].label = pairs[i].label;
		c->texts[i].reason = pair_reason(p, pairs[i].reason);
	}
	c->n_texts = n;
	for (i = 0; i < p->n_rules; i++)
		of_rule[i] = has_text(&p->rules[i]) ? id_of[of_rule[i]] : EXECBAN_NO_TEXT;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(sha256);
	free(pairs);
	free(ids);
	free(id_of);
	return ret;
}

static void hash_marks(EVP_MD_CTX *ctx, const char *kind, const struct policy_interp *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		EVP_DigestUpdate(ctx, kind, strlen(kind) + 1);
		EVP_DigestUpdate(ctx, l[i].path, strlen(l[i].path) + 1);
	}
}

int policy_marks_sha256(const struct policy *p, uint8_t out[EXECBAN_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	if (ok) {
		hash_marks(ctx, "interpreter", p->interps, p->n_interps);
		hash_marks(ctx, "quarantine", p->quarantines, p->n_quarantines);
		ok = EVP_DigestFinal_ex(ctx, out, NULL);
	}
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

void compiled_text_value(const struct compiled_text *t, struct execban_text *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->label, t->label, strnlen(t->label, EXECBAN_LABEL_LEN - 1));
	memcpy(v->reason, t->reason, strnlen(t->reason, EXECBAN_REASON_LEN - 1));
}

const struct compiled_text *compiled_text(const struct compiled *c, uint32_t id)
{
	size_t lo = 0, hi = c->n_texts, mid;

	while (id != EXECBAN_NO_TEXT && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->texts[mid].id == id)
			return &c->texts[mid];
		if (c->texts[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

ssize_t compiled_rule_index(const struct compiled *c, uint32_t id)
{
	size_t lo = 0, hi = c->n_rules, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->rules[mid].rule_id == id)
			return (ssize_t)mid;
		if (c->rules[mid].rule_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct keyed {
	struct sha256_key key;
	size_t idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = memcmp(x->key.b, y->key.b, EXECBAN_SHA256_LEN);

	return d ? d : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Key every rule and order rules by key (the maps do not care; diff and scan merge and search
 * sorted keys). policy_finish() sorted by identity, which is key order already for sha256 rules
 * (the key is the digest): only signer rules usually move. 0, -EINVAL (reported) or -ENOMEM.
 */
static int key_rules(struct compiled *c)
{
	struct policy *p = &c->pol;
	struct keyed *k;
	size_t i, j, n = p->n_rules;
	bool sorted = true;
	int ret = 0;

	for (i = 0; i < n; i++) {
		rule_key(&p->rules[i], &c->keys[i]);
		if (i && memcmp(c->keys[i - 1].b, c->keys[i].b, EXECBAN_SHA256_LEN) >= 0)
			sorted = false;
	}
	if (!sorted) {
		k = policy_calloc(n + 1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			k[i].key = c->keys[i];
			k[i].idx = i;
		}
		qsort(k, n, sizeof(*k), cmp_keyed);
		/* Permute the rules in place, cycle by cycle (they may be a million). */
		for (i = 0; i < n; i++) {
			struct policy_rule tmp;

			c->keys[i] = k[i].key;
			if (k[i].idx == i)
				continue;
			tmp = p->rules[i];
			for (j = i; k[j].idx != i;) {
				size_t from = k[j].idx;

				p->rules[j] = p->rules[from];
				k[j].idx = j;
				j = from;
			}
			p->rules[j] = tmp;
			k[j].idx = j;
		}
		free(k);
	}
	for (i = 1; i < n; i++) {
		/*
		 * Distinct identities have distinct keys, short of a SHA-256 collision; but a
		 * sha256= rule can copy a signer rule's key from "execban show".
		 */
		if (!memcmp(c->keys[i - 1].b, c->keys[i].b, EXECBAN_SHA256_LEN)) {
			const struct policy_rule *a = &p->rules[i - 1], *b = &p->rules[i];
			const struct policy_rule *s = a->ident_kind == EXECBAN_IDENT_SHA256 ? b : a;
			const struct policy_rule *h = s == a ? b : a;

			policy_diag(p, h->file, h->line, true,
				    "this sha256= is the map key of the %s rule at %s:%u: name "
				    "the signer once", policy_ident_name(s->ident_kind), s->file,
				    s->line);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* A policy diagnostic to msg_hook, for a caller that gave no function of its own. */
static void diag_to_msg_hook(void *arg, const char *file, unsigned int line, bool error,
			     const char *msg)
{
	(void)arg;
	if (msg_hook)
		msg_hook(file, line, error, msg);
}

static int compile_all(struct compiled *c, char **files, int n_files, size_t max_rules,
		       FILE *diag, bool allow_empty,
		       void (*fn)(void *arg, const char *file, unsigned int line, bool error,
				  const char *msg), void *arg)
{
	struct policy *p = &c->pol;
	bool all_sized = true;
	size_t i, n_signers = 0, n_signer_bans = 0;
	uint32_t *rule_texts;
	int ret = 0, r;

	memset(c, 0, sizeof(*c));
	policy_init(p);
	p->max_rules = max_rules;
	p->allow_empty = allow_empty;
	p->diag = diag;
	p->diag_fn = fn ? fn : msg_hook ? diag_to_msg_hook : NULL;
	p->diag_arg = arg;
	p->load_cert = load_cert;
	p->load_cert_arg = c;
	p->on_file = loadcache_on_file;
	p->on_glob = loadcache_on_glob;
	p->on_input_arg = &c->inputs;
	timing("start");
	for (i = 0; i < (size_t)n_files; i++) {
		r = policy_parse_file(p, files[i]);
		if (r && !ret)
			ret = r;
	}
	if (ret)
		return ret;
	timing("parse");
	ret = policy_finish(p);
	if (ret)
		return ret;

	c->n_rules = p->n_rules;
	c->keys = policy_calloc(c->n_rules, sizeof(*c->keys));
	c->rules = policy_calloc(c->n_rules, sizeof(*c->rules));
	c->sizes = policy_calloc(c->n_rules, sizeof(*c->sizes));
	c->size_counts = policy_calloc(c->n_rules, sizeof(*c->size_counts));
	if (!c->keys || !c->rules || !c->sizes || !c->size_counts)
		return -ENOMEM;
	timing("sort");
	ret = key_rules(c);
	if (ret)
		return ret;
	rule_texts = policy_malloc(c->n_rules + 1, sizeof(*rule_texts));
	if (!rule_texts)
		return -ENOMEM;
	ret = assign_rule_ids(c);
	if (!ret)
		ret = assign_text_ids(c, rule_texts);
	if (ret) {
		free(rule_texts);
		return ret;
	}
	for (i = 0; i < c->n_rules; i++) {
		const struct policy_rule *pr = &p->rules[i];
		struct execban_rule *kr = &c->rules[i];

		kr->action = (uint8_t)pr->action;
		kr->ident_kind = (uint8_t)pr->ident_kind;
		kr->text_id = rule_texts[i];
		execban_rule_set_size(kr, pr->has_size ? pr->size : EXECBAN_RULE_NO_SIZE);
		if (pr->ident_kind != EXECBAN_IDENT_SHA256) {
			/* A signer matches files of any size: the size filter is about digests. */
			n_signers++;
			/* Signatures need reading only if a signer can ban a file. */
			if (pr->action != EXECBAN_RULE_ALLOW)
				n_signer_bans++;
		} else if (pr->action == EXECBAN_RULE_ALLOW) {
			/*
			 * Not in the size filter, which holds banned sizes: the kernel looks an
			 * exception's digest up only when a signer rule would refuse the file
			 * (bpf/check.bpf.h), so other files of its size are not hashed for it.
			 */
		} else if (pr->has_size) {
			c->sizes[c->n_sizes++] = pr->size;
		} else {
			all_sized = false;
		}
	}
	free(rule_texts);
	timing("records");
	ret = sort_sizes(c);
	if (ret)
		return ret;

	c->info.version = p->version;
	c->info.mode = p->mode;
	c->info.flags = all_sized ? EXECBAN_POLICY_SIZE_FILTER : 0;
	if (n_signer_bans)
		c->info.flags |= EXECBAN_POLICY_HAS_SIGNERS;
	c->info.n_rules = (uint32_t)c->n_rules;
	c->info.n_sizes = (uint32_t)c->n_sizes;
	c->info.n_texts = (uint32_t)c->n_texts;
	c->info.n_signer_rules = (uint32_t)n_signers;
	memcpy(c->info.name, p->name, sizeof(c->info.name));
	timing("size list");
	ret = policy_digest(c, c->info.digest);
	timing("digest");
	return ret;
}

int compile_diag(struct compiled *c, char **files, int n_files, size_t max_rules, FILE *diag)
{
	return compile_all(c, files, n_files, max_rules, diag, false, NULL, NULL);
}

int compile_diag_fn(struct compiled *c, char **files, int n_files, size_t max_rules, FILE *diag,
		    void (*fn)(void *arg, const char *file, unsigned int line, bool error,
			       const char *msg), void *arg)
{
	return compile_all(c, files, n_files, max_rules, diag, false, fn, arg);
}

/* Parse and compile the policy files into map-ready arrays. Errors are reported. */
int compile(struct compiled *c, char **files, int n_files, size_t max_rules)
{
	return compile_diag(c, files, n_files, max_rules, NULL);
}

int compile_empty_ok(struct compiled *c, char **files, int n_files, size_t max_rules, FILE *diag)
{
	return compile_all(c, files, n_files, max_rules, diag, true, NULL, NULL);
}
