// Linux calls of the board layer: I2C, GPIO, real-time set-up, watchdog, threads, the SPSC
// queue and shared words. Signals are in signals.c. Declarations and contracts in csystem.h.
#define _GNU_SOURCE
#include "csystem.h"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <i2c/smbus.h>
#include <linux/i2c-dev.h>
#include <linux/watchdog.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

// MARK: - I2C

int32_t irb_i2c_open(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t irb_i2c_set_address(int32_t fd, uint8_t address) {
    return ioctl(fd, I2C_SLAVE, (unsigned long)address) < 0 ? -errno : 0;
}

// libi2c 4.3 returns -errno itself (not -1 with errno set); normalise both to -errno.
static int32_t smbus_result(int32_t rc) { return rc >= 0 ? rc : (rc == -1 && errno ? -errno : rc); }

int32_t irb_i2c_read_word(int32_t fd, uint8_t reg) { errno = 0; return smbus_result(i2c_smbus_read_word_data(fd, reg)); }
int32_t irb_i2c_read_byte(int32_t fd, uint8_t reg) { errno = 0; return smbus_result(i2c_smbus_read_byte_data(fd, reg)); }
int32_t irb_i2c_write_byte(int32_t fd, uint8_t reg, uint8_t value) {
    errno = 0;
    return smbus_result(i2c_smbus_write_byte_data(fd, reg, value));
}
int32_t irb_i2c_write_word(int32_t fd, uint8_t reg, uint16_t value) {
    errno = 0;
    return smbus_result(i2c_smbus_write_word_data(fd, reg, value));
}

// MARK: - GPIO (libgpiod v1)

void *irb_gpio_chip_open(const char *chip, int32_t *error) {
    errno = 0;
    struct gpiod_chip *c = gpiod_chip_open_lookup(chip);  // path, name, label or number
    if (!c) *error = errno ? errno : ENODEV;
    return c;
}

void irb_gpio_chip_close(void *chip) { if (chip) gpiod_chip_close(chip); }
uint32_t irb_gpio_chip_line_count(void *chip) { return gpiod_chip_num_lines(chip); }

void irb_gpio_chip_label(void *chip, char *buffer, size_t capacity) {
    if (capacity == 0) return;
    const char *label = gpiod_chip_label(chip);
    strncpy(buffer, label ? label : "", capacity - 1);
    buffer[capacity - 1] = 0;
}

int32_t irb_gpio_find_line(void *chip, const char *name) {
    struct gpiod_line *line = gpiod_chip_find_line(chip, name);
    return line ? (int32_t)gpiod_line_offset(line) : -1;
}

void *irb_gpio_request_output(void *chip, uint32_t offset, const char *consumer, int32_t level, int32_t *error) {
    errno = 0;
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (!line || gpiod_line_request_output(line, consumer, level ? 1 : 0) < 0) {
        *error = errno ? errno : EINVAL;
        return NULL;
    }
    return line;
}

void *irb_gpio_request_input(void *chip, uint32_t offset, const char *consumer, int32_t *error) {
    errno = 0;
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (!line || gpiod_line_request_input(line, consumer) < 0) {
        *error = errno ? errno : EINVAL;
        return NULL;
    }
    return line;
}

int32_t irb_gpio_set(void *line, int32_t level) { return gpiod_line_set_value(line, level ? 1 : 0) < 0 ? -errno : 0; }

int32_t irb_gpio_get(void *line) {
    int v = gpiod_line_get_value(line);
    return v < 0 ? -errno : v;
}

void irb_gpio_release(void *line) { if (line) gpiod_line_release(line); }

// MARK: - Real time

int32_t irb_lock_memory(void) { return mlockall(MCL_CURRENT | MCL_FUTURE) < 0 ? -errno : 0; }

void irb_prefault_stack(size_t bytes) {
    // Touching each page of a stack buffer maps it (and mlockall keeps it). The final read
    // through a volatile pointer keeps the compiler from dropping the writes.
    unsigned char buffer[bytes];
    volatile unsigned char *touch = buffer;
    for (size_t i = 0; i < bytes; i += 4096) touch[i] = 0;
    (void)touch[0];
}

int32_t irb_set_fifo_priority(int32_t priority) {
    struct sched_param p = {.sched_priority = priority};
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
}

int32_t irb_current_fifo_priority(void) {
    int policy = 0;
    struct sched_param p = {0};
    if (pthread_getschedparam(pthread_self(), &policy, &p) != 0 || policy != SCHED_FIFO) return 0;
    return p.sched_priority;
}

int32_t irb_set_cpu(int32_t cpu) {
    if (cpu < 0) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int32_t irb_other_allowed_cpu(int32_t excluded) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (cpu != excluded && CPU_ISSET(cpu, &set)) return cpu;
    }
    return -1;
}

int32_t irb_current_cpu(void) {
    int cpu = sched_getcpu();
    return cpu < 0 ? -errno : cpu;
}

int32_t irb_request_cpu_latency(int32_t microseconds) {
    int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int32_t value = microseconds;  // the binary form: a native 32-bit integer
    if (write(fd, &value, sizeof value) != (ssize_t)sizeof value) {
        int e = errno ? errno : EIO;
        close(fd);
        return -e;
    }
    return fd;
}

void irb_release_cpu_latency(int32_t fd) {
    if (fd >= 0) close(fd);
}

int32_t irb_set_timer_slack_ns(uint64_t nanoseconds) {
    unsigned long slack = nanoseconds > 0 ? (unsigned long)nanoseconds : 1;
    return prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0) < 0 ? -errno : 0;
}

// MARK: - Watchdog

int32_t irb_watchdog_open(const char *path, int32_t timeout_seconds) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int timeout = timeout_seconds;
    if (ioctl(fd, WDIOC_SETTIMEOUT, &timeout) < 0) {
        int e = errno;
        (void)!write(fd, "V", 1);
        close(fd);
        return -e;
    }
    return fd;
}

int32_t irb_watchdog_pet(int32_t fd) {
    int dummy = 0;
    return ioctl(fd, WDIOC_KEEPALIVE, &dummy) < 0 ? -errno : 0;
}

void irb_watchdog_close(int32_t fd) {
    if (fd < 0) return;
    (void)!write(fd, "V", 1);
    close(fd);
}

// MARK: - Threads and the SPSC ring

struct thread_start {
    pthread_t thread;
    void (*body)(void *);
    void *context;
};

// signals.c: the stop signals are for the loop's thread; the fatal handler needs its own stack.
void irb_block_stop_signals_in_thread(void);
void irb_alternate_signal_stack(void);

static void *thread_main(void *argument) {
    struct thread_start *start = argument;
    irb_block_stop_signals_in_thread();
    irb_alternate_signal_stack();
    start->body(start->context);
    return NULL;
}

void *irb_thread_start(void (*body)(void *), void *context) {
    struct thread_start *start = calloc(1, sizeof *start);
    if (!start) return NULL;
    start->body = body;
    start->context = context;
    // Explicit normal scheduling: by default a thread inherits its creator's policy, and a
    // helper started from a SCHED_FIFO thread would otherwise run at the loop's own priority,
    // where the loop cannot preempt it (measured in docs/board.md).
    pthread_attr_t attributes;
    struct sched_param normal = {.sched_priority = 0};
    if (pthread_attr_init(&attributes) != 0) { free(start); return NULL; }
    pthread_attr_setinheritsched(&attributes, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attributes, SCHED_OTHER);
    pthread_attr_setschedparam(&attributes, &normal);
    int rc = pthread_create(&start->thread, &attributes, thread_main, start);
    pthread_attr_destroy(&attributes);
    if (rc != 0) {
        free(start);
        return NULL;
    }
    return start;
}

int32_t irb_thread_set_cpu(void *thread, int32_t cpu) {
    struct thread_start *start = thread;
    if (cpu < 0 || !start) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(start->thread, sizeof set, &set);
}

void irb_thread_join(void *thread) {
    struct thread_start *start = thread;
    if (!start) return;
    pthread_join(start->thread, NULL);
    free(start);
}

// Lamport's single-producer single-consumer ring: head written only by the consumer, tail only
// by the producer; acquire/release ordering publishes the item bytes with the index.
struct ring {
    _Alignas(64) _Atomic uint32_t head;
    _Alignas(64) _Atomic uint32_t tail;
    uint32_t capacity;  // a power of two
    uint32_t item_size;
    unsigned char *items;
};

void *irb_ring_create(uint32_t capacity, uint32_t item_size) {
    uint32_t size = 1;
    while (size < capacity && size < (1u << 24)) size <<= 1;
    struct ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->items = calloc(size, item_size);
    if (!r->items) { free(r); return NULL; }
    r->capacity = size;
    r->item_size = item_size;
    return r;
}

void irb_ring_destroy(void *ring) {
    struct ring *r = ring;
    if (!r) return;
    free(r->items);
    free(r);
}

int32_t irb_ring_push(void *ring, const void *item) {
    struct ring *r = ring;
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head == r->capacity) return 0;
    memcpy(r->items + (size_t)(tail & (r->capacity - 1)) * r->item_size, item, r->item_size);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return 1;
}

void *irb_word_create(void) {
    _Atomic int32_t *word = calloc(1, sizeof *word);
    return word;
}

void irb_word_destroy(void *word) { free(word); }

void irb_word_set_once(void *word, int32_t value) {
    int32_t expected = 0;
    atomic_compare_exchange_strong((_Atomic int32_t *)word, &expected, value);
}

int32_t irb_word_load(void *word) { return atomic_load((_Atomic int32_t *)word); }

int32_t irb_ring_pop(void *ring, void *item) {
    struct ring *r = ring;
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail) return 0;
    memcpy(item, r->items + (size_t)(head & (r->capacity - 1)) * r->item_size, r->item_size);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return 1;
}
