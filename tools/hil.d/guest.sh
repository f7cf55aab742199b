# Runs inside the VM (busybox sh), started by /init. Sets up gpio-sim and i2c-stub as
# Board/vm/board.toml describes them, then runs four cycles of the aarch64 release binary with
# `irbond plant` as the machine: first `irbond calibrate` (the identification experiment through
# the real drivers; its model file is what every cycle then runs on), then a passing cycle, an
# E-stop during reflow, an open thermocouple, and SIGKILL of the controller during reflow (the
# heartbeat's watchdog must open the master relay within its hold time).
# Prints each record and one summary line; exits 0 only if all of it behaves.
M=/lib/modules
insmod $M/configfs.ko
mount -t configfs none /sys/kernel/config
insmod $M/gpio-sim.ko
C=/sys/kernel/config/gpio-sim/irbond
mkdir $C $C/bank0
echo 16 > $C/bank0/num_lines
echo irbond-vm > $C/bank0/label
n=0
for name in lamp chiller master_relay vacuum_valve nitrogen_valve vent_valve encapsulant_valve \
            securement_release lead_lift emergency_stop film_seal chiller_flow heartbeat; do
    mkdir $C/bank0/line$n && echo $name > $C/bank0/line$n/name
    n=$((n + 1))
done
echo 1 > $C/live
SYSFS=/sys/devices/platform/$(cat $C/dev_name)/$(cat $C/bank0/chip_name)
insmod $M/i2c-dev.ko
insmod $M/i2c-stub.ko chip_addr=0x48,0x60,0x61,0x62
BUS=$(i2cdetect -l | awk '/stub/{sub("i2c-","",$1); print $1}')
ln -s /dev/i2c-$BUS /dev/i2c-stub
echo "hil: gpio-sim chip $(cat $C/bank0/chip_name) at $SYSFS, i2c-stub on /dev/i2c-$BUS"
/irbond --version

B=/board.toml; R=/recipe.toml; MODEL=/tmp/model.toml; IN_REFLOW=
HOLD=$(awk -F= '/^hold_s/{print $2 + 0; exit}' $B)   # the heartbeat watchdog's hold time
OUTPUT_LINES="0 1 2 3 4 5 6 7 8 12"                   # every output line, the heartbeat (12) last
# The plant runs at SCHED_FIFO above the controller's (board [realtime] priority) and on the
# controller's CPU: the machine's physics must not wait for the controller's tick, and a stall of
# that emulated CPU then stops both, so the controller never switches the lamp unseen (a missed
# or doubled lamp pulse spoils the calibration). The controller's logger thread goes to the other CPU.
PLANT_PRIORITY=$(awk -F= '/^priority/{print $2 + 10; exit}' $B)
CPU=1
# Calibration: the plant in the background, the experiment in front (~80 s of machine time).
# A refused fit is tried again (up to three times), as an operator would: the emulated plant is a
# second process on an emulated CPU, and on a loaded host its rounds can come tens of ms late,
# which the fit rightly refuses. Every attempt is printed, and summarised at the end.
: > /tmp/calibration-summary.txt
for attempt in 1 2 3; do
    /irbond plant --board $B --recipe $R --gpio-sysfs $SYSFS --priority $PLANT_PRIORITY --cpu $CPU 2>/tmp/plant-calibrate.txt &
    plant=$!
    sleep 1
    /irbond calibrate --board $B --recipe $R --model-out $MODEL --cpu $CPU --log /tmp/calibrate.csv > /tmp/calibrate.txt 2>&1
    rc_calibrate=$?
    kill $plant; wait $plant
    echo "=== calibrate, attempt $attempt (exit $rc_calibrate)"
    cat /tmp/calibrate.txt
    tail -n 1 /tmp/plant-calibrate.txt
    echo "hil: calibrate attempt $attempt: exit $rc_calibrate; $(grep -o 'residual RMS.*' /tmp/calibrate.txt | head -1);" \
         "$(grep -E '^(fit refused|calibration aborted|model written)' /tmp/calibrate.txt | head -1 | cut -c1-300);" \
         "plant: $(tail -n 1 /tmp/plant-calibrate.txt | grep -o '[0-9]* rounds more than 10 ms late.*')" >> /tmp/calibration-summary.txt
    [ $rc_calibrate = 1 ] || break
done
grep 'heartbeat lost' /tmp/plant-calibrate.txt
# A refused or aborted calibration shows the experiment (every 4th tick: time, die and substrate
# readings, lamp duty): what the fit saw.
[ $rc_calibrate = 0 ] || awk -F, '$2 == "identify" && NR % 4 == 0 {print "  identify t=" $1 " die " $3 " sub " $4 " lamp " $13}' /tmp/calibrate.csv
# Refused three times: the fit judged the emulator's timing (see the summary's late rounds), not
# the drivers. The cycles below still have to run, so they get the model of the same experiment
# on this board's [plant] in the simulator (`calibrate --simulate`: the physics `irbond plant`
# emulates), and the summary says so. An aborted or trapped calibration (exit 2, 3 or a signal)
# is a failure: that is the product, not the emulator.
model_source="fitted in the VM through the drivers (attempt $attempt)"
if [ $rc_calibrate = 1 ]; then
    /irbond calibrate --board $B --recipe $R --model-out $MODEL --simulate > /tmp/calibrate-simulated.txt 2>&1
    echo "=== calibrate --simulate (exit $?)"
    cat /tmp/calibrate-simulated.txt
    model_source="WARNING: refused three times in the VM (emulator timing); the cycles ran on the simulated twin's model"
fi
# One cycle: the plant in the background (with its extra options), the controller in front.
# With IN_REFLOW=estop the bench presses the E-stop (its gpio-sim line's pull) 1 s after the
# controller's progress line says reflow; with IN_REFLOW=kill it SIGKILLs the controller then.
cycle() {
    name=$1; shift
    /irbond plant --board $B --recipe $R --gpio-sysfs $SYSFS --priority $PLANT_PRIORITY --cpu $CPU "$@" 2>/tmp/plant-$name.txt &
    plant=$!
    sleep 1
    /irbond run --board $B --recipe $R --model $MODEL --cpu $CPU --record /tmp/$name.json --log /tmp/$name.csv > /tmp/$name.txt 2>/tmp/$name.err &
    run=$!
    if [ -n "$IN_REFLOW" ]; then
        while kill -0 $run 2>/dev/null && ! grep -q '^reflow' /tmp/$name.err; do usleep 200000; done
        sleep 1
        if [ "$IN_REFLOW" = estop ]; then
            echo pull-up > $SYSFS/sim_gpio9/pull     # line 9: emergency_stop, active high
            echo "hil: E-stop pressed: $(grep '^reflow' /tmp/$name.err | head -1 | cut -c1-40)..."
        else
            # A Raspberry Pi's pins keep their last level when the process that drove them dies,
            # whereas gpio-sim returns a released line to its pull: set every output's pull to its
            # present level first, so the lines freeze as on the Pi (the master relay line stays
            # on) and only the heartbeat's watchdog can open the relay.
            for n in $OUTPUT_LINES; do
                if [ "$(cat $SYSFS/sim_gpio$n/value)" = 1 ]; then echo pull-up > $SYSFS/sim_gpio$n/pull
                else echo pull-down > $SYSFS/sim_gpio$n/pull; fi
            done
            killed_at=$(cut -d' ' -f1 /proc/uptime)
            kill -9 $run
            echo "hil: SIGKILL at uptime $killed_at s (master relay line $(cat $SYSFS/sim_gpio2/value), lamp line $(cat $SYSFS/sim_gpio0/value)): $(grep '^reflow' /tmp/$name.err | head -1 | cut -c1-40)..."
        fi
    fi
    wait $run
    rc=$?
    if [ "$IN_REFLOW" = kill ]; then
        dead_at=$(cut -d' ' -f1 /proc/uptime)   # the process is gone (its lines released)
        sleep 2                                   # the plant runs on: time for the watchdog to time out
    fi
    lamp=$(cat $SYSFS/sim_gpio0/value); relay=$(cat $SYSFS/sim_gpio2/value)
    kill $plant; wait $plant
    echo "=== record: $name (exit $rc; after exit lamp line $lamp, master relay line $relay)"
    cat /tmp/$name.json 2>/dev/null || echo "(no record: the controller was killed, or never started)"
    log=/tmp/$name.csv; [ -f $log ] || log=$log.partial   # a killed controller leaves its log partial
    tail -n 1 $log | awk -F, '{print "last log row: time " $1 " s, step " $2 ", lamp duty " $13 ", master relay " $18}'
    grep 'heartbeat lost' /tmp/plant-$name.txt
    tail -n 1 /tmp/plant-$name.txt
    eval "rc_$name=$rc; lamp_$name=$lamp; relay_$name=$relay"
}
cycle pass
IN_REFLOW=estop cycle estop
IN_REFLOW=
cycle open --fault die-open@40
IN_REFLOW=kill cycle kill
IN_REFLOW=
# The kill: when the plant saw the relay drop (CLOCK_MONOTONIC, which /proc/uptime also counts
# in a VM that never suspends) against the kill.
drop=$(grep 'heartbeat lost' /tmp/plant-kill.txt | tail -n 1 | sed -n 's/.*drop_s=\([0-9.]*\).*/\1/p')
delay=$(awk -v d="${drop:-0}" -v k="$killed_at" 'BEGIN { printf "%.3f", d - k }')
after_exit=$(awk -v d="${drop:-0}" -v k="$dead_at" 'BEGIN { printf "%.3f", d - k }')
exit_s=$(awk -v a="$dead_at" -v k="$killed_at" 'BEGIN { printf "%.3f", a - k }')
echo "hil: SIGKILL at $killed_at s, process gone at $dead_at s (its exit took $exit_s s), master relay dropped at ${drop:-never} s: ${delay} s after the kill, ${after_exit} s after the exit (hold $HOLD s)"

ok=1
check() { if eval "$1"; then echo "ok:   $2"; else echo "FAIL: $2"; ok=0; fi; }
cat /tmp/calibration-summary.txt
echo "hil: the cycles' model: $model_source"
check '{ [ "$rc_calibrate" = 0 ] || { [ "$rc_calibrate" = 1 ] && grep -q "^fit refused" /tmp/calibrate.txt; }; } && [ -s $MODEL ]' \
      "calibrate through the drivers: a model written (exit 0), or the fit refused with its reasons (exit 1; last exit $rc_calibrate)"
check '[ "$rc_pass" = 0 ] && grep -q "\"result\": \"pass\"" /tmp/pass.json' "full cycle passes (exit $rc_pass)"
check '[ "$rc_estop" = 3 ] && grep -q "\"abort_code\": \"emergency_stop\"" /tmp/estop.json' "E-stop in reflow aborts (exit $rc_estop)"
check 'grep -q "\"name\": \"reflow\".*\"outcome\": \"aborted\"" /tmp/estop.json' "the E-stop landed during reflow"
check '[ "$lamp_estop" = 0 ] && [ "$relay_estop" = 0 ] && tail -n 1 /tmp/estop.csv | awk -F, "{exit !(\$13 == 0 && \$18 == 0)}"' "after the E-stop: lamp line low, master relay open"
check '[ "$rc_open" = 3 ] && grep -q "die thermocouple: open circuit" /tmp/open.json' "open thermocouple aborts (exit $rc_open)"
check 'tail -n 1 /tmp/plant-pass.txt | grep -q " 0 heartbeat drop-outs" && ! tail -n 1 /tmp/plant-pass.txt | grep -q " 0 heartbeat edges"' "the heartbeat held the relay through the passing cycle ($(tail -n 1 /tmp/plant-pass.txt | grep -o '[0-9]* heartbeat edges, [0-9]* heartbeat drop-outs'))"
check '[ "$rc_kill" = 137 ] && [ "$relay_kill" = 1 ]' "SIGKILL in reflow (exit $rc_kill), the master relay line left on ($relay_kill)"
# Within the hold of the controller's end: not before the kill (it was the heartbeat), and at
# most the hold after the killed process was gone. The process's exit is part of its death: in
# the emulated VM it takes tens of ms, and releasing its gpio-sim lines can make one last edge
# (a heartbeat that toggled after the freeze returns to its frozen pull); a Pi's pins would not.
# The emulation adds up to 50 ms: the plant sees an edge and the timeout each up to a 10 ms
# round late, /proc/uptime counts in 10 ms steps, the emulated CPUs lag a little.
check '[ -n "$drop" ] && awk -v d="$delay" -v e="$after_exit" -v h="$HOLD" "BEGIN { exit !(d >= -0.01 && e <= h + 0.05) }"' "the heartbeat's watchdog opened the master relay ${delay} s after the SIGKILL, ${after_exit} s after the process was gone (hold $HOLD s)"
pass_summary=$(grep -o '"die_peak_c": [0-9.]*' /tmp/pass.json)
if [ $ok = 1 ]; then
    echo "hil: pass: calibrated ($model_source), cycle passed ($pass_summary), E-stop in reflow -> aborted and safe, open thermocouple -> aborted, SIGKILL in reflow -> master relay open ${delay} s after the kill, ${after_exit} s after the exit (hold $HOLD s)"
    exit 0
fi
echo "hil: FAIL"
exit 1
