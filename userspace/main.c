// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the execban command: dispatch to one verb per file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
	{ "diff", cmd_diff, "what loading a policy would add, remove and change" },
	{ "hash", cmd_hash, "print a file's identity as a ready rule" },
	{ "import", cmd_import, "rules from sha256sum output or a package's executables" },
	{ "scan", cmd_scan, "find banned files on disk (exit 1 if any)" },
	{ "explain", cmd_explain, "would these files be denied, and why (exit 1 if any)" },
	{ "lock", cmd_lock, "lock enforcement until reboot: only signed policies load" },
	{ "sign", cmd_sign, "sign a policy for lock mode (detached PKCS#7)" },
	{ "compile", cmd_compile, "write a policy's manifest (what a signature covers)" },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: execban VERB [ARGS]   (execban VERB --help for details)\n\n", out);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fputs("\nexit codes: 0 ok, 1 failure (bad policy, check failed), 2 usage, "
	      "3 system refused\n", out);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "execban: unknown verb '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
