// Signals: the stop signals that end a cycle in order, and the fatal-signal handler that drives
// the outputs safe when the process is about to die anyway (a trapped precondition, a crash).
// Declarations and contracts in csystem.h; why and what happens on each way out: docs/safety.md.
#define _GNU_SOURCE
#include "csystem.h"

#include <errno.h>
#include <gpiod.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// MARK: - Stop signals

static void stop_set(sigset_t *set) {
    static const int fixed[] = {SIGHUP,  SIGINT,    SIGQUIT, SIGPIPE,   SIGALRM,  SIGTERM, SIGUSR1, SIGUSR2,
                                SIGIO,   SIGPROF,   SIGVTALRM, SIGXCPU, SIGXFSZ,  SIGSTKFLT, SIGPWR, SIGTSTP};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) sigaddset(set, fixed[i]);
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++) sigaddset(set, s);
}

// The commands that drive outputs block the stop signals before anything else runs: a signal
// during start-up then waits, pending, until the handlers are in place, instead of killing a
// process that may hold lines. From .preinit_array, which glibc runs (with argc and argv) right
// after the dynamic linker has loaded the libraries and before any library's constructor;
// earlier than that the process has touched nothing, so a signal that kills it there is harmless.
static void block_stop_signals_early(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2) return;
    if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "probe") != 0 && strcmp(argv[1], "calibrate") != 0) return;
    sigset_t set;
    stop_set(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

__attribute__((section(".preinit_array"), used)) static void (*const block_stop_signals_at_start)(int, char **, char **) =
    block_stop_signals_early;

static _Atomic int32_t first_stop_signal = 0;
static _Atomic int32_t stop_signal_count = 0;

static void on_stop(int signal) {
    int32_t expected = 0;
    atomic_compare_exchange_strong(&first_stop_signal, &expected, signal);
    atomic_fetch_add(&stop_signal_count, 1);
}

int32_t irb_install_stop_signals(void) {
    sigset_t set;
    stop_set(&set);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    action.sa_flags = SA_RESTART;
    sigfillset(&action.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (sigismember(&set, s) == 1 && sigaction(s, &action, NULL) < 0) return -errno;
    }
    signal(SIGTTIN, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    // Now deliver whatever arrived while they were blocked.
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) return -errno;
    return 0;
}

int32_t irb_stop_signal(void) { return atomic_load(&first_stop_signal); }
int32_t irb_stop_signal_count(void) { return atomic_load(&stop_signal_count); }

void irb_block_stop_signals_in_thread(void) {
    sigset_t set;
    stop_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

const char *irb_signal_name(int32_t signal) {
    static char names[65][16];
    if (signal <= 0 || signal > 64) return "SIG?";
    if (names[signal][0] == 0) {
        const char *abbreviation = sigabbrev_np(signal);
        if (abbreviation) {
            strcpy(names[signal], "SIG");
            strncat(names[signal], abbreviation, sizeof names[signal] - 4);
        } else {
            strcpy(names[signal], "SIG?");
        }
    }
    return names[signal];
}

// MARK: - The fatal-signal handler

enum { MAX_SAFE_LINES = 32 };
struct safe_line {
    struct gpiod_line *gpio;  // a requested libgpiod output line, or NULL
    volatile uint8_t *byte;   // a mirrored line (bench board), or NULL
    int level;
};
static struct safe_line safe_lines[MAX_SAFE_LINES];
static _Atomic int safe_line_count = 0;

static int32_t add_safe_line(struct gpiod_line *gpio, uint8_t *byte, int32_t level) {
    int n = atomic_load(&safe_line_count);
    if (n >= MAX_SAFE_LINES) return -ENOSPC;
    safe_lines[n] = (struct safe_line){.gpio = gpio, .byte = byte, .level = level ? 1 : 0};
    atomic_store(&safe_line_count, n + 1);  // published after the entry is complete
    return 0;
}

int32_t irb_safe_line_gpio(void *line, int32_t level) { return add_safe_line(line, NULL, level); }
int32_t irb_safe_line_memory(uint8_t *byte, int32_t level) { return add_safe_line(NULL, byte, level); }
void irb_forget_safe_lines(void) { atomic_store(&safe_line_count, 0); }

// gpiod_line_set_value (libgpiod 1.6) builds a one-line bulk on the stack and makes one
// GPIOHANDLE_SET_LINE_VALUES_IOCTL: no allocation, no lock, so it is safe in a signal handler.
void irb_drive_safe_lines(void) {
    int n = atomic_load(&safe_line_count);
    for (int i = 0; i < n; i++) {
        if (safe_lines[i].gpio) (void)gpiod_line_set_value(safe_lines[i].gpio, safe_lines[i].level);
        if (safe_lines[i].byte) *safe_lines[i].byte = (uint8_t)safe_lines[i].level;
    }
}

static void write_text(const char *text) { (void)!write(2, text, strlen(text)); }

static void on_fatal(int signal, siginfo_t *info, void *context) {
    (void)info;
    (void)context;
    int n = atomic_load(&safe_line_count);
    irb_drive_safe_lines();
    char number[12];
    int i = sizeof number - 1;
    number[i] = 0;
    int count = n;
    do {
        number[--i] = (char)('0' + count % 10);
        count /= 10;
    } while (count > 0 && i > 0);
    write_text("irbond: fatal signal ");
    const char *abbreviation = sigabbrev_np(signal);
    write_text("SIG");
    write_text(abbreviation ? abbreviation : "?");
    write_text(": ");
    write_text(number + i);
    write_text(" output lines driven to their safe levels; the record of this cycle stays partial\n");
    // The default action (core dump and death by this signal), as if we had not been here.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, NULL);
    raise(signal);  // pending while the handler runs; delivered when it returns
}

void irb_alternate_signal_stack(void) {
    // One per thread, allocated at thread start (never in the loop), kept for the thread's life.
    stack_t stack;
    memset(&stack, 0, sizeof stack);
    stack.ss_size = 64 * 1024;
    stack.ss_sp = malloc(stack.ss_size);
    if (stack.ss_sp) sigaltstack(&stack, NULL);
}

int32_t irb_install_fatal_handler(void) {
    irb_alternate_signal_stack();
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGSYS};
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&action.sa_mask);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        if (sigaction(fatal[i], &action, NULL) < 0) return -errno;
    }
    return 0;
}
