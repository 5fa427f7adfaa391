// Generated ternary GEMV/GEMM kernels vs ref::bitlinear, bit-exact: every
// dot-product ISA this machine can run, every block size, tiles, prefetch,
// concatenated parts, residual epilogue, odd row counts and range splits.
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace tern;
using namespace tern::cpu;

namespace {

bool hostHas(const char *feature) {
  static llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
  return f.lookup(feature);
}

bool hostRuns(DotIsa isa) {
  switch (isa) {
  case DotIsa::Generic: return true;
  case DotIsa::Avx2: return hostHas("avx2");
  case DotIsa::Avx512Vnni:
    return hostHas("avx512vnni") && hostHas("avx512vl") && hostHas("avx512bw");
  default: return false; // AArch64: tested under qemu (test/e2e)
  }
}

struct Case {
  DotIsa isa;
  int64_t block, tile_m, tile_n, prefetch;
  std::vector<int64_t> parts;
  int64_t K;
  bool divide, residual;
  int64_t interleave = 1;
};

std::string describe(const Case &c) {
  std::string s = std::string(dotIsaName(c.isa)) + " B=" + std::to_string(c.block) +
                  " tile " + std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) +
                  " K=" + std::to_string(c.K) + " R=" + std::to_string(c.interleave) + " N=";
  for (int64_t n : c.parts)
    s += std::to_string(n) + "+";
  return s;
}

void runCase(const Case &c) {
  SCOPED_TRACE(describe(c));
  if (!hostRuns(c.isa))
    GTEST_SKIP() << dotIsaName(c.isa) << " does not run on this CPU";
  mlir::DialectRegistry registry;
  mlir::tern::registerJitDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  const int64_t maxBatch = 7;
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
  buildTernaryMatmulKernel(b, module, "mm", p);
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
  std::vector<float> s(maxBatch), rowScale(N);
  for (auto &x : s) x = 0.5f + float(rng() % 1000) / 37.0f;
  ref::TernaryLayout layout;
  layout.bits = 2;
  layout.pack_dim = 1;
  layout.block = c.block;
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

  // Tokens [t0, t1) = [1, 6) and the rows split in three uneven ranges.
  const int64_t t0 = 1, t1 = 6;
  std::vector<void *> args = {q.data(), s.data(), packed.data(), rowScale.data()};
  for (auto &o : out) args.push_back(o.data());
  std::vector<float> resCopy = residual;
  if (c.residual) args.push_back(resCopy.data());
  int64_t cuts[] = {0, N / 3, N / 3 + 1, N};
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

TEST(TernaryMatmul, GemvEveryIsaAndBlock) {
  for (DotIsa isa : {DotIsa::Generic, DotIsa::Avx2, DotIsa::Avx512Vnni})
    for (int64_t block : {16, 32, 64})
      runCase({isa, block, 1, 1, 0, {37}, 256, false, false});
}

TEST(TernaryMatmul, GemmTiles) {
  for (DotIsa isa : {DotIsa::Avx2, DotIsa::Avx512Vnni})
    for (auto [tm, tn] : {std::pair<int64_t, int64_t>{2, 2}, {4, 4}, {3, 1}, {1, 4}})
      runCase({isa, isa == DotIsa::Avx2 ? 32 : 64, tm, tn, 8, {29}, 512, false, false});
}

TEST(TernaryMatmul, ConcatenatedPartsLikeQkv) {
  // q/k/v of the tiny model (256 + 128 + 128 rows), 2 rows per tile.
  runCase({DotIsa::Avx512Vnni, 64, 1, 2, 4, {256, 128, 128}, 256, false, false});
  runCase({DotIsa::Avx2, 32, 2, 2, 4, {65, 3, 17}, 128, false, false});
}

TEST(TernaryMatmul, ResidualAndDivide) {
  runCase({DotIsa::Avx512Vnni, 64, 2, 2, 4, {61}, 768, false, true});
  runCase({DotIsa::Avx2, 32, 1, 1, 0, {13}, 256, true, true});
  runCase({DotIsa::Generic, 16, 1, 1, 0, {9}, 64, true, false});
}

TEST(TernaryMatmul, RowInterleavedLayout) {
  // Rows interleaved in groups of R (the GEMM-tile layout), with tiles equal
  // to, smaller than and larger than R, parts that split a group, and the
  // range cuts of runCase falling inside groups.
  for (int64_t R : {2, 4})
    for (auto [tm, tn] : {std::pair<int64_t, int64_t>{4, 2}, {1, 1}, {2, 4}, {3, 3}}) {
      runCase({DotIsa::Avx512Vnni, 64, tm, tn, 8, {64, 28, 36}, 256, false, false, R});
      runCase({DotIsa::Avx2, 32, tm, tn, 4, {44}, 128, false, true, R});
    }
  runCase({DotIsa::Generic, 16, 2, 2, 0, {30, 2}, 64, true, false, 2});
}

TEST(TernaryMatmul, BitNet2B4TShapes) {
  // One row range of each 2B4T matrix (full K), decode and prefill tiles.
  for (auto [n, k] : {std::pair<int64_t, int64_t>{2560, 2560}, {640, 2560},
                      {6912, 2560}, {2560, 6912}}) {
    runCase({DotIsa::Avx512Vnni, 64, 1, 4, 8, {n}, k, false, false});
    runCase({DotIsa::Avx2, 32, 4, 2, 8, {n}, k, false, true});
  }
}

} // namespace
