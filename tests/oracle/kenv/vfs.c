// SPDX-License-Identifier: MIT
/*
 * vfs.c - the kernel side of the oracle around kernel/kcov.c: a tiny VFS
 * (an fd table, struct file counts, mappings that pin their file), task
 * creation and exit as fork.c and exit.c call into kcov, the simulated
 * contexts, and wrappers for include/linux/kcov.h's inline helpers (so the
 * kernel version's own helpers run). Compiled like kcov.c: -nostdinc, the
 * stand-in headers, and the kernel version's include/linux/kcov.h.
 */
#include <linux/fs.h>
#include <linux/kcov.h>
#include <linux/mm.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kenv.h"
#include "ko.h"

extern int (*const kenv_device_initcall)(void);

#define KO_MAX_FDS	64
#define KO_MAX_MAPS	64
#define KO_MAX_DEVS	256
#define PROT_WRITE	0x2

/* All under the harness' rule: one simulated task runs kernel code at a
 * time (ops are synchronous), so the VFS tables need no lock. */
static struct file *fd_table[KO_MAX_FDS];
static struct { unsigned long start, len; struct file *file; } maps[KO_MAX_MAPS];
static struct { void *dev; unsigned long *area; } devs[KO_MAX_DEVS];

int ko_boot(unsigned int nr_cpus)
{
	int ret = kenv_arena_init(nr_cpus);

	if (ret)
		return ret;
	ret = kenv_device_initcall();
	kenv_booted();
	return ret;
}

/* ---- tasks ---- */

void ko_task_first(int id)
{
	struct task_struct *t = kenv_task_alloc();

	t->kenv_id = id;
	current = t;
	kenv_preempt_count = 0;
}

void *ko_task_new(int id)
{
	struct task_struct *t = kenv_task_alloc();

	t->kenv_id = id;
	kcov_task_init(t);	/* current is the creator, as in dup_task_struct() */
	return t;
}

void ko_task_enter(void *task)
{
	current = task;
	kenv_preempt_count = 0;
}

void ko_task_exit(void)
{
	kcov_task_exit(current);
	current = NULL;
}

/* ---- files ---- */

static void fput(struct file *f)
{
	if (--f->f_count == 0) {
		f->f_op->release(NULL, f);
		kfree(f);
	}
}

static struct file *fget(int fd)
{
	if (fd < 0 || fd >= KO_MAX_FDS)
		return NULL;
	return fd_table[fd];
}

static int fd_alloc(struct file *f)
{
	int fd;

	for (fd = 0; fd < KO_MAX_FDS; fd++) {
		if (!fd_table[fd]) {
			fd_table[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

int ko_open(void)
{
	const struct file_operations *fops = kenv_kcov_fops();
	struct file *f;
	int ret, fd;

	if (!fops)
		return -ENOENT;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->f_op = fops;
	f->f_count = 1;
	ret = fops->open(NULL, f);
	if (ret) {
		kfree(f);
		return ret;
	}
	fd = fd_alloc(f);
	if (fd < 0)
		fput(f);
	return fd;
}

static void dev_note_area(void *dev)
{
	int i, free_slot = -1;

	for (i = 0; i < KO_MAX_DEVS; i++) {
		if (devs[i].dev == dev)
			return;
		if (!devs[i].dev && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		devs[free_slot].dev = dev;
		devs[free_slot].area = kenv_last_user_area();
	}
}

long ko_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct file *f = fget(fd);
	long ret;

	if (!f)
		return -EBADF;
	/* The syscall takes the command as an unsigned int. */
	ret = f->f_op->unlocked_ioctl(f, (unsigned int)cmd, arg);
	if (ret == 0 && (unsigned int)cmd == KCOV_INIT_TRACE)
		dev_note_area(f->private_data);
	return ret;
}

long ko_mmap(int fd, unsigned long len, int prot, unsigned long off,
	     void **addr)
{
	struct vm_area_struct vma = { 0 };
	struct file *f = fget(fd);
	unsigned long plen = PAGE_ALIGN(len);
	void *start;
	int ret, i;

	if (!f)
		return -EBADF;
	/* do_mmap()'s own checks come before the driver's. */
	if (!len || !plen || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	start = kenv_reserve(plen);
	if (!start)
		return -ENOMEM;
	vma.vm_start = (unsigned long)start;
	vma.vm_end = vma.vm_start + plen;
	vma.vm_pgoff = off >> PAGE_SHIFT;
	vma.vm_flags = VM_SHARED | VM_READ | ((prot & PROT_WRITE) ? VM_WRITE : 0);
	vma.vm_file = f;
	vma.kenv_prot = prot;
	ret = f->f_op->mmap(f, &vma);
	if (ret) {
		kenv_unreserve(start, plen);
		return ret;
	}
	for (i = 0; i < KO_MAX_MAPS && maps[i].file; i++)
		;
	if (i == KO_MAX_MAPS) {
		kenv_unreserve(start, plen);
		return -ENOMEM;
	}
	f->f_count++;		/* the mapping pins the file; put in ko_munmap() */
	maps[i].start = vma.vm_start;
	maps[i].len = plen;
	maps[i].file = f;
	*addr = start;
	return 0;
}

int ko_munmap(void *addr, unsigned long len)
{
	int i;

	for (i = 0; i < KO_MAX_MAPS; i++) {
		if (maps[i].file && maps[i].start == (unsigned long)addr &&
		    maps[i].len == PAGE_ALIGN(len)) {
			struct file *f = maps[i].file;

			kenv_unreserve(addr, maps[i].len);
			maps[i].file = NULL;
			fput(f);
			return 0;
		}
	}
	return -EINVAL;
}

int ko_close(int fd)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	fd_table[fd] = NULL;
	fput(f);
	return 0;
}

int ko_dup(int fd)
{
	struct file *f = fget(fd);
	int nfd;

	if (!f)
		return -EBADF;
	nfd = fd_alloc(f);
	if (nfd >= 0)
		f->f_count++;
	return nfd;
}

/* ---- introspection ---- */

void *ko_fd_dev(int fd)
{
	struct file *f = fget(fd);

	return f ? f->private_data : NULL;
}

/* refcount_t is the first member of struct kcov in 6.1 and 6.12 alike. */
int ko_dev_refcount(void *dev)
{
	if (!dev || kenv_freed(dev))
		return -1;
	return (int)refcount_read((refcount_t *)dev);
}

unsigned long *ko_dev_area(void *dev)
{
	int i;

	if (!dev || kenv_freed(dev))
		return NULL;
	for (i = 0; i < KO_MAX_DEVS; i++)
		if (devs[i].dev == dev)
			return devs[i].area;
	return NULL;
}

/* ---- kernel-side API ---- */

void ko_remote_start(unsigned long long handle)
{
	kcov_remote_start(handle);
}

void ko_remote_stop(void)
{
	kcov_remote_stop();
}

void ko_remote_start_common(unsigned long long id)
{
	kcov_remote_start_common(id);
}

void ko_remote_start_usb(unsigned long long id)
{
	kcov_remote_start_usb(id);
}

void ko_remote_start_usb_softirq(unsigned long long id)
{
	kcov_remote_start_usb_softirq(id);
}

void ko_remote_stop_softirq(void)
{
	kcov_remote_stop_softirq();
}

unsigned long long ko_common_handle(void)
{
	return kcov_common_handle();
}

/* ---- contexts: what __do_softirq(), irq_enter() and nmi_enter() add ---- */

void ko_softirq_enter(void)	{ kenv_preempt_count += SOFTIRQ_OFFSET; }
void ko_softirq_exit(void)	{ kenv_preempt_count -= SOFTIRQ_OFFSET; }
void ko_hardirq_enter(void)	{ kenv_preempt_count += HARDIRQ_OFFSET; }
void ko_hardirq_exit(void)	{ kenv_preempt_count -= HARDIRQ_OFFSET; }
void ko_nmi_enter(void)		{ kenv_preempt_count += NMI_OFFSET + HARDIRQ_OFFSET; }
void ko_nmi_exit(void)		{ kenv_preempt_count -= NMI_OFFSET + HARDIRQ_OFFSET; }
void ko_bh_disable(void)	{ kenv_preempt_count += SOFTIRQ_DISABLE_OFFSET; }
void ko_bh_enable(void)		{ kenv_preempt_count -= SOFTIRQ_DISABLE_OFFSET; }

void ko_ctxsw_begin(void)
{
	kcov_prepare_switch(current);
}

void ko_ctxsw_end(void)
{
	kcov_finish_switch(current);
}

/* ---- uapi facts from the kernel's own header ---- */

void ko_uapi(struct ko_uapi *u)
{
	int n;

	u->init_trace = KCOV_INIT_TRACE;
	u->enable = KCOV_ENABLE;
	u->disable = KCOV_DISABLE;
	u->remote_enable = KCOV_REMOTE_ENABLE;
	u->arg_size = sizeof(struct kcov_remote_arg);
	u->arg_align = _Alignof(struct kcov_remote_arg);
	u->off_trace_mode = offsetof(struct kcov_remote_arg, trace_mode);
	u->off_area_size = offsetof(struct kcov_remote_arg, area_size);
	u->off_num_handles = offsetof(struct kcov_remote_arg, num_handles);
	u->off_common_handle = offsetof(struct kcov_remote_arg, common_handle);
	u->off_handles = offsetof(struct kcov_remote_arg, handles);
	u->h_usb1 = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1);
	u->h_common42 = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, 0x42);
	u->h_bad_subsys = kcov_remote_handle(1, 1);
	u->h_bad_inst = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1ull << 32);
	for (n = 0; n < 4; n++)
		u->cmp_size[n] = KCOV_CMP_SIZE(n);
	u->cmp_mask = KCOV_CMP_MASK;
	u->cmp_const = KCOV_CMP_CONST;
	u->max_handles = KCOV_REMOTE_MAX_HANDLES;
}
