// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - execban check (validate policies without loading) and execban hash (a file's
 * identities, as the kernel computes them, printed as a ready rule).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "policy.h"
#include "../lib/sigparse.h"

int cmd_check(int argc, char **argv)
{
	struct policy p;
	int i, ret = 0, r;

	if (want_help(argc, argv) || argc < 2) {
		puts("usage: execban check POLICY...\n\nValidate policy files without loading them. "
		     "Errors are printed as file:line: message.\n\nexit: 0 valid, 1 invalid, 2 usage");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	policy_init(&p);
	for (i = 1; i < argc; i++) {
		r = policy_parse_file(&p, argv[i]);
		if (r && !ret)
			ret = r;
	}
	if (!ret)
		ret = policy_finish(&p);
	if (!ret)
		printf("%s: ok: %zu rule%s%s\n", argc == 2 ? argv[1] : "policy", p.n_rules,
		       p.n_rules == 1 ? "" : "s",
		       p.n_warnings ? " (with warnings)" : "");
	policy_free(&p);
	return ret ? EXIT_FAIL : EXIT_OK;
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
