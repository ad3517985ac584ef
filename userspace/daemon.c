// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c - execban daemon: consume the event ring buffer continuously and write every
 * event to the systemd journal (structured fields), or to syslog where there is no journal,
 * and to a JSON log file, which logrotate rotates (dist/execban.logrotate). Fleets forward
 * these with what they already run.
 *
 * Losses are never silent: a "lost" record goes to every sink, and the kernel's counters
 * (execban status) keep the totals.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <systemd/sd-journal.h>

#include "cli.h"
#include "events.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* MESSAGE_ID of execban decisions, for journalctl MESSAGE_ID=... filters. */
#define EXECBAN_MESSAGE_ID "9d5b2f8c4e7a4c0fa1c3b6e2d8f04a11"

static volatile sig_atomic_t reopen;

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
	int64_t offset_ns;
	char bootid[40];
	unsigned long events, lost;
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

static void to_journal(struct daemon *d, const struct execban_event *e, const char *line)
{
	char sha[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	char path[EXECBAN_PATH_LEN + 1], comm[EXECBAN_COMM_LEN + 1];
	int prio = e->verdict == EXECBAN_VERDICT_DENIED ? LOG_WARNING : LOG_NOTICE;

	if (d->quiet)
		return;
	hex_encode(e->sha256, EXECBAN_SHA256_LEN, sha);
	memcpy(label, e->label, EXECBAN_LABEL_LEN);
	label[EXECBAN_LABEL_LEN] = 0;
	memcpy(comm, e->comm, EXECBAN_COMM_LEN);
	comm[EXECBAN_COMM_LEN] = 0;
	/* The human line already holds the joined path; take it from there. */
	path[0] = 0;
	{
		const char *p = strstr(line, " path="), *q;

		if (p) {
			p += 6;
			q = strstr(p, " sha256=");
			snprintf(path, sizeof(path), "%.*s", (int)(q ? q - p : (long)strlen(p)), p);
		}
	}
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

static int on_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct execban_event *e = data;
	char *line = NULL;
	size_t n = 0;
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
		if (d->log)
			event_print_lost(d->log, e, true);
	}
	mem = open_memstream(&line, &n);
	if (mem) {
		event_print(mem, e, false, d->offset_ns, d->bootid);
		fclose(mem);
		/* Drop the timestamp and the newline: the journal has its own. */
		if (line && n) {
			char *sp = strchr(line, ' ');

			line[strcspn(line, "\n")] = 0;
			to_journal(d, e, sp ? sp + 1 : line);
		}
		free(line);
	}
	if (d->log) {
		event_print(d->log, e, true, d->offset_ns, d->bootid);
		fflush(d->log);
	}
	d->events++;
	return 0;
}

static void usage_daemon(void)
{
	puts("usage: execban daemon [--log FILE] [--no-syslog]\n"
	     "\n"
	     "Consume execban's events continuously (run it from execban-events.service) and\n"
	     "write each to the systemd journal with structured EXECBAN_* fields (to syslog,\n"
	     "facility authpriv, where there is no journal), and to a JSON log file.\n"
	     "\n"
	     "  --log FILE        append one JSON object per event (docs/events.md)\n"
	     "  --no-syslog       write neither to the journal nor to syslog\n"
	     "logrotate rotates FILE (/etc/logrotate.d/execban): the daemon reopens FILE when\n"
	     "it has been renamed, and on SIGHUP. SIGTERM stops.\n"
	     "\n"
	     "exit: 0 stopped by a signal, 2 usage, 3 execban not loaded or a sink failed");
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "no-syslog", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct daemon d = { .journal = false };
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			d.log_path = optarg;
			break;
		case 'q':
			d.quiet = true;
			break;
		case 'h':
			usage_daemon();
			return EXIT_OK;
		default:
			usage_daemon();
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage_daemon();
		return EXIT_USAGE;
	}
	d.journal = access(JOURNAL_SOCKET, W_OK) == 0;
	if (!d.journal && !d.quiet)
		openlog("execban", LOG_PID, LOG_AUTHPRIV);
	if (open_log(&d))
		return EXIT_SYSTEM;
	d.offset_ns = event_wall_offset_ns();
	event_boot_id(d.bootid);
	signal(SIGHUP, on_hup);
	/* In lock mode no other process may signal or ptrace the daemon (bpf/lock.bpf.h). */
	if (lock_protect_self())
		warn("cannot register with lock mode: signals could stop the daemon while locked");
	fprintf(stderr, "execban daemon: consuming events (%s%s%s)\n",
		d.quiet ? "no journal/syslog" : d.journal ? "journal" : "syslog",
		d.log_path ? ", JSON log " : "", d.log_path ? d.log_path : "");
	ret = events_consume(on_event, &d, true);
	fprintf(stderr, "execban daemon: stopped after %lu events, %lu reported lost\n",
		d.events, d.lost);
	if (d.log)
		fclose(d.log);
	return ret;
}
