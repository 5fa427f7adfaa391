//===- bitlinear_jit_test.cpp - tern.bitlinear lowered and JIT-run --------===//
//
// Lowers a function holding one tern.bitlinear through linalg, bufferization
// and loops to LLVM, runs it with the ExecutionEngine and compares it with the
// scalar reference (runtime/reference): the f32 outputs bit for bit, and the
// int32 accumulators exactly (with unit scales the output is the accumulator).
//
//===----------------------------------------------------------------------===//

#include "codegen/common/Jit.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Case {
  int64_t T, K, N;
  tern::ref::TernaryLayout layout;
  bool multiply;
  bool dynamicTokens;
};

void PrintTo(const Case &c, std::ostream *os) {
  *os << "T=" << c.T << " K=" << c.K << " N=" << c.N << " bits=" << c.layout.bits
      << " pack_dim=" << c.layout.pack_dim << " block=" << c.layout.block
      << " interleave=" << c.layout.interleave << " chunk=" << c.layout.chunk
      << (c.multiply ? " multiply" : " divide")
      << (c.dynamicTokens ? " dynamic-T" : "");
}

std::string layoutText(const tern::ref::TernaryLayout &l) {
  return "#tern.layout<bits = " + std::to_string(l.bits) +
         ", pack_dim = " + std::to_string(l.pack_dim) +
         ", block = " + std::to_string(l.block) +
         ", interleave = " + std::to_string(l.interleave) +
         ", chunk = " + std::to_string(l.chunk) + ">";
}

std::string moduleText(const Case &c) {
  std::string t = c.dynamicTokens ? "?" : std::to_string(c.T);
  std::string k = std::to_string(c.K), n = std::to_string(c.N);
  std::string wt = "!tern.ternary<" + n + "x" + k + ", " + layoutText(c.layout) + ">";
  std::string qt = "tensor<" + t + "x" + k + "xi8>";
  std::string st = "tensor<" + t + "xf32>";
  std::string yt = "tensor<" + t + "x" + n + "xf32>";
  std::string mode = c.multiply ? "multiply" : "divide";
  return "func.func @bitlinear(%q: " + qt + ", %s: " + st + ", %w: " + wt +
         ", %ws: f32) -> " + yt + " {\n"
         "  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<" +
         mode + ">} : " + qt + ", " + st + ", " + wt + ", f32 -> " + yt + "\n"
         "  return %y : " + yt + "\n}\n";
}

template <typename T, int N>
StridedMemRefType<T, N> view(T *data, std::array<int64_t, N> sizes) {
  StridedMemRefType<T, N> m;
  m.basePtr = m.data = data;
  m.offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    m.sizes[i] = sizes[i];
    m.strides[i] = stride;
    stride *= sizes[i];
  }
  return m;
}

using BitLinearFn = void (*)(StridedMemRefType<float, 2> *,
                             StridedMemRefType<int8_t, 2> *,
                             StridedMemRefType<float, 1> *,
                             StridedMemRefType<int8_t, 2> *, float);

class BitLinearJit : public ::testing::TestWithParam<Case> {};

TEST_P(BitLinearJit, MatchesReferenceBitExact) {
  const Case c = GetParam();
  std::string why;
  ASSERT_TRUE(tern::ref::checkLayout(c.layout, c.N, c.K, &why)) << why;

  mlir::DialectRegistry registry;
  mlir::tern::registerJitDialects(registry);
  mlir::MLIRContext ctx(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(moduleText(c), &ctx);
  ASSERT_TRUE(module) << moduleText(c);
  auto engine = mlir::tern::jitCompile(*module);
  ASSERT_TRUE(engine) << "lowering or JIT failed for\n" << moduleText(c);
  auto sym = engine->lookup("_mlir_ciface_bitlinear");
  ASSERT_TRUE(static_cast<bool>(sym)) << llvm::toString(sym.takeError());
  auto fn = reinterpret_cast<BitLinearFn>(*sym);

  std::mt19937 rng(static_cast<unsigned>(c.T * 1000003 + c.K * 101 + c.N));
  std::vector<int8_t> q(c.T * c.K), W(c.N * c.K);
  std::vector<float> s(c.T);
  for (auto &v : q) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
  for (auto &v : W) v = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  for (auto &v : s) v = 0.5f + static_cast<float>(rng() % 1000) / 37.0f;
  const float ws = 0.0123f + static_cast<float>(rng() % 100) / 997.0f;
  std::vector<uint8_t> packed(tern::ref::packedBytes(c.layout, c.N, c.K));
  tern::ref::packTernary(W.data(), c.N, c.K, c.layout, packed.data());
  std::vector<int64_t> storage = tern::ref::storageShape(c.layout, c.N, c.K);
  ASSERT_EQ(storage.size(), 2u);

  auto run = [&](const std::vector<float> &scales, float wscale) {
    StridedMemRefType<float, 2> out{};
    auto qm = view<int8_t, 2>(q.data(), {c.T, c.K});
    auto sm = view<float, 1>(const_cast<float *>(scales.data()), {c.T});
    auto wm = view<int8_t, 2>(reinterpret_cast<int8_t *>(packed.data()),
                              {storage[0], storage[1]});
    fn(&out, &qm, &sm, &wm, wscale);
    EXPECT_EQ(out.sizes[0], c.T);
    EXPECT_EQ(out.sizes[1], c.N);
    std::vector<float> y(c.T * c.N);
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t n = 0; n < c.N; ++n)
        y[t * c.N + n] = out.data[out.offset + t * out.strides[0] + n * out.strides[1]];
    free(out.basePtr);
    return y;
  };

  const auto mode = c.multiply ? tern::ref::ScaleMode::Multiply
                               : tern::ref::ScaleMode::Divide;
  std::vector<float> want(c.T * c.N);
  std::vector<int32_t> acc(c.T * c.N);
  tern::ref::bitlinear(q.data(), s.data(), W.data(), ws, mode, c.T, c.K, c.N,
                       want.data(), acc.data());
  std::vector<float> got = run(s, ws);
  for (int64_t i = 0; i < c.T * c.N; ++i)
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
        << "f32 output differs at t=" << i / c.N << " n=" << i % c.N
        << ": got " << got[i] << ", reference " << want[i];

  // Unit scales: y = float(acc) exactly (|acc| <= 128 * K < 2^24).
  std::vector<float> ones(c.T, 1.0f);
  std::vector<float> accAsFloat = run(ones, 1.0f);
  for (int64_t i = 0; i < c.T * c.N; ++i)
    ASSERT_EQ(static_cast<int32_t>(accAsFloat[i]), acc[i])
        << "int32 accumulator differs at t=" << i / c.N << " n=" << i % c.N;
}

tern::ref::TernaryLayout L(int bits, int packDim, int64_t block,
                           int interleave = 1, int64_t chunk = 0) {
  tern::ref::TernaryLayout l;
  l.bits = bits;
  l.pack_dim = packDim;
  l.block = block;
  l.interleave = interleave;
  l.chunk = chunk;
  return l;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BitLinearJit,
    ::testing::Values(
        // Plain int8 weights, odd sizes everywhere.
        Case{3, 17, 5, L(8, 1, 1), true, false},
        // Four consecutive weights per byte along K, odd N.
        Case{1, 64, 7, L(2, 1, 1), true, false},
        // Hugging Face checkpoint layout (pack along N, block = N/4), odd K.
        Case{2, 13, 12, L(2, 0, 3), false, false},
        // Blocked along K with 4 rows interleaved in 4-byte chunks.
        Case{5, 128, 8, L(2, 1, 16, 4, 4), true, false},
        // 2B4T's K = 2560, HF layout, dynamic token count.
        Case{4, 2560, 64, L(2, 0, 16), true, true},
        Case{1, 2560, 40, L(2, 1, 32), false, true}));

} // namespace
