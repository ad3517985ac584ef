// SPDX-License-Identifier: GPL-2.0
/*
 * sigparse.c - signer identities from a module-signature trailer, a PKCS#7 SignedData and a
 * security.ima value. Compiled into execban.ko, the CLI and tests/fuzz/fuzz_sigparse.c; see
 * sigparse.h for the formats and the error convention.
 *
 * Hostile input is the normal case: every length read from the input is checked against the
 * element that contains it before anything is read past it, every loop is bounded by
 * SIGPARSE_MAX_ELEMS, and nothing recurses. Where the kernel's own parsers
 * (kernel/module/signing.c mod_check_sig, crypto/asymmetric_keys/pkcs7_parser.c,
 * security/integrity/digsig_asymmetric.c) reject something, this refuses it too, so a signer
 * reported here is one the kernel's verifier would look up.
 */
#include "sigparse.h"

#define DER_INTEGER	0x02
#define DER_OCTET_STR	0x04
#define DER_OID		0x06
#define DER_SEQUENCE	0x30
#define DER_SET		0x31
#define DER_CTX0_PRIM	0x80	/* [0] IMPLICIT, primitive: SubjectKeyIdentifier in a sid */
#define DER_CTX0_CONS	0xa0	/* [0], constructed: content, certificates, signedAttrs */
#define DER_CTX1_CONS	0xa1	/* [1], constructed: crls, unsignedAttrs */

/* 1.2.840.113549.1.7.2 (pkcs7-signedData), the contents octets of the OID. */
static const u8 oid_signed_data[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

/* One DER element: tag at @start, contents at @val for @len bytes, next element at @end. */
struct der_elem {
	u8 tag;
	size_t start;
	size_t val;
	size_t len;
	size_t end;
};

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/*
 * Read the element at buf[pos] that must end by buf[end]. DER only: a high tag number, an
 * indefinite length (BER) or a length over 4 bytes is not handled (SIGPARSE_EUNSUPP); a
 * non-minimal length is malformed DER.
 */
static int der_read(const u8 *buf, size_t pos, size_t end, struct der_elem *e)
{
	size_t len, n, i;

	if (pos > end || end - pos < 2)
		return SIGPARSE_EBADMSG;
	e->start = pos;
	e->tag = buf[pos++];
	if ((e->tag & 0x1f) == 0x1f)
		return SIGPARSE_EUNSUPP;
	len = buf[pos++];
	if (len == 0x80)
		return SIGPARSE_EUNSUPP;
	if (len > 0x80) {
		n = len & 0x7f;
		if (n > 4)
			return SIGPARSE_EUNSUPP;
		if (end - pos < n || buf[pos] == 0)
			return SIGPARSE_EBADMSG;
		len = 0;
		for (i = 0; i < n; i++)
			len = len << 8 | buf[pos++];
		if (len < 0x80)
			return SIGPARSE_EBADMSG;
	}
	if (len > end - pos)
		return SIGPARSE_EBADMSG;
	e->val = pos;
	e->len = len;
	e->end = pos + len;
	return 0;
}

/* der_read() and the element must have tag @tag. */
static int der_expect(const u8 *buf, size_t pos, size_t end, u8 tag, struct der_elem *e)
{
	int ret = der_read(buf, pos, end, e);

	if (ret)
		return ret;
	return e->tag == tag ? 0 : SIGPARSE_EBADMSG;
}

/* Count the elements that exactly fill buf[pos..end). */
static int der_count(const u8 *buf, size_t pos, size_t end, u32 *count)
{
	struct der_elem e;
	u32 n = 0;
	int ret;

	while (pos < end) {
		if (n == SIGPARSE_MAX_ELEMS)
			return SIGPARSE_ETOOBIG;
		ret = der_read(buf, pos, end, &e);
		if (ret)
			return ret;
		n++;
		pos = e.end;
	}
	*count = n;
	return 0;
}

/* A one-byte version INTEGER. */
static int der_version(const u8 *buf, size_t pos, size_t end, struct der_elem *e, u8 *version)
{
	int ret = der_expect(buf, pos, end, DER_INTEGER, e);

	if (ret)
		return ret;
	if (e->len != 1)
		return SIGPARSE_EUNSUPP;
	*version = buf[e->val];
	return 0;
}

/**
 * sigparse_module_trailer() - find the PKCS#7 blob a module-signature trailer describes
 * @file_tail: the last @tail_len bytes of the file
 * @tail_len: at least SIGPARSE_MODSIG_TRAILER_LEN (40) unless the file is shorter
 * @file_len: the whole file's length
 * @out: on success, the PKCS#7 blob's offset in the file and its length
 *
 * Checks what the kernel's mod_check_sig() checks: the magic, id_type PKCS#7, the other
 * fields zero, and a sig_len that fits in the file before the trailer.
 *
 * Return: 0; SIGPARSE_ENOSIG without the magic; SIGPARSE_EUNSUPP for another id_type;
 * SIGPARSE_EBADMSG for an inconsistent header; SIGPARSE_EINVAL for bad arguments.
 */
int sigparse_module_trailer(const u8 *file_tail, size_t tail_len, size_t file_len,
			    struct sig_span *out)
{
	const u8 *t;
	u32 sig_len;

	if (!file_tail || !out || tail_len > file_len)
		return SIGPARSE_EINVAL;
	out->offset = 0;
	out->len = 0;
	if (file_len < SIGPARSE_MODSIG_TRAILER_LEN)
		return SIGPARSE_ENOSIG;
	if (tail_len < SIGPARSE_MODSIG_TRAILER_LEN)
		return SIGPARSE_EINVAL;
	t = file_tail + tail_len - SIGPARSE_MODSIG_TRAILER_LEN;
	if (memcmp(t + SIGPARSE_MODSIG_HDR_LEN, SIGPARSE_MODSIG_MAGIC, SIGPARSE_MODSIG_MAGIC_LEN))
		return SIGPARSE_ENOSIG;
	/* struct module_signature: algo, hash, id_type, signer_len, key_id_len, pad[3], sig_len */
	if (t[2] != SIGPARSE_PKEY_ID_PKCS7)
		return SIGPARSE_EUNSUPP;
	if (t[0] || t[1] || t[3] || t[4] || t[5] || t[6] || t[7])
		return SIGPARSE_EBADMSG;
	sig_len = get_be32(t + 8);
	if (!sig_len || sig_len > file_len - SIGPARSE_MODSIG_TRAILER_LEN)
		return SIGPARSE_EBADMSG;
	out->offset = file_len - SIGPARSE_MODSIG_TRAILER_LEN - sig_len;
	out->len = sig_len;
	return 0;
}

/* The sid of a SignerInfo whose version says which form to expect (as pkcs7_parser.c). */
static int parse_sid(const u8 *der, size_t pos, size_t end, u8 si_version,
		     struct sig_signer *out, size_t *next)
{
	struct der_elem sid, name, serial;
	int ret;

	ret = der_read(der, pos, end, &sid);
	if (ret)
		return ret;
	*next = sid.end;
	if (si_version == 3) {
		if (sid.tag != DER_CTX0_PRIM || !sid.len)
			return SIGPARSE_EBADMSG;
		if (sid.len > SIGPARSE_SKID_MAX)
			return SIGPARSE_ETOOBIG;
		memcpy(out->skid, der + sid.val, sid.len);
		out->skid_len = (u32)sid.len;
		out->sid_type = SIGPARSE_SID_SKID;
		return 0;
	}
	if (sid.tag != DER_SEQUENCE)
		return SIGPARSE_EBADMSG;
	ret = der_expect(der, sid.val, sid.end, DER_SEQUENCE, &name);
	if (ret)
		return ret;
	ret = der_expect(der, name.end, sid.end, DER_INTEGER, &serial);
	if (ret)
		return ret;
	if (serial.end != sid.end || !serial.len)
		return SIGPARSE_EBADMSG;
	if (name.end - name.start > SIGPARSE_ISSUER_MAX || serial.len > SIGPARSE_SERIAL_MAX)
		return SIGPARSE_ETOOBIG;
	memcpy(out->issuer, der + name.start, name.end - name.start);
	out->issuer_len = (u32)(name.end - name.start);
	memcpy(out->serial, der + serial.val, serial.len);
	out->serial_len = (u32)serial.len;
	out->sid_type = SIGPARSE_SID_ISSUER_SERIAL;
	return 0;
}

/*
 * SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs OPTIONAL,
 *	signatureAlgorithm, signature OCTET STRING, [1] unsignedAttrs OPTIONAL }
 */
static int parse_signer_info(const u8 *der, const struct der_elem *si, u8 sd_version,
			     struct sig_signer *out)
{
	struct der_elem e;
	size_t pos;
	u8 version;
	int ret;

	ret = der_version(der, si->val, si->end, &e, &version);
	if (ret)
		return ret;
	/* pkcs7_note_signerinfo_version(): v1 only in a v1 SignedData, v3 never in one. */
	if (version != 1 && version != 3)
		return SIGPARSE_EUNSUPP;
	if ((version == 1) != (sd_version == 1))
		return SIGPARSE_EBADMSG;
	ret = parse_sid(der, e.end, si->end, version, out, &pos);
	if (ret)
		return ret;
	ret = der_expect(der, pos, si->end, DER_SEQUENCE, &e);		/* digestAlgorithm */
	if (ret)
		return ret;
	ret = der_read(der, e.end, si->end, &e);
	if (ret)
		return ret;
	if (e.tag == DER_CTX0_CONS) {					/* signedAttrs */
		ret = der_read(der, e.end, si->end, &e);
		if (ret)
			return ret;
	}
	if (e.tag != DER_SEQUENCE)					/* signatureAlgorithm */
		return SIGPARSE_EBADMSG;
	ret = der_expect(der, e.end, si->end, DER_OCTET_STR, &e);	/* signature */
	if (ret)
		return ret;
	if (e.end == si->end)
		return 0;
	ret = der_expect(der, e.end, si->end, DER_CTX1_CONS, &e);	/* unsignedAttrs */
	if (ret)
		return ret;
	return e.end == si->end ? 0 : SIGPARSE_EBADMSG;
}

/**
 * sigparse_pkcs7_signer() - the signer identifier of a PKCS#7 SignedData
 * @der: the blob (for a module signature, the span sigparse_module_trailer() found)
 * @len: its length; the ContentInfo must fill it exactly
 * @out: the first SignerInfo's sid, the SignerInfo count and the first certificate
 *
 * Walks ContentInfo -> [0] SignedData -> version, digestAlgorithms, encapContentInfo,
 * [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos, checking that each element
 * fills its container. Versions follow the kernel's pkcs7_parser.c: SignedData v1 or v3;
 * SignerInfo v1 (IssuerAndSerialNumber, only in a v1 SignedData) or v3 (SubjectKeyIdentifier).
 *
 * Return: 0; SIGPARSE_EBADMSG for malformed or truncated DER; SIGPARSE_EUNSUPP for BER,
 * another content type or version; SIGPARSE_ETOOBIG when a field exceeds its SIGPARSE_*_MAX;
 * SIGPARSE_EINVAL for bad arguments. @out is zeroed first, and is only meaningful on 0.
 */
int sigparse_pkcs7_signer(const u8 *der, size_t len, struct sig_signer *out)
{
	struct der_elem ci, e, sd, si;
	u8 sd_version;
	int ret;

	if (!der || !out)
		return SIGPARSE_EINVAL;
	memset(out, 0, sizeof(*out));
	ret = der_expect(der, 0, len, DER_SEQUENCE, &ci);		/* ContentInfo */
	if (ret)
		return ret;
	if (ci.end != len)
		return SIGPARSE_EBADMSG;
	ret = der_expect(der, ci.val, ci.end, DER_OID, &e);		/* contentType */
	if (ret)
		return ret;
	if (e.len != sizeof(oid_signed_data) ||
	    memcmp(der + e.val, oid_signed_data, sizeof(oid_signed_data)))
		return SIGPARSE_EUNSUPP;
	ret = der_expect(der, e.end, ci.end, DER_CTX0_CONS, &e);	/* [0] EXPLICIT content */
	if (ret)
		return ret;
	if (e.end != ci.end)
		return SIGPARSE_EBADMSG;
	ret = der_expect(der, e.val, e.end, DER_SEQUENCE, &sd);		/* SignedData */
	if (ret)
		return ret;
	if (sd.end != e.end)
		return SIGPARSE_EBADMSG;

	ret = der_version(der, sd.val, sd.end, &e, &sd_version);
	if (ret)
		return ret;
	if (sd_version != 1 && sd_version != 3)
		return SIGPARSE_EUNSUPP;
	ret = der_expect(der, e.end, sd.end, DER_SET, &e);		/* digestAlgorithms */
	if (ret)
		return ret;
	ret = der_expect(der, e.end, sd.end, DER_SEQUENCE, &e);		/* encapContentInfo */
	if (ret)
		return ret;
	ret = der_read(der, e.end, sd.end, &e);
	if (ret)
		return ret;
	if (e.tag == DER_CTX0_CONS) {					/* certificates */
		ret = der_count(der, e.val, e.end, &out->n_certs);
		if (ret)
			return ret;
		if (out->n_certs) {
			ret = der_read(der, e.val, e.end, &si);
			if (ret)
				return ret;
			if (si.tag == DER_SEQUENCE) {
				out->cert.offset = si.start;
				out->cert.len = si.end - si.start;
			}
		}
		ret = der_read(der, e.end, sd.end, &e);
		if (ret)
			return ret;
	}
	if (e.tag == DER_CTX1_CONS) {					/* crls */
		ret = der_read(der, e.end, sd.end, &e);
		if (ret)
			return ret;
	}
	if (e.tag != DER_SET || e.end != sd.end)			/* signerInfos */
		return SIGPARSE_EBADMSG;
	ret = der_count(der, e.val, e.end, &out->n_signers);
	if (ret)
		return ret;
	if (!out->n_signers)
		return SIGPARSE_EBADMSG;
	ret = der_expect(der, e.val, e.end, DER_SEQUENCE, &si);
	if (ret)
		return ret;
	ret = parse_signer_info(der, &si, sd_version, out);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/**
 * sigparse_ima_xattr() - the key id and hash algorithm of a security.ima signature
 * @val: the extended attribute's value
 * @len: its length
 * @out: type, version, hash algorithm, key id (host order) and signature size
 *
 * The value is struct signature_v2_hdr, whose first byte is the xattr type: 9 bytes (type 3
 * EVM_IMA_XATTR_DIGSIG version 2, or type 6 IMA_VERITY_DIGSIG version 3, hash_algo, __be32
 * keyid, __be16 sig_size) and then exactly sig_size bytes (as asymmetric_verify() requires).
 *
 * Return: 0; SIGPARSE_ENOSIG for a value holding a digest and no signature (types 1 and 4),
 * or an empty one; SIGPARSE_EUNSUPP for another type or version (v1 RSA signatures);
 * SIGPARSE_EBADMSG for a truncated value or a sig_size that does not match;
 * SIGPARSE_EINVAL for bad arguments.
 */
int sigparse_ima_xattr(const u8 *val, size_t len, struct sig_ima *out)
{
	u32 sig_size;

	if (!val || !out)
		return SIGPARSE_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!len || val[0] == SIGPARSE_IMA_XATTR_DIGEST || val[0] == SIGPARSE_IMA_XATTR_DIGEST_NG)
		return SIGPARSE_ENOSIG;
	if (val[0] != SIGPARSE_IMA_XATTR_DIGSIG && val[0] != SIGPARSE_IMA_VERITY_DIGSIG)
		return SIGPARSE_EUNSUPP;
	if (len < 2)
		return SIGPARSE_EBADMSG;
	if (val[1] != (val[0] == SIGPARSE_IMA_XATTR_DIGSIG ? 2 : 3))
		return SIGPARSE_EUNSUPP;
	if (len <= SIGPARSE_IMA_SIG_HDR_LEN)
		return SIGPARSE_EBADMSG;
	sig_size = (u32)val[7] << 8 | val[8];
	if (sig_size != len - SIGPARSE_IMA_SIG_HDR_LEN)
		return SIGPARSE_EBADMSG;
	out->type = val[0];
	out->version = val[1];
	out->hash_algo = val[2];
	out->keyid = get_be32(val + 3);
	out->sig_size = sig_size;
	return 0;
}

/**
 * sigparse_hex() - lowercase hex of a byte string, NUL-terminated
 * @bin: the bytes
 * @n: how many, at most 4096
 * @buf: the output
 * @size: its size, at least 2 * @n + 1
 *
 * Return: the number of characters written (2 * @n), or SIGPARSE_EINVAL.
 */
int sigparse_hex(const u8 *bin, size_t n, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if ((!bin && n) || !buf || n > 4096 || size < 2 * n + 1)
		return SIGPARSE_EINVAL;
	for (i = 0; i < n; i++) {
		buf[2 * i] = digits[bin[i] >> 4];
		buf[2 * i + 1] = digits[bin[i] & 0xf];
	}
	buf[2 * n] = 0;
	return (int)(2 * n);
}

/**
 * sigparse_format_issuer_serial() - the policy text form of an IssuerAndSerialNumber
 * @issuer_sha256: SHA-256 of the issuer Name's DER (struct sig_signer @issuer, whole)
 * @serial: the serial INTEGER's content octets (struct sig_signer @serial)
 * @serial_len: 1 to SIGPARSE_SERIAL_MAX
 * @buf: the output, "<64 hex>/<2 * @serial_len hex>" (the form sigparse.h documents)
 * @size: its size; SIGPARSE_ISSUER_SERIAL_STRLEN always suffices
 *
 * The hash is the caller's (the kernel's sha256(), OpenSSL in userspace), so this file needs
 * no crypto.
 *
 * Return: the number of characters written, or SIGPARSE_EINVAL.
 */
int sigparse_format_issuer_serial(const u8 issuer_sha256[32], const u8 *serial,
				  size_t serial_len, char *buf, size_t size)
{
	int ret;

	if (!issuer_sha256 || !serial || !buf || !serial_len || serial_len > SIGPARSE_SERIAL_MAX ||
	    size < 64 + 1 + 2 * serial_len + 1)
		return SIGPARSE_EINVAL;
	ret = sigparse_hex(issuer_sha256, 32, buf, size);
	if (ret < 0)
		return ret;
	buf[64] = '/';
	ret = sigparse_hex(serial, serial_len, buf + 65, size - 65);
	if (ret < 0)
		return ret;
	return 65 + ret;
}

/**
 * sigparse_hash_algo_name() - the name of a kernel enum hash_algo value
 * @algo: the value (struct sig_ima @hash_algo)
 *
 * Return: "sha256" and the like (the kernel's hash_algo_name[]), or NULL when unknown.
 */
const char *sigparse_hash_algo_name(u8 algo)
{
	static const char * const names[] = {
		"md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224",
		"rmd128", "rmd256", "rmd320", "wp256", "wp384", "wp512", "tgr128", "tgr160",
		"tgr192", "sm3", "streebog256", "streebog512",
	};

	return algo < ARRAY_SIZE(names) ? names[algo] : NULL;
}
