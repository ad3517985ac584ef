/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filesig.h - who signed a file, read as execban.ko reads it (kmod/signer.c): the appended
 * PKCS#7 in the module-signature format and security.ima, parsed by lib/sigparse.c, turned into
 * the same identities and map keys. Shared by execban hash (prints them) and execban scan
 * (looks them up in a policy).
 */
#ifndef EXECBAN_FILESIG_H
#define EXECBAN_FILESIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "policy.h"
#include "../lib/sigparse.h"

/* One signer identity a file's signatures name, and its map key. */
struct file_ident {
	uint16_t kind;			/* enum execban_ident_kind */
	uint8_t len;
	uint8_t id[POLICY_IDENT_MAX];	/* as struct policy_rule holds it */
	struct sha256_key key;		/* ident_key() of it */
};

/*
 * modsig_err and ima_err as in struct execban_signer: 0 when that signature was read, -ENODATA
 * when the file has none, another -errno when one is there but cannot be read (the kernel
 * refuses such a file while signer rules are in force); then *_why says why, for people.
 */
struct file_sigs {
	/* the appended PKCS#7 (module-signature format) */
	int modsig_err;
	char modsig_why[160];
	unsigned int n_signers, n_certs;
	uint32_t sid_type;		/* enum sigparse_sid */
	uint8_t issuer[SIGPARSE_ISSUER_MAX];	/* issuer Name DER (SIGPARSE_SID_ISSUER_SERIAL) */
	size_t issuer_len;
	uint8_t serial[SIGPARSE_SERIAL_MAX];
	size_t serial_len;
	/* security.ima */
	int ima_err;
	char ima_why[160];
	struct sig_ima ima;
	/*
	 * The identities, in execban.ko's order: issuer and serial or SKID (as the SignerInfo
	 * names the signer), then the SKID the kernel's system keyrings give that issuer and
	 * serial (asked of execban.ko: skid_from_keyring), the embedded certificate's SHA-256,
	 * the IMA key id.
	 */
	struct file_ident ids[EXECBAN_SIGNER_KEYS];
	unsigned int n_ids;
	bool skid_from_keyring;
};

/* Where execban.ko answers which SKID the system keyrings give an issuer and serial. */
#define EXECBAN_RESOLVE_SIGNER	"/sys/kernel/security/execban/resolve_signer"

/*
 * Read the signatures of an open regular file of size bytes: its last 40 bytes, the PKCS#7
 * they point to, and security.ima. Never fails: problems are in modsig_err and ima_err.
 */
void file_sigs_read(int fd, uint64_t size, struct file_sigs *fs);

/*
 * The same for a file that exists only in memory, of which tail holds the last tail_len of
 * its size bytes (a module image, decompress.h): its appended signature only, read within
 * those bytes as execban.ko reads an init_module image's; ima_err is -ENODATA.
 */
void file_sigs_read_tail(const uint8_t *tail, size_t tail_len, uint64_t size,
			 struct file_sigs *fs);

/* A signature is there but cannot be read: it could name a banned signer. */
bool file_sigs_unreadable(const struct file_sigs *fs);

/* Why, for people: "<modsig_why>; <ima_why>", whichever are unreadable. */
void file_sigs_why(const struct file_sigs *fs, char *buf, size_t size);

/* An identity in policy syntax ("signer-skid=<hex>"). The length, or -ENOSPC. */
int file_ident_format(const struct file_ident *id, char *buf, size_t size);

#endif /* EXECBAN_FILESIG_H */
