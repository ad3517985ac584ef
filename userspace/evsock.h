/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evsock.h - the daemon's event socket: the daemon is the only consumer of the kernel's event
 * ring buffer and hands every event to any number of readers ("execban events"), none of which
 * removes anything. Protocol in docs/events.md ("Reading events from the daemon").
 */
#ifndef EXECBAN_EVSOCK_H
#define EXECBAN_EVSOCK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EVSOCK_DIR		"/run/execban"
#define EVSOCK_PATH		EVSOCK_DIR "/events.sock"
/* Held (flock, exclusive) by the one running daemon; holds its pid. */
#define EVSOCK_DAEMON_LOCK	EVSOCK_DIR "/daemon.lock"
/*
 * Whoever consumes the ring buffer holds this: the daemon exclusively, "execban events"
 * without a daemon shared. So the daemon never consumes next to a reader, and a reader never
 * next to the daemon.
 */
#define EVSOCK_RING_LOCK	EVSOCK_DIR "/ring.lock"

#define EVSOCK_BACKLOG		4096	/* events the daemon keeps for readers (default) */
#define EVSOCK_BACKLOG_MAX	65536
#define EVSOCK_MAX_READERS	64
#define EVSOCK_STR_(x)		#x
#define EVSOCK_STR(x)		EVSOCK_STR_(x)
/* One message is one JSON line; the longest event (every string escaped) is well below. */
#define EVSOCK_MSG_MAX		(128 * 1024)
/* The kernel's buffer for one reader: what it may fall behind before the backlog counts. */
#define EVSOCK_SNDBUF		(1024 * 1024)

struct evsock_line {
	char *text;		/* one JSON object and its '\n' */
	size_t len;
};

struct evsock_reader {
	int fd;
	uint64_t next;		/* number of the next line to send */
	uint64_t end;		/* lines before this are the backlog it connected to */
	bool end_sent;		/* the "end_of_backlog" line went out */
	uint64_t dropped;	/* lines it missed, not yet reported to it */
};

struct evsock_server {
	int listen_fd;
	const char *path;
	struct evsock_line *ring;	/* line n is ring[n % cap] for n in [head - cap, head) */
	size_t cap;
	uint64_t head;			/* lines published so far */
	struct evsock_reader readers[EVSOCK_MAX_READERS];
	int n_readers;
	unsigned long long dropped_total;
};

int evsock_daemon_lock(pid_t *holder);
int evsock_ring_lock(bool exclusive);
int evsock_server_open(struct evsock_server *s, const char *path, size_t backlog, gid_t gid);
void evsock_server_close(struct evsock_server *s);
void evsock_publish(struct evsock_server *s, const char *text, size_t len);
int evsock_pollfds(const struct evsock_server *s, struct pollfd *pfd);
void evsock_handle(struct evsock_server *s, const struct pollfd *pfd, int n);
int evsock_connect(const char *path);

#endif /* EXECBAN_EVSOCK_H */
