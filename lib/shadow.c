/* SPDX-License-Identifier: MIT */
/*
 * shadow.c - does instrumented code really reach our hooks? (DESIGN 6)
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/*
 * Instrumented code calls the hooks by name, and the linkers, not we,
 * decide which definition a call reaches:
 *  - the executable's calls to a hook the executable defines are bound when
 *    it is linked. A static libkcov-sim wins there over a sanitizer
 *    runtime's weak stubs; but against a shared libkcov-sim the stubs of
 *    Clang's static runtimes win (ASan's, or UBSan-standalone's, which Clang
 *    links when -fsanitize-coverage reaches the link step);
 *  - every other call goes through a PLT/GOT slot that ld.so fills with the
 *    first definition in the global scope: the executable, the preloads,
 *    then the libraries breadth first (GCC puts libasan.so first of all).
 * So we take the definitions instrumented code can reach - the executable's
 * own, and the global one for every object with a dynamic relocation
 * against the hook - and check that each lies in our own object. A linked
 * object holds one definition per global name, so "lies in our object"
 * means "is our hook".
 */
#define HOOK_PREFIX	"__sanitizer_cov_trace_"

#if __ELF_NATIVE_CLASS == 64
#define ELF_R_SYM(info)		ELF64_R_SYM(info)
#define ELF_ST_BIND(info)	ELF64_ST_BIND(info)
#define ELF_ST_TYPE(info)	ELF64_ST_TYPE(info)
#else
#define ELF_R_SYM(info)		ELF32_R_SYM(info)
#define ELF_ST_BIND(info)	ELF32_ST_BIND(info)
#define ELF_ST_TYPE(info)	ELF32_ST_TYPE(info)
#endif

static const char *const hook_names[] = {
	HOOK_PREFIX "pc",
	HOOK_PREFIX "cmp1", HOOK_PREFIX "cmp2", HOOK_PREFIX "cmp4",
	HOOK_PREFIX "cmp8", HOOK_PREFIX "const_cmp1", HOOK_PREFIX "const_cmp2",
	HOOK_PREFIX "const_cmp4", HOOK_PREFIX "const_cmp8",
	HOOK_PREFIX "switch",
};
#define NR_HOOKS	ARRAY_SIZE(hook_names)

/* What a runtime linked into the executable exports, and its name. */
static const char *const runtime_markers[][2] = {
	{ "__asan_init",	"libclang_rt.asan (in the executable)" },
	{ "__hwasan_init",	"libclang_rt.hwasan (in the executable)" },
	{ "__msan_init",	"libclang_rt.msan (in the executable)" },
	{ "__tsan_init",	"libclang_rt.tsan (in the executable)" },
	{ "__ubsan_handle_add_overflow",
		"libclang_rt.ubsan_standalone (in the executable)" },
};
/* libFuzzer exports none of its own names; its .symtab has this one. */
#define LIBFUZZER_MARKER	"LLVMFuzzerRunDriver"
#define LIBFUZZER_NAME		"libclang_rt.fuzzer (in the executable)"

struct hook_set {
	const char	*mode;		/* the ioctl argument, for the message */
	size_t		first, nr;	/* a range of hook_names[] */
	/* Under shadow_lock: */
	unsigned long long adds, subs;	/* loaded objects at the last check */
	bool		checked;
	bool		ours;		/* verdict of the last check */
	bool		reported;	/* one line per process and set */
};

/* Guards the verdicts; never held across a call into the dynamic loader. */
static pthread_mutex_t shadow_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hook_set pc_set = {
	.mode = "KCOV_TRACE_PC", .first = 0, .nr = 1,
};
static struct hook_set cmp_set = {
	.mode = "KCOV_TRACE_CMP", .first = 1, .nr = NR_HOOKS - 1,
};
/* Hooks the executable defines without exporting them, read once. */
static pthread_mutex_t symtab_lock = PTHREAD_MUTEX_INITIALIZER;
static void *exe_symtab_defs[NR_HOOKS];	/* under symtab_lock */
static bool exe_symtab_read;		/* under symtab_lock */
static bool exe_has_libfuzzer;		/* under symtab_lock */

/* A definition that instrumented code reaches and that is not ours. */
struct foreign {
	const char	*hook;
	const char	*from;		/* the calling object, for the message */
	void		*where;
};

static notrace bool is_main_map(const struct link_map *map)
{
	return !map->l_name || !map->l_name[0];
}

/* The link map of the object holding @addr, or NULL. */
static notrace struct link_map *map_of(const void *addr)
{
	struct link_map *map = NULL;
	Dl_info where;

	if (!addr || !dladdr1(addr, &where, (void **)&map, RTLD_DL_LINKMAP))
		return NULL;
	return map;
}

static notrace struct link_map *self_map(void)
{
	return map_of((const void *)self_map);
}

/* ---- dynamic relocations of the loaded objects ---- */

struct scan {
	const struct hook_set	*set;
	const struct link_map	*self;
	uintptr_t		exe_bias;
	bool			exe_refs[NR_HOOKS];	/* exe calls via GOT */
	const char		*dso_refs[NR_HOOKS];	/* first library that does */
};

/* glibc relocates the d_ptr entries of _DYNAMIC, except read-only ones. */
static notrace uintptr_t dyn_addr(const struct dl_phdr_info *info,
				  ElfW(Addr) p)
{
	return p < info->dlpi_addr ? p + info->dlpi_addr : p;
}

static notrace int hook_index(const struct hook_set *set, const char *name)
{
	size_t i;

	if (strncmp(name, HOOK_PREFIX, sizeof(HOOK_PREFIX) - 1))
		return -1;
	for (i = set->first; i < set->first + set->nr; i++)
		if (!strcmp(name, hook_names[i]))
			return (int)i;
	return -1;
}

struct dyn_tables {
	const ElfW(Sym)	*symtab;
	const char	*strtab;
	size_t		strsz;
};

/* Marks the hooks that relocations [@rel, @rel + @size) refer to. */
static notrace void scan_relocs(const struct dyn_tables *t, uintptr_t rel,
				size_t size, size_t ent, bool *refs,
				const struct hook_set *set)
{
	size_t off;

	if (!rel || !ent)
		return;
	for (off = 0; off + ent <= size; off += ent) {
		const ElfW(Rel) *r = (const ElfW(Rel) *)(rel + off);
		size_t idx = ELF_R_SYM(r->r_info);
		const ElfW(Sym) *sym = &t->symtab[idx];
		int h;

		/* Only references: a runtime's relocations against its own
		 * stubs are no calls into ours. */
		if (!idx || sym->st_shndx != SHN_UNDEF || sym->st_name >= t->strsz)
			continue;
		h = hook_index(set, t->strtab + sym->st_name);
		if (h >= 0)
			refs[h] = true;
	}
}

/* Which hooks of @set the object @info calls through its GOT. */
static notrace void object_refs(const struct dl_phdr_info *info,
				const struct hook_set *set, bool *refs)
{
	uintptr_t rela = 0, rel = 0, jmprel = 0;
	size_t relasz = 0, relaent = sizeof(ElfW(Rela)), relsz = 0;
	size_t relent = sizeof(ElfW(Rel)), pltrelsz = 0;
	const ElfW(Dyn) *d = NULL;
	struct dyn_tables t = { 0 };
	long pltrel = DT_RELA;
	ElfW(Half) i;

	for (i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			d = (const ElfW(Dyn) *)(info->dlpi_addr +
						info->dlpi_phdr[i].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			t.symtab = (const void *)dyn_addr(info, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			t.strtab = (const void *)dyn_addr(info, d->d_un.d_ptr);
			break;
		case DT_STRSZ:	 t.strsz = d->d_un.d_val; break;
		case DT_RELA:	 rela = dyn_addr(info, d->d_un.d_ptr); break;
		case DT_RELASZ:	 relasz = d->d_un.d_val; break;
		case DT_RELAENT: relaent = d->d_un.d_val; break;
		case DT_REL:	 rel = dyn_addr(info, d->d_un.d_ptr); break;
		case DT_RELSZ:	 relsz = d->d_un.d_val; break;
		case DT_RELENT:	 relent = d->d_un.d_val; break;
		case DT_JMPREL:	 jmprel = dyn_addr(info, d->d_un.d_ptr); break;
		case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
		case DT_PLTREL:	 pltrel = (long)d->d_un.d_val; break;
		}
	}
	if (!t.symtab || !t.strtab)
		return;
	scan_relocs(&t, rela, relasz, relaent, refs, set);
	scan_relocs(&t, rel, relsz, relent, refs, set);
	scan_relocs(&t, jmprel, pltrelsz,
		    pltrel == DT_RELA ? relaent : relent, refs, set);
}

static notrace int scan_object(struct dl_phdr_info *info, size_t size,
			       void *arg)
{
	struct scan *sc = arg;
	bool refs[NR_HOOKS] = { false };
	bool exe = !info->dlpi_name || !info->dlpi_name[0];
	size_t i;

	(void)size;
	if (exe)
		sc->exe_bias = info->dlpi_addr;
	/* Our own object calls no hook (DESIGN 5). */
	if (info->dlpi_addr == sc->self->l_addr &&
	    !strcmp(info->dlpi_name ? info->dlpi_name : "",
		    sc->self->l_name ? sc->self->l_name : ""))
		return 0;
	object_refs(info, sc->set, refs);
	for (i = 0; i < NR_HOOKS; i++) {
		if (!refs[i])
			continue;
		if (exe)
			sc->exe_refs[i] = true;
		else if (!sc->dso_refs[i])
			sc->dso_refs[i] = info->dlpi_name;
	}
	return 0;
}

/* ---- what the executable defines ---- */

#define SYMTAB_MAX	(256ul << 20)	/* bytes of .symtab or .strtab */

/*
 * Reads the executable's .symtab (none: a stripped executable). Caller
 * holds symtab_lock; nothing in here enters the dynamic loader.
 */
static notrace void read_exe_symtab(uintptr_t bias)
{
	ElfW(Shdr) *sh = NULL;
	ElfW(Sym) *syms = NULL;
	char *strs = NULL;
	ElfW(Ehdr) eh;
	size_t i, n;
	int fd;

	/* libc's calls, not our interposers. */
	fd = ksim_libc_open("/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (ksim_libc_pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_shentsize != sizeof(*sh) || !eh.e_shnum)
		goto out;
	n = eh.e_shnum;
	sh = ksim_calloc(n, sizeof(*sh));
	if (!sh || ksim_libc_pread(fd, sh, n * sizeof(*sh), (off_t)eh.e_shoff) !=
		   (ssize_t)(n * sizeof(*sh)))
		goto out;
	for (i = 0; i < n; i++)
		if (sh[i].sh_type == SHT_SYMTAB && sh[i].sh_link < n &&
		    sh[i].sh_entsize == sizeof(*syms))
			break;
	/* Sizes from the file: an empty or absurd table is no table. */
	if (i == n || !sh[sh[i].sh_link].sh_size ||
	    sh[i].sh_size > SYMTAB_MAX || sh[sh[i].sh_link].sh_size > SYMTAB_MAX)
		goto out;
	syms = ksim_malloc(sh[i].sh_size);
	strs = ksim_malloc(sh[sh[i].sh_link].sh_size);
	if (!syms || !strs ||
	    ksim_libc_pread(fd, syms, sh[i].sh_size, (off_t)sh[i].sh_offset) !=
		    (ssize_t)sh[i].sh_size ||
	    ksim_libc_pread(fd, strs, sh[sh[i].sh_link].sh_size,
		  (off_t)sh[sh[i].sh_link].sh_offset) !=
		    (ssize_t)sh[sh[i].sh_link].sh_size)
		goto out;
	strs[sh[sh[i].sh_link].sh_size - 1] = '\0';
	for (n = 0; n < sh[i].sh_size / sizeof(*syms); n++) {
		const ElfW(Sym) *s = &syms[n];
		size_t h;

		/*
		 * Local ones too: the link turns a hidden definition, which
		 * every file of the executable calls, into a local symbol.
		 * A global one wins over a file's static namesake.
		 */
		if (s->st_shndx == SHN_UNDEF || !s->st_value ||
		    ELF_ST_TYPE(s->st_info) != STT_FUNC ||
		    s->st_name >= sh[sh[i].sh_link].sh_size)
			continue;
		if (!strcmp(strs + s->st_name, LIBFUZZER_MARKER))
			exe_has_libfuzzer = true;
		for (h = 0; h < NR_HOOKS; h++)
			if (!strcmp(strs + s->st_name, hook_names[h]) &&
			    (!exe_symtab_defs[h] ||
			     ELF_ST_BIND(s->st_info) != STB_LOCAL))
				exe_symtab_defs[h] = (void *)(bias + s->st_value);
	}
out:
	free(strs);
	free(syms);
	free(sh);
	ksim_libc_close(fd);
}

/*
 * The executable's own definition of hook @h: exported, or only in its
 * .symtab.
 */
static notrace void *exe_definition(size_t h, uintptr_t bias)
{
	void *p = dlsym(RTLD_DEFAULT, hook_names[h]);
	struct link_map *map = map_of(p);

	if (map && is_main_map(map))
		return p;
	pthread_mutex_lock(&symtab_lock);
	if (!exe_symtab_read) {
		read_exe_symtab(bias);
		exe_symtab_read = true;
	}
	p = exe_symtab_defs[h];
	pthread_mutex_unlock(&symtab_lock);
	return p;
}

/* Fills @f if @where is a definition of hook @h and not ours. */
static notrace bool foreign_at(const struct scan *sc, size_t h,
			       const char *from, void *where,
			       struct foreign *f)
{
	if (!where || map_of(where) == sc->self)
		return false;
	*f = (struct foreign){ hook_names[h], from, where };
	return true;
}

enum evidence {
	CALLED_NOW,	/* a loaded object calls the hook */
	DEFINED_NOW,	/* the executable defines it: its own calls bind there */
	CALLED_LATER,	/* a library loaded later would call it */
};

/*
 * Whether hook @h reaches a foreign definition, judged on @ev only (the
 * most telling first, so the message names a call that exists).
 */
static notrace bool hook_foreign(const struct scan *sc, size_t h,
				 enum evidence ev, struct foreign *f)
{
	bool self_is_exe = is_main_map(sc->self);
	bool called = sc->exe_refs[h] || sc->dso_refs[h];
	const char *from = sc->exe_refs[h] ? "the executable" : sc->dso_refs[h];
	void *exe_def = NULL;

	/*
	 * The executable's own calls bind to its own definition: ours when
	 * we are linked into it, so there is nothing to check there then.
	 */
	if (!self_is_exe && !sc->exe_refs[h])
		exe_def = exe_definition(h, sc->exe_bias);
	if (exe_def) {
		/* A library's GOT slot resolves there too (global scope). */
		if (ev != (called ? CALLED_NOW : DEFINED_NOW))
			return false;
		return foreign_at(sc, h, from ? from : "the executable",
				  exe_def, f);
	}
	if (ev == DEFINED_NOW || (ev == CALLED_NOW) != called)
		return false;
	if (ev == CALLED_LATER) {
		if (self_is_exe)
			return false;	/* nobody binds dynamically */
		from = "libraries loaded later";
	}
	/*
	 * Through the GOT: the global scope, as ld.so fills it. No symbol
	 * there means a dlopen()ed object's own scope, which holds us.
	 */
	return foreign_at(sc, h, from, dlsym(RTLD_DEFAULT, hook_names[h]), f);
}

/*
 * Finds a definition of a hook of @set that instrumented code would reach
 * and that is not ours.
 */
static notrace bool find_foreign(const struct hook_set *set,
				 struct foreign *f)
{
	struct scan sc = { .set = set, .self = self_map() };
	enum evidence ev;
	size_t h;

	if (!sc.self)
		return false;	/* cannot tell: trust the link */
	dl_iterate_phdr(scan_object, &sc);
	for (ev = CALLED_NOW; ev <= CALLED_LATER; ev++)
		for (h = set->first; h < set->first + set->nr; h++)
			if (hook_foreign(&sc, h, ev, f))
				return true;
	return false;
}

/* ---- the verdict and the one line ---- */

static notrace const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Is the exported definition at @where a strong (global) one? */
static notrace bool strong_definition(void *where)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (!dladdr1(where, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym ||
	    info.dli_saddr != where)
		return false;
	return ELF_ST_BIND(sym->st_info) == STB_GLOBAL;
}

/* Whether libFuzzer's runtime is linked into the executable. */
static notrace bool exe_libfuzzer(uintptr_t bias)
{
	bool has;

	pthread_mutex_lock(&symtab_lock);
	if (!exe_symtab_read) {
		read_exe_symtab(bias);
		exe_symtab_read = true;
	}
	has = exe_has_libfuzzer;
	pthread_mutex_unlock(&symtab_lock);
	return has;
}

/* Names the object holding @where, for a human. */
static notrace const char *runtime_name(void *where)
{
	struct link_map *map = map_of(where);
	size_t i;

	if (!map)
		return "an unknown object";
	if (!is_main_map(map))
		return base_name(map->l_name);
	/*
	 * -fsanitize=fuzzer links libFuzzer's runtime and UBSan's: libFuzzer
	 * defines the hooks (strong), the sanitizer runtimes only weak stubs,
	 * so a strong definition beside libFuzzer is libFuzzer's.
	 */
	if (strong_definition(where) && exe_libfuzzer(map->l_addr))
		return LIBFUZZER_NAME;
	for (i = 0; i < ARRAY_SIZE(runtime_markers); i++) {
		struct link_map *m = map_of(dlsym(RTLD_DEFAULT,
						  runtime_markers[i][0]));

		if (m && is_main_map(m))
			return runtime_markers[i][1];
	}
	return "a definition in the executable itself";
}

static notrace const char *runtime_fix(const char *who)
{
	if (strstr(who, "ubsan_standalone"))
		return "pass -fsanitize-coverage only when compiling, never "
		       "when linking (Clang then links this runtime), and link "
		       "libkcov-sim statically into -fsanitize=undefined "
		       "builds (kcov_sim_instrument() in CMake does both)";
	if (strstr(who, "libkcov-sim"))
		return "link one copy of libkcov-sim only, shared or static";
	if (strstr(who, "fuzzer"))
		return "libFuzzer's runtime defines the hooks itself: link a "
		       "copy with them renamed (CMake: kcov_sim_add_fuzzer(... "
		       "ENGINE libfuzzer); otherwise kcov-sim-fuzz-runtime)";
	if (strstr(who, "itself"))
		return "remove that definition from the executable";
	return "link libkcov-sim statically into sanitizer builds (CMake: "
	       "kcov_sim_instrument() or kcov-sim::static; pkg-config: "
	       "kcov-sim-static)";
}

static notrace void shadow_report(const struct hook_set *set,
				  const struct foreign *f)
{
	const char *who = runtime_name(f->where);

	fprintf(stderr,
		"kcov-sim: %s %s: %s called from %s resolves to %s, not to "
		"libkcov-sim; fix: %s\n", set->mode,
		set == &cmp_set ? "unsupported (errno 524)"
				: "coverage would be lost",
		f->hook, base_name(f->from), who, runtime_fix(who));
}

struct dl_counts {
	unsigned long long adds, subs;
	bool known;
};

/* ld.so's counts of objects loaded and unloaded: a cheap change check. */
static notrace int dl_counts(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dl_counts *c = arg;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) +
		    sizeof(info->dlpi_subs)) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
		c->known = true;
	}
	return 1;	/* the first object is enough */
}

/*
 * Whether instrumented code reaches our hooks of @set; if not, one line on
 * stderr, once per process. Checked again when objects come or go.
 */
static notrace bool hooks_ours(struct hook_set *set, bool may_report)
{
	struct dl_counts now = { 0, 0, false };
	bool ours, report = false;
	struct foreign f;

	dl_iterate_phdr(dl_counts, &now);
	pthread_mutex_lock(&shadow_lock);
	if (set->checked && now.known && set->adds == now.adds &&
	    set->subs == now.subs) {
		ours = set->ours;
		if (!ours && may_report && !set->reported)
			report = set->reported = true;
		pthread_mutex_unlock(&shadow_lock);
		if (report) {
			find_foreign(set, &f);
			shadow_report(set, &f);
		}
		return ours;
	}
	pthread_mutex_unlock(&shadow_lock);

	/* Unlocked: this takes the loader's locks (dlsym, dl_iterate_phdr). */
	ours = !find_foreign(set, &f);

	pthread_mutex_lock(&shadow_lock);
	set->adds = now.adds;
	set->subs = now.subs;
	set->ours = ours;
	set->checked = true;
	if (!ours && may_report && !set->reported)
		report = set->reported = true;
	pthread_mutex_unlock(&shadow_lock);
	if (report)
		shadow_report(set, &f);
	return ours;
}


/* Called by fork.c's handlers when other threads may exist. */
notrace void ksim_shadow_fork(int when)
{
	ksim_fork_lock(&shadow_lock, when);
	ksim_fork_lock(&symtab_lock, when);
}

/* KCOV_ENABLE / KCOV_REMOTE_ENABLE with KCOV_TRACE_CMP: false is ENOTSUPP. */
notrace bool ksim_cmp_hooks_ours(void)
{
	return hooks_ours(&cmp_set, true);
}

/* The same for KCOV_TRACE_PC, where the caller only warns (DESIGN 6). */
/* trace_pc: 0 unknown, 1 ours, 2 foreign and reported; read unlocked. */
static int pc_verdict;

notrace bool ksim_pc_hook_ours(void)
{
	int v = __atomic_load_n(&pc_verdict, __ATOMIC_ACQUIRE);
	bool ours;

	/*
	 * Only a warning hangs on it: once known (KCOV_INIT_TRACE works it
	 * out), neither the loader walk, which takes ld.so's lock, nor even
	 * shadow_lock: both would dirty a page in every fork-server child.
	 */
	if (v)
		return v == 1;
	ours = hooks_ours(&pc_set, true);
	pthread_mutex_lock(&shadow_lock);
	v = ours ? 1 : pc_set.reported ? 2 : 0;
	pthread_mutex_unlock(&shadow_lock);
	__atomic_store_n(&pc_verdict, v, __ATOMIC_RELEASE);
	return ours;
}

/*
 * Work out both verdicts without reporting, at KCOV_INIT_TRACE: a
 * fork-server parent initialises once and its children enable, and each
 * child would otherwise repeat the scan (and fault in what it reads).
 */
notrace void ksim_hooks_warm(void)
{
	if (hooks_ours(&pc_set, false))
		__atomic_store_n(&pc_verdict, 1, __ATOMIC_RELEASE);
	hooks_ours(&cmp_set, false);
}
