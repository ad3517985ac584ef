/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: the kfuncs it offers to BPF LSM programs.
 */
#ifndef EXECBAN_KFUNCS_H
#define EXECBAN_KFUNCS_H

#include <linux/types.h>

struct dentry;
struct file;

int execban_kfuncs_register(void);

/* Called by BPF programs only; declared to keep -Wmissing-prototypes quiet. */
int execban_file_sha256(struct file *file, u8 *digest, u32 digest__sz);
int execban_file_signer(struct file *file, u8 *out, u32 out__sz);
int execban_file_verify_signer(struct file *file, u32 kind);
int execban_dentry_sha256(struct dentry *dentry, u8 *digest, u32 digest__sz);
int execban_dentry_signer(struct dentry *dentry, u8 *out, u32 out__sz);
int execban_dentry_verify_signer(struct dentry *dentry, u32 kind);
int execban_sha256_init(u8 *state, u32 state__sz);
int execban_sha256_update(u8 *state, u32 state__sz, const u8 *data, u32 data__sz);
int execban_sha256_final(u8 *state, u32 state__sz, u8 *digest, u32 digest__sz);
int execban_mem_signer(const u8 *tail, u32 tail__sz, u64 file_len, u8 *out, u32 out__sz);
s64 execban_file_module_image(struct file *file, u8 *digest, u32 digest__sz, u8 *out,
			      u32 out__sz);
int execban_dentry_sha256_nowait(struct dentry *dentry, u8 *digest, u32 digest__sz);
int execban_install_probe(struct file *file);
int execban_install_watch_file(struct file *file);
u32 execban_kmod_open_marker(void);
u32 execban_kmod_abi_version(void);

#endif /* EXECBAN_KFUNCS_H */
