// SPDX-License-Identifier: GPL-2.0
/*
 * hash_probe: loads hash_probe.bpf.c, runs the cases given on the command
 * line and prints one line per result, for tests/kmod_hash.sh to check.
 *
 *   hash_probe OP... with OP one of
 *     exec FILE        exec FILE in a child named "ebk-0"
 *     execn N FILE     the same N times (timings)
 *     kill MS FILE     exec FILE in a child named "ebk-5", SIGKILL it after MS ms
 *     mmap FILE        mmap: anonymous, /dev/zero, FILE opened O_WRONLY, FILE
 *                      opened for reading (after a 10-byte read: f_pos must stay)
 *
 * Output: "CASE ret=R calls=C ns=N abi=A f_mode=0xM sha256=HEX [extra]".
 * Exit status: 0 when every case ran (the caller judges the results), 1 on
 * any failure to load, attach or run a case, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "hash_probe.h"
#include "hash_probe.skel.h"

static int results_fd;

static int slot_reset(__u32 slot)
{
	struct hp_result zero = {};

	if (bpf_map_update_elem(results_fd, &slot, &zero, BPF_ANY)) {
		perror("hash_probe: reset result slot");
		return -1;
	}
	return 0;
}

static int slot_print(__u32 slot, const char *what, const char *extra)
{
	struct hp_result r;
	char hex[2 * sizeof(r.digest) + 1];
	size_t i;

	if (bpf_map_lookup_elem(results_fd, &slot, &r)) {
		perror("hash_probe: read result slot");
		return -1;
	}
	for (i = 0; i < sizeof(r.digest); i++)
		sprintf(hex + 2 * i, "%02x", r.digest[i]);
	printf("%s ret=%d calls=%u ns=%llu abi=%u f_mode=0x%x sha256=%s%s%s\n",
	       what, r.ret, r.calls, (unsigned long long)r.ns, r.abi, r.f_mode,
	       hex, extra ? " " : "", extra ? extra : "");
	fflush(stdout);
	return 0;
}

static void name_self(const char *name)
{
	prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/* Exec @file in a child named "ebk-@slot"; kill it after @kill_ms if not 0. */
static int run_exec(__u32 slot, const char *file, int kill_ms)
{
	char name[16], extra[32];
	int status;
	pid_t pid;

	if (slot_reset(slot))
		return -1;
	pid = fork();
	if (pid < 0) {
		perror("hash_probe: fork");
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)file, NULL };
		char *envp[] = { NULL };

		snprintf(name, sizeof(name), "ebk-%u", slot);
		name_self(name);
		execve(file, argv, envp);
		_exit(errno == ENOEXEC ? 126 : 127);
	}
	if (kill_ms) {
		struct timespec ts = { kill_ms / 1000, (kill_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("hash_probe: waitpid");
		return -1;
	}
	if (WIFSIGNALED(status))
		snprintf(extra, sizeof(extra), "signal=%d", WTERMSIG(status));
	else
		snprintf(extra, sizeof(extra), "exit=%d", WEXITSTATUS(status));
	return slot_print(slot, kill_ms ? "exec-killed" : "exec", extra);
}

/* mmap @fd (-1: anonymous) while named "ebk-@slot"; the mmap's own errno is reported. */
static int run_mmap(__u32 slot, const char *what, int fd, int flags)
{
	char name[16], extra[64];
	void *p;
	int err;

	if (slot_reset(slot))
		return -1;
	snprintf(name, sizeof(name), "ebk-%u", slot);
	name_self(name);
	p = mmap(NULL, 4096, PROT_READ, flags, fd, 0);
	err = p == MAP_FAILED ? errno : 0;
	name_self("hash_probe");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	snprintf(extra, sizeof(extra), "mmap_errno=%d", err);
	if (fd >= 0 && slot == HP_MMAP_REG)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " f_pos=%lld", (long long)lseek(fd, 0, SEEK_CUR));
	return slot_print(slot, what, extra);
}

static int run_mmaps(const char *file)
{
	char head[10];
	int fd, err;

	if (run_mmap(HP_MMAP_ANON, "mmap-anon", -1, MAP_PRIVATE | MAP_ANONYMOUS))
		return -1;

	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0) {
		perror("hash_probe: /dev/zero");
		return -1;
	}
	err = run_mmap(HP_MMAP_CHR, "mmap-chr", fd, MAP_PRIVATE);
	close(fd);
	if (err)
		return -1;

	fd = open(file, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "hash_probe: %s: %s\n", file, strerror(errno));
		return -1;
	}
	err = run_mmap(HP_MMAP_WRONLY, "mmap-wronly", fd, MAP_SHARED);
	close(fd);
	if (err)
		return -1;

	fd = open(file, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "hash_probe: %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (read(fd, head, sizeof(head)) != sizeof(head)) {
		fprintf(stderr, "hash_probe: %s: short read\n", file);
		close(fd);
		return -1;
	}
	err = run_mmap(HP_MMAP_REG, "mmap-reg", fd, MAP_PRIVATE);
	close(fd);
	return err;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hash_probe OP...\n"
		"  exec FILE | execn N FILE | kill MS FILE | mmap FILE\n");
	return 2;
}

/*
 * Does the running kernel mark mmap_file's file argument __nullable (7.2)?
 * Then the verifier refuses to pass it to a kfunc without a NULL check.
 */
static bool mmap_file_nullable(void)
{
	const struct btf_param *p;
	const struct btf_type *t;
	struct btf *btf;
	bool nullable = false;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "bpf_lsm_mmap_file", BTF_KIND_FUNC);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
		if (t && btf_vlen(t) > 0) {
			p = btf_params(t);
			nullable = strstr(btf__name_by_offset(btf, p->name_off), "__nullable");
		}
	}
	btf__free(btf);
	return nullable;
}

int main(int argc, char **argv)
{
	struct hash_probe_bpf *skel;
	int i, n, err = 1;

	if (argc < 3)
		return usage();

	skel = hash_probe_bpf__open();
	if (skel) {
		skel->rodata->file_nullable = mmap_file_nullable();
		if (hash_probe_bpf__load(skel)) {
			hash_probe_bpf__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		fprintf(stderr, "hash_probe: cannot load the BPF program: %s (is execban.ko loaded?)\n",
			strerror(errno));
		return 1;
	}
	if (hash_probe_bpf__attach(skel)) {
		fprintf(stderr, "hash_probe: cannot attach: %s\n", strerror(errno));
		goto destroy_skel;
	}
	results_fd = bpf_map__fd(skel->maps.results);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "exec") && i + 1 < argc) {
			if (run_exec(HP_EXEC, argv[++i], 0))
				goto destroy_skel;
		} else if (!strcmp(argv[i], "execn") && i + 2 < argc) {
			n = atoi(argv[++i]);
			for (i++; n > 0; n--)
				if (run_exec(HP_EXEC, argv[i], 0))
					goto destroy_skel;
		} else if (!strcmp(argv[i], "kill") && i + 2 < argc) {
			n = atoi(argv[++i]);
			if (run_exec(HP_EXEC_KILLED, argv[++i], n > 0 ? n : 1))
				goto destroy_skel;
		} else if (!strcmp(argv[i], "mmap") && i + 1 < argc) {
			if (run_mmaps(argv[++i]))
				goto destroy_skel;
		} else {
			err = usage();
			goto destroy_skel;
		}
	}
	err = 0;

destroy_skel:
	hash_probe_bpf__destroy(skel);
	return err;
}
