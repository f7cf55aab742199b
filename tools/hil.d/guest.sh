# Runs inside the VM (busybox sh), started by /init. Sets up gpio-sim and i2c-stub as
# Board/vm/board.toml describes them, then runs three cycles of the aarch64 release binary with
# `irbond plant` as the machine: first `irbond calibrate` (the identification experiment through
# the real drivers; its model file is what every cycle then runs on), then a passing cycle, an
# E-stop during reflow, an open thermocouple.
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
            securement_release lead_lift emergency_stop film_seal chiller_flow; do
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

B=/board.toml; R=/recipe.toml; MODEL=/tmp/model.toml; ESTOP_IN_REFLOW=
# Calibration: the plant in the background, the experiment in front (~80 s of machine time).
/irbond plant --board $B --recipe $R --gpio-sysfs $SYSFS 2>/tmp/plant-calibrate.txt &
plant=$!
sleep 1
/irbond calibrate --board $B --recipe $R --model-out $MODEL --log /tmp/calibrate.csv > /tmp/calibrate.txt 2>&1
rc_calibrate=$?
kill $plant; wait $plant
echo "=== calibrate (exit $rc_calibrate)"
cat /tmp/calibrate.txt
# A refused or aborted calibration shows the experiment (every 4th tick: time, die and substrate
# readings, lamp duty): what the fit saw.
[ $rc_calibrate = 0 ] || awk -F, '$2 == "identify" && NR % 4 == 0 {print "  identify t=" $1 " die " $3 " sub " $4 " lamp " $13}' /tmp/calibrate.csv
# One cycle: the plant in the background (with its extra options), the controller in front.
# With ESTOP_IN_REFLOW set, the bench presses the E-stop (its gpio-sim line's pull) 1 s after the
# controller's progress line says reflow.
cycle() {
    name=$1; shift
    /irbond plant --board $B --recipe $R --gpio-sysfs $SYSFS "$@" 2>/tmp/plant-$name.txt &
    plant=$!
    sleep 1
    /irbond run --board $B --recipe $R --model $MODEL --record /tmp/$name.json --log /tmp/$name.csv > /tmp/$name.txt 2>/tmp/$name.err &
    run=$!
    if [ -n "$ESTOP_IN_REFLOW" ]; then
        while kill -0 $run 2>/dev/null && ! grep -q '^reflow' /tmp/$name.err; do usleep 200000; done
        sleep 1
        echo pull-up > $SYSFS/sim_gpio9/pull     # line 9: emergency_stop, active high
        echo "hil: E-stop pressed: $(grep '^reflow' /tmp/$name.err | head -1 | cut -c1-40)..."
    fi
    wait $run
    rc=$?
    lamp=$(cat $SYSFS/sim_gpio0/value); relay=$(cat $SYSFS/sim_gpio2/value)
    kill $plant; wait $plant
    echo "=== record: $name (exit $rc; after exit lamp line $lamp, master relay line $relay)"
    cat /tmp/$name.json
    tail -n 1 /tmp/$name.csv | awk -F, '{print "last log row: time " $1 " s, step " $2 ", lamp duty " $13 ", master relay " $18}'
    tail -n 1 /tmp/plant-$name.txt
    eval "rc_$name=$rc; lamp_$name=$lamp; relay_$name=$relay"
}
cycle pass
ESTOP_IN_REFLOW=1 cycle estop
ESTOP_IN_REFLOW=
cycle open --fault die-open@40

ok=1
check() { if eval "$1"; then echo "ok:   $2"; else echo "FAIL: $2"; ok=0; fi; }
check '[ "$rc_calibrate" = 0 ] && [ -s $MODEL ]' "calibrate wrote a model (exit $rc_calibrate)"
check '[ "$rc_pass" = 0 ] && grep -q "\"result\": \"pass\"" /tmp/pass.json' "full cycle passes (exit $rc_pass)"
check '[ "$rc_estop" = 3 ] && grep -q "\"abort_code\": \"emergency_stop\"" /tmp/estop.json' "E-stop in reflow aborts (exit $rc_estop)"
check 'grep -q "\"name\": \"reflow\".*\"outcome\": \"aborted\"" /tmp/estop.json' "the E-stop landed during reflow"
check '[ "$lamp_estop" = 0 ] && [ "$relay_estop" = 0 ] && tail -n 1 /tmp/estop.csv | awk -F, "{exit !(\$13 == 0 && \$18 == 0)}"' "after the E-stop: lamp line low, master relay open"
check '[ "$rc_open" = 3 ] && grep -q "die thermocouple: open circuit" /tmp/open.json' "open thermocouple aborts (exit $rc_open)"
pass_summary=$(grep -o '"die_peak_c": [0-9.]*' /tmp/pass.json)
if [ $ok = 1 ]; then
    echo "hil: pass: calibrated, cycle passed ($pass_summary), E-stop in reflow -> aborted and safe, open thermocouple -> aborted"
    exit 0
fi
echo "hil: FAIL"
exit 1
