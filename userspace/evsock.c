// SPDX-License-Identifier: GPL-2.0
/*
 * evsock.c - the daemon's event socket (protocol: docs/events.md).
 *
 * The daemon publishes each event once, as one JSON line, into a bounded in-memory backlog;
 * every reader has its own position in it and is sent what it has not had yet, as fast as it
 * reads: all sends are non-blocking, so a slow reader never holds up the daemon, the journal
 * or the other readers. A reader that falls more than the backlog behind loses the oldest
 * lines, and is told how many in a "dropped" line. Readers send nothing: the daemon never
 * parses what comes from a socket.
 *
 * SOCK_SEQPACKET: one message is one line, and a message is sent whole or not at all, so a
 * reader can never get half an event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "events.h"
#include "evsock.h"
#include "jsonout.h"

static int open_in_run(const char *path, mode_t mode)
{
	if (mkdir(EVSOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
}

/*
 * The lock only one daemon may hold; it stays held (the fd open) for the daemon's life.
 * Returns the fd, -EBUSY with *holder set when another daemon holds it, or -errno.
 */
int evsock_daemon_lock(pid_t *holder)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open_in_run(EVSOCK_DAEMON_LOCK, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		*holder = 0;
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = 0;
			*holder = (pid_t)atoi(buf);
		}
		close(fd);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n)
		warn("cannot write the daemon's pid into %s: %s", EVSOCK_DAEMON_LOCK,
		     strerror(errno));
	return fd;
}

/* Take the ring buffer's consumer lock without waiting: the fd, -EWOULDBLOCK, or -errno. */
int evsock_ring_lock(bool exclusive)
{
	int fd = open_in_run(EVSOCK_RING_LOCK, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int sockaddr_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/*
 * Bind and listen at path (a stale socket left by a daemon that died is replaced: the
 * caller holds the daemon lock). The socket is 0600 root, or 0660 with group gid.
 */
int evsock_server_open(struct evsock_server *s, const char *path, size_t backlog, gid_t gid)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	s->path = path;
	ret = sockaddr_of(path, &sa);
	if (ret)
		return ret;
	if (!lstat(path, &st) && !S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (!strncmp(path, EVSOCK_DIR "/", strlen(EVSOCK_DIR) + 1) && mkdir(EVSOCK_DIR, 0755) &&
	    errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	old = umask(0177);	/* created 0600: never readable by others, not even briefly */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret)
		goto err_close;
	if (listen(fd, 16) || (gid != (gid_t)-1 && (chown(path, (uid_t)-1, gid) ||
						     chmod(path, 0660))))
		goto err_unlink;
	s->ring = calloc(backlog, sizeof(*s->ring));
	if (!s->ring) {
		errno = ENOMEM;
		goto err_unlink;
	}
	s->cap = backlog;
	s->listen_fd = fd;
	return 0;

err_unlink:
	ret = -errno;
	unlink(path);
	close(fd);
	return ret;
err_close:
	ret = -errno;
	close(fd);
	return ret;
}

void evsock_server_close(struct evsock_server *s)
{
	size_t i;
	int r;

	for (r = 0; r < s->n_readers; r++)
		close(s->readers[r].fd);
	s->n_readers = 0;
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->path);
		s->listen_fd = -1;
	}
	for (i = 0; s->ring && i < s->cap; i++)
		free(s->ring[i].text);
	free(s->ring);
	s->ring = NULL;
}

/* 0 sent, -EAGAIN the reader's buffer is full (try again when it reads), or -errno. */
static int send_line(int fd, const char *text, size_t len)
{
	ssize_t n = send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return 0;
	return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

/* A line of the protocol itself: {"schema":N,"type":TYPE[,"count":N]}. */
static int send_notice(int fd, const char *type, uint64_t count, const char *message)
{
	struct json_object *o = json_doc(JSON_SCHEMA_EVENT);
	const char *text;
	char *line;
	int ret;

	if (!o)
		return -ENOMEM;
	json_add_str(o, "type", type);
	if (count)
		json_add_u64(o, "count", count);
	if (message)
		json_add_str(o, "message", message);
	text = json_line(o);
	ret = asprintf(&line, "%s\n", text) < 0 ? -ENOMEM : 0;
	if (!ret) {
		ret = send_line(fd, line, strlen(line));
		free(line);
	}
	json_object_put(o);
	return ret;
}

static uint64_t oldest(const struct evsock_server *s)
{
	return s->head > s->cap ? s->head - s->cap : 0;
}

/* Send a reader what it has not had yet, until its buffer is full. <0: drop the reader. */
static int pump(struct evsock_server *s, struct evsock_reader *r)
{
	int ret;

	for (;;) {
		if (r->next < oldest(s)) {
			r->dropped += oldest(s) - r->next;
			s->dropped_total += oldest(s) - r->next;
			r->next = oldest(s);
		}
		if (r->dropped) {
			ret = send_notice(r->fd, "dropped", r->dropped, NULL);
			if (ret)
				return ret == -EAGAIN ? 0 : ret;
			r->dropped = 0;
		}
		if (!r->end_sent && r->next >= r->end) {
			ret = send_notice(r->fd, "end_of_backlog", 0, NULL);
			if (ret)
				return ret == -EAGAIN ? 0 : ret;
			r->end_sent = true;
		}
		if (r->next >= s->head)
			return 0;
		ret = send_line(r->fd, s->ring[r->next % s->cap].text, s->ring[r->next % s->cap].len);
		if (ret)
			return ret == -EAGAIN ? 0 : ret;
		r->next++;
	}
}

static void drop_reader(struct evsock_server *s, int i)
{
	close(s->readers[i].fd);
	s->readers[i] = s->readers[--s->n_readers];
}

/* Keep one more line (forgetting the oldest beyond the backlog) and send it to every reader. */
void evsock_publish(struct evsock_server *s, const char *text, size_t len)
{
	struct evsock_line *l = &s->ring[s->head % s->cap];
	char *copy = malloc(len);
	int i;

	if (!copy)
		return;		/* the journal and the log still have it */
	memcpy(copy, text, len);
	free(l->text);
	l->text = copy;
	l->len = len;
	s->head++;
	for (i = s->n_readers - 1; i >= 0; i--)
		if (pump(s, &s->readers[i]) < 0)
			drop_reader(s, i);
}

static bool pending(const struct evsock_server *s, const struct evsock_reader *r)
{
	return r->next < s->head || r->dropped || !r->end_sent;
}

/* The fds to poll: the listening socket, then one per reader. pfd has room for all. */
int evsock_pollfds(const struct evsock_server *s, struct pollfd *pfd)
{
	int i;

	pfd[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (i = 0; i < s->n_readers; i++)
		pfd[1 + i] = (struct pollfd){
			.fd = s->readers[i].fd,
			.events = POLLIN | (pending(s, &s->readers[i]) ? POLLOUT : 0),
		};
	return 1 + s->n_readers;
}

static void accept_readers(struct evsock_server *s)
{
	int fd, size = EVSOCK_SNDBUF;

	while ((fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct evsock_reader *r;

		if (s->n_readers == EVSOCK_MAX_READERS) {
			send_notice(fd, "error", 0, "too many readers: the daemon serves "
				    "at most " EVSOCK_STR(EVSOCK_MAX_READERS) " at a time");
			close(fd);
			continue;
		}
		/* Room for a reader to lag behind by a moment without costing it the backlog. */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		r = &s->readers[s->n_readers++];
		*r = (struct evsock_reader){ .fd = fd, .next = oldest(s), .end = s->head };
		if (pump(s, r) < 0)
			drop_reader(s, s->n_readers - 1);
	}
}

/* After poll() on what evsock_pollfds gave (n of them): serve readers, accept new ones. */
void evsock_handle(struct evsock_server *s, const struct pollfd *pfd, int n)
{
	char discard[256];
	int i;

	for (i = n - 2; i >= 0; i--) {
		const struct pollfd *p = &pfd[1 + i];
		ssize_t got;

		if (i >= s->n_readers || s->readers[i].fd != p->fd)
			continue;
		if (p->revents & (POLLERR | POLLHUP | POLLNVAL)) {
			drop_reader(s, i);
			continue;
		}
		if (p->revents & POLLIN) {
			/* Readers have nothing to say: discard, and notice a close. */
			got = recv(p->fd, discard, sizeof(discard), MSG_DONTWAIT);
			if (got == 0 || (got < 0 && errno != EWOULDBLOCK && errno != EINTR)) {
				drop_reader(s, i);
				continue;
			}
		}
		if ((p->revents & POLLOUT) && pump(s, &s->readers[i]) < 0)
			drop_reader(s, i);
	}
	if (pfd[0].revents & POLLIN)
		accept_readers(s);
}

/* Connect to the daemon: the fd, or -errno (-ENOENT, -ECONNREFUSED: no daemon). */
int evsock_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, ret;

	ret = sockaddr_of(path, &sa);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}
