/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: who signed a file (signer.c).
 */
#ifndef EXECBAN_SIGNER_H
#define EXECBAN_SIGNER_H

struct execban_signer;
struct file;

int execban_signer_init(void);
void execban_signer_exit(void);
void execban_signer_read(struct file *file, struct execban_signer *s);
int execban_signer_verify(struct file *file);

#endif /* EXECBAN_SIGNER_H */
