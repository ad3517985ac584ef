// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: "install" reports, when the last writer of a file
 * closes it.
 *
 * A banned file written straight to its final name and mode (cp of an
 * executable, a download into ~/bin) is refused when it is run, but nothing
 * in its writing can be refused: rename, chmod and link never happen. The
 * moment worth reporting is the last close of a writer, and on 6.1 and 6.12
 * no LSM hook that may sleep runs there (file_release is 6.8+ and cannot
 * sleep; file_free_security runs after the path is gone).
 *
 * So the module watches closes with fsnotify: a group of its own, with one
 * FS_CLOSE_WRITE mark per superblock that files are opened for writing on
 * (execban_install_watch(), which the file_open program calls). When the last
 * writer of a regular, non-empty file closes it, the module hands that file
 * to the BPF programs through security_kernel_read_file(file,
 * READING_POLICY, true), a hook execban's lsm.s/kernel_read_file program is
 * attached to: the program recognises the call with execban_install_probe()
 * and judges the file as an install, reporting a banned one.
 *
 * What the other LSMs make of that call: IMA returns at once (contents=true:
 * it expects a post-read call that never comes), SELinux looks at module
 * reads only, and IPE (6.12) evaluates its policy, if one is loaded, for
 * op=POLICY; it runs after bpf in Debian's LSM order, and its answer is
 * ignored. READING_UNKNOWN would be more honest, but IPE WARNs on it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/hashtable.h>
#include <linux/kernel_read_file.h>
#include <linux/list.h>
#include <linux/magic.h>
#include <linux/rculist.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/version.h>

#include "install.h"

/**
 * struct execban_sb_mark - the group's mark on one superblock
 * @fsn: the fsnotify mark (FS_CLOSE_WRITE)
 * @sb: the superblock it was added to; not dereferenced once @dead
 * @node: in sb_marks, while @hashed
 * @all: in all_marks, from the time it is attached until the module drops it
 * @hashed: @node is in sb_marks
 * @dead: fsnotify detached it (umount): execban_reap() drops it
 * @rcu: freed after lockless readers of sb_marks
 *
 * The module holds the reference fsnotify_init_mark() gave it until it
 * drops the mark itself (execban_reap(), module exit), as nfsd does: a mark
 * detached by an umount stays valid memory until then, so the module can
 * always destroy what is on all_marks without racing fsnotify.
 */
struct execban_sb_mark {
	struct fsnotify_mark fsn;
	struct super_block *sb;
	struct hlist_node node;
	struct list_head all;
	bool hashed;
	bool dead;
	struct rcu_head rcu;
};

/* Superblocks with a live mark: looked up, without a lock, on every open for writing. */
static DEFINE_HASHTABLE(sb_marks, 6);
static LIST_HEAD(all_marks);
static DEFINE_SPINLOCK(sb_marks_lock);

/* Files handed to the BPF programs right now: what execban_install_probe() answers. */
struct execban_probe {
	struct list_head node;
	const struct file *file;
};

static LIST_HEAD(probes);
static DEFINE_SPINLOCK(probes_lock);

static struct fsnotify_group *group;

static int execban_close_event(struct fsnotify_group *g, u32 mask, const void *data,
			       int data_type, struct inode *dir, const struct qstr *name,
			       u32 cookie, struct fsnotify_iter_info *iter_info)
{
	const struct path *path = fsnotify_data_path(data, data_type);
	struct execban_probe probe;
	struct inode *inode;
	struct file *file;

	if (!(mask & FS_CLOSE_WRITE) || data_type != FSNOTIFY_EVENT_PATH || !path)
		return 0;
	/*
	 * FS_CLOSE_WRITE comes from fsnotify_close(file) only, which passes
	 * &file->f_path: this is the closing file, still whole (__fput() has
	 * released nothing yet).
	 */
	file = container_of(path, struct file, f_path);
	inode = file_inode(file);
	if (!(file->f_mode & FMODE_WRITE) || !S_ISREG(inode->i_mode) || !i_size_read(inode))
		return 0;
	/* Another writer still has it open: its last close decides. */
	if (atomic_read(&inode->i_writecount) != 1)
		return 0;

	probe.file = file;
	spin_lock(&probes_lock);
	list_add(&probe.node, &probes);
	spin_unlock(&probes_lock);
	/* The verdict is the program's to report; a close cannot fail. */
	security_kernel_read_file(file, READING_POLICY, true);
	spin_lock(&probes_lock);
	list_del(&probe.node);
	spin_unlock(&probes_lock);
	return 0;
}

/* fsnotify is detaching a mark (umount, or the module itself): no more lookups find it. */
static void execban_freeing_mark(struct fsnotify_mark *fsn, struct fsnotify_group *g)
{
	struct execban_sb_mark *m = container_of(fsn, struct execban_sb_mark, fsn);

	spin_lock(&sb_marks_lock);
	if (m->hashed)
		hash_del_rcu(&m->node);
	m->hashed = false;
	m->dead = true;
	spin_unlock(&sb_marks_lock);
}

static void execban_free_mark(struct fsnotify_mark *fsn)
{
	struct execban_sb_mark *m = container_of(fsn, struct execban_sb_mark, fsn);

	kfree_rcu(m, rcu);
}

static const struct fsnotify_ops execban_fsnotify_ops = {
	.handle_event = execban_close_event,
	.freeing_mark = execban_freeing_mark,
	.free_mark = execban_free_mark,
};

/* fsnotify_add_mark() takes the object itself from 6.10 on, its connector pointer before. */
static int add_sb_mark(struct fsnotify_mark *fsn, struct super_block *sb)
{
#if KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
	return fsnotify_add_mark(fsn, sb, FSNOTIFY_OBJ_TYPE_SB, 0);
#else
	return fsnotify_add_mark(fsn, &sb->s_fsnotify_marks, FSNOTIFY_OBJ_TYPE_SB, 0, NULL);
#endif
}

static struct execban_sb_mark *sb_mark_find(const struct super_block *sb)
{
	struct execban_sb_mark *m;

	hash_for_each_possible_rcu(sb_marks, m, node, (unsigned long)sb)
		if (m->sb == sb)
			return m;
	return NULL;
}

/* Destroy and release the marks on @list (taken off all_marks). */
static void execban_drop_marks(struct list_head *list)
{
	struct execban_sb_mark *m, *tmp;

	list_for_each_entry_safe(m, tmp, list, all) {
		list_del(&m->all);
		fsnotify_destroy_mark(&m->fsn, group);	/* a no-op once detached */
		fsnotify_put_mark(&m->fsn);
	}
}

/* Release the marks umounts detached since the last call. */
static void execban_reap(void)
{
	struct execban_sb_mark *m, *tmp;
	LIST_HEAD(dead);

	spin_lock(&sb_marks_lock);
	list_for_each_entry_safe(m, tmp, &all_marks, all)
		if (m->dead)
			list_move(&m->all, &dead);
	spin_unlock(&sb_marks_lock);
	execban_drop_marks(&dead);
}

/*
 * Filesystems whose files are kernel interfaces, not stored bytes: no program is installed
 * there, and reading one of their files to hash it (a sysfs attribute has the size of a page,
 * which a rule can name) could have effects of its own.
 */
static bool install_fs_watched(const struct super_block *sb)
{
	switch (sb->s_magic) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case EFIVARFS_MAGIC:
	case PSTOREFS_MAGIC:
	case SELINUX_MAGIC:
	case SMACK_MAGIC:
	case NSFS_MAGIC:
		return false;
	default:
		return true;
	}
}

/**
 * execban_install_watch() - report closes of written files on @sb
 * @sb: the superblock of a file being opened for writing
 *
 * Context: process context, may sleep (allocates the mark).
 * Return: 0 (also when @sb was watched already, or is never watched: see
 * install_fs_watched()), or -ENOMEM or another -errno of fsnotify_add_mark().
 */
int execban_install_watch(struct super_block *sb)
{
	struct execban_sb_mark *m;
	bool found;
	int err;

	if (!install_fs_watched(sb))
		return 0;
	rcu_read_lock();
	found = sb_mark_find(sb);
	rcu_read_unlock();
	if (found || !group)
		return 0;

	execban_reap();
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->sb = sb;
	INIT_LIST_HEAD(&m->all);
	fsnotify_init_mark(&m->fsn, group);
	m->fsn.mask = FS_CLOSE_WRITE;
	/* In sb_marks before it is attached, so that a racing opener adds no second one. */
	spin_lock(&sb_marks_lock);
	if (sb_mark_find(sb)) {
		spin_unlock(&sb_marks_lock);
		fsnotify_put_mark(&m->fsn);
		return 0;
	}
	hash_add_rcu(sb_marks, &m->node, (unsigned long)sb);
	m->hashed = true;
	spin_unlock(&sb_marks_lock);

	err = add_sb_mark(&m->fsn, sb);
	spin_lock(&sb_marks_lock);
	if (!err) {
		list_add(&m->all, &all_marks);	/* even if an umount detached it already */
	} else if (m->hashed) {
		hash_del_rcu(&m->node);
		m->hashed = false;
	}
	spin_unlock(&sb_marks_lock);
	if (err)
		fsnotify_put_mark(&m->fsn);	/* never attached: freed through execban_free_mark() */
	return err;
}

/**
 * execban_install_probing() - is @file being handed to the programs at its last close?
 * @file: a file
 *
 * Context: any; takes a spinlock.
 * Return: true while the module hands @file to the programs at its close.
 */
bool execban_install_probing(const struct file *file)
{
	struct execban_probe *p;
	bool found = false;

	spin_lock(&probes_lock);
	list_for_each_entry(p, &probes, node) {
		if (p->file == file) {
			found = true;
			break;
		}
	}
	spin_unlock(&probes_lock);
	return found;
}

int execban_install_init(void)
{
	group = fsnotify_alloc_group(&execban_fsnotify_ops, 0);
	if (IS_ERR(group)) {
		pr_err("cannot create the fsnotify group: %ld\n", PTR_ERR(group));
		return PTR_ERR(group);
	}
	return 0;
}

void execban_install_exit(void)
{
	LIST_HEAD(marks);

	/* fsnotify_destroy_group() is not exported: destroy each mark, then drop the group. */
	spin_lock(&sb_marks_lock);
	list_splice_init(&all_marks, &marks);
	spin_unlock(&sb_marks_lock);
	execban_drop_marks(&marks);
	fsnotify_put_group(group);
	/* Marks are freed after an SRCU grace period: no handler of ours runs past this. */
	fsnotify_wait_marks_destroyed();
}
