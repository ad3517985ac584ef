/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execban kernel module: the module image inside a compressed module file
 * (image.c).
 */
#ifndef EXECBAN_IMAGE_H
#define EXECBAN_IMAGE_H

#include <linux/types.h>

struct execban_signer;
struct execban_src;

s64 execban_image_read(const struct execban_src *src, u8 *digest, struct execban_signer *s);

#endif /* EXECBAN_IMAGE_H */
