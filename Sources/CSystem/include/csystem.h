// The only C in irbond: plain wrappers over the libc, libi2c and libgpiod calls the program
// needs, with stdint signatures that Swift (including Embedded Swift) can call directly: the
// variadic open/ioctl, function-like ioctl macros, signal handlers, threads and atomics that
// Swift cannot reach itself. Every Linux call of irbond is in this target.
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

/// Creates `path` for writing, failing if anything exists there (O_EXCL: never a FIFO, a
/// device or another file). Returns a descriptor or -errno.
int32_t irb_create_exclusive(const char *path);

/// Opens `path` for reading. Returns a descriptor or -errno.
int32_t irb_open_for_reading(const char *path);

/// Opens a regular file for reading without ever blocking on a FIFO (O_NONBLOCK, then fstat).
/// Returns a descriptor, -errno, or IRB_NOT_REGULAR with *kind set (see irb_file_kind).
int32_t irb_open_regular_for_reading(const char *path, int32_t *kind);
#define IRB_NOT_REGULAR (-100000)

/// What is at `path` (following symbolic links): 0 nothing (ENOENT), 1 regular file,
/// 2 directory, 3 FIFO, 4 character device, 5 block device, 6 socket, 7 other; or -errno.
int32_t irb_file_kind(const char *path);

/// 1 if both paths exist and are the same file (device and inode), else 0.
int32_t irb_same_file(const char *a, const char *b);

/// The canonical absolute path of an existing `path` (realpath) into `buffer`. 0 or -errno.
int32_t irb_real_path(const char *path, char *buffer, size_t capacity);

/// fdatasync. 0 or -errno.
int32_t irb_sync_data(int32_t fd);

/// Cuts the file to `length` bytes. 0 or -errno.
int32_t irb_truncate(int32_t fd, int64_t length);

/// rename(2). 0 or -errno.
int32_t irb_rename(const char *from, const char *to);

/// unlink(2). 0 or -errno.
int32_t irb_unlink(const char *path);

/// fsync of a directory (a rename in it reaches the disk). 0 or -errno.
int32_t irb_sync_directory(const char *path);

/// Maps `size` bytes of `path` (created or truncated to that size) shared: writes survive the
/// process, however it ends. NULL and *error = errno on failure.
void *irb_map_shared_file(const char *path, size_t size, int32_t *error);

/// Writes all of `length` bytes (retrying short writes and EINTR). Returns 0 or -errno.
int32_t irb_write_all(int32_t fd, const void *bytes, size_t length);

/// Flushes to disk and closes. Returns 0 or -errno.
int32_t irb_close(int32_t fd);

/// Reads up to `capacity` bytes (retrying EINTR). Returns the count (0 at end of file) or -errno.
int64_t irb_read(int32_t fd, void *buffer, size_t capacity);

/// 1 if `fd` is a terminal.
int32_t irb_isatty(int32_t fd);

/// The program's arguments, captured at start-up (argv[0] is the program).
int32_t irb_argument_count(void);
const char *irb_argument(int32_t index);

/// Build identity: version, git commit and target triple (empty in SwiftPM builds).
const char *irb_version(void);
const char *irb_commit(void);
const char *irb_target(void);

/// The wall-clock time as ISO 8601 UTC ("2026-12-03T10:00:00Z") into `buffer`; the length
/// written (0 on failure). For provenance lines only: the control path never reads wall time.
size_t irb_utc_timestamp(char *buffer, size_t capacity);

/// The text of an errno value (strerror).
const char *irb_strerror(int32_t error);

// MARK: - I2C (i2c-dev and libi2c's SMBus calls)

/// Opens an I2C bus device (`/dev/i2c-N`). Returns a descriptor or -errno.
int32_t irb_i2c_open(const char *path);

/// Selects the 7-bit target address for the following transfers (ioctl I2C_SLAVE). 0 or -errno.
int32_t irb_i2c_set_address(int32_t fd, uint8_t address);

/// SMBus read word: the two bytes as the bus delivers them, first byte in the LOW half
/// (0...65535), or -errno. Big-endian chips (MCP9600, ADS1115) need a byte swap.
int32_t irb_i2c_read_word(int32_t fd, uint8_t reg);

/// SMBus read byte data: 0...255 or -errno.
int32_t irb_i2c_read_byte(int32_t fd, uint8_t reg);

/// SMBus write byte data. 0 or -errno.
int32_t irb_i2c_write_byte(int32_t fd, uint8_t reg, uint8_t value);

/// SMBus write word data; the LOW half goes on the wire first. 0 or -errno.
int32_t irb_i2c_write_word(int32_t fd, uint8_t reg, uint16_t value);

// MARK: - GPIO (libgpiod v1; one backend, replaceable by a v2 one behind the same calls)

/// Opens a GPIO chip by path (`/dev/gpiochip0`), name (`gpiochip0`) or label. NULL and *error = errno on failure.
void *irb_gpio_chip_open(const char *chip, int32_t *error);
void irb_gpio_chip_close(void *chip);
/// Number of lines of the chip.
uint32_t irb_gpio_chip_line_count(void *chip);
/// The chip's label into `buffer` (NUL-terminated, truncated to `capacity`).
void irb_gpio_chip_label(void *chip, char *buffer, size_t capacity);
/// Offset of the line called `name` on this chip, or -1.
int32_t irb_gpio_find_line(void *chip, const char *name);

/// Requests one line as an output driven to `level` (0/1) at once. NULL and *error = errno on failure.
void *irb_gpio_request_output(void *chip, uint32_t offset, const char *consumer, int32_t level, int32_t *error);
/// Requests one line as an input. NULL and *error = errno on failure.
void *irb_gpio_request_input(void *chip, uint32_t offset, const char *consumer, int32_t *error);
/// Drives a requested output line. 0 or -errno.
int32_t irb_gpio_set(void *line, int32_t level);
/// Reads a requested line: 0, 1 or -errno.
int32_t irb_gpio_get(void *line);
/// Releases a requested line.
void irb_gpio_release(void *line);

// MARK: - Real time

/// mlockall(MCL_CURRENT | MCL_FUTURE). 0 or -errno.
int32_t irb_lock_memory(void);
/// Touches `bytes` of stack so that the loop never page-faults on it.
void irb_prefault_stack(size_t bytes);
/// SCHED_FIFO at `priority` for the calling thread. 0 or an errno value.
int32_t irb_set_fifo_priority(int32_t priority);
/// The calling thread's SCHED_FIFO priority, or 0 when it runs at another policy.
int32_t irb_current_fifo_priority(void);
/// Pins the calling thread to one CPU (-1: leave as is). 0 or an errno value.
int32_t irb_set_cpu(int32_t cpu);
/// Pins a thread started by irb_thread_start to one CPU (-1: leave as is). 0 or an errno value.
int32_t irb_thread_set_cpu(void *thread, int32_t cpu);
/// The lowest CPU other than `excluded` that the calling thread may run on (sched_getaffinity), or -1.
int32_t irb_other_allowed_cpu(int32_t excluded);
/// The CPU the calling thread runs on now (sched_getcpu), or -errno.
int32_t irb_current_cpu(void);
/// Asks the kernel's PM QoS for at most `microseconds` of CPU wake-up latency (writes it to
/// /dev/cpu_dma_latency, as cyclictest does with 0): the idle loop then avoids idle states that
/// take longer to leave (with 0: it polls). The request holds while the returned descriptor is
/// open. A descriptor or -errno.
int32_t irb_request_cpu_latency(int32_t microseconds);
/// Ends a request made above (closes the descriptor; -1 is ignored).
void irb_release_cpu_latency(int32_t fd);
/// Timer slack of the calling thread (PR_SET_TIMERSLACK), at least 1 ns (0 would mean "the
/// default", 50 us). SCHED_FIFO threads get none anyway; this matters when FIFO is not had.
/// 0 or -errno.
int32_t irb_set_timer_slack_ns(uint64_t nanoseconds);

// MARK: - Signals (signals.c)

/// Every catchable signal whose default would end or stop the process (SIGHUP, SIGINT, SIGQUIT,
/// SIGPIPE, SIGALRM, SIGTERM, SIGUSR1/2, SIGIO, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ, SIGSTKFLT,
/// SIGPWR, SIGTSTP and the real-time signals) sets a flag instead; SIGTTIN and SIGTTOU are
/// ignored. For `irbond run` and `probe` these signals are blocked before the program's first
/// instruction (.preinit_array) until this call installs the handlers and unblocks them, so none
/// is lost or fatal during start-up. 0 or -errno.
int32_t irb_install_stop_signals(void);
/// The first stop signal received, or 0 (async-signal-safe; read every tick).
int32_t irb_stop_signal(void);
/// How many stop signals arrived.
int32_t irb_stop_signal_count(void);
/// "SIGTERM" and the like ("SIG?" for an unknown number).
const char *irb_signal_name(int32_t signal);

/// Installs the fatal-signal handler for SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT and
/// SIGSYS on an alternate signal stack: it drives every registered output to its safe level
/// with async-signal-safe calls (lamp first, then the master relay, then the rest, in
/// registration order), writes one line to standard error, and re-raises the signal with its
/// default action. 0 or -errno.
int32_t irb_install_fatal_handler(void);
/// Registers a requested libgpiod output line and its safe physical level (0/1). At most 32
/// lines in all; 0 or -ENOSPC.
int32_t irb_safe_line_gpio(void *line, int32_t level);
/// Registers a byte (the bench board's mirrored line) and its safe level.
int32_t irb_safe_line_memory(uint8_t *byte, int32_t level);
/// Forgets every registered line (before they are released).
void irb_forget_safe_lines(void);
/// Drives every registered line to its safe level now (what the fatal handler does).
void irb_drive_safe_lines(void);

// MARK: - Watchdog (/dev/watchdog)

/// Opens the watchdog and sets its timeout (WDIOC_SETTIMEOUT; rounded by the driver). fd or -errno.
int32_t irb_watchdog_open(const char *path, int32_t timeout_seconds);
/// WDIOC_KEEPALIVE. 0 or -errno.
int32_t irb_watchdog_pet(int32_t fd);
/// Magic close ('V'): disarms the watchdog and closes it.
void irb_watchdog_close(int32_t fd);

// MARK: - Threads and a lock-free single-producer single-consumer queue

/// Starts a thread running `body(context)`, with the stop signals blocked (they reach the loop's
/// thread) and an alternate signal stack for the fatal handler, at normal scheduling
/// (SCHED_OTHER) whatever the caller's policy: helper threads never share the loop's real-time
/// priority. It inherits the caller's CPU affinity (irb_thread_set_cpu changes it). Returns a
/// handle or NULL.
void *irb_thread_start(void (*body)(void *), void *context);
/// Joins and frees a thread started above.
void irb_thread_join(void *thread);

/// A bounded SPSC ring of `capacity` items of `item_size` bytes, allocated at start-up.
void *irb_ring_create(uint32_t capacity, uint32_t item_size);
void irb_ring_destroy(void *ring);
/// Copies one item in; 1 if it fit, 0 if the ring was full (the producer never waits).
int32_t irb_ring_push(void *ring, const void *item);
/// Copies one item out; 1 if there was one, 0 if the ring was empty.
int32_t irb_ring_pop(void *ring, void *item);

/// A shared word written once by one thread and read by another (C11 atomics).
void *irb_word_create(void);
void irb_word_destroy(void *word);
/// Stores `value` unless a non-zero value is already there (the first one wins).
void irb_word_set_once(void *word, int32_t value);
int32_t irb_word_load(void *word);

// MARK: - Heap allocation counter

/// Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by the
/// calling thread since it started counting. irbond's malloc family wraps glibc's.
void irb_count_allocations(int32_t enabled);
uint64_t irb_thread_allocations(void);

#endif
