/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/device.c through the public API: reference counts and
 * release (spec 2.9), the error matrix (spec 2.10) with "a failing call
 * changes nothing", and the edges of the front door (EBADF, ENOTTY, access
 * modes, unknown commands).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define PAGE		4096ul
#define RW		(PROT_READ | PROT_WRITE)
#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static bool dev_alive(uint64_t id)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int ret = kcov_sim_dev_info_id(id, &info);

	assert_true(ret == 0 || ret == -ENOENT);
	return ret == 0;
}

static int open_init(unsigned long words)
{
	int fd = kcov_sim_open();

	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, words), 0);
	return fd;
}

/* ---- a thread that holds a device enabled ------------------------------ */

struct holder {
	pthread_barrier_t	sync;
	pthread_t		tid;
	int			fd;
	unsigned long		cmd, arg;
	int			ret, dis_ret;
	bool			disable;	/* DISABLE before exiting */
};

static void *holder_main(void *p)
{
	struct holder *h = p;

	h->ret = kcov_sim_ioctl(h->fd, h->cmd, h->arg);
	pthread_barrier_wait(&h->sync);		/* attached */
	pthread_barrier_wait(&h->sync);		/* released */
	if (h->disable)
		h->dis_ret = kcov_sim_ioctl(h->fd, KCOV_DISABLE, 0);
	return NULL;
}

static void holder_start(struct holder *h, int fd, unsigned long cmd,
			 unsigned long arg)
{
	h->fd = fd;
	h->cmd = cmd;
	h->arg = arg;
	h->disable = true;
	h->dis_ret = 0;
	assert_int_equal(pthread_barrier_init(&h->sync, NULL, 2), 0);
	assert_int_equal(pthread_create(&h->tid, NULL, holder_main, h), 0);
	pthread_barrier_wait(&h->sync);
	assert_int_equal(h->ret, 0);
}

/* Let the holder go and join it; returns what its DISABLE returned. */
static int holder_stop(struct holder *h)
{
	pthread_barrier_wait(&h->sync);
	pthread_join(h->tid, NULL);
	pthread_barrier_destroy(&h->sync);
	return h->dis_ret;
}

/* ---- reference counts and release (spec 2.9) --------------------------- */

/* open/INIT/ENABLE/DISABLE/REMOTE_ENABLE move refcount and state as 2.9 says. */
static void test_refcount_through_lifecycle(void **state)
{
	struct kcov_remote_arg ra = { .trace_mode = KCOV_TRACE_PC, .area_size = 8 };
	int base = kcov_sim_device_count(), fd;
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id;

	(void)state;
	fd = kcov_sim_open();
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_device_count(), base + 1);
	d = t_dev(fd);
	id = d.id;
	assert_int_equal(d.refcount, 1);
	assert_int_equal(d.file_open, 1);
	assert_int_equal(d.mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(d.size, 0);
	assert_int_equal(d.sequence, 1);
	assert_int_equal(d.remote, 0);
	assert_int_equal(d.nr_handles, 0);
	assert_null(d.area);

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	d = t_dev(fd);
	assert_int_equal(d.refcount, 1);
	assert_int_equal(d.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(d.size, 512);
	assert_non_null(d.area);
	assert_int_equal(d.id, id);

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	d = t_dev(fd);
	assert_int_equal(d.refcount, 2);
	assert_int_equal(d.mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	d = t_dev(fd);
	assert_int_equal(d.refcount, 1);
	assert_int_equal(d.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(d.sequence, 2);

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&ra), 0);
	d = t_dev(fd);
	assert_int_equal(d.refcount, 2);
	assert_int_equal(d.remote, 1);
	assert_int_equal(d.mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	d = t_dev(fd);
	assert_int_equal(d.refcount, 1);
	assert_int_equal(d.remote, 0);
	assert_int_equal(d.sequence, 3);

	assert_int_equal(kcov_sim_close(fd), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* kcov_sim_device_count() follows opens and releases. */
static void test_device_count(void **state)
{
	int base = kcov_sim_device_count(), fd[3], i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fd[i] = kcov_sim_open();
		assert_true(fd[i] >= 0);
		assert_int_equal(kcov_sim_device_count(), base + i + 1);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(kcov_sim_close(fd[i]), 0);
		assert_int_equal(kcov_sim_device_count(), base + 2 - i);
	}
}

/* A dup'd fd keeps the device; it goes with the last of the two. */
static void test_release_after_dup_closed(void **state)
{
	int base = kcov_sim_device_count(), fd, fd2;
	uint64_t id;

	(void)state;
	fd = kcov_sim_open();
	assert_true(fd >= 0);
	id = t_dev(fd).id;
	fd2 = dup(fd);
	assert_true(fd2 >= 0);
	assert_int_equal(t_dev(fd2).id, id);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_true(dev_alive(id));
	assert_int_equal(t_dev(fd2).file_open, 1);
	assert_int_equal(kcov_sim_device_count(), base + 1);
	/* The dup is the same device, fully usable. */
	assert_int_equal(kcov_sim_ioctl(fd2, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_dev(fd2).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(kcov_sim_close(fd2), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* A mapping pins the file: close() first, then munmap() page by page. */
static void test_release_after_last_page_unmapped(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(1024);
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	unsigned char *p;
	uint64_t id = t_dev(fd).id;

	(void)state;
	p = kcov_sim_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(d.file_open, 1);
	assert_int_equal(d.refcount, 1);
	assert_int_equal(kcov_sim_munmap(p, PAGE), 0);
	assert_true(dev_alive(id));
	/* The remaining page is still the buffer. */
	p[PAGE] = 0x5a;
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(((unsigned char *)d.area)[PAGE], 0x5a);
	assert_int_equal(kcov_sim_munmap(p + PAGE, PAGE), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* A hole punched in the middle leaves two pieces that both pin the file. */
static void test_release_after_middle_unmapped(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(3 * 512);
	unsigned char *p;
	uint64_t id = t_dev(fd).id;

	(void)state;
	p = kcov_sim_mmap(NULL, 3 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_munmap(p + PAGE, PAGE), 0);
	assert_true(dev_alive(id));
	assert_int_equal(kcov_sim_munmap(p + 2 * PAGE, PAGE), 0);
	assert_true(dev_alive(id));
	assert_int_equal(kcov_sim_munmap(p, PAGE), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* Unmapping only part of a page-rounded range, or a superset, both count. */
static void test_release_after_superset_unmapped(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(512);
	unsigned char *r, *p;
	uint64_t id = t_dev(fd).id;

	(void)state;
	r = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r != MAP_FAILED);
	p = kcov_sim_mmap(r + PAGE, 1, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	assert_ptr_equal(p, r + PAGE);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_true(dev_alive(id));
	/* An unaligned length covers the page it ends in. */
	assert_int_equal(kcov_sim_munmap(r, 2 * PAGE - 100), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_munmap(r, 3 * PAGE), 0);
	assert_int_equal(kcov_sim_device_count(), base);
}

/* A MAP_FIXED mapping over the only kcov mapping releases the device. */
static void test_release_after_map_fixed_over(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(512);
	void *p, *q;
	uint64_t id = t_dev(fd).id;

	(void)state;
	p = kcov_sim_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_true(dev_alive(id));
	q = mmap(p, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(q, p);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
	assert_int_equal(munmap(q, PAGE), 0);
}

/* Two mappings: the device lives until both are gone. */
static void test_release_after_both_mappings(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(512);
	unsigned long *a, *b;
	uint64_t id = t_dev(fd).id;

	(void)state;
	a = kcov_sim_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	b = kcov_sim_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED && b != MAP_FAILED);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_munmap(b, PAGE), 0);
	assert_true(dev_alive(id));
	a[3] = 3;
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/*
 * dup2() onto the last fd of a device closes that file as close() does, so
 * the device goes (spec 2.9). Fails while the shim does not see dup2().
 */
static void test_release_after_dup2_over_last_fd(void **state)
{
	int base = kcov_sim_device_count(), fd = kcov_sim_open(), nfd;
	uint64_t id = t_dev(fd).id;

	(void)state;
	nfd = open("/dev/null", O_RDONLY);
	assert_true(nfd >= 0);
	assert_int_equal(dup2(nfd, fd), fd);
	assert_int_equal(kcov_sim_dev_info(fd, &(struct kcov_sim_dev_info){
				.sz = sizeof(struct kcov_sim_dev_info) }), -ENOTTY);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(nfd), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* The owner's reference outlives close(); the owner's exit frees the device. */
static void test_release_after_owner_exit(void **state)
{
	int base = kcov_sim_device_count(), fd = open_init(512);
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	struct holder h;
	uint64_t id = t_dev(fd).id;

	(void)state;
	holder_start(&h, fd, KCOV_ENABLE, KCOV_TRACE_PC);
	h.disable = false;	/* no fd left to do it with */
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(d.file_open, 0);
	assert_int_equal(d.refcount, 1);
	assert_int_equal(d.mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(holder_stop(&h), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* ---- the error matrix (spec 2.10) -------------------------------------- */

enum st {
	S0,		/* opened */
	S1,		/* inited */
	S1_BUSY,	/* inited; caller enabled on another fd */
	S1_BUSY_R,	/* inited; caller remote-enabled another fd (P-2025) */
	S2_SELF,	/* enabled by the caller */
	S2_OTHER,	/* enabled by another thread */
	S3_SELF,	/* remote-enabled by the caller */
	S3_OTHER,	/* remote-enabled by another thread */
	NR_ST,
};

static const char *const st_name[NR_ST] = {
	"S0", "S1", "S1-busy", "S1-busy-remote", "S2-self", "S2-other",
	"S3-self", "S3-other",
};

enum op {
	INIT_0, INIT_1, INIT_TOO_BIG, INIT_ULONG, INIT_512,
	MMAP_OK, MMAP_SHORT, MMAP_LONG, MMAP_OFF,
	EN_PC, EN_CMP, EN_CMP_NOSUP, EN_2, EN_ULONG,
	DIS_0, DIS_1,
	REN_FAULT, REN_FAULT_HANDLES, REN_257, REN_OK, REN_MODE_2,
	REN_CMP_NOSUP, REN_EEXIST, REN_BAD_HANDLE, REN_BAD_COMMON,
	OTHER_CMD,
	NR_OP,
};

static const char *const op_name[NR_OP] = {
	"INIT(0)", "INIT(1)", "INIT(268435456)", "INIT(ULONG_MAX)", "INIT(512)",
	"mmap(4096)", "mmap(1)", "mmap(8192)", "mmap(off 4096)",
	"EN(0)", "EN(1)", "EN(1) no cmp", "EN(2)", "EN(ULONG_MAX)",
	"DIS(0)", "DIS(1)",
	"REN(bad ptr)", "REN(bad handles ptr)", "REN(257 handles)", "REN(ok)",
	"REN(mode 2)", "REN(cmp, no cmp)", "REN(dup handle)", "REN(handle 0x42)",
	"REN(common USB|1)", "_IO('c',105)",
};

#define ENOTSUPP	KCOV_SIM_ENOTSUPP
#define ROW(s0, s1, busy, s23self, s23other) \
	{ s0, s1, busy, busy, s23self, s23other, s23self, s23other }
/*
 * Expected errno, 0 for success. Columns: S0, S1, S1 with the caller
 * attached elsewhere (local, then remote), S2/S3 by the caller, S2/S3 by
 * another thread.
 */
static const int expect[NR_OP][NR_ST] = {
	[INIT_0]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[INIT_1]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[INIT_TOO_BIG]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[INIT_ULONG]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[INIT_512]	= ROW(0, EBUSY, EBUSY, EBUSY, EBUSY),
	[MMAP_OK]	= ROW(EINVAL, 0, 0, 0, 0),
	[MMAP_SHORT]	= ROW(EINVAL, 0, 0, 0, 0),
	[MMAP_LONG]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[MMAP_OFF]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[EN_PC]		= ROW(EINVAL, 0, EBUSY, EINVAL, EINVAL),
	[EN_CMP]	= ROW(EINVAL, 0, EBUSY, EINVAL, EINVAL),
	[EN_CMP_NOSUP]	= ROW(EINVAL, ENOTSUPP, EBUSY, EINVAL, EINVAL),
	[EN_2]		= ROW(EINVAL, EINVAL, EBUSY, EINVAL, EINVAL),
	[EN_ULONG]	= ROW(EINVAL, EINVAL, EBUSY, EINVAL, EINVAL),
	[DIS_0]		= ROW(EINVAL, EINVAL, EINVAL, 0, EINVAL),
	[DIS_1]		= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[REN_FAULT]	= ROW(EFAULT, EFAULT, EFAULT, EFAULT, EFAULT),
	[REN_FAULT_HANDLES] = ROW(EFAULT, EFAULT, EFAULT, EFAULT, EFAULT),
	[REN_257]	= ROW(EINVAL, EINVAL, EINVAL, EINVAL, EINVAL),
	[REN_OK]	= ROW(EINVAL, 0, EBUSY, EINVAL, EINVAL),
	[REN_MODE_2]	= ROW(EINVAL, EINVAL, EBUSY, EINVAL, EINVAL),
	[REN_CMP_NOSUP]	= ROW(EINVAL, ENOTSUPP, EBUSY, EINVAL, EINVAL),
	[REN_EEXIST]	= ROW(EINVAL, EEXIST, EBUSY, EINVAL, EINVAL),
	[REN_BAD_HANDLE] = ROW(EINVAL, EINVAL, EBUSY, EINVAL, EINVAL),
	[REN_BAD_COMMON] = ROW(EINVAL, EINVAL, EBUSY, EINVAL, EINVAL),
	[OTHER_CMD]	= ROW(ENOTTY, ENOTTY, ENOTTY, ENOTTY, ENOTTY),
};

/* Handle registration failed after the device was committed: rolled back. */
static bool op_rolls_back(enum op op, enum st st)
{
	return st == S1 && (op == REN_EEXIST || op == REN_BAD_HANDLE ||
			    op == REN_BAD_COMMON);
}

/* One cell: a fresh device in @st, plus what has to be undone. */
struct cell {
	enum st		st;
	int		fd, other_fd;
	struct holder	h;
	void		*map;
	size_t		map_len;
	bool		self_attached;	/* the caller owns fd after the op */
};

static void cell_setup(struct cell *c, enum st st)
{
	static struct kcov_remote_arg ra = { .trace_mode = KCOV_TRACE_PC,
					     .area_size = 8 };

	memset(c, 0, sizeof(*c));
	c->st = st;
	c->other_fd = -1;
	c->fd = kcov_sim_open();
	assert_true(c->fd >= 0);
	if (st == S0)
		return;
	assert_int_equal(kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, 512), 0);
	switch (st) {
	case S1_BUSY:
	case S1_BUSY_R:
		c->other_fd = open_init(512);
		assert_int_equal(kcov_sim_ioctl(c->other_fd,
				 st == S1_BUSY ? KCOV_ENABLE : KCOV_REMOTE_ENABLE,
				 st == S1_BUSY ? KCOV_TRACE_PC : (unsigned long)&ra), 0);
		break;
	case S2_SELF:
		assert_int_equal(kcov_sim_ioctl(c->fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
		c->self_attached = true;
		break;
	case S3_SELF:
		assert_int_equal(kcov_sim_ioctl(c->fd, KCOV_REMOTE_ENABLE,
						(unsigned long)&ra), 0);
		c->self_attached = true;
		break;
	case S2_OTHER:
		holder_start(&c->h, c->fd, KCOV_ENABLE, KCOV_TRACE_PC);
		break;
	case S3_OTHER:
		holder_start(&c->h, c->fd, KCOV_REMOTE_ENABLE, (unsigned long)&ra);
		break;
	default:
		break;
	}
}

/*
 * Undo the cell without asserting, whatever the call under test did, so
 * that one wrong cell is reported as itself and does not poison the next.
 * Returns false if the cleanup did not go as a correct device makes it go.
 */
static bool cell_teardown(struct cell *c)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);
	bool ok = true;

	if (c->map)
		ok &= kcov_sim_munmap(c->map, c->map_len) == 0;
	if (c->self_attached)
		ok &= kcov_sim_ioctl(c->fd, KCOV_DISABLE, 0) == 0;
	else
		kcov_sim_ioctl(c->fd, KCOV_DISABLE, 0);	/* in case */
	if (c->st == S2_OTHER || c->st == S3_OTHER)
		ok &= holder_stop(&c->h) == 0;
	if (c->other_fd >= 0) {
		ok &= kcov_sim_ioctl(c->other_fd, KCOV_DISABLE, 0) == 0;
		ok &= kcov_sim_close(c->other_fd) == 0;
	}
	ok &= kcov_sim_close(c->fd) == 0;
	kcov_sim_task_info(&ti);
	return ok && !ti.attached;
}

static void *fault_page;	/* PROT_NONE: every read faults */
static uint32_t next_inst = 1;	/* USB instances, fresh for every cell */

static struct kcov_remote_arg *ren_arg(uint32_t mode, uint32_t n)
{
	static uint64_t buf[3 + 2];
	struct kcov_remote_arg *ra = (struct kcov_remote_arg *)buf;

	memset(buf, 0, sizeof(buf));
	ra->trace_mode = mode;
	ra->area_size = 8;
	ra->num_handles = n;
	return ra;
}

/* A REMOTE_ENABLE arg whose header is readable but whose handles are not. */
static unsigned long ren_arg_at_fault_edge(void)
{
	static unsigned char *two;
	struct kcov_remote_arg *ra;

	if (!two) {
		two = mmap(NULL, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(two != MAP_FAILED);
		assert_int_equal(mprotect(two + PAGE, PAGE, PROT_NONE), 0);
	}
	ra = (struct kcov_remote_arg *)(two + PAGE - sizeof(*ra));
	memset(ra, 0, sizeof(*ra));
	ra->area_size = 8;
	ra->num_handles = 1;
	return (unsigned long)ra;
}

static int do_op(struct cell *c, enum op op)
{
	struct kcov_remote_arg *ra;
	uint64_t usb = KCOV_SUBSYSTEM_USB | next_inst++;
	void *p;

	switch (op) {
	case INIT_0:	return kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, 0);
	case INIT_1:	return kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, 1);
	case INIT_TOO_BIG: return kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, 268435456ul);
	case INIT_ULONG: return kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, ULONG_MAX);
	case INIT_512:	return kcov_sim_ioctl(c->fd, KCOV_INIT_TRACE, 512);
	case MMAP_OK:
	case MMAP_SHORT:
	case MMAP_LONG:
	case MMAP_OFF:
		c->map_len = op == MMAP_LONG ? 2 * PAGE : op == MMAP_SHORT ? 1 : PAGE;
		p = kcov_sim_mmap(NULL, c->map_len, RW, MAP_SHARED, c->fd,
				  op == MMAP_OFF ? (off_t)PAGE : 0);
		if (p == MAP_FAILED)
			return -1;
		c->map = p;
		return 0;
	case EN_PC:	return kcov_sim_ioctl(c->fd, KCOV_ENABLE, KCOV_TRACE_PC);
	case EN_CMP:
	case EN_CMP_NOSUP:
		return kcov_sim_ioctl(c->fd, KCOV_ENABLE, KCOV_TRACE_CMP);
	case EN_2:	return kcov_sim_ioctl(c->fd, KCOV_ENABLE, 2);
	case EN_ULONG:	return kcov_sim_ioctl(c->fd, KCOV_ENABLE, ULONG_MAX);
	case DIS_0:	return kcov_sim_ioctl(c->fd, KCOV_DISABLE, 0);
	case DIS_1:	return kcov_sim_ioctl(c->fd, KCOV_DISABLE, 1);
	case REN_FAULT:
		return kcov_sim_ioctl(c->fd, KCOV_REMOTE_ENABLE,
				      (unsigned long)fault_page);
	case REN_FAULT_HANDLES:
		return kcov_sim_ioctl(c->fd, KCOV_REMOTE_ENABLE,
				      ren_arg_at_fault_edge());
	case REN_257:	ra = ren_arg(KCOV_TRACE_PC, 257); break;
	case REN_OK:	ra = ren_arg(KCOV_TRACE_PC, 0); break;
	case REN_MODE_2: ra = ren_arg(2, 0); break;
	case REN_CMP_NOSUP: ra = ren_arg(KCOV_TRACE_CMP, 0); break;
	case REN_EEXIST:
		ra = ren_arg(KCOV_TRACE_PC, 2);
		ra->handles[0] = ra->handles[1] = usb;
		break;
	case REN_BAD_HANDLE:
		ra = ren_arg(KCOV_TRACE_PC, 2);
		ra->handles[0] = usb;
		ra->handles[1] = 0x42;
		break;
	case REN_BAD_COMMON:
		ra = ren_arg(KCOV_TRACE_PC, 1);
		ra->handles[0] = usb;
		ra->common_handle = KCOV_SUBSYSTEM_USB | next_inst++;
		break;
	case OTHER_CMD:	return kcov_sim_ioctl(c->fd, _IO('c', 105), 0);
	default:	errno = EDOM; return -1;	/* no such op: fails the cell */
	}
	return kcov_sim_ioctl(c->fd, KCOV_REMOTE_ENABLE, (unsigned long)ra);
}

/* What a test can see of a device and of the calling thread. */
struct snap {
	struct kcov_sim_dev_info	d;
	struct kcov_sim_task_info	t;
	struct kcov_sim_pool_stats	p;
};

static void snap_take(int fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->d = t_dev(fd);
	s->t = t_task();
	s->p = t_pool();
}

static char why[256];	/* what went wrong in the last cell */

#define SAME(field, what) do {						\
	if (a->field != b->field) {					\
		snprintf(why, sizeof(why), "%s: %s changed %llu -> %llu",\
			 what, #field, (unsigned long long)a->field,	\
			 (unsigned long long)b->field);			\
		return false;						\
	}								\
} while (0)

/* Nothing observable changed; @seq is what the sequence must have grown by. */
static bool snap_same(const struct snap *a, const struct snap *b, int seq,
		      const char *what)
{
	SAME(d.id, what);
	SAME(d.refcount, what);
	SAME(d.mode, what);
	SAME(d.size, what);
	SAME(d.remote, what);
	SAME(d.file_open, what);
	SAME(d.nr_handles, what);
	SAME(d.area, what);
	SAME(t.kcov_mode, what);
	SAME(t.kcov_size, what);
	SAME(t.attached, what);
	SAME(t.kcov_handle, what);
	SAME(p.handles, what);
	if (b->d.sequence != a->d.sequence + seq) {
		snprintf(why, sizeof(why), "%s: sequence %d -> %d, want +%d",
			 what, a->d.sequence, b->d.sequence, seq);
		return false;
	}
	return true;
}

/* After a success, the state the spec says the call leads to. */
static bool check_success(struct cell *c, enum op op, const struct snap *a,
			  const struct snap *b, const char *what)
{
	const char *bad = NULL;

	switch (op) {
	case INIT_512:
		if (b->d.mode != 1 || b->d.size != 512 || !b->d.area)
			bad = "not INIT(512)";
		break;
	case MMAP_OK:
	case MMAP_SHORT:
		((volatile unsigned long *)c->map)[511] = 0x511;
		if (T_READ(b->d.area[511]) != 0x511)
			bad = "mapping does not alias the buffer";
		break;
	case EN_PC:
	case EN_CMP:
	case REN_OK:
		if (b->d.mode != (op == EN_CMP ? 3u : 2u) ||
		    b->d.refcount != a->d.refcount + 1 || !b->t.attached ||
		    b->d.remote != (op == REN_OK))
			bad = "not enabled";
		c->self_attached = true;
		break;
	case DIS_0:
		if (b->d.mode != 1 || b->d.refcount != a->d.refcount - 1 ||
		    b->d.sequence != a->d.sequence + 1 || b->t.attached)
			bad = "not back to INIT";
		c->self_attached = false;
		break;
	default:
		bad = "no such success";
	}
	if (bad)
		snprintf(why, sizeof(why), "%s: after success: %s", what, bad);
	return !bad;
}

/* Runs one cell; false with @why set if it went wrong. */
static bool run_cell(enum op op, enum st st)
{
	struct snap before, after;
	struct cell c;
	char what[96];
	int ret, err, want = expect[op][st];

	snprintf(what, sizeof(what), "%s in %s", op_name[op], st_name[st]);
	cell_setup(&c, st);
	if (op == EN_CMP_NOSUP || op == REN_CMP_NOSUP)
		kcov_sim_set_cmp_support(0);
	snap_take(c.fd, &before);
	errno = 0;
	ret = do_op(&c, op);
	err = errno;
	kcov_sim_set_cmp_support(1);
	snap_take(c.fd, &after);
	why[0] = 0;
	if (want == 0 && ret != 0)
		snprintf(why, sizeof(why), "%s: ret %d errno %d, want success",
			 what, ret, err);
	else if (want != 0 && (ret != -1 || err != want))
		snprintf(why, sizeof(why), "%s: ret %d errno %d, want errno %d",
			 what, ret, err, want);
	else if (want == 0)
		check_success(&c, op, &before, &after, what);
	else if (op_rolls_back(op, st))
		snap_same(&before, &after, 1, what);	/* spec 5.2 rollback */
	else
		snap_same(&before, &after, 0, what);
	if (!cell_teardown(&c) && !why[0])
		snprintf(why, sizeof(why), "%s: cleanup failed", what);
	return why[0] == 0;
}

/* Spec 2.10: every row of the error matrix in every state; failures change nothing. */
static void test_error_matrix(void **state)
{
	int op, st, bad = 0;

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	(void)state;
	fault_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fault_page != MAP_FAILED);
	for (op = 0; op < NR_OP; op++)
		for (st = 0; st < NR_ST; st++)
			if (!run_cell(op, st)) {
				fprintf(stderr, "%s\n", why);
				bad++;
			}
	assert_int_equal(munmap(fault_page, PAGE), 0);
	assert_int_equal(bad, 0);
}

/* ---- front-door edges -------------------------------------------------- */

/* A closed fd is EBADF for every call, not ENOTTY or a stale device. */
static void test_closed_fd_ebadf(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	int fd = open_init(512);

	(void)state;
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), EBADF);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), EBADF);
	assert_sys_err(kcov_sim_ioctl(fd, _IO('c', 105), 0), EBADF);
	assert_sys_err(kcov_sim_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EBADF);
	assert_sys_err(kcov_sim_close(fd), EBADF);
	assert_int_equal(kcov_sim_dev_info(fd, &d), -EBADF);
	assert_sys_err(kcov_sim_ioctl(-1, KCOV_ENABLE, 0), EBADF);
	assert_sys_err(kcov_sim_close(-1), EBADF);
	assert_int_equal(kcov_sim_dev_info(-1, &d), -EBADF);
}

/* KCOV commands on a pipe reach the kernel, which says ENOTTY. */
static void test_kcov_cmds_on_pipe_enotty(void **state)
{
	struct kcov_remote_arg ra = { .trace_mode = KCOV_TRACE_PC, .area_size = 8 };
	static const unsigned long cmds[] = {
		KCOV_INIT_TRACE, KCOV_ENABLE, KCOV_DISABLE,
	};
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	int pfd[2], kfd, round;
	size_t i;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	/* Round 0 with our device count as it is, round 1 with a device open. */
	for (round = 0; round < 2; round++) {
		kfd = round ? kcov_sim_open() : -1;
		for (i = 0; i < ARRAY_LEN(cmds); i++) {
			assert_sys_err(kcov_sim_ioctl(pfd[0], cmds[i], 512), ENOTTY);
			assert_sys_err(kcov_sim_ioctl(pfd[1], cmds[i], 0), ENOTTY);
		}
		assert_sys_err(kcov_sim_ioctl(pfd[0], KCOV_REMOTE_ENABLE,
					      (unsigned long)&ra), ENOTTY);
		assert_int_equal(kcov_sim_dev_info(pfd[0], &d), -ENOTTY);
		assert_sys_err(kcov_sim_mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
					     pfd[0], 0), ENODEV);
		if (kfd >= 0)
			assert_int_equal(kcov_sim_close(kfd), 0);
	}
	assert_int_equal(kcov_sim_close(pfd[0]), 0);
	assert_int_equal(kcov_sim_close(pfd[1]), 0);
}

/* Opened O_RDONLY through the shim: no writable shared mapping (EACCES). */
static void test_rdonly_open_mmap_write_eacces(void **state)
{
	unsigned long *a;
	int fd;

	(void)state;
	fd = open(KCOV_PATH, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EACCES);
	assert_sys_err(mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	/* Read-only is fine, and the hooks still fill it. */
	a = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	assert_int_equal(ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_int_equal(close(fd), 0);
}

/* Opened O_WRONLY: the VFS refuses every mapping with EACCES. */
static void test_wronly_open_mmap_eacces(void **state)
{
	int fd;

	(void)state;
	fd = open(KCOV_PATH, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EACCES);
	assert_sys_err(mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EACCES);
	assert_int_equal(close(fd), 0);
}

/* The buffer is zero at INIT even if the fd was written to before. */
static void test_init_zeroed_after_stray_write(void **state)
{
	static const char junk[64] = "not coverage";
	unsigned long *a;
	int fd = kcov_sim_open(), i;

	(void)state;
	assert_true(fd >= 0);
	/* Linux says EINVAL here; whatever the fd does, INIT must zero. */
	(void)!write(fd, junk, sizeof(junk));
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = kcov_sim_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	for (i = 0; i < 512; i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
	assert_int_equal(kcov_sim_close(fd), 0);
}

/* The syscall's cmd is 32 bits: high bits of the argument are dropped. */
static void test_ioctl_cmd_is_32_bits(void **state)
{
	int fd = kcov_sim_open();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_ioctl(fd, (1ul << 32) | KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_dev(fd).size, 512);
	assert_int_equal(kcov_sim_ioctl(fd, (0xdeadul << 40) | KCOV_ENABLE, 0), 0);
	assert_int_equal(kcov_sim_ioctl(fd, ~0xfffffffful | KCOV_DISABLE, 0), 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(kcov_sim_close(fd), 0);
}

/* ---- random unknown commands ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic for a seed, printed on failure. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static bool known_cmd(unsigned long cmd)
{
	cmd &= 0xffffffffu;
	return cmd == KCOV_INIT_TRACE || cmd == KCOV_ENABLE ||
	       cmd == KCOV_DISABLE || cmd == KCOV_REMOTE_ENABLE;
}

static unsigned long random_arg(void)
{
	static unsigned long local;

	switch (rng() % 6) {
	case 0:	return 0;
	case 1:	return rng() % 1024;
	case 2:	return (unsigned long)&local;
	case 3:	return (unsigned long)fault_page;
	case 4:	return ULONG_MAX - rng() % 16;
	default: return rng();
	}
}

static unsigned long random_cmd(void)
{
	unsigned long cmd;

	do {
		cmd = _IOC(rng() % 4, 'c', rng() % 256, rng() % (1u << 14));
		if (rng() % 8 == 0)	/* garbage above the 32 bits */
			cmd |= rng() << 32;
	} while (known_cmd(cmd));
	return cmd;
}

/* Random 'c' commands: ENOTTY every time, in every state, nothing changes. */
static void test_fuzz_unknown_cmds(void **state)
{
	static const enum st states[] = {
		S0, S1, S1_BUSY, S2_SELF, S2_OTHER, S3_SELF, S3_OTHER,
	};
	struct snap before, after;
	const char *env = getenv("KSIM_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x6b636f76ull;
	unsigned long cmd, arg;
	struct cell c;
	char what[128];
	size_t s;
	int i, ret, err;

	(void)state;
	rng_state = seed ? seed : 1;
	fault_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fault_page != MAP_FAILED);
	for (s = 0; s < ARRAY_LEN(states); s++) {
		cell_setup(&c, states[s]);
		snap_take(c.fd, &before);
		for (i = 0; i < 600; i++) {
			cmd = random_cmd();
			arg = random_arg();
			errno = 0;
			ret = kcov_sim_ioctl(c.fd, cmd, arg);
			err = errno;
			snprintf(what, sizeof(what), "seed %#llx: cmd %#lx arg %#lx in %s",
				 (unsigned long long)seed, cmd, arg,
				 st_name[states[s]]);
			snap_take(c.fd, &after);
			if (ret != -1 || err != ENOTTY) {
				cell_teardown(&c);
				fail_msg("%s: ret %d errno %d", what, ret, err);
			}
			if (!snap_same(&before, &after, 0, what)) {
				cell_teardown(&c);
				fail_msg("%s", why);
			}
		}
		assert_true(cell_teardown(&c));
	}
	assert_int_equal(munmap(fault_page, PAGE), 0);
}

/* ---- one open file, two processes -------------------------------------- */

/*
 * Opened before fork(), initialised by one process after it: the other
 * sees the same INIT device, as Linux's one struct kcov would be. Its own
 * INIT is EBUSY, its mmap works with the size the first chose, and it can
 * enable the device and record into the shared pages.
 */
static void init_after_fork(bool parent_inits)
{
	int fd = kcov_sim_open(), go[2];
	unsigned long *a;
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int code = 0;

		alarm(30);	/* a failed parent never answers */
		if (!parent_inits) {
			code |= kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 1024) ? 1 : 0;
			_exit(code | (t_pipe_send(go[1]) ? 64 : 0));
		}
		if (t_pipe_recv(go[0]))
			_exit(64);
		if (kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512) != -1 || errno != EBUSY)
			code |= 2;
		a = kcov_sim_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
		if (a == MAP_FAILED)
			_exit(code | 4);
		if (kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
			code |= 8;
		t_pc_x();
		if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
			code |= 16;
		_exit(code);
	}
	if (parent_inits) {
		assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 1024), 0);
		assert_int_equal(t_pipe_send(go[1]), 0);
	} else {
		assert_int_equal(t_pipe_recv(go[0]), 0);
		assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), -1);
		assert_int_equal(errno, EBUSY);
	}
	a = kcov_sim_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(t_child_exit(pid), 0);
	if (parent_inits) {
		assert_int_equal(T_READ(a[0]), 1);
		assert_true(t_pc_is(a[1], t_pc_x));
	} else {
		assert_int_equal(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
		t_pc_x();
		assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
		assert_int_equal(T_READ(a[0]), 1);
	}
	assert_int_equal(kcov_sim_munmap(a, 2 * PAGE), 0);
	assert_int_equal(kcov_sim_close(fd), 0);
	close(go[0]);
	close(go[1]);
}

static void test_init_in_parent_after_fork(void **state)
{
	(void)state;
	init_after_fork(true);
}

static void test_init_in_child_after_fork(void **state)
{
	(void)state;
	init_after_fork(false);
}

#define T_TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_refcount_through_lifecycle),
		T_TEST(test_device_count),
		T_TEST(test_release_after_dup_closed),
		T_TEST(test_release_after_last_page_unmapped),
		T_TEST(test_release_after_middle_unmapped),
		T_TEST(test_release_after_superset_unmapped),
		T_TEST(test_release_after_map_fixed_over),
		T_TEST(test_release_after_both_mappings),
		T_TEST(test_release_after_dup2_over_last_fd),
		T_TEST(test_release_after_owner_exit),
		T_TEST(test_error_matrix),
		T_TEST(test_closed_fd_ebadf),
		T_TEST(test_kcov_cmds_on_pipe_enotty),
		T_TEST(test_rdonly_open_mmap_write_eacces),
		T_TEST(test_wronly_open_mmap_eacces),
		T_TEST(test_init_zeroed_after_stray_write),
		T_TEST(test_ioctl_cmd_is_32_bits),
		T_TEST(test_fuzz_unknown_cmds),
		T_TEST(test_init_in_parent_after_fork),
		T_TEST(test_init_in_child_after_fork),
	};

	return cmocka_run_group_tests_name("device.c", tests, NULL, NULL);
}
