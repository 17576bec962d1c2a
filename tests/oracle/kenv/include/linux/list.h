/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: doubly linked lists with a head (list_head) and singly headed
 * lists for hash buckets (hlist), with the kernel's names and semantics as
 * kernel/kcov.c uses them. Written for the oracle.
 */
#ifndef KENV_LINUX_LIST_H
#define KENV_LINUX_LIST_H

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

/* Insert @n right after @head (stack order: newest first). */
static inline void list_add(struct list_head *n, struct list_head *head)
{
	struct list_head *next = head->next;

	n->next = next;
	n->prev = head;
	next->prev = n;
	head->next = n;
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = (struct list_head *)0x100;	/* poison, as the kernel */
	e->prev = (struct list_head *)0x122;
}

#define list_entry(p, type, member)	container_of(p, type, member)
#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = (struct hlist_node *)0x100;
	n->pprev = (struct hlist_node **)0x122;
}

#define hlist_entry_safe(p, type, member) \
	({ __typeof__(p) _p = (p); _p ? container_of(_p, type, member) : NULL; })

/* Walk @head's entries of type __typeof__(*pos). */
#define hlist_for_each_entry(pos, head, member)				\
	for ((pos) = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); \
	     (pos);							\
	     (pos) = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))

/* The same, safe against removal of @pos (@n is the lookahead). */
#define hlist_for_each_entry_safe(pos, n, head, member)			\
	for ((pos) = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); \
	     (pos) && ((n) = (pos)->member.next, 1);			\
	     (pos) = hlist_entry_safe((n), __typeof__(*(pos)), member))

#endif /* KENV_LINUX_LIST_H */
