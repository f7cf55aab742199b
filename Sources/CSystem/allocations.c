// Counting heap allocations per thread, to prove the real-time loop allocates nothing after
// start-up (`tools/bench latency` prints the count). The executable defines the malloc family
// itself; each wrapper counts when the calling thread has asked for it and forwards to glibc's
// own implementation (__libc_malloc and friends, exported by glibc for exactly this purpose).
#define _GNU_SOURCE
#include "csystem.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static _Thread_local int counting;
static _Thread_local uint64_t count;

void irb_count_allocations(int32_t enabled) {
    counting = enabled != 0;
    if (counting) count = 0;
}

uint64_t irb_thread_allocations(void) { return count; }

#define COUNT() do { if (counting) count++; } while (0)

void *malloc(size_t size) { COUNT(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { COUNT(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { COUNT(); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { COUNT(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { COUNT(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    COUNT();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p && size) return ENOMEM;
    *out = p;
    return 0;
}
