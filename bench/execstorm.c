// SPDX-License-Identifier: GPL-2.0
/*
 * execstorm - fork + execve + waitpid of a program N times, timing each iteration.
 *
 *   execstorm OUT N PATH...     exec each PATH N times, alternating (A B A B ...)
 *
 * A PATH holding one %d is a pattern: its j-th exec runs PATTERN with j (0..N-1), distinct files.
 * Alternating paths puts configurations that differ only in the file side by side in time, so
 * slow drifts of the (emulated) machine hit them alike.
 *
 * Writes one line per exec to OUT: the path's index and the latency in nanoseconds
 * (CLOCK_MONOTONIC, from before fork to after waitpid). Every child must exit 0: a refused exec or a crash makes execstorm exit 1
 * (so a benchmark never times denials by mistake).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n, i, total;
	int np, k;
	unsigned long long *lat, t0;
	char path[4096];
	int pattern, status;
	FILE *out;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: execstorm OUT N PATH|PATTERN-with-%%d...\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	np = argc - 3;
	total = n * np;
	lat = calloc(total ? total : 1, sizeof(*lat));
	if (!lat)
		return 2;
	for (i = 0; i < total; i++) {
		k = i % np;
		pattern = strstr(argv[3 + k], "%d") != NULL;
		if (pattern)
			snprintf(path, sizeof(path), argv[3 + k], (int)(i / np));
		else
			snprintf(path, sizeof(path), "%s", argv[3 + k]);
		char *cargv[] = { path, NULL };
		char *cenv[] = { NULL };

		t0 = now_ns();
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execve(path, cargv, cenv);
			_exit(100 + (errno & 0x3f));
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
		lat[i] = now_ns() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "execstorm: %s: %s %d (exec errno %d?)\n", path,
				WIFEXITED(status) ? "exit" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				WIFEXITED(status) ? WEXITSTATUS(status) - 100 : 0);
			return 1;
		}
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < total; i++)
		fprintf(out, "%lu %llu\n", i % np, lat[i]);
	return fclose(out) ? 1 : 0;
}
