//===- AArch64Schedules.cpp - AArch64's schedule space (NEON dotprod, i8mm) ===//
//
// The ternary matmul on AArch64: the knobs of X86Schedules.cpp, with tiles
// sized for 32 NEON registers of 16 bytes (tile_m x tile_n accumulators)
// and software prefetch on by default (4 rows ahead: cores without an
// aggressive stream prefetcher; not yet measured on hardware).
//
// The LM heads (FloatMatmulKernel.cpp, Int8MatmulKernel.cpp), one token:
//   tile_n       rows per register tile (1: one sequential stream)
//   prefetch     software prefetch distance in rows
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"

namespace tern::sched {

Space aarch64Space(const std::string &target, Kind kind, const Shape &shape) {
  (void)target;
  Space s;
  if (kind == Kind::kAttention)
    return cpuAttentionSpace(shape);
  if (kind == Kind::kNormQuantize)
    return cpuNormQuantizeSpace(shape);
  if (kind == Kind::kFloatMatmul || kind == Kind::kInt8Matmul) {
    s.knobs = {
        {"tile_n", {"1", "2", "4"}, "1", "head rows per register tile"},
        {"prefetch", {"0", "4", "8", "16"}, "0", "software prefetch distance in rows"},
    };
    for (const Knob &k : s.knobs)
      s.decodeKnobs.push_back(k.name);
    return s;
  }
  s.knobs = {
      {"tile_m", {"1", "2", "4", "8"}, "4", "prefill tokens per register tile"},
      {"tile_n", {"1", "2", "3", "4"}, "2", "prefill rows per register tile"},
      {"gemv_tile_n", {"0", "1", "2", "4", "8", "16"}, "0",
       "decode rows per tile (0: one interleave group)"},
      {"prefetch", {"0", "4", "8", "16"}, "4", "software prefetch distance in rows"},
  };
  // The packed layout: the vector width fixes each layout's block.
  s.knobs.insert(s.knobs.begin(), layoutKnob(shape, 16));
  s.decodeKnobs = {"gemv_tile_n", "prefetch"};
  s.prefillKnobs = {"tile_m", "tile_n"};
  s.layoutKnobs = {"layout"};
  s.version = 3; // 2: the layout knob; 3: i2lane
  return s;
}

} // namespace tern::sched
