/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - what differs between the kernels execban.ko builds for: Debian 12's 6.1 and 6.12,
 * and 7.2 from Debian unstable. Each difference is detected by what the kernel's headers
 * declare, not by version numbers, where the headers allow it.
 */
#ifndef EXECBAN_COMPAT_H
#define EXECBAN_COMPAT_H

#include <crypto/public_key.h>
#include <crypto/sha2.h>
#include <linux/build_bug.h>
#include <linux/fcntl.h>
#include <linux/fs.h>

#include "execban.h"

/*
 * The SHA-256 library's context: struct sha256_ctx since the library was reworked (its
 * <crypto/sha2.h> defines SHA256_STATE_WORDS; 7.2), struct sha256_state before (6.1, 6.12),
 * which 7.2 still declares for the crypto API's drivers but no library function takes.
 */
#ifdef SHA256_STATE_WORDS
#define execban_sha256_ctx	struct sha256_ctx
#else
#define execban_sha256_ctx	struct sha256_state
#endif

/* hex2bin(), bin2hex(): <linux/hex.h> on 7.2, through <linux/kernel.h> before. */
#if __has_include("linux/hex.h")
#include <linux/hex.h>
#endif

/*
 * struct public_key_signature: what verify_signature() checks the signature against was
 * digest/digest_size (6.1, 6.12) and is m/m_size on 7.2 (a message or, for the algorithms
 * execban uses, its digest). kmod/Kbuild defines EXECBAN_PKS_M from the kernel's header.
 */
static inline void execban_pks_set_digest(struct public_key_signature *pks, u8 *digest, u32 len)
{
#ifdef EXECBAN_PKS_M
	pks->m = digest;
	pks->m_size = len;
#else
	pks->digest = digest;
	pks->digest_size = len;
#endif
}

/*
 * Open flags of the module's own second open of a file (kfuncs.c, get_src()), which
 * lsm.s/file_open must recognise and open(2) must not be able to imitate. It carries
 * EXECBAN_KMOD_OPEN_FLAG, an f_flags bit outside every open flag (open(2) drops it, openat2(2)
 * refuses it), on every kernel; and, where there still is such an open flag (up to 6.13:
 * 6.1, 6.12), __FMODE_NONOTIFY, which also keeps it from raising fanotify events. 7.2 sets
 * FMODE_NONOTIFY only through dentry_open_nonotify(), which modules cannot call.
 */
#ifdef __FMODE_NONOTIFY
#define EXECBAN_REOPEN_FLAGS	(EXECBAN_KMOD_OPEN_FLAG | __FMODE_NONOTIFY)
#else
#define EXECBAN_REOPEN_FLAGS	EXECBAN_KMOD_OPEN_FLAG
#endif
static_assert(!(EXECBAN_KMOD_OPEN_FLAG & (VALID_OPEN_FLAGS | O_ACCMODE | __FMODE_EXEC)));

#endif /* EXECBAN_COMPAT_H */
