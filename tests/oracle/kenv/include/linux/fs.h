/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: struct file and file_operations as kernel/kcov.c uses them. The
 * "VFS" that owns files, their counts, descriptors and mappings is vfs.c.
 */
#ifndef KENV_LINUX_FS_H
#define KENV_LINUX_FS_H

#include <linux/mm.h>

struct inode;
struct module;

struct file {
	void				*private_data;
	const struct file_operations	*f_op;
	long				f_count;	/* fds + mappings */
};

struct file_operations {
	struct module	*owner;
	int		(*open)(struct inode *, struct file *);
	long		(*unlocked_ioctl)(struct file *, unsigned int, unsigned long);
	long		(*compat_ioctl)(struct file *, unsigned int, unsigned long);
	int		(*mmap)(struct file *, struct vm_area_struct *);
	int		(*release)(struct inode *, struct file *);
};

static inline int nonseekable_open(struct inode *inode, struct file *f)
{
	(void)inode;
	(void)f;
	return 0;
}

#endif /* KENV_LINUX_FS_H */
