// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the execban command: dispatch to one verb per file.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "syncq.h"

/*
 * sync is the one verb that speaks HTTPS: it lives in its own program, execban-sync, the only
 * one linked with libcurl (and the forty libraries that brings), so that every other verb,
 * which the kernel tests and the boot run many times, starts as fast as before. It is looked
 * for next to this program (a build tree), then in EXECBAN_LIBEXEC.
 */
static int run_sync(int argc, char **argv)
{
	char path[PATH_MAX + 32];

	(void)argc;
	sync_helper_path(path, sizeof(path));
	argv[0] = "execban sync";
	execv(path, argv);
	err("sync: cannot run %s: %s (it comes with execban's package)", path, strerror(errno));
	return EXIT_SYSTEM;
}

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} verbs[] = {
	{ "load", cmd_load, "compile policy files and enforce them (atomic replace)" },
	{ "unload", cmd_unload, "detach everything: lift every ban" },
	{ "status", cmd_status, "is the ban enforced, by which policy; counters" },
	{ "events", cmd_events, "print denial/audit events (--follow, --json)" },
	{ "daemon", cmd_daemon, "consume events into the journal/syslog and a JSON log" },
	{ "check", cmd_check, "validate policy files without loading" },
	{ "show", cmd_show, "print the enforced policy, read back from the kernel" },
	{ "diff", cmd_diff, "compare two policies, or a policy with the one in force" },
	{ "hash", cmd_hash, "print a file's identity as a ready rule" },
	{ "import", cmd_import, "rules from sha256sum output or a package's executables" },
	{ "scan", cmd_scan, "find banned files on disk (exit 1 if any)" },
	{ "explain", cmd_explain, "would these files be denied, and why (exit 1 if any)" },
	{ "lock", cmd_lock, "lock enforcement until reboot: only signed policies load" },
	{ "sign", cmd_sign, "sign a policy for lock mode (detached PKCS#7)" },
	{ "sync", run_sync, "fetch rules from a Santa sync server and enforce them" },
	{ "compile", cmd_compile, "write a policy's manifest (what a signature covers)" },
	{ "verify", cmd_verify, "check a policy's signature against a certificate, offline" },
	{ "quarantine", cmd_quarantine, "list quarantined files; restore one" },
};

#ifndef EXECBAN_VERSION
#error "EXECBAN_VERSION is set by the Makefile (VERSION), the one place the version is defined"
#endif

static void usage(void)
{
	size_t i;

	puts("usage: execban VERB [ARGS]   (execban VERB --help for details)\n"
	     "       execban --version\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-8s %s\n", verbs[i].name, verbs[i].help);
	puts("\nexit codes: 0 ok, 1 failure (bad policy, check failed), 2 usage, "
	     "3 system refused");
}

/*
 * Only --help and --version come before a verb, told apart here by hand: a getopt_long
 * call would leave glibc's parser state (its "+" ordering) to the verb's own parser.
 */
int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : NULL;
	char *name;
	size_t i;
	int ret, audit;

	if (!a)
		return usage_error(NULL, "no verb given");
	if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
		usage();
		return EXIT_OK;
	}
	if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
		puts("execban " EXECBAN_VERSION);
		return EXIT_OK;
	}
	if (a[0] == '-')
		return usage_error(NULL, "unrecognized option '%s'", a);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(a, verbs[i].name))
			continue;
		/* getopt_long names the program by argv[0] in its messages: "execban VERB: ..." */
		if (asprintf(&name, "execban %s", verbs[i].name) < 0) {
			err("out of memory");
			return EXIT_SYSTEM;
		}
		argv[1] = name;
		ret = verbs[i].fn(argc - 1, argv + 1);
		audit = audit_admin(verbs[i].name, argc - 1, argv + 1, ret);
		timing("audit record");
		/* Root whose record was lost is told (a sandbox without CAP_AUDIT_WRITE); a user
		 * who may not write audit records was refused the verb itself. Either way the
		 * verb's own status stands: the ban does not depend on its audit trail. */
		if (audit && (audit != -EPERM || geteuid() == 0))
			warn("%s: no audit record written: %s", verbs[i].name, audit_error(audit));
		return ret;
	}
	return usage_error(NULL, "unknown verb '%s'", a);
}
