/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: the kfuncs it offers to BPF LSM programs.
 */
#ifndef EXECBAN_KFUNCS_H
#define EXECBAN_KFUNCS_H

#include <linux/types.h>

struct file;

int execban_kfuncs_register(void);

/* Called by BPF programs only; declared to keep -Wmissing-prototypes quiet. */
int execban_file_sha256(struct file *file, u8 *digest, u32 digest__sz);
u32 execban_kmod_abi_version(void);

#endif /* EXECBAN_KFUNCS_H */
