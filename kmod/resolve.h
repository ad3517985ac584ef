/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: the keyrings' answer for execban scan (resolve.c).
 */
#ifndef EXECBAN_RESOLVE_H
#define EXECBAN_RESOLVE_H

int execban_resolve_init(void);
void execban_resolve_exit(void);

#endif /* EXECBAN_RESOLVE_H */
