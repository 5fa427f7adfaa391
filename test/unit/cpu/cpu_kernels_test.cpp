// The float kernels (embedding, RMSNorm + quantize, RoPE, attention, LM head)
// JIT-compiled for this machine vs the scalar reference: tiny-model and
// 2B4T shapes, odd sizes (masked tails), f32/f16/bf16 storage and range
// splits over several calls. Each kernel family is one module compiled once
// per process (lazily, so a single test compiles only its family).
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"
#include "runtime/reference/float_formats.h"
#include "runtime/reference/model_config.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/quantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::cpu;

namespace {

//===----------------------------------------------------------------------===//
// Compiling a module of kernels
//===----------------------------------------------------------------------===//

/// A compiled module and its context. The per-family modules live until the
/// process ends and are deliberately never destroyed: tearing an
/// ExecutionEngine down from a static destructor, after LLVM's own statics,
/// crashes at exit.
struct Jitted {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<KernelJit> jit;
  std::string err;

  tern_kernel_fn get(const std::string &name) const {
    return jit ? jit->lookup(name) : nullptr;
  }
};

std::unique_ptr<Jitted>
jitKernels(const std::function<void(mlir::OpBuilder &, mlir::ModuleOp)> &build) {
  auto j = std::make_unique<Jitted>();
  mlir::DialectRegistry registry;
  mlir::tern::registerJitDialects(registry);
  j->ctx = std::make_unique<mlir::MLIRContext>(registry);
  j->ctx->loadDialect<mlir::func::FuncDialect, mlir::arith::ArithDialect,
                      mlir::vector::VectorDialect, mlir::memref::MemRefDialect,
                      mlir::scf::SCFDialect, mlir::math::MathDialect,
                      mlir::LLVM::LLVMDialect>();
  mlir::OpBuilder b(j->ctx.get());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(b.getUnknownLoc());
  build(b, *module);
  if (mlir::failed(mlir::verify(*module))) {
    j->err = "the built kernels do not verify";
    return j;
  }
  if (std::getenv("TERN_DUMP_CPU_KERNELS"))
    module->print(llvm::errs());
  j->jit = KernelJit::compile(*module, &j->err);
  return j;
}

#define GET_KERNEL(fn, jitted, name)                                           \
  ASSERT_TRUE((jitted).jit) << (jitted).err;                                   \
  tern_kernel_fn fn = (jitted).get(name);                                      \
  ASSERT_NE(fn, nullptr) << "no kernel " << (name)

void call(tern_kernel_fn fn, std::vector<void *> args, int64_t t0, int64_t t1,
          int64_t start, int64_t begin, int64_t end) {
  fn(args.data(), t0, t1, start, begin, end);
}

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

/// A float tensor stored as `elem`, and the f32 values the reference sees.
struct Stored {
  FloatType elem = FloatType::F32;
  std::vector<float> values;  ///< exactly representable in elem
  std::vector<uint16_t> bits; ///< f16/bf16 storage
  void *data() {
    return elem == FloatType::F32 ? static_cast<void *>(values.data())
                                  : static_cast<void *>(bits.data());
  }
};

Stored stored(FloatType elem, size_t n, float lo, float hi, uint32_t seed) {
  Stored s;
  s.elem = elem;
  s.values = uniform(n, lo, hi, seed);
  if (elem != FloatType::F32) {
    s.bits.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (elem == FloatType::BF16) {
        s.bits[i] = ref::f32ToBf16(s.values[i]);
        s.values[i] = ref::bf16ToF32(s.bits[i]);
      } else {
        s.bits[i] = ref::f32ToF16(s.values[i]);
        s.values[i] = ref::f16ToF32(s.bits[i]);
      }
    }
  }
  return s;
}

const char *elemName(FloatType t) {
  return t == FloatType::F32 ? "f32" : t == FloatType::F16 ? "f16" : "bf16";
}

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

struct EmbCase {
  const char *name;
  EmbeddingParams p;
};
const std::vector<EmbCase> &embCases() {
  static const std::vector<EmbCase> cases = {
      {"emb_tiny_bf16", {512, 256, 4, FloatType::BF16}},
      {"emb_2b4t_bf16", {40, 2560, 3, FloatType::BF16}},
      {"emb_odd_f16", {10, 37, 4, FloatType::F16}},
      {"emb_f32", {10, 40, 4, FloatType::F32}},
  };
  return cases;
}
const Jitted &embJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const EmbCase &c : embCases())
      buildEmbeddingKernel(b, m, c.name, c.p);
  }).release();
  return *j;
}

void runEmbedding(int idx) {
  const EmbCase &c = embCases()[idx];
  SCOPED_TRACE(c.name);
  GET_KERNEL(fn, embJit(), c.name);
  const EmbeddingParams &p = c.p;
  Stored table = stored(p.elem, p.vocab * p.hidden, -2.0f, 2.0f, 7 + idx);
  std::vector<int32_t> tokens(p.max_batch);
  std::mt19937 rng(99 + idx);
  for (int32_t &t : tokens)
    t = static_cast<int32_t>(rng() % p.vocab);
  tokens[0] = static_cast<int32_t>(p.vocab - 1); // the last row
  std::vector<float> out(p.max_batch * p.hidden, -7.0f);
  // Rows 1.. first: row 0 must stay untouched.
  call(fn, {table.data(), tokens.data(), out.data()}, 0, p.max_batch, 0, 1, p.max_batch);
  for (int64_t i = 0; i < p.hidden; ++i)
    ASSERT_EQ(out[i], -7.0f);
  call(fn, {table.data(), tokens.data(), out.data()}, 0, p.max_batch, 0, 0, 1);
  for (int64_t t = 0; t < p.max_batch; ++t)
    for (int64_t i = 0; i < p.hidden; ++i)
      ASSERT_EQ(out[t * p.hidden + i], table.values[tokens[t] * p.hidden + i])
          << "t=" << t << " i=" << i;
}

TEST(CpuEmbeddingKernel, TinyBf16) { runEmbedding(0); }
TEST(CpuEmbeddingKernel, B2B4TBf16) { runEmbedding(1); }
TEST(CpuEmbeddingKernel, OddF16) { runEmbedding(2); }
TEST(CpuEmbeddingKernel, F32) { runEmbedding(3); }

//===----------------------------------------------------------------------===//
// RMSNorm (+ relu2 gate) (+ quantize)
//===----------------------------------------------------------------------===//

struct NormCase {
  const char *name;
  NormQuantizeParams p;
};
NormQuantizeParams normParams(int64_t K, bool gated, bool quantize,
                              FloatType elem, float eps = 1e-5f, bool silu = false,
                              bool norm = true) {
  NormQuantizeParams p;
  p.K = K;
  p.max_batch = 4;
  p.epsilon = eps;
  p.gated = gated;
  p.silu = silu;
  p.norm = norm;
  p.quantize = quantize;
  p.elem = elem;
  return p;
}
const std::vector<NormCase> &normCases() {
  static const std::vector<NormCase> cases = {
      {"norm_q_tiny", normParams(256, false, true, FloatType::F32)},
      {"norm_y_tiny", normParams(256, false, false, FloatType::F32)},
      {"norm_gated_q_tiny", normParams(512, true, true, FloatType::F32)},
      {"norm_q_2b4t", normParams(2560, false, true, FloatType::BF16)},
      {"norm_gated_q_2b4t", normParams(6912, true, true, FloatType::BF16)},
      {"norm_y_2b4t_f16", normParams(2560, false, false, FloatType::F16)},
      {"norm_q_odd", normParams(37, false, true, FloatType::F32, 1e-6f)},
      {"norm_gated_y_odd", normParams(37, true, false, FloatType::BF16)},
      // The families without relu2 or sub-norms (index 8 on).
      {"norm_silu_q_tiny", normParams(512, true, true, FloatType::F32, 1e-5f, true)},
      {"norm_silu_q_1bitllm", normParams(4096, true, true, FloatType::BF16, 1e-5f, true)},
      {"silu_q_llama3", normParams(14336, true, true, FloatType::F32, 1e-5f, true, false)},
      {"silu_q_odd", normParams(37, true, true, FloatType::F32, 1e-5f, true, false)},
      {"relu2_q_odd", normParams(37, true, true, FloatType::F32, 1e-5f, false, false)},
      {"q_only_tiny", normParams(256, false, true, FloatType::F32, 1e-5f, false, false)},
      {"q_only_odd", normParams(37, false, true, FloatType::F32, 1e-5f, false, false)},
  };
  return cases;
}
const Jitted &normJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const NormCase &c : normCases())
      buildNormQuantizeKernel(b, m, c.name, c.p);
  }).release();
  return *j;
}

void runNorm(int idx) {
  const NormCase &c = normCases()[idx];
  SCOPED_TRACE(c.name);
  GET_KERNEL(fn, normJit(), c.name);
  const NormQuantizeParams &p = c.p;
  const int64_t K = p.K, M = p.max_batch;
  std::vector<float> x = uniform(M * K, -3.0f, 3.0f, 11 + idx);
  std::vector<float> u = uniform(M * K, -2.0f, 2.0f, 21 + idx);
  // The last row is all zeros: absmax below the 1e-5 floor.
  std::fill(x.begin() + (M - 1) * K, x.end(), 0.0f);
  Stored w = stored(p.elem, K, 0.25f, 1.75f, 31 + idx);
  std::vector<int8_t> q(M * K, 99);
  std::vector<float> s(M, -1.0f), y(M * K, -1.0f);
  std::vector<void *> args = {x.data()};
  if (p.gated)
    args.push_back(u.data());
  if (p.norm)
    args.push_back(w.data());
  if (p.quantize) {
    args.push_back(q.data());
    args.push_back(s.data());
  } else {
    args.push_back(y.data());
  }
  call(fn, args, 0, M, 0, 1, M);
  if (p.quantize) {
    EXPECT_EQ(s[0], -1.0f) << "row 0 written by the [1, M) call";
    EXPECT_EQ(q[0], 99);
  }
  call(fn, args, 0, M, 0, 0, 1);

  int64_t equal = 0, total = 0;
  double maxRel = 0.0;
  int maxQDiff = 0;
  for (int64_t t = 0; t < M; ++t) {
    std::vector<float> h(x.begin() + t * K, x.begin() + (t + 1) * K);
    if (p.gated)
      for (int64_t i = 0; i < K; ++i)
        h[i] = (p.silu ? ref::silu(h[i]) : ref::relu2(h[i])) * u[t * K + i];
    std::vector<float> yr = h;
    if (p.norm)
      ref::rmsNorm(h.data(), w.values.data(), static_cast<int>(K), p.epsilon, yr.data());
    if (!p.quantize) {
      for (int64_t i = 0; i < K; ++i) {
        float got = y[t * K + i], want = yr[i];
        double rel = std::fabs(got - want) / std::max(std::fabs(want), 1e-30f);
        if (want == 0.0f)
          rel = got == 0.0f ? 0.0 : 1.0;
        maxRel = std::max(maxRel, rel);
        ASSERT_LE(rel, 1e-5) << "t=" << t << " i=" << i << " got " << got << " want " << want;
      }
      continue;
    }
    std::vector<int8_t> qr(K);
    float sr = ref::quantizeActivations(yr.data(), static_cast<int>(K), qr.data());
    if (!p.norm && !p.silu) { // no float reassociation at all: bit-exact
      EXPECT_EQ(s[t], sr) << "t=" << t;
      EXPECT_EQ(0, std::memcmp(q.data() + t * K, qr.data(), size_t(K))) << "t=" << t;
    }
    double srel = std::fabs(s[t] - sr) / sr;
    maxRel = std::max(maxRel, srel);
    EXPECT_LE(srel, 1e-5) << "t=" << t << " s " << s[t] << " want " << sr;
    for (int64_t i = 0; i < K; ++i) {
      int d = std::abs(int(q[t * K + i]) - int(qr[i]));
      maxQDiff = std::max(maxQDiff, d);
      ASSERT_LE(d, 1) << "t=" << t << " i=" << i;
      equal += d == 0;
      ++total;
    }
  }
  if (p.quantize) {
    EXPECT_GE(equal, total * 99 / 100);
    std::printf("[ measure  ] %s: s max rel diff %.3g, q equal %lld/%lld, max |dq| %d\n",
                c.name, maxRel, (long long)equal, (long long)total, maxQDiff);
  } else {
    std::printf("[ measure  ] %s: y max rel diff %.3g\n", c.name, maxRel);
  }
}

TEST(CpuNormKernel, QuantizeTiny) { runNorm(0); }
TEST(CpuNormKernel, NormOnlyTiny) { runNorm(1); }
TEST(CpuNormKernel, GatedQuantizeTiny) { runNorm(2); }
TEST(CpuNormKernel, Quantize2B4TBf16) { runNorm(3); }
TEST(CpuNormKernel, GatedQuantize2B4TBf16) { runNorm(4); }
TEST(CpuNormKernel, NormOnly2B4TF16) { runNorm(5); }
TEST(CpuNormKernel, QuantizeOddK) { runNorm(6); }
TEST(CpuNormKernel, GatedNormOnlyOddKBf16) { runNorm(7); }
TEST(CpuNormKernel, SiluGatedQuantizeTiny) { runNorm(8); }
TEST(CpuNormKernel, SiluGatedQuantize1bitLLMBf16) { runNorm(9); }
TEST(CpuNormKernel, SiluQuantizeNoNormLlama3) { runNorm(10); }
TEST(CpuNormKernel, SiluQuantizeNoNormOddK) { runNorm(11); }
TEST(CpuNormKernel, Relu2QuantizeNoNormOddK) { runNorm(12); }
TEST(CpuNormKernel, QuantizeOnlyTiny) { runNorm(13); }
TEST(CpuNormKernel, QuantizeOnlyOddK) { runNorm(14); }

// silu and relu2 are different kernels: the same inputs quantize
// differently (guards against the activation flag being ignored).
TEST(CpuNormKernel, SiluIsNotRelu2) {
  GET_KERNEL(fs, normJit(), "silu_q_odd");
  GET_KERNEL(fr, normJit(), "relu2_q_odd");
  const int64_t K = 37, M = 4;
  std::vector<float> x = uniform(M * K, -3.0f, 3.0f, 7), u = uniform(M * K, -2.0f, 2.0f, 8);
  std::vector<int8_t> qs(M * K), qr(M * K);
  std::vector<float> ss(M), sr(M);
  call(fs, {x.data(), u.data(), qs.data(), ss.data()}, 0, M, 0, 0, M);
  call(fr, {x.data(), u.data(), qr.data(), sr.data()}, 0, M, 0, 0, M);
  EXPECT_NE(0, std::memcmp(qs.data(), qr.data(), qs.size()));
}

// Rounding: halfway products round to even, out-of-range ones clamp, NaN
// rows quantize to 0 (the reference's contract, through the kernel).
TEST(CpuNormKernel, QuantizeEdgeCases) {
  const NormCase &c = normCases()[0]; // K = 256, f32 weights
  GET_KERNEL(fn, normJit(), c.name);
  const int64_t K = c.p.K, M = c.p.max_batch;
  std::vector<float> x = uniform(M * K, -1.0f, 1.0f, 5);
  x[1 * K + 3] = NAN; // a NaN row
  // Row 2: a large outlier, so most values land near 0 (ties of 0.5 occur
  // only by chance; the reference decides them the same way).
  x[2 * K + 7] = 1000.0f;
  std::vector<float> w(K, 1.0f);
  std::vector<int8_t> q(M * K);
  std::vector<float> s(M);
  call(fn, {x.data(), w.data(), q.data(), s.data()}, 0, M, 0, 0, M);
  for (int64_t t = 0; t < M; ++t) {
    std::vector<float> yr(K);
    std::vector<int8_t> qr(K);
    ref::rmsNorm(x.data() + t * K, w.data(), static_cast<int>(K), c.p.epsilon, yr.data());
    float sr = ref::quantizeActivations(yr.data(), static_cast<int>(K), qr.data());
    EXPECT_NEAR(s[t], sr, 1e-5 * sr) << "t=" << t;
    for (int64_t i = 0; i < K; ++i)
      EXPECT_LE(std::abs(int(q[t * K + i]) - int(qr[i])), 1) << "t=" << t << " i=" << i;
  }
  for (int64_t i = 0; i < K; ++i)
    ASSERT_EQ(q[1 * K + i], 0) << "NaN row, i=" << i;
  EXPECT_EQ(q[2 * K + 7], 127);
}

// The schedule (tile_m rows per pass, unroll chunks per step of the max
// and quantize passes) changes no bit: every variant gives the default's
// q, s and y exactly, over 7 rows (whole tiles and a rest), with a NaN row
// and a zero row, called on [1, 7) then [0, 1).
struct NormVariant {
  int base; ///< index into normCases()
  int64_t tile_m, unroll;
};
const std::vector<NormVariant> &normVariants() {
  static const std::vector<NormVariant> v = [] {
    std::vector<NormVariant> out;
    // y tiny, q 2b4t, gated q 2b4t, q odd, gated y odd, silu q, silu q no norm, q only
    for (int base : {1, 3, 4, 6, 7, 8, 11, 14})
      for (auto [m, u] : {std::pair<int64_t, int64_t>{1, 1}, {2, 1}, {4, 1}, {3, 2}, {1, 2},
                          {1, 4}, {4, 4}})
        out.push_back({base, m, u});
    return out;
  }();
  return v;
}
std::string normVariantName(const NormVariant &v) {
  return std::string(normCases()[v.base].name) + "_m" + std::to_string(v.tile_m) + "u" +
         std::to_string(v.unroll);
}
NormQuantizeParams normVariantParams(const NormVariant &v) {
  NormQuantizeParams p = normCases()[v.base].p;
  p.max_batch = 7;
  p.tile_m = v.tile_m;
  p.unroll = v.unroll;
  return p;
}
const Jitted &normVariantJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const NormVariant &v : normVariants())
      buildNormQuantizeKernel(b, m, normVariantName(v), normVariantParams(v));
  }).release();
  return *j;
}

TEST(CpuNormKernel, ScheduleKeepsEveryBit) {
  struct Out {
    std::vector<int8_t> q;
    std::vector<float> s, y;
  };
  std::map<int, Out> defaults;
  for (const NormVariant &v : normVariants()) {
    const std::string name = normVariantName(v);
    SCOPED_TRACE(name);
    GET_KERNEL(fn, normVariantJit(), name.c_str());
    const NormQuantizeParams p = normVariantParams(v);
    const int64_t K = p.K, M = p.max_batch;
    std::vector<float> x = uniform(M * K, -3.0f, 3.0f, 90 + v.base);
    std::vector<float> u = uniform(M * K, -2.0f, 2.0f, 95 + v.base);
    std::fill(x.begin() + (M - 1) * K, x.end(), 0.0f); // below the absmax floor
    x[2 * K + K / 2] = NAN;
    Stored w = stored(p.elem, K, 0.25f, 1.75f, 99 + v.base);
    Out o{std::vector<int8_t>(M * K, 99), std::vector<float>(M, -1.0f),
          std::vector<float>(M * K, -1.0f)};
    std::vector<void *> args = {x.data()};
    if (p.gated)
      args.push_back(u.data());
    if (p.norm)
      args.push_back(w.data());
    if (p.quantize) {
      args.push_back(o.q.data());
      args.push_back(o.s.data());
    } else {
      args.push_back(o.y.data());
    }
    call(fn, args, 0, M, 0, 1, M);
    call(fn, args, 0, M, 0, 0, 1);
    if (v.tile_m == 1 && v.unroll == 1) {
      defaults[v.base] = o;
      continue;
    }
    ASSERT_TRUE(defaults.count(v.base));
    const Out &d = defaults[v.base];
    EXPECT_EQ(0, std::memcmp(o.q.data(), d.q.data(), o.q.size()));
    EXPECT_EQ(0, std::memcmp(o.s.data(), d.s.data(), o.s.size() * 4));
    EXPECT_EQ(0, std::memcmp(o.y.data(), d.y.data(), o.y.size() * 4));
  }
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

struct RopeCase {
  const char *name;
  RopeParams p;
};
const std::vector<RopeCase> &ropeCases() {
  static const std::vector<RopeCase> cases = {
      {"rope_tiny_q", {4, 64, 4, 500000.0f}},
      {"rope_tiny_k", {2, 64, 4, 500000.0f}},
      {"rope_2b4t_q", {20, 128, 4, 500000.0f}},
      {"rope_2b4t_k", {5, 128, 4, 500000.0f}},
      {"rope_odd", {3, 40, 4, 10000.0f}},
      // Llama 3.1's rope_scaling (factor 8, 1, 4, 8192) on head_dim 64.
      {"rope_llama3", [] {
         RopeParams p{4, 64, 4, 500000.0f};
         ref::ModelConfig::RopeScaling s{"llama3", 8, 1, 4, 8192};
         std::string err;
         EXPECT_TRUE(ref::ropeScalingFactors(s, 64, 500000.0f, &p.freq_factors, &err)) << err;
         return p;
       }()},
  };
  return cases;
}
const Jitted &ropeJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const RopeCase &c : ropeCases())
      buildRopeKernel(b, m, c.name, c.p);
  }).release();
  return *j;
}

void runRope(int idx) {
  const RopeCase &c = ropeCases()[idx];
  SCOPED_TRACE(c.name);
  GET_KERNEL(fn, ropeJit(), c.name);
  const RopeParams &p = c.p;
  const int64_t row = p.heads * p.head_dim, M = p.max_batch;
  double maxAbs = 0.0;
  for (int64_t start : {0, 1, 37, 996}) {
    std::vector<float> x = uniform(M * row, -2.0f, 2.0f, 41 + idx + start);
    std::vector<float> want = x;
    call(fn, {x.data()}, 0, M, start, 2, M);
    call(fn, {x.data()}, 0, M, start, 0, 2);
    for (int64_t t = 0; t < M; ++t)
      ref::rope(want.data() + t * row, static_cast<int>(p.heads),
                static_cast<int>(p.head_dim), static_cast<int>(start + t), p.theta,
                p.freq_factors.empty() ? nullptr : p.freq_factors.data());
    for (int64_t i = 0; i < M * row; ++i) {
      double d = std::fabs(double(x[i]) - double(want[i]));
      maxAbs = std::max(maxAbs, d);
      ASSERT_LE(d, 1e-5) << "start=" << start << " i=" << i;
    }
  }
  std::printf("[ measure  ] %s: max abs diff %.3g\n", c.name, maxAbs);
}

TEST(CpuRopeKernel, TinyQ) { runRope(0); }
TEST(CpuRopeKernel, TinyK) { runRope(1); }
TEST(CpuRopeKernel, B2B4TQ) { runRope(2); }
TEST(CpuRopeKernel, B2B4TK) { runRope(3); }
TEST(CpuRopeKernel, OddHeadDim) { runRope(4); }
TEST(CpuRopeKernel, Llama3Scaling) {
  runRope(5);
  // The factors are llama.cpp's: 1 for short wavelengths, the factor for
  // long ones, a blend between; and they change the rotation.
  const std::vector<float> &f = ropeCases()[5].p.freq_factors;
  ASSERT_EQ(f.size(), 32u);
  EXPECT_EQ(f.front(), 1.0f);
  EXPECT_EQ(f.back(), 8.0f);
  EXPECT_TRUE(std::any_of(f.begin(), f.end(), [](float v) { return v > 1.0f && v < 8.0f; }));
  std::vector<float> a(64, 1.0f), b(64, 1.0f);
  ref::rope(a.data(), 1, 64, 1000, 500000.0f);
  ref::rope(b.data(), 1, 64, 1000, 500000.0f, f.data());
  EXPECT_NE(a, b);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttnCase {
  const char *name;
  AttentionParams p;
};
const std::vector<AttnCase> &attnCases() {
  static const std::vector<AttnCase> cases = {
      {"attn_tiny", {4, 2, 64, 64, 8}},
      {"attn_2b4t", {20, 5, 128, 64, 8}},
      {"attn_odd", {3, 1, 20, 40, 8}},
      // tile_n query heads per pass (the schedule's): 2 and 4 of 2B4T's
      // group of 4, 3 of the odd one's group of 3.
      {"attn_2b4t_t2", {20, 5, 128, 64, 8, 2}},
      {"attn_2b4t_t4", {20, 5, 128, 64, 8, 4}},
      {"attn_odd_t3", {3, 1, 20, 40, 8, 3}},
  };
  return cases;
}
const Jitted &attnJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const AttnCase &c : attnCases())
      buildAttentionKernel(b, m, c.name, c.p);
  }).release();
  return *j;
}

/// T tokens at positions start.., the cache holding random rows before
/// `start`; the kernel runs once per [begin, end) piece of `splits`.
void runAttention(int idx, int64_t T, int64_t start,
                  const std::vector<std::pair<int64_t, int64_t>> &splits,
                  double *maxRelOut) {
  const AttnCase &c = attnCases()[idx];
  SCOPED_TRACE(std::string(c.name) + " T=" + std::to_string(T) +
               " start=" + std::to_string(start));
  GET_KERNEL(fn, attnJit(), c.name);
  const AttentionParams &p = c.p;
  const int64_t hd = p.head_dim, kvDim = p.kv_heads * hd, qDim = p.heads * hd;
  const int64_t M = p.max_batch, C = p.max_context;
  uint32_t seed = static_cast<uint32_t>(1000 * idx + 10 * T + start);
  std::vector<float> q = uniform(M * qDim, -3.0f, 3.0f, seed + 1);
  std::vector<float> k = uniform(M * kvDim, -1.5f, 1.5f, seed + 2);
  std::vector<float> v = uniform(M * kvDim, -1.0f, 1.0f, seed + 3);
  std::vector<float> kc = uniform(C * kvDim, -1.5f, 1.5f, seed + 4);
  std::vector<float> vc = uniform(C * kvDim, -1.0f, 1.0f, seed + 5);
  std::vector<float> out(M * qDim, -9.0f);
  // The reference cache: the prefix, then the appended rows.
  std::vector<float> kr = kc, vr = vc;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < kvDim; ++i) {
      kr[(start + t) * kvDim + i] = k[t * kvDim + i];
      vr[(start + t) * kvDim + i] = v[t * kvDim + i];
    }
  for (auto [begin, end] : splits)
    call(fn, {q.data(), k.data(), v.data(), kc.data(), vc.data(), out.data()}, 0,
         T, start, begin, end);
  ASSERT_EQ(kc, kr);
  ASSERT_EQ(vc, vr);
  std::vector<float> want(qDim);
  for (int64_t t = 0; t < T; ++t) {
    ref::attention(q.data() + t * qDim, kr.data(), vr.data(),
                   static_cast<int>(p.heads), static_cast<int>(p.kv_heads),
                   static_cast<int>(hd), static_cast<int>(start + t), want.data());
    const int64_t group = p.heads / p.kv_heads;
    for (int64_t i = 0; i < qDim; ++i) {
      // The output is a convex combination of v[0..pos][d]: its error scales
      // with those values, not with the (possibly cancelled) result.
      const int64_t h = i / hd, d = i % hd;
      double vScale = 0.0;
      for (int64_t j = 0; j <= start + t; ++j)
        vScale = std::max(vScale, double(std::fabs(vr[j * kvDim + (h / group) * hd + d])));
      double got = out[t * qDim + i], w = want[i], diff = std::fabs(got - w);
      maxRelOut[0] = std::max(maxRelOut[0], diff / std::max(std::fabs(w), 1e-30));
      maxRelOut[1] = std::max(maxRelOut[1], diff / vScale);
      // 1e-5 relative, or 1e-6 of max |v| where the sum cancels.
      ASSERT_LE(diff, std::max(1e-5 * std::fabs(w), 1e-6 * vScale))
          << "t=" << t << " i=" << i << " got " << got << " want " << w;
    }
  }
  for (int64_t i = T * qDim; i < M * qDim; ++i)
    ASSERT_EQ(out[i], -9.0f) << "rows past T written";
}

void runAttentionCase(int idx) {
  const AttentionParams &p = attnCases()[idx].p;
  const int64_t kv = p.kv_heads;
  const std::vector<std::pair<int64_t, int64_t>> all = {{0, kv}};
  double maxRel[2] = {0.0, 0.0};
  for (int64_t start : {int64_t(0), int64_t(1), int64_t(37), p.max_context - 1})
    runAttention(idx, 1, start, all, maxRel);
  // Prefill of 5 tokens at start 3, the kv heads split over two calls (the
  // second first, as another thread might run it).
  int64_t mid = kv / 2 > 0 ? kv / 2 : 0;
  if (mid > 0)
    runAttention(idx, 5, 3, {{mid, kv}, {0, mid}}, maxRel);
  else
    runAttention(idx, 5, 3, all, maxRel);
  // Prefill up to the end of the cache.
  runAttention(idx, 8, p.max_context - 8, all, maxRel);
  std::printf("[ measure  ] %s: max rel diff %.3g, max diff / max|v| %.3g\n",
              attnCases()[idx].name, maxRel[0], maxRel[1]);
}

TEST(CpuAttentionKernel, Tiny) { runAttentionCase(0); }
TEST(CpuAttentionKernel, B2B4T) { runAttentionCase(1); }
TEST(CpuAttentionKernel, OddHeadDimGroup3) { runAttentionCase(2); }
TEST(CpuAttentionKernel, B2B4TTwoHeadsPerPass) { runAttentionCase(3); }
TEST(CpuAttentionKernel, B2B4TFourHeadsPerPass) { runAttentionCase(4); }
TEST(CpuAttentionKernel, OddThreeHeadsPerPass) { runAttentionCase(5); }

// Several heads per pass regroup the heads and leave each head's
// arithmetic as it is: the same bits as one head per pass (what tern-tune's
// attention check relies on), for decode and prefill.
TEST(CpuAttentionKernel, HeadsPerPassGiveTheSameBits) {
  for (auto [tiled, base] : {std::pair<int, int>{3, 1}, {4, 1}, {5, 2}}) {
    GET_KERNEL(fnT, attnJit(), attnCases()[tiled].name);
    GET_KERNEL(fnB, attnJit(), attnCases()[base].name);
    const AttentionParams &p = attnCases()[base].p;
    const int64_t kvDim = p.kv_heads * p.head_dim, qDim = p.heads * p.head_dim;
    for (auto [T, start] : {std::pair<int64_t, int64_t>{1, 37}, {5, 3}}) {
      SCOPED_TRACE(std::string(attnCases()[tiled].name) + " T=" + std::to_string(T));
      const uint32_t seed = uint32_t(77 * tiled + T);
      std::vector<float> q = uniform(p.max_batch * qDim, -3.0f, 3.0f, seed + 1);
      std::vector<float> k = uniform(p.max_batch * kvDim, -1.5f, 1.5f, seed + 2);
      std::vector<float> v = uniform(p.max_batch * kvDim, -1.0f, 1.0f, seed + 3);
      std::vector<float> kc = uniform(p.max_context * kvDim, -1.5f, 1.5f, seed + 4);
      std::vector<float> vc = uniform(p.max_context * kvDim, -1.0f, 1.0f, seed + 5);
      std::vector<float> kc2 = kc, vc2 = vc;
      std::vector<float> outT(p.max_batch * qDim, -9.0f), outB(p.max_batch * qDim, -7.0f);
      call(fnT, {q.data(), k.data(), v.data(), kc.data(), vc.data(), outT.data()}, 0, T, start,
           0, p.kv_heads);
      call(fnB, {q.data(), k.data(), v.data(), kc2.data(), vc2.data(), outB.data()}, 0, T,
           start, 0, p.kv_heads);
      ASSERT_EQ(kc, kc2);
      ASSERT_EQ(vc, vc2);
      for (int64_t i = 0; i < T * qDim; ++i)
        ASSERT_EQ(std::memcmp(&outT[size_t(i)], &outB[size_t(i)], 4), 0)
            << "i=" << i << ": " << outT[size_t(i)] << " vs " << outB[size_t(i)];
    }
  }
}

//===----------------------------------------------------------------------===//
// Float matmul (LM head)
//===----------------------------------------------------------------------===//

struct MatmulCase {
  const char *name;
  FloatMatmulParams p;
};
FloatMatmulParams mmParams(int64_t N, int64_t K, int64_t M, FloatType elem,
                           int64_t tile, int64_t prefetch) {
  FloatMatmulParams p;
  p.N = N;
  p.K = K;
  p.max_batch = M;
  p.elem = elem;
  p.tile_n = tile;
  p.prefetch = prefetch;
  return p;
}
const std::vector<MatmulCase> &mmCases() {
  static const std::vector<MatmulCase> cases = {
      {"mm_odd_f32", mmParams(37, 100, 4, FloatType::F32, 4, 0)},
      {"mm_odd_f16", mmParams(37, 100, 4, FloatType::F16, 3, 2)},
      {"mm_odd_bf16", mmParams(37, 100, 4, FloatType::BF16, 4, 8)},
      {"mm_small_k", mmParams(5, 7, 2, FloatType::F32, 4, 1)},
      {"mm_tiny_head", mmParams(512, 256, 4, FloatType::BF16, 4, 8)},
      {"mm_2b4t_bf16", mmParams(2560, 2560, 3, FloatType::BF16, 4, 8)},
      {"mm_2b4t_f16", mmParams(2560, 2560, 3, FloatType::F16, 2, 0)},
  };
  return cases;
}
const Jitted &mmJit() {
  static const Jitted *j = jitKernels([](mlir::OpBuilder &b, mlir::ModuleOp m) {
    for (const MatmulCase &c : mmCases())
      buildFloatMatmulKernel(b, m, c.name, c.p);
  }).release();
  return *j;
}

/// Runs tokens [t0, t1) over the row ranges `splits` and checks every y
/// entry: computed ones against the reference, the rest untouched.
void runMatmul(int idx, int64_t t0, int64_t t1,
               const std::vector<std::pair<int64_t, int64_t>> &splits,
               double *maxRel, double *maxCond) {
  const MatmulCase &c = mmCases()[idx];
  SCOPED_TRACE(std::string(c.name) + " t0=" + std::to_string(t0));
  GET_KERNEL(fn, mmJit(), c.name);
  const FloatMatmulParams &p = c.p;
  const int64_t N = p.N, K = p.K, M = p.max_batch;
  std::vector<float> x = uniform(M * K, -2.0f, 2.0f, 51 + idx);
  Stored W = stored(p.elem, N * K, -0.5f, 0.5f, 61 + idx);
  std::vector<float> y(M * N, -5.0f);
  for (auto [begin, end] : splits)
    call(fn, {x.data(), W.data(), y.data()}, t0, t1, 0, begin, end);
  std::vector<char> covered(N, 0);
  for (auto [begin, end] : splits)
    for (int64_t n = begin; n < end; ++n)
      covered[n] = 1;
  std::vector<float> want(M * N);
  ref::matmulTransposed(x.data(), W.values.data(), static_cast<int>(M),
                        static_cast<int>(K), static_cast<int>(N), want.data());
  for (int64_t t = 0; t < M; ++t)
    for (int64_t n = 0; n < N; ++n) {
      float got = y[t * N + n];
      if (t < t0 || t >= t1 || !covered[n]) {
        ASSERT_EQ(got, -5.0f) << "t=" << t << " n=" << n << " written";
        continue;
      }
      double sumAbs = 0.0;
      for (int64_t kk = 0; kk < K; ++kk)
        sumAbs += std::fabs(double(x[t * K + kk]) * W.values[n * K + kk]);
      double w = want[t * N + n], d = std::fabs(got - w);
      *maxRel = std::max(*maxRel, d / std::max(std::fabs(w), 1e-30));
      *maxCond = std::max(*maxCond, d / sumAbs);
      // 1e-4 relative, or (for sums that cancel) 1e-6 of sum |x_k w_k|.
      ASSERT_LE(d, std::max(1e-4 * std::fabs(w), 1e-6 * sumAbs))
          << "t=" << t << " n=" << n << " got " << got << " want " << w;
    }
}

void runMatmulCase(int idx) {
  const FloatMatmulParams &p = mmCases()[idx].p;
  const int64_t N = p.N, M = p.max_batch;
  double maxRel = 0.0, maxCond = 0.0;
  runMatmul(idx, 0, M, {{0, N}}, &maxRel, &maxCond);
  // t0 > 0 (the head step's last rows) and a range split with ragged tiles.
  const int64_t a = N / 3 + 1, b = N - N / 5;
  runMatmul(idx, 1, M, {{b, N}, {a, b}, {0, a}}, &maxRel, &maxCond);
  // A sub-range only.
  runMatmul(idx, M - 1, M, {{a, b}}, &maxRel, &maxCond);
  std::printf("[ measure  ] %s (%s): max rel diff %.3g, max diff / sum|x w| %.3g\n",
              mmCases()[idx].name, elemName(p.elem), maxRel, maxCond);
}

TEST(CpuFloatMatmulKernel, OddF32) { runMatmulCase(0); }
TEST(CpuFloatMatmulKernel, OddF16) { runMatmulCase(1); }
TEST(CpuFloatMatmulKernel, OddBf16) { runMatmulCase(2); }
TEST(CpuFloatMatmulKernel, SmallK) { runMatmulCase(3); }
TEST(CpuFloatMatmulKernel, TinyHeadBf16) { runMatmulCase(4); }
TEST(CpuFloatMatmulKernel, B2B4TBf16) { runMatmulCase(5); }
TEST(CpuFloatMatmulKernel, B2B4TF16) { runMatmulCase(6); }

//===----------------------------------------------------------------------===//
// The vectorized exp of the softmax (VectorUtils) vs libm's expf
//===----------------------------------------------------------------------===//

TEST(CpuVectorUtils, ExpMatchesLibm) {
  const int64_t n = 1 << 20;
  auto jitted = jitKernels([&](mlir::OpBuilder &b, mlir::ModuleOp m) {
    auto f32 = b.getF32Type();
    auto type = mlir::MemRefType::get({n}, f32);
    KernelArgs a;
    createKernel(b, m, "exp", {type, type}, &a);
    mlir::Location loc = b.getUnknownLoc();
    vec::forChunks(b, loc, n, 16, mlir::ValueRange{},
                   [&](mlir::OpBuilder &b, mlir::Location loc, mlir::Value off,
                       int64_t valid, mlir::ValueRange) {
                     mlir::Value x = vec::loadF32(b, loc, a.buffers[0], off, 16, valid);
                     vec::store(b, loc, vec::expF32(b, loc, x), a.buffers[1], off, valid);
                     return llvm::SmallVector<mlir::Value>{};
                   });
    mlir::func::ReturnOp::create(b, loc);
  });
  GET_KERNEL(fn, *jitted, "exp");
  // A dense sweep of the softmax's range [-87.3, 0], the boundaries, and
  // arguments whose exp is subnormal or 0 (flushed to 0).
  std::vector<float> x(n), y(n);
  for (int64_t i = 0; i < n - 8; ++i)
    x[i] = -87.33f * float(i) / float(n - 9);
  const float special[8] = {0.0f, -0.0f, -1e-30f, -87.33654f, -87.34f, -100.0f, -1000.0f, 10.0f};
  for (int i = 0; i < 8; ++i)
    x[n - 8 + i] = special[i];
  call(fn, {x.data(), y.data()}, 0, 0, 0, 0, 0);
  double maxRel = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    float want = std::exp(x[i]);
    if (x[i] < -87.33654f) {
      EXPECT_EQ(y[i], 0.0f) << "x=" << x[i];
      EXPECT_LT(want, 1.2e-38f);
      continue;
    }
    double rel = std::fabs(double(y[i]) - want) / want;
    maxRel = std::max(maxRel, rel);
    ASSERT_LE(rel, 1e-6) << "x=" << x[i] << " got " << y[i] << " want " << want;
  }
  EXPECT_EQ(y[n - 8], 1.0f);
  std::printf("[ measure  ] exp: max rel diff vs expf %.3g on [-87.3, 0] (+10)\n", maxRel);
}

} // namespace
