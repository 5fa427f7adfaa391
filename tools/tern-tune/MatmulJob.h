//===- MatmulJob.h - one matmul kernel's schedule, measured -----*- C++ -*-===//
//
// What tern-tune measures on the CPU: one ternary matmul of the model's plan
// (K, parts, layout, scale mode, residual), or its LM head (a float matmul
// of the stored element type, or the int8 one of --head=int8), at one token
// count and thread count under one schedule. The parent (tern-tune) writes the job as a
// small text file and runs `tern-tune --measure-job FILE` as a child
// process with a timeout, so that a crash, a hang or an LLVM failure ends
// the child, not the tuner. The child JIT-compiles the kernel, runs it once
// on seeded random weights and activations into poisoned outputs, checks
// every output bit for bit against the scalar formula, then times it
// (warm-up, samples of at least min_sample_s each, decode weights rotated
// through 4x the last-level cache and at least 256 MiB) and writes "ok" and the
// samples, or "wrong ..." / "compile ...", to the result file. The ternary
// kernels are measured in TernaryMatmulMeasure.cpp, the heads in
// HeadMatmulMeasure.cpp, attention (checked against the default schedule's
// bits: it is float) in AttentionMeasure.cpp, the fused norm + quantize
// (likewise) in NormQuantizeMeasure.cpp; MatmulJob.cpp holds the job file
// and dispatch.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_MATMULJOB_H
#define TERN_TOOLS_TERN_TUNE_MATMULJOB_H

#include "codegen/common/KernelParams.h"
#include "codegen/common/ScheduleSpace.h"
#include "runtime/common/Xoshiro256.h"
#include "runtime/reference/ternary_layout.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tern::tune {

/// Which matmul: what the plan says of one kernel, and what its job
/// measures.
struct MatmulShape {
  sched::Kind kind = sched::Kind::kTernaryMatmul;
  int64_t K = 0;
  std::vector<int64_t> parts; ///< ternary: rows per part
  int64_t N = 0;              ///< heads: rows
  codegen::FloatType elem = codegen::FloatType::F16; ///< the float head's weights
  ref::TernaryLayout layout;  ///< ternary
  bool divide = false, residual = false;
  /// Attention: N = query heads, K = KV heads, and these.
  int64_t headDim = 0, context = 0; ///< head_dim, the KV cache's rows
  /// Norm + quantize: N = 1, K = the row length, elem = the weight's
  /// type, and these.
  bool gated = false;
  bool silu = false; ///< gated: silu(x) * u, else relu2(x) * u
  bool norm = true;  ///< false: quantize only (no weight)
  float epsilon = 1e-5f;

  /// Output rows: the heads' N, the ternary parts' sum.
  int64_t rows() const;
};

struct MatmulJob : MatmulShape {
  std::string target;      ///< a CPU target this machine runs
  int64_t tokens = 1, threads = 1;
  sched::Schedule schedule;
  double minSampleSeconds = 0.02;
  int samples = 5;
  int64_t rotateBytes = 0; ///< decode: weight copies spanning this many bytes
  int poolFd = -1;         ///< the parent's rotation pool, inherited (Rotation.h); -1: none
  std::string plant;       ///< tests: "crash", "hang", "wrong", "fast" or "slow-prefill" (TERN_TUNE_PLANT)

  std::string label() const; ///< "ternary_matmul 3840x2560 T1 th2"
};

/// "f32", "f16", "bf16" (as MLIR prints them: a head record's layout).
const char *floatTypeName(codegen::FloatType t);
bool floatTypeFromName(const std::string &name, codegen::FloatType *t);

bool writeJob(const MatmulJob &j, const std::string &path, std::string *err);
bool readJob(const std::string &path, MatmulJob *j, std::string *err);

/// The child's work: measure `j`, write the result to `resultPath`.
/// Returns the process exit status.
int runJob(const MatmulJob &j, const std::string &resultPath);
int runTernaryJob(const MatmulJob &j, const std::string &resultPath);
int runHeadJob(const MatmulJob &j, const std::string &resultPath);
int runAttentionJob(const MatmulJob &j, const std::string &resultPath);
int runNormQuantizeJob(const MatmulJob &j, const std::string &resultPath);

/// The MLIR text of the kernel `j` compiles to (its identity: equal text,
/// equal code), or "" when it cannot be built.
std::string kernelText(const MatmulJob &j);
std::string ternaryKernelText(const MatmulJob &j);
std::string headKernelText(const MatmulJob &j);
std::string attentionKernelText(const MatmulJob &j);
std::string normQuantizeKernelText(const MatmulJob &j);

/// Shared by the measurers: the job's planted failures that end the child
/// before any work ("crash", "hang"); the result file; seconds per call
/// of `once` as `j.samples` samples of at least j.minSampleSeconds each
/// after a warm-up, as the result file's "ok ..." line.
void plantedFailure(const MatmulJob &j);
int writeResult(const std::string &path, const std::string &text);
std::string timeSamples(const MatmulJob &j, const std::function<void()> &once);

/// The measurers' seeded inputs: the project's Xoshiro256 (an order of
/// magnitude faster than std::mt19937 with a distribution: the 2b4t head's
/// 328 M weights took seconds), the same values on every machine.
class SeededInts {
public:
  explicit SeededInts(uint64_t seed) : g(seed) {}
  /// Uniform in [lo, hi] (a multiply-shift of 32 random bits: the bias is
  /// below 2^-24, and no test depends on it).
  int uniform(int lo, int hi) {
    return lo + int(((g.next() >> 32) * uint64_t(hi - lo + 1)) >> 32);
  }

private:
  Xoshiro256 g;
};

/// sum a[k] * b[k] over k < K, exactly: the scalar formula of every int8
/// kernel, written so that the compiler vectorizes it (the reference check
/// of a 128-token prefill is 4.5 G products on 2b4t's FFN).
int32_t dotI8(const int8_t *a, const int8_t *b, int64_t K);

} // namespace tern::tune

#endif
