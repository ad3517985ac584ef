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

/*
 * The UTF-8 sequence at p (n bytes left): its length, valid or not. An ill-formed one is its
 * maximal subpart, to be replaced by one U+FFFD (Unicode 15, 3.9, "U+FFFD Substitution of
 * Maximal Subparts", as Python and browsers decode). Table 3-7 gives the ranges.
 */
static size_t utf8_seq(const unsigned char *p, size_t n, bool *valid)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	*valid = p[0] < 0x80;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 1;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* no overlong forms */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* nothing beyond U+10FFFF */
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return len;
}

struct json_object *json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, o = 0, l;
	struct json_object *v;
	bool valid = true;
	char *buf;

	if (!s)
		return NULL;
	n = strlen(s);
	for (i = 0; i < n && valid; i += l)
		l = utf8_seq(p + i, n - i, &valid);
	if (valid)
		return json_object_new_string_len(s, (int)n);
	/* At worst each byte becomes the 3 bytes of U+FFFD. */
	buf = malloc(3 * n + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i += l) {
		l = utf8_seq(p + i, n - i, &valid);
		if (valid) {
			memcpy(buf + o, s + i, l);
			o += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	v = json_object_new_string_len(buf, (int)o);
	free(buf);
	return v;
}

struct json_object *json_message(const char *file, unsigned int line, bool error,
				 const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_add_str(o, "file", file);
	json_add(o, "line", line ? json_object_new_uint64(line) : NULL);
	json_add_str(o, "severity", error ? "error" : "warning");
	json_add_str(o, "message", msg);
	return o;
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
