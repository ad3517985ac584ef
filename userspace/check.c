// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - execban check (validate policies without loading) and execban hash (a file's
 * identities, as the kernel computes them, printed as a ready rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "compile.h"
#include "policy.h"
#include "../lib/sigparse.h"

static void usage_check(FILE *out)
{
	fputs("usage: execban check [--keys] [--json] POLICY...\n\n"
	      "Validate policy files without loading them, as 'execban load' would compile them\n"
	      "(signer= certificates included). Errors are printed as file:line: message.\n\n"
	      "  --keys   print every map entry the policy compiles to, sorted by key:\n"
	      "             <key hex> <rule in policy syntax>  # <file>:<line>[ from signer=<path>]\n"
	      "           the key of a sha256 rule is its digest; a signer rule's is\n"
	      "           SHA-256(\"execban-signer\\0\" || kind || identity); signer= gives one entry\n"
	      "           per identity of its certificate\n"
	      "  --json   one JSON object: ok, counts, digest, diagnostics (and entries with --keys)\n\n"
	      "exit: 0 valid, 1 invalid, 2 usage, 3 out of memory\n", out);
}

static void json_entry(const struct compiled *c, size_t i)
{
	const struct policy_rule *pr = &c->pol.rules[i];
	char hex[2 * EXECBAN_SHA256_LEN + 1], ident[POLICY_IDENT_STRLEN], *eq;

	hex_encode(c->keys[i].b, EXECBAN_SHA256_LEN, hex);
	policy_format_ident(pr, ident, sizeof(ident));
	eq = strchr(ident, '=');
	if (eq)
		*eq++ = 0;
	printf("%s{\"key\":\"%s\",\"action\":\"%s\",\"identity\":\"%s\",\"value\":\"%s\",",
	       i ? "," : "", hex, pr->action == EXECBAN_RULE_AUDIT ? "audit" : "deny", ident,
	       eq ? eq : "");
	if (pr->has_size)
		printf("\"size\":%llu,", (unsigned long long)pr->size);
	else
		fputs("\"size\":null,", stdout);
	fputs("\"label\":", stdout);
	json_str(pr->label);
	fputs(",\"reason\":", stdout);
	json_str(pr->reason_id == EXECBAN_NO_REASON ? "" : c->pol.reasons[pr->reason_id]);
	fputs(",\"file\":", stdout);
	json_str(pr->file);
	printf(",\"line\":%u,\"signer\":", pr->line);
	if (pr->signer)
		json_str(pr->signer);
	else
		fputs("null", stdout);
	putchar('}');
}

/* The diagnostics, one JSON string per line of text. */
static void json_lines(const char *text)
{
	const char *s = text, *nl;
	char line[1024];
	bool first = true;

	putchar('[');
	while (s && *s) {
		nl = strchr(s, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - s : (long)strlen(s)), s);
		printf("%s", first ? "" : ",");
		json_str(line);
		first = false;
		s = nl ? nl + 1 : NULL;
	}
	putchar(']');
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char hex[2 * EXECBAN_SHA256_LEN + 1], *text = NULL;
	bool keys = false, json = false;
	size_t i, text_len = 0;
	FILE *diag = NULL;
	struct compiled c;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': keys = true; break;
		case 'j': json = true; break;
		case 'h': usage_check(stdout); return EXIT_OK;
		default: usage_check(stderr); return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage_check(stderr);
		return EXIT_USAGE;
	}
	/* JSON carries the diagnostics: nothing else on stdout, nothing on stderr. */
	if (json) {
		diag = open_memstream(&text, &text_len);
		if (!diag) {
			err("out of memory");
			return EXIT_SYSTEM;
		}
	}
	ret = compile_diag(&c, argv + optind, argc - optind, EXECBAN_DEFAULT_MAX_RULES, diag);
	if (diag)
		fclose(diag);
	if (json) {
		hex_encode(c.info.digest, EXECBAN_SHA256_LEN, hex);
		printf("{\"ok\":%s,\"errors\":%u,\"warnings\":%u,\"diagnostics\":",
		       ret ? "false" : "true", c.pol.n_errors, c.pol.n_warnings);
		json_lines(text);
		if (!ret) {
			printf(",\"rules\":%zu,\"signer_rules\":%u,\"certificates\":%zu,"
			       "\"size_filter\":%s,\"digest\":\"%s\"", c.n_rules,
			       c.info.n_signer_rules, c.n_certs,
			       c.info.flags & EXECBAN_POLICY_SIZE_FILTER ? "true" : "false", hex);
			if (keys) {
				fputs(",\"entries\":[", stdout);
				for (i = 0; i < c.n_rules; i++)
					json_entry(&c, i);
				putchar(']');
			}
		}
		puts("}");
	} else if (!ret) {
		printf("%s: ok: %zu rule%s", optind + 1 == argc ? argv[optind] : "policy",
		       c.n_rules, c.n_rules == 1 ? "" : "s");
		if (c.info.n_signer_rules)
			printf(" (%u signer identit%s, %zu certificate%s)", c.info.n_signer_rules,
			       c.info.n_signer_rules == 1 ? "y" : "ies", c.n_certs,
			       c.n_certs == 1 ? "" : "s");
		printf("%s\n", c.pol.n_warnings ? " (with warnings)" : "");
		for (i = 0; keys && i < c.n_rules; i++) {
			const struct policy_rule *pr = &c.pol.rules[i];

			hex_encode(c.keys[i].b, EXECBAN_SHA256_LEN, hex);
			printf("%s ", hex);
			fprint_rule(stdout, &c.keys[i], &c.rules[i], pr,
				   pr->reason_id == EXECBAN_NO_REASON ? "" :
				   c.pol.reasons[pr->reason_id]);
			printf("  # %s:%u", pr->file, pr->line);
			if (pr->signer)
				printf(" from signer=%s", pr->signer);
			putchar('\n');
		}
	}
	free(text);
	compiled_free(&c);
	return !ret ? EXIT_OK : ret == -ENOMEM ? EXIT_SYSTEM : EXIT_FAIL;
}

/* A label derived from the file name: the characters a label allows, at most 31. */
static void label_from(const char *path, char *out)
{
	char tmp[4096];
	const char *b;
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (b = basename(tmp); *b && n < EXECBAN_LABEL_LEN - 1; b++)
		out[n++] = (char)(strchr("._:+-", *b) || (*b >= '0' && *b <= '9') ||
				  ((*b | 0x20) >= 'a' && (*b | 0x20) <= 'z') ? *b : '_');
	out[n] = 0;
	if (!n)
		strcpy(out, "file");
}

/* A PKCS#7 signature appended to a file is read into memory up to this size. */
#define HASH_MAX_SIG (1 << 20)

/* pread exactly n bytes at off: 0, or -errno (-EIO for a short read: the file shrank). */
static int pread_full(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;
	size_t done = 0;

	while (done < n) {
		r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

/* The issuer Name's DER as readable text (RFC 2253), for a comment only. */
static void issuer_text(const uint8_t *der, size_t len, char *out, size_t size)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *bio = BIO_new(BIO_s_mem());
	int n = -1;

	if (name && bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(bio, out, (int)size - 1);
	out[n > 0 ? n : 0] = 0;
	if (n <= 0)
		snprintf(out, size, "(unprintable)");
	BIO_free(bio);
	X509_NAME_free(name);
}

/*
 * A module-signature trailer (sign-file's format): its PKCS#7 signer as comments. Reads the
 * last 40 bytes and then the PKCS#7 span only.
 */
static void print_appended_signer(int fd, uint64_t size)
{
	char form[SIGPARSE_ISSUER_SERIAL_STRLEN], hex[2 * SIGPARSE_SKID_MAX + 1], text[512];
	uint8_t tail[SIGPARSE_MODSIG_TRAILER_LEN], md[EVP_MAX_MD_SIZE];
	struct sig_signer *s = NULL;
	struct sig_span span;
	uint8_t *blob = NULL;
	unsigned int mdlen;
	int ret;

	if (size < sizeof(tail))
		return;
	ret = pread_full(fd, tail, sizeof(tail), (off_t)(size - sizeof(tail)));
	if (!ret)
		ret = sigparse_module_trailer(tail, sizeof(tail), size, &span);
	if (ret == SIGPARSE_ENOSIG)
		return;
	if (ret) {
		printf("# signature: appended (module-signature format), unreadable: %s\n",
		       strerror(-ret));
		return;
	}
	if (span.len > HASH_MAX_SIG) {
		printf("# signature: appended PKCS#7 of %zu bytes: larger than execban reads\n",
		       span.len);
		return;
	}
	blob = malloc(span.len);
	s = malloc(sizeof(*s));
	ret = blob && s ? pread_full(fd, blob, span.len, (off_t)span.offset) : -ENOMEM;
	if (!ret)
		ret = sigparse_pkcs7_signer(blob, span.len, s);
	if (ret) {
		printf("# signature: appended PKCS#7 (module-signature format), signer unreadable: "
		       "%s\n", strerror(-ret));
		goto out;
	}
	printf("# signature: appended PKCS#7 (module-signature format), %u signer%s, "
	       "%u certificate%s\n", s->n_signers, s->n_signers == 1 ? "" : "s", s->n_certs,
	       s->n_certs == 1 ? "" : "s");
	if (s->sid_type == SIGPARSE_SID_SKID) {
		sigparse_hex(s->skid, s->skid_len, hex, sizeof(hex));
		printf("# signer-skid=%s\n", hex);
	} else if (EVP_Digest(s->issuer, s->issuer_len, md, &mdlen, EVP_sha256(), NULL) &&
		   sigparse_format_issuer_serial(md, s->serial, s->serial_len, form,
						 sizeof(form)) > 0) {
		printf("# signer-issuer-serial=%s\n", form);
		issuer_text(s->issuer, s->issuer_len, text, sizeof(text));
		sigparse_hex(s->serial, s->serial_len, hex, sizeof(hex));
		printf("#   issuer \"%s\", serial %s\n", text, hex);
	}
	/* The first embedded certificate: with one signer, normally the signer's own. */
	if (s->cert.len && EVP_Digest(blob + s->cert.offset, s->cert.len, md, &mdlen,
				      EVP_sha256(), NULL)) {
		hex_encode(md, EXECBAN_SHA256_LEN, text);
		printf("# signer-cert-sha256=%s\n", text);
	}
out:
	free(s);
	free(blob);
}

/* security.ima holding an IMA signature (evmctl ima_sign): its key id as a comment. */
static void print_ima_signer(int fd)
{
	uint8_t val[4096];
	struct sig_ima ima;
	const char *algo;
	ssize_t n;
	int ret;

	n = fgetxattr(fd, "security.ima", val, sizeof(val));
	if (n < 0) {
		if (errno != ENODATA && errno != ENOTSUP)
			printf("# signature: security.ima unreadable: %s\n", strerror(errno));
		return;
	}
	ret = sigparse_ima_xattr(val, (size_t)n, &ima);
	if (ret == SIGPARSE_ENOSIG)
		return;
	if (ret) {
		printf("# signature: security.ima, unreadable: %s\n", strerror(-ret));
		return;
	}
	algo = sigparse_hash_algo_name(ima.hash_algo);
	printf("# signature: security.ima %s v%u, %s\n",
	       ima.type == SIGPARSE_IMA_VERITY_DIGSIG ? "fs-verity digsig" : "digsig",
	       ima.version, algo ? algo : "unknown hash");
	printf("# ima-keyid=%08x\n", ima.keyid);
}

int cmd_hash(int argc, char **argv)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN];
	uint8_t digest[EXECBAN_SHA256_LEN];
	int i, fd, ret, status = EXIT_OK;
	struct stat st;
	uint64_t size;

	if (want_help(argc, argv) || argc < 2) {
		puts("usage: execban hash FILE...\n\nPrint each file's identity as the kernel computes "
		     "it, as a ready-to-use rule:\n  deny sha256=<hex> size=<bytes> label=<name>\n"
		     "then, as comments, the identities of its signer when it is signed (an appended "
		     "PKCS#7 in the kernel's module-signature format, or security.ima):\n"
		     "  # signer-skid=<hex> or # signer-issuer-serial=<sha256 of issuer>/<serial>\n"
		     "  # signer-cert-sha256=<hex>   # ima-keyid=<8 hex>\n\n"
		     "exit: 0 ok, 1 a file could not be read, 2 usage");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			err("%s: %s", argv[i], strerror(errno));
			status = EXIT_FAIL;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			err("%s: not a regular file", argv[i]);
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		ret = sha256_fd(fd, digest, &size);
		if (ret) {
			err("%s: read: %s", argv[i], strerror(-ret));
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		hex_encode(digest, sizeof(digest), hex);
		label_from(argv[i], label);
		printf("deny sha256=%s size=%llu label=%s\n", hex, (unsigned long long)size, label);
		print_appended_signer(fd, size);
		print_ima_signer(fd);
		close(fd);
	}
	return status;
}
