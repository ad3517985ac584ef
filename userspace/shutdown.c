// SPDX-License-Identifier: GPL-2.0
/*
 * shutdown.c - tell the event daemon that systemd is shutting the system down.
 *
 * While enforcement is locked, the kernel refuses every signal to the daemon (bpf/lock.bpf.h),
 * systemd's SIGTERM and SIGKILL at shutdown included: the daemon has to leave by itself, or
 * every reboot and poweroff waits out its stop timeout. It learns of the shutdown from systemd
 * itself: a private connection to PID 1 (/run/systemd/private, root's only; no D-Bus daemon
 * in between, so no other process can speak on it), subscribed to the manager's JobNew
 * signals. A start job for shutdown.target is what "systemctl reboot", "poweroff", "halt" and
 * "kexec" queue, and what every unit with default dependencies conflicts with.
 *
 * Not a way around lock mode's protection: starting shutdown.target stops every service and
 * session of the machine. The daemon says why it leaves (journal, notice) and enforcement,
 * which lives in the pinned BPF links, stays in force to the last process.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "shutdown.h"

#define SYSTEMD_PRIVATE	"unix:path=/run/systemd/private"

static int on_job_new(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct shutdown_watch *w = userdata;
	const char *job, *unit;
	uint32_t id;

	(void)ret_error;
	if (sd_bus_message_read(m, "uos", &id, &job, &unit) < 0)
		return 0;
	if (!strcmp(unit, "shutdown.target"))
		w->stopping = true;
	return 0;
}

int shutdown_watch_open(struct shutdown_watch *w)
{
	sd_bus *bus = NULL;
	int r;

	memset(w, 0, sizeof(*w));
	r = sd_bus_new(&bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(bus, SYSTEMD_PRIVATE);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = sd_bus_match_signal(bus, NULL, NULL, "/org/freedesktop/systemd1",
					"org.freedesktop.systemd1.Manager", "JobNew", on_job_new, w);
	/* The manager sends job signals only to connections that asked. */
	if (r >= 0)
		r = sd_bus_call_method(bus, NULL, "/org/freedesktop/systemd1",
				       "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL,
				       "");
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		return r;
	}
	w->bus = bus;
	return 0;
}

int shutdown_watch_pollfd(struct shutdown_watch *w, struct pollfd *pfd)
{
	int ev;

	if (!w->bus)
		return 0;
	ev = sd_bus_get_events(w->bus);
	if (ev < 0)
		return 0;
	*pfd = (struct pollfd){ .fd = sd_bus_get_fd(w->bus), .events = (short)ev };
	return 1;
}

int shutdown_watch_process(struct shutdown_watch *w)
{
	int r;

	if (!w->bus)
		return 0;
	do {
		r = sd_bus_process(w->bus, NULL);
	} while (r > 0);
	if (r < 0) {
		/* PID 1 went away or re-executed (daemon-reexec): connect again. */
		sd_bus_flush_close_unref(w->bus);
		w->bus = NULL;
		return r;
	}
	return 0;
}

void shutdown_watch_close(struct shutdown_watch *w)
{
	if (w->bus)
		sd_bus_flush_close_unref(w->bus);
	w->bus = NULL;
}
