//===- main_gpu.cpp - main() of a compiled GPU model executable -----------===//
//
// Linked into every executable `tern-compile --target=sm_XY` produces
// (library tern_runtime_main_gpu), next to the compiler's generated object,
// which defines the five symbols below: the PTX, the launch table and the
// plan contract.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_runtime.h"

extern "C" const char tern_ptx[];
extern "C" const tern_gpu_kernel tern_gpu_kernels[];
extern "C" const int64_t tern_num_kernels;
extern "C" const char tern_fingerprint[];
extern "C" const tern_plan_contract tern_contract;

int main(int argc, char **argv) {
  const tern_kernel_table table = {nullptr, tern_num_kernels, tern_fingerprint,
                                   tern_ptx, tern_gpu_kernels, &tern_contract};
  return tern_main(argc, argv, &table);
}
