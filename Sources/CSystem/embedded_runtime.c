// What the Embedded Swift standard library expects the platform to provide and glibc does not
// under the name it uses. Compiled only into Embedded release builds (tools/build-release passes
// -DIRBOND_EMBEDDED); the host build gets these from the Swift runtime library.
#ifdef IRBOND_EMBEDDED
#define _GNU_SOURCE
#include <locale.h>
#include <stdlib.h>

// Double(String) parses through this, in the C locale whatever the process locale is.
const char *_swift_stdlib_strtod_clocale(const char *nptr, double *outResult) {
    static locale_t c_locale;
    if (!c_locale) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    char *end = NULL;
    *outResult = strtod_l(nptr, &end, c_locale);
    return end;
}
#endif
