/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: what crosses the module's boundary.
 *
 * The BPF programs and the loader see the module only through its kfuncs.
 * EXECBAN_KMOD_ABI changes whenever a kfunc's name, prototype, flags or
 * semantics change; the loader compares it with execban_kmod_abi_version()
 * before it loads programs that call the other kfuncs.
 *
 * Temporary home: this moves into the shared boundary header include/execban.h.
 */
#ifndef EXECBAN_KMOD_H
#define EXECBAN_KMOD_H

#define EXECBAN_KMOD_ABI 7

/* Bytes execban_file_sha256() writes into its digest buffer. */
#define EXECBAN_SHA256_SIZE 32

#endif /* EXECBAN_KMOD_H */
