// `irbond help`: every command and option.

let usage = """
usage: irbond <command> [options]

commands:
  sim                 run one bond cycle on the simulated bonder (the default command)
  bench control       control-quality benchmark: irbond vs a single-loop baseline
  bench sim           how long one whole default cycle takes to simulate
  bench pwm           die ripple of the lamp's on/off modulation, by slot length
  bench machines      irbond and two published baselines on a zoo of 200 plausible machines
                      (--count N, --seed S, --recipe FILE, --write-boards DIR, --details)
  run                 run one bond cycle on a board in real time (--board FILE, a hardware or
                      bench board; --recipe FILE)
  plant               emulate the bonder behind gpio-sim and i2c-stub (the VM bench; see --gpio-sysfs)
  probe               bring-up: which I2C devices answer, sensor readings, inputs (--board FILE;
                      --toggle OUTPUT pulses one output, the lamp only with --allow-lamp)
  check               validate a board and a recipe (--board FILE, --recipe FILE; either may be
                      left to its default) and print the planned cycle and the limits in force
  toml-decode         TOML on standard input -> toml-test tagged JSON on standard output
                      (exit 0), or a message on standard error (exit 1)
  version             version, git commit, build mode (debug / release / embedded) and target
  help                this text

sim options:
  --board FILE        the simulated (or bench) board file (default: the built-in simulated
                      bonder, identical to Board/sim/board.toml)
  --recipe FILE       the recipe file (default: the built-in SAC305 on BT, identical to
                      Board/recipes/sac305-bt.toml); both files are validated first
  --seed N            seed of the simulated plant's noise and faults (default 1)
  --record PATH       write the bond record (JSON) to PATH
  --log PATH          write the per-tick log (CSV) to PATH
  --log-every N       log every Nth tick (default 1: every 50 ms tick)
  --realtime          run at real-time pace (one tick per loop period of wall time)
  --speed X           run at X times real time (implies paced running)
  --baseline          drive with the baseline controller instead of irbond's
  --plant-variant N   use the benchmark's plant variant N (replays one `bench control` run
                      together with --seed N)
  --with-encapsulation  add the optional encapsulant injection and cure to the default recipe
  --with-lead-forming   add the optional securement release and lead-forming lift
  --fault SPEC        inject a fault, SPEC = NAME@SECONDS, NAME one of:
                        estop, seal-lost, chiller-flow, lamp-stuck (SSR welded on), lamp-leak (SSR
                        leaking 15 % power), lamp-failed, pump-failed, n2-stuck (N2 valve stuck open),
                        leak, n2-air, die-open, substrate-open, chuck-open, die-bus-error,
                        die-frozen, pressure-bus-error, o2-bus-error
  --quiet             no progress line

run options:
  --board FILE, --recipe FILE, --record PATH, --log PATH, --log-every N, --quiet   as for sim
  --priority N        SCHED_FIFO priority (default: the board file's [realtime] priority)
  --require-realtime  refuse to run when SCHED_FIFO cannot be had (default: warn and run)
  --no-realtime       neither lock memory nor ask for SCHED_FIFO (emulators, development machines)
  --cpu N             pin the loop to CPU N (instead of the board's [realtime] loop_cpu)
  --loop-period S     override the board's loop period (the latency benchmark runs 0.001)
  --duration S        stop after S seconds (benchmarks); exit 0 if the cycle was still running
  --latency-histogram PATH   write the wake-latency histogram (cyclictest's format) at the end
  --seed N, --fault SPEC   bench boards only: the plant's seed and injected faults (also
                      loop-trap@S: a deliberate trap in the loop, for the fatal-signal check)
  --bench-lines FILE  bench boards only: mirror the output line levels into FILE (one byte per
                      output, 0/1), kept by the kernel however the process ends
  The record and the log are written as PATH.partial while the cycle runs (the partial record
  is rewritten at every step change, the log reaches the disk at least twice a second) and
  renamed to PATH when complete; an existing PATH is never truncated. Any stop signal (SIGINT,
  SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1/2, ...), a log or record write error, or overruns
  abort the cycle in order: safe state, lines released, record and log completed, exit 3.

plant options (the VM bench's plant process, docs/hil.md):
  --board FILE, --recipe FILE, --gpio-sysfs DIR (gpio-sim chip folder), --seed N, --fault SPEC,
  --estop-after-liquid S (press the E-stop S seconds after the solder melted), --duration S,
  --priority N (run the plant at SCHED_FIFO N: above the controller's, so it never waits on it),
  --cpu N (pin the plant to CPU N: the controller's, given to `run --cpu`, so a stall stops both)

probe options:
  --board FILE, --toggle OUTPUT, --allow-lamp, --pulse SECONDS (default 1)

bench control options:
  --variants N        number of seeded plant variants (default 24, at most 1000)
  --seed N            base seed (default 1)

bench sim options:
  --runs N            number of cycles to time (default 10)

exit status: 0 pass, 1 cycle failed its checks, 2 usage or file error, 3 cycle aborted
"""
