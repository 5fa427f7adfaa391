//===- HeadMatmulMeasure.cpp - one LM head schedule, measured -------------===//
//
// The child's work for a head job (MatmulJob.h): the float head
// (FloatMatmulKernel.cpp) or the int8 head (Int8MatmulKernel.cpp) under
// the job's schedule, as the plan builder maps it (applySchedule).
//   float: weights and activations are small integers (|w| <= 2, |x| <= 3),
//          exact in every stored type, so every partial sum is an exact
//          f32 integer and any summation order gives the same bits: the
//          output is checked bit for bit against the exact sum;
//   int8:  seeded int8 weights with their row scales and corrections,
//          int8 activations with an all -128 token against an all +127
//          row, checked bit for bit against Kernels.h's formula.
// Outputs are poisoned first; then the weights are timed rotated through
// copies, as the ternary decode's.
//
//===----------------------------------------------------------------------===//
#include "tools/tern-tune/MatmulJob.h"
#include "tools/tern-tune/Rotation.h"
#include "tools/tern-tune/KernelModule.h"

#include "codegen/common/Jit.h"
#include "codegen/common/PlanBuilder.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "passes/ScheduleDefaults.h"
#include "runtime/engine/ThreadPool.h"
#include "runtime/reference/float_formats.h"
#include "tools/common/LineVector.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace tern::tune {

namespace {

/// The head kernel of `j` built into `module`; "" or why it cannot be.
std::string buildHead(mlir::OpBuilder &b, mlir::ModuleOp module, const MatmulJob &j,
                      int64_t *grain) {
  cpu::CpuTarget t;
  std::string err;
  if (!cpu::resolveCpuTarget(j.target, &t, &err))
    return err;
  mlir::tern::ScheduleAttr s = mlir::tern::scheduleFromKnobs(b.getContext(), j.schedule);
  if (j.kind == sched::Kind::kFloatMatmul) {
    codegen::FloatMatmulParams p;
    p.N = j.N;
    p.K = j.K;
    p.max_batch = j.tokens;
    p.elem = j.elem;
    codegen::applySchedule(s, &p);
    *grain = p.tile_n;
    cpu::buildFloatMatmulKernel(b, module, "k", p);
    return "";
  }
  codegen::Int8MatmulParams p;
  p.N = j.N;
  p.K = j.K;
  p.max_batch = j.tokens;
  if (std::string why = codegen::applySchedule(s, t.isa, t.vector_bytes, &p); !why.empty())
    return why;
  *grain = p.tile_n;
  cpu::buildInt8MatmulKernel(b, module, "k", p);
  return "";
}

} // namespace

std::string headKernelText(const MatmulJob &j) {
  return kernelModuleText([&](mlir::MLIRContext *, mlir::OpBuilder &b, mlir::ModuleOp m) {
    int64_t grain = 1;
    return buildHead(b, m, j, &grain).empty();
  });
}

int runHeadJob(const MatmulJob &j, const std::string &resultPath) {
  plantedFailure(j);
  mlir::MLIRContext ctx(kernelRegistry());
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  int64_t grain = 1;
  if (std::string why = buildHead(b, module, j, &grain); !why.empty())
    return writeResult(resultPath, "compile " + why);
  std::string err;
  auto jit = cpu::KernelJit::compile(module, &err);
  if (!jit)
    return writeResult(resultPath, "compile " + err);
  tern_kernel_fn fn = jit->lookup("k");
  if (!fn)
    return writeResult(resultPath, "compile no entry for the kernel");

  const int64_t N = j.N, K = j.K, T = j.tokens;
  const bool isFloat = j.kind == sched::Kind::kFloatMatmul;
  SeededInts rng(uint64_t(N * 131 + K));
  std::vector<float> y(size_t(T * N), std::nanf("0xbad")); // poisoned
  std::vector<float> want(size_t(T * N));
  // The weights, one copy: stored floats or int8 rows.
  const int64_t elemBytes = !isFloat ? 1 : j.elem == codegen::FloatType::F32 ? 4 : 2;
  const int64_t wBytes = N * K * elemBytes;
  std::vector<uint8_t> weights(static_cast<size_t>(wBytes));
  std::vector<float> x, s, scale;
  tools::LineVector<int8_t> q; // 64-byte aligned, as the runtime's
  std::vector<int32_t> corr;
  std::vector<void *> args;
  size_t weightArg = 0;
  if (isFloat) {
    std::vector<int8_t> w(size_t(N * K)), xi(size_t(T * K));
    for (auto &v : w)
      v = int8_t(rng.uniform(-2, 2));
    x.resize(size_t(T * K));
    for (size_t i = 0; i < xi.size(); ++i) {
      xi[i] = int8_t(rng.uniform(-3, 3));
      x[i] = float(xi[i]);
    }
    for (int64_t i = 0; i < N * K; ++i) {
      const float f = float(w[size_t(i)]);
      if (j.elem == codegen::FloatType::F32) {
        std::memcpy(&weights[size_t(i * 4)], &f, 4);
      } else {
        const uint16_t h = j.elem == codegen::FloatType::F16 ? ref::f32ToF16(f) : ref::f32ToBf16(f);
        std::memcpy(&weights[size_t(i * 2)], &h, 2);
      }
    }
    // Small integers: every product and sum is exact in f32 (|sum| <= 6 K).
    for (int64_t n = 0; n < N; ++n)
      for (int64_t t = 0; t < T; ++t)
        want[size_t(t * N + n)] = float(dotI8(&w[size_t(n * K)], &xi[size_t(t * K)], K));
    args = {x.data(), weights.data(), y.data()};
    weightArg = 1;
  } else {
    int8_t *W = reinterpret_cast<int8_t *>(weights.data());
    for (int64_t i = 0; i < N * K; ++i)
      W[i] = int8_t(rng.uniform(-127, 127));
    q.resize(size_t(T * K));
    for (auto &v : q)
      v = int8_t(rng.uniform(-128, 127));
    for (int64_t k = 0; k < K; ++k) { // the largest |products|
      W[k] = 127;
      q[size_t(k)] = -128;
    }
    s.resize(size_t(T));
    for (int64_t t = 0; t < T; ++t)
      s[size_t(t)] = 1.0f + 0.37f * float(t);
    scale.resize(size_t(N));
    corr.resize(size_t(N));
    for (int64_t n = 0; n < N; ++n) {
      scale[size_t(n)] = 0.01f + 0.001f * float(n % 17);
      int32_t sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += W[n * K + k];
      corr[size_t(n)] = 128 * sum;
    }
    for (int64_t n = 0; n < N; ++n)
      for (int64_t t = 0; t < T; ++t)
        want[size_t(t * N + n)] =
            float(dotI8(&q[size_t(t * K)], &W[n * K], K)) / s[size_t(t)] * scale[size_t(n)];
    args = {q.data(), s.data(), weights.data(), scale.data(), corr.data(), y.data()};
    weightArg = 2;
  }

  rt::ThreadPool pool;
  if (!pool.start(int(j.threads), 200, &err))
    return writeResult(resultPath, "compile " + err);
  // Row ranges split at multiples of the tile (the plan's grain), one per
  // thread.
  auto call = [&](int64_t task) {
    const int64_t per = (N / grain + j.threads) / j.threads * grain;
    const int64_t b0 = task * per, e0 = std::min(N, b0 + per);
    if (b0 < e0)
      fn(args.data(), 0, T, 0, b0, e0);
  };
  pool.parallelFor(j.threads, call);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n) {
      float got = y[size_t(t * N + n)];
      const float w = want[size_t(t * N + n)];
      if (j.plant == "wrong" && t == 0 && n == 0)
        got += 1.0f;
      if (std::memcmp(&got, &w, 4) != 0) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "wrong token %lld row %lld: %.9g, want %.9g",
                      (long long)t, (long long)n, double(got), double(w));
        return writeResult(resultPath, buf);
      }
    }
  Rotation rot;
  if (!rot.init({{weights.data(), wBytes}}, j.rotateBytes, j.poolFd, false, &err))
    return writeResult(resultPath, "compile " + err);
  return writeResult(resultPath, timeSamples(j, [&] {
                       args[weightArg] = rot.part(rot.next(), 0);
                       pool.parallelFor(j.threads, call);
                     }));
}

} // namespace tern::tune
