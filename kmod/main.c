// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: gives execban's BPF LSM programs, as kfuncs, what
 * BPF cannot do by itself on Debian 12's kernels (6.1 and 6.12):
 *
 * - execban_file_sha256(): SHA-256 of a whole file (hash.c, kfuncs.c);
 * - execban_file_signer(), execban_file_verify_signer(): who signed a file,
 *   and whether a banned certificate really did (signer.c);
 * - execban_install_probe(), execban_install_watch_file(): files reported
 *   when their last writer closes them ("install" events, install.c);
 * - execban_file_module_image(): the module image a compressed module file
 *   holds, for finit_module(2) with MODULE_INIT_COMPRESSED_FILE (image.c);
 * - execban_kmod_open_marker(), execban_kmod_abi_version(): for the loader
 *   and the programs.
 *
 * Besides the kfuncs: /sys/kernel/security/execban/resolve_signer, where
 * execban scan resolves signers as the kernel does (resolve.c); and two module
 * parameters (signer.c): "keyring", the serial
 * of the keyring execban load fills with banned certificates, and
 * "system_keyrings", where it names the keyrings a signer is resolved in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include "execban_kmod.h"
#include "hash.h"
#include "install.h"
#include "kfuncs.h"
#include "resolve.h"
#include "signer.h"

static int __init execban_init(void)
{
	int err;

	err = execban_hash_init();
	if (err)
		return err;
	err = execban_signer_init();
	if (err)
		goto err_hash_exit;
	err = execban_install_init();
	if (err)
		goto err_signer_exit;
	err = execban_resolve_init();
	if (err)
		goto err_install_exit;

	/* Last: from here on BPF programs can call the kfuncs. */
	err = execban_kfuncs_register();
	if (err)
		goto err_resolve_exit;

	pr_info("kfunc ABI %d ready\n", EXECBAN_KMOD_ABI);
	return 0;

err_resolve_exit:
	execban_resolve_exit();
err_install_exit:
	execban_install_exit();
err_signer_exit:
	execban_signer_exit();
err_hash_exit:
	execban_hash_exit();
	return err;
}

static void __exit execban_exit(void)
{
	execban_resolve_exit();
	execban_install_exit();
	execban_signer_exit();
	execban_hash_exit();
}

module_init(execban_init);
module_exit(execban_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("execban: kfuncs for the execban BPF LSM (whole-file SHA-256, file signers)");
