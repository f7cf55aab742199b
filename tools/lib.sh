# Shared helpers of the tools/ scripts. Source it; do not run it.
#
# Every tool installs the Debian packages it uses through ensure_packages (below), so the two
# commands of the README and everything CI runs work on a fresh Debian bookworm machine that has
# only the Swift toolchain. Installing needs root or non-interactive sudo and Debian's package
# registry; without them the tool names what is missing and exits 2.

# Fails with a clear message when the Swift toolchain is missing (it cannot be installed from
# Debian's packages; the project's machines ship Swift 6.3 at /opt/swift).
require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            echo "irbond: the Swift 6.3 toolchain is required (swift not found on PATH or in /opt/swift)" >&2
            exit 2
        fi
    fi
    # Every Swift build links CSystem, which needs the libgpiod and libi2c headers and libraries.
    require_build_packages
}

# The C libraries the CSystem target links (libgpiod v1, libi2c): installed when missing.
# (Package.swift's CSystemLibraries target names the same two for SwiftPM's own hint.)
require_build_packages() {
    ensure_packages libgpiod-dev libi2c-dev
}

# The command prefix that runs a command as root: nothing for root, "sudo -n" when sudo works
# without a password prompt. Returns 1 when neither is possible.
as_root_prefix() {
    if [ "$(id -u)" -eq 0 ]; then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "sudo -n"
    else
        return 1
    fi
}

# Exits 2 with what is missing and the commands a root user runs to install it: cannot_install
# WHAT COMMAND... (each COMMAND one shell line).
cannot_install() {
    local what=$1; shift
    echo "irbond: ${0#./} needs $what (not installed)" >&2
    echo "irbond: installing it needs root or sudo without a password prompt, and $(id -un) has neither; as root (or with sudo), run:" >&2
    local line
    for line in "$@"; do echo "    $line" >&2; done
    exit 2
}

# Adds a foreign architecture to dpkg (for cross builds' libraries): ensure_architecture ARCH.
ensure_architecture() {
    local arch=$1 root
    dpkg --print-foreign-architectures | grep -qx "$arch" && return 0
    root=$(as_root_prefix) || cannot_install "the $arch architecture in dpkg" "dpkg --add-architecture $arch" "apt-get update"
    echo "irbond: adding the $arch architecture to dpkg" >&2
    $root dpkg --add-architecture "$arch"
    unset IRBOND_APT_UPDATED   # the new architecture's package lists are not fetched yet
}

# Installs the Debian packages among NAME... that are missing: ensure_packages NAME...
# NAME may carry an architecture (libgpiod-dev:arm64). Package lists are updated once per tool
# run (and its child tools). Exits 2 when packages are missing and cannot be installed: not
# root and no sudo, no apt-get, or apt-get install failed (its errors are shown).
ensure_packages() {
    local missing=() native p q arch
    native=$(dpkg --print-architecture 2>/dev/null || echo unknown)
    for p in "$@"; do
        # An unqualified name means the native architecture's package (or an Architecture: all
        # one): with foreign architectures added (arm64, armhf for the release builds) another
        # architecture's copy of it must not count.
        q=${p%%:*}; arch=$native
        [[ "$p" == *:* ]] && arch=${p#*:}
        dpkg-query -W -f='${Status} ${Architecture}\n' "$q" 2>/dev/null \
            | grep -qE "^install ok installed ($arch|all)\$" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local install="apt-get install -y ${missing[*]}"
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "irbond: missing Debian packages: ${missing[*]}; apt-get was not found (irbond's tools expect Debian bookworm)" >&2
        exit 2
    fi
    local root
    root=$(as_root_prefix) || cannot_install "the Debian packages ${missing[*]}" "apt-get update" "$install"
    echo "irbond: installing ${missing[*]}" >&2
    local log
    log=$(mktemp)
    # Update once per tool run; a child tool (tools/release-check -> tools/build-release) inherits it.
    if [ -z "${IRBOND_APT_UPDATED:-}" ]; then
        if $root apt-get update -q -o DPkg::Lock::Timeout=600 >"$log" 2>&1; then
            export IRBOND_APT_UPDATED=1
            # apt-get update succeeds with a source it could not reach ("W: Failed to fetch"):
            # show such warnings, they explain a package that cannot be found next.
            grep -E '^(E|W|Err):' "$log" | head -n 8 | sed 's/^/    apt-get update: /' >&2 || true
        else
            # A half-synced mirror index (one architecture, one suite) must not stop the install
            # of packages the remaining lists have; say what failed and go on.
            echo "irbond: apt-get update failed (the package lists may be old or incomplete):" >&2
            grep -E '^(E|W|Err):' "$log" | head -n 8 | sed 's/^/    /' >&2 || true
            echo "irbond: trying the install with the package lists apt has" >&2
        fi
    fi
    # DPkg::Lock::Timeout: wait for another apt or dpkg run (another tool, another user) to finish.
    # (env inside sudo: sudo drops DEBIAN_FRONTEND from the environment)
    if ! $root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o DPkg::Lock::Timeout=600 "${missing[@]}" >"$log" 2>&1; then
        echo "irbond: could not install ${missing[*]}; apt-get install said:" >&2
        grep -E '^(E|W|Err):|Unable to|has no installation candidate|Depends:' "$log" | head -n 15 | sed 's/^/    /' >&2 \
            || tail -n 15 "$log" | sed 's/^/    /' >&2
        rm -f "$log"
        exit 2
    fi
    rm -f "$log"
}

# Builds the irbond executable in release mode and prints its path; fails (so `bin=$(...)`
# stops the tool under set -e) when the build fails.
release_binary() {
    swift build -c release --product irbond >&2 || return
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
