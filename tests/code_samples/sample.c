#include <stdio.h>

struct point {
    int x;
    int y;
};

typedef struct {
    int w, h;
} size_t2;

enum color { RED, GREEN };

static int add(int a, int b)
{
    return a + b;
}

int *find(int *xs, int n, int v) {
    for (int i = 0; i < n; i++)
        if (xs[i] == v) return &xs[i];
    return NULL;
}

int main(void) {
    printf("%d\n", add(1, 2));
    return 0;
}
