#ifndef PROJ_LIST_H
#define PROJ_LIST_H

#include <stddef.h>

#define LIST_MAX 64

typedef struct node {
    int value;
    struct node *next;
} node_t;

struct list {
    node_t *head;
    size_t len;
};

enum color { RED, GREEN };

union number { int i; float f; };

int list_push(struct list *l, int value);
size_t list_len(const struct list *l);

#endif
