// SPDX-License-Identifier: GPL-2.0
/*
 * jsonout.c - printing JSON with json-c (jsonout.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

struct json_object *json_doc(int schema)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "schema", json_object_new_int(schema));
	return o;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

struct json_object *json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0, o = 0, l;
	struct json_object *v;
	char *buf;

	if (!s)
		return NULL;
	n = strlen(s);
	for (i = 0; i < n; i += l) {
		l = utf8_len(p + i, n - i);
		if (!l)
			break;
	}
	if (i == n)
		return json_object_new_string_len(s, (int)n);
	/* Each bad byte becomes the 3 bytes of U+FFFD. */
	buf = malloc(3 * n + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i += l) {
		l = utf8_len(p + i, n - i);
		if (l) {
			memcpy(buf + o, s + i, l);
			o += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			l = 1;
		}
	}
	v = json_object_new_string_len(buf, (int)o);
	free(buf);
	return v;
}

const char *json_line(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSONOUT_FLAGS);
}

int json_emit(FILE *out, struct json_object *o)
{
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (fputs(json_line(o), out) == EOF || putc('\n', out) == EOF)
		ret = -EIO;
	json_object_put(o);
	return ret;
}
