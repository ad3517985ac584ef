/* SPDX-License-Identifier: GPL-2.0 */
/*
 * module_image.bpf.h - finit_module(2) of a compressed module: MODULE_INIT_COMPRESSED_FILE.
 *
 * With that flag (kmod 31 and later use it where /sys/module/compression names the file's
 * format) the kernel reads the compressed file, which lsm.s/kernel_read_file sees and
 * check_access() judges as the file it is, and then decompresses it itself: up to 6.12 no
 * hook is shown the image that loads. execban.ko decompresses the file as the kernel will
 * (execban_file_module_image(), kmod/image.c), and the image is judged as an init_module
 * image is (check_mem()): its digest, then the signature appended to it. Without execban.ko
 * the image is not judged, as init_module images are not (README).
 *
 * Kernels that name this read READING_MODULE_COMPRESSED (7.x) are told by CO-RE.
 */
#ifndef EXECBAN_MODULE_IMAGE_BPF_H
#define EXECBAN_MODULE_IMAGE_BPF_H

extern __s64 execban_file_module_image(struct file *file, __u8 *digest, __u32 digest__sz,
				       __u8 *out, __u32 out__sz) __ksym __weak;

/* The read finit_module(MODULE_INIT_COMPRESSED_FILE) does, on kernels that name it. */
enum kernel_read_file_id___compressed {
	READING_MODULE_COMPRESSED = 7,
};

static __always_inline bool reading_module_compressed(enum kernel_read_file_id id)
{
	return bpf_core_enum_value_exists(enum kernel_read_file_id___compressed,
					  READING_MODULE_COMPRESSED) &&
	       id == bpf_core_enum_value(enum kernel_read_file_id___compressed,
					 READING_MODULE_COMPRESSED);
}

/*
 * After check_access() let the file itself through: 0, or -EPERM for an image that is banned
 * or cannot be judged (fail closed, as a file that cannot be read). The event is the
 * compressed file's (path, device, inode, size) with the image's digest and signer.
 */
static __always_inline int check_module_image(const struct access *a)
{
	struct execban_sha256_key k = {};
	struct execban_policy_info *info;
	struct execban_signer *sg = NULL;
	struct verdict v = {};
	struct inode *inode;
	__u32 evflags = 0;
	__u16 verdict;
	__s64 size;

	if (!use_kmod_signer)
		return 0;
	inode = access_inode(a);
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	info = policy_info_of(policy_gen());
	if (info && !info->n_rules)
		return 0;	/* no rule: nothing to decompress for */
	sg = scratch_get(signer_scratch, EXECBAN_TM_SIGNER, signer);
	if (!sg)
		goto fail;
	size = execban_file_module_image(a->file, k.b, sizeof(k.b), (__u8 *)sg, sizeof(*sg));
	if (!size)
		return 0;	/* not compressed: the file judged above is what loads */
	if (size < 0)
		goto fail;
	stat_inc(EXECBAN_STAT_CHECKS);
	stat_inc(EXECBAN_STAT_HASHES);
	if (size_may_match(size))
		policy_match(&k, &v);
	else
		stat_inc(EXECBAN_STAT_SIZE_SKIPS);

	if (!v.exhausted && (!v.matched || v.rule.action == EXECBAN_RULE_AUDIT) &&
	    signers_active()) {
		stat_inc(EXECBAN_STAT_SIGNER_READS);
		if (!signer_unreadable(sg))
			signer_match(sg, &v);
		/* refused by who signed it: an exception by the image's digest? (not when unreadable) */
		if (!signer_unreadable(sg) && v.matched && v.rule.action != EXECBAN_RULE_ALLOW &&
		    v.rule.ident_kind != EXECBAN_IDENT_SHA256 && !v.exhausted &&
		    digest_exempts(&k, &v))
			goto decide;
		if (signer_unreadable(sg) && !v.exhausted) {
			/* Who signed it cannot be known: it could be a banned signer. */
			stat_inc(EXECBAN_STAT_SIG_ERRORS);
			v.matched = false;
			v.gen = policy_gen();
			emit_event(a, inode, &k, &v, sg, fail_verdict(a),
				   evflags | EXECBAN_EVF_SIG_ERROR, true);
			return refuse(a);
		}
	}

decide:
	if (v.exhausted) {
		emit_event(a, inode, &k, &v, sg, fail_verdict(a),
			   evflags | EXECBAN_EVF_GEN_EXHAUSTED, true);
		return refuse(a);
	}
	if (!v.matched)
		return 0;
	count_hit(&v.key);
	if (v.rule.action == EXECBAN_RULE_ALLOW)
		return 0;	/* an exception */
	verdict = verdict_of(&v, a);
	emit_event(a, inode, &k, &v, sg, verdict, evflags, true);
	if (verdict == EXECBAN_VERDICT_DENIED)
		return refuse(a);
	return 0;

fail:
	/* Fail closed: the image that would load cannot be judged (corrupt, too big, I/O). */
	stat_inc(EXECBAN_STAT_HASH_ERRORS);
	v.gen = policy_gen();
	emit_event(a, inode, &k, &v, NULL, fail_verdict(a), evflags | EXECBAN_EVF_HASH_ERROR,
		   true);
	return refuse(a);
}

#endif /* EXECBAN_MODULE_IMAGE_BPF_H */
