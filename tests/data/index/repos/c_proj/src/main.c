#include <stdio.h>
#include "../include/proj/list.h"
#include "missing.h"

int main(int argc, char **argv) {
    struct list l = {0};
    list_push(&l, argc);
    printf("%zu\n", list_len(&l));
    return 0;
}
