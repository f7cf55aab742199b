# Shared helpers of the tools/ scripts. Source it; do not run it.

# Fails with a clear message when the Swift toolchain is missing (it cannot be installed from
# Debian's packages; the project's machines ship Swift 6.3 at /opt/swift).
require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            echo "irbond: the Swift 6.3 toolchain is required (swift not found on PATH)" >&2
            exit 2
        fi
    fi
    # Every Swift build links CSystem, which needs the libgpiod and libi2c headers and libraries.
    require_build_packages
}

# The C libraries the CSystem target links (libgpiod v1, libi2c): installed when missing.
require_build_packages() {
    ensure_packages libgpiod-dev libi2c-dev
}

# Installs Debian packages that are missing: ensure_packages NAME...
ensure_packages() {
    local missing=() native
    native=$(dpkg --print-architecture)
    for p in "$@"; do
        # Qualify with the native architecture: with foreign architectures added (arm64,
        # armhf for the release builds) an unqualified name is ambiguous to dpkg.
        local q=$p
        [[ "$p" == *:* ]] || q="$p:$native"
        dpkg-query -W -f='${Status}' "$q" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "irbond: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # A half-synced mirror index for one architecture must not stop the install of the others.
    $sudo apt-get update -qq || echo "irbond: apt-get update reported errors; trying the install anyway" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds the irbond executable in release mode and prints its path.
release_binary() {
    swift build -c release --product irbond >&2
    echo "$(swift build -c release --show-bin-path)/irbond"
}

# The bench board's machine model, calibrated once on its [plant] in the simulator and cached:
# `irbond run` runs only on a model (docs/control.md). Prints the model file's path.
#   bench_model BIN [RECIPE]
bench_model() {
    local bin=$1 recipe=${2:-Board/recipes/bench-short.toml} model=.build/bench-model.toml
    mkdir -p .build
    if [ ! -s "$model" ] || [ "$bin" -nt "$model" ] || [ Board/bench/board.toml -nt "$model" ]; then
        "$bin" calibrate --board Board/bench/board.toml --recipe "$recipe" --simulate --quiet --model-out "$model" >&2 \
            || { echo "irbond: calibrating the bench board failed" >&2; return 1; }
    fi
    echo "$model"
}
