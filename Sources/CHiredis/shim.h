#ifndef STICKY_CHIREDIS_SHIM_H
#define STICKY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
