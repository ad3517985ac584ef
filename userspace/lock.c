// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c - lock mode: execban lock, execban sign, execban compile, execban verify, and signed
 * loads.
 *
 * Once locked (until reboot), userspace cannot write execban's maps at all: a policy update is
 * a request to the kernel (struct execban_ctl through the lock_ctl map), which checks the
 * manifest's signature against the key named at lock time, copies the rules from this
 * process's memory while hashing them, and switches only if they are what was signed. See
 * bpf/lock.bpf.h and docs/lock-mode.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include <bpf/bpf.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "compile.h"
#include "jsonout.h"
#include "rulemap.h"

/* A compiled policy in the form the kernel installs (include/execban.h). */
struct body {
	struct execban_manifest m;
	struct execban_rule_record *rules;
	struct execban_size_record *sizes;
	struct execban_text_record *texts;
};

static void body_free(struct body *b)
{
	free(b->rules);
	free(b->sizes);
	free(b->texts);
}

/* The manifest and records of c. The same bytes on every machine, for the same policy. */
static int build_body(const struct compiled *c, struct body *b)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;

	memset(b, 0, sizeof(*b));
	b->rules = calloc(c->n_rules ? c->n_rules : 1, sizeof(*b->rules));
	b->sizes = calloc(c->n_sizes ? c->n_sizes : 1, sizeof(*b->sizes));
	b->texts = calloc(c->n_texts ? c->n_texts : 1, sizeof(*b->texts));
	if (!ctx || !b->rules || !b->sizes || !b->texts) {
		EVP_MD_CTX_free(ctx);
		body_free(b);
		return -ENOMEM;
	}
	for (i = 0; i < c->n_rules; i++) {
		memcpy(b->rules[i].key, c->keys[i].b, EXECBAN_SHA256_LEN);
		b->rules[i].rule = c->rules[i];
	}
	for (i = 0; i < c->n_sizes; i++) {
		b->sizes[i].size = c->sizes[i];
		b->sizes[i].count = c->size_counts[i];
	}
	/* by id: the same bytes whatever the order texts were first written in */
	for (i = 0; i < c->n_texts; i++) {
		b->texts[i].id = c->texts[i].id;
		compiled_text_value(&c->texts[i], &b->texts[i].text);
	}

	memcpy(b->m.magic, EXECBAN_MANIFEST_MAGIC, sizeof(EXECBAN_MANIFEST_MAGIC));
	b->m.body_abi = EXECBAN_BODY_ABI;
	b->m.n_marks = (uint32_t)(c->pol.n_interps + c->pol.n_quarantines);
	b->m.info = c->info;
	b->m.info.loaded_at_ns = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, b->rules, c->n_rules * sizeof(*b->rules));
	EVP_DigestUpdate(ctx, b->sizes, c->n_sizes * sizeof(*b->sizes));
	EVP_DigestUpdate(ctx, b->texts, c->n_texts * sizeof(*b->texts));
	EVP_DigestFinal_ex(ctx, b->m.body_sha256, NULL);
	EVP_MD_CTX_free(ctx);
	if (policy_marks_sha256(&c->pol, b->m.marks_sha256)) {
		body_free(b);
		return -ENOMEM;
	}
	return 0;
}

int lock_read(struct execban_lock *lk)
{
	uint32_t zero = 0;
	int fd = open_pinned_map_ro(PM_LOCK), ret = 0;

	memset(lk, 0, sizeof(*lk));
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, lk))
		ret = -errno;
	close(fd);
	return ret;
}

static int ctl(const struct execban_ctl *c)
{
	uint32_t zero = 0;
	int fd = open_pinned_map(PM_LOCK_CTL), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, c, BPF_ANY))
		ret = -errno;
	close(fd);
	return ret;
}

int lock_protect_self(void)
{
	struct execban_ctl c = { .op = EXECBAN_CTL_PROTECT };

	return ctl(&c);
}

static int read_file(const char *path, unsigned char **buf, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	*buf = NULL;
	*len = 0;
	if (!f)
		return -errno;
	*buf = malloc(max + 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(*buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(*buf);
		*buf = NULL;
		return -E2BIG;
	}
	*len = n;
	return 0;
}

/* The policy in force, read back from the kernel (read-only). 0 or -errno. */
int active_info(struct execban_policy_info *info, struct execban_state *st)
{
	int sfd = open_pinned_map_ro(PM_STATE), ifd = open_pinned_map_ro(PM_POLICY_INFO), ret = 0;
	uint32_t zero = 0, slot;

	if (sfd < 0 || ifd < 0 || bpf_map_lookup_elem(sfd, &zero, st))
		ret = -ENOENT;
	slot = ret ? 0 : (uint32_t)(st->gen & 1);
	if (!ret && bpf_map_lookup_elem(ifd, &slot, info))
		ret = -ENOENT;
	if (sfd >= 0)
		close(sfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

/* 0 loaded, 1 already in force (same digest), or -errno (reported). */
int signed_load(const struct compiled *c, const char *sig_path, uint64_t *gen)
{
	struct execban_ctl r = { .op = EXECBAN_CTL_LOAD };
	struct execban_policy_info info;
	unsigned char *sig = NULL;
	struct execban_state st;
	struct timespec now;
	struct body b;
	size_t sig_len = 0;
	int ret;

	if (!active_info(&info, &st) && !memcmp(info.digest, c->info.digest, sizeof(info.digest)))
		return 1;

	if (sig_path) {
		ret = read_file(sig_path, &sig, &sig_len, EXECBAN_POLICY_SIG_MAX);
		if (ret) {
			err("%s: %s", sig_path, ret == -E2BIG ? "larger than a policy signature "
			    "can be (8 KiB)" : strerror(-ret));
			return ret;
		}
	} else {
		err("lock mode: a policy update must be signed by the lock key (--signature); "
		    "submitting it unsigned, the kernel will refuse it");
	}
	ret = build_body(c, &b);
	if (ret) {
		free(sig);
		return ret;
	}
	/* Test hook (tests/guest/lock.sh): rules that are not what the manifest says. */
	if (getenv("EXECBAN_TEST_CORRUPT_BODY") && c->n_rules)
		b.rules[0].rule.action ^= EXECBAN_RULE_DENY | EXECBAN_RULE_AUDIT;
	clock_gettime(CLOCK_REALTIME, &now);
	r.manifest = (uint64_t)(uintptr_t)&b.m;
	r.sig = (uint64_t)(uintptr_t)sig;
	r.sig_len = (uint32_t)sig_len;
	r.rules = (uint64_t)(uintptr_t)b.rules;
	r.sizes = (uint64_t)(uintptr_t)b.sizes;
	r.texts = (uint64_t)(uintptr_t)b.texts;
	r.now_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	ret = ctl(&r);
	body_free(&b);
	free(sig);
	switch (ret) {
	case 0:
		break;
	case -ENOKEY:
		err("lock mode: the signature is not by the lock key (or the lock keyring is gone)");
		break;
	case -EKEYREJECTED:
	case -EBADMSG:
	case -EINVAL:
		err("lock mode: the kernel refused the signature (%s): it is malformed, or not "
		    "over this policy as compiled here", strerror(-ret));
		break;
	case -ESTALE:
		err("lock mode: version %llu is not newer than the policy in force: rollback refused",
		    (unsigned long long)c->info.version);
		break;
	case -EBUSY:
		err("lock mode: another signed load is in progress");
		break;
	case -E2BIG:
		err("lock mode: %zu rules do not fit the rule arrays sized when execban was locked "
		    "(--max-rules of the first load)", c->n_rules);
		break;
	case -EOPNOTSUPP:
		err("lock mode: signed loads need execban.ko's hashing");
		break;
	default:
		err("lock mode: the kernel refused the policy: %s", strerror(-ret));
	}
	if (ret)
		return ret;
	if (!active_info(&info, &st))
		*gen = st.gen;
	if (c->pol.n_interps || c->pol.n_quarantines)
		warn("lock mode: interpreter and quarantine marks stay those in force when locked");
	return 0;
}

/* ---- execban compile / sign ---- */

static int compile_body(char **files, int n, struct compiled *c, struct body *b)
{
	int ret = compile(c, files, n, EXECBAN_DEFAULT_MAX_RULES);

	if (!ret)
		ret = build_body(c, b);
	return ret;
}

/* Write buf to path whole, or leave no file there. 0 or -errno (reported). */
static int write_out(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f) {
		err("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fwrite(buf, 1, len, f) != len)
		ret = errno ? -errno : -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret) {
		err("%s: %s", path, strerror(-ret));
		unlink(path);
	}
	return ret;
}

/* The policy's name, version, mode, rule count and digest, into a --json object. */
static void json_policy(struct json_object *o, const struct compiled *c)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1];

	hex_encode(c->info.digest, EXECBAN_SHA256_LEN, hex);
	json_add_str(o, "name", c->pol.name);
	json_add_u64(o, "version", c->info.version);
	json_add_str(o, "mode", c->info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
	json_add_u64(o, "rules", c->n_rules);
	json_add_str(o, "digest", hex);
}

/* The policy files named, as a JSON array. */
static struct json_object *json_files(char **files, int n)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; a && i < n; i++)
		json_object_array_add(a, json_text(files[i]));
	return a;
}

/* Print a verb's --json object o with its messages; the exit status ret, or 3 if stdout failed. */
static int json_finish(struct json_object *o, int ret)
{
	json_add_bool(o, "ok", ret == EXIT_OK);
	json_add(o, "messages", json_messages_end());
	return json_emit(stdout, o) ? EXIT_SYSTEM : ret;
}

static int compile_run(const char *out, char **files, int n, struct json_object *o)
{
	unsigned char md[EXECBAN_SHA256_LEN];
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	struct compiled c;
	struct body b;
	int ret;

	ret = compile_body(files, n, &c, &b);
	if (!ret) {
		ret = write_out(out, &b.m, sizeof(b.m));
		if (!ret && o) {
			EVP_Digest(&b.m, sizeof(b.m), md, NULL, EVP_sha256(), NULL);
			hex_encode(md, sizeof(md), hex);
			json_add_str(o, "manifest_sha256", hex);
			json_policy(o, &c);
		}
		body_free(&b);
	}
	compiled_free(&c);
	return ret == -EINVAL || ret == -ENOENT ? EXIT_FAIL : ret ? EXIT_SYSTEM : EXIT_OK;
}

int cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, {},
	};
	struct json_object *o = NULL;
	const char *out = NULL;
	bool json = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "o:jh", opts, NULL)) != -1) {
		if (opt == 'o') {
			out = optarg;
			continue;
		}
		if (opt == 'j') {
			json = true;
			continue;
		}
		if (opt != 'h')
			return usage_hint("compile");
		printf("usage: execban compile [--json] -o MANIFEST POLICY...\n\n"
		       "Write the policy's manifest: what a lock-mode policy signature covers\n"
		       "(openssl cms -sign -binary -noattr -outform DER -in MANIFEST ...).\n\n"
		       "  -j, --json   one JSON object: ok, manifest, manifest_sha256, files, name,\n"
		       "               version, mode, rules, digest, messages\n\n"
		       "exit: 0 written, 1 a bad policy or a missing file, 2 usage, 3 other errors\n");
		return EXIT_OK;
	}
	if (!out)
		return usage_error("compile", "no -o MANIFEST given");
	if (optind == argc)
		return usage_error("compile", "no POLICY given");
	if (json) {
		json_messages_begin();
		o = json_doc(JSON_SCHEMA_COMPILE);
		json_add_str(o, "manifest", out);
		json_add(o, "files", json_files(argv + optind, argc - optind));
	}
	ret = compile_run(out, argv + optind, argc - optind, o);
	return o ? json_finish(o, ret) : ret;
}

static void ossl_err(const char *what)
{
	unsigned long e = ERR_get_error();

	err("%s: %s", what, e ? ERR_reason_error_string(e) : "failed");
}

/* ---- the key's passphrase: OpenSSL's -passin forms ---- */

#define PASS_MAX	1024	/* longer than any PEM_BUFSIZE callback buffer OpenSSL passes */

struct passphrase {
	char text[PASS_MAX + 1];
	bool given;		/* --pass: the key may be encrypted with text */
	bool asked;		/* the key is encrypted: OpenSSL asked for it */
};

/* The first line of fd, without its line end, as openssl's -passin file:, fd: and stdin. */
static int pass_read_line(int fd, struct passphrase *pw, char *why, size_t why_len)
{
	size_t n = 0;
	ssize_t r;
	char c;

	while (n < PASS_MAX) {
		r = read(fd, &c, 1);	/* a byte at a time: nothing after the line is consumed */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_len, "%s", strerror(errno));
			return -errno;
		}
		if (!r || c == '\n')
			break;
		pw->text[n++] = c;
	}
	if (n == PASS_MAX) {
		snprintf(why, why_len, "longer than %d bytes", PASS_MAX);
		return -E2BIG;
	}
	if (n && pw->text[n - 1] == '\r')
		n--;
	pw->text[n] = 0;
	return 0;
}

/*
 * --pass ARG, as openssl's -passin: pass:TEXT, env:VAR, file:PATH (its first line), fd:N (the
 * first line read from it), stdin (the first line of standard input). 0, or -errno with a
 * message already printed.
 */
static int pass_resolve(const char *arg, struct passphrase *pw)
{
	char why[128] = "", *end;
	const char *v;
	long fd;
	int ret = 0, f;

	memset(pw, 0, sizeof(*pw));
	pw->given = true;
	if (!strncmp(arg, "pass:", 5)) {
		if (strlen(arg + 5) > PASS_MAX) {
			snprintf(why, sizeof(why), "longer than %d bytes", PASS_MAX);
			ret = -E2BIG;
		} else {
			snprintf(pw->text, sizeof(pw->text), "%s", arg + 5);
		}
	} else if (!strncmp(arg, "env:", 4)) {
		v = getenv(arg + 4);
		if (!v) {
			snprintf(why, sizeof(why), "no environment variable %s", arg + 4);
			ret = -ENOENT;
		} else if (strlen(v) > PASS_MAX) {
			snprintf(why, sizeof(why), "longer than %d bytes", PASS_MAX);
			ret = -E2BIG;
		} else {
			snprintf(pw->text, sizeof(pw->text), "%s", v);
		}
	} else if (!strncmp(arg, "file:", 5)) {
		f = open(arg + 5, O_RDONLY | O_CLOEXEC);
		if (f < 0) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			ret = -errno;
		} else {
			ret = pass_read_line(f, pw, why, sizeof(why));
			close(f);
		}
	} else if (!strncmp(arg, "fd:", 3)) {
		errno = 0;
		fd = strtol(arg + 3, &end, 10);
		if (errno || end == arg + 3 || *end || fd < 0 || fd > INT32_MAX) {
			snprintf(why, sizeof(why), "not a file descriptor number");
			ret = -EINVAL;
		} else {
			ret = pass_read_line((int)fd, pw, why, sizeof(why));
		}
	} else if (!strcmp(arg, "stdin")) {
		ret = pass_read_line(STDIN_FILENO, pw, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "expected pass:TEXT, env:VAR, file:PATH, fd:N or stdin");
		ret = -EINVAL;
	}
	if (ret) {
		/* never the passphrase itself in a message: pass: only says the form */
		err("--pass %s: %s", !strncmp(arg, "pass:", 5) ? "pass:..." : arg, why);
		OPENSSL_cleanse(pw->text, sizeof(pw->text));
	}
	return ret;
}

/* pem_password_cb: OpenSSL asks for the key's passphrase only when the key is encrypted. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct passphrase *pw = u;
	size_t n = strlen(pw->text);

	(void)rwflag;
	pw->asked = true;
	if (!pw->given || size < 0 || n > (size_t)size)
		return -1;
	memcpy(buf, pw->text, n);
	return (int)n;
}

/* The private key of a PEM file, decrypted with pw when it is encrypted. NULL: reported. */
static EVP_PKEY *read_key(const char *path, struct passphrase *pw)
{
	EVP_PKEY *pkey = NULL;
	FILE *f = fopen(path, "r");

	if (!f) {
		err("%s: %s", path, strerror(errno));
		return NULL;
	}
	pkey = PEM_read_PrivateKey(f, NULL, pass_cb, pw);
	fclose(f);
	if (pkey) {
		ERR_clear_error();
		return pkey;
	}
	if (pw->asked && !pw->given)
		err("%s: the key is encrypted: give its passphrase with --pass (pass:, env:, "
		    "file:, fd: or stdin)", path);
	else if (pw->asked)
		err("%s: wrong passphrase (the key cannot be decrypted with it)", path);
	else
		err("%s: not a PEM private key", path);
	ERR_clear_error();
	return NULL;
}

/* The signer's certificate, into a --json object: subject, skid (or null), cert_sha256. */
static struct json_object *json_signer(X509 *x)
{
	struct json_object *o = json_object_new_object();
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	unsigned char md[EVP_MAX_MD_SIZE];
	char subject[256] = "", hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int n = 0;
	char *skid_hex;

	if (!o)
		return NULL;
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	json_add_str(o, "subject", subject);
	skid_hex = skid ? malloc(2 * (size_t)ASN1_STRING_length(skid) + 1) : NULL;
	if (skid_hex)
		hex_encode(ASN1_STRING_get0_data(skid), (size_t)ASN1_STRING_length(skid), skid_hex);
	json_add_str(o, "skid", skid_hex);
	free(skid_hex);
	if (X509_digest(x, EVP_sha256(), md, &n)) {
		hex_encode(md, n, hex);
		json_add_str(o, "cert_sha256", hex);
	} else {
		json_add_str(o, "cert_sha256", NULL);
	}
	ERR_clear_error();
	return o;
}

struct sign_args {
	const char *key, *cert, *out, *pass;
	char **files;
	int n_files;
};

static int sign_run(const struct sign_args *a, struct json_object *o)
{
	struct passphrase pw = { .given = false };
	EVP_PKEY *pkey = NULL;
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	BIO *in = NULL;
	X509 *x = NULL;
	FILE *f;
	struct compiled c;
	struct body b;
	int ret, len;

	if (a->pass && pass_resolve(a->pass, &pw))
		return EXIT_FAIL;
	pkey = read_key(a->key, &pw);
	OPENSSL_cleanse(pw.text, sizeof(pw.text));
	if (!pkey)
		return EXIT_FAIL;
	f = fopen(a->cert, "r");
	if (!f || !(x = PEM_read_X509(f, NULL, NULL, NULL))) {
		err("%s: %s", a->cert, f ? "not a PEM certificate" : strerror(errno));
		if (f)
			fclose(f);
		EVP_PKEY_free(pkey);
		return EXIT_FAIL;
	}
	fclose(f);
	if (!X509_check_private_key(x, pkey)) {
		err("%s: not the certificate of %s's key", a->cert, a->key);
		X509_free(x);
		EVP_PKEY_free(pkey);
		return EXIT_FAIL;
	}
	if (o)
		json_add(o, "signer", json_signer(x));
	ret = compile_body(a->files, a->n_files, &c, &b);
	if (ret) {
		compiled_free(&c);
		X509_free(x);
		EVP_PKEY_free(pkey);
		return ret == -EINVAL || ret == -ENOENT ? EXIT_FAIL : EXIT_SYSTEM;
	}
	in = BIO_new_mem_buf(&b.m, sizeof(b.m));
	cms = in ? CMS_sign(x, pkey, NULL, in, CMS_DETACHED | CMS_BINARY | CMS_NOATTR |
			    CMS_NOCERTS | CMS_NOSMIMECAP) : NULL;
	len = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
	ret = EXIT_OK;
	if (len <= 0) {
		ossl_err("cannot sign");
		ret = EXIT_FAIL;
	} else if (write_out(a->out, der, (size_t)len)) {
		ret = EXIT_SYSTEM;
	} else if (o) {
		json_policy(o, &c);
	} else {
		printf("signed %s version %llu (%u rules) -> %s\n", c.info.name[0] ? c.info.name :
		       "(unnamed)", (unsigned long long)c.info.version, c.info.n_rules, a->out);
	}
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	body_free(&b);
	compiled_free(&c);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ret;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "cert", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' }, { "pass", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, {},
	};
	struct sign_args a = { 0 };
	struct json_object *o = NULL;
	bool json = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "k:c:o:p:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': a.key = optarg; break;
		case 'c': a.cert = optarg; break;
		case 'o': a.out = optarg; break;
		case 'p': a.pass = optarg; break;
		case 'j': json = true; break;
		case 'h':
			printf("usage: execban sign --key KEY.pem [--pass ARG] --cert CERT.pem -o SIG "
			       "[--json] POLICY...\n\n"
			       "Sign the policy for lock mode: a detached PKCS#7 (DER) over its "
			       "manifest.\n"
			       "  --pass ARG   the key's passphrase, as openssl -passin: pass:TEXT, "
			       "env:VAR,\n"
			       "               file:PATH, fd:N or stdin (the first line)\n"
			       "  -j, --json   one JSON object: ok, signature, files, signer (subject,\n"
			       "               skid, cert_sha256), name, version, mode, rules, digest,\n"
			       "               messages\n\n"
			       "exit: 0 signed, 1 a bad key, certificate or policy, 2 usage, 3 cannot\n"
			       "write SIG\n");
			return EXIT_OK;
		default:
			return usage_hint("sign");
		}
	}
	if (!a.key || !a.cert || !a.out)
		return usage_error("sign", "no %s given", !a.key ? "--key KEY.pem" :
				   !a.cert ? "--cert CERT.pem" : "-o SIG");
	if (optind == argc)
		return usage_error("sign", "no POLICY given");
	a.files = argv + optind;
	a.n_files = argc - optind;
	if (json) {
		json_messages_begin();
		o = json_doc(JSON_SCHEMA_SIGN);
		json_add_str(o, "signature", a.out);
		json_add(o, "files", json_files(a.files, a.n_files));
		json_add(o, "signer", NULL);	/* until the certificate is read */
	}
	ret = sign_run(&a, o);
	return o ? json_finish(o, ret) : ret;
}

/* ---- execban lock ---- */

/* The policy key's certificate: the DER of a PEM or DER file, checked to parse. */
static int cert_der(const char *path, unsigned char **der, size_t *len)
{
	const unsigned char *q;
	char why[256] = "";
	X509 *x = NULL;
	int ret;

	ret = cert_file_der(path, der, len, why, sizeof(why));
	if (!ret) {
		q = *der;
		x = *len < (size_t)1 << 30 ? d2i_X509(NULL, &q, (long)*len) : NULL;
		if (!x || q != *der + *len) {
			snprintf(why, sizeof(why), "not an X.509 certificate (PEM or DER)");
			ret = -EINVAL;
		}
		X509_free(x);
		ERR_clear_error();
	}
	if (ret) {
		err("%s: %s", path, why[0] ? why : strerror(-ret));
		free(*der);
		*der = NULL;
	}
	return ret;
}

/* The lock and the policy in force, into lock's --json object. */
static void json_lock_state(struct json_object *o)
{
	struct execban_policy_info info;
	struct execban_state st;
	struct execban_lock lk;
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	bool locked = !lock_read(&lk) && lk.locked, in_force = !active_info(&info, &st);

	hex_encode(lk.key_sha256, EXECBAN_SHA256_LEN, hex);
	json_add_bool(o, "locked", locked);
	json_add_str(o, "key_sha256", locked ? hex : NULL);
	json_add(o, "keyring", locked ? json_object_new_int64(lk.keyring) : NULL);
	json_add(o, "min_version", locked ? json_object_new_uint64(lk.min_version) : NULL);
	json_add(o, "generation", in_force ? json_object_new_uint64(st.gen) : NULL);
	info.name[EXECBAN_NAME_LEN - 1] = 0;
	json_add_str(o, "name", in_force ? info.name : NULL);
	json_add(o, "version", in_force ? json_object_new_uint64(info.version) : NULL);
	json_add_str(o, "mode", !in_force ? NULL : info.mode == EXECBAN_MODE_AUDIT ? "audit" :
		     "enforce");
}

/*
 * While locked no rule array is swapped (every write to "rules" is refused): a signed load
 * writes its rules into the inactive copy's array in place. So before locking, both copies get
 * new arrays of the capacity fixed at the first load (--max-rules, the text maps' size): the
 * copy in force a copy of its own rules (the same entries under the same index, swapped in at
 * once), the other copy an empty one. Always new ones, made and frozen here: an array root put
 * in a slot before the lock, or mapped for writing, then holds nothing the kernel reads.
 * Called under the pin folder's flock, as loads are.
 */
static int size_rule_arrays(void)
{
	static const enum pinned_map need[] = { PM_RULES, PM_RULE_INDEX, PM_TEXTS_0, PM_STATE };
	const struct execban_rule_record *r;
	struct bpf_map_info mi;
	struct execban_state st;
	__u32 mi_len, zero = 0, active;
	int fd[PM_COUNT], ret = 0;
	size_t n, i;

	for (i = 0; i < PM_COUNT; i++)
		fd[i] = -1;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		fd[need[i]] = open_pinned_map(need[i]);
		if (fd[need[i]] < 0) {
			ret = fd[need[i]];
			goto out;
		}
	}
	memset(&mi, 0, sizeof(mi));
	mi_len = sizeof(mi);
	if (bpf_obj_get_info_by_fd(fd[PM_TEXTS_0], &mi, &mi_len) ||
	    bpf_map_lookup_elem(fd[PM_STATE], &zero, &st)) {
		ret = -errno;
		goto out;
	}
	active = st.gen & 1;
	ret = rule_slot_install(fd, !active, NULL, 0, mi.max_entries);
	if (!ret)
		ret = rule_slot_map(fd, active, &r, &n);
	if (!ret) {
		ret = rule_slot_install(fd, active, r, n, mi.max_entries);
		rule_slot_unmap(r, n);
	}
out:
	for (i = 0; i < PM_COUNT; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return ret;
}

/* The most maps a program can use (the verifier's MAX_USED_MAPS, 6.1 and 6.12). */
#define MAX_USED_MAPS	64

/* Ids of BPF objects, grown as needed. */
struct id_list {
	__u32 *ids;
	size_t n, cap;
};

static int id_add(struct id_list *l, __u32 id)
{
	__u32 *p;

	if (l->n == l->cap) {
		p = realloc(l->ids, (l->cap ? l->cap * 2 : 64) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->ids = p;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	l->ids[l->n++] = id;
	return 0;
}

/*
 * What lock_run() needs to tell execban's own objects from others': the ids of the pinned
 * maps and of the attached programs, and the programs a first scan found clean (their maps
 * cannot change).
 */
struct foreign_scan {
	struct id_list maps, own, clean;
	bool locked;		/* the switch is done: the hooks refuse fds of what uses our maps */
};

static int scan_init(struct foreign_scan *s)
{
	char path[256], name[128];
	int i, fd, ret = 0;

	for (i = 0; i < PM_COUNT && !ret; i++) {
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi);

		fd = open_pinned_map_ro((enum pinned_map)i);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &len))
			ret = id_add(&s->maps, mi.id);
		close(fd);
	}
	for (i = 0; i < n_programs && !ret; i++) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		snprintf(name, sizeof(name), "link_%s", program_names[i]);
		if (pin_path(path, sizeof(path), name))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &li, &len))
			ret = id_add(&s->own, li.prog_id);
		close(fd);
	}
	return ret;
}

static bool has_id(const struct id_list *l, __u32 id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

/*
 * What an fd of a BPF object got by id (fd, errno as the call left it) says: the fd, -ENOENT
 * if the object went away meanwhile, or -errno if it cannot be inspected (said).
 */
static int by_id(int fd, const char *kind, __u32 id)
{
	int e = errno;

	if (fd >= 0 || e == ENOENT)
		return fd >= 0 ? fd : -ENOENT;
	err("cannot inspect BPF %s %u: %s", kind, id, strerror(e));
	return -e;
}

/* Programs that use one of execban's maps: each is named; how many, or -errno. */
static int scan_programs(struct foreign_scan *s)
{
	__u32 map_ids[MAX_USED_MAPS], id = 0;
	int fd, ret, found = 0;
	size_t j;

	while (!(ret = bpf_prog_get_next_id(id, &id))) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);

		if (has_id(&s->own, id) || has_id(&s->clean, id))
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0 && s->locked && (errno == EPERM || errno == EACCES)) {
			/* the bpf_prog hook's answer, which also reports the attempt */
			err("BPF program %u was loaded outside execban and uses one of its maps: "
			    "it could change the policy from the kernel", id);
			found++;
			continue;
		}
		fd = by_id(fd, "program", id);
		if (fd == -ENOENT)
			continue;	/* gone meanwhile */
		if (fd < 0)
			return fd;
		pi.nr_map_ids = MAX_USED_MAPS;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		ret = bpf_obj_get_info_by_fd(fd, &pi, &len);
		close(fd);
		if (ret)
			return ret;
		for (j = 0; j < pi.nr_map_ids && j < MAX_USED_MAPS; j++) {
			if (!has_id(&s->maps, map_ids[j]))
				continue;
			err("BPF program %u (\"%s\") was loaded outside execban and uses its map "
			    "id %u: it could change the policy from the kernel after the lock", id,
			    pi.name, map_ids[j]);
			found++;
			break;
		}
		if (j == pi.nr_map_ids && !s->locked && id_add(&s->clean, id))
			return -ENOMEM;
	}
	return ret == -ENOENT ? found : ret;
}

/* Does the array or hash of maps fd hold one of execban's maps? Its id, or 0. */
static __u32 outer_holds_ours(const struct foreign_scan *s, int fd, __u32 key_size)
{
	char *key = calloc(2, key_size ? key_size : 1), *next = key + key_size;
	__u32 inner, hit = 0;
	int r;

	if (!key)
		return 0;
	for (r = bpf_map_get_next_key(fd, NULL, next); !r && !hit;
	     r = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, key_size);
		if (!bpf_map_lookup_elem(fd, key, &inner) && has_id(&s->maps, inner))
			hit = inner;
	}
	free(key);
	return hit;
}

/*
 * Arrays and hashes of maps made outside execban that hold one of its maps (put in before
 * the lock, which refuses that afterwards): a program loaded later reaches the inner map
 * through the outer one, which the bpf_prog hook does not know as execban's. Each is named;
 * how many, or -errno.
 */
static int scan_outer_maps(const struct foreign_scan *s)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, ro, .open_flags = BPF_F_RDONLY);
	int fd, ret, found = 0;
	__u32 id = 0, inner;

	while (!(ret = bpf_map_get_next_id(id, &id))) {
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi);

		if (has_id(&s->maps, id))
			continue;
		fd = by_id(bpf_map_get_fd_by_id_opts(id, &ro), "map", id);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		inner = 0;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &len) &&
		    (mi.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || mi.type == BPF_MAP_TYPE_HASH_OF_MAPS))
			inner = outer_holds_ours(s, fd, mi.key_size);
		close(fd);
		if (!inner)
			continue;
		err("BPF map %u (\"%s\") was made outside execban and holds its map id %u: a "
		    "program could change the policy through it from the kernel after the lock",
		    id, mi.name, inner);
		found++;
	}
	return ret == -ENOENT ? found : ret;
}

/*
 * Map element iterators over one of execban's maps (attached before the lock, which refuses
 * that afterwards): reading one runs a program that may write the map's values. Each is
 * named; how many, or -errno.
 */
static int scan_iter_links(const struct foreign_scan *s)
{
	int fd, ret, found = 0;
	__u32 id = 0;

	while (!(ret = bpf_link_get_next_id(id, &id))) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		fd = by_id(bpf_link_get_fd_by_id(id), "link", id);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		ret = bpf_obj_get_info_by_fd(fd, &li, &len);
		close(fd);
		if (ret)
			return ret;
		if (li.type != BPF_LINK_TYPE_ITER || !has_id(&s->maps, li.iter.map.map_id))
			continue;
		err("BPF iterator link %u (program %u) iterates execban's map id %u: it could "
		    "change the policy from the kernel after the lock", id, li.prog_id,
		    li.iter.map.map_id);
		found++;
	}
	return ret == -ENOENT ? found : ret;
}

/*
 * What outside execban could write its maps from the kernel once locked: programs that use
 * them, outer maps that hold them, iterators over them. The lock stops new ones (the bpf,
 * bpf_map and bpf_prog hooks); this finds those made before. 0 if none, else how many, or
 * -errno. Run before the switch, under the pin folder's lock (no execban load makes programs
 * meanwhile), and again after it, for what was made in between.
 */
static int foreign_map_users(struct foreign_scan *s)
{
	int n, found = 0;

	n = scan_programs(s);
	if (n < 0)
		return n;
	found += n;
	n = scan_outer_maps(s);
	if (n < 0)
		return n;
	found += n;
	n = scan_iter_links(s);
	if (n < 0)
		return n;
	return found + n;
}

/* Lock, under the pin folder's lock (dfd): the key's keyring, the arrays, the switch. */
static int lock_keyed(const char *keypath, bool json, int dfd)
{
	struct execban_ctl r = { .op = EXECBAN_CTL_LOCK };
	struct execban_lock lk;
	unsigned char *der = NULL;
	char restriction[64];
	long ring, certkey;
	size_t len = 0;
	int ret;

	if (cert_der(keypath, &der, &len))
		return EXIT_FAIL;
	EVP_Digest(der, len, r.key_sha256, NULL, EVP_sha256(), NULL);

	/*
	 * The key's own keyring, restricted after the key is in it: from then on only keys the
	 * policy key signed can be linked in, so root cannot add a key of its own to sign with.
	 */
	/*
	 * It is made in our process keyring, where we possess it (adding a key and restricting
	 * need that), then linked into root's user keyring, which keeps it past our exit. Made
	 * in the user keyring directly, it would not be ours to write wherever that keyring is
	 * not reachable from our session keyring: in every systemd service (KeyringMode=private),
	 * execban.service's lock at boot included.
	 */
	ring = syscall(SYS_add_key, "keyring", "execban:lock", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
	certkey = ring < 0 ? -1 : syscall(SYS_add_key, "asymmetric", NULL, der, len, ring);
	free(der);
	if (ring < 0 || certkey < 0) {
		err("the kernel refused the policy key: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	snprintf(restriction, sizeof(restriction), "key_or_keyring:%ld", certkey);
	if (syscall(SYS_keyctl, KEYCTL_RESTRICT_KEYRING, ring, "asymmetric", restriction) < 0) {
		err("cannot restrict the lock keyring: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (syscall(SYS_keyctl, KEYCTL_LINK, ring, KEY_SPEC_USER_KEYRING) < 0) {
		err("cannot keep the lock keyring in root's user keyring: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	ret = size_rule_arrays();
	if (ret) {
		err("cannot size the rule arrays for signed loads: %s", strerror(-ret));
		return EXIT_SYSTEM;
	}
	r.keyring = (int32_t)ring;
	r.pin_dir_fd = dfd;
	ret = ctl(&r);
	if (ret) {
		err("the kernel refused to lock: %s%s", strerror(-ret),
		    ret == -EOPNOTSUPP ? " (lock mode needs execban.ko's hashing)" : "");
		return EXIT_SYSTEM;
	}
	lock_read(&lk);
	if (!json)
		printf("locked until reboot: policy updates must be signed by %s (keyring %ld); "
		       "policy version in force %llu\n", keypath, ring,
		       (unsigned long long)lk.min_version);
	return EXIT_OK;
}

static int lock_run(const char *keypath, bool json)
{
	struct foreign_scan scan = { 0 };
	const char *pause_file;
	struct execban_lock lk;
	int ret, dfd;

	ret = lock_read(&lk);
	if (ret == -EACCES || ret == -EPERM) {
		err("cannot read the enforcement state in %s: permission denied: run 'execban lock' "
		    "as root", EXECBAN_PIN_DIR);
		return EXIT_SYSTEM;
	}
	if (ret || count_attached() != n_programs) {
		err("execban is not enforcing (run 'execban load' first): nothing to lock");
		return EXIT_SYSTEM;
	}
	if (lk.locked) {
		err("already locked (until reboot)");
		return EXIT_FAIL;
	}
	dfd = lock_pin_dir();
	if (dfd < 0)
		return EXIT_SYSTEM;
	ret = scan_init(&scan);
	if (!ret)
		ret = foreign_map_users(&scan);
	if (ret) {
		if (ret < 0)
			err("cannot list the BPF programs, maps and links: %s", strerror(-ret));
		else
			err("not locked: remove what is named above (or reboot) and lock again");
		ret = EXIT_SYSTEM;
		goto out;
	}
	/* tests only: a program loaded between the scan and the switch (tests/guest/lock.sh) */
	pause_file = getenv("EXECBAN_TEST_LOCK_PAUSE");
	if (pause_file) {
		fprintf(stderr, "execban: test: paused before the lock\n");
		while (access(pause_file, F_OK))
			usleep(50000);
	}
	ret = lock_keyed(keypath, json, dfd);
	if (ret != EXIT_OK)
		goto out;
	/*
	 * Again, now that the hooks refuse new ones: what was made after the scan above (no
	 * pin folder lock is needed for that) is seen here. The lock holds: said, and a
	 * failure, so that whoever locks knows.
	 */
	scan.locked = true;
	ret = foreign_map_users(&scan);
	if (ret < 0) {
		err("locked, but cannot list the BPF programs, maps and links to check for any made "
		    "meanwhile: %s", strerror(-ret));
		ret = EXIT_SYSTEM;
	} else if (ret) {
		err("locked, but that was made while locking: remove what holds it (its pins, "
		    "links, processes) or reboot");
		ret = EXIT_SYSTEM;
	}
out:
	close(dfd);
	free(scan.maps.ids);
	free(scan.own.ids);
	free(scan.clean.ids);
	return ret;
}

int cmd_lock(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy-key", required_argument, NULL, 'k' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, {},
	};
	struct json_object *o;
	const char *keypath = NULL;
	bool json = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (opt == 'k') {
			keypath = optarg;
			continue;
		}
		if (opt == 'j') {
			json = true;
			continue;
		}
		if (opt != 'h')
			return usage_hint("lock");
		printf("usage: execban lock --policy-key CERT.pem [--json]\n\n"
		       "Lock enforcement until reboot: from now on only policies signed by the\n"
		       "key of CERT.pem load, and not even root can detach, unpin or rewrite\n"
		       "execban's programs and maps. See execban(8), LOCK MODE.\n\n"
		       "  -j, --json   one JSON object: ok, policy_key, locked, key_sha256, keyring,\n"
		       "               min_version, generation, name, version, mode, messages\n\n"
		       "exit: 0 locked, 1 already locked or a bad certificate, 2 usage, 3 not\n"
		       "enforcing, not root, or the kernel refused\n");
		return EXIT_OK;
	}
	if (!keypath)
		return usage_error("lock", "no --policy-key CERT.pem given");
	if (optind != argc)
		return usage_error("lock", "unexpected argument '%s'", argv[optind]);
	if (json)
		json_messages_begin();
	ret = lock_run(keypath, json);
	if (!json)
		return ret;
	o = json_doc(JSON_SCHEMA_LOCK);
	json_add_str(o, "policy_key", keypath);
	json_lock_state(o);
	return json_finish(o, ret);
}

/* ---- execban verify ---- */

/*
 * Does sig verify over c's manifest with the key of cert, as the kernel checks a signed load
 * (bpf_verify_pkcs7_signature: the signer's key, no certificate chain, no time)? 0 valid, or
 * -errno with why.
 */
static int verify_sig(const struct body *b, const unsigned char *sig, size_t sig_len, X509 *x,
		      char *why, size_t why_len)
{
	const unsigned char *q = sig;
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *certs = NULL;
	CMS_ContentInfo *cms;
	BIO *content = NULL;
	int i, ret = 0;
	bool ours = false;

	cms = d2i_CMS_ContentInfo(NULL, &q, (long)sig_len);
	if (!cms || q != sig + sig_len) {
		snprintf(why, why_len, "not a PKCS#7/CMS signature in DER (what execban sign and "
			 "openssl cms -outform DER write)");
		CMS_ContentInfo_free(cms);
		return -EBADMSG;
	}
	if (!CMS_is_detached(cms)) {
		snprintf(why, why_len, "the signature carries its content: a policy signature is "
			 "detached (execban sign; openssl cms -sign -binary without -nodetach)");
		ret = -EBADMSG;
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	for (i = 0; sis && i < sk_CMS_SignerInfo_num(sis); i++)
		if (!CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, i), x))
			ours = true;
	if (!ours) {
		snprintf(why, why_len, "not signed by this certificate's key (the kernel would "
			 "refuse it: ENOKEY)");
		ret = -ENOKEY;
		goto out;
	}
	certs = sk_X509_new_null();
	content = BIO_new_mem_buf(&b->m, sizeof(b->m));
	if (!certs || !content || !sk_X509_push(certs, x)) {
		snprintf(why, why_len, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	/* The lock keyring holds the key itself: no chain to build, no time to check. */
	if (CMS_verify(cms, certs, NULL, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY |
		       CMS_NOINTERN) != 1) {
		snprintf(why, why_len, "it does not match this policy: the policy was changed "
			 "since it was signed (a rule, the name, the version or the mode), or the "
			 "signature is over another policy");
		ret = -EKEYREJECTED;
	}
out:
	ERR_clear_error();
	BIO_free(content);
	sk_X509_free(certs);	/* x stays the caller's */
	CMS_ContentInfo_free(cms);
	return ret;
}

static int verify_run(const char *sig_path, const char *cert, char **files, int n,
		      struct json_object *o)
{
	unsigned char *sig = NULL, *der = NULL;
	char why[512] = "", subject[256] = "";
	const unsigned char *q;
	size_t sig_len = 0, der_len = 0;
	struct compiled c;
	struct body b;
	X509 *x = NULL;
	int ret;

	if (cert_der(cert, &der, &der_len))
		return EXIT_FAIL;
	q = der;
	x = d2i_X509(NULL, &q, (long)der_len);
	free(der);
	if (!x) {
		err("%s: not an X.509 certificate (PEM or DER)", cert);
		return EXIT_FAIL;
	}
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	if (o)
		json_add(o, "signer", json_signer(x));
	ret = read_file(sig_path, &sig, &sig_len, EXECBAN_POLICY_SIG_MAX);
	if (ret) {
		err("%s: %s", sig_path, ret == -E2BIG ? "larger than a policy signature can be "
		    "(8 KiB): the kernel would refuse it" : strerror(-ret));
		X509_free(x);
		return EXIT_FAIL;
	}
	ret = compile_body(files, n, &c, &b);
	if (ret) {
		if (ret != -EINVAL && ret != -ENOENT)
			err("cannot compile the policy: %s", strerror(-ret));
		compiled_free(&c);
		free(sig);
		X509_free(x);
		return ret == -EINVAL || ret == -ENOENT ? EXIT_FAIL : EXIT_SYSTEM;
	}
	ret = verify_sig(&b, sig, sig_len, x, why, sizeof(why));
	if (o) {
		json_add_str(o, "verdict", ret ? "invalid" : "valid");
		json_add_str(o, "why", ret ? why : NULL);
		json_policy(o, &c);
	} else if (ret) {
		printf("%s: INVALID: %s\n", sig_path, why);
	} else {
		printf("%s: valid: signed by %s, over %s version %llu (%u rules)\n", sig_path,
		       subject, c.info.name[0] ? c.info.name : "(unnamed)",
		       (unsigned long long)c.info.version, c.info.n_rules);
	}
	body_free(&b);
	compiled_free(&c);
	free(sig);
	X509_free(x);
	return ret ? EXIT_FAIL : EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signature", required_argument, NULL, 's' }, { "cert", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, {},
	};
	const char *sig_path = NULL, *cert = NULL;
	struct json_object *o = NULL;
	bool json = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "s:c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sig_path = optarg; break;
		case 'c': cert = optarg; break;
		case 'j': json = true; break;
		case 'h':
			printf("usage: execban verify --signature SIG --cert CERT.pem [--json] "
			       "POLICY...\n\n"
			       "Check, without a kernel, that SIG (execban sign's detached PKCS#7) is\n"
			       "by the key of CERT.pem (PEM or DER) and over these policy files'\n"
			       "manifest: what a locked kernel checks before loading them.\n\n"
			       "  -j, --json   one JSON object: ok, verdict (valid, invalid, or null when\n"
			       "               the policy or certificate cannot be read), why, signature,\n"
			       "               cert, files, signer (subject, skid, cert_sha256), name,\n"
			       "               version, mode, rules, digest, messages\n\n"
			       "Exit 0 valid, 1 not (and why), 2 usage, 3 out of memory.\n");
			return EXIT_OK;
		default:
			return usage_hint("verify");
		}
	}
	if (!sig_path || !cert || optind == argc)
		return usage_error("verify", "no %s given", !sig_path ? "--signature SIG" :
				   !cert ? "--cert CERT.pem" : "POLICY");
	if (json) {
		json_messages_begin();
		o = json_doc(JSON_SCHEMA_VERIFY);
		json_add_str(o, "signature", sig_path);
		json_add_str(o, "cert", cert);
		json_add(o, "files", json_files(argv + optind, argc - optind));
		json_add(o, "verdict", NULL);	/* until there is one */
		json_add(o, "why", NULL);
		json_add(o, "signer", NULL);
	}
	ret = verify_run(sig_path, cert, argv + optind, argc - optind, o);
	return o ? json_finish(o, ret) : ret;
}
