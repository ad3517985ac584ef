/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jsonout.h - every JSON execban prints (each --json, the event lines, the quarantine manifest)
 * is a json-c object printed by json_emit(): json-c escapes, formats numbers and writes one
 * line; json_text() makes sure what it is given is UTF-8.
 *
 * Each JSON object execban prints starts with "schema": N, the version of its layout
 * (docs/execban.8.md, JSON OUTPUT; docs/events.md). Fields are only ever added; N changes only
 * when a field changes meaning or goes away.
 */
#ifndef EXECBAN_JSONOUT_H
#define EXECBAN_JSONOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/* The one set of json-c flags: one line, "/" as is. */
#define JSONOUT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The schema versions, one per kind of output (docs/execban.8.md, JSON OUTPUT). */
enum {
	JSON_SCHEMA_CHECK = 1,		/* execban check --json */
	JSON_SCHEMA_HASH = 1,		/* execban hash --json, one object per file */
	JSON_SCHEMA_SHOW = 1,		/* execban show --json */
	JSON_SCHEMA_DIFF = 1,		/* execban diff --json */
	JSON_SCHEMA_STATUS = 1,		/* execban status --json */
	JSON_SCHEMA_LOAD = 1,		/* execban load --json */
	JSON_SCHEMA_SCAN = 1,		/* execban scan --json, one object per banned file */
	JSON_SCHEMA_IMPORT = 1,		/* execban import --json */
	JSON_SCHEMA_EXPLAIN = 1,	/* execban explain --json, one object per file */
	JSON_SCHEMA_QUARANTINE = 1,	/* quarantine list --json, restore, the manifest */
	JSON_SCHEMA_EVENT = 1,		/* event lines: docs/events.md */
	JSON_SCHEMA_UNLOAD = 1,		/* execban unload --json */
	JSON_SCHEMA_LOCK = 1,		/* execban lock --json */
	JSON_SCHEMA_SIGN = 1,		/* execban sign --json */
	JSON_SCHEMA_COMPILE = 1,	/* execban compile --json */
	JSON_SCHEMA_VERIFY = 1,		/* execban verify --json */
	JSON_SCHEMA_SYNC = 1,		/* execban sync --json */
	JSON_SCHEMA_DAEMON = 1,		/* execban daemon --json, one object per notice */
};

/* A new object whose first member is "schema": schema. NULL only when out of memory. */
struct json_object *json_doc(int schema);

/*
 * A JSON string of s, or JSON null when s is NULL. s is bytes others chose (a file name, a
 * label): each byte that is not part of a valid UTF-8 sequence becomes U+FFFD, as JSON text
 * must be UTF-8 (the text output shows such names escaped, byte for byte).
 */
struct json_object *json_text(const char *s);

/*
 * A diagnostic as {file, line, severity, message}: file null when it names none, line null
 * when it names no line, severity "error" or "warning" (check --json's "messages", and every
 * verb's since).
 */
struct json_object *json_message(const char *file, unsigned int line, bool error,
				 const char *msg);

/*
 * jsonmsg.c (the CLI only): from json_messages_begin() on, every error and warning the verb
 * reports (err(), warn(), their _path forms, a policy's file:line diagnostics) is also kept as
 * a json_message(); json_messages_end() stops that and gives the array, for the "messages" of
 * the verb's object (never NULL unless out of memory). The text still goes to stderr.
 */
void json_messages_begin(void);
struct json_object *json_messages_end(void);
/* Whether an error (not only warnings) was kept since json_messages_begin(). */
bool json_messages_error(void);

/* o as one line of text, without the newline; valid until o is freed. */
const char *json_line(struct json_object *o);

/* Print o as one line and a newline to out, and free o. 0, or -EIO when out failed. */
int json_emit(FILE *out, struct json_object *o);

static inline void json_add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static inline void json_add_str(struct json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_text(s));
}

static inline void json_add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static inline void json_add_i64(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static inline void json_add_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

#endif /* EXECBAN_JSONOUT_H */
