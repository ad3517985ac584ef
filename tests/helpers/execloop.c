// SPDX-License-Identifier: GPL-2.0
/*
 * execloop - exec a file N times as fast as possible and count how each exec ended:
 *   "denied=D ran=R other=O"   (denied: execve failed with EPERM; ran: the program ran)
 * Usage: execloop PATH N [ARG...]
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	unsigned long n, i, denied = 0, ran = 0, other = 0;
	pid_t pid;
	int status, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: execloop PATH N [ARG...]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	argv[2] = argv[1];
	for (i = 0; i < n; i++) {
		/* posix_spawn reports the child's exec error as its return value. */
		ret = posix_spawn(&pid, argv[1], NULL, NULL, argv + 2, environ);
		if (ret == EPERM) {
			denied++;
			continue;
		}
		if (ret) {
			other++;
			continue;
		}
		waitpid(pid, &status, 0);
		ran++;
	}
	printf("denied=%lu ran=%lu other=%lu\n", denied, ran, other);
	return 0;
}
