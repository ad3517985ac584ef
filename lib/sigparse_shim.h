/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigparse_shim.h - the only environment lib/sigparse.c needs: fixed-width integer types,
 * size_t, memcmp, memcpy, memset and ARRAY_SIZE. The kernel's headers under __KERNEL__,
 * libc's otherwise, so the same parser compiles into execban.ko, the CLI and the fuzz harness.
 */
#ifndef EXECBAN_SIGPARSE_SHIM_H
#define EXECBAN_SIGPARSE_SHIM_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#endif

#endif /* EXECBAN_SIGPARSE_SHIM_H */
