#include <stdlib.h>
#include "proj/list.h"
#include "util.h"

static int counter = 0;

int list_push(struct list *l, int value) {
    node_t *n = malloc(sizeof *n);
    if (!n)
        return -1;
    n->value = clamp(value, 0, LIST_MAX);
    n->next = l->head;
    l->head = n;
    l->len++;
    counter++;
    return 0;
}

size_t list_len(const struct list *l) { return l->len; }
