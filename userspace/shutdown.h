/* SPDX-License-Identifier: GPL-2.0 */
/* shutdown.h - the event daemon's watch on systemd's shutdown (shutdown.c). */
#ifndef EXECBAN_SHUTDOWN_H
#define EXECBAN_SHUTDOWN_H

#include <poll.h>
#include <stdbool.h>

struct sd_bus;

struct shutdown_watch {
	struct sd_bus *bus;	/* NULL: not connected (no systemd, or it failed) */
	bool stopping;		/* a start job for shutdown.target was queued */
};

/* Connect to PID 1 and subscribe; 0, or a negative errno (the watch stays closed). */
int shutdown_watch_open(struct shutdown_watch *w);
/* The poll entry to wait on: 1 if *pfd was filled, 0 if not connected. */
int shutdown_watch_pollfd(struct shutdown_watch *w, struct pollfd *pfd);
/* Handle what arrived (sets ->stopping); a negative errno closes the watch. */
int shutdown_watch_process(struct shutdown_watch *w);
void shutdown_watch_close(struct shutdown_watch *w);

#endif /* EXECBAN_SHUTDOWN_H */
