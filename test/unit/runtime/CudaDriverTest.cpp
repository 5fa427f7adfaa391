//===- CudaDriverTest.cpp - the driver entry points exist in the CUDA ABI -===//
//
// The runtime declares the driver API itself and resolves it by name at run
// time; a misspelt or missing name would surface only on a GPU machine.
// The CUDA toolkit's stub libcuda.so exports the real names: every name the
// loader asks for must be there. Skipped where the toolkit is not installed.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/CudaDriver.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>
#include <string>

namespace {

TEST(CudaDriver, EveryEntryPointIsInTheToolkitStub) {
  const char *home = std::getenv("CUDA_HOME");
  std::string stub = std::string(home ? home : "/usr/local/cuda") + "/lib64/stubs/libcuda.so";
  void *lib = ::dlopen(stub.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!lib)
    GTEST_SKIP() << "no CUDA toolkit stub at " << stub;
  std::vector<std::string> names = tern::rt::cuda::driverSymbols();
  EXPECT_GE(names.size(), 30u);
  for (const std::string &n : names)
    EXPECT_NE(::dlsym(lib, n.c_str()), nullptr) << n << " is not exported by " << stub;
  ::dlclose(lib);
}

TEST(CudaDriver, NoDriverIsAMessage) {
  std::string err;
  const tern::rt::cuda::Driver *d = tern::rt::cuda::driver(&err);
  if (d)
    GTEST_SKIP() << "this machine has a CUDA driver";
  EXPECT_NE(err.find("libcuda.so.1"), std::string::npos) << err;
}

} // namespace
