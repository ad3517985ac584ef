/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: reports at the last close of a written file (install.c).
 */
#ifndef EXECBAN_INSTALL_H
#define EXECBAN_INSTALL_H

#include <linux/types.h>

struct file;
struct super_block;

int execban_install_init(void);
void execban_install_exit(void);
int execban_install_watch(struct super_block *sb);
bool execban_install_probing(const struct file *file);

#endif /* EXECBAN_INSTALL_H */
