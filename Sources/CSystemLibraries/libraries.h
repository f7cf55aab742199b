// The headers of the system libraries behind CSystem (see module.modulemap).
#include <gpiod.h>
#include <i2c/smbus.h>
