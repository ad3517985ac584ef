// SPDX-License-Identifier: GPL-2.0
/*
 * jsonmsg.c - a verb's errors and warnings, kept for its --json object (jsonout.h): with
 * --json a script reads why a command failed from the object on stdout, as check --json's
 * "messages", while stderr keeps the text for a person.
 */
#include "cli.h"
#include "jsonout.h"

static struct json_object *messages;
static bool any_error;

static void keep(const char *file, unsigned int line, bool error, const char *msg)
{
	struct json_object *m = json_message(file, line, error, msg);

	if (m && json_object_array_add(messages, m))
		json_object_put(m);
	any_error |= error;
}

void json_messages_begin(void)
{
	if (!messages)
		messages = json_object_new_array();
	any_error = false;
	if (messages)
		msg_hook = keep;
}

struct json_object *json_messages_end(void)
{
	struct json_object *a = messages;

	msg_hook = NULL;
	messages = NULL;
	return a ? a : json_object_new_array();
}

bool json_messages_error(void)
{
	return any_error;
}
