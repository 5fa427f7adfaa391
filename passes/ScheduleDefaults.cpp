//===- ScheduleDefaults.cpp - per-target default #tern.schedule -----------===//
#include "passes/ScheduleDefaults.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// One row of the table: a target's knobs (0 = let the target choose).
struct TargetDefaults {
  llvm::StringRef name;
  int64_t tileM, tileN, prefetch, vectorWidth, threads, unroll;
};

// tile_m: tokens per weight pass (prefill reuse of each decoded row);
// tile_n: rows interleaved to break the dot-product latency chain;
// prefetch: software prefetch distance in rows (0: the hardware prefetcher
// alone; on the Zen 4 machine it was measured here, one stream per register
// tile with no software prefetch streams 0.89-0.98 of a plain read against
// 0.61-0.83 with prefetch = 8, see issue 5; a tuner may set it per machine);
// vector_width: SIMD bytes; threads: GPU threads per block (CPU kernels
// take their threads from the runtime); unroll: GPU 16-byte weight loads
// per lane in flight. GPUs: tile_m tokens per pass over a warp's rows,
// 16-byte loads, 4 warps per block, 4 loads in flight per lane (not yet
// tuned: no GPU was at hand when they were chosen).
// clang-format off
constexpr TargetDefaults kTable[] = {
    // name               tile_m tile_n prefetch vector_width threads unroll
    {"generic",           1,     1,     0,       0,           0,      0},
    {"x86-64-v3",         8,     3,     0,       32,          0,      0},
    {"x86-avx512-vnni",   8,     3,     0,       64,          0,      0},
    {"aarch64-dotprod",   4,     2,     4,       16,          0,      0},
    {"aarch64-i8mm",      4,     2,     4,       16,          0,      0},
    {"sm_80",             4,     0,     0,       16,          128,    4},
    {"sm_90",             4,     0,     0,       16,          128,    4},
    {"sm_90a",            4,     0,     0,       16,          128,    4},
};
// clang-format on

const llvm::StringRef kNames[] = {"generic",         "x86-64-v3",
                                  "x86-avx512-vnni", "aarch64-dotprod",
                                  "aarch64-i8mm",    "sm_80",
                                  "sm_90",           "sm_90a",
                                  "host"};
} // namespace

llvm::ArrayRef<llvm::StringRef> mlir::tern::knownTargets() { return kNames; }

std::string mlir::tern::knownTargetList(bool withHost) {
  std::string list;
  for (llvm::StringRef name : knownTargets()) {
    if (!withHost && name == "host")
      continue;
    if (!list.empty())
      list += ", ";
    list += name.str();
  }
  return list;
}

bool mlir::tern::isKnownTarget(llvm::StringRef target) {
  return llvm::is_contained(knownTargets(), target);
}

std::string mlir::tern::detectHostTarget() {
  llvm::Triple triple(llvm::sys::getProcessTriple());
  if (!triple.isX86())
    return "generic";
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto has = [&](const char *f) { return features.lookup(f); };
  if (has("avx512vnni") && has("avx512bw") && has("avx512vl"))
    return "x86-avx512-vnni";
  if (has("avx2"))
    return "x86-64-v3";
  return "generic";
}

ScheduleAttr mlir::tern::defaultSchedule(MLIRContext *ctx,
                                         llvm::StringRef target,
                                         llvm::StringRef opKind, int64_t n,
                                         int64_t k) {
  // The table does not depend on the op's kind or shape yet; the arguments
  // are there so that a shape-aware table needs no change of interface.
  (void)opKind;
  (void)n;
  (void)k;
  std::string resolved = target == "host" ? detectHostTarget() : target.str();
  for (const TargetDefaults &row : kTable)
    if (row.name == resolved)
      return ScheduleAttr::get(ctx, /*tile_m=*/row.tileM, /*tile_n=*/row.tileN,
                               /*tile_k=*/0, /*unroll=*/row.unroll,
                               /*vector_width=*/row.vectorWidth,
                               /*threads=*/row.threads, /*prefetch=*/row.prefetch,
                               /*gemv_tile_n=*/0, /*mma=*/"");
  return ScheduleAttr();
}
