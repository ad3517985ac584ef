// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c - execban daemon: consume the event ring buffer continuously and write every
 * event to the systemd journal (structured fields), or to syslog where there is no journal,
 * to a JSON log file, which logrotate rotates (dist/execban.logrotate), and to every
 * "execban events" reading its socket (evsock.c). Fleets forward these with what they already run.
 *
 * While it runs it is the only consumer of the ring buffer (one daemon: EVSOCK_DAEMON_LOCK;
 * no reader next to it: EVSOCK_RING_LOCK), so every sink and every reader sees every event,
 * with the kernel's sequence numbers.
 *
 * Losses are never silent: a "lost" record goes to every sink, and the kernel's counters
 * (execban status) keep the totals; a reader too slow for the backlog is told what it missed.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "cli.h"
#include "events.h"
#include "evsock.h"
#include "jsonout.h"
#include "shutdown.h"
#include "syncq.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* MESSAGE_ID of execban decisions, for journalctl MESSAGE_ID=... filters. */
#define EXECBAN_MESSAGE_ID "9d5b2f8c4e7a4c0fa1c3b6e2d8f04a11"

static volatile sig_atomic_t reopen;

/*
 * --json: the daemon's own notices (started, a failed sync, stopped, and every error and
 * warning) also as JSON lines on stdout, one object each with "type"; the events go where
 * they always go (journal, --log, the socket). The text stays on stderr.
 */
static bool json_notices;

/* A notice of type type, to fill and print with notice_emit(); NULL without --json. */
static struct json_object *notice(const char *type)
{
	struct json_object *o;

	if (!json_notices)
		return NULL;
	o = json_doc(JSON_SCHEMA_DAEMON);
	if (o)
		json_add_str(o, "type", type);
	return o;
}

static void notice_emit(struct json_object *o)
{
	if (!o)
		return;
	json_emit(stdout, o);
	fflush(stdout);
}

/* msg_hook: every err() and warn() as a "message" notice. */
static void notice_message(const char *file, unsigned int line, bool error, const char *msg)
{
	struct json_object *o = notice("message");

	if (!o)
		return;
	/* the fields of json_message(), as every verb's "messages" carry them */
	json_add_str(o, "file", file);
	json_add(o, "line", line ? json_object_new_uint64(line) : NULL);
	json_add_str(o, "severity", error ? "error" : "warning");
	json_add_str(o, "message", msg);
	notice_emit(o);
}

static void on_hup(int sig)
{
	(void)sig;
	reopen = 1;
}

struct daemon {
	bool journal;		/* else syslog */
	bool quiet;		/* neither journal nor syslog (--no-syslog) */
	const char *log_path;	/* JSON log, or NULL */
	FILE *log;
	const char *socket;	/* where readers connect */
	size_t backlog;		/* events kept for them */
	gid_t group;		/* may read too, or -1: root only */
	struct evsock_server srv;
	int64_t offset_ns;
	char bootid[40];
	unsigned long events, lost;
	/* sync.conf names a server: queue denials, run execban-sync on a schedule */
	const char *sync_conf_path;
	struct sync_conf sync;
	bool syncing;
	struct syncq q;
	char **pending;		/* Santa Events of this round, for the queue */
	size_t n_pending, cap_pending;
	unsigned long long queued, queue_errors;
	pid_t child;		/* execban-sync running, or 0 */
	long long next_sync;	/* CLOCK_MONOTONIC seconds */
	long first_delay;	/* s after start: the first sync (jitter=) */
	unsigned int failures;	/* in a row */
	char helper[4096];
	int audit_err;		/* the last audit record's failure (-errno), or 0 */
	unsigned long audit_errors;
	struct shutdown_watch sw;	/* systemd's shutdown: leave by ourselves (shutdown.c) */
	bool under_systemd;
};

static int open_log(struct daemon *d)
{
	if (!d->log_path)
		return 0;
	if (d->log)
		fclose(d->log);
	d->log = fopen(d->log_path, "ae");
	if (!d->log) {
		err("cannot open %s: %s", d->log_path, strerror(errno));
		return -errno;
	}
	chmod(d->log_path, 0600);
	return 0;
}

/*
 * logrotate rotates the JSON log (dist/execban.logrotate: rename, then create). Before each
 * write, reopen the path when it no longer names the file open here, so that nothing is
 * written into a file logrotate has moved away (and may compress and delete). No signal is
 * needed: in lock mode the kernel refuses every signal to the daemon, SIGHUP included
 * (bpf/lock.bpf.h). One stat(2) per event.
 */
static void follow_rotation(struct daemon *d)
{
	struct stat path_st, open_st;

	if (!d->log_path)
		return;
	if (d->log && !stat(d->log_path, &path_st) && !fstat(fileno(d->log), &open_st) &&
	    path_st.st_dev == open_st.st_dev && path_st.st_ino == open_st.st_ino)
		return;
	open_log(d);
}

static void to_journal(struct daemon *d, const struct execban_event *e, struct json_object *o,
		       const char *line)
{
	char sha[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	char comm[EXECBAN_COMM_LEN + 1];
	int prio = e->verdict == EXECBAN_VERDICT_DENIED ? LOG_WARNING : LOG_NOTICE;
	struct json_object *v;
	const char *path = "";

	if (d->quiet)
		return;
	hex_encode(e->sha256, EXECBAN_SHA256_LEN, sha);
	memcpy(label, e->label, EXECBAN_LABEL_LEN);
	label[EXECBAN_LABEL_LEN] = 0;
	memcpy(comm, e->comm, EXECBAN_COMM_LEN);
	comm[EXECBAN_COMM_LEN] = 0;
	/* The JSON line already holds the joined path; take it from there. */
	if (json_object_object_get_ex(o, "path", &v) && json_object_is_type(v, json_type_string))
		path = json_object_get_string(v);
	if (d->journal) {
		sd_journal_send("MESSAGE=execban: %s", line, "PRIORITY=%d", prio,
				"MESSAGE_ID=" EXECBAN_MESSAGE_ID, "SYSLOG_IDENTIFIER=execban",
				"EXECBAN_ACTION=%s", event_action_name(e->action),
				"EXECBAN_VERDICT=%s", event_verdict_name(e->verdict),
				"EXECBAN_PID=%u", e->tgid, "EXECBAN_PPID=%u", e->ppid,
				"EXECBAN_UID=%u", e->uid, "EXECBAN_COMM=%s", comm,
				"EXECBAN_PATH=%s", path, "EXECBAN_SHA256=%s", sha,
				"EXECBAN_RULE=%s", label,
				"EXECBAN_POLICY_VERSION=%llu", (unsigned long long)e->policy_version,
				"EXECBAN_SEQ=%llu", (unsigned long long)e->hdr.seq,
				"EXECBAN_CPU=%u", e->hdr.cpu, NULL);
	} else {
		syslog(LOG_AUTHPRIV | prio, "%s", line);
	}
}

/* The audit record of a decision (audit.c). A failure is said once, when it starts (and again
 * if its reason changes), not for every denial; the journal still has every denial. */
static void to_audit(struct daemon *d, const struct execban_event *e, struct json_object *o)
{
	char sha[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	char comm[EXECBAN_COMM_LEN + 1];
	struct json_object *v;
	const char *path = "";
	int ret;

	hex_encode(e->sha256, EXECBAN_SHA256_LEN, sha);
	memcpy(label, e->label, EXECBAN_LABEL_LEN);
	label[EXECBAN_LABEL_LEN] = 0;
	memcpy(comm, e->comm, EXECBAN_COMM_LEN);
	comm[EXECBAN_COMM_LEN] = 0;
	if (json_object_object_get_ex(o, "path", &v) && json_object_is_type(v, json_type_string))
		path = json_object_get_string(v);
	ret = audit_denial(event_action_name(e->action), event_verdict_name(e->verdict), path, sha,
			   label, e->tgid, e->uid, (int)e->loginuid, comm);
	if (ret) {
		d->audit_errors++;
		if (ret != d->audit_err)
			err("cannot write the audit record of a decision (USER_AVC): %s; the "
			    "journal and the JSON log still have every decision", audit_error(ret));
	} else if (d->audit_err) {
		fprintf(stderr, "execban daemon: audit records are written again, after %lu that "
			"were not\n", d->audit_errors);
		d->audit_errors = 0;
	}
	d->audit_err = ret;
}

static void to_journal_lost(struct daemon *d, const struct execban_event *e)
{
	if (d->quiet)
		return;
	if (d->journal)
		sd_journal_send("MESSAGE=execban: %u event(s) lost on cpu %u (ring buffer full)",
				e->hdr.lost_before, e->hdr.cpu, "PRIORITY=%d", LOG_ERR,
				"SYSLOG_IDENTIFIER=execban", "EXECBAN_LOST=%u", e->hdr.lost_before,
				NULL);
	else
		syslog(LOG_AUTHPRIV | LOG_ERR, "%u event(s) lost on cpu %u (ring buffer full)",
		       e->hdr.lost_before, e->hdr.cpu);
}

/* A JSON line to the JSON log and to every reader: the same bytes everywhere. */
static void publish(struct daemon *d, const char *line, size_t len)
{
	if (d->log) {
		fwrite(line, 1, len, d->log);
		fflush(d->log);
	}
	evsock_publish(&d->srv, line, len);
}

/* ---- the sync queue and schedule (docs/sync.md) ---- */

/* A denial the sync server gets: kept for this round's append to the queue. */
static void queue_event(struct daemon *d, struct json_object *o)
{
	struct json_object *ev = sync_event_from_json(o, d->sync.event_extras);
	char *s, **np;

	if (!ev)
		return;
	s = strdup(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	json_object_put(ev);
	if (!s)
		return;
	if (d->n_pending == d->cap_pending) {
		size_t cap = d->cap_pending ? 2 * d->cap_pending : 64;

		np = realloc(d->pending, cap * sizeof(*np));
		if (!np) {
			free(s);
			return;
		}
		d->pending = np;
		d->cap_pending = cap;
	}
	d->pending[d->n_pending++] = s;
}

/* This round's denials to disk (fdatasync'd) before the next poll. */
static void flush_queue(struct daemon *d)
{
	size_t i;
	int ret;

	if (!d->n_pending)
		return;
	ret = syncq_append(&d->q, d->pending, d->n_pending, (uint64_t)d->sync.queue_max);
	if (ret) {
		d->queue_errors += d->n_pending;
		err("sync queue %s: cannot append %zu event(s): %s", SYNCQ_DIR, d->n_pending,
		    strerror(-ret));
	} else {
		d->queued += d->n_pending;
	}
	for (i = 0; i < d->n_pending; i++)
		free(d->pending[i]);
	d->n_pending = 0;
}

static long long mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/*
 * A random number for the schedule. Not random()/srandom(getpid() ^ time()): after a
 * fleet-wide reboot those seeds are alike on every machine, and so would be their schedules.
 */
static uint64_t sched_random(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)random();
	return v;
}

/*
 * The schedule (docs/sync.md, The daemon's schedule): the first sync a random 0 to jitter=
 * seconds after start (default a tenth of the interval), so that a fleet rebooted at once does
 * not sync at once; then every interval (the server's full_sync_interval from preflight, else
 * interval= of sync.conf), give or take 10 %. A failed sync is retried after retry= seconds,
 * doubled after each failure in a row, never later than the interval, give or take 10 %.
 */
static void sync_tick(struct daemon *d)
{
	struct sync_state st;
	long long now = mono_s();
	long delay, plain, interval = d->sync.interval;
	struct json_object *o;
	int status;
	pid_t pid;

	if (!d->syncing)
		return;
	if (d->child > 0) {
		pid = waitpid(d->child, &status, WNOHANG);
		if (pid == 0)
			return;
		d->child = 0;
		if (!sync_state_read(SYNC_STATE, &st) && st.interval >= 60)
			interval = st.interval;
		if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			d->failures = 0;
		else
			d->failures++;
		delay = sync_next_delay(interval, d->sync.retry, d->failures, sched_random(),
					&plain);
		if (d->failures) {
			fprintf(stderr, "execban daemon: sync failed (%u in a row): next in about "
				"%ld s\n", d->failures, plain);
			o = notice("sync_failed");
			if (o) {
				json_add_u64(o, "failures", d->failures);
				json_add_i64(o, "next_sync_in", plain);
				notice_emit(o);
			}
		}
		d->next_sync = now + delay;
		return;
	}
	if (now < d->next_sync)
		return;
	pid = fork();
	if (pid < 0) {
		warn("cannot start a sync: %s", strerror(errno));
		d->next_sync = now + d->sync.retry;
		return;
	}
	if (pid == 0) {
		char *argv[] = { "execban sync", "--once", "--config", (char *)d->sync_conf_path,
				 NULL };

		closefrom(3);
		/* --json: the daemon's stdout holds its JSON lines; the sync's summary is text */
		if (json_notices)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		signal(SIGHUP, SIG_DFL);
		execv(d->helper, argv);
		fprintf(stderr, "execban: error: sync: cannot run %s: %s\n", d->helper,
			strerror(errno));
		_exit(EXIT_SYSTEM);
	}
	d->child = pid;
}

/*
 * Sync when the configuration names a server. A configuration that cannot be used costs the
 * sync, never the events: the daemon says why and runs without it.
 */
static void sync_setup(struct daemon *d)
{
	struct sync_state st;
	long interval;
	int ret;

	sync_conf_init(&d->sync);
	if (sync_conf_read(&d->sync, d->sync_conf_path, false)) {
		warn("%s: not syncing, and not queueing denials for a sync server",
		     d->sync_conf_path);
		return;
	}
	if (!d->sync.server || !*d->sync.server)
		return;
	ret = sync_helper_path(d->helper, sizeof(d->helper));
	if (ret) {
		warn("not syncing: %s: %s (it comes with execban's package)", d->helper,
		     strerror(-ret));
		return;
	}
	if (mkdir(SYNC_DIR, 0755) && errno != EEXIST) {
		warn("not syncing: %s: %s", SYNC_DIR, strerror(errno));
		return;
	}
	ret = syncq_open(&d->q, SYNCQ_DIR);
	if (ret) {
		warn("not syncing: the sync queue %s: %s", SYNCQ_DIR, strerror(-ret));
		return;
	}
	d->syncing = true;
	interval = d->sync.interval;
	if (!sync_state_read(SYNC_STATE, &st) && st.interval >= 60)
		interval = st.interval;	/* the server's, as the last preflight said */
	d->first_delay = sync_first_delay(d->sync.jitter, interval, sched_random());
	d->next_sync = mono_s() + d->first_delay;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct execban_event *e = data;
	char *line = NULL, *text = NULL;
	size_t n = 0, tn = 0;
	struct json_object *o;
	FILE *mem;

	if (len < sizeof(*e) || e->hdr.type != EXECBAN_EV_DECISION)
		return 0;
	if (reopen) {
		reopen = 0;
		open_log(d);
	}
	follow_rotation(d);
	if (e->hdr.lost_before) {
		d->lost += e->hdr.lost_before;
		to_journal_lost(d, e);
		mem = open_memstream(&line, &n);
		if (mem) {
			event_print_lost(mem, e);
			fclose(mem);
			publish(d, line, n);
		}
		free(line);
		line = NULL;
	}
	mem = open_memstream(&line, &n);
	if (!mem)
		return 0;
	event_print(mem, e, d->offset_ns, d->bootid);
	fclose(mem);
	/* The journal's MESSAGE is the text "execban events" prints, without the timestamp. */
	o = json_tokener_parse(line);
	mem = o ? open_memstream(&text, &tn) : NULL;
	if (mem) {
		char *sp;

		event_print_text(mem, o);
		fclose(mem);
		text[strcspn(text, "\n")] = 0;
		sp = strchr(text, ' ');
		to_journal(d, e, o, sp ? sp + 1 : text);
		to_audit(d, e, o);
	}
	free(text);
	if (o && d->syncing)
		queue_event(d, o);
	json_object_put(o);
	publish(d, line, n);
	free(line);
	d->events++;
	return 0;
}

static void usage_daemon(void)
{
	puts("usage: execban daemon [--log FILE] [--no-syslog] [--socket PATH]\n"
	     "                      [--socket-group GROUP] [--backlog N] [--sync-config FILE]\n"
	     "                      [--json]\n"
	     "\n"
	     "Consume execban's events continuously (run it from execban-events.service) and\n"
	     "write each to the systemd journal with structured EXECBAN_* fields (to syslog,\n"
	     "facility authpriv, where there is no journal), to a JSON log file, and to every\n"
	     "'execban events' reading from its socket. Only one daemon runs at a time, and while\n"
	     "it runs it is the only consumer of the kernel's event buffer.\n"
	     "\n"
	     "  --log FILE          append one JSON object per event (docs/events.md)\n"
	     "  --no-syslog         write neither to the journal nor to syslog\n"
	     "  --socket PATH       where readers connect (default " EVSOCK_PATH ")\n"
	     "  --socket-group GROUP  let this group read events too (default: root only)\n"
	     "  --backlog N         events kept for readers (default " EVSOCK_STR(EVSOCK_BACKLOG) ", at most "
	     EVSOCK_STR(EVSOCK_BACKLOG_MAX) ")\n"
	     "  -j, --json          the daemon's notices also as JSON lines on stdout, each\n"
	     "                      with type: started, waiting_for_readers, sync_failed,\n"
	     "                      stopped, message (an error or warning: file, line,\n"
	     "                      severity, message); the events go where they always go\n"
	     "  --sync-config FILE  when FILE names a sync server, queue denials for it in\n"
	     "                      " SYNCQ_DIR " and run 'execban sync' on its schedule\n"
	     "                      (default " SYNC_CONF "; docs/sync.md)\n"
	     "logrotate rotates FILE (/etc/logrotate.d/execban): the daemon reopens FILE when\n"
	     "it has been renamed, and on SIGHUP. SIGTERM stops.\n"
	     "\n"
	     "exit: 0 stopped by a signal, 2 usage, 3 execban not loaded, another daemon running,\n"
	     "or a sink failed");
}

/*
 * Take the ring buffer from "execban events" readers that read it before the daemon ran: they
 * move to the socket within half a second. One that does not (stuck writing its output, say)
 * is not worth the journal: after RING_WAIT_MS the daemon consumes anyway, says so, and takes
 * the lock as soon as it is free (serve()), so that no new reader ever reads the ring.
 * Returns the lock's fd, -EWOULDBLOCK after the wait, or -errno.
 */
#define RING_WAIT_MS 10000

static int take_ring(void)
{
	int fd, waited;

	for (waited = 0; waited <= RING_WAIT_MS && !events_stop; waited += 100) {
		fd = evsock_ring_lock(true);
		if (fd != -EWOULDBLOCK)
			return fd;
		if (!waited) {
			fprintf(stderr, "execban daemon: waiting for 'execban events' readers of the "
				"event buffer to move to the socket\n");
			notice_emit(notice("waiting_for_readers"));
		}
		usleep(100 * 1000);
	}
	if (!events_stop)
		warn("a reader of the event buffer (%s) did not let go in %d s: consuming "
		     "anyway; what it reads misses the journal and the log", EVSOCK_RING_LOCK,
		     RING_WAIT_MS / 1000);
	return -EWOULDBLOCK;
}

/*
 * Follow the pinned event buffer across an unload and the next load (events_ring_follow()),
 * saying so once per change, as text and as a notice.
 */
static void follow_ring(struct daemon *d, struct ring_buffer **rb, int *map_fd, bool *unloaded)
{
	int ret = events_ring_follow(rb, map_fd, on_event, d);

	if (ret == -ENOENT && !*unloaded) {
		fprintf(stderr, "execban daemon: execban was unloaded: waiting for the next load\n");
		notice_emit(notice("unloaded"));
	} else if (ret == 1) {
		fprintf(stderr, "execban daemon: execban was loaded again: consuming its new "
			"event buffer\n");
		notice_emit(notice("reloaded"));
	} else if (ret < 0 && ret != -ENOENT) {
		warn("cannot follow the event buffer: %s", strerror(-ret));
	}
	*unloaded = ret == -ENOENT;
}

/* (Re)connect the shutdown watch; say so when it cannot be had. */
static void watch_shutdown(struct daemon *d, bool first)
{
	int ret;

	if (!d->under_systemd || d->sw.bus)
		return;
	ret = shutdown_watch_open(&d->sw);
	if (ret && first)
		warn("cannot watch for the system's shutdown (PID 1, /run/systemd/private): %s: "
		     "while locked, a shutdown waits out the daemon's stop timeout", strerror(-ret));
}

static int serve(struct daemon *d, struct ring_buffer **rb, int *map_fd, int *ring_lock)
{
	struct pollfd pfd[3 + EVSOCK_MAX_READERS];
	long long last = mono_s();
	bool unloaded = false;
	int n, w, r, ret;

	watch_shutdown(d, true);
	while (!events_stop) {
		if (*ring_lock < 0)
			*ring_lock = evsock_ring_lock(true);
		if (mono_s() != last) {
			last = mono_s();
			follow_ring(d, rb, map_fd, &unloaded);
			watch_shutdown(d, false);
		}
		pfd[0] = (struct pollfd){ .fd = ring_buffer__epoll_fd(*rb), .events = POLLIN };
		n = evsock_pollfds(&d->srv, pfd + 1);
		w = shutdown_watch_pollfd(&d->sw, pfd + 1 + n);
		r = poll(pfd, 1 + n + w, 500);
		if (r < 0 && errno != EINTR) {
			err("poll: %s", strerror(errno));
			return EXIT_SYSTEM;
		}
		if (reopen) {
			reopen = 0;
			open_log(d);
		}
		ret = ring_buffer__consume(*rb);
		flush_queue(d);
		if (ret < 0 && ret != -EINTR) {
			err("reading events: %s", strerror(-ret));
			return EXIT_SYSTEM;
		}
		if (r > 0)
			evsock_handle(&d->srv, pfd + 1, n);
		shutdown_watch_process(&d->sw);
		if (d->sw.stopping) {
			/* What is in the buffer now has been consumed above. */
			fprintf(stderr, "execban daemon: the system is shutting down (systemd queued "
				"shutdown.target): stopping\n");
			notice_emit(notice("shutdown"));
			break;
		}
		sync_tick(d);
	}
	return EXIT_OK;
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "no-syslog", no_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 'S' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "sync-config", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct daemon d = { .socket = EVSOCK_PATH, .sync_conf_path = SYNC_CONF,
			    .backlog = EVSOCK_BACKLOG, .group = (gid_t)-1 };
	int opt, ret = EXIT_SYSTEM, lock, ring_lock = -1, map_fd = -1;
	struct ring_buffer *rb = NULL;
	struct json_object *o;
	struct group *gr;
	pid_t holder;
	long long v;
	char *end;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_notices = true;
			break;
		case 'l':
			d.log_path = optarg;
			break;
		case 'q':
			d.quiet = true;
			break;
		case 'S':
			d.socket = optarg;
			break;
		case 'g':
			gr = getgrnam(optarg);
			if (gr) {
				d.group = gr->gr_gid;
				break;
			}
			v = strtoll(optarg, &end, 10);
			if (*end || !*optarg || v < 0 || v >= UINT32_MAX) {
				return usage_error("daemon", "--socket-group: no group '%s'", optarg);
			}
			d.group = (gid_t)v;
			break;
		case 'b':
			v = strtoll(optarg, &end, 10);
			if (*end || v < 1 || v > EVSOCK_BACKLOG_MAX) {
				return usage_error("daemon", "--backlog: expected 1 to %d events",
						   EVSOCK_BACKLOG_MAX);
			}
			d.backlog = (size_t)v;
			break;
		case 'C':
			d.sync_conf_path = optarg;
			break;
		case 'h':
			usage_daemon();
			return EXIT_OK;
		default:
			return usage_hint("daemon");
		}
	}
	if (optind != argc)
		return usage_error("daemon", "unexpected argument '%s'", argv[optind]);
	if (json_notices)
		msg_hook = notice_message;
	lock = evsock_daemon_lock(&holder);
	if (lock == -EBUSY) {
		err("another execban daemon is running (pid %d, %s): only one may consume the "
		    "event buffer", (int)holder, EVSOCK_DAEMON_LOCK);
		fprintf(stderr, "hint: read its events with 'execban events'\n");
		return EXIT_SYSTEM;
	}
	if (lock < 0) {
		err("cannot lock %s: %s", EVSOCK_DAEMON_LOCK, strerror(-lock));
		return EXIT_SYSTEM;
	}
	sync_setup(&d);
	d.journal = access(JOURNAL_SOCKET, W_OK) == 0;
	if (!d.journal && !d.quiet)
		openlog("execban", LOG_PID, LOG_AUTHPRIV);
	if (open_log(&d))
		goto out_unlock;
	d.offset_ns = event_wall_offset_ns();
	event_boot_id(d.bootid);
	rb = events_ring_open(on_event, &d, &map_fd);
	if (!rb)
		goto out_log;
	/* Readers connect from here on; they get events once the ring is ours. */
	ret = evsock_server_open(&d.srv, d.socket, d.backlog, d.group);
	if (ret) {
		err("cannot listen on %s: %s", d.socket,
		    ret == -EEXIST ? "it exists and is not a socket" : strerror(-ret));
		ret = EXIT_SYSTEM;
		goto out_ring;
	}
	events_catch_stop();
	signal(SIGHUP, on_hup);
	ring_lock = take_ring();
	if (events_stop || (ring_lock < 0 && ring_lock != -EWOULDBLOCK)) {
		if (!events_stop)
			err("cannot lock %s: %s", EVSOCK_RING_LOCK, strerror(-ring_lock));
		ret = events_stop ? EXIT_OK : EXIT_SYSTEM;
		goto out_server;
	}
	/* In lock mode no other process may signal or ptrace the daemon (bpf/lock.bpf.h). */
	if (lock_protect_self())
		warn("cannot register with lock mode: signals could stop the daemon while locked");
	fprintf(stderr, "execban daemon: consuming events (%s%s%s); readers: %s (root",
		d.quiet ? "no journal/syslog" : d.journal ? "journal" : "syslog",
		d.log_path ? ", JSON log " : "", d.log_path ? d.log_path : "", d.socket);
	if (d.group != (gid_t)-1)
		fprintf(stderr, " and group %u", (unsigned int)d.group);
	fputs(" only)\n", stderr);
	if (d.syncing)
		fprintf(stderr, "execban daemon: syncing with %s (%s); denials queued in %s; "
			"first sync in %ld s\n", d.sync.server, d.sync_conf_path, SYNCQ_DIR,
			d.first_delay);
	o = notice("started");
	if (o) {
		json_add_i64(o, "pid", getpid());
		json_add_bool(o, "journal", !d.quiet && d.journal);
		json_add_bool(o, "syslog", !d.quiet && !d.journal);
		json_add_str(o, "log", d.log_path);
		json_add_str(o, "socket", d.socket);
		json_add(o, "socket_group", d.group == (gid_t)-1 ? NULL :
			 json_object_new_uint64(d.group));
		json_add_str(o, "sync_server", d.syncing ? d.sync.server : NULL);
		json_add(o, "first_sync_in", d.syncing ?
			 json_object_new_int64(d.first_delay) : NULL);
		notice_emit(o);
	}
	/* Started by systemd (its notify socket): it will also shut us down. */
	d.under_systemd = sd_booted() > 0 && getenv("NOTIFY_SOCKET");
	sd_notify(0, "READY=1");
	ret = serve(&d, &rb, &map_fd, &ring_lock);
	shutdown_watch_close(&d.sw);
	fprintf(stderr, "execban daemon: stopped after %lu events, %lu reported lost, %llu "
		"dropped for slow readers\n", d.events, d.lost, d.srv.dropped_total);
	if (d.syncing)
		fprintf(stderr, "execban daemon: %llu denial(s) queued for the sync server, %llu "
			"could not be\n", d.queued, d.queue_errors);
	o = notice("stopped");
	if (o) {
		json_add_u64(o, "events", d.events);
		json_add_u64(o, "lost", d.lost);
		json_add_u64(o, "dropped", d.srv.dropped_total);
		json_add_u64(o, "queued", d.queued);
		json_add_u64(o, "queue_errors", d.queue_errors);
		json_add_i64(o, "exit", ret);
		notice_emit(o);
	}
out_server:
	if (ring_lock >= 0)
		close(ring_lock);
	evsock_server_close(&d.srv);
out_ring:
	ring_buffer__free(rb);
	close(map_fd);
out_log:
	if (d.log)
		fclose(d.log);
out_unlock:
	if (d.syncing)
		syncq_close(&d.q);
	free(d.pending);
	sync_conf_free(&d.sync);
	close(lock);
	return ret;
}
