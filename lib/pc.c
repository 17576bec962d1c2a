/* SPDX-License-Identifier: MIT */
/*
 * pc.c - PC canonicalisation modes (DESIGN 9, sim.h). Raw return addresses
 * are the default and handled inline in the hooks; the module-relative and
 * kernel-range modes land in ksim_pc_xlate().
 *
 * The module table is an immutable, sorted array of executable segments
 * built from dl_iterate_phdr() and published with one release store; the
 * hooks search it without a lock or an allocation. A PC that falls outside
 * every segment (a library dlopen'ed since, or JIT code) takes the cold
 * path: rebuild if the loader's add/remove counters moved, else give up
 * (module mode keeps the raw value, kernel mode maps it to the "unknown"
 * region). Replaced tables and module descriptors are never freed: a hook
 * on another thread may still be reading them, and there are few.
 */
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pc_encode.h"

#define KSLOT_NONE	(-1)	/* no kernel-range slot asked for yet */
#define KSLOT_FULL	(-2)	/* asked for, none free */

struct ksim_module {
	const char	*path;		/* file; "" if none */
	uintptr_t	base;		/* load bias: run-time = base + offset */
	uint64_t	span;		/* end offset of the last executable segment */
	uint32_t	id;		/* high word of a module-mode value */
	int		kslot;		/* first kernel slot or KSLOT_*; slot_lock */
	unsigned int	nslots;
	bool		present;	/* in the newest table; under table_lock */
	unsigned int	build_id_len;
	unsigned char	build_id[KSIM_BUILD_ID_MAX];
};

struct pc_range {
	uintptr_t		lo, hi;	/* [lo, hi]: hi may be a return address */
	struct ksim_module	*mod;
};

struct pc_table {
	unsigned long long	adds, subs;	/* loader counters it reflects */
	struct pc_table		*older;		/* kept for readers, never freed */
	size_t			nr;
	struct pc_range		r[];
};

/* Writers hold table_lock; readers load @table with acquire. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pc_table *table;
static struct ksim_module **modules;	/* every module seen; table_lock */
static size_t nr_modules, max_modules;	/* table_lock */
/* Kernel-range slots: owner per slot, published with release. */
static struct ksim_module *slot_owner[KCOV_SIM_PC_KERNEL_SLOTS];
/* The thread rebuilding, so that a hook it runs does not recurse. */
static __thread bool in_refresh __attribute__((tls_model("initial-exec")));

int ksim_pc_mode KSIM_HIDDEN;		/* enum kcov_sim_pc_mode | KSIM_PC_RECORD */
uintptr_t ksim_pc_bias KSIM_HIDDEN;	/* raw mode: the "KASLR offset" */

/* ---- lookup (hot, lock-free) ------------------------------------------- */

static __always_inline notrace struct ksim_module *
table_find(const struct pc_table *t, uintptr_t ip)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ip < t->r[mid].lo)
			hi = mid;
		else if (ip > t->r[mid].hi)
			lo = mid + 1;
		else
			return t->r[mid].mod;
	}
	return NULL;
}

static notrace struct ksim_module *find_module(uintptr_t ip)
{
	const struct pc_table *t = smp_load_acquire(&table);

	return t ? table_find(t, ip) : NULL;
}

/* ---- the module table (cold) ------------------------------------------- */

/* The GNU build-id note of a loaded object, if it has one. */
static notrace unsigned int note_build_id(const struct dl_phdr_info *info,
					  const ElfW(Phdr) *ph, unsigned char *out)
{
	const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
	const unsigned char *end = p + ph->p_memsz;
	size_t align = ph->p_align == 8 ? 8 : 4;

	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
		size_t name = (n->n_namesz + align - 1) & ~(align - 1);
		size_t desc = (n->n_descsz + align - 1) & ~(align - 1);
		const unsigned char *d = p + sizeof(*n) + name;

		if (d + n->n_descsz > end)
			break;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    !memcmp(p + sizeof(*n), "GNU", 4) &&
		    n->n_descsz && n->n_descsz <= KSIM_BUILD_ID_MAX) {
			memcpy(out, d, n->n_descsz);
			return n->n_descsz;
		}
		p = d + desc;
	}
	return 0;
}

static notrace const char *object_path(const struct dl_phdr_info *info)
{
	char buf[4096];
	ssize_t n;

	if (info->dlpi_name && info->dlpi_name[0])
		return ksim_strdup(info->dlpi_name);
	/* The main program has no name in the list. */
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return ksim_strdup("");
	buf[n] = '\0';
	return ksim_strdup(buf);
}

/* Caller holds table_lock. The descriptor of this object, old or new. */
static notrace struct ksim_module *module_get(const struct dl_phdr_info *info)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	struct ksim_module *m;
	size_t i;

	for (i = 0; i < nr_modules; i++) {
		m = modules[i];
		if (m->base == info->dlpi_addr && (!name[0] || !strcmp(m->path, name)))
			return m;
	}
	if (nr_modules == max_modules) {
		size_t n = max_modules ? 2 * max_modules : 16;
		struct ksim_module **mv = ksim_realloc(modules, n * sizeof(*mv));

		if (!mv)
			return NULL;
		modules = mv;
		max_modules = n;
	}
	m = ksim_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->path = object_path(info);
	if (!m->path) {
		free(m);
		return NULL;
	}
	m->base = info->dlpi_addr;
	m->kslot = KSLOT_NONE;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    ph->p_vaddr + ph->p_memsz > m->span)
			m->span = ph->p_vaddr + ph->p_memsz;
		if (ph->p_type == PT_NOTE && !m->build_id_len)
			m->build_id_len = note_build_id(info, ph, m->build_id);
	}
	m->id = ksim_module_id(m->build_id, m->build_id_len, m->path);
	m->nslots = (unsigned int)(m->span >> KCOV_SIM_PC_KERNEL_SLOT_SHIFT) + 1;
	modules[nr_modules++] = m;
	return m;
}

struct build {
	struct pc_range	*r;
	size_t		nr, max;
	bool		failed;
};

static notrace int collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build *b = arg;
	struct ksim_module *m = NULL;
	size_t i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz)
			continue;
		if (!m && !(m = module_get(info))) {
			b->failed = true;
			return 1;
		}
		if (b->nr == b->max) {
			size_t n = b->max ? 2 * b->max : 32;
			struct pc_range *r = ksim_realloc(b->r, n * sizeof(*r));

			if (!r) {
				b->failed = true;
				return 1;
			}
			b->r = r;
			b->max = n;
		}
		m->present = true;
		b->r[b->nr].lo = info->dlpi_addr + ph->p_vaddr;
		b->r[b->nr].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		b->r[b->nr].mod = m;
		b->nr++;
	}
	return 0;
}

static notrace int range_cmp(const void *a, const void *b)
{
	const struct pc_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct gen {
	unsigned long long adds, subs;
};

static notrace int read_gen(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct gen *g = arg;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		g->adds = info->dlpi_adds;
		g->subs = info->dlpi_subs;
	}
	return 1;	/* the first object is enough */
}

/* A module that left frees its kernel slots. Caller holds table_lock. */
static notrace void forget_absent(void)
{
	size_t i;
	unsigned int s;

	for (i = 0; i < nr_modules; i++) {
		struct ksim_module *m = modules[i];

		if (m->present || m->kslot < 0)
			continue;
		for (s = 0; s < m->nslots; s++)
			__atomic_store_n(&slot_owner[m->kslot + s], NULL, __ATOMIC_RELEASE);
		WRITE_ONCE(m->kslot, KSLOT_NONE);
	}
}

/*
 * Rebuild the table if the loader's object list changed since the current
 * one (or always with @force). Caller holds table_lock.
 */
static notrace void refresh_locked(bool force)
{
	struct pc_table *old = table, *t;
	struct gen g = { 0, 0 };
	struct build b = { 0 };
	size_t i;

	dl_iterate_phdr(read_gen, &g);
	if (old && !force && old->adds == g.adds && old->subs == g.subs)
		return;
	for (i = 0; i < nr_modules; i++)
		modules[i]->present = false;
	dl_iterate_phdr(collect, &b);
	if (b.failed || !(t = ksim_malloc(sizeof(*t) + b.nr * sizeof(t->r[0])))) {
		free(b.r);
		for (i = 0; i < nr_modules; i++)	/* keep what we had */
			modules[i]->present = true;
		return;
	}
	qsort(b.r, b.nr, sizeof(b.r[0]), range_cmp);
	memcpy(t->r, b.r, b.nr * sizeof(b.r[0]));
	free(b.r);
	t->nr = b.nr;
	t->adds = g.adds;
	t->subs = g.subs;
	t->older = old;
	forget_absent();
	smp_store_release(&table, t);	/* pairs with find_module() */
}

static notrace void refresh(bool force)
{
	pthread_mutex_lock(&table_lock);
	in_refresh = true;
	refresh_locked(force);
	in_refresh = false;
	pthread_mutex_unlock(&table_lock);
}

/* Not in the table: a new object, or no object at all. */
static __cold notrace struct ksim_module *pc_miss(uintptr_t ip)
{
	if (in_refresh)		/* a hook run by the loader on our behalf */
		return NULL;
	refresh(false);
	return find_module(ip);
}

/* First of @m->nslots free consecutive slots from its preferred one. */
static __cold notrace int kslot_assign(struct ksim_module *m)
{
	unsigned int pref = ksim_kernel_slot_pref(m->id), k, s, i;
	int slot;

	if (in_refresh)
		return KSLOT_FULL;
	pthread_mutex_lock(&table_lock);
	slot = m->kslot;
	for (k = 0; slot < 0 && k < KCOV_SIM_PC_KERNEL_SLOTS; k++) {
		s = (pref + k) % KCOV_SIM_PC_KERNEL_SLOTS;
		if (s + m->nslots > KCOV_SIM_PC_KERNEL_SLOTS)
			continue;
		for (i = 0; i < m->nslots && !slot_owner[s + i]; i++)
			;
		if (i < m->nslots)
			continue;
		for (i = 0; i < m->nslots; i++)
			__atomic_store_n(&slot_owner[s + i], m, __ATOMIC_RELEASE);
		slot = (int)s;
	}
	if (slot < 0)
		slot = KSLOT_FULL;
	WRITE_ONCE(m->kslot, slot);
	pthread_mutex_unlock(&table_lock);
	return slot;
}

/* ---- the hooks' entry (hot) -------------------------------------------- */

static __always_inline notrace uint64_t kernel_pc(struct ksim_module *m, uintptr_t ip)
{
	int slot;

	if (unlikely(!m))
		return KCOV_SIM_PC_KERNEL_UNKNOWN | (ip & 0xffffffu);
	slot = READ_ONCE(m->kslot);
	if (unlikely(slot < 0)) {
		if (slot == KSLOT_NONE)
			slot = kslot_assign(m);
		if (slot < 0)
			return KCOV_SIM_PC_KERNEL_UNKNOWN | (ip & 0xffffffu);
	}
	return KCOV_SIM_PC_KERNEL_BASE +
	       ((uint64_t)slot << KCOV_SIM_PC_KERNEL_SLOT_SHIFT) + (ip - m->base);
}

/* Called by the hooks when ksim_pc_mode is not raw. */
notrace uint64_t ksim_pc_xlate(uintptr_t ip)
{
	int mode = READ_ONCE(ksim_pc_mode) & ~KSIM_PC_RECORD;
	struct ksim_module *m;

	if (mode == KCOV_SIM_PC_RAW)	/* recording, or switched under our feet */
		return ip - READ_ONCE(ksim_pc_bias);
	m = find_module(ip);
	if (unlikely(!m))
		m = pc_miss(ip);
	if (mode == KCOV_SIM_PC_KERNEL)
		return kernel_pc(m, ip);
	if (unlikely(!m || m->span > UINT32_MAX))
		return ip;	/* no module, or too large to encode */
	return KCOV_SIM_PC_MODULE_PC(m->id, ip - m->base);
}

/* ---- the harness API ---------------------------------------------------- */

KCOV_SIM_API notrace int kcov_sim_set_pc_mode(enum kcov_sim_pc_mode mode)
{
	if (mode != KCOV_SIM_PC_RAW && mode != KCOV_SIM_PC_MODULE &&
	    mode != KCOV_SIM_PC_KERNEL)
		return -EINVAL;
	/* Warm up once, so the hooks rarely miss; later switches are a store. */
	if (mode != KCOV_SIM_PC_RAW && !smp_load_acquire(&table))
		refresh(false);
	/* Keeps the recording bit (record.c), set once at load. */
	WRITE_ONCE(ksim_pc_mode, (READ_ONCE(ksim_pc_mode) & KSIM_PC_RECORD) | mode);
	return 0;
}

KCOV_SIM_API notrace void kcov_sim_set_pc_bias(uintptr_t bias)
{
	WRITE_ONCE(ksim_pc_bias, bias);
}

KCOV_SIM_API notrace enum kcov_sim_pc_mode kcov_sim_get_pc_mode(void)
{
	return (enum kcov_sim_pc_mode)(READ_ONCE(ksim_pc_mode) & ~KSIM_PC_RECORD);
}

static notrace void loc_fill(struct kcov_sim_pc_loc *loc, const struct ksim_module *m,
			     uint64_t off, enum kcov_sim_pc_mode form)
{
	memset(loc, 0, sizeof(*loc));
	loc->path = m->path;
	loc->offset = off;
	loc->module_pc = KCOV_SIM_PC_MODULE_PC(m->id, off);
	loc->addr = m->base + off;
	loc->module_id = m->id;
	loc->kernel_slot = READ_ONCE(m->kslot) >= 0 ? READ_ONCE(m->kslot) : -1;
	loc->form = form;
	loc->build_id_len = m->build_id_len;
	memcpy(loc->build_id, m->build_id, m->build_id_len);
}

static notrace struct ksim_module *find_id(uint32_t id)
{
	const struct pc_table *t = smp_load_acquire(&table);
	size_t i;

	for (i = 0; t && i < t->nr; i++)
		if (t->r[i].mod->id == id)
			return t->r[i].mod;
	return NULL;
}

static notrace int decode_kernel(uint64_t pc, struct kcov_sim_pc_loc *loc)
{
	unsigned int slot;
	struct ksim_module *m;
	int first;

	if (pc >= KCOV_SIM_PC_KERNEL_END)
		return -EINVAL;
	if (pc >= KCOV_SIM_PC_KERNEL_UNKNOWN)
		return -ENOENT;
	slot = (unsigned int)((pc - KCOV_SIM_PC_KERNEL_BASE) >> KCOV_SIM_PC_KERNEL_SLOT_SHIFT);
	m = __atomic_load_n(&slot_owner[slot], __ATOMIC_ACQUIRE);
	first = m ? READ_ONCE(m->kslot) : -1;
	if (first < 0)
		return -ENOENT;
	loc_fill(loc, m, pc - KCOV_SIM_PC_KERNEL_BASE -
		 ((uint64_t)first << KCOV_SIM_PC_KERNEL_SLOT_SHIFT), KCOV_SIM_PC_KERNEL);
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_pc_decode(uint64_t pc, struct kcov_sim_pc_loc *loc)
{
	struct ksim_module *m;
	uintptr_t addr;

	if (!loc)
		return -EFAULT;
	if (!smp_load_acquire(&table))
		refresh(false);
	if (pc >= KCOV_SIM_PC_KERNEL_BASE)
		return decode_kernel(pc, loc);
	if (pc >> 63) {
		if (KCOV_SIM_PC_MODULE_ID(pc) == UINT32_MAX)
			return -EINVAL;
		m = find_id(KCOV_SIM_PC_MODULE_ID(pc));
		if (!m) {
			refresh(false);
			m = find_id(KCOV_SIM_PC_MODULE_ID(pc));
		}
		if (!m)
			return -ENOENT;
		loc_fill(loc, m, KCOV_SIM_PC_MODULE_OFF(pc), KCOV_SIM_PC_MODULE);
		return 0;
	}
	addr = (uintptr_t)pc + READ_ONCE(ksim_pc_bias);
	m = find_module(addr);
	if (!m) {
		refresh(false);
		m = find_module(addr);
	}
	if (!m)
		return -ENOENT;
	loc_fill(loc, m, addr - m->base, KCOV_SIM_PC_RAW);
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_pc_map_write(int fd)
{
	char line[4096 + 160];
	const struct pc_table *t;
	size_t i, j;
	int ret = 0;

	refresh(false);
	t = smp_load_acquire(&table);
	for (i = 0; t && i < t->nr && !ret; i++) {
		const struct ksim_module *m = t->r[i].mod;
		int n;

		for (j = 0; j < i && t->r[j].mod != m; j++)
			;
		if (j < i)	/* one line per module, not per segment */
			continue;
		n = ksim_map_line(line, sizeof(line), m->id, READ_ONCE(m->kslot),
				  m->build_id, m->build_id_len, m->path);
		ssize_t w = ksim_libc_write(fd, line, (size_t)n);

		if (w != n)
			ret = w < 0 ? (int)w : -EIO;
	}
	return ret;
}

/* ---- setup --------------------------------------------------------------- */

/* Called by fork.c's handlers when other threads may exist. */
notrace void ksim_pc_fork(int when)
{
	ksim_fork_lock(&table_lock, when);
}

__attribute__((constructor)) static notrace void pc_init(void)
{
	const char *env = getenv("KCOV_SIM_PC_MODE");
	static const char *const names[] = { "raw", "module", "kernel" };
	size_t i;

	if (!env || !*env)
		return;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(env, names[i])) {
			kcov_sim_set_pc_mode((enum kcov_sim_pc_mode)i);
			return;
		}
	fprintf(stderr, "kcov-sim: KCOV_SIM_PC_MODE=%s: expected raw, module "
		"or kernel; keeping raw\n", env);
}
