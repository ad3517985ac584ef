/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigparse.h - signature parsers shared by execban.ko, the execban CLI and the fuzz harness
 * (written once: STYLE.md practice 4). Plain C over caller buffers: no allocation, no libc or
 * kernel calls beyond sigparse_shim.h, bounded loops, every length checked against its
 * container. Nothing here verifies a signature: these functions say WHO claims to have signed
 * (the signer identifier a verifier would look the key up by), so a policy can name a signer.
 *
 * Formats:
 *  - the kernel's module-signature trailer (sign-file, scripts/sign-file.c): the signed file,
 *    then a PKCS#7 SignedData with detached content, then struct module_signature (12 bytes),
 *    then the 28-byte magic "~Module signature appended~\n";
 *  - PKCS#7/CMS SignedData, DER only (a BER indefinite length is refused with SIGPARSE_EUNSUPP):
 *    the first SignerInfo's sid, the number of SignerInfos, the first embedded certificate;
 *  - the security.ima extended attribute, signature v2 (evmctl ima_sign) and v3 (fs-verity).
 *
 * Errors are negative SIGPARSE_E* values, equal to the Linux errno of the same meaning so the
 * kernel can return them as they are (the unit test asserts the equality). No errno.h here.
 *
 * Policy text form of an IssuerAndSerialNumber (signer-issuer-serial=):
 *
 *     <sha256 of the issuer Name's DER, 64 lowercase hex> "/" <serial, lowercase hex>
 *
 * e.g. 3f1c...9a0b/66f54e1566a043cc3030420e181cf850fb9f42ac. The serial is the INTEGER's
 * content octets exactly as encoded (DER: minimal two's complement), so a serial whose first
 * byte is 0x80 or more keeps its leading "00": these are the bytes the kernel's X.509 and
 * PKCS#7 parsers keep (raw_serial) and build asymmetric key ids from. Why this form:
 *  - unambiguous: the issuer is compared byte for byte, as the kernel does; a readable DN
 *    ("CN=Foo, O=Bar") is not, because several DER encodings (PrintableString or UTF8String,
 *    attribute order, escaping) print the same and a crafted Name can mimic another's text;
 *  - bounded: 64 + 1 + at most 64 characters (SIGPARSE_ISSUER_SERIAL_STRLEN with the NUL),
 *    whatever the size of the Name, and free of spaces, quotes, '=' and '#';
 *  - obtainable: execban hash prints it for any signed file, with the readable issuer and
 *    serial beside it as a comment. "openssl x509 -noout -serial" prints the same serial in
 *    upper case without the sign byte: lower-case it, and prefix 00 when it starts with 8-F.
 * The hash makes the form fixed-length, and the kernel can compute it (sha256()) as easily.
 */
#ifndef EXECBAN_SIGPARSE_H
#define EXECBAN_SIGPARSE_H

#include "sigparse_shim.h"

/* Errors, negative. Values are Linux errnos of the same meaning. */
#define SIGPARSE_ENOSIG		(-61)	/* ENODATA: no signature of that format present */
#define SIGPARSE_EBADMSG	(-74)	/* EBADMSG: malformed, truncated or inconsistent */
#define SIGPARSE_ETOOBIG	(-90)	/* EMSGSIZE: a field exceeds execban's bound */
#define SIGPARSE_EUNSUPP	(-95)	/* EOPNOTSUPP: well formed but a variant not handled */
#define SIGPARSE_EINVAL		(-22)	/* EINVAL: bad arguments (buffer too small) */

/* struct module_signature + magic, at the very end of a file signed by sign-file. */
#define SIGPARSE_MODSIG_MAGIC		"~Module signature appended~\n"
#define SIGPARSE_MODSIG_MAGIC_LEN	28
#define SIGPARSE_MODSIG_HDR_LEN		12
#define SIGPARSE_MODSIG_TRAILER_LEN	(SIGPARSE_MODSIG_HDR_LEN + SIGPARSE_MODSIG_MAGIC_LEN)
#define SIGPARSE_PKEY_ID_PKCS7		2

/* Bounds on what sigparse_pkcs7_signer() copies out; anything longer is SIGPARSE_ETOOBIG. */
#define SIGPARSE_ISSUER_MAX	512	/* issuer Name, whole DER (tag and length included) */
#define SIGPARSE_SERIAL_MAX	32	/* serial INTEGER contents; RFC 5280 allows 20 */
#define SIGPARSE_SKID_MAX	64	/* subjectKeyIdentifier contents; usually 20 */
#define SIGPARSE_MAX_ELEMS	256	/* certificates or SignerInfos counted at most */

/* "<64 hex>/<up to 64 hex>" and its NUL. */
#define SIGPARSE_ISSUER_SERIAL_STRLEN	(64 + 1 + 2 * SIGPARSE_SERIAL_MAX + 1)

/* security.ima: evm_ima_xattr_type values and the v2/v3 header (struct signature_v2_hdr). */
#define SIGPARSE_IMA_XATTR_DIGEST	0x01
#define SIGPARSE_IMA_XATTR_DIGSIG	0x03
#define SIGPARSE_IMA_XATTR_DIGEST_NG	0x04
#define SIGPARSE_IMA_VERITY_DIGSIG	0x06
#define SIGPARSE_IMA_SIG_HDR_LEN	9

/**
 * struct sig_span - a byte range within a buffer or file
 * @offset: first byte, from the start of the file (trailer) or of the DER blob (certificate)
 * @len: number of bytes; 0 when absent
 */
struct sig_span {
	size_t offset;
	size_t len;
};

/**
 * enum sigparse_sid - which form of signer identifier a SignerInfo carries
 * @SIGPARSE_SID_NONE: not parsed
 * @SIGPARSE_SID_ISSUER_SERIAL: IssuerAndSerialNumber (sign-file's default)
 * @SIGPARSE_SID_SKID: [0] SubjectKeyIdentifier (sign-file -k, CMS with -keyid)
 */
enum sigparse_sid {
	SIGPARSE_SID_NONE = 0,
	SIGPARSE_SID_ISSUER_SERIAL = 1,
	SIGPARSE_SID_SKID = 2,
};

/**
 * struct sig_signer - the signer of a PKCS#7 SignedData, as its first SignerInfo names it
 * @sid_type: an enum sigparse_sid value
 * @n_signers: number of SignerInfos (at least 1)
 * @n_certs: number of entries in the certificates field (0 when absent)
 * @cert: the first certificate's whole DER within the blob (len 0 when none is embedded)
 * @issuer_len: length of @issuer (SIGPARSE_SID_ISSUER_SERIAL)
 * @serial_len: length of @serial (SIGPARSE_SID_ISSUER_SERIAL)
 * @skid_len: length of @skid (SIGPARSE_SID_SKID)
 * @issuer: the issuer Name's DER, tag and length included
 * @serial: the serial INTEGER's content octets, as encoded
 * @skid: the subjectKeyIdentifier's octets
 *
 * About 620 bytes: kernel callers should not put it on the stack.
 */
struct sig_signer {
	u32 sid_type;
	u32 n_signers;
	u32 n_certs;
	struct sig_span cert;
	u32 issuer_len;
	u32 serial_len;
	u32 skid_len;
	u8 issuer[SIGPARSE_ISSUER_MAX];
	u8 serial[SIGPARSE_SERIAL_MAX];
	u8 skid[SIGPARSE_SKID_MAX];
};

/**
 * struct sig_ima - an IMA signature header from security.ima
 * @type: SIGPARSE_IMA_XATTR_DIGSIG or SIGPARSE_IMA_VERITY_DIGSIG
 * @version: 2 (file hash signed) or 3 (fs-verity digest signed)
 * @hash_algo: the kernel's enum hash_algo (4 is sha256)
 * @keyid: the key id, host order: the last 4 bytes of the signing key's SKID
 * @sig_size: length of the signature proper, which starts at byte SIGPARSE_IMA_SIG_HDR_LEN
 */
struct sig_ima {
	u8 type;
	u8 version;
	u8 hash_algo;
	u32 keyid;
	u32 sig_size;
};

int sigparse_module_trailer(const u8 *file_tail, size_t tail_len, size_t file_len,
			    struct sig_span *out);
int sigparse_pkcs7_signer(const u8 *der, size_t len, struct sig_signer *out);
int sigparse_ima_xattr(const u8 *val, size_t len, struct sig_ima *out);
int sigparse_hex(const u8 *bin, size_t n, char *buf, size_t size);
int sigparse_format_issuer_serial(const u8 issuer_sha256[32], const u8 *serial,
				  size_t serial_len, char *buf, size_t size);
const char *sigparse_hash_algo_name(u8 algo);

#endif /* EXECBAN_SIGPARSE_H */
