/* For scripts/bench/profile.sh. valgrind 3.19 (Debian bookworm) rewrites the mask given to rt_sigsuspend in place;
   libdispatch's dispatch_main, which runs the Swift async main, passes one in read-only memory, and valgrind
   crashes ("the impossible happened"). Preloaded, this passes a writable copy instead. */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
