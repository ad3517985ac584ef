// SPDX-License-Identifier: GPL-2.0
/*
 * Records in the Linux audit log, through libaudit (docs/execban.8.md, AUDIT):
 *   - each denial the daemon sees: USER_AVC, as other userspace access-decision makers (dbus,
 *     systemd) write theirs;
 *   - each administrative verb (load, unload, lock), whether it succeeded or was refused:
 *     USER_MAC_POLICY_LOAD for load, USER_MAC_STATUS for unload and lock.
 * The kernel fills in who sent the record (pid, uid, auid, ses, exe). Without audit (no
 * netlink audit socket, the kernel's audit disabled, no auditd) nothing is written and
 * nothing is said: the ban does not depend on its audit trail.
 */
#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static int audit_fd = -1;
static time_t enabled_checked;
static int enabled;

/* An open audit socket if the kernel's audit is enabled (rechecked every few seconds), or -1. */
static int audit_sock(void)
{
	time_t now = time(NULL);

	if (audit_fd < 0) {
		audit_fd = audit_open();	/* EPROTONOSUPPORT etc.: no audit here */
		if (audit_fd < 0)
			return -1;
		enabled_checked = 0;
	}
	/* USER_AVC reaches the kernel's log even with audit disabled: ask first. */
	if (!enabled_checked || now - enabled_checked >= 5) {
		enabled = audit_is_enabled(audit_fd) > 0;
		enabled_checked = now;
	}
	return enabled ? audit_fd : -1;
}

/* Append " KEY=VALUE", VALUE encoded as auditd expects (quoted, or hex if it must be). */
static void add_field(char *buf, size_t len, const char *key, const char *value)
{
	size_t n = strlen(buf);
	char *enc = audit_encode_nv_string(key, value ? value : "", 0);

	if (enc && n < len)
		snprintf(buf + n, len - n, " %s", enc);
	free(enc);
}

void audit_denial(const char *action, const char *verdict, const char *path, const char *sha256,
		  const char *rule, unsigned int pid, unsigned int uid, int loginuid,
		  const char *comm)
{
	char msg[MAX_AUDIT_MESSAGE_LENGTH - 128];
	int fd = audit_sock();

	if (fd < 0)
		return;
	snprintf(msg, sizeof(msg), "execban: op=%s verdict=%s", action, verdict);
	add_field(msg, sizeof(msg), "path", path);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " sha256=%s", sha256);
	add_field(msg, sizeof(msg), "rule", rule);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		 " subj_pid=%u subj_uid=%u subj_auid=%d", pid, uid, loginuid);
	add_field(msg, sizeof(msg), "subj_comm", comm);
	audit_log_user_message(fd, AUDIT_USER_AVC, msg, NULL, NULL, NULL,
			       strcmp(verdict, "denied") ? 1 : 0);
}

void audit_admin(const char *verb, int argc, char **argv, int status)
{
	char msg[MAX_AUDIT_MESSAGE_LENGTH - 128], args[2048] = "";
	int type, fd, i;

	if (!strcmp(verb, "load"))
		type = AUDIT_USER_MAC_POLICY_LOAD;
	else if (!strcmp(verb, "unload") || !strcmp(verb, "lock"))
		type = AUDIT_USER_MAC_STATUS;
	else
		return;
	/* --help and usage errors change nothing. */
	if (status == EXIT_USAGE)
		return;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return;
	fd = audit_sock();
	if (fd < 0)
		return;
	for (i = 1; i < argc; i++) {
		size_t n = strlen(args);

		if (n < sizeof(args))
			snprintf(args + n, sizeof(args) - n, "%s%s", i > 1 ? " " : "", argv[i]);
	}
	snprintf(msg, sizeof(msg), "execban: op=%s", verb);
	add_field(msg, sizeof(msg), "args", args);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " exit=%d", status);
	audit_log_user_message(fd, type, msg, NULL, NULL, NULL, status == EXIT_OK);
}
