#define _GNU_SOURCE
#include "csystem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

int32_t irb_create_exclusive(const char *path) {
    int fd;
    do {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

static int32_t kind_of(mode_t mode) {
    if (S_ISREG(mode)) return 1;
    if (S_ISDIR(mode)) return 2;
    if (S_ISFIFO(mode)) return 3;
    if (S_ISCHR(mode)) return 4;
    if (S_ISBLK(mode)) return 5;
    if (S_ISSOCK(mode)) return 6;
    return 7;
}

int32_t irb_file_kind(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return errno == ENOENT ? 0 : -errno;
    return kind_of(st.st_mode);
}

int32_t irb_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int32_t irb_real_path(const char *path, char *buffer, size_t capacity) {
    char resolved[PATH_MAX];
    if (!realpath(path, resolved)) return -errno;
    if (strlen(resolved) + 1 > capacity) return -ENAMETOOLONG;
    strcpy(buffer, resolved);
    return 0;
}

int32_t irb_open_regular_for_reading(const char *path, int32_t *kind) {
    int fd;
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    do {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        *kind = kind_of(st.st_mode);
        close(fd);
        return IRB_NOT_REGULAR;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

int32_t irb_sync_data(int32_t fd) { return fdatasync(fd) != 0 ? -errno : 0; }

int32_t irb_truncate(int32_t fd, int64_t length) {
    int rc;
    do {
        rc = ftruncate(fd, (off_t)length);
    } while (rc != 0 && errno == EINTR);
    return rc != 0 ? -errno : 0;
}

int32_t irb_rename(const char *from, const char *to) { return rename(from, to) != 0 ? -errno : 0; }

int32_t irb_unlink(const char *path) { return unlink(path) != 0 ? -errno : 0; }

int32_t irb_sync_directory(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = fsync(fd) != 0 && errno != EINVAL ? -errno : 0;
    close(fd);
    return rc;
}

void *irb_map_shared_file(const char *path, size_t size, int32_t *error) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *error = errno;
        return NULL;
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        *error = errno;
        close(fd);
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);  // the mapping keeps the file
    if (p == MAP_FAILED) {
        *error = e;
        return NULL;
    }
    return p;
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

size_t irb_utc_timestamp(char *buffer, size_t capacity) {
    struct timespec ts;
    if (capacity == 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
    struct tm utc;
    if (!gmtime_r(&ts.tv_sec, &utc)) return 0;
    return strftime(buffer, capacity, "%Y-%m-%dT%H:%M:%SZ", &utc);
}
