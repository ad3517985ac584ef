/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: who signed a file (signer.c).
 */
#ifndef EXECBAN_SIGNER_H
#define EXECBAN_SIGNER_H

#include <linux/types.h>

struct execban_signer;
struct execban_src;

int execban_signer_init(void);
void execban_signer_exit(void);
void execban_signer_read(const struct execban_src *file, struct execban_signer *s);
int execban_signer_verify(const struct execban_src *file, u32 kind);
int execban_signer_resolve(const u8 *issuer, size_t issuer_len, const u8 *serial,
			   size_t serial_len, u8 *skid, size_t skid_max);
void execban_signer_read_mem(const u8 *tail, size_t tail_len, u64 file_len,
			     struct execban_signer *s);
void execban_signer_read_image(const u8 *tail, size_t tail_len, u64 file_len,
			       struct execban_signer *s);

#endif /* EXECBAN_SIGNER_H */
