/* SPDX-License-Identifier: MIT */
/*
 * code.c - the coverage sites of a module and the control flow around them.
 *
 * Sites are found as syzkaller finds them in vmlinux: calls to
 * __sanitizer_cov_trace_pc, here a direct "call rel32" to the hook itself
 * (static linking) or to its PLT entry, or a "call *GOT(%rip)" (-fno-plt).
 * A site's PC is the call's return address, which is what the hook records.
 *
 * Every function that holds a site is decoded (x86.c) and cut into
 * segments (code.h): straight runs that are entered only at their start.
 * Cuts go at branch targets (jump tables included, when they can be read),
 * after every jump, return, trap and call that does not return, and before
 * every hook call. Each segment knows its successors, so cover.c can tell
 * which code ran between two recorded sites.
 *
 * Approximations, all on the safe side (they add paths, never remove
 * them): an indirect jump whose table is not found may go to any segment
 * of its function or leave it; a call returns unless its target is known
 * not to (a list of libc/sanitizer names, DW_AT_noreturn, or a call that
 * ends its function). A function whose code does not decode keeps only its
 * hook calls, each as a segment of its own.
 */
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "compiler.h"
#include "x86.h"

#define HOOK		"__sanitizer_cov_trace_pc"
#define MAX_TABLE	65536	/* jump table entries read at most */

/* Grow *@v to hold @need elements of @size; false on ENOMEM. */
static notrace int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static notrace bool has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_u64);
}

/* ---- the module's sections, symbols, PLT --------------------------------- */

struct sect {
	uint64_t	addr, size, flags;
	const uint8_t	*data;
	const char	*name;
};

struct fsym {
	uint64_t	addr, size;
	const char	*name;
	int		scope;		/* STT_FILE index for locals, -1 global */
	bool		cold;		/* a .cold part of another function */
	uint32_t	group;		/* group index, once assigned */
};

struct named {
	uint64_t	addr;
	const char	*name;
};

struct insn {
	uint64_t	addr, target;
	uint64_t	mem;		/* jump-table candidate address, or 0 */
	uint8_t		len, kind;
	bool		site, noret, memtab8;
};

struct ctx {
	Elf		*elf;
	struct sect	*sects;
	size_t		nsects;
	struct fsym	*syms;
	size_t		nsyms;
	uint64_t	*hooks;		/* call targets that are the hook */
	size_t		nhooks, maxhooks;
	uint64_t	*hook_gots;	/* GOT slots of the hook */
	size_t		nhook_gots, maxhook_gots;
	struct named	*gots;		/* GOT slot -> symbol, sorted */
	size_t		ngots, maxgots;
	struct named	*stubs;		/* PLT entry -> symbol, sorted */
	size_t		nstubs, maxstubs;
	const char	**noret;	/* DW_AT_noreturn names, sorted */
	size_t		nnoret, maxnoret;
	/* per group, while it is built */
	struct insn	*in;
	size_t		nin, maxin;
	uint64_t	*lead;
	size_t		nlead, maxlead;
	/* the result */
	struct ksim_code *c;
	size_t		maxsegs, maxedges, maxgroups, maxsites, maxsiteseg;
	uint64_t	*entry;		/* entry address of each group */
	size_t		maxentry;
};

static notrace int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static notrace const char *named_at(const struct named *v, size_t n, uint64_t addr)
{
	struct named key = { .addr = addr }, *hit;

	hit = n ? bsearch(&key, v, n, sizeof(*v), cmp_named) : NULL;
	return hit ? hit->name : NULL;
}

static notrace bool read_sections(struct ctx *x)
{
	size_t shstrndx, n = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *d;

	if (elf_getshdrstrndx(x->elf, &shstrndx) || elf_getshdrnum(x->elf, &n))
		return false;
	x->sects = calloc(n ? n : 1, sizeof(*x->sects));
	if (!x->sects)
		return false;
	while ((scn = elf_nextscn(x->elf, scn))) {
		struct sect *s;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type != SHT_PROGBITS || !(d = elf_getdata(scn, NULL)) ||
		    !d->d_buf || d->d_size < sh.sh_size)
			continue;
		s = &x->sects[x->nsects++];
		s->addr = sh.sh_addr;
		s->size = sh.sh_size;
		s->flags = sh.sh_flags;
		s->data = d->d_buf;
		s->name = elf_strptr(x->elf, shstrndx, sh.sh_name);
		if (!s->name)
			s->name = "";
	}
	return true;
}

/* The section holding @addr, and the bytes from there to its end. */
static notrace const struct sect *sect_at(const struct ctx *x, uint64_t addr,
					  const uint8_t **p, size_t *avail)
{
	size_t i;

	for (i = 0; i < x->nsects; i++) {
		const struct sect *s = &x->sects[i];

		if (addr >= s->addr && addr < s->addr + s->size) {
			*p = s->data + (addr - s->addr);
			*avail = s->addr + s->size - addr;
			return s;
		}
	}
	return NULL;
}

static notrace int cmp_fsym(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->cold - (int)y->cold;
}

static notrace int cmp_fsym_addr(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static notrace bool is_cold(const char *name)
{
	const char *c = strstr(name, ".cold");

	return c && (c[5] == '\0' || c[5] == '.');
}

/* Function symbols of .symtab (or .dynsym), and the hook's own address. */
static notrace bool read_symbols(struct ctx *x)
{
	Elf_Scn *scn = NULL, *best = NULL;
	size_t i, n, max = 0;
	GElf_Shdr sh;
	Elf_Data *d;
	GElf_Sym sym;
	int scope = -1;

	while ((scn = elf_nextscn(x->elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB ||
		    (sh.sh_type == SHT_DYNSYM && !best)))
			best = scn;
	if (!best || !gelf_getshdr(best, &sh) || !(d = elf_getdata(best, NULL)) ||
	    !sh.sh_entsize)
		return true;	/* stripped: no functions, no sites */
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n; i++) {
		const char *name;
		const uint8_t *p;
		size_t avail;
		const struct sect *s;

		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		name = elf_strptr(x->elf, sh.sh_link, sym.st_name);
		if (GELF_ST_TYPE(sym.st_info) == STT_FILE) {
			scope = (int)i;
			continue;
		}
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !name)
			continue;
		if (!strcmp(name, HOOK)) {
			if (!grow(&x->hooks, &x->maxhooks, x->nhooks + 1, sizeof(uint64_t)))
				return false;
			x->hooks[x->nhooks++] = sym.st_value;
		}
		s = sect_at(x, sym.st_value, &p, &avail);
		if (!sym.st_size || !s || !(s->flags & SHF_EXECINSTR) ||
		    sym.st_size > avail)
			continue;
		if (!grow(&x->syms, &max, x->nsyms + 1, sizeof(*x->syms)))
			return false;
		x->syms[x->nsyms++] = (struct fsym){
			.addr = sym.st_value, .size = sym.st_size, .name = name,
			.scope = GELF_ST_BIND(sym.st_info) == STB_LOCAL ? scope : -1,
			.cold = is_cold(name),
		};
	}
	if (x->nsyms)
		qsort(x->syms, x->nsyms, sizeof(*x->syms), cmp_fsym);
	/* Aliases: keep the first symbol at each address. */
	for (i = n = 0; i < x->nsyms; i++)
		if (!n || x->syms[n - 1].addr != x->syms[i].addr)
			x->syms[n++] = x->syms[i];
	x->nsyms = n;
	return true;
}

/* GOT slots named by JUMP_SLOT / GLOB_DAT relocations; the hook's among them. */
static notrace bool read_relocs(struct ctx *x)
{
	Elf_Scn *scn = NULL, *symscn;
	GElf_Shdr sh, symsh;
	Elf_Data *d, *symd;
	GElf_Rela r;
	GElf_Sym sym;
	size_t i, n;

	while ((scn = elf_nextscn(x->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)) ||
		    !(symscn = elf_getscn(x->elf, sh.sh_link)) ||
		    !gelf_getshdr(symscn, &symsh) || !(symd = elf_getdata(symscn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			unsigned int type;
			const char *name;

			if (!gelf_getrela(d, (int)i, &r))
				continue;
			type = (unsigned int)GELF_R_TYPE(r.r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
			    !gelf_getsym(symd, (int)GELF_R_SYM(r.r_info), &sym) ||
			    !(name = elf_strptr(x->elf, symsh.sh_link, sym.st_name)))
				continue;
			if (!grow(&x->gots, &x->maxgots, x->ngots + 1, sizeof(*x->gots)))
				return false;
			x->gots[x->ngots++] = (struct named){ r.r_offset, name };
			if (strcmp(name, HOOK))
				continue;
			if (!grow(&x->hook_gots, &x->maxhook_gots, x->nhook_gots + 1,
				  sizeof(uint64_t)))
				return false;
			x->hook_gots[x->nhook_gots++] = r.r_offset;
		}
	}
	if (x->ngots)
		qsort(x->gots, x->ngots, sizeof(*x->gots), cmp_named);
	if (x->nhook_gots)
		qsort(x->hook_gots, x->nhook_gots, sizeof(uint64_t), cmp_u64);
	return true;
}

/* PLT entries (.plt, .plt.sec, .plt.got): "jmp *GOT(%rip)" inside each. */
static notrace bool read_plt(struct ctx *x)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, i;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(x->elf, &shstrndx))
		return true;
	while ((scn = elf_nextscn(x->elf, scn))) {
		const char *name;
		const uint8_t *p;
		size_t avail;
		uint64_t ent;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(name = elf_strptr(x->elf, shstrndx, sh.sh_name)) ||
		    strncmp(name, ".plt", 4) || !sect_at(x, sh.sh_addr, &p, &avail))
			continue;
		ent = sh.sh_entsize == 8 || sh.sh_entsize == 16 ? sh.sh_entsize : 16;
		for (i = 0; i + 6 <= avail && i < sh.sh_size; i++) {
			int32_t disp;
			uint64_t got, stub;
			const char *sym;

			if (p[i] != 0xff || p[i + 1] != 0x25)
				continue;
			memcpy(&disp, p + i + 2, 4);
			got = sh.sh_addr + i + 6 + (uint64_t)(int64_t)disp;
			sym = named_at(x->gots, x->ngots, got);
			if (!sym)
				continue;
			stub = sh.sh_addr + i / ent * ent;
			if (!grow(&x->stubs, &x->maxstubs, x->nstubs + 1, sizeof(*x->stubs)))
				return false;
			x->stubs[x->nstubs++] = (struct named){ stub, sym };
			if (!strcmp(sym, HOOK)) {
				if (!grow(&x->hooks, &x->maxhooks, x->nhooks + 1,
					  sizeof(uint64_t)))
					return false;
				x->hooks[x->nhooks++] = stub;
			}
		}
	}
	if (x->nstubs)
		qsort(x->stubs, x->nstubs, sizeof(*x->stubs), cmp_named);
	if (x->nhooks)
		qsort(x->hooks, x->nhooks, sizeof(uint64_t), cmp_u64);
	return true;
}

static notrace int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names the debug info declares noreturn (CU-level subprograms). */
static notrace bool read_noreturn(struct ctx *x, Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, die;
	Dwarf_Attribute attr;
	bool flag;
	const char *name;

	while (dw && !dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do {
				if (dwarf_tag(&die) != DW_TAG_subprogram ||
				    !dwarf_attr_integrate(&die, DW_AT_noreturn, &attr) ||
				    dwarf_formflag(&attr, &flag) || !flag ||
				    !(name = dwarf_diename(&die)))
					continue;
				if (!grow(&x->noret, &x->maxnoret, x->nnoret + 1,
					  sizeof(*x->noret)))
					return false;
				x->noret[x->nnoret++] = name;
			} while (dwarf_siblingof(&die, &die) == 0);
		}
		off = next;
	}
	if (x->nnoret)
		qsort(x->noret, x->nnoret, sizeof(*x->noret), cmp_str);
	return true;
}

static notrace bool name_noreturn(const struct ctx *x, const char *name)
{
	static const char *const known[] = {
		"abort", "exit", "_exit", "_Exit", "quick_exit", "__stack_chk_fail",
		"__assert_fail", "__assert_perror_fail", "__fortify_fail",
		"__chk_fail", "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk",
		"pthread_exit", "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume",
		"__ubsan_handle_builtin_unreachable", "__ubsan_handle_missing_return",
	};
	size_t i, len;

	if (!name)
		return false;
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(name, known[i]))
			return true;
	len = strlen(name);
	if (!strncmp(name, "__ubsan_handle_", 15) && len > 6 &&
	    !strcmp(name + len - 6, "_abort"))
		return true;
	if (!strncmp(name, "__asan_report_", 14) && !strstr(name, "noabort"))
		return true;
	return x->nnoret && bsearch(&name, x->noret, x->nnoret, sizeof(*x->noret), cmp_str);
}

/* ---- decoding one function ------------------------------------------------------ */

static notrace bool add_lead(struct ctx *x, uint64_t addr)
{
	if (!grow(&x->lead, &x->maxlead, x->nlead + 1, sizeof(uint64_t)))
		return false;
	x->lead[x->nlead++] = addr;
	return true;
}

static notrace int cmp_insn(const void *a, const void *b)
{
	const struct insn *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static notrace long insn_at(const struct ctx *x, uint64_t addr)
{
	struct insn key = { .addr = addr }, *hit;

	hit = x->nin ? bsearch(&key, x->in, x->nin, sizeof(*x->in), cmp_insn) : NULL;
	return hit ? hit - x->in : -1;
}

/* Whether a function symbol starts at @addr. */
static notrace const struct fsym *fsym_start(const struct ctx *x, uint64_t addr)
{
	struct fsym key = { .addr = addr };

	return x->nsyms ? bsearch(&key, x->syms, x->nsyms, sizeof(*x->syms),
				  cmp_fsym_addr) : NULL;
}

/* Is @d, at @addr, a call of the hook (direct, or through its PLT/GOT)? */
static notrace bool is_hook_call(const struct ctx *x, const struct x86_insn *d,
				 uint64_t addr)
{
	if (d->kind == X86_CALL)
		return has_u64(x->hooks, x->nhooks, d->target);
	if (d->kind == X86_CALL_IND && d->rip_rel)
		return has_u64(x->hook_gots, x->nhook_gots, addr + d->len + (uint64_t)d->disp);
	return false;
}

/* Decode [addr, addr + size) into x->in; false when some bytes do not
 * decode (*err set when memory ran out). */
static notrace bool decode_range(struct ctx *x, uint64_t addr, uint64_t size, int *err)
{
	uint64_t end = addr + size;
	const uint8_t *p;
	size_t avail;
	struct x86_insn d;

	if (!sect_at(x, addr, &p, &avail))
		return false;
	while (addr < end) {
		struct insn *in;
		unsigned int len = ksim_x86_decode(p, avail < end - addr ? avail : end - addr,
						   addr, &d);

		if (!len)
			return false;
		if (!grow(&x->in, &x->maxin, x->nin + 1, sizeof(*x->in))) {
			*err = 1;
			return false;
		}
		in = &x->in[x->nin++];
		memset(in, 0, sizeof(*in));
		in->addr = addr;
		in->len = (uint8_t)len;
		in->kind = d.kind;
		in->target = d.target;
		in->site = is_hook_call(x, &d, addr);
		if (d.kind == X86_CALL && !in->site) {
			const char *callee = named_at(x->stubs, x->nstubs, d.target);
			const struct fsym *f;

			if (!callee && (f = fsym_start(x, d.target)))
				callee = f->name;
			in->noret = name_noreturn(x, callee) || addr + len == end;
		}
		/* Jump-table candidates: lea TABLE(%rip), and TABLE(,%reg,8). */
		if (d.map == 0 && d.op == 0x8d && d.rip_rel) {
			in->mem = addr + len + (uint64_t)d.disp;
		} else if (d.mod == 0 && d.base == -1 && d.index >= 0 && d.scale == 8) {
			in->mem = (uint64_t)d.disp;
			in->memtab8 = true;
		}
		p += len;
		avail -= len;
		addr += len;
	}
	return true;
}

static notrace bool terminates(const struct insn *in)
{
	return in->kind == X86_JMP || in->kind == X86_JCC || in->kind == X86_JMP_IND ||
	       in->kind == X86_RET || in->kind == X86_TRAP ||
	       (in->kind == X86_CALL && in->noret);
}

/* Entries of the jump table at @table that land on instructions of the
 * function: each becomes a cut and a successor of its indirect jumps. */
static notrace bool read_table(struct ctx *x, uint64_t table, bool abs8)
{
	const struct sect *s;
	const uint8_t *p;
	size_t avail, i, w = abs8 ? 8 : 4;

	s = sect_at(x, table, &p, &avail);
	if (!s || (s->flags & SHF_EXECINSTR))
		return true;
	for (i = 0; i < MAX_TABLE && (i + 1) * w <= avail; i++) {
		uint64_t t;

		if (abs8) {
			memcpy(&t, p + i * w, 8);
		} else {
			int32_t rel;

			memcpy(&rel, p + i * w, 4);
			t = table + (uint64_t)(int64_t)rel;
		}
		if (insn_at(x, t) < 0)
			break;
		if (!add_lead(x, t))
			return false;
	}
	return true;
}

/* Segment index, among this function's (from @first on), starting at @addr. */
static notrace long seg_from(const struct ksim_code *c, size_t first, uint64_t addr)
{
	size_t lo = first, hi = c->nsegs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->segs[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nsegs && c->segs[lo].start == addr ? (long)lo : -1;
}

static notrace bool add_edge(struct ctx *x, uint32_t to)
{
	struct ksim_code *c = x->c;

	if (!grow(&c->edges, &x->maxedges, c->nedges + 1, sizeof(uint32_t)))
		return false;
	c->edges[c->nedges++] = to;
	return true;
}

/* Successors of segment @s, whose last instruction is x->in[@last]. */
static notrace bool link_seg(struct ctx *x, size_t first, size_t s, size_t last,
			     const uint64_t *tabs, size_t ntabs)
{
	struct ksim_code *c = x->c;
	struct ksim_seg *seg = &c->segs[s];
	const struct insn *in = &x->in[last];
	long to;
	size_t i;

	seg->succ = (uint32_t)c->nedges;
	if (in->kind == X86_JMP || in->kind == X86_JCC) {
		/* To a function's start (its own too): a call that does not
		 * come back here; the path model's exit and re-entry. */
		to = fsym_start(x, in->target) ? -1 : seg_from(c, first, in->target);
		if (to >= 0) {
			if (!add_edge(x, (uint32_t)to))
				return false;
			seg->flags |= SEG_BRANCH;
		} else {
			seg->flags |= SEG_EXIT;
		}
	}
	if (in->kind == X86_JMP_IND) {
		seg->flags |= SEG_EXIT;		/* a tail call through a pointer */
		if (!ntabs)
			seg->flags |= SEG_ANY;
		for (i = 0; i < ntabs; i++)
			if ((to = seg_from(c, first, tabs[i])) >= 0 && !add_edge(x, (uint32_t)to))
				return false;
	}
	if (in->kind == X86_RET)
		seg->flags |= SEG_EXIT;
	/* Falls through into the next instruction of the same run. */
	if (in->kind == X86_OTHER || in->kind == X86_JCC || in->kind == X86_CALL_IND ||
	    (in->kind == X86_CALL && !in->noret)) {
		to = seg_from(c, first, in->addr + in->len);
		if (to >= 0 && !add_edge(x, (uint32_t)to))
			return false;
	}
	seg->nsucc = (uint16_t)(c->nedges - seg->succ);
	return true;
}

static notrace bool new_seg(struct ctx *x, uint64_t start, uint32_t group, long site)
{
	struct ksim_code *c = x->c;
	struct ksim_seg *s;

	if (!grow(&c->segs, &x->maxsegs, c->nsegs + 1, sizeof(*c->segs)))
		return false;
	s = &c->segs[c->nsegs++];
	memset(s, 0, sizeof(*s));
	s->start = s->end = start;
	s->group = group;
	s->site = (int32_t)site;
	return true;
}

static notrace bool add_site(struct ctx *x, uint64_t pc, size_t seg)
{
	struct ksim_code *c = x->c;

	if (!grow(&c->sites, &x->maxsites, c->nsites + 1, sizeof(uint64_t)) ||
	    !grow(&c->site_seg, &x->maxsiteseg, c->nsites + 1, sizeof(uint32_t)))
		return false;
	c->sites[c->nsites] = pc;
	c->site_seg[c->nsites] = (uint32_t)seg;
	c->nsites++;
	return true;
}

/* Cut the decoded instructions of group @g into linked segments. */
static notrace bool build_segments(struct ctx *x, uint32_t g)
{
	struct ksim_code *c = x->c;
	uint64_t *tabs = NULL;
	size_t i, first = c->nsegs, ntabs = 0, *lastin = NULL, maxlast = 0, s;
	bool ok = false;

	qsort(x->in, x->nin, sizeof(*x->in), cmp_insn);
	/* Jump tables first: their targets are cuts too. */
	for (i = 0; i < x->nin; i++)
		if (x->in[i].kind == X86_JMP_IND)
			break;
	if (i < x->nin) {
		size_t before = x->nlead;

		for (i = 0; i < x->nin; i++)
			if (x->in[i].mem && !read_table(x, x->in[i].mem, x->in[i].memtab8))
				goto out;
		ntabs = x->nlead - before;
		tabs = malloc((ntabs ? ntabs : 1) * sizeof(*tabs));
		if (!tabs)
			goto out;
		memcpy(tabs, x->lead + before, ntabs * sizeof(*tabs));
	}
	for (i = 0; i < x->nin; i++) {
		const struct insn *in = &x->in[i];
		bool gap = i + 1 < x->nin && x->in[i + 1].addr != in->addr + in->len;

		if ((in->kind == X86_JMP || in->kind == X86_JCC) && insn_at(x, in->target) >= 0 &&
		    !add_lead(x, in->target))
			goto out;
		if ((terminates(in) || gap) && i + 1 < x->nin && !add_lead(x, x->in[i + 1].addr))
			goto out;
		if (in->site && !add_lead(x, in->addr))
			goto out;
	}
	qsort(x->lead, x->nlead, sizeof(uint64_t), cmp_u64);
	for (i = 0; i < x->nin; i++) {
		const struct insn *in = &x->in[i];

		if (!i || has_u64(x->lead, x->nlead, in->addr)) {
			if (!new_seg(x, in->addr, g, -1) ||
			    !grow(&lastin, &maxlast, c->nsegs - first, sizeof(size_t)))
				goto out;
		}
		s = c->nsegs - 1;
		if (in->site && c->segs[s].start == in->addr) {
			c->segs[s].site = (int32_t)c->nsites;
			if (!add_site(x, in->addr + in->len, s))
				goto out;
		}
		c->segs[s].end = in->addr + in->len;
		lastin[s - first] = i;
	}
	for (s = first; s < c->nsegs; s++)
		if (!link_seg(x, first, s, lastin[s - first], tabs, ntabs))
			goto out;
	ok = true;
out:
	free(tabs);
	free(lastin);
	return ok;
}

/* A function that does not decode: each hook call a segment of its own,
 * with every way out (nothing is inferred around it). */
static notrace bool scan_group(struct ctx *x, uint32_t g, const uint64_t *ranges,
			       size_t nranges)
{
	size_t r, i;

	for (r = 0; r < nranges; r++) {
		const uint8_t *p;
		size_t avail;
		uint64_t a = ranges[2 * r], size = ranges[2 * r + 1];

		if (!sect_at(x, a, &p, &avail))
			continue;
		for (i = 0; i + 5 <= size && i + 5 <= avail; i++) {
			int32_t rel;

			if (p[i] != 0xe8)
				continue;
			memcpy(&rel, p + i + 1, 4);
			if (!has_u64(x->hooks, x->nhooks, a + i + 5 + (uint64_t)(int64_t)rel))
				continue;
			if (!new_seg(x, a + i, g, (long)x->c->nsites) ||
			    !add_site(x, a + i + 5, x->c->nsegs - 1))
				return false;
			x->c->segs[x->c->nsegs - 1].end = a + i + 5;
			x->c->segs[x->c->nsegs - 1].succ = (uint32_t)x->c->nedges;
			x->c->segs[x->c->nsegs - 1].flags = SEG_EXIT | SEG_ANY;
		}
	}
	return true;
}

/* ---- groups: a function and its .cold parts --------------------------------- */

static notrace int cmp_byname(const void *a, const void *b, void *arg)
{
	const struct fsym *v = arg;

	return strcmp(v[*(const uint32_t *)a].name, v[*(const uint32_t *)b].name);
}

/*
 * The function a "foo.cold" part belongs to: the non-cold "foo" of the same
 * object file if it is local there, else a global "foo". @byname indexes
 * x->syms sorted by name.
 */
static notrace long find_owner(const struct ctx *x, const uint32_t *byname,
			       const struct fsym *cold)
{
	size_t len = (size_t)(strstr(cold->name, ".cold") - cold->name);
	size_t lo = 0, hi = x->nsyms;
	long global = -1;

	while (lo < hi) {		/* first name >= the base name */
		size_t mid = (lo + hi) / 2;
		const char *n = x->syms[byname[mid]].name;
		int c = strncmp(n, cold->name, len);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->nsyms; lo++) {
		const struct fsym *f = &x->syms[byname[lo]];

		if (strncmp(f->name, cold->name, len))
			break;
		if (f->name[len] || f->cold)
			continue;
		if (cold->scope >= 0 && f->scope == cold->scope)
			return byname[lo];
		if (f->scope < 0)
			global = byname[lo];
	}
	return global;
}

/* A call of the hook somewhere in [addr, addr + size)? A byte scan, as
 * syzkaller's: cheap enough to skip decoding most of a big program. */
static notrace bool may_have_site(const struct ctx *x, uint64_t addr, uint64_t size)
{
	const uint8_t *p;
	size_t avail, i;

	if (!sect_at(x, addr, &p, &avail))
		return false;
	for (i = 0; i + 6 <= size && i + 5 <= avail; i++) {
		int32_t rel;

		if (p[i] == 0xe8) {
			memcpy(&rel, p + i + 1, 4);
			if (has_u64(x->hooks, x->nhooks, addr + i + 5 + (uint64_t)(int64_t)rel))
				return true;
		} else if (p[i] == 0xff && p[i + 1] == 0x15 && i + 6 <= avail) {
			memcpy(&rel, p + i + 2, 4);
			if (has_u64(x->hook_gots, x->nhook_gots,
				    addr + i + 6 + (uint64_t)(int64_t)rel))
				return true;
		}
	}
	return false;
}

/* Decode one function with its .cold parts (@ranges: address, size pairs);
 * keep it when it calls the hook. */
static notrace bool do_group(struct ctx *x, size_t owner, const uint64_t *ranges,
			     size_t nranges)
{
	struct ksim_code *c = x->c;
	struct ksim_group *grp;
	size_t r, segs_before = c->nsegs, sites_before = c->nsites;
	bool decoded = true, any = false;
	int err = 0;
	uint32_t g = (uint32_t)c->ngroups;

	for (r = 0; r < nranges && !any; r++)
		any = may_have_site(x, ranges[2 * r], ranges[2 * r + 1]);
	if (!any)
		return true;
	x->nin = x->nlead = 0;
	for (r = 0; r < nranges && decoded; r++)
		decoded = decode_range(x, ranges[2 * r], ranges[2 * r + 1], &err);
	if (err)
		return false;
	if (!grow(&c->groups, &x->maxgroups, c->ngroups + 1, sizeof(*c->groups)) ||
	    !grow(&x->entry, &x->maxentry, c->ngroups + 1, sizeof(uint64_t)))
		return false;
	grp = &c->groups[c->ngroups++];
	memset(grp, 0, sizeof(*grp));
	grp->name = x->syms[owner].name;
	grp->decoded = decoded;
	x->entry[g] = x->syms[owner].addr;
	if (decoded ? !build_segments(x, g) : !scan_group(x, g, ranges, nranges))
		return false;
	if (c->nsites == sites_before) {	/* a false hit of the byte scan */
		c->nsegs = segs_before;
		c->nedges = c->nsegs ? c->segs[c->nsegs - 1].succ + c->segs[c->nsegs - 1].nsucc : 0;
		c->ngroups--;
		return true;
	}
	c->groups[g].nsites = (uint32_t)(c->nsites - sites_before);
	return true;
}

static notrace bool do_groups(struct ctx *x)
{
	uint64_t *ranges = NULL;
	uint32_t *byname = NULL;
	long *owner = NULL, *next = NULL, *head = NULL, j;
	size_t i, maxr = 0, nr, n = x->nsyms ? x->nsyms : 1;
	bool ok = false;

	byname = malloc(n * sizeof(*byname));
	owner = malloc(n * sizeof(*owner));
	next = malloc(n * sizeof(*next));
	head = malloc(n * sizeof(*head));
	if (!byname || !owner || !next || !head)
		goto out;
	for (i = 0; i < x->nsyms; i++) {
		byname[i] = (uint32_t)i;
		head[i] = next[i] = -1;
	}
	if (x->nsyms)
		qsort_r(byname, x->nsyms, sizeof(*byname), cmp_byname, x->syms);
	for (i = 0; i < x->nsyms; i++) {
		owner[i] = x->syms[i].cold ? find_owner(x, byname, &x->syms[i]) : (long)i;
		if (owner[i] < 0)
			owner[i] = (long)i;	/* a part whose owner is unknown */
		if (owner[i] != (long)i) {
			next[i] = head[owner[i]];
			head[owner[i]] = (long)i;
		}
	}
	for (i = 0; i < x->nsyms; i++) {
		if (owner[i] != (long)i)
			continue;
		nr = 0;
		for (j = (long)i; j >= 0; j = j == (long)i ? head[i] : next[j]) {
			if (!grow(&ranges, &maxr, 2 * nr + 2, sizeof(uint64_t)))
				goto out;
			ranges[2 * nr] = x->syms[j].addr;
			ranges[2 * nr + 1] = x->syms[j].size;
			nr++;
		}
		if (!do_group(x, i, ranges, nr))
			goto out;
	}
	ok = true;
out:
	free(ranges);
	free(byname);
	free(owner);
	free(next);
	free(head);
	return ok;
}

/* ---- the final layout: segments by address ------------------------------------ */

static notrace int cmp_seg_perm(const void *a, const void *b, void *arg)
{
	const struct ksim_seg *s = arg;
	uint64_t x = s[*(const uint32_t *)a].start, y = s[*(const uint32_t *)b].start;

	return x < y ? -1 : x > y;
}

static notrace int cmp_site_perm(const void *a, const void *b, void *arg)
{
	const uint64_t *s = arg;
	uint64_t x = s[*(const uint32_t *)a], y = s[*(const uint32_t *)b];

	return x < y ? -1 : x > y;
}

/* Sort segments and sites by address; renumber every reference. */
static notrace bool finish(struct ctx *x)
{
	struct ksim_code *c = x->c;
	size_t n = c->nsegs, i, ns = c->nsites;
	uint32_t *perm = NULL, *rank = NULL, *sperm = NULL, *srank = NULL, *fill = NULL;
	struct ksim_seg *segs = NULL;
	uint64_t *sites = NULL;
	uint32_t *site_seg = NULL;
	bool ok = false;

	perm = malloc((n + 1) * sizeof(*perm));
	rank = malloc((n + 1) * sizeof(*rank));
	segs = malloc((n + 1) * sizeof(*segs));
	sperm = malloc((ns + 1) * sizeof(*sperm));
	srank = malloc((ns + 1) * sizeof(*srank));
	sites = malloc((ns + 1) * sizeof(*sites));
	site_seg = malloc((ns + 1) * sizeof(*site_seg));
	c->gsegs = malloc((n + 1) * sizeof(*c->gsegs));
	fill = calloc(c->ngroups + 1, sizeof(*fill));
	if (!perm || !rank || !segs || !sperm || !srank || !sites || !site_seg ||
	    !c->gsegs || !fill)
		goto out;
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	qsort_r(perm, n, sizeof(*perm), cmp_seg_perm, c->segs);
	for (i = 0; i < n; i++)
		rank[perm[i]] = (uint32_t)i;
	for (i = 0; i < ns; i++)
		sperm[i] = (uint32_t)i;
	qsort_r(sperm, ns, sizeof(*sperm), cmp_site_perm, c->sites);
	for (i = 0; i < ns; i++) {
		srank[sperm[i]] = (uint32_t)i;
		sites[i] = c->sites[sperm[i]];
		site_seg[i] = rank[c->site_seg[sperm[i]]];
	}
	for (i = 0; i < n; i++) {
		segs[i] = c->segs[perm[i]];
		if (segs[i].site >= 0)
			segs[i].site = (int32_t)srank[segs[i].site];
	}
	for (i = 0; i < c->nedges; i++)
		c->edges[i] = rank[c->edges[i]];
	free(c->segs);
	free(c->sites);
	free(c->site_seg);
	c->segs = segs;
	c->sites = sites;
	c->site_seg = site_seg;
	segs = NULL;
	sites = NULL;
	site_seg = NULL;
	/* Each group's segments, in address order. */
	for (i = 0; i < c->ngroups; i++)
		c->groups[i].nseg = 0;
	for (i = 0; i < n; i++)
		c->groups[c->segs[i].group].nseg++;
	for (i = 0; i < c->ngroups; i++)
		c->groups[i].gseg = i ? c->groups[i - 1].gseg + c->groups[i - 1].nseg : 0;
	for (i = 0; i < n; i++) {
		struct ksim_group *g = &c->groups[c->segs[i].group];

		c->gsegs[g->gseg + fill[c->segs[i].group]++] = (uint32_t)i;
	}
	for (i = 0; i < c->ngroups; i++) {
		long e = ksim_code_seg(c, x->entry[i]);

		c->groups[i].entry = e >= 0 && c->segs[e].group == i ? (uint32_t)e :
				     c->groups[i].nseg ? c->gsegs[c->groups[i].gseg] : 0;
	}
	ok = true;
out:
	free(perm);
	free(rank);
	free(segs);
	free(sperm);
	free(srank);
	free(sites);
	free(site_seg);
	free(fill);
	return ok;
}

notrace long ksim_code_seg(const struct ksim_code *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nsegs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->segs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nsegs && c->segs[lo].start <= addr ? (long)lo : -1;
}

notrace long ksim_code_site(const struct ksim_code *c, uint64_t pc)
{
	uint64_t *hit = c->nsites ? bsearch(&pc, c->sites, c->nsites, sizeof(*c->sites),
					    cmp_u64) : NULL;

	return hit ? hit - c->sites : -1;
}

notrace void ksim_code_free(struct ksim_code *c)
{
	if (!c)
		return;
	free(c->sites);
	free(c->site_seg);
	free(c->segs);
	free(c->edges);
	free(c->groups);
	free(c->gsegs);
	free(c);
}

notrace struct ksim_code *ksim_code_build(Elf *elf, Dwarf *dw)
{
	struct ctx x = { .elf = elf };
	bool ok;

	x.c = calloc(1, sizeof(*x.c));
	if (!x.c)
		return NULL;
	ok = read_sections(&x) && read_symbols(&x) && read_relocs(&x) && read_plt(&x) &&
	     read_noreturn(&x, dw);
	x.c->hook_found = x.nhooks || x.nhook_gots;
	if (ok && x.c->hook_found)
		ok = do_groups(&x) && finish(&x);
	free(x.sects);
	free(x.syms);
	free(x.hooks);
	free(x.hook_gots);
	free(x.gots);
	free(x.stubs);
	free(x.noret);
	free(x.in);
	free(x.lead);
	free(x.entry);
	if (!ok) {
		ksim_code_free(x.c);
		return NULL;
	}
	return x.c;
}
