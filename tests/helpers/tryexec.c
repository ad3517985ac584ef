// SPDX-License-Identifier: GPL-2.0
/*
 * tryexec - run a program in a child and report exactly how exec ended, for tests:
 *   "exec-error EPERM"   execve() itself failed (errno name)
 *   "exit N"             the program ran and exited with N
 *   "signal N"           the program ran and was killed by signal N
 * Usage: tryexec [--fd] PATH [ARG...]   (--fd: open PATH and fexecve the descriptor)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ETXTBSY: return "ETXTBSY";
	case ENOEXEC: return "ENOEXEC";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	int pipefd[2], status, e = 0, use_fd = 0, fd;
	pid_t pid;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "--fd")) {
		use_fd = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: tryexec [--fd] PATH [ARG...]\n");
		return 2;
	}
	if (pipe2(pipefd, O_CLOEXEC))
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (use_fd) {
			fd = open(argv[1], O_RDONLY);
			if (fd >= 0)
				fexecve(fd, argv + 1, environ);
		} else {
			execvp(argv[1], argv + 1);
		}
		e = errno;
		if (write(pipefd[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &e, sizeof(e));
	waitpid(pid, &status, 0);
	if (n == sizeof(e))
		printf("exec-error %s\n", errno_name(e));
	else if (WIFEXITED(status))
		printf("exit %d\n", WEXITSTATUS(status));
	else
		printf("signal %d\n", WTERMSIG(status));
	return 0;
}
