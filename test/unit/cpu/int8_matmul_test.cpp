// The int8 LM head (tern-compile --head=int8): the generated int8 x int8
// matmul vs exact integer sums with the same epilogue, bit-exact, for every
// dot-product ISA this machine runs (each uses a different trick for signed
// x signed bytes), plus the compile-time weight quantization.
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "test/unit/cpu/KernelTestSupport.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace tern;
using namespace tern::cpu;
using tern::cpu::test::hostRuns;

namespace {

void runCase(DotIsa isa, int64_t block, int64_t N, int64_t K, int64_t tileN,
             bool extreme) {
  SCOPED_TRACE(testing::Message() << dotIsaName(isa) << " block " << block
                                  << " N " << N << " K " << K << " tile " << tileN
                                  << (extreme ? " extreme" : ""));
  // Each test runs one ISA's cases (IsaTest), skipped where it cannot run.
  ASSERT_TRUE(hostRuns(isa)) << dotIsaName(isa) << " case in another ISA's test";
  tern::cpu::test::KernelModule km;
  mlir::OpBuilder &b = km.b;
  mlir::ModuleOp module = km.module;
  const int64_t M = 5;
  Int8MatmulParams p;
  p.N = N;
  p.K = K;
  p.max_batch = M;
  p.block = block;
  p.isa = isa;
  p.tile_n = tileN;
  p.prefetch = 4;
  buildInt8MatmulKernel(b, module, "head", p);
  std::string err;
  auto jit = KernelJit::compile(module, &err);
  ASSERT_TRUE(jit) << err;
  tern_kernel_fn fn = jit->lookup("head");
  ASSERT_TRUE(fn);

  std::mt19937 rng(99 + N + K);
  std::vector<float> Wf(N * K);
  for (auto &w : Wf) w = float(int(rng() % 2001) - 1000) / 997.0f;
  std::vector<int8_t> W(N * K);
  std::vector<float> scale(N);
  std::vector<int32_t> corr(N);
  tern::codegen::quantizeRowsInt8(Wf.data(), N, K, W.data(), scale.data(), corr.data());
  std::vector<int8_t> q(M * K);
  for (auto &x : q) x = int8_t(int(rng() % 256) - 128);
  if (extreme) { // the largest |products|: -128 * -127 everywhere
    for (auto &x : q) x = -128;
    for (auto &w : W) w = -127;
    for (int64_t n = 0; n < N; ++n) corr[n] = 128 * -127 * int32_t(K);
  }
  std::vector<float> s(M);
  for (auto &x : s) x = 0.5f + float(rng() % 1000) / 41.0f;
  std::vector<float> y(M * N, -7.0f);
  std::vector<void *> args = {q.data(), s.data(), W.data(), scale.data(),
                              corr.data(), y.data()};
  // Tokens [1, 4); rows in two uneven pieces.
  fn(args.data(), 1, 4, 0, 0, N / 3);
  fn(args.data(), 1, 4, 0, N / 3, N);
  for (int64_t t = 0; t < M; ++t)
    for (int64_t n = 0; n < N; ++n) {
      float got = y[t * N + n];
      if (t < 1 || t >= 4) {
        ASSERT_EQ(got, -7.0f) << "wrote token " << t;
        continue;
      }
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += int64_t(q[t * K + k]) * W[n * K + k];
      float want = float(int32_t(acc)) / s[t] * scale[n];
      ASSERT_EQ(std::memcmp(&got, &want, 4), 0)
          << "t " << t << " row " << n << ": got " << got << " want " << want;
    }
}

class Int8MatmulBlocks : public tern::cpu::test::IsaTest {};
TEST_P(Int8MatmulBlocks, Cases) {
  for (int64_t block : {16, 32, 64}) {
    runCase(isa(), block, 37, 256, 4, false);
    runCase(isa(), block, 9, 128, 1, true);
  }
}
TERN_INSTANTIATE_ISAS(Int8MatmulBlocks, DotIsa::Generic, DotIsa::Avx2, DotIsa::Avx512Vnni);

class Int8MatmulHeadShape : public tern::cpu::test::IsaTest {};
TEST_P(Int8MatmulHeadShape, Cases) {
  // A slice of the 2B4T head (hidden 2560), decode tiles.
  if (isa() == DotIsa::Avx512Vnni)
    runCase(isa(), 64, 203, 2560, 4, false);
  else
    runCase(isa(), 32, 203, 2560, 4, true);
}
TERN_INSTANTIATE_ISAS(Int8MatmulHeadShape, DotIsa::Avx2, DotIsa::Avx512Vnni);

TEST(Int8Matmul, QuantizeRows) {
  const float W[2 * 4] = {0.5f, -1.0f, 0.25f, 0.0f, /* zero row */ 0, 0, 0, 0};
  int8_t w8[8];
  float scale[2];
  int32_t corr[2];
  tern::codegen::quantizeRowsInt8(W, 2, 4, w8, scale, corr);
  EXPECT_EQ(w8[0], 64);  // 63.5 rounds half to even
  EXPECT_EQ(w8[1], -127);
  EXPECT_EQ(w8[2], 32);  // 31.75
  EXPECT_EQ(w8[3], 0);
  EXPECT_FLOAT_EQ(scale[0], 1.0f / 127.0f);
  EXPECT_EQ(corr[0], 128 * (64 - 127 + 32));
  EXPECT_EQ(scale[1], 1.0f);
  EXPECT_EQ(corr[1], 0);
}

} // namespace
