/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: just enough of the mm for kcov_mmap(). A struct page is never
 * dereferenced: the pointer is the page's address in the arena, and
 * vm_insert_page() maps that arena page at the user's address (host.c), so
 * user mappings really alias the kernel buffer.
 */
#ifndef KENV_LINUX_MM_H
#define KENV_LINUX_MM_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_SHARED	0x00000008UL
#define VM_DONTEXPAND	0x00040000UL
#define VM_MIXEDMAP	0x10000000UL

struct page;
struct file;

struct vm_area_struct {
	unsigned long	vm_start;
	unsigned long	vm_end;
	unsigned long	vm_pgoff;
	unsigned long	vm_flags;
	struct file	*vm_file;
	int		kenv_prot;	/* PROT_* of the user's mmap() */
};

struct page *vmalloc_to_page(const void *addr);
int vm_insert_page(struct vm_area_struct *vma, unsigned long addr,
		   struct page *page);

static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long f)
{
	vma->vm_flags |= f;
}

#endif /* KENV_LINUX_MM_H */
