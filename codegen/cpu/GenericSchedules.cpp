//===- GenericSchedules.cpp - the portable CPU target's schedule space ----===//
//
// `generic` (no dot-product instruction: scalar-width vectors the LLVM
// backend picks): small tiles, no software prefetch by default.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"

namespace tern::sched {

Space genericSpace(const std::string &target, Kind kind, const Shape &shape) {
  (void)target;
  (void)kind;
  (void)shape;
  Space s;
  s.knobs = {
      {"tile_m", {"1", "2", "4"}, "1", "prefill tokens per register tile"},
      {"tile_n", {"1", "2", "4"}, "1", "prefill rows per register tile"},
      {"gemv_tile_n", {"0", "1", "2", "4", "8"}, "0",
       "decode rows per tile (0: one interleave group)"},
      {"prefetch", {"0", "4", "8"}, "0", "software prefetch distance in rows"},
  };
  s.decodeKnobs = {"gemv_tile_n", "prefetch"};
  s.prefillKnobs = {"tile_m", "tile_n"};
  return s;
}

} // namespace tern::sched
