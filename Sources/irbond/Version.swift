// `irbond version`: what this binary is.

import BondLinux

/// "irbond 0.5.0, commit 1a2b3c4d5e6f, embedded build, aarch64-linux-gnu"
func versionText() -> String {
    #if hasFeature(Embedded)
    let mode = "embedded"
    #elseif DEBUG
    let mode = "debug"
    #else
    let mode = "release"
    #endif
    var target = BuildIdentity.target
    if target.isEmpty {
        #if arch(arm64)
        target = "aarch64-linux-gnu"
        #elseif arch(x86_64)
        target = "x86_64-linux-gnu"
        #elseif arch(arm)
        target = "arm-linux-gnueabihf"
        #else
        target = "unknown"
        #endif
    }
    return "irbond " + BuildIdentity.version + ", commit " + BuildIdentity.commit + ", " + mode
        + " build, " + target
}
