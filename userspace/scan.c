// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - execban scan: find the files on disk that a policy bans, and with --quarantine
 * move them out of the way (quarantine.c).
 *
 * The main thread walks the trees (walk.c) and queues the regular files that could be banned:
 * those whose size is a banned size (every file when a hash rule has no size), and every file
 * when the policy has signer rules. Worker threads decide as the kernel does (verdict.c, after
 * bpf/check.bpf.h): hash rules first, hashing with sha256_fd as the kernel hashes at exec; then,
 * unless a digest deny or allow matched, the file's signers, read by filesig.c as execban.ko
 * reads them and looked up by the same keys; an allow rule exempts a file from less specific
 * rules. A signature that cannot be read is reported as the kernel refuses it (fail closed). A compressed kernel module (decompress.h) is also judged by the module image inside
 * it, as the kernel judges what init_module(2) is given: its digest, and the signature appended
 * to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compile.h"
#include "decompress.h"
#include "filesig.h"
#include "jsonout.h"
#include "kstate.h"
#include "quarantine.h"
#include "verdict.h"
#include "walk.h"

#define QUEUE_LEN	1024	/* paths waiting for a worker */
#define MAX_JOBS	1024

struct scan {
	struct bans pol;		/* the policy */
	bool json;
	struct quarantine *q;		/* --quarantine DIR, or NULL */

	/* the queue between the walk and the workers */
	pthread_mutex_t qlock;
	pthread_cond_t nonempty, nonfull, finished;
	char *queue[QUEUE_LEN];
	size_t q_head, q_len;
	bool done;			/* the walk is over: workers exit once the queue is empty */
	int n_running;

	/* output: stdout lines, warnings and the progress line */
	pthread_mutex_t olock;
	bool progress;			/* stderr is a terminal */
	bool progress_shown;
	struct timespec last_progress;

	atomic_ulong n_files, n_candidates, n_hashed, n_signed, n_found, n_unreadable;
	atomic_ulong n_not_moved;
	atomic_ullong bytes_hashed;
};

/* What scan found about one file, for the report and the manifest. */
struct finding {
	const char *path;
	const struct stat *st;
	const struct ban *ban;		/* the rule that matched; NULL: unreadable signature */
	bool hashed;			/* digest holds its SHA-256 (else it could not be read) */
	uint8_t digest[EXECBAN_SHA256_LEN];
	char match[POLICY_IDENT_STRLEN];	/* the identity, in policy syntax */
	char sig_why[400];		/* why its signature is unreadable (ban NULL) */
	bool deny;			/* the kernel refuses it (else: audited) */
	const struct module_image *img;	/* the match is this module image's, inside the file */
};

/* The rules of policy files. 0 or an exit code. */
static int load_files(struct scan *s, char **files, int n_files)
{
	struct compiled c;
	int ret;

	ret = compile(&c, files, n_files, (size_t)1 << 26);
	if (!ret)
		ret = bans_set(&s->pol, &c, NULL);
	compiled_free(&c);
	if (ret == -ENOMEM)
		err("out of memory");
	else if (ret)
		err("the policy has errors (above): nothing scanned");
	return ret ? EXIT_SYSTEM : 0;
}

/* The rules the kernel enforces. 0 or an exit code. */
static int load_kernel(struct scan *s)
{
	struct kpolicy k;
	int ret;

	ret = kpolicy_read(&k);
	if (ret) {
		err("cannot read the policy the kernel enforces (%s%s): pass the policy with "
		    "--policy FILE", strerror(-ret),
		    ret == -ENOENT ? ": none is loaded" :
		    ret == -EPERM || ret == -EACCES ? ": not root?" : "");
		return EXIT_SYSTEM;
	}
	if (!k.n_rules) {
		kpolicy_free(&k);
		err("the kernel enforces no rule: pass the policy with --policy FILE");
		return EXIT_SYSTEM;
	}
	ret = bans_set(&s->pol, NULL, &k);
	kpolicy_free(&k);
	if (ret) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	return 0;
}

/* Under olock: erase the progress line before anything else is written. */
static void clear_progress(struct scan *s)
{
	if (s->progress_shown) {
		fputs("\r\033[K", stderr);
		s->progress_shown = false;
	}
}

/* At most 10 times a second, and only on a terminal. */
static void progress(struct scan *s)
{
	struct timespec now;
	long ms;

	if (!s->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - s->last_progress.tv_sec) * 1000 +
	     (now.tv_nsec - s->last_progress.tv_nsec) / 1000000;
	if (ms < 100)
		return;
	pthread_mutex_lock(&s->olock);
	s->last_progress = now;
	fprintf(stderr, "\rexecban scan: %lu files, %lu hashed (%llu MiB), %lu signed, "
		"%lu banned, %lu unreadable\033[K", atomic_load(&s->n_files),
		atomic_load(&s->n_hashed), atomic_load(&s->bytes_hashed) >> 20,
		atomic_load(&s->n_signed), atomic_load(&s->n_found),
		atomic_load(&s->n_unreadable));
	fflush(stderr);
	s->progress_shown = true;
	pthread_mutex_unlock(&s->olock);
}

static void unreadable(struct scan *s, const char *path, int e)
{
	atomic_fetch_add(&s->n_unreadable, 1);
	pthread_mutex_lock(&s->olock);
	clear_progress(s);
	warn_path(path, "%s", strerror(e));
	pthread_mutex_unlock(&s->olock);
}

/*
 * The finding's fields shared by --json and the manifest, an object to copy them from, or NULL
 * when out of memory.
 */
static struct json_object *finding_fields(const struct finding *f)
{
	struct json_object *o = json_object_new_object(), *img;
	char hex[2 * EXECBAN_SHA256_LEN + 1] = "", mode[8], *ident = NULL, *eq;

	if (!o)
		return NULL;
	if (f->hashed)
		hex_encode(f->digest, sizeof(f->digest), hex);
	json_add_str(o, "sha256", hex);
	json_add_u64(o, "size", (uint64_t)f->st->st_size);
	if (f->ban) {
		ident = strdup(f->match);
		eq = ident ? strchr(ident, '=') : NULL;
		if (eq)
			*eq = 0;
	}
	json_add_str(o, "identity", f->ban ? (ident && eq ? ident : "") : NULL);
	free(ident);
	json_add_str(o, "match", f->ban ? f->match : NULL);
	json_add_str(o, "rule", f->ban ? f->ban->label : "");
	json_add_str(o, "action", f->deny ? "deny" : "audit");
	json_add_u64(o, "uid", f->st->st_uid);
	json_add_u64(o, "gid", f->st->st_gid);
	snprintf(mode, sizeof(mode), "%04o", (unsigned int)(f->st->st_mode & 07777));
	json_add_str(o, "mode", mode);
	json_add_str(o, "signature_error", f->ban ? NULL : f->sig_why);
	img = NULL;
	if (f->img) {
		img = json_object_new_object();
		hex_encode(f->img->sha256, sizeof(f->img->sha256), hex);
		json_add_str(img, "format", zformat_name(f->img->format));
		json_add_str(img, "sha256", hex);
		json_add_u64(img, "size", f->img->size);
	}
	json_add(o, "image", img);
	return o;
}

/*
 * Report one banned file; with --quarantine, move it first (deny findings only: an audit rule
 * records, it does not ban) so that the report can say where it went.
 */
static void report(struct scan *s, const struct finding *f, int fd)
{
	char newpath[PATH_MAX + NAME_MAX + 2] = "", why[2 * PATH_MAX] = "";
	char ewhy[ESC_LEN(sizeof(why))];
	struct json_object *fields = finding_fields(f);
	bool moving = s->q && f->deny;
	int ret = 0;

	atomic_fetch_add(&s->n_found, 1);
	if (moving) {
		struct quarantine_item it = {
			.path = f->path, .fd = fd, .st = f->st, .sha256 = f->digest,
			.json_fields = fields,
		};

		if (!fields) {
			ret = -ENOMEM;
			snprintf(why, sizeof(why), "out of memory");
		} else if (!f->hashed) {
			ret = -EIO;	/* a copy could not be checked against it */
			snprintf(why, sizeof(why), "it could not be hashed");
		} else {
			ret = quarantine_file(s->q, &it, newpath, sizeof(newpath), why, sizeof(why));
		}
		if (ret)
			atomic_fetch_add(&s->n_not_moved, 1);
	}

	pthread_mutex_lock(&s->olock);
	clear_progress(s);
	if (moving && ret)
		err_path(f->path, "not quarantined: %s", esc(ewhy, sizeof(ewhy), why));
	if (s->json) {
		struct json_object *o = json_doc(JSON_SCHEMA_SCAN);

		json_add_str(o, "path", f->path);
		if (fields) {
			json_object_object_foreach(fields, k, v)
				json_add(o, k, json_object_get(v));
		}
		if (s->q)
			json_add_str(o, "quarantined", moving && !ret ? newpath : NULL);
		json_emit(stdout, o);
	} else {
		/* names escaped: a name with a newline must not fake a line */
		fputs("BANNED ", stdout);
		fput_esc(stdout, f->path);
		if (f->ban) {
			printf(" %s rule=", f->match);
			fput_esc(stdout, f->ban->label[0] ? f->ban->label : "-");
		} else {
			fputs(" signature=unreadable rule=- why=\"", stdout);
			fput_esc(stdout, f->sig_why);
			putchar('"');
		}
		if (f->img)
			printf(" image=%s", zformat_name(f->img->format));
		putchar('\n');
		if (moving && !ret) {
			fputs("QUARANTINED ", stdout);
			fput_esc(stdout, f->path);
			fputs(" -> ", stdout);
			fput_esc(stdout, newpath);
			putchar('\n');
		}
	}
	fflush(stdout);
	pthread_mutex_unlock(&s->olock);
	json_object_put(fields);
}

/*
 * Judge what the kernel is given: the file (fd of size bytes), or a module image (img, fd
 * -1), as the kernel does (verdict.h). Into f: the rule that matched (f->ban; NULL with f->deny
 * set for an unreadable signature) and the digest. Returns whether it is banned (denied or
 * audited; an allow exception is not); -errno when the file cannot be read.
 */
static int judge(struct scan *s, int fd, uint64_t size, const struct module_image *img,
		 struct finding *f)
{
	struct judge_src src = { .fd = fd, .size = size, .img = img };
	struct judgement j;
	struct file_sigs fs;
	int ret;

	ret = judge_file(&s->pol, &src, false, &fs, &j);
	if (j.hashed_bytes) {
		atomic_fetch_add(&s->n_hashed, 1);
		atomic_fetch_add(&s->bytes_hashed, j.hashed_bytes);
	}
	if (ret)
		return ret;
	if (j.sigs_read && (fs.n_ids || file_sigs_unreadable(&fs)))
		atomic_fetch_add(&s->n_signed, 1);
	f->hashed = j.hashed;
	memcpy(f->digest, j.digest, sizeof(f->digest));
	f->deny = j.deny;
	if (j.sig_unreadable) {
		/* It could name a banned signer: the kernel refuses it (fail closed). */
		f->ban = NULL;
		file_sigs_why(&fs, f->sig_why, sizeof(f->sig_why));
		return 1;
	}
	if (!j.deny && !j.audit)
		return 0;	/* no rule, or an exception */
	f->ban = j.rule;
	if (j.which < 0) {
		memcpy(f->match, "sha256=", 7);
		hex_encode(f->digest, sizeof(f->digest), f->match + 7);
	} else if (file_ident_format(&fs.ids[j.which], f->match, sizeof(f->match)) < 0) {
		snprintf(f->match, sizeof(f->match), "%s=?",
			 policy_ident_name(fs.ids[j.which].kind));
	}
	return 1;
}

static void scan_file(struct scan *s, const char *path)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	struct finding f = { .path = path }, fi;
	struct module_image *img = NULL;
	struct stat st;
	int fd, ret, found, found_img = 0;
	uint64_t size;

	fd = open(path, flags | O_NOATIME);	/* a scan should not touch every atime */
	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	if (fd < 0) {
		if (errno != ENOENT && errno != ELOOP)	/* gone, or now a symlink: not a file */
			unreadable(s, path, errno);
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto out;
	f.st = &st;

	/*
	 * A compressed kernel module: the kernel judges the image inside it when init_module(2)
	 * is given that image (modprobe, insmod), and the file itself when finit_module(2) reads
	 * it for the kernel to decompress. Banned either way is banned; the image's rule first.
	 */
	img = malloc(sizeof(*img));
	ret = img ? module_image_read(fd, img) : -ENOMEM;
	if (ret < 0 && img && !img->elf_rel && !module_image_name(path))
		ret = 0;	/* a corrupt compressed file, not a module's: nothing loads it */
	if (ret < 0) {
		/* the image cannot be judged: said and counted; the file itself still is */
		atomic_fetch_add(&s->n_unreadable, 1);
		pthread_mutex_lock(&s->olock);
		clear_progress(s);
		warn_path(path, "%s", img ? img->why : strerror(ENOMEM));
		pthread_mutex_unlock(&s->olock);
	} else if (ret) {
		fi = f;
		found_img = judge(s, -1, img->size, img, &fi);
	}

	found = judge(s, fd, (uint64_t)st.st_size, NULL, &f);
	if (found < 0) {
		unreadable(s, path, -found);
		goto out;
	}
	if (found_img && (!found || fi.deny || !f.deny)) {
		/* the image's finding, with the file's own digest for the report and quarantine */
		fi.hashed = f.hashed;
		memcpy(fi.digest, f.digest, sizeof(fi.digest));
		fi.img = img;
		f = fi;
		found = 1;
	}
	if (!found)
		goto out;
	/* A signer or image match: the file's digest too, for the report and the manifest. */
	if (!f.hashed) {
		ret = sha256_fd(fd, f.digest, &size);
		if (ret) {
			unreadable(s, path, -ret);
		} else {
			atomic_fetch_add(&s->n_hashed, 1);
			atomic_fetch_add(&s->bytes_hashed, size);
			f.hashed = true;
		}
	}
	report(s, &f, fd);
out:
	free(img);
	close(fd);
}

static void *worker(void *arg)
{
	struct scan *s = arg;
	char *path;

	for (;;) {
		pthread_mutex_lock(&s->qlock);
		while (!s->q_len && !s->done)
			pthread_cond_wait(&s->nonempty, &s->qlock);
		if (!s->q_len) {
			s->n_running--;
			pthread_cond_signal(&s->finished);
			pthread_mutex_unlock(&s->qlock);
			return NULL;
		}
		path = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % QUEUE_LEN;
		s->q_len--;
		pthread_cond_signal(&s->nonfull);
		pthread_mutex_unlock(&s->qlock);
		scan_file(s, path);
		free(path);
	}
}

static void walk_error(const char *path, int e, void *arg)
{
	unreadable(arg, path, e);
}

static int visit(const struct walk_ent *e, void *arg)
{
	struct scan *s = arg;
	char *path;

	atomic_fetch_add(&s->n_files, 1);
	progress(s);
	if (!S_ISREG(e->st->st_mode))
		return 0;
	/*
	 * With signer rules any file may be signed: the workers look (40 bytes, an xattr). A
	 * compressed module's image may have any size: its name says what it is (the workers
	 * tell compressed modules by content, among the files they open).
	 */
	if (!s->pol.n_signer_bans && !bans_size_may_match(&s->pol, (uint64_t)e->st->st_size) &&
	    !(s->pol.n_hash_rules && module_image_name(e->name)))
		return 0;
	/* What an earlier scan quarantined is not found again. */
	if (s->q && quarantine_is_dir(s->q, e->dirfd))
		return 0;
	path = strdup(e->path);
	if (!path)
		return -ENOMEM;
	atomic_fetch_add(&s->n_candidates, 1);
	pthread_mutex_lock(&s->qlock);
	while (s->q_len == QUEUE_LEN)
		pthread_cond_wait(&s->nonfull, &s->qlock);
	s->queue[(s->q_head + s->q_len) % QUEUE_LEN] = path;
	s->q_len++;
	pthread_cond_signal(&s->nonempty);
	pthread_mutex_unlock(&s->qlock);
	return 0;
}

static void scan_usage(FILE *f)
{
	fputs("usage: execban scan [--policy P]... [--json] [--quarantine DIR] [--xdev|--all-mounts]\n"
	      "                    [--jobs N] PATH...\n\n"
	      "Find the files under PATH that the policy bans, as the kernel would decide at exec:\n"
	      "by SHA-256 (only files of a banned size are hashed when every hash rule has a size)\n"
	      "and, for signer rules, by who signed them (appended PKCS#7, security.ima).\n\n"
	      "  --policy P        policy file (repeatable); default: the policy the kernel enforces\n"
	      "  -j, --json        one object per banned file: path, sha256, size, identity and\n"
	      "                    match (the identity matched, in policy syntax), rule (its label),\n"
	      "                    action (deny, or audit for audit rules and mode audit policies),\n"
	      "                    uid, gid, mode (octal string), signature_error (null, or why the\n"
	      "                    file's signature cannot be read), and with --quarantine,\n"
	      "                    quarantined (where it went, or null)\n"
	      "  --quarantine DIR  move every file the policy denies into DIR (root's, mode 0700;\n"
	      "                    created if missing), without its execute bits, and append a line\n"
	      "                    per file to DIR/" QUARANTINE_MANIFEST "\n"
	      "  --xdev            stay on each PATH's filesystem (the default)\n"
	      "  --all-mounts      enter every mounted filesystem (not proc, sysfs and the like)\n"
	      "  --jobs N          hashing threads (default: online CPUs)\n\n"
	      "Prints 'BANNED <path> <identity>=<value> rule=<label>' per banned file, or\n"
	      "'BANNED <path> signature=unreadable rule=- why=\"...\"' for a file whose signature\n"
	      "cannot be read while the policy has signer rules (the kernel refuses it), and\n"
	      "'QUARANTINED <path> -> <new path>' per file moved. Symlinks are not followed; files\n"
	      "that cannot be read are warned about and counted.\n\n"
	      "exit: 0 nothing banned found, 1 banned files found (and all moved, with\n"
	      "--quarantine), 2 usage (or a DIR refused), 3 error (or a banned file not moved)\n", f);
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "xdev", no_argument, NULL, 'x' },
		{ "all-mounts", no_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "quarantine", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned int walk_flags = WALK_XDEV;
	struct scan s = { .json = false };
	char **policies = NULL, *end, *qdir = NULL;
	int c, i, n_policies = 0, ret;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t *threads = NULL;
	struct rlimit rl;
	struct stat st;

	policies = calloc((size_t)argc, sizeof(*policies));
	if (!policies)
		return EXIT_SYSTEM;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policies[n_policies++] = optarg;
			break;
		case 'j':
			s.json = true;
			break;
		case 'x':
			walk_flags = WALK_XDEV;
			break;
		case 'a':
			walk_flags = WALK_SKIP_PSEUDO;
			break;
		case 'q':
			qdir = optarg;
			break;
		case 'J':
			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno || *end || jobs < 1 || jobs > MAX_JOBS) {
				free(policies);
				return usage_error("scan", "--jobs %s: expected 1 to %d", optarg,
						   MAX_JOBS);
			}
			break;
		case 'h':
			scan_usage(stdout);
			free(policies);
			return EXIT_OK;
		default:
			free(policies);
			return usage_hint("scan");
		}
	}
	if (optind == argc) {
		free(policies);
		return usage_error("scan", "no PATH given");
	}
	for (i = optind; i < argc; i++) {
		if (stat(argv[i], &st)) {
			err_path(argv[i], "%s", strerror(errno));
			free(policies);
			return EXIT_USAGE;
		}
	}
	if (jobs < 1)
		jobs = 1;

	ret = n_policies ? load_files(&s, policies, n_policies) : load_kernel(&s);
	free(policies);
	if (ret)
		goto out_free;
	if (qdir) {
		c = quarantine_open(&s.q, qdir);
		if (c) {
			ret = c == -ENOMEM ? EXIT_SYSTEM : EXIT_USAGE;
			goto out_free;
		}
	}

	/* one descriptor per folder level: allow deep trees */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_mutex_init(&s.qlock, NULL);
	pthread_mutex_init(&s.olock, NULL);
	pthread_cond_init(&s.nonempty, NULL);
	pthread_cond_init(&s.nonfull, NULL);
	pthread_cond_init(&s.finished, NULL);
	s.progress = isatty(STDERR_FILENO);
	threads = calloc((size_t)jobs, sizeof(*threads));
	if (!threads) {
		err("out of memory");
		ret = EXIT_SYSTEM;
		goto out_free;
	}
	for (i = 0; i < jobs; i++) {
		pthread_mutex_lock(&s.qlock);
		s.n_running++;
		pthread_mutex_unlock(&s.qlock);
		c = pthread_create(&threads[i], NULL, worker, &s);
		if (c) {
			pthread_mutex_lock(&s.qlock);
			s.n_running--;
			pthread_mutex_unlock(&s.qlock);
			err("starting hashing threads: %s", strerror(c));
			ret = EXIT_SYSTEM;
			break;
		}
	}
	jobs = i;

	for (i = optind; i < argc && !ret && jobs; i++) {
		c = walk(argv[i], walk_flags, visit, walk_error, &s);
		if (c == -ENOMEM) {
			err("out of memory");
			ret = EXIT_SYSTEM;
		} else if (c) {
			unreadable(&s, argv[i], -c);
		}
	}

	/* the walk is over: let the workers drain the queue, showing progress meanwhile */
	pthread_mutex_lock(&s.qlock);
	s.done = true;
	pthread_cond_broadcast(&s.nonempty);
	while (s.n_running) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s.finished, &s.qlock, &t);
		pthread_mutex_unlock(&s.qlock);
		progress(&s);
		pthread_mutex_lock(&s.qlock);
	}
	pthread_mutex_unlock(&s.qlock);
	for (i = 0; i < jobs; i++)
		pthread_join(threads[i], NULL);

	pthread_mutex_lock(&s.olock);
	clear_progress(&s);
	pthread_mutex_unlock(&s.olock);
	if (s.progress)
		fprintf(stderr, "execban scan: %lu files, %lu hashed, %lu signed, %lu banned, "
			"%lu unreadable\n", atomic_load(&s.n_files), atomic_load(&s.n_hashed),
			atomic_load(&s.n_signed), atomic_load(&s.n_found),
			atomic_load(&s.n_unreadable));
	else if (atomic_load(&s.n_unreadable))
		warn("%lu files or folders could not be read: the scan is incomplete",
		     atomic_load(&s.n_unreadable));
	if (atomic_load(&s.n_not_moved)) {
		err("%lu banned file%s could not be quarantined (see above)",
		    atomic_load(&s.n_not_moved), atomic_load(&s.n_not_moved) == 1 ? "" : "s");
		ret = EXIT_SYSTEM;
	}
	if (fflush(stdout) || ferror(stdout)) {
		err("writing the results: %s", strerror(errno));
		ret = EXIT_SYSTEM;
	}
	if (!ret)
		ret = atomic_load(&s.n_found) ? EXIT_FAIL : EXIT_OK;
out_free:
	quarantine_close(s.q);
	free(threads);
	bans_free(&s.pol);
	return ret;
}
