// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: who signed a file.
 *
 * Two signatures live on files on these kernels: a PKCS#7 appended in the
 * module-signature format (sign-file; every signed module has one) and an IMA
 * signature in security.ima (evmctl ima_sign). Both are parsed by
 * ../lib/sigparse.c, the parser the CLI and the fuzz harness also use; this
 * file only reads the bytes and turns what the parser found into the identity
 * keys the policy is looked up by (include/execban.h).
 *
 * Two keyrings help:
 * - execban's own keyring (its serial in /sys/module/execban/parameters/
 *   keyring) holds the certificates of banned signers, added by "execban load";
 *   a signature that names a banned signer is verified against it, so an event
 *   can say whether the signature is genuine. The verdict never depends on it:
 *   a ban fails closed.
 * - the system keyrings (serials written by "execban load" into
 *   /sys/module/execban/parameters/system_keyrings, looked up in the writer's
 *   context) let a signature that names its signer by issuer and serial, as
 *   sign-file does by default, be resolved to the certificate's subject key
 *   identifier, the identity /proc/keys and modinfo's users see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash_info.h>
#include <crypto/public_key.h>
#include <crypto/sha2.h>
#include <keys/asymmetric-type.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/key.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/verification.h>
#include <linux/xattr.h>

#include "compat.h"
#include "execban.h"
#include "hash.h"
#include "sigparse.h"
#include "signer.h"
#include "source.h"

#define EXECBAN_VERIFY_MAX	(256 << 20)	/* signed content verified at most */
#define EXECBAN_SYSTEM_KEYRINGS	8
#define XATTR_IMA		"security.ima"

static struct key *execban_keyring;
static int keyring_serial;
module_param_named(keyring, keyring_serial, int, 0444);
MODULE_PARM_DESC(keyring, "serial of the keyring of banned signers' certificates");

static DEFINE_MUTEX(system_keyrings_lock);
static struct key *system_keyrings[EXECBAN_SYSTEM_KEYRINGS];
static unsigned int n_system_keyrings;

static void put_keyrings(struct key **keys, unsigned int n)
{
	while (n--)
		key_put(keys[n]);
}

/*
 * "serial,serial,...": each must be a keyring the writer may search. All or
 * nothing: on any error the previous list stays.
 */
static int system_keyrings_set(const char *val, const struct kernel_param *kp)
{
	struct key *keys[EXECBAN_SYSTEM_KEYRINGS], *old[EXECBAN_SYSTEM_KEYRINGS];
	unsigned int n = 0, n_old;
	char *buf, *p, *tok;
	key_ref_t ref;
	int err = 0;
	s32 serial;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = strim(buf);
	while ((tok = strsep(&p, ",")) && *tok) {
		if (n == EXECBAN_SYSTEM_KEYRINGS) {
			err = -E2BIG;
			break;
		}
		err = kstrtos32(strim(tok), 0, &serial);
		if (err)
			break;
		ref = lookup_user_key(serial, 0, KEY_NEED_SEARCH);
		if (IS_ERR(ref)) {
			err = PTR_ERR(ref);
			break;
		}
		keys[n] = key_ref_to_ptr(ref);
		if (keys[n]->type != &key_type_keyring) {
			key_put(keys[n]);
			err = -ENOTDIR;
			break;
		}
		n++;
	}
	kfree(buf);
	if (err) {
		put_keyrings(keys, n);
		return err;
	}

	mutex_lock(&system_keyrings_lock);
	memcpy(old, system_keyrings, sizeof(old));
	n_old = n_system_keyrings;
	memcpy(system_keyrings, keys, n * sizeof(keys[0]));
	n_system_keyrings = n;
	mutex_unlock(&system_keyrings_lock);
	put_keyrings(old, n_old);
	return 0;
}

static int system_keyrings_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	mutex_lock(&system_keyrings_lock);
	for (i = 0; i < n_system_keyrings; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s%d", i ? "," : "",
				 system_keyrings[i]->serial);
	mutex_unlock(&system_keyrings_lock);
	len += scnprintf(buf + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops system_keyrings_ops = {
	.set = system_keyrings_set,
	.get = system_keyrings_get,
};
module_param_cb(system_keyrings, &system_keyrings_ops, NULL, 0600);
MODULE_PARM_DESC(system_keyrings,
		 "keyrings (serials) to resolve a signer's issuer and serial to its key id");

/* Read exactly @len bytes at @pos; a short read (the file shrank) is -EIO. */
static int read_exact(const struct execban_src *file, void *buf, size_t len, loff_t pos)
{
	ssize_t n = execban_src_read(file, buf, len, pos);

	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * key = SHA-256(EXECBAN_SIGNER_KEY_PREFIX with its NUL || kind || id): the
 * derivation the CLI uses for the policy's signer rules (include/execban.h).
 */
static void add_key_of(struct execban_signer *s, u8 kind, const u8 *id, size_t len,
		       const u8 *id2, size_t len2)
{
	execban_sha256_ctx st;
	unsigned int i = s->n_keys;

	if (i >= EXECBAN_SIGNER_KEYS)
		return;
	sha256_init(&st);
	sha256_update(&st, EXECBAN_SIGNER_KEY_PREFIX, EXECBAN_SIGNER_KEY_PREFIX_LEN);
	sha256_update(&st, &kind, 1);
	sha256_update(&st, id, len);
	if (id2)
		sha256_update(&st, id2, len2);
	sha256_final(&st, s->keys[i]);
	s->key_kind[i] = kind;
	s->n_keys = i + 1;
}

/**
 * execban_signer_resolve() - the subject key identifier of a certificate in
 *	the system keyrings, found by issuer and serial
 * @issuer: the issuer Name's whole DER (tag and length included)
 * @issuer_len: its length
 * @serial: the serial INTEGER's content octets
 * @serial_len: their number
 * @skid: buffer for the subject key identifier
 * @skid_max: its size
 *
 * id_0 of an X.509 key is serial || issuer, id_1 its SKID (x509_public_key.c),
 * with the issuer's content octets only: the ASN.1 decoder hands its actions
 * the value after the tag and length, so the DER's header is skipped here. The
 * keyrings are those execban load named (system_keyrings).
 *
 * Context: process context, may sleep.
 * Return: the SKID's length; -EINVAL for a malformed @issuer; -ENOKEY when no
 * certificate of those keyrings has that issuer and serial; -ENODATA when it
 * has no SKID; -E2BIG when it does not fit @skid_max; -ENOMEM.
 */
int execban_signer_resolve(const u8 *issuer, size_t issuer_len, const u8 *serial,
			   size_t serial_len, u8 *skid, size_t skid_max)
{
	const struct asymmetric_key_ids *kids;
	const struct asymmetric_key_id *kid;
	struct asymmetric_key_id *id;
	struct key *key = NULL;
	unsigned int i, hdr;
	int ret;

	if (issuer_len < 2)
		return -EINVAL;
	hdr = issuer[1] & 0x80 ? 2 + (issuer[1] & 0x7f) : 2;
	if (hdr > issuer_len)
		return -EINVAL;
	id = asymmetric_key_generate_id(serial, serial_len, issuer + hdr, issuer_len - hdr);
	if (IS_ERR(id))
		return PTR_ERR(id);
	mutex_lock(&system_keyrings_lock);
	for (i = 0; i < n_system_keyrings && !key; i++) {
		key = find_asymmetric_key(system_keyrings[i], id, NULL, NULL, false);
		if (IS_ERR(key))
			key = NULL;
	}
	mutex_unlock(&system_keyrings_lock);
	kfree(id);
	if (!key)
		return -ENOKEY;
	kids = asymmetric_key_ids(key);
	kid = kids ? kids->id[1] : NULL;
	if (!kid || !kid->len)
		ret = -ENODATA;
	else if (kid->len > skid_max)
		ret = -E2BIG;
	else
		ret = kid->len;
	if (ret > 0)
		memcpy(skid, kid->data, kid->len);
	key_put(key);
	return ret;
}

/* The signer names its certificate by issuer and serial: its SKID, if the keyrings know it. */
static void resolve_skid(const struct sig_signer *sig, struct execban_signer *s)
{
	int len = execban_signer_resolve(sig->issuer, sig->issuer_len, sig->serial,
					 sig->serial_len, s->skid, sizeof(s->skid));

	if (len > 0) {
		s->skid_len = len;
		s->formats |= EXECBAN_SIGF_KEYRING_SKID;
	}
}

/*
 * What a parsed PKCS#7 says into @s: its signer identities and their keys.
 * @resolve: look a signer named by issuer and serial up in the system keyrings
 * (may sleep).
 */
static void fill_modsig(const u8 *blob, const struct sig_signer *sig, struct execban_signer *s,
			bool resolve)
{
	s->formats |= EXECBAN_SIGF_MODSIG;
	s->sid_type = sig->sid_type;
	if (sig->sid_type == SIGPARSE_SID_SKID) {
		memcpy(s->skid, sig->skid, sig->skid_len);
		s->skid_len = sig->skid_len;
	} else {
		sha256(sig->issuer, sig->issuer_len, s->issuer_sha256);
		memcpy(s->serial, sig->serial, sig->serial_len);
		s->serial_len = sig->serial_len;
		add_key_of(s, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, s->issuer_sha256,
			   sizeof(s->issuer_sha256), s->serial, s->serial_len);
		if (resolve)
			resolve_skid(sig, s);
	}
	if (s->skid_len)
		add_key_of(s, EXECBAN_IDENT_SIGNER_SKID, s->skid, s->skid_len, NULL, 0);
	if (sig->cert.len) {
		sha256(blob + sig->cert.offset, sig->cert.len, s->cert_sha256);
		s->formats |= EXECBAN_SIGF_CERT;
		add_key_of(s, EXECBAN_IDENT_SIGNER_CERT_SHA256, s->cert_sha256,
			   sizeof(s->cert_sha256), NULL, 0);
	}
}

/*
 * Where the appended PKCS#7 signature is in the file, as the module-signature
 * trailer in its last 40 bytes says. Return: 0, -ENODATA if there is none,
 * -errno.
 */
static int find_modsig(const struct execban_src *file, loff_t size, struct sig_span *span)
{
	u8 tail[SIGPARSE_MODSIG_TRAILER_LEN];
	int err;

	if (size < SIGPARSE_MODSIG_TRAILER_LEN)
		return -ENODATA;
	err = read_exact(file, tail, sizeof(tail), size - sizeof(tail));
	if (err)
		return err;
	return sigparse_module_trailer(tail, sizeof(tail), size, span);
}

/* The appended PKCS#7 signature, if any. Return: 0, -ENODATA if none, -errno. */
static int read_modsig(const struct execban_src *file, loff_t size, struct execban_signer *s)
{
	struct sig_signer *sig;
	struct sig_span span;
	u8 *blob;
	int err;

	err = find_modsig(file, size, &span);
	if (err)
		return err;
	if (span.len > EXECBAN_MODSIG_PKCS7_MAX)
		return -EMSGSIZE;

	blob = kvmalloc(span.len, GFP_KERNEL);
	sig = kmalloc(sizeof(*sig), GFP_KERNEL);
	if (!blob || !sig) {
		err = -ENOMEM;
		goto out;
	}
	err = read_exact(file, blob, span.len, span.offset);
	if (err)
		goto out;
	err = sigparse_pkcs7_signer(blob, span.len, sig);
	if (err)
		goto out;

	fill_modsig(blob, sig, s, true);
out:
	kfree(sig);
	kvfree(blob);
	return err;
}

/*
 * The security.ima value, parsed. On 0, *@valp is the value (kfree() it), whose
 * signature proper starts at SIGPARSE_IMA_SIG_HDR_LEN. Return: 0, -ENODATA if
 * there is none, -errno.
 */
static int get_ima(const struct execban_src *file, u8 **valp, struct sig_ima *ima)
{
	ssize_t len;
	u8 *val;
	int err;

	val = kmalloc(EXECBAN_IMA_XATTR_LEN_MAX, GFP_KERNEL);
	if (!val)
		return -ENOMEM;
	len = execban_src_getxattr(file, XATTR_IMA, val, EXECBAN_IMA_XATTR_LEN_MAX);
	if (len == -EOPNOTSUPP || len == -ENODATA)
		err = -ENODATA;		/* no xattrs here, or none of this name */
	else if (len == -ERANGE)
		err = -EMSGSIZE;
	else if (len < 0)
		err = len;
	else
		err = sigparse_ima_xattr(val, len, ima);
	if (err)
		kfree(val);
	else
		*valp = val;
	return err;
}

/* The security.ima signature, if any. Return: 0, -ENODATA if none, -errno. */
static int read_ima(const struct execban_src *file, struct execban_signer *s)
{
	struct sig_ima ima;
	__be32 keyid;
	u8 *val;
	int err;

	err = get_ima(file, &val, &ima);
	if (err)
		return err;
	kfree(val);

	s->formats |= EXECBAN_SIGF_IMA;
	s->ima_keyid = ima.keyid;
	keyid = cpu_to_be32(ima.keyid);
	add_key_of(s, EXECBAN_IDENT_IMA_KEYID, (u8 *)&keyid, sizeof(keyid), NULL, 0);
	return 0;
}

/**
 * execban_signer_read() - the signatures on a file and the identities they name
 * @file: a regular file open for reading, or a dentry's page cache (source.c)
 * @s: filled in; see struct execban_signer
 *
 * Reads the last 40 bytes, the PKCS#7 blob they point to and security.ima:
 * not the whole file. Errors reading one signature are recorded in
 * @s->modsig_err or @s->ima_err for the caller's fail-closed decision.
 *
 * Context: process context, may sleep.
 */
void execban_signer_read(const struct execban_src *file, struct execban_signer *s)
{
	loff_t size = execban_src_size(file);

	memset(s, 0, sizeof(*s));
	s->verify = EXECBAN_VERIFY_NOT_TRIED;
	s->modsig_err = read_modsig(file, size, s);
	s->ima_err = read_ima(file, s);
}

/* The signature within the last @tail_len bytes of a file of @file_len bytes. */
static void read_tail(const u8 *tail, size_t tail_len, u64 file_len, struct execban_signer *s,
		      bool resolve)
{
	struct sig_signer sig;
	struct sig_span span;
	size_t start;
	int err;

	memset(s, 0, sizeof(*s));
	s->verify = EXECBAN_VERIFY_NOT_TRIED;
	s->ima_err = -ENODATA;
	if (file_len < SIGPARSE_MODSIG_TRAILER_LEN) {
		s->modsig_err = -ENODATA;
		return;
	}
	if (tail_len > file_len || tail_len < SIGPARSE_MODSIG_TRAILER_LEN) {
		s->modsig_err = -EINVAL;
		return;
	}
	err = sigparse_module_trailer(tail, tail_len, file_len, &span);
	start = file_len - tail_len;
	if (!err && span.offset < start)
		err = -EMSGSIZE;	/* the signature does not fit in the window */
	if (!err)
		err = sigparse_pkcs7_signer(tail + (span.offset - start), span.len, &sig);
	if (!err)
		fill_modsig(tail + (span.offset - start), &sig, s, resolve);
	s->modsig_err = err;
}

/**
 * execban_signer_read_mem() - execban_signer_read() for a file held in memory
 * @tail: the last @tail_len bytes of the file, which must hold the whole
 *	signature and its trailer
 * @tail_len: bytes at @tail
 * @file_len: the whole file's length
 * @s: filled in
 *
 * For init_module(2), whose image is only in memory. Neither allocates nor
 * looks in keyrings, so a signer named by issuer and serial is not resolved to
 * its key id here, and there is no security.ima.
 *
 * Context: any; does not sleep. Uses about 700 bytes of stack.
 */
void execban_signer_read_mem(const u8 *tail, size_t tail_len, u64 file_len,
			     struct execban_signer *s)
{
	read_tail(tail, tail_len, file_len, s, false);
}

/**
 * execban_signer_read_image() - execban_signer_read_mem(), resolving signers
 * @tail: as for execban_signer_read_mem()
 * @tail_len: bytes at @tail
 * @file_len: the whole file's length
 * @s: filled in
 *
 * For a module image decompressed by the module (image.c), where sleeping is
 * allowed: a signer named by issuer and serial is also resolved to its key id
 * in the system keyrings, as for a file.
 *
 * Context: process context, may sleep.
 */
void execban_signer_read_image(const u8 *tail, size_t tail_len, u64 file_len,
			       struct execban_signer *s)
{
	read_tail(tail, tail_len, file_len, s, true);
}

/* The appended PKCS#7 signature; see execban_signer_verify(). */
static int verify_modsig(const struct execban_src *file)
{
	loff_t size = execban_src_size(file);
	struct sig_span span;
	u8 *buf;
	int err;

	if (size > EXECBAN_VERIFY_MAX)
		return -EFBIG;
	err = find_modsig(file, size, &span);
	if (err)
		return err;
	/* The signed content and the signature; not the trailer. */
	buf = kvmalloc(span.offset + span.len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = read_exact(file, buf, span.offset + span.len, 0);
	if (!err)
		err = verify_pkcs7_signature(buf, span.offset, buf + span.offset, span.len,
					     execban_keyring, VERIFYING_UNSPECIFIED_SIGNATURE,
					     NULL, NULL);
	kvfree(buf);
	return err;
}

/*
 * security.ima, signature v2: a signature of the file's digest by the key whose
 * id ends in the 4-byte key id, as IMA's asymmetric_verify() checks it, but
 * against execban's keyring of banned certificates.
 */
static int verify_ima(const struct execban_src *file)
{
	struct public_key_signature pks = {};
	const struct public_key *pk;
	u8 digest[SHA256_DIGEST_SIZE];
	struct sig_ima ima;
	char name[3 + 8 + 1];
	key_ref_t kref;
	struct key *key;
	u8 *val;
	int err;

	err = get_ima(file, &val, &ima);
	if (err)
		return err;
	/* v3 signs an fs-verity digest, and only SHA-256 file digests are computed here. */
	if (ima.version != 2 || ima.hash_algo != HASH_ALGO_SHA256) {
		err = -EOPNOTSUPP;
		goto out_free;
	}
	err = execban_hash_src(file, digest);
	if (err)
		goto out_free;

	snprintf(name, sizeof(name), "id:%08x", ima.keyid);
	kref = keyring_search(make_key_ref(execban_keyring, 1), &key_type_asymmetric, name, true);
	if (IS_ERR(kref)) {
		err = PTR_ERR(kref) == -EAGAIN ? -ENOKEY : PTR_ERR(kref);
		goto out_free;
	}
	key = key_ref_to_ptr(kref);
	pk = key->payload.data[asym_crypto];
	pks.pkey_algo = pk->pkey_algo;
	if (!strcmp(pk->pkey_algo, "rsa"))
		pks.encoding = "pkcs1";
	else if (!strncmp(pk->pkey_algo, "ecdsa-", 6))
		pks.encoding = "x962";
	else
		pks.encoding = "raw";
	pks.hash_algo = "sha256";
	execban_pks_set_digest(&pks, digest, sizeof(digest));
	pks.s = val + SIGPARSE_IMA_SIG_HDR_LEN;
	pks.s_size = ima.sig_size;
	err = verify_signature(key, &pks);
	key_put(key);
out_free:
	kfree(val);
	return err;
}

/**
 * execban_signer_verify() - verify one of a file's signatures against the
 *	banned certificates in execban's keyring
 * @file: a regular file open for reading, or a dentry's page cache
 * @kind: the enum execban_ident_kind that matched: EXECBAN_IDENT_IMA_KEYID
 *	verifies security.ima, the others the appended PKCS#7
 *
 * Reads the whole file (the appended signature: into memory, as
 * verify_pkcs7_signature() wants it; security.ima: hashed): call it only once
 * a signer rule has matched.
 *
 * Context: process context, may sleep.
 * Return: 0 if a certificate in the keyring made the signature; -ENOKEY if
 * none of them did; -EKEYREJECTED (or -EBADMSG) for a signature that does not
 * match the content; -ENODATA without that signature; -EFBIG above
 * EXECBAN_VERIFY_MAX; -EOPNOTSUPP for an IMA signature other than v2 over
 * SHA-256; another -errno.
 */
int execban_signer_verify(const struct execban_src *file, u32 kind)
{
	if (kind == EXECBAN_IDENT_IMA_KEYID)
		return verify_ima(file);
	return verify_modsig(file);
}

/**
 * execban_signer_init() - create execban's keyring of banned certificates
 *
 * Owned by root: root processes may add and clear certificates (execban load
 * does), others cannot see it.
 *
 * Return: 0 or -errno.
 */
int execban_signer_init(void)
{
	struct key *k;

	k = keyring_alloc("execban", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, current_cred(),
			  KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_WRITE |
			  KEY_USR_SEARCH | KEY_USR_LINK | KEY_USR_SETATTR,
			  KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(k)) {
		pr_err("cannot create the keyring of banned certificates: %ld\n", PTR_ERR(k));
		return PTR_ERR(k);
	}
	execban_keyring = k;
	keyring_serial = k->serial;
	return 0;
}

/* Drop both keyrings' references; no kfunc can run any more. */
void execban_signer_exit(void)
{
	put_keyrings(system_keyrings, n_system_keyrings);
	n_system_keyrings = 0;
	key_put(execban_keyring);
	execban_keyring = NULL;
}
