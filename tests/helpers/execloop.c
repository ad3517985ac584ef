// SPDX-License-Identifier: GPL-2.0
/*
 * execloop - exec a file N times as fast as possible and count how each exec ended:
 *   "denied=D ran=R other=O"   (denied: execve failed with EPERM; ran: the program ran and
 *   exited 0; other: any other error, or another exit)
 * Usage: execloop PATH N [ARG...]
 * With N = 0 it runs until SIGINT or SIGTERM, then prints the counts.
 * The children's stdout and stderr go to /dev/null: only the counts are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned long n, i, denied = 0, ran = 0, other = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: execloop PATH N [ARG...]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	argv[2] = argv[1];
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; !stop && (!n || i < n); i++) {
		/* posix_spawn reports the child's exec error as its return value. */
		ret = posix_spawn(&pid, argv[1], &fa, NULL, argv + 2, environ);
		if (ret == EPERM) {
			denied++;
			continue;
		}
		if (ret) {
			other++;
			continue;
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
			ran++;
		else
			other++;
	}
	printf("denied=%lu ran=%lu other=%lu\n", denied, ran, other);
	return 0;
}
