/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hash_probe: test probe for execban.ko's kfuncs, shared by hash_probe.bpf.c
 * and its loader hash_probe.c.
 *
 * A test task asks for a result slot by naming itself "ebk-N" (N a digit below
 * HP_SLOTS) before it execs or mmaps; the BPF side then hashes the file with
 * execban_file_sha256() and leaves the outcome in slot N of the results map.
 */
#ifndef HASH_PROBE_H
#define HASH_PROBE_H

#define HP_SLOTS 8

/*
 * hp_result.ret when the kfunc was not called: the file was NULL and this
 * kernel's verifier refuses to pass a possibly-NULL file to a kfunc (7.2 marks
 * mmap_file's file __nullable, and every kfunc argument is trusted), so no
 * program can hand execban_file_sha256() a NULL file there.
 */
#define HP_NOT_CALLED 1

/* Slots, one per case the loader runs. */
enum hp_slot {
	HP_EXEC = 0,		/* bprm_check_security: bprm->file */
	HP_MMAP_ANON = 1,	/* mmap_file with no file (NULL) */
	HP_MMAP_CHR = 2,	/* mmap_file of /dev/zero: not a regular file */
	HP_MMAP_WRONLY = 3,	/* mmap_file of a file opened O_WRONLY */
	HP_MMAP_REG = 4,	/* mmap_file of a regular file opened for reading */
	HP_EXEC_KILLED = 5,	/* bprm_check_security, SIGKILLed while hashing */
};

struct hp_result {
	__s32 ret;		/* execban_file_sha256()'s return */
	__u32 calls;		/* how many times the slot was written */
	__u64 ns;		/* time spent in execban_file_sha256() */
	__u32 abi;		/* execban_kmod_abi_version() */
	__u32 f_mode;		/* the file's f_mode, 0 for no file */
	__u8 digest[32];
};

#endif /* HASH_PROBE_H */
