//===- X86Schedules.cpp - x86's schedule space (AVX2, AVX-512 VNNI) -------===//
//
// The ternary matmul (codegen/cpu/TernaryMatmulKernel.cpp) on x86:
//   tile_m       tokens per register tile in prefill (each unpacked weight
//                block reused tile_m times)
//   tile_n       rows per register tile in prefill (independent dot-product
//                chains); tile_m x tile_n accumulators must fit the 16 ymm /
//                32 zmm registers to avoid spills
//   gemv_tile_n  rows per tile of single tokens (decode); 0 = one
//                interleave group of the weight layout, its contiguous run
//   prefetch     software prefetch distance in rows, in single-token tiles
//                only (a decode knob; 0: the hardware
//                prefetcher alone; measured here: it cost 10-30 % on Zen 4
//                and helped on Sapphire Rapids, so a tuner decides)
//   layout       the packed weights: i2lane (the default: 2-bit codes, one
//                row per 32-bit lane, so GEMM sums need no horizontal add;
//                tile_n and gemv_tile_n then count groups of 16 / 8 rows),
//                i2xR (2-bit codes, R rows' blocks side
//                by side, the run an R-row tile streams) or tl1 / tl2 (the
//                lookup tables; tl2 reads 1.67 bits per weight); decode and
//                prefill read the same copy, so a tuner chooses it first
//   isa          x86-amx only, K a multiple of 64: "amx" runs the i2lane
//                prefill in tiles of 32 or 16 tokens x 2 groups on AMX
//                tdpbssd (weights unpacked once per pair of groups into
//                int8 tiles; the tokens left over, and decode, take the
//                VNNI tiles), "avx512-vnni" keeps every tile on vpdpbusd;
//                the other layouts ignore it
// The defaults were measured on Zen 4 and Zen 5 VMs (issues 5 and 9).
//
// The LM heads (FloatMatmulKernel.cpp, Int8MatmulKernel.cpp), one token:
//   tile_n       rows per register tile (1: one sequential stream)
//   prefetch     software prefetch distance in rows
//   isa          int8 head on AVX-512 VNNI machines: "avx512-vnni"
//                (vpdpbusd, 64-byte steps) or "avx2" (vpmaddubsw, 32)
//
// Attention (AttentionKernel.cpp), one token: tile_n, the query heads of a
// GQA group per pass over the KV cache (cpuAttentionSpace, as on every CPU).
//
// The fused norm + quantize (NormQuantizeKernel.cpp): unroll (decode) and
// tile_m (prefill), cpuNormQuantizeSpace, as on every CPU.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"

namespace tern::sched {

Space x86Space(const std::string &target, Kind kind, const Shape &shape) {
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
    // A machine with AVX-512 VNNI also runs the AVX2 kernel, and it has
    // been measured faster there for the int8 head (12.0 vs 15.9 ms).
    if (kind == Kind::kInt8Matmul && target == "x86-avx512-vnni")
      s.knobs.push_back({"isa", {"avx512-vnni", "avx2"}, "avx512-vnni",
                         "dot-product instructions"});
    for (const Knob &k : s.knobs)
      s.decodeKnobs.push_back(k.name);
    return s;
  }
  s.knobs = {
      {"tile_m", {"1", "2", "4", "8"}, "8", "prefill tokens per register tile"},
      {"tile_n", {"1", "2", "3", "4", "6"}, "3", "prefill rows per register tile"},
      {"gemv_tile_n", {"0", "1", "2", "4", "8", "16"}, "0",
       "decode rows per tile (0: one interleave group)"},
      {"prefetch", {"0", "4", "8", "16"}, "0", "software prefetch distance in rows"},
  };
  // The packed layout: the vector width fixes each layout's block.
  // i2lane by default: measured on an Emerald Rapids VM (tern-bench, 5
  // interleaved repetitions, medians), the 128-token GEMM of the 2B4T shapes
  // ran 1.5-2.3x the i2x2 one (0.64-0.78 of the int8 peak vs 0.31-0.45)
  // and the GEMV at 0.89-0.95 of read bandwidth vs 0.85-0.94; on AVX2,
  // 1.0-1.1x in GEMM, the same in GEMV.
  s.knobs.insert(s.knobs.begin(),
                 layoutKnob(shape, target == "x86-64-v3" ? 32 : 64, "i2lane"));
  s.decodeKnobs = {"gemv_tile_n", "prefetch"};
  s.prefillKnobs = {"tile_m", "tile_n"};
  s.layoutKnobs = {"layout"};
  if (target == "x86-amx" && shape.k % 64 == 0) {
    s.knobs.push_back({"isa", {"amx", "avx512-vnni"}, "amx",
                       "prefill dot-product instructions (i2lane)"});
    s.prefillKnobs.push_back("isa");
  }
  s.version = 4; // 2: the layout knob; 3: i2lane; 4: AMX
  return s;
}

} // namespace tern::sched
