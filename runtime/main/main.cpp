//===- main.cpp - main() of a compiled model executable -------------------===//
//
// Linked into every executable tern-compile produces (library
// tern_runtime_main), next to the compiler's generated object, which defines
// the three symbols below.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_runtime.h"

extern "C" const tern_kernel_fn tern_kernels[];
extern "C" const int64_t tern_num_kernels;
extern "C" const char tern_fingerprint[];
extern "C" const tern_plan_contract tern_contract;

int main(int argc, char **argv) {
  const tern_kernel_table table = {tern_kernels, tern_num_kernels,
                                   tern_fingerprint, nullptr, nullptr,
                                   &tern_contract};
  return tern_main(argc, argv, &table);
}
