/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.8: KCOV_REMOTE_ENABLE validation (cases 64-79, profile P-2025).
 * Every test gets a fresh fd from t_fd_setup(); the calling thread is the
 * would-be owner unless a case says otherwise.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "helpers.h"

/*
 * USB handles of the running test: one that fails half-way may leave its
 * registrations behind, and the next test must not trip over them.
 */
#define PAGE		4096ul

/* One USB handle, PC mode, 64-word sections. */
static int ren1(int fd, uint64_t handle)
{
	return t_ren(fd, KCOV_TRACE_PC, 64, 0, &handle, 1);
}

static size_t table_size(void)
{
	KCOV_SIM_OUT(kcov_sim_pool_stats, st);

	assert_int_equal(kcov_sim_pool_stats(&st), 0);
	return st.handles;
}

static int inited_fd(void)
{
	int fd = t_open();

	assert_true(fd >= 0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	return fd;
}

/* 8.8 #64: 257 handles is EINVAL; 256 distinct USB handles register. */
static void test_c064_num_handles_limit(void **state)
{
	int fd = t_fd(state);
	uint64_t h[257];
	size_t base = table_size();

	for (unsigned int i = 0; i < 257; i++)
		h[i] = USB(1000 + i);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 257), EINVAL);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 256), 0);
	assert_int_equal(t_dev(fd).nr_handles, 256);
	assert_int_equal(table_size(), base + 256);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(table_size(), base);
}

/* 8.8 #65: an unmapped argument is EFAULT. */
static void test_c065_unmapped_arg_efault(void **state)
{
	int fd = t_fd(state);
	void *p;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p, 2 * PAGE), 0);
	assert_sys_err(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)p + 64),
		       EFAULT);
	assert_sys_err(t_ioctl(fd, KCOV_REMOTE_ENABLE, 0), EFAULT);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
}

/* 8.8 #65: header readable, handles[] in a PROT_NONE page: EFAULT. */
static void test_c065_handles_cross_into_guard(void **state)
{
	int fd = t_fd(state);
	struct kcov_remote_arg *arg;
	char *p;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + PAGE, PAGE, PROT_NONE), 0);
	arg = (struct kcov_remote_arg *)(p + PAGE - sizeof(*arg));
	arg->trace_mode = KCOV_TRACE_PC;
	arg->area_size = 64;
	arg->num_handles = 1;
	arg->common_handle = 0;
	assert_sys_err(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)arg),
		       EFAULT);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	arg->num_handles = 0;
	assert_int_equal(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)arg), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(munmap(p, 2 * PAGE), 0);
}

/* 8.8 #65: only the first 12 bytes (up to num_handles) readable: EFAULT. */
static void test_c065_header_cut_short(void **state)
{
	int fd = t_fd(state);
	uint32_t *words;
	char *p;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + PAGE, PAGE, PROT_NONE), 0);
	words = (uint32_t *)(p + PAGE - 12);
	words[0] = KCOV_TRACE_PC;
	words[1] = 64;
	words[2] = 0;		/* num_handles */
	assert_sys_err(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)words),
		       EFAULT);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(munmap(p, 2 * PAGE), 0);
}

/* ---- spec 5.2 step 4: num_handles changed between the two reads -------- */

struct toctou {
	int		uffd;
	int		quit[2];	/* main -> handler: REN returned */
	char		*page;		/* registered, not yet populated */
	struct kcov_remote_arg *arg;	/* straddles page and page + PAGE */
	int		faulted;
};

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd, dev;

	/* Non-blocking: a blocking userfaultfd always polls as POLLERR. */
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return -1;
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
		close(dev);
		if (fd < 0)
			return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The header's first 8 bytes sit on the missing page, num_handles on the
 * next one. The library reads num_handles (present), then copies the whole
 * argument and faults on the first page: while resolving that fault we
 * change num_handles, as a racing user thread would.
 */
static void *toctou_handler(void *p)
{
	struct toctou *tc = p;
	struct pollfd pfd[2] = { { tc->uffd, POLLIN, 0 }, { tc->quit[0], POLLIN, 0 } };
	static uint32_t src[PAGE / 4] __attribute__((aligned(4096)));
	struct uffdio_copy copy;
	struct uffd_msg msg;

	/* Serve faults until the REN returned: a stray exit would hang it. */
	while (poll(pfd, 2, -1) >= 0 && !(pfd[1].revents & POLLIN)) {
		if (read(tc->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		/* Fewer handles: trusting this copy would "succeed" with none. */
		__atomic_store_n(&tc->arg->num_handles, 0, __ATOMIC_RELAXED);
		src[PAGE / 4 - 2] = KCOV_TRACE_PC;	/* trace_mode */
		src[PAGE / 4 - 1] = 64;			/* area_size */
		copy = (struct uffdio_copy){ .dst = (uintptr_t)tc->page,
					     .src = (uintptr_t)src, .len = PAGE };
		if (ioctl(tc->uffd, UFFDIO_COPY, &copy) == 0)
			tc->faulted++;
	}
	return NULL;
}

/* Spec 5.2 #4: num_handles changed during the copy: EINVAL. */
static void test_c065_toctou_num_handles(void **state)
{
	int fd = t_fd(state);
	struct uffdio_register reg;
	struct toctou tc = { 0 };
	pthread_t tid;
	char *p;

	tc.uffd = uffd_open();
	if (tc.uffd < 0)
		skip();		/* no userfaultfd here: not deterministic */
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	tc.page = p;
	tc.arg = (struct kcov_remote_arg *)(p + PAGE - 8);
	/* Only the second page is written: the first must stay missing. */
	tc.arg->num_handles = 1;
	tc.arg->common_handle = 0;
	tc.arg->handles[0] = USB(11);
	reg = (struct uffdio_register){ .range = { (uintptr_t)p, PAGE },
					.mode = UFFDIO_REGISTER_MODE_MISSING };
	assert_int_equal(ioctl(tc.uffd, UFFDIO_REGISTER, &reg), 0);
	assert_int_equal(pipe2(tc.quit, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&tid, NULL, toctou_handler, &tc), 0);

	errno = 0;
	int ret = t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)tc.arg);
	int err = errno;

	assert_int_equal(write(tc.quit[1], "", 1), 1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(tc.faulted, 1);
	assert_int_equal(ret, -1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).nr_handles, 0);
	close(tc.quit[0]);
	close(tc.quit[1]);
	close(tc.uffd);
	assert_int_equal(munmap(p, 2 * PAGE), 0);
}

/* 8.8 #66: REN on an opened-only fd is EINVAL. */
static void test_c066_not_inited(void **state)
{
	int fd = t_fd(state);

	assert_sys_err(ren1(fd, HU(1)), EINVAL);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(t_dev(fd).nr_handles, 0);
}

/* 8.8 #67: trace_mode 2 is EINVAL; CMP without support is 524. */
static void test_c067_trace_mode(void **state)
{
	int fd = t_fd(state);
	uint64_t h = HU(1);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ren(fd, 2, 64, 0, &h, 1), EINVAL);
	kcov_sim_set_cmp_support(0);
	assert_sys_err(t_ren(fd, KCOV_TRACE_CMP, 64, 0, &h, 1), KCOV_SIM_ENOTSUPP);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).nr_handles, 0);
	kcov_sim_set_cmp_support(1);
	assert_int_equal(t_ren(fd, KCOV_TRACE_CMP, 64, 0, &h, 1), 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_TRACE_CMP);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.8 #68: a common handle in handles[] is EINVAL; rolled back to INIT. */
static void test_c068_common_in_global_list(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_dev_info, before);
	KCOV_SIM_OUT(kcov_sim_dev_info, after);
	uint64_t h[2] = { HU(1), 0x42 };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	before = t_dev(fd);
	assert_sys_err(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 2), EINVAL);
	after = t_dev(fd);
	assert_int_equal(after.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(after.remote, 0);
	assert_int_equal(after.nr_handles, 0);	/* USB|1 was rolled back */
	assert_int_equal(after.sequence, before.sequence + 1);
	assert_int_equal(after.refcount, before.refcount);
	assert_int_equal(ren1(fd, HU(1)), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.8 #69: handle 0 is EINVAL in handles[]; USB instance 0 is fine. */
static void test_c069_zero_handle(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(ren1(fd, 0), EINVAL);
	assert_int_equal(ren1(fd, HU(0)), 0);
	assert_int_equal(t_dev(fd).nr_handles, 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.8 #70: reserved bits 32-55 or an unknown subsystem are EINVAL. */
static void test_c070_bad_handle_bits(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(ren1(fd, 0x0000000100000001ull), EINVAL);
	assert_sys_err(ren1(fd, (0x02ull << 56) | 1), EINVAL);
	assert_sys_err(ren1(fd, KCOV_SUBSYSTEM_USB | (1ull << 55)), EINVAL);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).nr_handles, 0);
}

struct common_probe {
	int		fd;
	int		ret, err, dis;
	uint64_t	inherited, after_ren, after_dis;
};

static long common_zero_thread(void *p)
{
	struct common_probe *cp = p;

	cp->inherited = kcov_common_handle();
	errno = 0;
	cp->ret = t_ren(cp->fd, KCOV_TRACE_PC, 64, 0, NULL, 0);
	cp->err = errno;
	cp->after_ren = kcov_common_handle();
	cp->dis = t_ioctl(cp->fd, KCOV_DISABLE, 0);
	cp->after_dis = kcov_common_handle();
	return 0;
}

/* 8.8 #71: a USB common_handle is EINVAL; common 0 is ok, handle unchanged. */
static void test_c071_common_handle(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	struct common_probe cp = { .fd = fd2 };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ren(fd, KCOV_TRACE_PC, 64, HU(1), NULL, 0), EINVAL);
	assert_int_equal(kcov_common_handle(), 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	/* Own a common handle, then let a thread that inherits it try 0. */
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x4171, NULL, 0), 0);
	assert_int_equal(kcov_common_handle(), 0x4171);
	t_in_thread(common_zero_thread, &cp);
	assert_int_equal(cp.inherited, 0x4171);
	assert_int_equal(cp.ret, 0);
	assert_int_equal(cp.after_ren, 0x4171);
	assert_int_equal(cp.dis, 0);
	assert_int_equal(cp.after_dis, 0);	/* P-2025: DISABLE forgets it */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_common_handle(), 0);
	t_close(fd2);
}

/* 8.8 #72: a duplicate in one array is EEXIST and the first is rolled back. */
static void test_c072_duplicate_in_array(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	uint64_t h[2] = { HU(1), HU(1) };
	size_t base = table_size();

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ren(fd, KCOV_TRACE_PC, 64, 0, h, 2), EEXIST);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).nr_handles, 0);
	assert_int_equal(table_size(), base);
	assert_int_equal(ren1(fd2, HU(1)), 0);
	assert_int_equal(t_ioctl(fd2, KCOV_DISABLE, 0), 0);
	t_close(fd2);
}

struct ren_probe {
	int	fd;
	int	ret, err, dis;
	unsigned int mode_after;
};

static long ren_thread(void *p)
{
	struct ren_probe *rp = p;
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	errno = 0;
	rp->ret = ren1(rp->fd, HU(1));
	rp->err = errno;
	rp->mode_after = kcov_sim_dev_info(rp->fd, &info) ? 99 : info.mode;
	rp->dis = rp->ret ? -1 : t_ioctl(rp->fd, KCOV_DISABLE, 0);
	return 0;
}

/* 8.8 #73: a handle owned by fd A is EEXIST for fd B until A disables. */
static void test_c073_handle_taken_by_other_fd(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	struct ren_probe first = { .fd = fd2 }, retry = { .fd = fd2 };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	t_in_thread(ren_thread, &first);
	assert_int_equal(first.ret, -1);
	assert_int_equal(first.err, EEXIST);
	assert_int_equal(first.mode_after, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).nr_handles, 1);	/* A unaffected */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_in_thread(ren_thread, &retry);
	assert_int_equal(retry.ret, 0);
	assert_int_equal(retry.mode_after, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(retry.dis, 0);
	t_close(fd2);
}

/* 8.8 #74: no handles and no common handle: ok, and DISABLE works. */
static void test_c074_empty_remote_enable(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, NULL, 0), 0);
	assert_int_equal(t_dev(fd).remote, 1);
	assert_int_equal(t_dev(fd).nr_handles, 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_dev(fd).remote, 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
}

/* 8.8 #75: after REN, ENABLE and a second REN on the same fd are EINVAL. */
static void test_c075_enable_after_remote(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), EINVAL);
	assert_sys_err(ren1(fd, HU(2)), EINVAL);
	assert_int_equal(t_dev(fd).nr_handles, 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.8 #76 [P-2025]: local after remote, and remote after local: EBUSY. */
static void test_c076_p2025_local_plus_remote(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	assert_sys_err(t_ioctl(fd2, KCOV_ENABLE, KCOV_TRACE_PC), EBUSY);
	assert_int_equal(t_dev(fd2).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_sys_err(ren1(fd2, HU(1)), EBUSY);
	assert_int_equal(t_dev(fd2).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd2).nr_handles, 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_close(fd2);
}

struct dis_probe {
	int fd, ret, err;
};

static long dis_thread(void *p)
{
	struct dis_probe *dp = p;

	errno = 0;
	dp->ret = t_ioctl(dp->fd, KCOV_DISABLE, 0);
	dp->err = errno;
	return 0;
}

/* 8.8 #77: only the owner can DISABLE a remote device. */
static void test_c077_disable_from_other_thread(void **state)
{
	int fd = t_fd(state);
	struct dis_probe dp = { .fd = fd };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	t_in_thread(dis_thread, &dp);
	assert_int_equal(dp.ret, -1);
	assert_int_equal(dp.err, EINVAL);
	assert_int_equal(t_dev(fd).remote, 1);
	assert_int_equal(t_dev(fd).nr_handles, 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

struct inherit_probe {
	int		fd;
	uint64_t	before, after, after_dis;
	int		ret, err, dis;
};

static long failing_ren_thread(void *p)
{
	struct inherit_probe *ip = p;

	ip->before = kcov_common_handle();
	errno = 0;
	ip->ret = ren1(ip->fd, HU(1));		/* taken by the parent */
	ip->err = errno;
	ip->after = kcov_common_handle();
	return 0;
}

/* 8.8 #78: a failing REN zeroes the thread's inherited common handle. */
static void test_c078_failed_ren_clears_inherited(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	struct inherit_probe ip = { .fd = fd2 };
	uint64_t h = HU(1);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x4178, &h, 1), 0);
	t_in_thread(failing_ren_thread, &ip);
	assert_int_equal(ip.before, 0x4178);
	assert_int_equal(ip.ret, -1);
	assert_int_equal(ip.err, EEXIST);
	assert_int_equal(ip.after, 0);
	assert_int_equal(kcov_common_handle(), 0x4178);	/* the parent keeps it */
	assert_int_equal(t_dev(fd2).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_close(fd2);
}

static long local_cycle_thread(void *p)
{
	struct inherit_probe *ip = p;

	ip->before = kcov_common_handle();
	errno = 0;
	ip->ret = t_ioctl(ip->fd, KCOV_ENABLE, KCOV_TRACE_PC);
	ip->err = errno;
	ip->after = kcov_common_handle();
	ip->dis = t_ioctl(ip->fd, KCOV_DISABLE, 0);
	ip->after_dis = kcov_common_handle();
	return 0;
}

/* 8.8 #79 [P-2025]: local EN/DIS zeroes an inherited common handle. */
static void test_c079_p2025_local_cycle_clears_handle(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	struct inherit_probe ip = { .fd = fd2 };

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x4179, NULL, 0), 0);
	t_in_thread(local_cycle_thread, &ip);
	assert_int_equal(ip.before, 0x4179);
	assert_int_equal(ip.ret, 0);
	assert_int_equal(ip.after, 0x4179);
	assert_int_equal(ip.dis, 0);
	assert_int_equal(ip.after_dis, 0);
	assert_int_equal(kcov_common_handle(), 0x4179);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_close(fd2);
}

/*
 * 8.8 #76 [P-2026]: a task may own one remote and one local device; the
 * remote owner's own mode stays as it was (no KCOV_MODE_REMOTE).
 */
static void test_c076_p2026_local_plus_remote(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	unsigned long *a2 = t_mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd2, 0);

	t_profile_only("P-2026", NULL);
	assert_true(a2 != MAP_FAILED);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(t_task().attached_remote, 1);
	assert_int_equal(t_ioctl(fd2, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a2[0], 0);
	t_pc_x();
	assert_int_equal(T_READ(a2[0]), 1);	/* local coverage runs */
	assert_int_equal(t_ioctl(fd2, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_dev(fd).remote, 1);	/* the remote one stays */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_task().attached_remote, 0);

	/* And the other way round: local first, then remote. */
	assert_int_equal(t_ioctl(fd2, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(ren1(fd, HU(1)), 0);
	assert_int_equal(t_dev(fd).nr_handles, 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_ioctl(fd2, KCOV_DISABLE, 0), 0);
	t_munmap(a2, 4096);
	t_close(fd2);
}

/* 8.8 #79 [P-2026]: a local ENABLE/DISABLE cycle keeps the inherited handle. */
static void test_c079_p2026_local_cycle_keeps_handle(void **state)
{
	int fd = t_fd(state), fd2 = inited_fd();
	struct inherit_probe ip = { .fd = fd2 };

	t_profile_only("P-2026", NULL);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x4179, NULL, 0), 0);
	t_in_thread(local_cycle_thread, &ip);
	assert_int_equal(ip.before, 0x4179);
	assert_int_equal(ip.ret, 0);
	assert_int_equal(ip.after, 0x4179);
	assert_int_equal(ip.dis, 0);
	assert_int_equal(ip.after_dis, 0x4179);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_close(fd2);
}

#define FD_TEST(f)	T_REMOTE_FD_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c064_num_handles_limit),
		FD_TEST(test_c065_unmapped_arg_efault),
		FD_TEST(test_c065_handles_cross_into_guard),
		FD_TEST(test_c065_header_cut_short),
		FD_TEST(test_c065_toctou_num_handles),
		FD_TEST(test_c066_not_inited),
		FD_TEST(test_c067_trace_mode),
		FD_TEST(test_c068_common_in_global_list),
		FD_TEST(test_c069_zero_handle),
		FD_TEST(test_c070_bad_handle_bits),
		FD_TEST(test_c071_common_handle),
		FD_TEST(test_c072_duplicate_in_array),
		FD_TEST(test_c073_handle_taken_by_other_fd),
		FD_TEST(test_c074_empty_remote_enable),
		FD_TEST(test_c075_enable_after_remote),
		FD_TEST(test_c076_p2025_local_plus_remote),
		FD_TEST(test_c076_p2026_local_plus_remote),
		FD_TEST(test_c077_disable_from_other_thread),
		FD_TEST(test_c078_failed_ren_clears_inherited),
		FD_TEST(test_c079_p2025_local_cycle_clears_handle),
		FD_TEST(test_c079_p2026_local_cycle_keeps_handle),
	};

	return cmocka_run_group_tests_name("spec 8.8 remote enable", tests,
					   NULL, NULL);
}
