// Declarations only (include/CFuzzerDriver.h); SwiftPM wants a C target to have a source file.
#include "CFuzzerDriver.h"
