//===- TernaryMatmulMeasure.h - one ternary matmul schedule, measured -*- C++ -*-===//
//
// What tern-tune measures on the CPU: one ternary matmul of the model's plan
// (K, parts, layout, scale mode, residual) at one token count and thread
// count under one schedule. The parent (tern-tune) writes the job as a
// small text file and runs `tern-tune --measure-job FILE` as a child
// process with a timeout, so that a crash, a hang or an LLVM failure ends
// the child, not the tuner. The child JIT-compiles the kernel, runs it once
// on seeded random weights and activations into poisoned outputs, checks
// every output bit for bit against the scalar formula, then times it
// (warm-up, samples of at least min_sample_s each, decode weights rotated
// through 4x the last-level cache and at least 256 MiB) and writes "ok" and the
// samples, or "wrong ..." / "compile ...", to the result file.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_TERNARYMATMULMEASURE_H
#define TERN_TOOLS_TERN_TUNE_TERNARYMATMULMEASURE_H

#include "codegen/common/ScheduleSpace.h"
#include "runtime/reference/ternary_layout.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::tune {

struct MatmulJob {
  std::string target;      ///< a CPU target this machine runs
  int64_t K = 0;
  std::vector<int64_t> parts;
  ref::TernaryLayout layout;
  bool divide = false, residual = false;
  int64_t tokens = 1, threads = 1;
  sched::Schedule schedule;
  double minSampleSeconds = 0.02;
  int samples = 5;
  int64_t rotateBytes = 0; ///< decode: weight copies spanning this many bytes
  std::string plant;       ///< tests: "crash", "hang", "wrong" or "fast" (TERN_TUNE_PLANT)

  int64_t rows() const;
  std::string label() const; ///< "ternary_matmul 3840x2560 T1 th2"
};

bool writeJob(const MatmulJob &j, const std::string &path, std::string *err);
bool readJob(const std::string &path, MatmulJob *j, std::string *err);

/// The child's work: measure `j`, write the result to `resultPath`.
/// Returns the process exit status.
int runJob(const MatmulJob &j, const std::string &resultPath);

/// The MLIR text of the kernel `j` compiles to (its identity: equal text,
/// equal code), or "" when it cannot be built.
std::string kernelText(const MatmulJob &j);

} // namespace tern::tune

#endif
