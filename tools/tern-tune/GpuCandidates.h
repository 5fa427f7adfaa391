//===- GpuCandidates.h - tern-tune's GPU round trip -------------*- C++ -*-===//
//
// GPU machines tern is checked on have no MLIR, so a GPU search is split
// in three:
//   here   tern-tune MODEL --target=sm_90 --emit-candidates DIR
//          writes, per distinct ternary matmul and token bucket (decode:
//          the target's decodeKnobs; prefill: its prefillKnobs, decode's
//          knobs at their defaults), every schedule of the target's space
//          as PTX (DIR/cNNNN.gpubench, identical code once) and
//          DIR/manifest.txt (groups, candidates, their schedules, the
//          compiler that made them);
//   there  tern-gpu-check tune DIR: each candidate checked bit for bit
//          against the scalar formula, then timed in interleaved rounds
//          (DIR/results.txt);
//   here   tern-tune --import-results DIR -o DB: the rounds replayed
//          through TuneSearch (the default first, finalists re-measured
//          against it, a winner beyond the spread), one record per group
//          keyed by the GPU's name, SM and driver.
// Candidates are timed as one-part matmuls that multiply by the row scale
// without a residual: the part split, the scale direction and the
// residual add are epilogue details the schedule does not touch.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_GPUCANDIDATES_H
#define TERN_TOOLS_TERN_TUNE_GPUCANDIDATES_H

#include "codegen/common/TuneDb.h"
#include "runtime/reference/ternary_layout.h"

#include <string>
#include <vector>

namespace tern::tune {

struct GpuMatmul {
  int64_t N = 0, K = 0; ///< all parts' rows, reduction length
  ref::TernaryLayout layout;
  std::string layoutText; ///< "#tern.layout<...>", the record's key
};

/// False + err when the target is not a GPU target or a file cannot be
/// written; *summary: what was written.
bool emitGpuCandidates(const std::string &target, const std::vector<GpuMatmul> &mms,
                       int prefillTokens, const std::string &dir, std::string *summary,
                       std::string *err);

/// Merges one record per group of DIR/manifest.txt into *db from
/// `results` (tern-gpu-check tune's file; "" = DIR/results.txt). False +
/// err for a missing, truncated or foreign file or candidates made by
/// another compiler; *report: one line per group.
bool importGpuResults(const std::string &dir, const std::string &results, Database *db,
                      std::string *report, std::string *err);

} // namespace tern::tune

#endif
