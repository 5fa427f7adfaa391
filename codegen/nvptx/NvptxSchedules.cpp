//===- NvptxSchedules.cpp - the NVIDIA GPUs' schedule space ---------------===//
//
// The ternary matmul on sm_80 / sm_90 / sm_90a (TernaryMatmulKernel.cpp):
//   threads  threads per block (whole warps; one row group per warp)
//   unroll   16-byte weight loads per lane in flight (decode)
//   tile_m   tokens per pass over a warp's rows (dp4a prefill)
//   mma      the prefill instruction over 8+ tokens: "dp4a", "mma_sync"
//            (int8 tensor cores, sm_80+) or "wgmma" (sm_90a only)
// Defaults: 4 warps, 4 loads in flight, tile_m 4, the target's mma
// (mma_sync where the layout has 8-row groups); not yet measured on a GPU.
// The gpu/ benchmarks (tern-bench, tern-gpu-check bench) sweep threads x
// unroll over exactly these values. The heads (float and int8 matmul) have
// no knobs on the GPU yet: their kernels take one row per warp.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"

namespace tern::sched {

Space nvptxSpace(const std::string &target, Kind kind, const Shape &shape) {
  (void)shape;
  Space s;
  if (kind != Kind::kTernaryMatmul)
    return s;
  std::vector<std::string> mma = {"dp4a", "mma_sync"};
  if (target == "sm_90a")
    mma.push_back("wgmma");
  s.knobs = {
      {"threads", {"64", "128", "256"}, "128", "threads per block"},
      {"unroll", {"1", "2", "4", "8", "16"}, "4", "weight loads per lane in flight"},
      {"tile_m", {"1", "2", "3", "4"}, "4", "tokens per pass (dp4a prefill)"},
      {"mma", mma, "", "prefill instruction (\"\": the target's choice)"},
  };
  s.decodeKnobs = {"threads", "unroll"};
  s.prefillKnobs = {"mma", "tile_m"};
  return s;
}

} // namespace tern::sched
