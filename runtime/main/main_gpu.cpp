//===- main_gpu.cpp - main() of a compiled GPU model executable -----------===//
//
// Linked into every executable `tern-compile --target=sm_XY` produces
// (library tern_runtime_main_gpu), next to the compiler's generated object,
// which defines the four symbols below: the PTX and the launch table.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_runtime.h"

extern "C" const char tern_ptx[];
extern "C" const tern_gpu_kernel tern_gpu_kernels[];
extern "C" const int64_t tern_num_kernels;
extern "C" const char tern_fingerprint[];

int main(int argc, char **argv) {
  const tern_kernel_table table = {nullptr, tern_num_kernels, tern_fingerprint,
                                   tern_ptx, tern_gpu_kernels};
  return tern_main(argc, argv, &table);
}
