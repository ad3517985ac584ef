// SPDX-License-Identifier: GPL-2.0
/*
 * test_sigparse.c - host unit tests for lib/sigparse.c on real signatures (fixtures made by
 * tests/unit/fixtures/make-sigparse-fixtures.sh) and on truncated, garbled and hand-built
 * inputs. Run from the top of the tree (tests/run does). Every parse works on an exact-size
 * heap copy, so ASan catches a read one byte past the input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../lib/sigparse.h"

#define FIX "tests/unit/fixtures/"

static int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
			printf("ok - sigparse: " __VA_ARGS__);		\
		} else {						\
			failed++;					\
			printf("not ok - sigparse: " __VA_ARGS__);	\
			printf("\n#   failed: %s (line %d)", #cond, __LINE__); \
		}							\
		putchar('\n');						\
	} while (0)

_Static_assert(SIGPARSE_ENOSIG == -ENODATA, "SIGPARSE_ENOSIG is -ENODATA");
_Static_assert(SIGPARSE_EBADMSG == -EBADMSG, "SIGPARSE_EBADMSG is -EBADMSG");
_Static_assert(SIGPARSE_ETOOBIG == -EMSGSIZE, "SIGPARSE_ETOOBIG is -EMSGSIZE");
_Static_assert(SIGPARSE_EUNSUPP == -EOPNOTSUPP, "SIGPARSE_EUNSUPP is -EOPNOTSUPP");
_Static_assert(SIGPARSE_EINVAL == -EINVAL, "SIGPARSE_EINVAL is -EINVAL");
_Static_assert(sizeof(SIGPARSE_MODSIG_MAGIC) - 1 == SIGPARSE_MODSIG_MAGIC_LEN, "magic length");

static unsigned char *load(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
out:
	if (f)
		fclose(f);
	if (!buf)
		printf("# cannot read %s (run from the top of the tree)\n", path);
	return buf;
}

static unsigned char *dup_mem(const void *p, size_t n)
{
	unsigned char *b = malloc(n ? n : 1);

	if (!b)
		abort();
	memcpy(b, p, n);
	return b;
}

static void hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	if (sigparse_hex(b, n, out, size) < 0)
		snprintf(out, size, "(hex failed)");
}

static void sha256_hex(const unsigned char *b, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(b, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		abort();
	hex(md, 32, out, 65);
}

/* The issuer+serial policy form of a parsed signer. */
static void issuer_serial(const struct sig_signer *s, char out[SIGPARSE_ISSUER_SERIAL_STRLEN])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(s->issuer, s->issuer_len, md, &mdlen, EVP_sha256(), NULL) ||
	    sigparse_format_issuer_serial(md, s->serial, s->serial_len, out,
					  SIGPARSE_ISSUER_SERIAL_STRLEN) < 0)
		snprintf(out, SIGPARSE_ISSUER_SERIAL_STRLEN, "(format failed)");
}

/*
 * Parse a file (or a file's tail) as execban hash does: trailer, then the PKCS#7 span.
 * Returns the trailer or PKCS#7 result; *blob and *blob_len get an exact-size copy of the span.
 */
static int parse_signed(const unsigned char *tail, size_t tail_len, size_t file_len,
			struct sig_signer *s, unsigned char **blob, size_t *blob_len)
{
	struct sig_span span;
	unsigned char *t = dup_mem(tail, tail_len);
	size_t start = file_len - tail_len;
	int ret;

	*blob = NULL;
	ret = sigparse_module_trailer(t, tail_len, file_len, &span);
	free(t);
	if (ret)
		return ret;
	if (span.offset < start)
		return -ERANGE;		/* the fixture's tail is too short to hold the blob */
	*blob = dup_mem(tail + (span.offset - start), span.len);
	*blob_len = span.len;
	return sigparse_pkcs7_signer(*blob, span.len, s);
}

/* Every strict prefix of a valid blob is refused; no single-byte change crashes. */
static void mutations(const char *name, const unsigned char *blob, size_t len)
{
	struct sig_signer s;
	size_t i, bad = 0, accepted = 0;
	unsigned char *b;

	for (i = 0; i < len; i++) {
		b = dup_mem(blob, i);
		if (sigparse_pkcs7_signer(b, i, &s) >= 0)
			bad++;
		free(b);
	}
	CHECK(bad == 0, "%s: all %zu truncations refused (%zu accepted)", name, len, bad);
	for (i = 0; i < len; i++) {
		b = dup_mem(blob, len);
		b[i] ^= 0x80;
		if (sigparse_pkcs7_signer(b, len, &s) == 0)
			accepted++;
		free(b);
	}
	/* A flipped byte inside a signature or an OID's value still parses: that is fine. */
	CHECK(1, "%s: %zu single-byte flips without a crash (%zu still parse)", name, len,
	      accepted);
}

struct real_case {
	const char *file;
	size_t file_len;	/* of the whole signed file the tail comes from */
	int sid_type;
	const char *id;		/* serial hex, or SKID hex */
	const char *form;	/* issuer+serial policy form, or NULL */
	unsigned int n_certs;
	const char *cert_sha256;	/* or NULL */
};

/*
 * Expected values, each from a tool other than this parser:
 *  - serials of the Debian modules: modinfo -F sig_key on the whole module, e.g.
 *      modinfo -F sig_key $(scripts/kernels.sh dir 6.1)/lib/modules/6.1.0-56-amd64/kernel/net/6lowpan/nhc_ipv6.ko
 *      -> 66:F5:4E:15:66:A0:43:CC:30:30:42:0E:18:1C:F8:50:FB:9F:42:AC
 *      xz -dc $(scripts/kernels.sh dir 6.12)/lib/modules/6.12.117+deb12-amd64/kernel/net/vmw_vsock/vsock_diag.ko.xz >m.ko; modinfo -F sig_key m.ko
 *      -> 15:FD:60:7C:19:67:0F:4F:E8:28:62:01:B8:64:0F:FA:2B:93:5D:AE
 *  - issuer hash of both (same Name, CN=Build time autogenerated kernel key; their keys and
 *    serials differ): openssl asn1parse -inform DER on the PKCS#7 puts the issuer Name at
 *    offset 67 (6.1) / 63 (6.12), 48 bytes: dd bs=1 skip=67 count=48 | sha256sum
 *      -> 7379d0f124b2440941308edc9ed063b517c40f96826df97e4af08de3904d81ae
 *  - openssl-signer.pem: openssl x509 -noout -ext subjectKeyIdentifier
 *      -> BB:B1:2B:01:4A:51:06:78:99:4A:B1:E4:97:BA:1B:D2:05:87:28:8F
 *    openssl x509 -noout -serial -> 8F0102030405060708090A0B0C0D0E0F10111213 (DER: 00 8f ...)
 *    openssl x509 -outform DER | sha256sum
 *      -> bf72ce71cf03f263ced259aca7903c893d6668bfd1fdc8e5dee461da8ff677f5
 *    its issuer Name (asn1parse of the DER: offset 51, 67 bytes) | sha256sum
 *      -> 887f67c8df4b200c90dcea8851b4cbedf240519ae8b4896b240e37a1aac59b86
 */
static const struct real_case real[] = {
	{ "debian-6.1-nhc_ipv6.ko.tail", 6617, SIGPARSE_SID_ISSUER_SERIAL,
	  "66f54e1566a043cc3030420e181cf850fb9f42ac",
	  "7379d0f124b2440941308edc9ed063b517c40f96826df97e4af08de3904d81ae/"
	  "66f54e1566a043cc3030420e181cf850fb9f42ac", 0, NULL },
	{ "debian-6.12-vsock_diag.ko.tail", 15782, SIGPARSE_SID_ISSUER_SERIAL,
	  "15fd607c19670f4fe8286201b8640ffa2b935dae",
	  "7379d0f124b2440941308edc9ed063b517c40f96826df97e4af08de3904d81ae/"
	  "15fd607c19670f4fe8286201b8640ffa2b935dae", 0, NULL },
	{ "openssl-skid.signed", 0, SIGPARSE_SID_SKID,
	  "bbb12b014a510678994ab1e497ba1bd20587288f", NULL, 1,
	  "bf72ce71cf03f263ced259aca7903c893d6668bfd1fdc8e5dee461da8ff677f5" },
	{ "openssl-serial.signed", 0, SIGPARSE_SID_ISSUER_SERIAL,
	  "008f0102030405060708090a0b0c0d0e0f10111213",
	  "887f67c8df4b200c90dcea8851b4cbedf240519ae8b4896b240e37a1aac59b86/"
	  "008f0102030405060708090a0b0c0d0e0f10111213", 0, NULL },
};

static void test_real(const struct real_case *c)
{
	char path[256], id[2 * SIGPARSE_ISSUER_MAX + 1], form[SIGPARSE_ISSUER_SERIAL_STRLEN];
	char cert[65] = "";
	unsigned char *buf, *blob;
	size_t len, blob_len = 0, file_len;
	struct sig_signer s;
	int ret;

	snprintf(path, sizeof(path), FIX "%s", c->file);
	buf = load(path, &len);
	if (!buf) {
		CHECK(0, "%s: fixture readable", c->file);
		return;
	}
	file_len = c->file_len ? c->file_len : len;
	ret = parse_signed(buf, len, file_len, &s, &blob, &blob_len);
	CHECK(ret == 0, "%s: trailer and PKCS#7 parse (ret %d)", c->file, ret);
	if (ret) {
		free(blob);
		free(buf);
		return;
	}
	if (s.sid_type == SIGPARSE_SID_SKID)
		hex(s.skid, s.skid_len, id, sizeof(id));
	else
		hex(s.serial, s.serial_len, id, sizeof(id));
	CHECK(s.sid_type == (unsigned int)c->sid_type && !strcmp(id, c->id),
	      "%s: %s %s", c->file, s.sid_type == SIGPARSE_SID_SKID ? "skid" : "serial", id);
	if (c->form) {
		issuer_serial(&s, form);
		CHECK(!strcmp(form, c->form), "%s: signer-issuer-serial=%s", c->file, form);
	}
	if (s.cert.len)
		sha256_hex(blob + s.cert.offset, s.cert.len, cert);
	CHECK(s.n_signers == 1 && s.n_certs == c->n_certs &&
	      !strcmp(cert, c->cert_sha256 ? c->cert_sha256 : ""),
	      "%s: %u signer, %u certificate%s%s", c->file, s.n_signers, s.n_certs,
	      *cert ? ", cert sha256 " : "", cert);
	mutations(c->file, blob, blob_len);
	free(blob);
	free(buf);
}

/* Hand-made trailers around a valid blob, each defect on its own. */
static void test_trailer(void)
{
	static const unsigned char good[40] = {
		0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 10,
		'~', 'M', 'o', 'd', 'u', 'l', 'e', ' ', 's', 'i', 'g', 'n', 'a', 't', 'u', 'r',
		'e', ' ', 'a', 'p', 'p', 'e', 'n', 'd', 'e', 'd', '~', '\n',
	};
	unsigned char t[40], *b;
	struct sig_span span;
	size_t i, bad = 0;
	int ret;

	b = dup_mem(good, 40);
	ret = sigparse_module_trailer(b, 40, 100, &span);
	CHECK(ret == 0 && span.offset == 50 && span.len == 10,
	      "trailer: sig_len 10 in a 100-byte file is at 50 (ret %d, %zu+%zu)", ret,
	      span.offset, span.len);
	CHECK(sigparse_module_trailer(b, 40, 49, &span) == SIGPARSE_EBADMSG &&
	      sigparse_module_trailer(b, 40, 50, &span) == 0,
	      "trailer: a sig_len longer than the file before the trailer is refused");
	CHECK(sigparse_module_trailer(b, 40, 39, &span) == SIGPARSE_EINVAL &&
	      sigparse_module_trailer(b, 39, 39, &span) == SIGPARSE_ENOSIG &&
	      sigparse_module_trailer(b, 39, 100, &span) == SIGPARSE_EINVAL,
	      "trailer: short files and short tails");
	free(b);
	for (i = 0; i < 40; i++) {
		memcpy(t, good, 40);
		t[i] ^= 0x01;
		ret = sigparse_module_trailer(t, 40, 100, &span);
		/* sig_len's low byte may change and stay valid */
		if (ret == 0 && i != 11)
			bad++;
		if (i == 2 && ret != SIGPARSE_EUNSUPP)
			bad++;
		if (i >= 12 && ret != SIGPARSE_ENOSIG)
			bad++;
	}
	CHECK(bad == 0, "trailer: each corrupted byte refused with the right code (%zu wrong)",
	      bad);
	memcpy(t, good, 40);
	t[8] = 0xff;
	CHECK(sigparse_module_trailer(t, 40, 100, &span) == SIGPARSE_EBADMSG,
	      "trailer: sig_len 0xff00000a refused");
	t[8] = 0;
	t[11] = 0;
	CHECK(sigparse_module_trailer(t, 40, 100, &span) == SIGPARSE_EBADMSG,
	      "trailer: sig_len 0 refused");
}

/* Crafted DER: each a small defect the walk must name correctly. */
static void test_der(void)
{
	/* ContentInfo { signedData, [0] { SignedData { 1, {}, {}, { SignerInfo v1 } } } } */
	static const unsigned char min[] = {
		0x30, 0x37, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
		0xa0, 0x2a, 0x30, 0x28, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x00,
		0x31, 0x1f, 0x30, 0x1d, 0x02, 0x01, 0x01,
		0x30, 0x0b, 0x30, 0x06, 0x31, 0x04, 0x30, 0x02, 0x05, 0x00, 0x02, 0x01, 0x7f,
		0x30, 0x02, 0x05, 0x00, 0x30, 0x02, 0x05, 0x00, 0x04, 0x03, 0x01, 0x02, 0x03,
		0x1b, 0x2c,	/* two bytes to drop: the buffer is cut before them */
	};
	size_t n = sizeof(min) - 2, sl;
	struct sig_signer s;
	unsigned char *b;
	int ret;

	b = dup_mem(min, n);
	ret = sigparse_pkcs7_signer(b, n, &s);
	CHECK(ret == 0 && s.sid_type == SIGPARSE_SID_ISSUER_SERIAL && s.serial_len == 1 &&
	      s.serial[0] == 0x7f && s.issuer_len == 8 && s.n_signers == 1 && !s.n_certs,
	      "der: a minimal hand-made SignedData parses (ret %d)", ret);
	free(b);

	b = dup_mem(min, n + 1);
	b[1]++;
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EBADMSG,
	      "der: an outer length past the buffer is refused");
	CHECK(sigparse_pkcs7_signer(b, n + 1, &s) == SIGPARSE_EBADMSG,
	      "der: a trailing byte inside the ContentInfo is refused");
	free(b);

	b = dup_mem(min, n + 1);
	CHECK(sigparse_pkcs7_signer(b, n + 1, &s) == SIGPARSE_EBADMSG,
	      "der: a byte after the ContentInfo is refused");
	free(b);

	b = dup_mem(min, n);
	b[1] = 0x80;
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EUNSUPP,
	      "der: BER indefinite length is unsupported");
	free(b);

	b = dup_mem(min, n);
	b[12] = 0x01;	/* pkcs7-data, not signedData */
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EUNSUPP,
	      "der: another content type is unsupported");
	free(b);

	b = dup_mem(min, n);
	b[19] = 0x03;	/* SignedData v3 with a v1 SignerInfo: pkcs7_parser.c refuses it */
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EBADMSG,
	      "der: SignedData v3 with a v1 SignerInfo is refused");
	free(b);

	b = dup_mem(min, n);
	b[30] = 0x03;	/* SignerInfo v3 (SKID) in a v1 SignedData */
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EBADMSG,
	      "der: a v3 SignerInfo in a v1 SignedData is refused");
	free(b);

	b = dup_mem(min, n);
	b[42] = 0x00;	/* serial INTEGER of length 0 */
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EBADMSG,
	      "der: an empty serial is refused");
	free(b);

	b = dup_mem(min, n);
	b[25] = 0x1e;	/* signerInfos shorter than its SignerInfo */
	CHECK(sigparse_pkcs7_signer(b, n, &s) == SIGPARSE_EBADMSG,
	      "der: a SignerInfo overrunning its SET is refused");
	free(b);

	b = dup_mem(min, n);
	b[24] = 0xa1;	/* signerInfos missing: only crls */
	CHECK(sigparse_pkcs7_signer(b, n, &s) < 0, "der: no signerInfos is refused");
	free(b);

	/* The same message with a serial of 32 bytes (the bound) and of 33. */
	for (sl = SIGPARSE_SERIAL_MAX; sl <= SIGPARSE_SERIAL_MAX + 1; sl++) {
		unsigned char big[sizeof(min) + SIGPARSE_SERIAL_MAX];
		size_t k = 0;

		memcpy(big, min, 42);
		big[1] = (unsigned char)(0x36 + sl);	/* every length grows by sl - 1 */
		big[14] = (unsigned char)(0x29 + sl);
		big[16] = (unsigned char)(0x27 + sl);
		big[25] = (unsigned char)(0x1e + sl);
		big[27] = (unsigned char)(0x1c + sl);
		big[32] = (unsigned char)(0x0a + sl);
		big[42] = (unsigned char)sl;
		for (k = 0; k < sl; k++)
			big[43 + k] = (unsigned char)(k + 1);
		memcpy(big + 43 + sl, min + 44, n - 44);
		b = dup_mem(big, n + sl - 1);
		ret = sigparse_pkcs7_signer(b, n + sl - 1, &s);
		if (sl == SIGPARSE_SERIAL_MAX)
			CHECK(ret == 0 && s.serial_len == sl && s.serial[sl - 1] == sl,
			      "der: a %zu-byte serial is copied whole (ret %d)", sl, ret);
		else
			CHECK(ret == SIGPARSE_ETOOBIG, "der: a %zu-byte serial is too big (ret %d)",
			      sl, ret);
		free(b);
	}

	CHECK(sigparse_pkcs7_signer(NULL, 0, &s) == SIGPARSE_EINVAL &&
	      sigparse_pkcs7_signer(min, n, NULL) == SIGPARSE_EINVAL, "der: NULL arguments");
}

static void test_ima(void)
{
	static const unsigned char v2[] = {
		0x03, 0x02, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04,
	};
	struct sig_ima m;
	unsigned char *b;
	size_t i, bad = 0;
	int ret;

	b = dup_mem(v2, sizeof(v2));
	ret = sigparse_ima_xattr(b, sizeof(v2), &m);
	CHECK(ret == 0 && m.type == 3 && m.version == 2 && m.keyid == 0xdeadbeef &&
	      m.sig_size == 4 && m.hash_algo == 4 &&
	      !strcmp(sigparse_hash_algo_name(m.hash_algo), "sha256"),
	      "ima: a hand-built v2 signature gives keyid %08x, %s", m.keyid,
	      sigparse_hash_algo_name(m.hash_algo) ? sigparse_hash_algo_name(m.hash_algo) : "?");
	free(b);
	for (i = 0; i < sizeof(v2); i++) {
		b = dup_mem(v2, i);
		if (sigparse_ima_xattr(b, i, &m) == 0)
			bad++;
		free(b);
	}
	CHECK(bad == 0, "ima: every truncation refused");

	b = dup_mem(v2, sizeof(v2));
	b[8] = 5;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_EBADMSG,
	      "ima: sig_size larger than the value is refused");
	b[8] = 3;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_EBADMSG,
	      "ima: sig_size smaller than the value is refused");
	b[8] = 4;
	b[1] = 1;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_EUNSUPP,
	      "ima: a v1 signature is unsupported");
	b[1] = 3;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_EUNSUPP,
	      "ima: digsig version 3 is unsupported (the kernel refuses it too)");
	b[0] = 0x06;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == 0 && m.type == 6 && m.version == 3,
	      "ima: an fs-verity v3 signature parses");
	b[0] = 0x04;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_ENOSIG,
	      "ima: a digest-only value has no signature");
	b[0] = 0x02;
	CHECK(sigparse_ima_xattr(b, sizeof(v2), &m) == SIGPARSE_EUNSUPP,
	      "ima: an EVM HMAC is unsupported");
	free(b);
	CHECK(sigparse_ima_xattr(v2, 9, &m) == SIGPARSE_EBADMSG,
	      "ima: a header with no signature is refused");
}

static void test_format(void)
{
	static const unsigned char digest[32] = { 0xab, [31] = 0xcd };
	static const unsigned char serial[2] = { 0x00, 0x80 };
	char buf[SIGPARSE_ISSUER_SERIAL_STRLEN];
	int ret;

	ret = sigparse_format_issuer_serial(digest, serial, 2, buf, sizeof(buf));
	CHECK(ret == 69 && !strcmp(buf, "ab000000000000000000000000000000"
				   "000000000000000000000000000000cd/0080"),
	      "format: %s", buf);
	CHECK(sigparse_format_issuer_serial(digest, serial, 2, buf, 69) == SIGPARSE_EINVAL &&
	      sigparse_format_issuer_serial(digest, serial, 2, buf, 70) == 69 &&
	      sigparse_format_issuer_serial(digest, serial, 0, buf, sizeof(buf)) ==
	      SIGPARSE_EINVAL &&
	      sigparse_format_issuer_serial(digest, serial, SIGPARSE_SERIAL_MAX + 1, buf,
					    sizeof(buf)) == SIGPARSE_EINVAL,
	      "format: exact buffer sizes and serial bounds");
	CHECK(sigparse_hash_algo_name(2) && !strcmp(sigparse_hash_algo_name(2), "sha1") &&
	      !sigparse_hash_algo_name(200), "format: hash algorithm names");
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		test_real(&real[i]);
	test_trailer();
	test_der();
	test_ima();
	test_format();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
