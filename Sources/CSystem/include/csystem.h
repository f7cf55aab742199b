// The only C in irbond: plain wrappers over the few libc calls the host program needs, with
// stdint signatures that Swift (including Embedded Swift) can call directly. Issue 4 adds the
// I2C and GPIO calls here, so that every Linux call stays in this one place.
#ifndef IRBOND_CSYSTEM_H
#define IRBOND_CSYSTEM_H

#include <stdint.h>
#include <stddef.h>

/// Monotonic clock (CLOCK_MONOTONIC), nanoseconds.
uint64_t irb_monotonic_ns(void);

/// Sleeps until the monotonic clock reads `deadline_ns` (clock_nanosleep, TIMER_ABSTIME;
/// retried on EINTR). Returns 0 or an errno value.
int32_t irb_sleep_until_ns(uint64_t deadline_ns);

/// Opens `path` for writing (created or truncated, 0644). Returns a descriptor or -errno.
int32_t irb_open_for_writing(const char *path);

/// Opens `path` for reading. Returns a descriptor or -errno.
int32_t irb_open_for_reading(const char *path);

/// Writes all of `length` bytes (retrying short writes and EINTR). Returns 0 or -errno.
int32_t irb_write_all(int32_t fd, const void *bytes, size_t length);

/// Flushes to disk and closes. Returns 0 or -errno.
int32_t irb_close(int32_t fd);

/// Reads up to `capacity` bytes (retrying EINTR). Returns the count (0 at end of file) or -errno.
int64_t irb_read(int32_t fd, void *buffer, size_t capacity);

/// 1 if `fd` is a terminal.
int32_t irb_isatty(int32_t fd);

/// The text of an errno value (strerror).
const char *irb_strerror(int32_t error);

#endif
