/* SPDX-License-Identifier: MIT */
/*
 * symbolize.c - PC to module, function, file, line and inline chain, with
 * elfutils' libdw (cover.h). Part of libkcov-sim-cover, never of the core.
 *
 * A PC is first turned into (module file, link-time offset): in-process by
 * kcov_sim_pc_decode(), or offline through the files (-e) and module maps
 * the caller added, with the encodings of sim.h. The offset is then looked
 * up in the file's own debug info, one libdw session per file, opened on
 * first use and kept: the strings handed out point into those sessions.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "code.h"
#include "compiler.h"
#include "pc_encode.h"
#include <kcov-sim/cover.h>

struct smod {
	char		*path;
	uint32_t	id;
	bool		have_id;
	bool		is_file;	/* added with add_file() */
	int		slot;		/* first kernel slot from a map, or -1 */
	unsigned int	nslots;		/* from the file, once open */
	unsigned int	bid_len;	/* expected build-id (map) or actual */
	unsigned char	bid[KSIM_BUILD_ID_MAX];
	int		state;		/* 0 unopened, 1 open, < 0 errno */
	Dwfl		*dwfl;
	Dwfl_Module	*dm;
	Dwarf_Addr	bias;		/* Dwfl address - link-time address */
	int		elf_type;	/* ET_EXEC, ET_DYN, ... once open */
	uint64_t	lo, hi;		/* link-time span of its PT_LOAD segments */
	/* Coverage sites and source index (code.h), built on first use. */
	struct ksim_code *code;
	struct ksim_lines *lines;
	bool		code_tried, lines_tried;
};

struct kcov_sim_symbolizer {
	unsigned int	flags;
	struct smod	**mods;
	size_t		nr, max;
	struct smod	*first_file;	/* raw PCs of other processes */
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

KCOV_SIM_API notrace struct kcov_sim_symbolizer *kcov_sim_symbolizer_new(unsigned int flags)
{
	struct kcov_sim_symbolizer *s = calloc(1, sizeof(*s));

	if (s)
		s->flags = flags;
	return s;
}

KCOV_SIM_API notrace void kcov_sim_symbolizer_free(struct kcov_sim_symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++) {
		ksim_code_free(s->mods[i]->code);
		ksim_lines_free(s->mods[i]->lines);
		if (s->mods[i]->dwfl)
			dwfl_end(s->mods[i]->dwfl);
		free(s->mods[i]->path);
		free(s->mods[i]);
	}
	free(s->mods);
	free(s);
}

static notrace struct smod *mod_new(struct kcov_sim_symbolizer *s, const char *path)
{
	struct smod *m;

	if (s->nr == s->max) {
		size_t n = s->max ? 2 * s->max : 8;
		struct smod **v = realloc(s->mods, n * sizeof(*v));

		if (!v)
			return NULL;
		s->mods = v;
		s->max = n;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		return NULL;
	}
	m->slot = -1;
	s->mods[s->nr++] = m;
	return m;
}

static notrace struct smod *mod_by_path(struct kcov_sim_symbolizer *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->mods[i]->path, path))
			return s->mods[i];
	return mod_new(s, path);
}

/* End of the last executable segment: how many kernel slots it takes. */
static notrace unsigned int file_nslots(Elf *elf)
{
	size_t i, n = 0;
	uint64_t span = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return 1;
	for (i = 0; i < n; i++)
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    (ph.p_flags & PF_X) && ph.p_vaddr + ph.p_memsz > span)
			span = ph.p_vaddr + ph.p_memsz;
	return (unsigned int)(span >> KCOV_SIM_PC_KERNEL_SLOT_SHIFT) + 1;
}

/* The file's type and the addresses its loadable segments take. */
static notrace void file_span(struct smod *m, Elf *elf)
{
	size_t i, n = 0;
	GElf_Ehdr eh;
	GElf_Phdr ph;

	m->elf_type = gelf_getehdr(elf, &eh) ? eh.e_type : ET_NONE;
	m->lo = UINT64_MAX;
	m->hi = 0;
	if (elf_getphdrnum(elf, &n))
		n = 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr < m->lo)
			m->lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > m->hi)
			m->hi = ph.p_vaddr + ph.p_memsz;
	}
}

/* Open @m's file with libdw; check it is the build the map names. */
static notrace int mod_open(struct smod *m)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	Elf *elf;
	int len;

	if (m->state)
		return m->state < 0 ? m->state : 0;
	m->state = -ENOENT;
	if (!m->path[0] || access(m->path, R_OK))
		return m->state;
	m->dwfl = dwfl_begin(&offline_callbacks);
	if (!m->dwfl)
		return m->state = -ENOMEM;
	m->dm = dwfl_report_offline(m->dwfl, ksim_basename(m->path), m->path, -1);
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (!m->dm || !(elf = dwfl_module_getelf(m->dm, &m->bias)))
		return m->state = -ENOEXEC;
	len = dwfl_module_build_id(m->dm, &bits, &vaddr);
	if (len < 0 || len > KSIM_BUILD_ID_MAX)
		len = 0;
	if (m->bid_len && (m->bid_len != (unsigned int)len ||
			   memcmp(m->bid, bits, (size_t)len)))
		return m->state = -ESTALE;
	m->bid_len = (unsigned int)len;
	if (len)
		memcpy(m->bid, bits, (size_t)len);
	if (!m->have_id) {
		m->id = ksim_module_id(m->bid, m->bid_len, m->path);
		m->have_id = true;
	}
	m->nslots = file_nslots(elf);
	file_span(m, elf);
	m->state = 1;
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_symbolizer_add_file(struct kcov_sim_symbolizer *s,
						      const char *path)
{
	struct smod *m;
	int ret;

	if (!s || !path)
		return -EINVAL;
	m = mod_by_path(s, path);
	if (!m)
		return -ENOMEM;
	ret = mod_open(m);
	if (ret)
		return ret;
	m->is_file = true;
	if (!s->first_file)
		s->first_file = m;
	return 0;
}

static notrace int hex_bytes(const char *hex, size_t n, unsigned char *out)
{
	size_t i;
	unsigned int b;

	if (n % 2 || n / 2 > KSIM_BUILD_ID_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (int)(n / 2);
}

KCOV_SIM_API notrace int kcov_sim_symbolizer_add_map_line(struct kcov_sim_symbolizer *s,
							  const char *line)
{
	char slot[16], bid[2 * KSIM_BUILD_ID_MAX + 2];
	unsigned int id;
	int pos = 0, bid_len = 0;
	size_t plen;
	struct smod *m;
	char *path;

	if (!s || !line)
		return -EINVAL;
	if (strncmp(line, KSIM_MAP_PREFIX, strlen(KSIM_MAP_PREFIX)))
		return 0;
	line += strlen(KSIM_MAP_PREFIX);
	if (sscanf(line, "%x %15s %65s %n", &id, slot, bid, &pos) != 3 || !pos)
		return -EINVAL;
	if (strcmp(bid, "-") && (bid_len = hex_bytes(bid, strlen(bid), (unsigned char *)bid)) < 0)
		return -EINVAL;
	path = strdup(line + pos);
	if (!path)
		return -ENOMEM;
	plen = strcspn(path, "\r\n");
	path[plen] = '\0';
	m = plen && strcmp(path, "-") ? mod_by_path(s, path) : NULL;
	free(path);
	if (!m)
		return 1;	/* no file to read (vdso): nothing to add */
	if (m->state == 0 && bid_len) {		/* not checked yet */
		m->bid_len = (unsigned int)bid_len;
		memcpy(m->bid, bid, (size_t)bid_len);
	}
	m->id = id;
	m->have_id = true;
	if (strcmp(slot, "-"))
		m->slot = atoi(slot);
	return 1;
}

/* ---- offline decoding ---------------------------------------------------- */

static notrace struct smod *find_id(struct kcov_sim_symbolizer *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->mods[i]->have_id && s->mods[i]->id == id)
			return s->mods[i];
	return NULL;
}

/* The module whose kernel slots hold @slot, and its first slot. */
static notrace struct smod *find_slot(struct kcov_sim_symbolizer *s,
				      unsigned int slot, unsigned int *first)
{
	struct smod *best = NULL;
	size_t i;

	/* A map says where each module really went. */
	for (i = 0; i < s->nr; i++) {
		struct smod *m = s->mods[i];

		if (m->slot >= 0 && (unsigned int)m->slot <= slot &&
		    (!best || m->slot > best->slot))
			best = m;
	}
	if (best) {
		*first = (unsigned int)best->slot;
		return best;
	}
	/* Else the files' preferred slots (right unless two collided). */
	for (i = 0; i < s->nr; i++) {
		struct smod *m = s->mods[i];
		unsigned int pref;

		if (!m->is_file || mod_open(m))
			continue;
		pref = ksim_kernel_slot_pref(m->id);
		if (pref <= slot && slot < pref + m->nslots) {
			*first = pref;
			return m;
		}
	}
	return NULL;
}

static notrace struct smod *decode_offline(struct kcov_sim_symbolizer *s,
					   uint64_t pc, uint64_t *off)
{
	unsigned int first;
	struct smod *m;

	if (pc >= KCOV_SIM_PC_KERNEL_BASE) {
		if (pc >= KCOV_SIM_PC_KERNEL_UNKNOWN)
			return NULL;
		m = find_slot(s, (unsigned int)((pc - KCOV_SIM_PC_KERNEL_BASE) >>
						KCOV_SIM_PC_KERNEL_SLOT_SHIFT), &first);
		if (m)
			*off = pc - KCOV_SIM_PC_KERNEL_BASE -
			       ((uint64_t)first << KCOV_SIM_PC_KERNEL_SLOT_SHIFT);
		return m;
	}
	if (pc >> 63) {
		*off = KCOV_SIM_PC_MODULE_OFF(pc);
		return find_id(s, KCOV_SIM_PC_MODULE_ID(pc));
	}
	*off = pc;
	return s->first_file;
}

/* ---- DWARF ----------------------------------------------------------------- */

static notrace const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	if (dwarf_attr_integrate(die, DW_AT_name, &attr) &&
	    (name = dwarf_formstring(&attr)))
		return name;
	return "??";
}

static notrace int die_udata(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;

	if (!dwarf_attr(die, at, &attr) || dwarf_formudata(&attr, &w))
		return -1;
	return (int)w;
}

/* The file an inlined call was made from (DW_AT_call_file). */
static notrace const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Files *files;
	size_t nfiles;
	const char *name;
	int idx = die_udata(die, DW_AT_call_file);

	if (idx < 0 || dwarf_getsrcfiles(cu, &files, &nfiles) ||
	    (size_t)idx >= nfiles || !(name = dwarf_filesrc(files, (size_t)idx, NULL, NULL)))
		return "??";
	return name;
}

static notrace void frame_set(struct kcov_sim_frame *f, const char *func,
			      const char *file, int line, int column, uint64_t entry)
{
	f->function = func;
	f->file = file ? file : "??";
	f->line = line > 0 ? line : 0;
	f->column = column > 0 ? column : 0;
	f->entry = entry;
}

/*
 * The innermost function scope at @pc's CU-relative address, and the
 * chain of DIEs that physically contain it (dwarf_getscopes() would
 * continue into the abstract definition of an inlined copy instead).
 */
static notrace int function_chain(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **chain)
{
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, pc, &scopes), i, tag;

	for (i = 0; i < n; i++) {
		tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram)
			break;
	}
	n = i < n ? dwarf_getscopes_die(&scopes[i], chain) : 0;
	free(scopes);
	return n;
}

/*
 * The CU holding Dwfl address @a. libdwfl finds it through .debug_aranges,
 * which Clang does not emit by default: then ask every CU.
 */
static notrace Dwarf_Die *cu_of(struct smod *m, Dwarf_Addr a, Dwarf_Addr *dbias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(m->dm, a, dbias);

	if (cu)
		return cu;
	while ((cu = dwfl_module_nextcu(m->dm, cu, dbias)))
		if (dwarf_haspc(cu, a - *dbias) > 0)
			return cu;
	return NULL;
}

/* The line table entry of CU-relative @pc, when libdwfl found no CU. */
static notrace const char *cu_line(Dwarf_Die *cu, Dwarf_Addr pc, int *line, int *col)
{
	Dwarf_Line *dl = dwarf_getsrc_die(cu, pc);

	if (!dl || dwarf_lineno(dl, line))
		return NULL;
	if (dwarf_linecol(dl, col))
		*col = 0;
	return dwarf_linesrc(dl, NULL, NULL);
}

/* Fill the inline chain of Dwfl address @a: innermost first. */
static notrace void frames_of(struct smod *m, Dwarf_Addr a, struct kcov_sim_sym *out)
{
	Dwfl_Line *l = dwfl_module_getsrc(m->dm, a);
	const char *file = NULL;
	int line = 0, col = 0, n, i;
	Dwarf_Die *chain = NULL, *cu;
	Dwarf_Addr dbias = 0, entry;

	if (l)
		file = dwfl_lineinfo(l, NULL, &line, &col, NULL, NULL);
	cu = cu_of(m, a, &dbias);
	if (!file && cu)
		file = cu_line(cu, a - dbias, &line, &col);
	n = cu ? function_chain(cu, a - dbias, &chain) : 0;
	for (i = 0; i < n && out->nframes < KCOV_SIM_SYM_FRAMES; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		if (dwarf_entrypc(&chain[i], &entry))
			entry = 0;
		else
			entry = entry + dbias - m->bias;
		frame_set(&out->frames[out->nframes++], die_name(&chain[i]),
			  file, line, col, entry);
		if (tag == DW_TAG_subprogram)
			break;
		/* The caller's frame is at the call site of this copy. */
		file = call_file(cu, &chain[i]);
		line = die_udata(&chain[i], DW_AT_call_line);
		col = die_udata(&chain[i], DW_AT_call_column);
	}
	free(chain);
	if (!out->nframes) {	/* no DWARF scope: the symbol table */
		GElf_Off soff = 0;
		GElf_Sym sym;
		const char *name = dwfl_module_addrinfo(m->dm, a, &soff, &sym,
							NULL, NULL, NULL);

		frame_set(&out->frames[out->nframes++], name ? name : "??", file,
			  line, col, name ? a - soff - m->bias : 0);
	}
}

static notrace void sym_unknown(struct kcov_sim_sym *out, const char *module,
				uint64_t offset)
{
	memset(out, 0, sizeof(*out));
	out->module = module ? module : "??";
	out->offset = offset;
	out->nframes = 1;
	frame_set(&out->frames[0], "??", NULL, 0, 0, 0);
}

static notrace int symbolize_mod(struct kcov_sim_symbolizer *s, struct smod *m,
				 uint64_t offset, struct kcov_sim_sym *out)
{
	uint64_t at = offset;
	int ret;

	sym_unknown(out, m->path, offset);
	ret = mod_open(m);
	if (ret)
		return ret;
	if (!(s->flags & KCOV_SIM_SYM_EXACT) && at)
		at--;	/* inside the call the return address follows */
	out->nframes = 0;
	frames_of(m, at + m->bias, out);
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_symbolize_offset(struct kcov_sim_symbolizer *s,
						   const char *path, uint64_t offset,
						   struct kcov_sim_sym *out)
{
	struct smod *m;

	if (!s || !path || !out)
		return -EINVAL;
	m = mod_by_path(s, path);
	if (!m)
		return -ENOMEM;
	return symbolize_mod(s, m, offset, out);
}

KCOV_SIM_API notrace int kcov_sim_symbolize(struct kcov_sim_symbolizer *s, uint64_t pc,
					    struct kcov_sim_sym *out)
{
	struct kcov_sim_pc_loc loc;
	struct smod *m;
	uint64_t off = pc;

	if (!s || !out)
		return -EINVAL;
	if (!(s->flags & KCOV_SIM_SYM_OFFLINE) && !kcov_sim_pc_decode(pc, &loc) &&
	    loc.path[0] && (m = mod_by_path(s, loc.path))) {
		if (!m->have_id) {	/* a map line is not needed in-process */
			m->id = loc.module_id;
			m->have_id = true;
		}
		return symbolize_mod(s, m, loc.offset, out);
	}
	m = decode_offline(s, pc, &off);
	if (!m) {
		sym_unknown(out, NULL, off);
		return -ENOENT;
	}
	/*
	 * A raw value outside the file: a run-time address of a position-
	 * independent file (ET_DYN), which moves at every load. Say so rather
	 * than look up some other place.
	 */
	if (!(pc >> 63) && m == s->first_file && !mod_open(m) && m->elf_type == ET_DYN &&
	    (off < m->lo || off >= m->hi)) {
		sym_unknown(out, m->path, off);
		return -ERANGE;
	}
	return symbolize_mod(s, m, off, out);
}

KCOV_SIM_API notrace int kcov_sim_symbolizer_function_at(struct kcov_sim_symbolizer *s,
							 const char *file, int line,
							 const char **function,
							 const char **path)
{
	size_t i, f, k;

	if (!s || !file || !function || !path)
		return -EINVAL;
	*function = NULL;
	*path = NULL;
	for (i = 0; i < s->nr; i++) {
		struct smod *m = s->mods[i];
		const struct ksim_lines *l;

		if (mod_open(m) || !(l = ksim_smod_lines(m)))
			continue;
		for (f = 0; f < l->nfiles; f++) {
			if (!ksim_file_match(l->files[f], file))
				continue;
			*path = l->files[f];
			for (k = 0; k < l->nfuncs; k++)	/* the last one that starts before */
				if (l->funcs[k].file == f && l->funcs[k].line <= line)
					*function = l->funcs[k].name;
			if (*function)
				return 0;
		}
	}
	return -ENOENT;
}

/* ---- modules for coverage analysis (code.h) ----------------------------------- */

notrace struct smod *ksim_sym_locate(struct kcov_sim_symbolizer *s, uint64_t pc,
				     uint64_t *off)
{
	struct kcov_sim_pc_loc loc;
	struct smod *m;

	*off = pc;
	if (!(s->flags & KCOV_SIM_SYM_OFFLINE) && !kcov_sim_pc_decode(pc, &loc) &&
	    loc.path[0] && (m = mod_by_path(s, loc.path))) {
		if (!m->have_id) {
			m->id = loc.module_id;
			m->have_id = true;
		}
		*off = loc.offset;
		return mod_open(m) ? NULL : m;
	}
	m = decode_offline(s, pc, off);
	return m && !mod_open(m) ? m : NULL;
}

notrace struct smod *ksim_sym_module(struct kcov_sim_symbolizer *s, const char *path,
				     int *err)
{
	struct smod *m = mod_by_path(s, path);

	*err = m ? mod_open(m) : -ENOMEM;
	return *err ? NULL : m;
}

notrace const char *ksim_smod_path(const struct smod *m)
{
	return m->path;
}

static notrace Dwarf *smod_dwarf(struct smod *m)
{
	Dwarf_Addr bias;

	return m->dm ? dwfl_module_getdwarf(m->dm, &bias) : NULL;
}

notrace const struct ksim_code *ksim_smod_code(struct smod *m)
{
	Dwarf_Addr bias;
	Elf *elf;

	if (!m->code_tried && m->state == 1) {
		m->code_tried = true;
		elf = dwfl_module_getelf(m->dm, &bias);
		if (elf)
			m->code = ksim_code_build(elf, smod_dwarf(m));
	}
	return m->code;
}

notrace const struct ksim_lines *ksim_smod_lines(struct smod *m)
{
	Dwarf *dw;

	if (!m->lines_tried && m->state == 1) {
		m->lines_tried = true;
		dw = smod_dwarf(m);
		if (dw)
			m->lines = ksim_lines_build(dw);
	}
	return m->lines;
}
