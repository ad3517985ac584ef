// SPDX-License-Identifier: GPL-2.0
/*
 * test_evsock.c - host unit tests for userspace/evsock.c, the daemon's event socket: every
 * reader gets every line in order, with its backlog and an "end_of_backlog" line; a reader
 * that does not read never holds up publishing nor another reader, and learns how many lines
 * it missed from a "dropped" line; the socket is private; the 65th reader is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evsock.h"

static int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
			printf("ok - evsock: " __VA_ARGS__);		\
		} else {						\
			failed++;					\
			printf("not ok - evsock: " __VA_ARGS__);	\
			printf("\n#   failed: %s (line %d)", #cond, __LINE__); \
		}							\
		putchar('\n');						\
	} while (0)

/* util.c's, which would bring libbpf along. */
void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct evsock_server srv;

/* Let the server accept and send whatever it can, as the daemon's loop does. */
static void serve(void)
{
	struct pollfd pfd[1 + EVSOCK_MAX_READERS];
	int n, i;

	for (i = 0; i < 4; i++) {
		n = evsock_pollfds(&srv, pfd);
		if (poll(pfd, n, 0) > 0)	/* unix sockets: whatever was sent is there */
			evsock_handle(&srv, pfd, n);
	}
}

static char line[20000];

/* Publish event number seq, padded to pad bytes (a big event: a long path). */
static void publish(int seq, size_t pad)
{
	int n = snprintf(line, sizeof(line), "{\"schema\":1,\"type\":\"decision\",\"seq\":%d,"
			 "\"path\":\"%0*d\"}\n", seq, (int)pad, 0);

	evsock_publish(&srv, line, (size_t)n);
}

struct got {
	int first, last, n;		/* decisions: first and last seq, how many */
	bool in_order;
	long long dropped;		/* sum of "dropped" counts */
	int end_after;			/* decisions before "end_of_backlog", or -1 */
	char error[256];
	bool eof;
};

/* Read everything there is now (the server serving in between), as a reader would. */
static void drain(int fd, struct got *g)
{
	static char buf[EVSOCK_MSG_MAX + 1];
	ssize_t n;
	const char *p;

	for (;;) {
		n = recv(fd, buf, EVSOCK_MSG_MAX, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			serve();
			n = recv(fd, buf, EVSOCK_MSG_MAX, MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				return;
		}
		if (n <= 0) {
			g->eof = true;
			return;
		}
		buf[n] = 0;
		if ((p = strstr(buf, "\"type\":\"decision\",\"seq\":"))) {
			int seq = atoi(p + strlen("\"type\":\"decision\",\"seq\":"));

			if (g->n && seq <= g->last)
				g->in_order = false;
			if (!g->n)
				g->first = seq;
			g->last = seq;
			g->n++;
		} else if ((p = strstr(buf, "\"type\":\"dropped\",\"count\":"))) {
			g->dropped += atoll(p + strlen("\"type\":\"dropped\",\"count\":"));
		} else if (strstr(buf, "\"type\":\"end_of_backlog\"")) {
			g->end_after = g->n;
		} else if ((p = strstr(buf, "\"message\":\""))) {
			snprintf(g->error, sizeof(g->error), "%.*s", (int)strcspn(p + 11, "\""),
				 p + 11);
		}
	}
}

static int reader(void)
{
	const char *path = srv.path;
	int fd = evsock_connect(path);

	serve();
	return fd;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	char dir[] = "/tmp/test_evsock.XXXXXX", path[64];
	struct got a = { .in_order = true, .end_after = -1 }, b = a, c = a, d = a;
	int fa, fb, fc, fd, fds[EVSOCK_MAX_READERS], i, seq = 0, total;
	struct stat st;
	double took;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/events.sock", dir);
	CHECK(evsock_server_open(&srv, path, 8, (gid_t)-1) == 0, "the server listens at a path");
	CHECK(!stat(path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	      "the socket is 0600 (root only)");

	/* Three events before anyone reads: the backlog. */
	for (i = 0; i < 3; i++)
		publish(++seq, 10);
	fa = reader();
	drain(fa, &a);
	CHECK(fa >= 0 && a.n == 3 && a.first == 1 && a.last == 3 && a.end_after == 3,
	      "a new reader gets the backlog (3 events), then end_of_backlog");
	publish(++seq, 10);
	publish(++seq, 10);
	drain(fa, &a);
	CHECK(a.n == 5 && a.last == 5 && a.in_order && !a.dropped,
	      "then every new event, in order, nothing dropped");

	/* Reader b connects and never reads while 400 events of 16 KiB go out (~6 MiB). */
	fb = reader();
	took = 0;
	for (i = 0; i < 400; i++) {
		double t = now();

		publish(++seq, 16000);
		took += now() - t;
		drain(fa, &a);	/* a keeps up */
	}
	CHECK(took < 2.0, "publishing with a reader that does not read never blocks "
	      "(400 events in %.3fs)", took);
	CHECK(a.n == 405 && a.last == seq && a.in_order && !a.dropped && !a.eof,
	      "the reader that reads got all %d events, in order, none dropped (got %d)", seq, a.n);
	drain(fb, &b);
	CHECK(b.dropped > 0 && b.n + b.dropped == 5 + 400 && b.last == seq && b.in_order,
	      "the reader that did not read got %d, was told %lld were dropped, and got the "
	      "newest (seq %d = %d)", b.n, b.dropped, b.last, seq);
	CHECK(srv.dropped_total == (unsigned long long)b.dropped,
	      "the daemon counts what it dropped (%llu)", srv.dropped_total);
	publish(++seq, 10);
	drain(fb, &b);
	CHECK(b.last == seq, "once it reads again, it is back in step");

	/* A reader that connects now gets the last 8 events (the backlog) before the marker. */
	fc = reader();
	drain(fc, &c);
	total = seq;
	CHECK(c.end_after == 8 && c.first == total - 7 && c.last == total && !c.dropped,
	      "a reader connecting later gets the last 8 (--backlog) events, then end_of_backlog");

	/* Readers that go away are forgotten. */
	close(fb);
	close(fc);
	serve();
	publish(++seq, 10);
	serve();
	CHECK(srv.n_readers == 1, "readers that closed are dropped (%d left)", srv.n_readers);

	/* At most EVSOCK_MAX_READERS: the next one is told so and closed. */
	for (i = 1; i < EVSOCK_MAX_READERS; i++)
		fds[i] = reader();
	fd = reader();
	drain(fd, &d);
	CHECK(srv.n_readers == EVSOCK_MAX_READERS && d.eof && strstr(d.error, "too many readers"),
	      "reader %d is refused with a message (%s)", EVSOCK_MAX_READERS + 1, d.error);
	close(fd);
	for (i = 1; i < EVSOCK_MAX_READERS; i++)
		close(fds[i]);

	evsock_server_close(&srv);
	CHECK(stat(path, &st) && errno == ENOENT, "closing the server removes the socket");
	drain(fa, &a);
	CHECK(a.eof, "and readers see the end of the stream");
	close(fa);
	rmdir(dir);
	printf("# evsock: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
