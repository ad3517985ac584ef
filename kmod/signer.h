/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: who signed a file (signer.c).
 */
#ifndef EXECBAN_SIGNER_H
#define EXECBAN_SIGNER_H

struct execban_signer;
struct execban_src;

int execban_signer_init(void);
void execban_signer_exit(void);
void execban_signer_read(const struct execban_src *file, struct execban_signer *s);
int execban_signer_verify(const struct execban_src *file);

#endif /* EXECBAN_SIGNER_H */
