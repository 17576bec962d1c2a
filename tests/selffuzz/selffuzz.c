/* SPDX-License-Identifier: MIT */
/*
 * selffuzz.c - libkcov-sim fuzzes its own ioctl surface (issue 13 item 4).
 *
 * The target is a private, instrumented copy of the library whose global
 * names carry the prefix ksimt_ (CMakeLists.txt, target.cmake); the
 * runtime, the ordinary library, collects the target's coverage for the
 * built-in engine. Each input is a bounded sequence of operations on the
 * target's explicit API (open, close, dup, dup2, the four ioctls and
 * unknown ones, mmap, munmap), its kernel-side API (remote sections on
 * worker threads and in the task, softirq/hardirq/NMI/bh contexts) and its
 * hooks (cov_trace_*: the target's renamed __sanitizer_cov_* hooks, so
 * that the target's devices get coverage). The operations run on a fresh
 * "task" thread per input, inside a remote section of the runtime (that is
 * how the engine sees them); its exit is the implicit DISABLE of the
 * task's device, so inputs are independent. After every step invariants
 * that hold for any sequence are checked, and a violation aborts (the
 * engine writes the crash file):
 *
 *  - each call returns 0 (or an fd, an address) or -1 with an errno that
 *    Linux gives for that call;
 *  - area[0] of a device never exceeds its capacity unless the user wrote
 *    a larger count;
 *  - the words past a buffer's capacity up to the page end stay zero;
 *  - a successful mmap is never longer than the page-rounded buffer;
 *  - the library's own invariant WARNs never fire;
 *  - after the input: no device, handle or running section is left.
 *
 * Environment: SELFFUZZ_BLIND=1 runs the operations outside the runtime's
 * remote section, so the engine sees (almost) none of the target's
 * coverage: a check that the engine's feedback is what finds the bugs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/kernel.h>
#include <kcov-sim/sim.h>

#include "selffuzz.h"

/* ---- the target: the library's copy, every global name prefixed ------- */

#define T(name) ksimt_##name
int T(kcov_sim_open)(void);
int T(kcov_sim_ioctl)(int fd, unsigned long cmd, unsigned long arg);
void *T(kcov_sim_mmap)(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off);
int T(kcov_sim_munmap)(void *addr, size_t len);
int T(kcov_sim_close)(int fd);
int T(dup)(int fd);
int T(dup2)(int fd, int newfd);
void T(kcov_sim_softirq_enter)(void);
void T(kcov_sim_softirq_exit)(void);
void T(kcov_sim_hardirq_enter)(void);
void T(kcov_sim_hardirq_exit)(void);
void T(kcov_sim_nmi_enter)(void);
void T(kcov_sim_nmi_exit)(void);
void T(kcov_sim_bh_disable)(void);
void T(kcov_sim_bh_enable)(void);
void T(kcov_sim_ctxsw_begin)(void);
void T(kcov_sim_ctxsw_end)(void);
void T(kcov_remote_start)(uint64_t handle);
void T(kcov_remote_stop)(void);
uint64_t T(kcov_common_handle)(void);
void T(kcov_remote_start_common)(uint64_t id);
void T(kcov_remote_start_usb)(uint64_t id);
void T(kcov_remote_start_usb_softirq)(uint64_t id);
void T(kcov_remote_stop_softirq)(void);
int T(kcov_sim_set_profile)(const char *name);
int T(kcov_sim_set_nr_cpus)(unsigned int n);
void T(kcov_sim_set_cmp_support)(int enabled);
void T(kcov_sim_set_alloc_limit)(size_t bytes);
int T(kcov_sim_fault_set)(unsigned int kinds, unsigned long nth);
void T(kcov_sim_set_warn_handler)(kcov_sim_warn_fn fn, void *arg);
int T(kcov_sim_dev_info)(int fd, struct kcov_sim_dev_info *info);
int T(kcov_sim_device_count)(void);
int T(kcov_sim_pool_stats)(struct kcov_sim_pool_stats *st);
int T(kcov_sim_task_info)(struct kcov_sim_task_info *ti);
void T(cov_trace_pc)(void);
void T(cov_trace_cmp1)(uint8_t a, uint8_t b);
void T(cov_trace_cmp2)(uint16_t a, uint16_t b);
void T(cov_trace_cmp4)(uint32_t a, uint32_t b);
void T(cov_trace_cmp8)(unsigned long a, unsigned long b);
void T(cov_trace_const_cmp1)(uint8_t a, uint8_t b);
void T(cov_trace_const_cmp2)(uint16_t a, uint16_t b);
void T(cov_trace_const_cmp4)(uint32_t a, uint32_t b);
void T(cov_trace_const_cmp8)(unsigned long a, unsigned long b);
void T(cov_trace_switch)(unsigned long val, void *cases);
#ifdef KSIM_SELF_PLANT
void T(selfplant_reset)(void);
#endif

#define ENOTSUPP	524
#define PAGE		4096ul
#define NR_FDS		8	/* fd slots of one input */
#define NR_MAPS		8	/* mapping slots */
#define MAX_OPS		48	/* operations of one input */
#define DUP2_BASE	1500	/* dup2() targets: fds this harness owns */
#define RESERVE_SLOT	(64 * PAGE)	/* MAP_FIXED slots, one per mapping */
#define ALLOC_LIMIT	(16ul << 20)	/* the target's buffer cap, see README */

/* ---- the input --------------------------------------------------------- */

struct in {
	const uint8_t	*p;
	size_t		left;
};

static uint8_t u8(struct in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t u32(struct in *in)
{
	uint32_t v = 0;
	size_t n = in->left < 4 ? in->left : 4;

	memcpy(&v, in->p, n);	/* little-endian, as CMP hints expect */
	in->p += n;
	in->left -= n;
	return v;
}

static uint64_t u64(struct in *in)
{
	uint64_t lo = u32(in);

	return lo | (uint64_t)u32(in) << 32;
}

/*
 * A value from @table (byte < 0x80), or raw: 4 bytes, or 8. Raw half the
 * time: CMP hints can only replace values the input holds.
 */
static uint64_t pick(struct in *in, const uint64_t *table, size_t n)
{
	uint8_t b = u8(in);

	if (b >= 0xc0)
		return u64(in);
	if (b >= 0x80)
		return u32(in);
	return table[b % n];
}
#define PICK(in, t)	pick(in, t, sizeof(t) / sizeof(t[0]))

/* ---- checks ------------------------------------------------------------ */

static void fail(const char *what, long a, long b)
{
	fprintf(stderr, "selffuzz: invariant violated: %s (%#lx, %#lx)\n",
		what, (unsigned long)a, (unsigned long)b);
	abort();
}

/* The errnos Linux gives each call (plus the injected faults' ENOMEM,
 * EMFILE, EAGAIN), as a bit set over errno values below 128. */
typedef unsigned __int128 errset;
#define E(x)	((errset)1 << (x))
static const errset ok_open = E(EMFILE) | E(ENFILE) | E(ENOMEM) | E(EAGAIN);
static const errset ok_ioctl = E(EINVAL) | E(EBUSY) | E(ENOTTY) | E(EFAULT) |
	E(ENOMEM) | E(EEXIST) | E(EBADF) | E(EMFILE) | E(EAGAIN) | E(E2BIG);
static const errset ok_mmap = E(EINVAL) | E(EPERM) | E(EACCES) | E(ENOMEM) |
	E(EOVERFLOW) | E(EOPNOTSUPP) | E(EBADF) | E(ENODEV) | E(EEXIST) |
	E(EAGAIN) | E(EMFILE);
static const errset ok_munmap = E(EINVAL) | E(ENOMEM);
static const errset ok_close = E(EBADF);
static const errset ok_dup = E(EBADF) | E(EMFILE) | E(EINVAL) | E(EBUSY) |
	E(ENOMEM);

static void check_ret(const char *call, long ret, errset ok, bool enotsupp)
{
	int e = errno;

	if (ret != -1)
		return;
	if (e == ENOTSUPP && enotsupp)
		return;
	if (e <= 0 || e >= 128 || !(ok & E(e)))
		fail(call, ret, e);
}

/*
 * WARNs: the kernel-side API's misuse (remote_start with a bad handle, a
 * context exit without enter, ...) and a user-written CMP count that wraps
 * (case 57) are the kernel's own warnings and expected; the library's
 * "cannot happen" ones are not.
 */
static void warn_handler(const char *file, int line, const char *what, void *arg)
{
	(void)arg;
	if (!strcmp(what, "!owner") || !strcmp(what, "kcov->t != t") ||
	    !strcmp(what, "1")) {
		fprintf(stderr, "selffuzz: library WARN %s:%d: %s\n", file, line,
			what);
		abort();
	}
}

/* ---- per-input state (the task thread's) -------------------------------- */

struct map {
	uint8_t	*addr;		/* NULL: free */
	size_t	len;
	bool	fixed;		/* inside the reserve: refill holes */
};

struct state {
	struct in	in;
	int		fds[NR_FDS];
	struct map	maps[NR_MAPS];
	uint64_t	poisoned[NR_FDS * 2];	/* device ids whose count the user wrote */
	unsigned int	nr_poisoned;
	uint64_t	last_handles[4];	/* of the last REMOTE_ENABLE */
	unsigned int	depth;		/* contexts entered, for the worker */
};

static uint8_t *reserve;	/* NR_MAPS MAP_FIXED slots, PROT_NONE */
static uint8_t *arg_page;	/* one RW page, then a PROT_NONE guard page */
static bool blind;
static int null_fd = -1;	/* /dev/null: an fd that is no kcov file */

static void refill(uint8_t *addr, size_t len)
{
	if (mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		fail("refilling the reserve", (long)addr, errno);
}

static int fd_at(struct state *s, uint8_t b)
{
	unsigned int i;
	int fd;

	if (s->fds[b % NR_FDS] >= 0)
		return s->fds[b % NR_FDS];
	for (i = 0; i < NR_FDS; i++)
		if (s->fds[i] >= 0)
			return s->fds[i];
	if ((b & 0xc0) == 0xc0)
		return b & 0x20 ? -1 : null_fd;	/* EBADF, or not a kcov file */
	/* None open: the call gets a fresh device (inputs stay short). */
	fd = T(kcov_sim_open)();
	check_ret("open", fd, ok_open, false);
	if (fd >= 0)
		s->fds[b % NR_FDS] = fd;
	return fd;
}

static int fd_slot_put(struct state *s, int fd)
{
	unsigned int i;

	for (i = 0; i < NR_FDS; i++)
		if (s->fds[i] == fd)
			return 0;
	for (i = 0; i < NR_FDS; i++)
		if (s->fds[i] < 0) {
			s->fds[i] = fd;
			return 0;
		}
	return -1;
}

static bool poisoned(struct state *s, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < s->nr_poisoned; i++)
		if (s->poisoned[i] == id)
			return true;
	return false;
}

static void poison(struct state *s, uint64_t id, bool on)
{
	unsigned int i;

	for (i = 0; i < s->nr_poisoned; i++)
		if (s->poisoned[i] == id) {
			if (!on)
				s->poisoned[i] = s->poisoned[--s->nr_poisoned];
			return;
		}
	if (on && s->nr_poisoned < sizeof(s->poisoned) / sizeof(s->poisoned[0]))
		s->poisoned[s->nr_poisoned++] = id;
}

static int dev_info(int fd, struct kcov_sim_dev_info *di)
{
	memset(di, 0, sizeof(*di));
	di->sz = sizeof(*di);
	return T(kcov_sim_dev_info)(fd, di);
}

/* The buffer invariants of every device an fd of this input reaches. */
static void check_devices(struct state *s)
{
	struct kcov_sim_dev_info di;
	unsigned long w, end;
	unsigned int i;

	for (i = 0; i < NR_FDS; i++) {
		if (s->fds[i] < 0 || dev_info(s->fds[i], &di) || !di.area ||
		    !di.size)
			continue;
		if (di.refcount < 1)
			fail("device refcount", di.refcount, 0);
		if (__atomic_load_n(&di.area[0], __ATOMIC_RELAXED) >= di.size && !poisoned(s, di.id))
			fail("area[0] beyond the capacity", di.area[0], di.size);
		/* The rest of the last page: never written. */
		end = ((di.size * 8 + PAGE - 1) & ~(PAGE - 1)) / 8;
		for (w = di.size; w < end; w++)
			if (di.area[w])
				fail("a word past the capacity written", w,
				     di.area[w]);
	}
}

/* ---- operations ---------------------------------------------------------- */

static const uint64_t init_sizes[] = {
	2, 0, 1, 3, 8, 64, 511, 512, 513, 1024, 4096, 65536,
	INT32_MAX / 8, INT32_MAX / 8 + 1, 0xffffffffu, 1ull << 32 | 64,
	(ALLOC_LIMIT / 8), (ALLOC_LIMIT / 8) + 1,
};
static const uint64_t area_sizes[] = {
	64, 0, 1, 2, 3, 4, 512, 4096, 65536, 1u << 20, 0x7fffffff, 0xffffffffu,
};
static const uint64_t enable_modes[] = { KCOV_TRACE_PC, KCOV_TRACE_CMP, 2, ~0ull };

static void op_open(struct state *s)
{
	int fd = T(kcov_sim_open)();

	check_ret("open", fd, ok_open, false);
	if (fd >= 0 && fd_slot_put(s, fd))
		T(kcov_sim_close)(fd);
}

static void op_close(struct state *s, uint8_t b)
{
	int fd = fd_at(s, b);
	unsigned int i;

	if (fd == null_fd)
		return;	/* the harness's own */
	check_ret("close", T(kcov_sim_close)(fd), ok_close, false);
	for (i = 0; i < NR_FDS; i++)
		if (s->fds[i] == fd)
			s->fds[i] = -1;
}

static void op_dup(struct state *s, uint8_t b, uint8_t to)
{
	int fd = fd_at(s, b), nfd;

	if (to & 0x80) {
		nfd = T(dup)(fd);
		check_ret("dup", nfd, ok_dup, false);
	} else {
		nfd = T(dup2)(fd, DUP2_BASE + to % NR_FDS);
		check_ret("dup2", nfd, ok_dup, false);
	}
	if (nfd >= 0 && fd_slot_put(s, nfd) && nfd != fd)
		T(kcov_sim_close)(nfd);
}

static void op_init(struct state *s)
{
	int fd = fd_at(s, u8(&s->in));
	uint64_t size = PICK(&s->in, init_sizes);

	check_ret("KCOV_INIT_TRACE",
		  T(kcov_sim_ioctl)(fd, KCOV_INIT_TRACE, size), ok_ioctl, false);
}

static void op_enable(struct state *s)
{
	int fd = fd_at(s, u8(&s->in));
	uint64_t mode = PICK(&s->in, enable_modes);

	check_ret("KCOV_ENABLE", T(kcov_sim_ioctl)(fd, KCOV_ENABLE, mode),
		  ok_ioctl, true);
}

static void op_disable(struct state *s)
{
	int fd = fd_at(s, u8(&s->in));
	uint64_t arg = u8(&s->in) < 0xf0 ? 0 : u64(&s->in);

	check_ret("KCOV_DISABLE", T(kcov_sim_ioctl)(fd, KCOV_DISABLE, arg),
		  ok_ioctl, false);
}

/* A remote handle of subsystem @sub (table), instance from the input. */
static uint64_t handle(struct in *in)
{
	static const uint64_t subs[] = { KCOV_SUBSYSTEM_USB, KCOV_SUBSYSTEM_COMMON,
					 2ull << 56, 0xffull << 56 };
	uint8_t b = u8(in);

	if (b >= 0xf0)
		return u64(in);
	if (b >= 0xe0)
		return subs[b & 3] | u32(in);
	return subs[b & 3] | (b >> 2);
}

static void op_remote_enable(struct state *s)
{
	int fd = fd_at(s, u8(&s->in));
	uint8_t shape = u8(&s->in);
	unsigned int k = shape % 5, i;	/* handles written */
	uint32_t n = k;			/* handles declared */
	struct kcov_remote_arg *arg;
	unsigned long where;

	arg = (struct kcov_remote_arg *)(arg_page + PAGE - sizeof(*arg) -
					 k * sizeof(uint64_t));
	arg->trace_mode = (uint32_t)PICK(&s->in, enable_modes);
	arg->area_size = (uint32_t)PICK(&s->in, area_sizes);
	for (i = 0; i < k; i++) {
		/* shape bit 3: duplicates, else fresh handles */
		arg->handles[i] = i && (shape & 8) ? arg->handles[i - 1]
						   : handle(&s->in);
		s->last_handles[i] = arg->handles[i];
	}
	arg->common_handle = shape & 0x10 ? handle(&s->in) : 0;
	if (shape & 0x20)	/* more declared than written: runs into the guard */
		n = shape & 0x40 ? KCOV_REMOTE_MAX_HANDLES + 1 : k + 1 + (shape >> 7);
	arg->num_handles = n;
	where = (unsigned long)arg;
	if ((shape & 0xe0) == 0xe0)
		where = u8(&s->in) & 1 ? 0 : (unsigned long)(arg_page + PAGE);
	check_ret("KCOV_REMOTE_ENABLE",
		  T(kcov_sim_ioctl)(fd, KCOV_REMOTE_ENABLE, where), ok_ioctl, true);
}

static void op_unknown_ioctl(struct state *s)
{
	static const uint64_t cmds[] = {
		_IOW('c', 1, unsigned long), _IO('c', 1), _IOR('c', 1, int),
		KCOV_ENABLE | 0x100000000ull, KCOV_INIT_TRACE | 1ull << 32,
		_IO('c', 102), _IOR('c', 102, struct kcov_remote_arg), _IO('c', 103),
		0, ~0ull,
	};
	int fd = fd_at(s, u8(&s->in));
	uint64_t cmd = PICK(&s->in, cmds);

	check_ret("ioctl", T(kcov_sim_ioctl)(fd, cmd, u8(&s->in)), ok_ioctl, true);
}

static void op_mmap(struct state *s)
{
	static const uint64_t offs[] = { 0, PAGE, -PAGE, 1, 1ull << 40 };
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_EXEC, 0x10 | PROT_READ,
	};
	static const int flagses[] = {
		MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE,
		MAP_SHARED | MAP_NORESERVE, MAP_SHARED | MAP_POPULATE,
		MAP_SHARED_VALIDATE | MAP_SYNC, MAP_SHARED | MAP_PRIVATE,
		MAP_SHARED | MAP_ANONYMOUS, MAP_SHARED | MAP_FIXED_NOREPLACE,
		MAP_SHARED | MAP_LOCKED,
	};
	int fd = fd_at(s, u8(&s->in));
	uint8_t lb = u8(&s->in), b = u8(&s->in);
	struct kcov_sim_dev_info di;
	size_t buf = 0, len;
	int prot = prots[b % 7], flags = flagses[(b >> 3) % 10];
	unsigned int slot;
	off_t off;
	uint8_t *p, *addr = NULL;

	if (fd >= 0 && !dev_info(fd, &di))
		buf = (di.size * 8 + PAGE - 1) & ~(PAGE - 1);
	switch (lb & 7) {
	case 0: case 1: case 2: len = buf; break;
	case 3: len = buf + PAGE; break;
	case 4: len = buf ? buf - PAGE : 0; break;
	case 5: len = buf ? buf - 1 : 1; break;
	case 6: len = 0; break;
	default: len = u32(&s->in); break;
	}
	off = (off_t)offs[(lb >> 3) % 5];
	for (slot = 0; slot < NR_MAPS; slot++)
		if (!s->maps[slot].addr)
			break;
	if (slot == NR_MAPS)
		return;
	/*
	 * MAP_FIXED only into this mapping's own slot of the reserve
	 * (MAP_FIXED_NOREPLACE there: EEXIST). Never without an address:
	 * as root that maps page 0, and NULL is "no mapping" below.
	 */
	if ((lb & 0x40) && len && len <= RESERVE_SLOT) {
		addr = reserve + slot * RESERVE_SLOT;
		flags |= (lb & 0x80) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else {
		flags &= ~MAP_FIXED_NOREPLACE;
	}
	p = T(kcov_sim_mmap)(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		check_ret("mmap", -1, ok_mmap, false);
		return;
	}
	/* MAP_ANONYMOUS ignores the fd, on Linux too: any length. */
	if (!len || (buf && !(flags & MAP_ANONYMOUS) &&
		     ((len + PAGE - 1) & ~(PAGE - 1)) > buf))
		fail("mmap longer than the buffer", (long)len, (long)buf);
	if (addr && p != addr)
		fail("MAP_FIXED elsewhere", (long)p, (long)addr);
	s->maps[slot] = (struct map){ p, (len + PAGE - 1) & ~(PAGE - 1), addr != NULL };
}

static void op_munmap(struct state *s, uint8_t b)
{
	struct map *m = &s->maps[b % NR_MAPS];
	uint8_t *a;
	size_t l;
	int ret;

	if (!m->addr)
		return;
	switch ((b >> 3) & 3) {
	case 0:		/* all of it */
		a = m->addr;
		l = m->len;
		break;
	case 1:		/* the first page */
		a = m->addr;
		l = PAGE;
		break;
	case 2:		/* the last page */
		a = m->addr + m->len - PAGE;
		l = PAGE;
		break;
	default:	/* EINVAL: unmaps nothing */
		ret = T(kcov_sim_munmap)(m->addr + (b >> 7), b >> 7 ? PAGE : 0);
		if (ret == 0)
			fail("bad munmap succeeded", (long)m->addr, b);
		check_ret("munmap", ret, ok_munmap, false);
		return;
	}
	ret = T(kcov_sim_munmap)(a, l);
	check_ret("munmap", ret, ok_munmap, false);
	if (ret)
		return;
	if (m->fixed)
		refill(a, l);
	if (l == m->len)
		m->addr = NULL;
	else if (a == m->addr)
		m->addr += l, m->len -= l;
	else
		m->len -= l;
}

/* The user resets or scribbles the count (through the library's view). */
static void op_write_count(struct state *s)
{
	static const uint64_t counts[] = { 0, 1, 2, ~0ull, 1ull << 61, 0x4000000000000000ull };
	int fd = fd_at(s, u8(&s->in));
	struct kcov_sim_dev_info di;
	uint64_t v = PICK(&s->in, counts);

	if (fd < 0 || dev_info(fd, &di) || !di.area)
		return;
	if (v == 2)
		v = di.size - 1;	/* exactly full */
	__atomic_store_n(&di.area[0], v, __ATOMIC_RELAXED);
	poison(s, di.id, v >= di.size);
}

/* Instrumented-code stand-ins: the target's hooks, from this site. */
static void hooks(struct in *in, unsigned int n)
{
	uint64_t cases[2 + 6] = { 6, 64, 1, 2, 3, 0x1000, ~0ull, 7 };
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t k = u8(in);

		switch (k & 15) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			T(cov_trace_pc)();
			break;
		case 6: T(cov_trace_cmp1)(k, 1); break;
		case 7: T(cov_trace_cmp2)(k, 2); break;
		case 8: T(cov_trace_cmp4)(k, 4); break;
		case 9: T(cov_trace_cmp8)(k, 8); break;
		case 10: T(cov_trace_const_cmp1)(1, k); break;
		case 11: T(cov_trace_const_cmp2)(2, k); break;
		case 12: T(cov_trace_const_cmp4)(4, k); break;
		case 13: T(cov_trace_const_cmp8)(8, k); break;
		default:
			cases[1] = (uint64_t)8 << (k >> 6);
			T(cov_trace_switch)(k, cases);
			break;
		}
	}
}

static void op_hooks(struct state *s)
{
	hooks(&s->in, 1 + u8(&s->in) % 32);
}

static void op_context(uint8_t b)
{
	switch (b % 10) {
	case 0: T(kcov_sim_softirq_enter)(); break;
	case 1: T(kcov_sim_softirq_exit)(); break;
	case 2: T(kcov_sim_hardirq_enter)(); break;
	case 3: T(kcov_sim_hardirq_exit)(); break;
	case 4: T(kcov_sim_nmi_enter)(); break;
	case 5: T(kcov_sim_nmi_exit)(); break;
	case 6: T(kcov_sim_bh_disable)(); break;
	case 7: T(kcov_sim_bh_enable)(); break;
	case 8: T(kcov_sim_ctxsw_begin)(); break;
	default: T(kcov_sim_ctxsw_end)(); break;
	}
}

/* A remote section of the target: in the task, or on a worker thread. */
struct section {
	uint8_t		kind;
	uint64_t	handle;
	struct in	*in;
	unsigned int	n;
};

static void section_run(struct section *sc)
{
	switch (sc->kind % 5) {
	case 0:
		T(kcov_remote_start)(sc->handle);
		hooks(sc->in, sc->n);
		T(kcov_remote_stop)();
		break;
	case 1:
		T(kcov_remote_start_common)(sc->handle & KCOV_INSTANCE_MASK);
		hooks(sc->in, sc->n);
		T(kcov_remote_stop)();
		break;
	case 2:
		T(kcov_remote_start_usb)(sc->handle & KCOV_INSTANCE_MASK);
		hooks(sc->in, sc->n);
		T(kcov_remote_stop)();
		break;
	case 3:		/* a USB completion in softirq context */
		T(kcov_sim_softirq_enter)();
		T(kcov_remote_start_usb_softirq)(sc->handle & KCOV_INSTANCE_MASK);
		hooks(sc->in, sc->n);
		T(kcov_remote_stop_softirq)();
		T(kcov_sim_softirq_exit)();
		break;
	default:	/* started, never stopped: the thread exits inside */
		T(kcov_remote_start)(sc->handle);
		hooks(sc->in, sc->n);
		break;
	}
}

static void *section_worker(void *arg)
{
	if (!blind)
		kcov_remote_start_common(kcov_common_handle());
	section_run(arg);
	if (!blind)
		kcov_remote_stop();
	return NULL;
}

static void op_section(struct state *s)
{
	uint8_t b = u8(&s->in);
	struct section sc = { .kind = b, .in = &s->in, .n = u8(&s->in) % 16 };
	pthread_t t;

	switch ((b >> 3) & 3) {
	case 0: sc.handle = T(kcov_common_handle)(); break;
	case 1: sc.handle = s->last_handles[(b >> 5) & 3]; break;
	default: sc.handle = handle(&s->in); break;
	}
	/* In the task itself: only the well-nested kinds (a section that
	 * never stops would outlive the ones after it). */
	if ((b & 0x80) && sc.kind % 5 != 4) {
		section_run(&sc);
		return;
	}
	if (pthread_create(&t, NULL, section_worker, &sc) == 0)
		pthread_join(t, NULL);
}

static void op_fault(struct state *s)
{
	uint8_t kinds = u8(&s->in), nth = u8(&s->in);

	T(kcov_sim_fault_set)((kinds & 0x1f) | (kinds & 0x80 ? KCOV_SIM_FAULT_EVERY : 0),
			      1 + nth % 8);
}

static void op_query(struct state *s, uint8_t b)
{
	struct kcov_sim_pool_stats ps = { .sz = sizeof(ps) };
	struct kcov_sim_task_info ti = { .sz = sizeof(ti) };
	struct kcov_sim_dev_info di;

	if (b & 1)
		T(kcov_sim_pool_stats)(&ps);
	else
		T(kcov_sim_task_info)(&ti);
	dev_info(fd_at(s, b >> 1), &di);
}

static void step(struct state *s)
{
	uint8_t op = u8(&s->in);

	switch (op % 18) {
	case 0: op_open(s); break;
	case 1: op_close(s, u8(&s->in)); break;
	case 2: op_dup(s, u8(&s->in), u8(&s->in)); break;
	case 3: op_init(s); break;
	case 4: op_enable(s); break;
	case 5: op_disable(s); break;
	case 6: op_remote_enable(s); break;
	case 7: op_unknown_ioctl(s); break;
	case 8: op_mmap(s); break;
	case 9: op_munmap(s, u8(&s->in)); break;
	case 10: op_write_count(s); break;
	case 11: case 12: op_hooks(s); break;
	case 13: op_context(u8(&s->in)); break;
	case 14: case 15: op_section(s); break;
	case 16: op_fault(s); break;
	default: op_query(s, u8(&s->in)); break;
	}
}

/* Everything of the input goes, except what the thread's exit ends. */
static void cleanup(struct state *s)
{
	unsigned int i;

	T(kcov_sim_fault_set)(0, 0);
	for (i = 0; i < NR_MAPS; i++) {
		struct map *m = &s->maps[i];

		if (!m->addr)
			continue;
		if (T(kcov_sim_munmap)(m->addr, m->len))
			fail("cleanup munmap", (long)m->addr, errno);
		if (m->fixed)
			refill(m->addr, m->len);
	}
	for (i = 0; i < NR_FDS; i++)
		if (s->fds[i] >= 0 && T(kcov_sim_close)(s->fds[i]))
			fail("cleanup close", s->fds[i], errno);
}

static void *task(void *arg)
{
	struct state *s = arg;
	unsigned int n;

	if (!blind)
		kcov_remote_start_common(kcov_common_handle());
	for (n = 0; n < MAX_OPS && s->in.left; n++) {
		step(s);
		check_devices(s);
	}
	cleanup(s);
	if (!blind)
		kcov_remote_stop();
	return NULL;	/* exit: kcov_task_exit() of the target's task */
}

/* ---- the engine's entry points ------------------------------------------- */

static const char *const profiles[] = { "P-2025", "linux-6.1", "linux-6.12", "P-2026" };

int selffuzz_setup(void)
{
	static bool done;

	if (done)
		return 0;
	done = true;
	blind = getenv("SELFFUZZ_BLIND") && *getenv("SELFFUZZ_BLIND") == '1';
	reserve = mmap(NULL, NR_MAPS * RESERVE_SLOT, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	arg_page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (null_fd < 0 || reserve == MAP_FAILED || arg_page == MAP_FAILED ||
	    mprotect(arg_page + PAGE, PAGE, PROT_NONE))
		return -1;
	T(kcov_sim_set_warn_handler)(warn_handler, NULL);
	T(kcov_sim_set_alloc_limit)(ALLOC_LIMIT);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (selffuzz_setup())
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kcov_sim_pool_stats ps = { .sz = sizeof(ps) };
	struct state s = { .in = { data, size } };
	uint8_t cfg = u8(&s.in);
	unsigned int i;
	pthread_t t;

	if (selffuzz_setup())
		abort();
	for (i = 0; i < NR_FDS; i++)
		s.fds[i] = -1;
#ifdef KSIM_SELF_PLANT
	T(selfplant_reset)();
#endif
	/* The simulated kernel of this input: no device exists now. */
	if (T(kcov_sim_set_profile)(profiles[cfg & 3]) ||
	    T(kcov_sim_set_nr_cpus)(1 + ((cfg >> 2) & 3)))
		fail("a device outlived its input", T(kcov_sim_device_count)(), 0);
	T(kcov_sim_set_cmp_support)((cfg & 0x70) != 0x70);
	if (pthread_create(&t, NULL, task, &s))
		return 0;
	pthread_join(t, NULL);
	if (T(kcov_sim_device_count)() != 0)
		fail("devices left after the input", T(kcov_sim_device_count)(), 0);
	if (T(kcov_sim_pool_stats)(&ps) || ps.handles || ps.sections)
		fail("handles or sections left after the input",
		     (long)ps.handles, (long)ps.sections);
	return 0;
}
