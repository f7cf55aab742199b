#define _GNU_SOURCE
#include "csystem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t irb_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int32_t irb_sleep_until_ns(uint64_t deadline_ns) {
    struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000ull),
                          .tv_nsec = (long)(deadline_ns % 1000000000ull)};
    int rc;
    /* clock_nanosleep returns the error number directly (it does not set errno). */
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR) {
    }
    return rc;
}

int32_t irb_open_for_writing(const char *path) {
    int fd;
    do {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int32_t irb_open_for_reading(const char *path) {
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int32_t irb_write_all(int32_t fd, const void *bytes, size_t length) {
    const char *p = bytes;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int32_t irb_close(int32_t fd) {
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) rc = -errno;
    if (close(fd) != 0 && rc == 0) rc = -errno;
    return rc;
}

int64_t irb_read(int32_t fd, void *buffer, size_t capacity) {
    ssize_t n;
    do {
        n = read(fd, buffer, capacity);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int64_t)n;
}

int32_t irb_isatty(int32_t fd) { return isatty(fd) ? 1 : 0; }

const char *irb_strerror(int32_t error) { return strerror(error); }

// glibc passes (argc, argv, envp) to the functions of .init_array, so the arguments are known
// before main runs, in the host build and in the Embedded build alike.
static int saved_argc;
static char **saved_argv;

__attribute__((constructor)) static void save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}

int32_t irb_argument_count(void) { return saved_argc; }
const char *irb_argument(int32_t index) { return (index >= 0 && index < saved_argc) ? saved_argv[index] : ""; }

// Build identity: tools/build-release defines these; a SwiftPM build says so instead.
#ifndef IRBOND_VERSION
#define IRBOND_VERSION "0.5.0"
#endif
#ifndef IRBOND_COMMIT
#define IRBOND_COMMIT "unknown (swift build)"
#endif
#ifndef IRBOND_TARGET
#define IRBOND_TARGET ""
#endif
const char *irb_version(void) { return IRBOND_VERSION; }
const char *irb_commit(void) { return IRBOND_COMMIT; }
const char *irb_target(void) { return IRBOND_TARGET; }
