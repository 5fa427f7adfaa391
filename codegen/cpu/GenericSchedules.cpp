//===- GenericSchedules.cpp - the portable CPU target's schedule space ----===//
//
// `generic` (no dot-product instruction: scalar-width vectors the LLVM
// backend picks): small tiles, no software prefetch by default.
//
// The LM heads (FloatMatmulKernel.cpp, Int8MatmulKernel.cpp), one token:
//   tile_n       rows per register tile (1: one sequential stream)
//   prefetch     software prefetch distance in rows
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"

namespace tern::sched {

Space genericSpace(const std::string &target, Kind kind, const Shape &shape) {
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
      {"tile_m", {"1", "2", "4"}, "1", "prefill tokens per register tile"},
      {"tile_n", {"1", "2", "4"}, "1", "prefill rows per register tile"},
      {"gemv_tile_n", {"0", "1", "2", "4", "8"}, "0",
       "decode rows per tile (0: one interleave group)"},
      {"prefetch", {"0", "4", "8"}, "0", "software prefetch distance in rows"},
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
