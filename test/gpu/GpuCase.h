//===- GpuCase.h - one GPU kernel check as data, run without MLIR -*- C++ -*-===//
//
// A GPU kernel test is data once its PTX is generated: the PTX modules, the
// buffers with their inputs, the launches, and what each buffer must hold
// afterwards (computed here by the scalar reference) with how to compare
// it. tern-gpu-kernel-tests builds every case with MLIR and, on a GPU, runs
// it through runCase(); with TERN_GPU_CASES_OUT=DIR it writes each case to
// DIR/<name>.gpucase instead, and tern-gpu-check (no MLIR, no LLVM) runs
// those files on a GPU machine with the same runCase(). So both places
// check exactly the same thing.
//
// The file is little-endian binary: "TERNGPC1", then the fields below in
// order (u32 counts and lengths, u64 byte sizes, i64 launch ints).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_GPU_GPUCASE_H
#define TERN_TEST_GPU_GPUCASE_H

#include <cstdint>
#include <string>
#include <vector>

namespace tern::gpucheck {

enum class Elem : uint32_t { kF32 = 0, kI32 = 1, kI8 = 2, kU8 = 3 };

/// How a buffer's contents after the launches are checked.
enum class Compare : uint32_t {
  kNone = 0,   ///< an input only
  kExact = 1,  ///< bit for bit (integer math, or the same .rn float ops)
  kAbs = 2,    ///< f32: |got - want| <= tol (reassociation noise)
  kRel = 3,    ///< f32: |got - want| <= tol * |want|
  kRowOff = 4, ///< i8: at most tol elements per row of `row` differ (a sum
               ///< in another order moves a value across a rounding edge)
};

struct CaseBuffer {
  std::string name;
  Elem elem = Elem::kF32;
  uint32_t row = 1; ///< elements per row, for kRowOff and for messages
  std::vector<uint8_t> init;
  Compare compare = Compare::kNone;
  float tol = 0;
  std::vector<uint8_t> want; ///< init.size() bytes when compared
};

/// One kernel launch with the kernel convention (GpuKernelFunc.h): the
/// buffers, then t0, t1, start, begin, end (and the position cell).
struct CaseLaunch {
  uint32_t module = 0;
  std::string kernel;
  uint32_t blocks = 1, threads = 1;
  std::vector<uint32_t> args; ///< buffer indices
  int64_t ints[5] = {0, 0, 0, 0, 0};
};

struct GpuCase {
  std::string name;
  int minSm = 80;  ///< the PTX's target (sm_80 runs on every later GPU)
  int onlySm = 0;  ///< nonzero: only this one (sm_90a code on sm_90)
  std::vector<std::string> ptx;
  std::vector<CaseBuffer> buffers;
  std::vector<CaseLaunch> launches;
};

bool writeCase(const GpuCase &c, const std::string &path, std::string *err);
/// Reads and checks a case file (sizes, indices): false + err naming the
/// file and the field on any problem.
bool readCase(const std::string &path, GpuCase *c, std::string *err);

/// "" when `got` (a buffer's contents after the launches) satisfies the
/// buffer's comparison, else where and how it differs. NaN or Inf on
/// either side fails every float comparison.
std::string compareBuffer(const CaseBuffer &b, const std::vector<uint8_t> &got);

enum class Outcome { kPass, kFail, kSkip };
struct CaseResult {
  Outcome outcome = Outcome::kFail;
  std::string message; ///< why it failed or was skipped
};

/// Runs `c` on GPU 0 and compares every checked buffer. kSkip only where
/// there is no GPU at all or it is not the case's architecture; any CUDA
/// error is a kFail with the driver's message.
CaseResult runCase(const GpuCase &c);

} // namespace tern::gpucheck

#endif
