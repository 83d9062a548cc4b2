#ifndef STICKY_CLIBMEMCACHED_SHIM_H
#define STICKY_CLIBMEMCACHED_SHIM_H
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>
#endif
