//===- gpu_kernels_test.cpp - GPU kernels vs the reference, on a GPU ------===//
//
// Each test builds one kernel with its codegen/nvptx emitter, lowers it to
// PTX, loads it with the CUDA driver and compares its output with the
// scalar reference: the ternary matmul bit for bit (integer sums, the same
// float epilogue, .rn float ops that ptxas may not fuse), the float kernels
// within reassociation noise. Without a CUDA GPU every test is skipped with
// the reason. The PTX of each kernel is also checked for libdevice calls on
// any machine.
//
//===----------------------------------------------------------------------===//
#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "runtime/cuda/CudaModule.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/quantize.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

using namespace tern;
using namespace tern::rt::cuda;

namespace {

/// The driver with GPU 0 current, or why not.
struct Gpu {
  const Driver *d = nullptr;
  std::string why;
  Gpu() { d = currentGpu(&why); }
};
const Gpu &gpu() {
  static Gpu g;
  return g;
}

/// Every kernel test is two ctest cases: `NamePtx` builds the kernel and
/// checks its PTX (everywhere), stopping at REQUIRE_GPU(); `Name` runs it
/// against the reference and is skipped, before anything is built, where
/// there is no GPU. So a skip counts exactly the runs that did not happen.
bool ptxOnly = false;
#define REQUIRE_GPU()                                                          \
  if (ptxOnly)                                                                 \
  return

#define SKIP_WITHOUT_GPU()                                                     \
  if (!gpu().d)                                                                \
  GTEST_SKIP() << "no CUDA GPU, GPU kernel not run: " << gpu().why

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

/// One kernel: built, lowered to PTX (always), loaded and run (with a GPU).
class GpuKernel {
public:
  explicit GpuKernel(
      std::function<nvptx::GpuLaunch(mlir::OpBuilder &, mlir::gpu::GPUModuleOp)> build,
      const char *chip = "sm_80") {
    ok = nvptx::buildKernelPtx(build, chip, &launch, &ptx, &err);
  }

  /// A device copy of `host` (read back into it by run()).
  template <typename T> void arg(std::vector<T> *host) {
    if (!loaded) {
      ASSERT_TRUE(mod.load(ptx, &err)) << err;
      loaded = true;
    }
    size_t bytes = host->size() * sizeof(T);
    CUdeviceptr p = mod.alloc(bytes, host->data());
    ASSERT_NE(p, 0u);
    copies.push_back({p, host->data(), bytes});
  }
  /// Launches over items [begin, end) with tokens [t0, t1) at `start`, and
  /// copies every buffer back.
  void run(int64_t t0, int64_t t1, int64_t start, int64_t begin, int64_t end) {
    ASSERT_TRUE(ok) << err;
    CUfunction fn = mod.function(launch.name);
    ASSERT_NE(fn, nullptr);
    std::vector<CUdeviceptr> bufs;
    for (Copy &c : copies)
      bufs.push_back(c.dev);
    const int64_t ints[5] = {t0, t1, start, begin, end};
    unsigned blocks = unsigned((end - begin + launch.items - 1) / launch.items);
    ASSERT_TRUE(mod.launch(fn, blocks, unsigned(launch.threads), bufs, ints, &err)) << err;
    const Driver &d = *gpu().d;
    ASSERT_EQ(d.streamSynchronize(nullptr), kSuccess);
    for (Copy &c : copies)
      ASSERT_EQ(d.memcpyDtoHAsync(c.host, c.dev, c.bytes, nullptr), kSuccess);
    ASSERT_EQ(d.streamSynchronize(nullptr), kSuccess);
  }

  nvptx::GpuLaunch launch;
  std::string ptx, err;
  bool ok = false;

private:
  struct Copy {
    CUdeviceptr dev;
    void *host;
    size_t bytes;
  };
  CudaModule mod;
  bool loaded = false;
  std::vector<Copy> copies;
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
  GpuKernel k(
      [&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
        return nvptx::buildGpuTernaryMatmulKernel(b, gm, "k", p, c.single);
      },
      wgmma ? "sm_90a" : "sm_80");
  ASSERT_TRUE(k.ok) << k.err;
  EXPECT_EQ(k.ptx.find("__nv_"), std::string::npos);
  EXPECT_NE(k.ptx.find("dp4a.u32.s32"), std::string::npos);
  if (c.R == 8 && !c.single && !wgmma && p.mma != "dp4a")
    EXPECT_NE(k.ptx.find("mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32"), std::string::npos);
  if (c.single || wgmma || p.mma == "dp4a") // one token / another instruction
    EXPECT_EQ(k.ptx.find("mma.sync"), std::string::npos);
  if (wgmma && !c.single) {
    const std::string n = std::to_string(c.threads / 4);
    EXPECT_NE(k.ptx.find("wgmma.mma_async.sync.aligned.m64n" + n + "k32.s32.s8.s8"),
              std::string::npos);
    EXPECT_NE(k.ptx.find("fence.proxy.async.shared::cta"), std::string::npos);
  }
  REQUIRE_GPU();
  if (wgmma && rt::cuda::currentGpuSm() != 90)
    GTEST_SKIP() << "wgmma (sm_90a) runs on sm_90 GPUs only; this one is sm_"
                 << rt::cuda::currentGpuSm();

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
  std::vector<int32_t> qw(MB * K / 4);
  std::memcpy(qw.data(), q.data(), q.size());
  std::vector<int32_t> ww(packed.size() / 4);
  std::memcpy(ww.data(), packed.data(), packed.size());
  std::vector<std::vector<float>> outs;
  for (int64_t n : c.parts)
    outs.emplace_back(MB * n, -7.0f);
  std::vector<float> res(c.residual ? MB * c.parts[0] : 0);
  for (size_t i = 0; i < res.size(); ++i)
    res[i] = 0.25f * float(i % 13) - 1.0f;
  k.arg(&qw);
  k.arg(&s);
  k.arg(&ww);
  k.arg(&rs);
  for (auto &o : outs)
    k.arg(&o);
  std::vector<float> resIn = res;
  if (c.residual)
    k.arg(&res);
  k.run(c.t0, c.T, 0, 0, N);

  int64_t base = 0;
  for (size_t part = 0; part < c.parts.size(); ++part) {
    for (int64_t t = 0; t < MB; ++t)
      for (int64_t j = 0; j < c.parts[part]; ++j) {
        const int64_t n = base + j;
        float want = -7.0f;
        if (t >= c.t0 && t < c.T) {
          int32_t acc = 0;
          for (int64_t kk = 0; kk < K; ++kk)
            acc += int32_t(W[n * K + kk]) * int32_t(q[t * K + kk]);
          float y = float(acc);
          y = c.divide ? y / (s[t] * rs[n]) : y / s[t] * rs[n];
          want = c.residual ? resIn[t * c.parts[0] + j] + y : y;
        }
        float got = outs[part][t * c.parts[part] + j];
        ASSERT_EQ(std::memcmp(&got, &want, 4), 0)
            << "part " << part << " token " << t << " row " << j << ": " << got
            << " vs " << want;
      }
    base += c.parts[part];
  }
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
  GpuKernel k([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuNormQuantizeKernel(b, gm, "k", p);
  });
  ASSERT_TRUE(k.ok) << k.err;
  EXPECT_EQ(k.ptx.find("__nv_"), std::string::npos);
  REQUIRE_GPU();
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> x(3 * p.K), w(p.K), s(3, 0.0f);
  for (auto &v : x)
    v = nd(rng);
  for (auto &v : w)
    v = 0.5f + 0.001f * float(&v - w.data());
  std::vector<int8_t> q(3 * p.K, 0);
  k.arg(&x);
  k.arg(&w);
  k.arg(&q);
  k.arg(&s);
  k.run(0, 3, 0, 0, 3);
  for (int t = 0; t < 3; ++t) {
    std::vector<float> y(p.K);
    std::vector<int8_t> rq(p.K);
    ref::rmsNorm(x.data() + t * p.K, w.data(), int(p.K), p.epsilon, y.data());
    float rs = ref::quantizeActivations(y.data(), int(p.K), rq.data());
    EXPECT_NEAR(s[t], rs, 1e-5f * rs) << "token " << t;
    int off = 0;
    for (int64_t i = 0; i < p.K; ++i)
      off += std::abs(int(q[t * p.K + i]) - int(rq[i])) > 0;
    // A sum in another order may move a value across a rounding boundary.
    EXPECT_LE(off, 2) << "token " << t;
  }
}

GPU_TEST(GpuKernels, RopeFromTableMatchesReference) {
  cpu::RopeParams p;
  p.heads = 3;
  p.head_dim = 16;
  p.max_batch = 2;
  p.max_context = 40;
  p.theta = 10000.0f;
  GpuKernel k([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuRopeKernel(b, gm, "k", p);
  });
  ASSERT_TRUE(k.ok) << k.err;
  REQUIRE_GPU();
  const int64_t row = p.heads * p.head_dim;
  std::vector<float> x(2 * row), table(p.max_context * p.head_dim);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(float(i)) * 3.0f;
  for (int pos = 0; pos < p.max_context; ++pos)
    for (int i = 0; i < p.head_dim / 2; ++i)
      ref::ropeCosSin(int(p.head_dim), pos, i, p.theta, &table[pos * p.head_dim + 2 * i],
                      &table[pos * p.head_dim + 2 * i + 1]);
  std::vector<float> want = x;
  k.arg(&x);
  k.arg(&table);
  k.run(0, 2, 37, 0, 2);
  for (int t = 0; t < 2; ++t)
    ref::rope(want.data() + t * row, int(p.heads), int(p.head_dim), 37 + t, p.theta);
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(x[i], want[i]) << i; // the same .rn products and sums
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
  GpuKernel append([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuKvAppendKernel(b, gm, "append", p);
  });
  GpuKernel attn([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuAttentionKernel(b, gm, "attn", p, c.single);
  });
  ASSERT_TRUE(append.ok) << append.err;
  ASSERT_TRUE(attn.ok) << attn.err;
  EXPECT_EQ(attn.ptx.find("__nv_"), std::string::npos);
  EXPECT_EQ(attn.launch.items, nvptx::kAttentionTile);
  REQUIRE_GPU();
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
  append.arg(&kn);
  append.arg(&vn);
  append.arg(&kc);
  append.arg(&vc);
  append.run(0, T, start, 0, T);
  ASSERT_EQ(kc, wantK);
  ASSERT_EQ(vc, wantV);
  attn.arg(&q);
  attn.arg(&kc);
  attn.arg(&vc);
  attn.arg(&out);
  attn.run(0, T, start, 0, nvptx::attentionRange(p));
  for (int64_t t = 0; t < p.max_batch; ++t) {
    std::vector<float> want(qd, 0.0f); // rows past T stay unwritten
    if (t < T)
      ref::attention(q.data() + t * qd, kc.data(), vc.data(), int(p.heads),
                     int(p.kv_heads), int(p.head_dim), int(start + t), want.data());
    for (int64_t i = 0; i < qd; ++i)
      ASSERT_NEAR(out[t * qd + i], want[i], 1e-5f) << "token " << t << " " << i;
  }
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
  GpuKernel k([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuInt8MatmulKernel(b, gm, "k", p);
  });
  ASSERT_TRUE(k.ok) << k.err;
  EXPECT_NE(k.ptx.find("dp4a.s32.s32"), std::string::npos);
  REQUIRE_GPU();
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> d8(-128, 127);
  std::vector<int8_t> q(p.max_batch * p.K), w(p.N * p.K);
  for (auto &v : q)
    v = int8_t(d8(rng));
  for (auto &v : w)
    v = int8_t(d8(rng));
  for (int64_t i = 0; i < p.K; ++i)
    q[p.K + i] = w[i] = -128; // token 1, row 0: the largest product sum
  std::vector<int32_t> qw(q.size() / 4), ww(w.size() / 4), corr(p.N, 0);
  std::memcpy(qw.data(), q.data(), q.size());
  std::memcpy(ww.data(), w.data(), w.size());
  std::vector<float> s = {0.5f, 3.0f, 127.0f}, scale(p.N), y(p.max_batch * p.N, 0.0f);
  for (int64_t n = 0; n < p.N; ++n)
    scale[n] = 0.001f * float(n + 1);
  k.arg(&qw);
  k.arg(&s);
  k.arg(&ww);
  k.arg(&scale);
  k.arg(&corr);
  k.arg(&y);
  k.run(1, 3, 0, 0, p.N);
  for (int64_t t = 0; t < p.max_batch; ++t)
    for (int64_t n = 0; n < p.N; ++n) {
      float want = 0.0f;
      if (t >= 1) {
        int32_t acc = 0;
        for (int64_t i = 0; i < p.K; ++i)
          acc += int32_t(q[t * p.K + i]) * int32_t(w[n * p.K + i]);
        want = float(acc) / s[t] * scale[n];
      }
      ASSERT_EQ(y[t * p.N + n], want) << t << " " << n;
    }
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
  GpuKernel emb([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuEmbeddingKernel(b, gm, "emb", e);
  });
  GpuKernel head([&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
    return nvptx::buildGpuFloatMatmulKernel(b, gm, "head", h);
  });
  ASSERT_TRUE(emb.ok) << emb.err;
  ASSERT_TRUE(head.ok) << head.err;
  REQUIRE_GPU();
  std::vector<float> table(e.vocab * e.hidden);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = std::sin(float(i) * 0.013f);
  std::vector<int32_t> ids = {7, 49};
  std::vector<float> x(2 * e.hidden, 0.0f), y(2 * h.N, 0.0f);
  emb.arg(&table);
  emb.arg(&ids);
  emb.arg(&x);
  emb.run(0, 2, 0, 0, 2);
  for (int t = 0; t < 2; ++t)
    for (int64_t i = 0; i < e.hidden; ++i)
      ASSERT_EQ(x[t * e.hidden + i], table[ids[t] * e.hidden + i]);
  head.arg(&x);
  head.arg(&table);
  head.arg(&y);
  head.run(0, 2, 0, 0, h.N);
  std::vector<float> want(2 * h.N);
  ref::matmulTransposed(x.data(), table.data(), 2, int(h.K), int(h.N), want.data());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(y[i], want[i], 1e-4f) << i;
}

} // namespace
