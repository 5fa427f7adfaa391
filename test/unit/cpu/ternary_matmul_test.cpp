// Generated ternary GEMV/GEMM kernels vs ref::bitlinear, bit-exact: every
// dot-product ISA this machine can run, every block size, tiles, prefetch,
// concatenated parts, residual epilogue, odd row counts and range splits.
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "test/unit/cpu/KernelTestSupport.h"
#include "runtime/common/AmxPermission.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>

using namespace tern;
using namespace tern::cpu;
using tern::cpu::test::hostRuns;

namespace {

struct Case {
  DotIsa isa;
  int64_t block, tile_m, tile_n, prefetch;
  std::vector<int64_t> parts;
  int64_t K;
  bool divide, residual;
  int64_t interleave = 1;
  int64_t lut = 0; ///< lookup-table layout with groups of this many weights
  bool extreme = false; ///< W = +1/-1 by row, q = -128/127 by token: the largest sums
  int64_t gemv_tile_n = 0; ///< rows per single-token tile (0: tile_n)
  bool gfni = false;       ///< i2lane unpacked by vgf2p8affineqb
  bool amx = false;        ///< i2lane prefill tiles on AMX tdpbssd
  int64_t max_batch = 7, t0 = 1, t1 = 6; ///< the tokens the kernel computes
};

std::string describe(const Case &c) {
  std::string s = std::string(dotIsaName(c.isa)) + " B=" + std::to_string(c.block) +
                  " tile " + std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) +
                  " K=" + std::to_string(c.K) + " R=" + std::to_string(c.interleave) +
                  " lut=" + std::to_string(c.lut) + " gemv_tile_n=" +
                  std::to_string(c.gemv_tile_n) + (c.gfni ? " gfni" : "") + (c.amx ? " amx" : "") +
                  " tokens [" + std::to_string(c.t0) + ", " + std::to_string(c.t1) + ") N=";
  for (int64_t n : c.parts)
    s += std::to_string(n) + "+";
  return s;
}

void runCase(const Case &c) {
  SCOPED_TRACE(describe(c));
  auto startTime = std::chrono::steady_clock::now();
  struct Timer {
    std::chrono::steady_clock::time_point t;
    std::string what;
    ~Timer() {
      if (getenv("TERN_TIME_CASES"))
        fprintf(stderr, "%s: %.0f ms\n", what.c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
  } timer{startTime, describe(c)};
  // Each test runs one ISA's cases (IsaTest), skipped where it cannot run.
  ASSERT_TRUE(hostRuns(c.isa)) << dotIsaName(c.isa) << " case in another ISA's test";
  tern::cpu::test::KernelModule km;
  mlir::OpBuilder &b = km.b;
  mlir::ModuleOp module = km.module;
  const int64_t maxBatch = c.max_batch;
  TernaryMatmulParams p;
  p.K = c.K;
  p.parts = c.parts;
  p.max_batch = maxBatch;
  p.block = c.block;
  p.isa = c.isa;
  p.tile_m = c.tile_m;
  p.tile_n = c.tile_n;
  p.prefetch = c.prefetch;
  p.divide = c.divide;
  p.residual = c.residual;
  p.interleave = c.interleave;
  p.lut = c.lut;
  p.gemv_tile_n = c.gemv_tile_n;
  p.gfni = c.gfni;
  p.amx = c.amx;
  buildTernaryMatmulKernel(b, module, "mm", p);
  LutTablesParams tp;
  tp.K = c.K;
  tp.max_batch = maxBatch;
  tp.lut = c.lut;
  tp.block = c.block;
  if (c.lut)
    buildLutTablesKernel(b, module, "tables", tp);
  std::string err;
  auto jit = KernelJit::compile(module, &err);
  ASSERT_TRUE(jit) << err;
  tern_kernel_fn fn = jit->lookup("mm");
  ASSERT_TRUE(fn);

  std::mt19937 rng(1234 + c.K + c.block);
  const int64_t N = p.totalRows(), K = c.K;
  std::vector<int8_t> W(N * K), q(maxBatch * K);
  for (auto &w : W) w = int8_t(int(rng() % 3) - 1);
  for (auto &x : q) x = int8_t(int(rng() % 256) - 128);
  if (c.extreme) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        W[n * K + k] = n % 2 ? 1 : -1;
    for (int64_t t = 0; t < maxBatch; ++t)
      for (int64_t k = 0; k < K; ++k)
        q[t * K + k] = t % 2 ? 127 : -128;
  }
  std::vector<float> s(maxBatch), rowScale(N);
  for (auto &x : s) x = 0.5f + float(rng() % 1000) / 37.0f;
  ref::TernaryLayout layout;
  layout.bits = 2;
  layout.pack_dim = 1;
  layout.block = c.block;
  layout.lut = int(c.lut);
  if (c.interleave > 1) {
    layout.interleave = int(c.interleave);
    layout.chunk = c.block;
  }
  ASSERT_TRUE(ref::checkLayout(layout, N, K, &err)) << err;
  std::vector<uint8_t> packed(ref::packedBytes(layout, N, K));
  ref::packTernary(W.data(), N, K, layout, packed.data());

  // Expected: ref::bitlinear per part with that part's scale.
  std::vector<std::vector<float>> expected, out;
  std::vector<float> partScale;
  int64_t base = 0;
  std::vector<float> residual;
  for (size_t part = 0; part < c.parts.size(); ++part) {
    int64_t n = c.parts[part];
    float scale = 0.25f + 0.125f * float(part + 1);
    for (int64_t r = 0; r < n; ++r) rowScale[base + r] = scale;
    std::vector<float> y(maxBatch * n);
    ref::bitlinear(q.data(), s.data(), W.data() + base * K, scale,
                   c.divide ? ref::ScaleMode::Divide : ref::ScaleMode::Multiply,
                   maxBatch, K, n, y.data(), nullptr);
    if (c.residual) {
      residual.resize(maxBatch * n);
      for (auto &x : residual) x = float(int(rng() % 2001) - 1000) / 64.0f;
      for (int64_t i = 0; i < maxBatch * n; ++i) y[i] = residual[i] + y[i];
    }
    expected.push_back(y);
    out.push_back(std::vector<float>(maxBatch * n, -7.0f));
    base += n;
  }

  // The lookup-table layout reads tables: the generated kernel's must equal
  // ref::buildLutTables byte for byte.
  std::vector<uint8_t> tables;
  if (c.lut) {
    const ref::LutGeometry geo = ref::lutGeometry(layout, N, K);
    tables.assign(maxBatch * geo.tableBytes(), 0x5a); // garbage scratch
    std::vector<void *> targs = {q.data(), tables.data()};
    tern_kernel_fn tfn = jit->lookup("tables");
    ASSERT_TRUE(tfn);
    tfn(targs.data(), 0, maxBatch, 0, 0, 3);
    tfn(targs.data(), 0, maxBatch, 0, 3, maxBatch);
    std::vector<uint8_t> want(geo.tableBytes());
    for (int64_t t = 0; t < maxBatch; ++t) {
      ref::buildLutTables(geo, K, q.data() + t * K, want.data());
      ASSERT_EQ(std::memcmp(want.data(), tables.data() + t * geo.tableBytes(),
                            want.size()),
                0)
          << "the generated tables differ from ref::buildLutTables at token " << t;
    }
  }

  // Tokens [t0, t1) (by default [1, 6)) and the rows split in three uneven
  // ranges (at multiples of 16 for the lookup-table layout's row blocks).
  const int64_t t0 = c.t0, t1 = c.t1;
  std::vector<void *> args = {c.lut ? static_cast<void *>(tables.data()) : q.data(),
                              s.data(), packed.data(), rowScale.data()};
  for (auto &o : out) args.push_back(o.data());
  std::vector<float> resCopy = residual;
  if (c.residual) args.push_back(resCopy.data());
  int64_t cuts[] = {0, N / 3, N / 3 + 1, N};
  if (c.lut) {
    cuts[1] = std::min<int64_t>(N, (N / 3) / 16 * 16);
    cuts[2] = std::min<int64_t>(N, cuts[1] + 16);
  }
  for (int i = 0; i < 3; ++i)
    fn(args.data(), t0, t1, 0, cuts[i], cuts[i + 1]);

  for (size_t part = 0; part < c.parts.size(); ++part) {
    int64_t n = c.parts[part];
    for (int64_t t = 0; t < maxBatch; ++t)
      for (int64_t r = 0; r < n; ++r) {
        float got = out[part][t * n + r];
        if (t < t0 || t >= t1) {
          ASSERT_EQ(got, -7.0f) << "wrote outside tokens [t0, t1) at t=" << t;
          continue;
        }
        float want = expected[part][t * n + r];
        ASSERT_EQ(std::memcmp(&got, &want, 4), 0)
            << "part " << part << " t=" << t << " row " << r << ": got " << got
            << " want " << want;
      }
  }
}

using Isa = DotIsa;

class GemvEveryBlock : public tern::cpu::test::IsaTest {};
TEST_P(GemvEveryBlock, Cases) {
  for (int64_t block : {16, 32, 64})
    runCase({isa(), block, 1, 1, 0, {37}, 256, false, false});
}
TERN_INSTANTIATE_ISAS(GemvEveryBlock, Isa::Generic, Isa::Avx2, Isa::Avx512Vnni);

class GemmTiles : public tern::cpu::test::IsaTest {};
TEST_P(GemmTiles, Cases) {
  for (auto [tm, tn] : {std::pair<int64_t, int64_t>{2, 2}, {4, 4}, {3, 1}, {1, 4}})
    runCase({isa(), isa() == Isa::Avx2 ? 32 : 64, tm, tn, 8, {29}, 512, false, false});
}
TERN_INSTANTIATE_ISAS(GemmTiles, Isa::Avx2, Isa::Avx512Vnni);

class ConcatenatedPartsLikeQkv : public tern::cpu::test::IsaTest {};
TEST_P(ConcatenatedPartsLikeQkv, Cases) {
  // q/k/v of the tiny model (256 + 128 + 128 rows), 2 rows per tile.
  if (isa() == Isa::Avx512Vnni)
    runCase({Isa::Avx512Vnni, 64, 1, 2, 4, {256, 128, 128}, 256, false, false});
  else
    runCase({Isa::Avx2, 32, 2, 2, 4, {65, 3, 17}, 128, false, false});
}
TERN_INSTANTIATE_ISAS(ConcatenatedPartsLikeQkv, Isa::Avx2, Isa::Avx512Vnni);

class ResidualAndDivide : public tern::cpu::test::IsaTest {};
TEST_P(ResidualAndDivide, Cases) {
  switch (isa()) {
  case Isa::Avx512Vnni: runCase({isa(), 64, 2, 2, 4, {61}, 768, false, true}); break;
  case Isa::Avx2: runCase({isa(), 32, 1, 1, 0, {13}, 256, true, true}); break;
  default: runCase({isa(), 16, 1, 1, 0, {9}, 64, true, false}); break;
  }
}
TERN_INSTANTIATE_ISAS(ResidualAndDivide, Isa::Generic, Isa::Avx2, Isa::Avx512Vnni);

class RowInterleavedLayout : public tern::cpu::test::IsaTest {};
TEST_P(RowInterleavedLayout, Cases) {
  // Rows interleaved in groups of R (the GEMM-tile layout), with tiles equal
  // to, smaller than and larger than R, parts that split a group, and the
  // range cuts of runCase falling inside groups.
  if (isa() == Isa::Generic) {
    runCase({isa(), 16, 2, 2, 0, {30, 2}, 64, true, false, 2});
    return;
  }
  for (int64_t R : {2, 4})
    for (auto [tm, tn] : {std::pair<int64_t, int64_t>{4, 2}, {1, 1}, {2, 4}, {3, 3}}) {
      if (isa() == Isa::Avx512Vnni)
        runCase({isa(), 64, tm, tn, 8, {64, 28, 36}, 256, false, false, R});
      else
        runCase({isa(), 32, tm, tn, 4, {44}, 128, false, true, R});
    }
}
TERN_INSTANTIATE_ISAS(RowInterleavedLayout, Isa::Generic, Isa::Avx2, Isa::Avx512Vnni);

class SeparateDecodeTile : public tern::cpu::test::IsaTest {};
TEST_P(SeparateDecodeTile, Cases) {
  // Prefill tiles of 3 rows over row pairs, single tokens in pairs (the x86
  // default), and the other way round; tokens [1, 6) with tile_m 4 give one
  // whole tile and one single token.
  for (auto [tn, gtn] : {std::pair<int64_t, int64_t>{3, 2}, {2, 3}, {4, 1}}) {
    Case c = isa() == Isa::Avx512Vnni
                 ? Case{isa(), 64, 4, tn, 0, {64, 30, 34}, 256, true, false, 2}
                 : Case{isa(), 32, 4, tn, 0, {50}, 128, true, true, 2};
    c.gemv_tile_n = gtn;
    runCase(c);
  }
}
TERN_INSTANTIATE_ISAS(SeparateDecodeTile, Isa::Avx2, Isa::Avx512Vnni);

// i2lane: block 4, R rows one per 32-bit lane of the dot product's vector.
// Tiles of tokens x groups with whole and partial tiles, single tokens over
// 1-4 groups (split accumulators below 4), parts and range cuts inside a
// group (rows stored one by one), residual and divide, K not a multiple of
// the vector (the sums' narrower steps), prefetch; unpacked by shift and
// mask or (gfni) by vgf2p8affineqb.
void laneCases(Isa isa, bool gfni) {
  const int64_t R = isa == Isa::Avx512Vnni ? 16 : isa == Isa::Avx2 ? 8 : 4;
  auto lane = [&](int64_t r, int64_t tm, int64_t tn, int64_t pf, std::vector<int64_t> parts,
                  int64_t K, bool divide, bool residual, int64_t gtn) {
    Case c{isa, 4, tm, tn, pf, parts, K, divide, residual, r};
    c.gemv_tile_n = gtn;
    c.gfni = gfni;
    runCase(c);
  };
  for (auto [tm, tn] : {std::pair<int64_t, int64_t>{4, 3}, {2, 1}, {3, 2}, {8, 3}})
    lane(R, tm, tn, 0, {6 * R}, 256, false, false, 1);
  for (int64_t gtn : {1, 2, 3, 4})
    lane(R, 4, 2, 8, {5 * R}, 96, false, true, gtn);
  lane(R, 2, 2, 0, {2 * R - 2, 2, R}, 80, true, false, 2); // parts split a group
  lane(R, 1, 1, 0, {3 * R}, 2560, true, true, 1);
  if (isa == Isa::Avx512Vnni) // 32-byte vectors on the VNNI machine
    lane(8, 4, 2, 0, {40}, 272, false, false, 1);
}

class LaneLayout : public tern::cpu::test::IsaTest {};
TEST_P(LaneLayout, Cases) { laneCases(isa(), false); }
TERN_INSTANTIATE_ISAS(LaneLayout, Isa::Generic, Isa::Avx2, Isa::Avx512Vnni);

class GfniUnpack : public tern::cpu::test::IsaTest {};
TEST_P(GfniUnpack, Cases) {
  // The weights unpacked by vgf2p8affineqb: every i2lane case, and the
  // i2xR form at R = 1 and 2 (AVX2 at 16- and 32-byte blocks).
  if (!tern::cpu::test::hostHas("gfni"))
    GTEST_SKIP() << "this CPU has no GFNI (vgf2p8affineqb)";
  laneCases(isa(), true);
  const int64_t B = isa() == Isa::Avx512Vnni ? 64 : 32;
  for (int64_t R : {1, 2}) {
    Case c{isa(), B, 4, 2, 0, {30, 34}, 4 * B * 3, true, false, R};
    c.gfni = true;
    runCase(c);
  }
  if (isa() == Isa::Avx2) {
    Case c{isa(), 16, 2, 3, 0, {21}, 128, false, false, 1};
    c.gfni = true;
    runCase(c);
  }
}
TERN_INSTANTIATE_ISAS(GfniUnpack, Isa::Avx2, Isa::Avx512Vnni);

class AmxTiles : public tern::cpu::test::IsaTest {};
TEST_P(AmxTiles, Cases) {
  // i2lane prefill on AMX tdpbssd (16-row groups, K a multiple of 64):
  // 49 tokens are a 32-token tile, a 16-token tile and one VNNI token; 16
  // and 35 tokens; groups in pairs and one alone, parts and range cuts
  // inside a group, residual and divide, the largest sums (K = 2560 of
  // -128 x -1), and the weights unpacked by shift and mask or by GFNI.
  if (!tern::cpu::test::hostHas("amx-int8") || !tern::cpu::test::hostHas("amx-tile"))
    GTEST_SKIP() << "this CPU has no AMX-INT8 (tdpbssd)";
  if (std::string why = tern::rt::requestAmxPermission(); !why.empty())
    GTEST_SKIP() << why;
  auto amx = [&](std::vector<int64_t> parts, int64_t K, bool divide, bool residual,
                 int64_t t0, int64_t t1, bool gfni, bool extreme = false,
                 int64_t maxBatch = 0) {
    Case c{isa(), 4, 4, 2, 0, parts, K, divide, residual, 16};
    c.gemv_tile_n = 2;
    c.amx = true;
    c.gfni = gfni;
    c.extreme = extreme;
    c.max_batch = maxBatch ? maxBatch : t1 + 2;
    c.t0 = t0;
    c.t1 = t1;
    runCase(c);
  };
  const bool gfni = tern::cpu::test::hostHas("gfni");
  amx({5 * 16}, 256, false, false, 3, 52, false);
  amx({5 * 16}, 256, false, false, 3, 52, gfni);
  amx({30, 2, 16}, 64, true, false, 0, 16, gfni);   // parts split a group
  amx({4 * 16}, 192, false, true, 1, 36, gfni);     // residual
  amx({3 * 16}, 2560, true, true, 2, 34, gfni, true); // the largest sums
  // 90 tokens: the first 32-token tile unpacks the panel, the second one and
  // the 16-token tile read it (17 K tiles: a chunk and a tail of one).
  amx({3 * 16}, 1088, false, false, 0, 90, gfni);
  // 20 tokens of a kernel built for 64: no 32-token tile, so the panel is
  // unpacked on its own (as always where max_batch < 32, the 16-token case).
  amx({4 * 16}, 320, false, false, 5, 25, gfni, false, 64);
}
TERN_INSTANTIATE_ISAS(AmxTiles, Isa::Avx512Vnni);

class LookupTableLayouts : public tern::cpu::test::IsaTest {};
TEST_P(LookupTableLayouts, Cases) {
  // TL2 (g = 3, sign bits) and TL1 (g = 2): every ISA and table width, K not
  // a multiple of g or of a step, N not a multiple of 16, parts that split a
  // row block, tiles of tokens and blocks, residual and divide, and K long
  // enough for the int16 accumulators to be widened several times.
  for (int64_t g : {3, 2}) {
    for (int64_t v : {16, 32, 64})
      runCase({isa(), v, 1, 1, 0, {37}, 256, false, false, 1, g});
    switch (isa()) {
    case Isa::Generic:
      runCase({isa(), 16, 2, 1, 0, {50}, 99, false, true, 1, g});
      break;
    case Isa::Avx2:
      runCase({isa(), 32, 2, 2, 8, {20, 7, 45}, 100, true, false, 1, g});
      runCase({isa(), 32, 1, 4, 8, {96}, 2048, true, true, 1, g});
      break;
    default: {
      runCase({isa(), 64, 4, 2, 4, {29}, 61, true, true, 1, g});
      runCase({isa(), 64, 1, 3, 0, {64, 32, 32}, 3000, false, false, 1, g});
      // |sum| = 128 * K: the int16 accumulators must be widened in time.
      Case big{isa(), 64, 2, 1, 0, {32}, 6912, false, false, 1, g};
      big.extreme = true;
      runCase(big);
      break;
    }
    }
  }
}
TERN_INSTANTIATE_ISAS(LookupTableLayouts, Isa::Generic, Isa::Avx2, Isa::Avx512Vnni);

class BitNet2B4TShapes : public tern::cpu::test::IsaTest {};
TEST_P(BitNet2B4TShapes, Cases) {
  // One row range of each 2B4T matrix (full K), decode and prefill tiles.
  for (auto [n, k] : {std::pair<int64_t, int64_t>{2560, 2560}, {640, 2560},
                      {6912, 2560}, {2560, 6912}}) {
    if (isa() == Isa::Avx512Vnni) {
      runCase({isa(), 64, 1, 4, 8, {n}, k, false, false});
      runCase({isa(), 64, 1, 2, 8, {n}, k, false, false, 1, 3});
      runCase({isa(), 4, 4, 3, 0, {n}, k, false, false, 16}); // i2lane
    } else {
      runCase({isa(), 32, 4, 2, 8, {n}, k, false, true});
    }
  }
}
TERN_INSTANTIATE_ISAS(BitNet2B4TShapes, Isa::Avx2, Isa::Avx512Vnni);

} // namespace
