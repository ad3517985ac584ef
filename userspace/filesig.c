// SPDX-License-Identifier: GPL-2.0
/*
 * filesig.c - who signed a file, read as execban.ko's execban_signer_read() reads it: the same
 * parser (lib/sigparse.c), the same bounds (include/execban.h), the same identities in the same
 * order, keyed by the compiler's ident_key(). execban hash prints what this finds; execban scan
 * looks it up in a policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "filesig.h"

_Static_assert(SIGPARSE_ENOSIG == -ENODATA, "sigparse's 'no signature' is ENODATA");
_Static_assert(SIGPARSE_SKID_MAX <= POLICY_IDENT_MAX &&
	       EXECBAN_SHA256_LEN + SIGPARSE_SERIAL_MAX <= POLICY_IDENT_MAX,
	       "every identity sigparse returns fits a policy identity");

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

static void add_ident(struct file_sigs *fs, unsigned int kind, const uint8_t *id, size_t len,
		      const uint8_t *id2, size_t len2)
{
	struct file_ident *fi;

	if (fs->n_ids >= EXECBAN_SIGNER_KEYS || len + len2 > POLICY_IDENT_MAX)
		return;
	fi = &fs->ids[fs->n_ids++];
	fi->kind = (uint16_t)kind;
	fi->len = (uint8_t)(len + len2);
	memcpy(fi->id, id, len);
	if (len2)
		memcpy(fi->id + len, id2, len2);
	ident_key(kind, fi->id, fi->len, &fi->key);
}

/*
 * The subject key identifier of the certificate the kernel's system keyrings hold for this
 * issuer and serial, as execban.ko finds it when it reads such a signature (kmod/resolve.c).
 * Its length, or -errno: -ENOENT without execban.ko, -EACCES unless root, -ENOKEY when the
 * keyrings hold no such certificate.
 */
static int resolve_keyring(const struct file_sigs *fs, uint8_t *skid, size_t max)
{
	char q[2 * (SIGPARSE_ISSUER_MAX + SIGPARSE_SERIAL_MAX) + 3], a[2 * SIGPARSE_SKID_MAX + 2];
	size_t n;
	ssize_t r;
	int fd, ret;

	fd = open(EXECBAN_RESOLVE_SIGNER, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = policy_hex(fs->issuer, fs->issuer_len, q);
	q[n++] = ' ';
	n += policy_hex(fs->serial, fs->serial_len, q + n);
	q[n++] = '\n';
	if (write(fd, q, n) != (ssize_t)n) {
		ret = -errno;
		close(fd);
		return ret;
	}
	r = read(fd, a, sizeof(a) - 1);
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	if (r < 2 || a[r - 1] != '\n')
		return -EPROTO;
	ret = policy_parse_hex_var(a, (size_t)r - 1, skid, max);
	return ret < 0 ? -EPROTO : ret;
}

/*
 * Where a signature is read from: an open file (fd), or the last tail_len bytes of a file of
 * size bytes held in memory (a module image, decompress.h).
 */
struct sig_src {
	int fd;
	const uint8_t *tail;
	size_t tail_len;
	uint64_t size;
};

/* n bytes at off: 0, or -errno; -EMSGSIZE for bytes before an in-memory tail. */
static int src_read(const struct sig_src *src, void *buf, size_t n, uint64_t off)
{
	uint64_t start = src->size - src->tail_len;

	if (src->fd >= 0)
		return pread_full(src->fd, buf, n, (off_t)off);
	if (off < start || off + n > src->size)
		return -EMSGSIZE;
	memcpy(buf, src->tail + (off - start), n);
	return 0;
}

/* The appended PKCS#7 (kmod/signer.c: read_modsig). 0, -ENODATA if none, or -errno. */
static int read_modsig(const struct sig_src *src, struct file_sigs *fs)
{
	uint8_t tail[SIGPARSE_MODSIG_TRAILER_LEN], md[EVP_MAX_MD_SIZE];
	struct sig_signer *s = NULL;
	uint64_t size = src->size;
	struct sig_span span;
	uint8_t *blob = NULL;
	int ret, n;

	if (size < sizeof(tail))
		return -ENODATA;
	ret = src_read(src, tail, sizeof(tail), size - sizeof(tail));
	if (!ret)
		ret = sigparse_module_trailer(tail, sizeof(tail), size, &span);
	if (ret == SIGPARSE_ENOSIG)
		return -ENODATA;
	if (ret) {
		snprintf(fs->modsig_why, sizeof(fs->modsig_why),
			 "appended (module-signature format), unreadable: %s", strerror(-ret));
		return ret;
	}
	if (span.len > EXECBAN_MODSIG_PKCS7_MAX) {
		snprintf(fs->modsig_why, sizeof(fs->modsig_why),
			 "appended PKCS#7 of %zu bytes: larger than execban reads (%d)", span.len,
			 EXECBAN_MODSIG_PKCS7_MAX);
		return -EMSGSIZE;
	}
	if (src->fd < 0 && span.offset < size - src->tail_len) {
		/* as execban.ko reads an init_module image: within its last bytes only */
		snprintf(fs->modsig_why, sizeof(fs->modsig_why),
			 "appended PKCS#7 of %zu bytes: does not fit in the last %zu bytes of the "
			 "image, where execban.ko reads an init_module image's signature",
			 span.len, src->tail_len);
		return -EMSGSIZE;
	}
	blob = malloc(span.len);
	s = malloc(sizeof(*s));
	ret = blob && s ? src_read(src, blob, span.len, span.offset) : -ENOMEM;
	if (!ret)
		ret = sigparse_pkcs7_signer(blob, span.len, s);
	if (ret) {
		snprintf(fs->modsig_why, sizeof(fs->modsig_why),
			 "appended PKCS#7 (module-signature format), signer unreadable: %s",
			 strerror(-ret));
		goto out;
	}
	fs->n_signers = s->n_signers;
	fs->n_certs = s->n_certs;
	fs->sid_type = s->sid_type;
	if (s->sid_type == SIGPARSE_SID_SKID) {
		add_ident(fs, EXECBAN_IDENT_SIGNER_SKID, s->skid, s->skid_len, NULL, 0);
	} else {
		/* SHA-256 of the issuer Name's whole DER, then the serial's content octets */
		memcpy(fs->issuer, s->issuer, s->issuer_len);
		fs->issuer_len = s->issuer_len;
		memcpy(fs->serial, s->serial, s->serial_len);
		fs->serial_len = s->serial_len;
		EVP_Digest(s->issuer, s->issuer_len, md, NULL, EVP_sha256(), NULL);
		add_ident(fs, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, md, EXECBAN_SHA256_LEN,
			  s->serial, s->serial_len);
		/* execban.ko resolves it in the system keyrings: ask it the same */
		n = resolve_keyring(fs, s->skid, sizeof(s->skid));
		if (n > 0) {
			add_ident(fs, EXECBAN_IDENT_SIGNER_SKID, s->skid, (size_t)n, NULL, 0);
			fs->skid_from_keyring = true;
		}
	}
	/* The first embedded certificate: with one signer, normally the signer's own. */
	if (s->cert.len) {
		EVP_Digest(blob + s->cert.offset, s->cert.len, md, NULL, EVP_sha256(), NULL);
		add_ident(fs, EXECBAN_IDENT_SIGNER_CERT_SHA256, md, EXECBAN_SHA256_LEN, NULL, 0);
	}
out:
	free(s);
	free(blob);
	return ret;
}

/* security.ima (kmod/signer.c: read_ima). 0, -ENODATA if no signature there, or -errno. */
static int read_ima(int fd, struct file_sigs *fs)
{
	uint8_t val[EXECBAN_IMA_XATTR_LEN_MAX], keyid[4];
	ssize_t n;
	int ret;

	n = fgetxattr(fd, "security.ima", val, sizeof(val));
	if (n < 0) {
		ret = -errno;
		if (ret == -ENODATA || ret == -EOPNOTSUPP)
			return -ENODATA;	/* no xattrs here, or none of this name */
		if (ret == -ERANGE) {
			snprintf(fs->ima_why, sizeof(fs->ima_why), "security.ima of more than %d "
				 "bytes: larger than execban reads", EXECBAN_IMA_XATTR_LEN_MAX);
			return -EMSGSIZE;
		}
		snprintf(fs->ima_why, sizeof(fs->ima_why), "security.ima unreadable: %s",
			 strerror(-ret));
		return ret;
	}
	ret = sigparse_ima_xattr(val, (size_t)n, &fs->ima);
	if (ret == SIGPARSE_ENOSIG)
		return -ENODATA;
	if (ret) {
		snprintf(fs->ima_why, sizeof(fs->ima_why), "security.ima, unreadable: %s",
			 strerror(-ret));
		return ret;
	}
	/* the 4-byte key id, big-endian, as printed */
	keyid[0] = (uint8_t)(fs->ima.keyid >> 24);
	keyid[1] = (uint8_t)(fs->ima.keyid >> 16);
	keyid[2] = (uint8_t)(fs->ima.keyid >> 8);
	keyid[3] = (uint8_t)fs->ima.keyid;
	add_ident(fs, EXECBAN_IDENT_IMA_KEYID, keyid, sizeof(keyid), NULL, 0);
	return 0;
}

void file_sigs_read(int fd, uint64_t size, struct file_sigs *fs)
{
	struct sig_src src = { .fd = fd, .size = size };

	memset(fs, 0, sizeof(*fs));
	fs->modsig_err = read_modsig(&src, fs);
	fs->ima_err = read_ima(fd, fs);
}

void file_sigs_read_tail(const uint8_t *tail, size_t tail_len, uint64_t size,
			 struct file_sigs *fs)
{
	struct sig_src src = { .fd = -1, .tail = tail, .tail_len = tail_len, .size = size };

	memset(fs, 0, sizeof(*fs));
	fs->modsig_err = read_modsig(&src, fs);
	fs->ima_err = -ENODATA;
}

bool file_sigs_unreadable(const struct file_sigs *fs)
{
	return (fs->modsig_err && fs->modsig_err != -ENODATA) ||
	       (fs->ima_err && fs->ima_err != -ENODATA);
}

void file_sigs_why(const struct file_sigs *fs, char *buf, size_t size)
{
	bool m = fs->modsig_err && fs->modsig_err != -ENODATA;
	bool i = fs->ima_err && fs->ima_err != -ENODATA;

	snprintf(buf, size, "%s%s%s", m ? fs->modsig_why : "", m && i ? "; " : "",
		 i ? fs->ima_why : "");
}

int file_ident_format(const struct file_ident *id, char *buf, size_t size)
{
	struct policy_rule r = { .ident_kind = id->kind, .ident_len = id->len };

	memcpy(r.ident, id->id, id->len);
	return policy_format_ident(&r, buf, size);
}
