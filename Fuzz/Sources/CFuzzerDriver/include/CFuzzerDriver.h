#ifndef C_FUZZER_DRIVER_H
#define C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11 and later), in libclang_rt.fuzzer, which `-sanitize=fuzzer` links: parses the
/// libFuzzer flags in argv and fuzzes `callback` (the `LLVMFuzzerTestOneInput` of a target).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
