// SPDX-License-Identifier: GPL-2.0
/*
 * Records in the Linux audit log, through libaudit (docs/execban.8.md, AUDIT):
 *   - each denial the daemon sees: USER_AVC, as other userspace access-decision makers (dbus,
 *     systemd) write theirs;
 *   - each administrative verb (load, unload, lock), whether it succeeded or was refused:
 *     USER_MAC_POLICY_LOAD for load, USER_MAC_STATUS for unload and lock.
 * The kernel fills in who sent the record (pid, uid, auid, ses, subj), libaudit exe and res.
 *
 * No "is audit enabled?" question first: the kernel answers it (AUDIT_GET) only to a caller with
 * CAP_AUDIT_CONTROL, the power to change the audit rules and to switch audit off, which neither
 * unit grants (nor should); libaudit's audit_is_enabled() then says "not enabled", so a daemon
 * asking first never wrote a denial. The kernel decides instead: with audit disabled it drops the
 * USER_MAC_* records, and prints USER_AVC to its log (rate-limited), as it does D-Bus's. Where
 * the kernel has no audit (audit_open() fails: EPROTONOSUPPORT, audit=0) or refuses every sender
 * (a user namespace: ECONNREFUSED), nothing is written and nothing is said: the ban does not
 * depend on its audit trail. A record that should have been written and was not is an error
 * the caller reports (audit_error()).
 */
#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int audit_fd = -1;
static int audit_opened;

/* The audit socket, opened once; -1 where the kernel has no audit. */
static int audit_sock(void)
{
	if (!audit_opened) {
		audit_fd = audit_open();
		audit_opened = 1;
	}
	return audit_fd;
}

/*
 * Send one record: 0 when the kernel took it (or has no audit for us), -errno when it should
 * have been written and was not. libaudit returns 0 for two failures it hides: ECONNREFUSED
 * (the kernel takes no records from a user namespace) and EPERM without CAP_AUDIT_WRITE; the
 * second is a sandbox that forgot the capability, said here as -EPERM.
 */
static int send_record(int type, const char *msg, int success)
{
	int fd = audit_sock(), rc;

	if (fd < 0)
		return 0;
	rc = audit_log_user_message(fd, type, msg, NULL, NULL, NULL, success);
	if (rc > 0)
		return 0;
	if (rc < 0)
		return rc;	/* libaudit's netlink calls return -errno */
	return audit_can_write() ? 0 : -EPERM;
}

const char *audit_error(int err)
{
	if (err == -EPERM)
		return "Operation not permitted (the process has no CAP_AUDIT_WRITE; a systemd "
		       "unit's CapabilityBoundingSet= must hold it)";
	return strerror(-err);
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

int audit_denial(const char *action, const char *verdict, const char *path, const char *sha256,
		 const char *rule, unsigned int pid, unsigned int uid, int loginuid,
		 const char *comm)
{
	char msg[MAX_AUDIT_MESSAGE_LENGTH - 128];

	snprintf(msg, sizeof(msg), "execban: op=%s verdict=%s", action, verdict);
	add_field(msg, sizeof(msg), "path", path);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " sha256=%s", sha256);
	add_field(msg, sizeof(msg), "rule", rule);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		 " subj_pid=%u subj_uid=%u subj_auid=%d", pid, uid, loginuid);
	add_field(msg, sizeof(msg), "subj_comm", comm);
	return send_record(AUDIT_USER_AVC, msg, strcmp(verdict, "denied") ? 1 : 0);
}

int audit_admin(const char *verb, int argc, char **argv, int status)
{
	char msg[MAX_AUDIT_MESSAGE_LENGTH - 128], args[2048] = "";
	int type, i;

	if (!strcmp(verb, "load"))
		type = AUDIT_USER_MAC_POLICY_LOAD;
	else if (!strcmp(verb, "unload") || !strcmp(verb, "lock"))
		type = AUDIT_USER_MAC_STATUS;
	else
		return 0;
	/* --help and usage errors change nothing. */
	if (status == EXIT_USAGE)
		return 0;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 0;
	for (i = 1; i < argc; i++) {
		size_t n = strlen(args);

		if (n < sizeof(args))
			snprintf(args + n, sizeof(args) - n, "%s%s", i > 1 ? " " : "", argv[i]);
	}
	snprintf(msg, sizeof(msg), "execban: op=%s", verb);
	add_field(msg, sizeof(msg), "args", args);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " exit=%d", status);
	return send_record(type, msg, status == EXIT_OK);
}
