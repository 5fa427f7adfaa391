//===- gpu_kernels_test.cpp - GPU kernels vs the reference, on a GPU ------===//
//
// Each test builds one kernel with its codegen/nvptx emitter, lowers it to
// PTX and checks the PTX (on any machine), then makes a GPU case of it
// (test/gpu/GpuCase.h): the inputs, the launches and every output as the
// scalar reference computes it, compared bit for bit where the math is
// integer (the ternary and int8 matmuls: integer sums, the same float
// epilogue, .rn float ops that ptxas may not fuse) and within reassociation
// noise for the float kernels. On a GPU the case runs here; with
// TERN_GPU_CASES_OUT=DIR the PTX-only variant writes it to DIR for
// tern-gpu-check, which runs the same cases on a GPU machine without MLIR
// (test/gpu/bundle.sh).
//
//===----------------------------------------------------------------------===//
#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "runtime/cuda/CudaModule.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/quantize.h"
#include "runtime/reference/ternary_layout.h"
#include "test/gpu/GpuCase.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>

using namespace tern;
using namespace tern::rt::cuda;
using tern::gpucheck::Compare;

namespace {

/// Every kernel test is two ctest cases: `NamePtx` builds the kernel,
/// checks its PTX and makes its GPU case (everywhere, writing it out under
/// TERN_GPU_CASES_OUT); `Name` runs the case on the GPU. `Name` is skipped
/// only where there is no GPU at all (no driver, or a driver that sees no
/// device); a GPU machine that does not work fails it with the driver's
/// error. So a skip counts exactly the runs that did not happen.
bool ptxOnly = false;

#define SKIP_WITHOUT_GPU()                                                     \
  do {                                                                         \
    const GpuProbe &g = probeGpu();                                            \
    if (g.state == GpuState::kAbsent)                                          \
      GTEST_SKIP() << "no CUDA GPU, GPU kernel not run: " << g.why;            \
    if (g.state == GpuState::kBroken)                                          \
      FAIL() << "the GPU does not work: " << g.why;                            \
  } while (0)

#define GPU_TEST(Suite, Name)                                                  \
  void Suite##_##Name##_body();                                                \
  TEST(Suite, Name##Ptx) {                                                     \
    ptxOnly = true;                                                            \
    Suite##_##Name##_body();                                                   \
    ptxOnly = false;                                                           \
  }                                                                            \
  TEST(Suite, Name) {                                                          \
    SKIP_WITHOUT_GPU();                                                        \
    Suite##_##Name##_body();                                                   \
  }                                                                            \
  void Suite##_##Name##_body()

#define GPU_TEST_P(Fixture, Name)                                              \
  void Fixture##_##Name##_body(const Fixture::ParamType &param);               \
  TEST_P(Fixture, Name##Ptx) {                                                 \
    ptxOnly = true;                                                            \
    Fixture##_##Name##_body(GetParam());                                       \
    ptxOnly = false;                                                           \
  }                                                                            \
  TEST_P(Fixture, Name) {                                                      \
    SKIP_WITHOUT_GPU();                                                        \
    Fixture##_##Name##_body(GetParam());                                       \
  }                                                                            \
  void Fixture##_##Name##_body(const Fixture::ParamType &param)

template <typename T> constexpr gpucheck::Elem elemOf();
template <> constexpr gpucheck::Elem elemOf<float>() { return gpucheck::Elem::kF32; }
template <> constexpr gpucheck::Elem elemOf<int32_t>() { return gpucheck::Elem::kI32; }
template <> constexpr gpucheck::Elem elemOf<int8_t>() { return gpucheck::Elem::kI8; }
template <> constexpr gpucheck::Elem elemOf<uint8_t>() { return gpucheck::Elem::kU8; }

template <typename T> std::vector<uint8_t> bytesOf(const std::vector<T> &v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty())
    std::memcpy(b.data(), v.data(), b.size());
  return b;
}

/// One GPU case: its kernels (built and lowered to PTX here), buffers,
/// launches and expected outputs.
class CaseBuilder {
public:
  using Build = std::function<nvptx::GpuLaunch(mlir::OpBuilder &, mlir::gpu::GPUModuleOp)>;

  /// Builds one kernel into a module of its own; false + err on failure.
  bool kernel(Build build, const char *chip = "sm_80") {
    nvptx::GpuLaunch l;
    std::string ptx;
    if (!nvptx::buildKernelPtx(build, chip, &l, &ptx, &err))
      return false;
    if (std::string(chip) == "sm_90a")
      c.onlySm = 90;
    launches.push_back(l);
    ptxs.push_back(ptx);
    c.ptx.push_back(ptx);
    return true;
  }
  const std::string &ptx(size_t i = 0) const { return ptxs[i]; }
  const nvptx::GpuLaunch &launchOf(size_t i = 0) const { return launches[i]; }

  template <typename T>
  uint32_t input(const char *name, const std::vector<T> &v, uint32_t row = 1) {
    gpucheck::CaseBuffer b;
    b.name = name;
    b.elem = elemOf<T>();
    b.row = row;
    b.init = bytesOf(v);
    c.buffers.push_back(std::move(b));
    return uint32_t(c.buffers.size() - 1);
  }
  /// A buffer the kernels write: starts as `init`, must end as `want`.
  template <typename T>
  uint32_t output(const std::string &name, const std::vector<T> &init,
                  const std::vector<T> &want, Compare cmp, float tol = 0, uint32_t row = 1) {
    uint32_t i = input(name.c_str(), init, row);
    c.buffers[i].compare = cmp;
    c.buffers[i].tol = tol;
    c.buffers[i].want = bytesOf(want);
    return i;
  }
  /// Kernel `module` over items [begin, end) with tokens [t0, t1) at `start`.
  void launch(uint32_t module, std::vector<uint32_t> args, int64_t t0, int64_t t1,
              int64_t start, int64_t begin, int64_t end) {
    const nvptx::GpuLaunch &l = launches[module];
    gpucheck::CaseLaunch cl;
    cl.module = module;
    cl.kernel = l.name;
    cl.blocks = unsigned((end - begin + l.items - 1) / l.items);
    cl.threads = unsigned(l.threads);
    cl.args = std::move(args);
    const int64_t ints[5] = {t0, t1, start, begin, end};
    std::copy(ints, ints + 5, cl.ints);
    c.launches.push_back(cl);
  }

  /// The PTX-only variant writes the case under TERN_GPU_CASES_OUT (named
  /// after the test); the GPU variant runs it.
  void finish() {
    const ::testing::TestInfo *t = ::testing::UnitTest::GetInstance()->current_test_info();
    // "Shapes/GpuAttention" + "MatchesReferencePtx/decode_1" ->
    // "Shapes.GpuAttention.MatchesReference.decode_1" (either variant).
    std::string test = t->name();
    const size_t ptx = test.find("Ptx");
    if (ptxOnly && ptx != std::string::npos &&
        (ptx + 3 == test.size() || test[ptx + 3] == '/'))
      test.erase(ptx, 3);
    std::string name = std::string(t->test_suite_name()) + "." + test;
    for (char &ch : name)
      if (ch == '/')
        ch = '.';
    c.name = name;
    if (ptxOnly) {
      if (const char *dir = std::getenv("TERN_GPU_CASES_OUT")) {
        std::string werr;
        ASSERT_TRUE(gpucheck::writeCase(c, std::string(dir) + "/" + name + ".gpucase", &werr))
            << werr;
      }
      return;
    }
    gpucheck::CaseResult r = gpucheck::runCase(c);
    if (r.outcome == gpucheck::Outcome::kSkip)
      GTEST_SKIP() << r.message;
    ASSERT_EQ(r.outcome, gpucheck::Outcome::kPass) << r.message;
  }

  std::string err;
  gpucheck::GpuCase c;

private:
  std::vector<nvptx::GpuLaunch> launches;
  std::vector<std::string> ptxs;
};

struct MatmulCase {
  const char *name;
  int64_t K, R, tileM, threads, T, t0;
  std::vector<int64_t> parts;
  bool divide, residual;
  int64_t unroll = 1;
  bool single = false; ///< the decode variant (one token)
  const char *mma = ""; ///< the schedule's prefill instruction
};

class GpuTernaryMatmul : public ::testing::TestWithParam<MatmulCase> {};

GPU_TEST_P(GpuTernaryMatmul, BitExactAgainstReference) {
  const MatmulCase &c = param;
  cpu::TernaryMatmulParams p;
  p.K = c.K;
  p.parts = c.parts;
  p.max_batch = c.T + 1;
  p.block = 16;
  p.interleave = c.R;
  p.tile_m = c.tileM;
  p.threads = c.threads;
  p.unroll = c.unroll;
  p.divide = c.divide;
  p.residual = c.residual;
  p.mma = c.mma;
  const bool wgmma = p.mma == "wgmma";
  const int64_t N = p.totalRows(), K = c.K, MB = p.max_batch;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel(
      [&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
        return nvptx::buildGpuTernaryMatmulKernel(b, gm, "k", p, c.single);
      },
      wgmma ? "sm_90a" : "sm_80"))
      << k.err;
  const std::string &ptx = k.ptx();
  EXPECT_EQ(ptx.find("__nv_"), std::string::npos);
  EXPECT_NE(ptx.find("dp4a.u32.s32"), std::string::npos);
  if (c.R == 8 && !c.single && !wgmma && p.mma != "dp4a")
    EXPECT_NE(ptx.find("mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32"), std::string::npos);
  if (c.single || wgmma || p.mma == "dp4a") // one token / another instruction
    EXPECT_EQ(ptx.find("mma.sync"), std::string::npos);
  if (wgmma && !c.single) {
    const std::string n = std::to_string(c.threads / 4);
    EXPECT_NE(ptx.find("wgmma.mma_async.sync.aligned.m64n" + n + "k32.s32.s8.s8"),
              std::string::npos);
    EXPECT_NE(ptx.find("fence.proxy.async.shared::cta"), std::string::npos);
  }

  std::mt19937 rng(int(N * 31 + K + c.R));
  std::uniform_int_distribution<int> w3(-1, 1), q8(-128, 127);
  std::vector<int8_t> W(N * K), q(MB * K);
  for (auto &v : W)
    v = int8_t(w3(rng));
  for (auto &v : q)
    v = int8_t(q8(rng));
  // The extreme row: all +1 against all -128 (the largest |sum|).
  for (int64_t i = 0; i < K; ++i) {
    W[i] = 1;
    q[i] = -128;
  }
  std::vector<float> s(MB), rs(N);
  for (int64_t t = 0; t < MB; ++t)
    s[t] = 1.0f + 0.37f * float(t);
  for (int64_t n = 0; n < N; ++n)
    rs[n] = 0.01f + 0.001f * float(n % 17);
  ref::TernaryLayout l;
  l.block = 16;
  l.interleave = int(c.R);
  l.chunk = c.R > 1 ? 16 : 0;
  std::vector<uint8_t> packed(ref::packedBytes(l, N, K));
  ref::packTernary(W.data(), N, K, l, packed.data());
  std::vector<float> res(c.residual ? MB * c.parts[0] : 0);
  for (size_t i = 0; i < res.size(); ++i)
    res[i] = 0.25f * float(i % 13) - 1.0f;
  std::vector<uint32_t> args = {k.input("q", q, uint32_t(K)), k.input("s", s),
                                k.input("w", packed), k.input("row_scale", rs)};
  // Each part: every token's rows, -7 where the call's tokens do not reach.
  int64_t base = 0;
  for (size_t part = 0; part < c.parts.size(); ++part) {
    const int64_t np = c.parts[part];
    std::vector<float> init(MB * np, -7.0f), want = init;
    for (int64_t t = c.t0; t < c.T; ++t)
      for (int64_t j = 0; j < np; ++j) {
        const int64_t n = base + j;
        int32_t acc = 0;
        for (int64_t kk = 0; kk < K; ++kk)
          acc += int32_t(W[n * K + kk]) * int32_t(q[t * K + kk]);
        float y = float(acc);
        y = c.divide ? y / (s[t] * rs[n]) : y / s[t] * rs[n];
        want[t * np + j] = c.residual ? res[t * c.parts[0] + j] + y : y;
      }
    args.push_back(k.output("out" + std::to_string(part), init, want, Compare::kExact, 0,
                            uint32_t(np)));
    base += np;
  }
  if (c.residual)
    args.push_back(k.input("residual", res, uint32_t(c.parts[0])));
  k.launch(0, args, c.t0, c.T, 0, 0, N);
  k.finish();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GpuTernaryMatmul,
    ::testing::Values(
        MatmulCase{"gemv_r8", 256, 8, 4, 128, 1, 0, {64}, false, false},
        MatmulCase{"gemv_r1", 192, 1, 1, 64, 1, 0, {40}, false, false},
        MatmulCase{"gemm_tail_tile", 320, 4, 3, 128, 5, 0, {48}, false, false},
        MatmulCase{"parts_qkv", 256, 8, 4, 128, 3, 0, {64, 16, 16}, false, false},
        MatmulCase{"residual_divide", 128, 2, 2, 32, 4, 1, {32}, true, true},
        MatmulCase{"odd_chunks", 64 * 5, 8, 1, 256, 2, 0, {24}, false, false},
        MatmulCase{"r32_2b4t_k", 2560, 32, 4, 128, 1, 0, {64}, false, true},
        MatmulCase{"ffn_down", 6912, 8, 4, 128, 2, 0, {16}, false, false},
        // Unrolled chunk loads: 4 divides the 10 iterations of K = 2560 at
        // R = 8 unevenly, and 3 the 27 of K = 6912 evenly.
        MatmulCase{"unroll4_2b4t", 2560, 8, 4, 128, 1, 0, {64}, false, true, 4},
        MatmulCase{"unroll3_down", 6912, 8, 2, 128, 3, 0, {16}, false, false, 3},
        MatmulCase{"unroll4_odd", 64 * 5, 8, 1, 256, 2, 0, {24}, false, false, 4},
        // The decode variants: one token, t0 = t1 - 1 (the head's call).
        MatmulCase{"single_qkv", 2560, 8, 4, 128, 1, 0, {64, 16, 16}, false, false, 4, true},
        MatmulCase{"single_last_token", 6912, 8, 4, 128, 5, 4, {32}, true, true, 4, true},
        MatmulCase{"single_r1", 192, 1, 4, 64, 2, 1, {40}, false, false, 1, true},
        // >= 8 tokens with 8-row groups: the mma.sync m16n8k32 path.
        MatmulCase{"mma_prefill_qkv", 256, 8, 2, 128, 37, 0, {64, 16, 16}, false, false},
        MatmulCase{"mma_residual_divide", 320, 8, 4, 64, 20, 3, {40}, true, true},
        MatmulCase{"mma_2b4t_k", 2560, 8, 4, 128, 64, 0, {32}, false, false},
        MatmulCase{"mma_ffn_down", 6912, 8, 1, 256, 9, 0, {16}, false, false},
        // The schedule's mma = "dp4a": no tensor cores at 8+ tokens.
        MatmulCase{"dp4a_prefill", 320, 8, 4, 128, 19, 2, {40}, true, true, 1, false, "dp4a"},
        // mma = "wgmma" (sm_90a): 64 tokens per warpgroup from shared memory;
        // one and two warpgroups, 1- and 2-step stages, short and several
        // token passes, rows past the last group, residual + divide, parts.
        MatmulCase{"wgmma_qkv", 2560, 8, 4, 128, 70, 0, {64, 16, 16}, false, false, 4,
                   false, "wgmma"},
        MatmulCase{"wgmma_two_groups", 6912, 8, 4, 256, 150, 5, {40}, true, true, 4, false,
                   "wgmma"},
        MatmulCase{"wgmma_one_step_stages", 64 * 5, 8, 4, 128, 9, 0, {24}, false, false, 1,
                   false, "wgmma"},
        MatmulCase{"wgmma_2b4t_k", 2560, 8, 4, 128, 129, 0, {32}, false, false, 2, false,
                   "wgmma"}),
    [](const ::testing::TestParamInfo<MatmulCase> &i) { return std::string(i.param.name); });

GPU_TEST(GpuKernels, NormQuantizeMatchesReference) {
  cpu::NormQuantizeParams p;
  p.K = 1000;
  p.max_batch = 3;
  p.epsilon = 1e-5f;
  p.quantize = true;
  p.elem = cpu::FloatType::F32;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuNormQuantizeKernel(b, gm, "k", p);
  })) << k.err;
  EXPECT_EQ(k.ptx().find("__nv_"), std::string::npos);
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> x(3 * p.K), w(p.K), s(3, 0.0f), wantS(3);
  for (auto &v : x)
    v = nd(rng);
  for (auto &v : w)
    v = 0.5f + 0.001f * float(&v - w.data());
  std::vector<int8_t> q(3 * p.K, 0), wantQ(3 * p.K);
  for (int t = 0; t < 3; ++t) {
    std::vector<float> y(p.K);
    ref::rmsNorm(x.data() + t * p.K, w.data(), int(p.K), p.epsilon, y.data());
    wantS[t] = ref::quantizeActivations(y.data(), int(p.K), wantQ.data() + t * p.K);
  }
  const uint32_t row = uint32_t(p.K);
  // A sum in another order may move a value across a rounding boundary:
  // at most 2 of a token's 1000 values, and the scale within 1e-5.
  k.launch(0,
           {k.input("x", x, row), k.input("norm_weight", w),
            k.output("q", q, wantQ, Compare::kRowOff, 2, row),
            k.output("scale", s, wantS, Compare::kRel, 1e-5f)},
           0, 3, 0, 0, 3);
  k.finish();
}

// The other families' forms: silu(gate) * up through the norm (1bitLLM),
// and silu(gate) * up quantized with no norm at all (Llama-3 / Falcon3
// 1.58-bit), each against ref::silu and ref::quantizeActivations.
void gpuGatedCase(bool norm) {
  cpu::NormQuantizeParams p;
  p.K = 1000;
  p.max_batch = 3;
  p.epsilon = 1e-5f;
  p.quantize = true;
  p.gated = true;
  p.silu = true;
  p.norm = norm;
  p.elem = cpu::FloatType::F32;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuNormQuantizeKernel(b, gm, "k", p);
  })) << k.err;
  EXPECT_NE(k.ptx().find("ex2.approx"), std::string::npos) << "silu's exp";
  EXPECT_EQ(k.ptx().find("sqrt") == std::string::npos, !norm) << "a norm has its sqrt";
  std::mt19937 rng(norm ? 6 : 7);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> x(3 * p.K), u(3 * p.K), w(p.K), s(3, 0.0f), wantS(3);
  for (auto &v : x)
    v = nd(rng);
  for (auto &v : u)
    v = nd(rng);
  for (auto &v : w)
    v = 0.5f + 0.001f * float(&v - w.data());
  std::vector<int8_t> q(3 * p.K, 0), wantQ(3 * p.K);
  for (int t = 0; t < 3; ++t) {
    std::vector<float> h(p.K), y(p.K);
    for (int64_t i = 0; i < p.K; ++i)
      h[i] = ref::silu(x[t * p.K + i]) * u[t * p.K + i];
    if (norm)
      ref::rmsNorm(h.data(), w.data(), int(p.K), p.epsilon, y.data());
    else
      y = h;
    wantS[t] = ref::quantizeActivations(y.data(), int(p.K), wantQ.data() + t * p.K);
  }
  const uint32_t row = uint32_t(p.K);
  // ex2.approx (~2 ulp) and the sum's order may move a value across a
  // rounding boundary: at most 2 of a token's 1000, the scale within 1e-5.
  std::vector<uint32_t> bufs = {k.input("x", x, row), k.input("up", u, row)};
  if (norm)
    bufs.push_back(k.input("norm_weight", w));
  bufs.push_back(k.output("q", q, wantQ, Compare::kRowOff, 2, row));
  bufs.push_back(k.output("scale", s, wantS, Compare::kRel, 1e-5f));
  k.launch(0, bufs, 0, 3, 0, 0, 3);
  k.finish();
}

GPU_TEST(GpuKernels, SiluNormQuantizeMatchesReference) { gpuGatedCase(true); }
GPU_TEST(GpuKernels, SiluQuantizeNoNormMatchesReference) { gpuGatedCase(false); }

GPU_TEST(GpuKernels, RopeFromTableMatchesReference) {
  cpu::RopeParams p;
  p.heads = 3;
  p.head_dim = 16;
  p.max_batch = 2;
  p.max_context = 40;
  p.theta = 10000.0f;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuRopeKernel(b, gm, "k", p);
  })) << k.err;
  const int64_t row = p.heads * p.head_dim;
  std::vector<float> x(2 * row), table(p.max_context * p.head_dim);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(float(i)) * 3.0f;
  for (int pos = 0; pos < p.max_context; ++pos)
    for (int i = 0; i < p.head_dim / 2; ++i)
      ref::ropeCosSin(int(p.head_dim), pos, i, p.theta, &table[pos * p.head_dim + 2 * i],
                      &table[pos * p.head_dim + 2 * i + 1]);
  std::vector<float> want = x;
  for (int t = 0; t < 2; ++t)
    ref::rope(want.data() + t * row, int(p.heads), int(p.head_dim), 37 + t, p.theta);
  // The same .rn products and sums: bit for bit.
  k.launch(0, {k.output("x", x, want, Compare::kExact, 0, uint32_t(row)), k.input("table", table)},
           0, 2, 37, 0, 2);
  k.finish();
}

struct AttentionCase {
  const char *name;
  int64_t heads, kvHeads, headDim, start, T;
  bool single; ///< the decode entry (tokens one at a time)
};

class GpuAttention : public ::testing::TestWithParam<AttentionCase> {};

GPU_TEST_P(GpuAttention, MatchesReference) {
  const AttentionCase &c = param;
  cpu::AttentionParams p;
  p.heads = c.heads;
  p.kv_heads = c.kvHeads;
  p.head_dim = c.headDim;
  p.max_context = 128;
  p.max_batch = std::max<int64_t>(c.T, 3);
  const int64_t kvd = p.kv_heads * p.head_dim, qd = p.heads * p.head_dim;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuKvAppendKernel(b, gm, "append", p);
  })) << k.err;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuAttentionKernel(b, gm, "attn", p, c.single);
  })) << k.err;
  EXPECT_EQ(k.ptx(1).find("__nv_"), std::string::npos);
  EXPECT_EQ(k.launchOf(1).items, nvptx::kAttentionTile);
  const int64_t start = c.start, T = c.T;
  std::vector<float> kc(p.max_context * kvd, 0.0f), vc(kc.size(), 0.0f);
  for (int64_t i = 0; i < start * kvd; ++i) {
    kc[i] = std::cos(float(i) * 0.1f);
    vc[i] = std::sin(float(i) * 0.07f);
  }
  std::vector<float> kn(p.max_batch * kvd), vn(kn.size()), q(p.max_batch * qd),
      out(q.size(), 0.0f);
  for (size_t i = 0; i < kn.size(); ++i) {
    kn[i] = std::sin(float(i) * 0.3f);
    vn[i] = std::cos(float(i) * 0.2f);
  }
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = std::sin(float(i) * 0.05f);
  std::vector<float> wantK = kc, wantV = vc;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < kvd; ++j) {
      wantK[(start + t) * kvd + j] = kn[t * kvd + j];
      wantV[(start + t) * kvd + j] = vn[t * kvd + j];
    }
  std::vector<float> want(out.size(), 0.0f); // rows past T stay unwritten
  for (int64_t t = 0; t < T; ++t)
    ref::attention(q.data() + t * qd, wantK.data(), wantV.data(), int(p.heads),
                   int(p.kv_heads), int(p.head_dim), int(start + t), want.data() + t * qd);
  const uint32_t iKn = k.input("k_new", kn, uint32_t(kvd)), iVn = k.input("v_new", vn, uint32_t(kvd));
  // The cache append is a copy: bit for bit; the attention within 1e-5.
  const uint32_t iKc = k.output("k_cache", kc, wantK, Compare::kExact, 0, uint32_t(kvd));
  const uint32_t iVc = k.output("v_cache", vc, wantV, Compare::kExact, 0, uint32_t(kvd));
  const uint32_t iQ = k.input("q", q, uint32_t(qd));
  const uint32_t iOut = k.output("out", out, want, Compare::kAbs, 1e-5f, uint32_t(qd));
  k.launch(0, {iKn, iVn, iKc, iVc}, 0, T, start, 0, T);
  k.launch(1, {iQ, iKc, iVc, iOut}, 0, T, start, 0, nvptx::attentionRange(p));
  k.finish();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GpuAttention,
    ::testing::Values(
        // Flash: tokens in one tile and over several, keys over several
        // 32-position tiles, a cache that starts empty, GQA groups of 2 and 4.
        AttentionCase{"flash_3", 4, 2, 32, 20, 3, false},
        AttentionCase{"flash_40_over_tiles", 4, 1, 64, 37, 40, false},
        AttentionCase{"flash_empty_cache", 2, 2, 128, 0, 17, false},
        // The decode entry: one token, and a few one at a time.
        AttentionCase{"decode_1", 4, 2, 32, 50, 1, true},
        AttentionCase{"decode_loop_5", 4, 2, 128, 9, 5, true}),
    [](const ::testing::TestParamInfo<AttentionCase> &i) { return std::string(i.param.name); });

GPU_TEST(GpuKernels, Int8HeadBitExact) {
  cpu::Int8MatmulParams p;
  p.N = 37;
  p.K = 2560;
  p.max_batch = 3;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuInt8MatmulKernel(b, gm, "k", p);
  })) << k.err;
  EXPECT_NE(k.ptx().find("dp4a.s32.s32"), std::string::npos);
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> d8(-128, 127);
  std::vector<int8_t> q(p.max_batch * p.K), w(p.N * p.K);
  for (auto &v : q)
    v = int8_t(d8(rng));
  for (auto &v : w)
    v = int8_t(d8(rng));
  for (int64_t i = 0; i < p.K; ++i)
    q[p.K + i] = w[i] = -128; // token 1, row 0: the largest product sum
  std::vector<int32_t> corr(p.N, 0);
  std::vector<float> s = {0.5f, 3.0f, 127.0f}, scale(p.N), y(p.max_batch * p.N, 0.0f);
  for (int64_t n = 0; n < p.N; ++n)
    scale[n] = 0.001f * float(n + 1);
  std::vector<float> want = y;
  for (int64_t t = 1; t < p.max_batch; ++t)
    for (int64_t n = 0; n < p.N; ++n) {
      int32_t acc = 0;
      for (int64_t i = 0; i < p.K; ++i)
        acc += int32_t(q[t * p.K + i]) * int32_t(w[n * p.K + i]);
      want[t * p.N + n] = float(acc) / s[t] * scale[n];
    }
  k.launch(0,
           {k.input("q", q, uint32_t(p.K)), k.input("s", s), k.input("w", w, uint32_t(p.K)),
            k.input("scale", scale), k.input("correction", corr),
            k.output("y", y, want, Compare::kExact, 0, uint32_t(p.N))},
           1, 3, 0, 0, p.N);
  k.finish();
}

GPU_TEST(GpuKernels, EmbeddingAndHeadMatchReference) {
  cpu::EmbeddingParams e;
  e.vocab = 50;
  e.hidden = 64;
  e.max_batch = 2;
  e.elem = cpu::FloatType::F32;
  cpu::FloatMatmulParams h;
  h.N = 50;
  h.K = 64;
  h.max_batch = 2;
  h.elem = cpu::FloatType::F32;
  CaseBuilder k;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuEmbeddingKernel(b, gm, "emb", e);
  })) << k.err;
  ASSERT_TRUE(k.kernel([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuFloatMatmulKernel(b, gm, "head", h);
  })) << k.err;
  std::vector<float> table(e.vocab * e.hidden);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = std::sin(float(i) * 0.013f);
  std::vector<int32_t> ids = {7, 49};
  std::vector<float> x(2 * e.hidden, 0.0f), y(2 * h.N, 0.0f), wantX(x.size()), wantY(y.size());
  for (int t = 0; t < 2; ++t)
    for (int64_t i = 0; i < e.hidden; ++i)
      wantX[t * e.hidden + i] = table[ids[t] * e.hidden + i];
  ref::matmulTransposed(wantX.data(), table.data(), 2, int(h.K), int(h.N), wantY.data());
  const uint32_t iTable = k.input("table", table, uint32_t(e.hidden));
  // The lookup is a copy (bit for bit); the head's sums within 1e-4.
  const uint32_t iX = k.output("x", x, wantX, Compare::kExact, 0, uint32_t(e.hidden));
  k.launch(0, {iTable, k.input("ids", ids), iX}, 0, 2, 0, 0, 2);
  k.launch(1, {iX, iTable, k.output("logits", y, wantY, Compare::kAbs, 1e-4f, uint32_t(h.N))}, 0,
           2, 0, 0, h.N);
  k.finish();
}

} // namespace
