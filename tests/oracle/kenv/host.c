// SPDX-License-Identifier: MIT
/*
 * host.c - the host half of the oracle's kernel environment: what the
 * stand-in headers declare, implemented over libc. Compiled as ordinary
 * userspace C (it never sees a kernel header), so it restates the few
 * kernel types it touches as opaque pointers.
 *
 * The arena: one memfd, mapped once at a "kernel" address. vmalloc() and
 * vmalloc_user() bump-allocate page-aligned areas from it, each between
 * two guard pages; vm_insert_page() maps the same memfd page at the user's
 * address, so a user mapping aliases the kernel buffer as on Linux. Areas
 * are never reused (vfree() punches the pages out), which is fine for a
 * process that lives for one scenario or one random sequence.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ko.h"

#define PAGE		4096ul
#define ARENA_BYTES	(16ul << 30)	/* virtual; pages exist only if touched */
#define GUARD_BYTE	0xcc
#define GUARD_WORDS	8		/* checked next to each area */
#define KMALLOC_MAGIC	0x6b6d616c6c6f6321ull
#define KFREE_MAGIC	0x6b66726565642121ull

struct task_struct;
struct file_operations;

__thread struct task_struct *kenv_current;
__thread unsigned long kenv_preempt_count;

static unsigned int nr_cpus = 1;
static int booted;
static unsigned long warns, section_allocs;
static char warn_last[256];

/* ---- WARN, printk ---- */

static int verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("KSIM_ORACLE_VERBOSE") != NULL;
	return v;
}

void kenv_warn(const char *file, int line, const char *cond)
{
	const char *base = strrchr(file, '/');

	__atomic_fetch_add(&warns, 1, __ATOMIC_RELAXED);
	snprintf(warn_last, sizeof(warn_last), "%s:%d: WARN_ON(%s)",
		 base ? base + 1 : file, line, cond);
	if (verbose())
		fprintf(stderr, "kenv: %s\n", warn_last);
}

void kenv_refcount_warn(const char *what)
{
	__atomic_fetch_add(&warns, 1, __ATOMIC_RELAXED);
	snprintf(warn_last, sizeof(warn_last), "refcount_t: %s", what);
	if (verbose())
		fprintf(stderr, "kenv: %s\n", warn_last);
}

void kenv_printk(const char *level, const char *fmt, ...)
{
	va_list ap;

	if (!verbose())
		return;
	va_start(ap, fmt);
	fprintf(stderr, "kenv: printk(%s): ", level);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

unsigned long ko_warn_count(void)
{
	return __atomic_load_n(&warns, __ATOMIC_RELAXED);
}

const char *ko_warn_last(void)
{
	return warn_last;
}

/* ---- locks ---- */

typedef struct {
	pthread_mutex_t	mutex;
	unsigned long	pad[5 - sizeof(pthread_mutex_t) / sizeof(unsigned long)];
	unsigned long	owner;
} host_lock_t;

_Static_assert(sizeof(pthread_mutex_t) <= 5 * sizeof(unsigned long),
	       "spinlock_t stand-in too small for a pthread mutex");
_Static_assert(sizeof(host_lock_t) == 6 * sizeof(unsigned long),
	       "spinlock_t stand-in layout");

static __thread char thread_anchor;

void kenv_lock_init(void *l)
{
	memset(l, 0, sizeof(host_lock_t));
	pthread_mutex_init(&((host_lock_t *)l)->mutex, NULL);
}

void kenv_lock(void *p)
{
	host_lock_t *l = p;
	unsigned long self = (unsigned long)&thread_anchor;

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == self) {
		fprintf(stderr, "kenv: recursive spinlock %p: the kernel would "
			"deadlock here\n", p);
		abort();
	}
	pthread_mutex_lock(&l->mutex);
	__atomic_store_n(&l->owner, self, __ATOMIC_RELAXED);
}

void kenv_unlock(void *p)
{
	host_lock_t *l = p;

	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->mutex);
}

/* ---- kmalloc: a header in front, quarantined on kfree ---- */

struct kmhdr {
	uint64_t	magic;
	uint64_t	size;
};

void *kenv_kmalloc(unsigned long size, unsigned int gfp)
{
	struct kmhdr *h = malloc(sizeof(*h) + size);

	if (!h)
		return NULL;
	h->magic = KMALLOC_MAGIC;
	h->size = size;
	memset(h + 1, (gfp & 0x100u) ? 0 : 0xa5, size);
	return h + 1;
}

void kfree(const void *p)
{
	struct kmhdr *h;

	if (!p)
		return;
	h = (struct kmhdr *)p - 1;
	if (h->magic != KMALLOC_MAGIC) {
		fprintf(stderr, "kenv: kfree(%p) of a block that is not live "
			"(double free?)\n", p);
		kenv_warn(__FILE__, __LINE__, "bad kfree");
		return;
	}
	h->magic = KFREE_MAGIC;
	memset(h + 1, 0x6b, h->size);	/* slab poison */
}

int kenv_freed(const void *p)
{
	return ((const struct kmhdr *)p - 1)->magic == KFREE_MAGIC;
}

void *kenv_task_alloc(void)
{
	return calloc(1, 256);	/* >= sizeof(struct task_struct), never freed */
}

/* ---- the arena ---- */

struct area {
	char		*addr;
	unsigned long	len;		/* page-rounded */
	int		live;
};

static int arena_fd = -1;
static char *arena;
static unsigned long arena_next;
static struct area *areas;
static size_t nr_areas, cap_areas;
static char *last_user_area;

int kenv_arena_init(unsigned int cpus)
{
	nr_cpus = cpus ? cpus : 1;
	arena_fd = memfd_create("kenv-arena", MFD_CLOEXEC);
	if (arena_fd < 0)
		return -errno;
	if (ftruncate(arena_fd, ARENA_BYTES))
		return -errno;
	arena = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_NORESERVE, arena_fd, 0);
	if (arena == MAP_FAILED)
		return -errno;
	arena_next = PAGE;	/* offset 0 stays unused */
	return 0;
}

void kenv_booted(void)
{
	booted = 1;
}

unsigned int kenv_nr_cpus(void)
{
	return nr_cpus;
}

static void guard_fill(char *p)
{
	memset(p, GUARD_BYTE, GUARD_WORDS * 8);
}

static void *arena_alloc(unsigned long size)
{
	unsigned long len = (size + PAGE - 1) & ~(PAGE - 1);
	char *p;

	if (!size || !len || arena_next + len + 2 * PAGE > ARENA_BYTES)
		return NULL;
	p = arena + arena_next + PAGE;	/* guard page in front */
	arena_next += len + 2 * PAGE;	/* and one behind */
	guard_fill(p - GUARD_WORDS * 8);
	guard_fill(p + len);
	if (nr_areas == cap_areas) {
		cap_areas = cap_areas ? 2 * cap_areas : 64;
		areas = realloc(areas, cap_areas * sizeof(*areas));
		if (!areas)
			abort();
	}
	areas[nr_areas++] = (struct area){ p, len, 1 };
	return p;
}

void *vmalloc(unsigned long size)
{
	void *p = arena_alloc(size);

	if (p && booted)
		section_allocs++;
	return p;
}

void *vmalloc_user(unsigned long size)
{
	void *p = arena_alloc(size);	/* fresh arena pages are zero */

	if (p)
		last_user_area = p;
	return p;
}

void vfree(const void *addr)
{
	size_t i;

	if (!addr)
		return;
	for (i = 0; i < nr_areas; i++) {
		if (areas[i].addr == addr && areas[i].live) {
			areas[i].live = 0;
			fallocate(arena_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  areas[i].addr - arena, areas[i].len);
			return;
		}
	}
	kenv_warn(__FILE__, __LINE__, "vfree of an unknown area");
}

void *kenv_last_user_area(void)
{
	return last_user_area;
}

struct page *vmalloc_to_page(const void *addr)
{
	return (struct page *)((uintptr_t)addr & ~(PAGE - 1));
}

struct vm_area_struct {
	unsigned long	vm_start, vm_end, vm_pgoff, vm_flags;
	void		*vm_file;
	int		kenv_prot;
};

int vm_insert_page(struct vm_area_struct *vma, unsigned long addr,
		   struct page *page)
{
	long off = (char *)page - arena;

	if (off < 0 || (unsigned long)off >= ARENA_BYTES)
		return -EFAULT;
	if (mmap((void *)addr, PAGE, vma->kenv_prot, MAP_SHARED | MAP_FIXED,
		 arena_fd, off) == MAP_FAILED)
		return -errno;
	return 0;
}

unsigned long ko_oob_check(char *where, unsigned long len)
{
	unsigned long bad = 0;
	size_t i, j;

	for (i = 0; i < nr_areas; i++) {
		char *front = areas[i].addr - GUARD_WORDS * 8;
		char *back = areas[i].addr + areas[i].len;
		unsigned long n = 0;

		if (!areas[i].live)
			continue;
		for (j = 0; j < GUARD_WORDS * 8; j++)
			n += (front[j] != (char)GUARD_BYTE) + (back[j] != (char)GUARD_BYTE);
		if (n) {
			if (!bad && where)
				snprintf(where, len, "%s", areas[i].addr == last_user_area ?
					 "the coverage buffer" : "a kernel buffer");
			bad += n;
			guard_fill(front);
			guard_fill(back);
		}
	}
	return bad;
}

/* The arena, or the oracle binary's own image (kernel/kcov.c's statics,
 * such as the pool's list heads, live there). */
extern char __executable_start[], _end[];

int ko_is_kptr(unsigned long v)
{
	if (arena && v >= (unsigned long)arena && v < (unsigned long)arena + ARENA_BYTES)
		return 1;
	return v >= (unsigned long)__executable_start && v < (unsigned long)_end;
}

unsigned long ko_section_allocs(void)
{
	return section_allocs;
}

/* ---- user mappings ---- */

void *kenv_reserve(unsigned long len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void kenv_unreserve(void *addr, unsigned long len)
{
	munmap(addr, len);
}

/* ---- uaccess ---- */

unsigned long kenv_copy_from_user(void *dst, const void *src, unsigned long n)
{
	struct iovec local = { dst, n }, remote = { (void *)src, n };
	ssize_t got;

	if (!n)
		return 0;
	got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return got == (ssize_t)n ? 0 : n;
}

/* ---- debugfs ---- */

static const struct file_operations *kcov_fops;

struct dentry *debugfs_create_file_unsafe(const char *name, unsigned short mode,
		void *parent, void *data, const struct file_operations *fops)
{
	(void)name;
	(void)mode;
	(void)parent;
	(void)data;
	kcov_fops = fops;
	return (struct dentry *)&kcov_fops;
}

const struct file_operations *kenv_kcov_fops(void)
{
	return kcov_fops;
}
