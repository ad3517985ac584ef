// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - execban check (validate policies without loading) and execban hash (a file's
 * identities, as the kernel computes them, printed as a ready rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"

int cmd_check(int argc, char **argv)
{
	struct policy p;
	int i, ret = 0, r;

	if (want_help(argc, argv) || argc < 2) {
		puts("usage: execban check POLICY...\n\nValidate policy files without loading them. "
		     "Errors are printed as file:line: message.\n\nexit: 0 valid, 1 invalid, 2 usage");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	policy_init(&p);
	for (i = 1; i < argc; i++) {
		r = policy_parse_file(&p, argv[i]);
		if (r && !ret)
			ret = r;
	}
	if (!ret)
		ret = policy_finish(&p);
	if (!ret)
		printf("%s: ok: %zu rule%s%s\n", argc == 2 ? argv[1] : "policy", p.n_rules,
		       p.n_rules == 1 ? "" : "s",
		       p.n_warnings ? " (with warnings)" : "");
	policy_free(&p);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/* A label derived from the file name: the characters a label allows, at most 31. */
static void label_from(const char *path, char *out)
{
	char tmp[4096];
	const char *b;
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (b = basename(tmp); *b && n < EXECBAN_LABEL_LEN - 1; b++)
		out[n++] = (char)(strchr("._:+-", *b) || (*b >= '0' && *b <= '9') ||
				  ((*b | 0x20) >= 'a' && (*b | 0x20) <= 'z') ? *b : '_');
	out[n] = 0;
	if (!n)
		strcpy(out, "file");
}

int cmd_hash(int argc, char **argv)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN];
	uint8_t digest[EXECBAN_SHA256_LEN];
	int i, fd, ret, status = EXIT_OK;
	struct stat st;
	uint64_t size;

	if (want_help(argc, argv) || argc < 2) {
		puts("usage: execban hash FILE...\n\nPrint each file's identity as the kernel computes "
		     "it, as a ready-to-use rule:\n  deny sha256=<hex> size=<bytes> label=<name>\n\n"
		     "exit: 0 ok, 1 a file could not be read, 2 usage");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			err("%s: %s", argv[i], strerror(errno));
			status = EXIT_FAIL;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			err("%s: not a regular file", argv[i]);
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		ret = sha256_fd(fd, digest, &size);
		close(fd);
		if (ret) {
			err("%s: read: %s", argv[i], strerror(-ret));
			status = EXIT_FAIL;
			continue;
		}
		hex_encode(digest, sizeof(digest), hex);
		label_from(argv[i], label);
		printf("deny sha256=%s size=%llu label=%s\n", hex, (unsigned long long)size, label);
	}
	return status;
}
