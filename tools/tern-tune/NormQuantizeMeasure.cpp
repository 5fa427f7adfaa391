//===- NormQuantizeMeasure.cpp - one norm + quantize schedule, measured ---===//
//
// The child's work for a norm_quantize job (MatmulJob.h: K = the row
// length, elem = the norm weight's type, gated = act(x) * u with act silu
// or relu2, norm = false for no weight (quantize only), epsilon):
// T = tokens rows of RMSNorm and int8 quantization (NormQuantizeKernel.cpp).
//
// The check. The norm is float: its sum of squares is the kernel's own
// order, so no scalar formula gives its bits (the kernel tests check it
// against ref::rmsNorm within the rounding). What a schedule changes
// (tile_m: rows per pass; unroll: chunks per step of the max and the
// quantize passes) leaves every row's arithmetic as it is, so the
// candidate must give, bit for bit, the int8 rows and scales of the
// default schedule built in the same child. Outputs start poisoned; one
// row's inputs are all zero (absmax below the floor) and one holds a NaN.
//
// The timing: the kernel reads its rows and weight from the cache, as in
// the model (the previous kernel just wrote them); nothing rotates.
//
//===----------------------------------------------------------------------===//
#include "tools/tern-tune/KernelModule.h"
#include "tools/tern-tune/MatmulJob.h"

#include "codegen/common/Jit.h"
#include "codegen/common/PlanBuilder.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "passes/ScheduleDefaults.h"
#include "runtime/engine/ThreadPool.h"
#include "runtime/reference/float_formats.h"

#include "mlir/IR/MLIRContext.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace tern::tune {

namespace {

codegen::NormQuantizeParams paramsOf(mlir::MLIRContext *ctx, const MatmulJob &j,
                                     const sched::Schedule &s) {
  codegen::NormQuantizeParams p;
  p.K = j.K;
  p.max_batch = j.tokens;
  p.epsilon = j.epsilon;
  p.gated = j.gated;
  p.silu = j.silu;
  p.norm = j.norm;
  p.quantize = true;
  p.elem = j.elem;
  codegen::applySchedule(mlir::tern::scheduleFromKnobs(ctx, s), &p);
  return p;
}

/// "" when the job's schedule fits, else why not.
std::string whyNot(const codegen::NormQuantizeParams &p) {
  if (p.K <= 0)
    return "not a norm shape";
  if (p.tile_m > 64 || p.unroll > 64)
    return "tile_m and unroll must be at most 64";
  return "";
}

} // namespace

std::string normQuantizeKernelText(const MatmulJob &j) {
  return kernelModuleText([&](mlir::MLIRContext *ctx, mlir::OpBuilder &b, mlir::ModuleOp m) {
    const codegen::NormQuantizeParams p = paramsOf(ctx, j, j.schedule);
    if (!whyNot(p).empty())
      return false;
    cpu::buildNormQuantizeKernel(b, m, "k", p);
    return true;
  });
}

int runNormQuantizeJob(const MatmulJob &j, const std::string &resultPath) {
  plantedFailure(j);
  mlir::MLIRContext ctx(kernelRegistry());
  ctx.loadAllAvailableDialects();
  const codegen::NormQuantizeParams p = paramsOf(&ctx, j, j.schedule);
  const codegen::NormQuantizeParams p1 = paramsOf(&ctx, j, {}); // the default
  if (std::string why = whyNot(p); !why.empty())
    return writeResult(resultPath, "compile " + why);
  CandidateAndDefault kd;
  if (std::string why = jitCandidateAndDefault(
          &ctx,
          [&](mlir::OpBuilder &b, mlir::ModuleOp m, const char *name, bool candidate) {
            cpu::buildNormQuantizeKernel(b, m, name, candidate ? p : p1);
          },
          &kd);
      !why.empty())
    return writeResult(resultPath, "compile " + why);
  tern_kernel_fn fn = kd.fn, base = kd.base;

  const int64_t K = p.K, T = j.tokens;
  SeededInts rng(uint64_t(K * 131 + T * 7 + j.gated + 2 * j.silu + 4 * j.norm));
  // Inputs in [-3, 3] and [-2, 2] at 1/256 steps; the weight in [0.25, 1.75].
  std::vector<float> x(size_t(T * K)), u(size_t(T * K));
  for (float &v : x)
    v = float(rng.uniform(-768, 768)) / 256.0f;
  for (float &v : u)
    v = float(rng.uniform(-512, 512)) / 256.0f;
  if (T > 1) // a zero row: its absmax is below the floor
    std::fill(x.begin() + (T - 1) * K, x.end(), 0.0f);
  if (T > 2) // a NaN: its row quantizes to 0
    x[size_t(K + std::min<int64_t>(3, K - 1))] = std::nanf("");
  const int64_t wBytes = K * (j.elem == codegen::FloatType::F32 ? 4 : 2);
  std::vector<uint8_t> w(static_cast<size_t>(wBytes));
  for (int64_t i = 0; i < K; ++i) {
    const float f = 0.25f + float(rng.uniform(0, 384)) / 256.0f;
    if (j.elem == codegen::FloatType::F32) {
      std::memcpy(&w[size_t(i * 4)], &f, 4);
    } else {
      const uint16_t h = j.elem == codegen::FloatType::F16 ? ref::f32ToF16(f) : ref::f32ToBf16(f);
      std::memcpy(&w[size_t(i * 2)], &h, 2);
    }
  }

  std::string err;
  rt::ThreadPool pool;
  if (!pool.start(int(j.threads), 200, &err))
    return writeResult(resultPath, "compile " + err);
  // The plan's range: tokens, grain 1, one piece per thread.
  auto over = [&](tern_kernel_fn f, std::vector<void *> &args) {
    auto piece = [&](int64_t task) {
      const int64_t per = (T + j.threads - 1) / j.threads;
      const int64_t b0 = task * per, e0 = std::min(T, b0 + per);
      if (b0 < e0)
        f(args.data(), 0, T, 0, b0, e0);
    };
    pool.parallelFor(j.threads, piece);
  };
  auto argsFor = [&](std::vector<int8_t> &q, std::vector<float> &s) {
    std::vector<void *> a = {x.data()};
    if (p.gated)
      a.push_back(u.data());
    if (p.norm)
      a.push_back(w.data());
    a.push_back(q.data());
    a.push_back(s.data());
    return a;
  };
  // The default's bits, then the candidate's, from the same inputs.
  std::vector<int8_t> qA(size_t(T * K), 99), qB(size_t(T * K), 99);
  std::vector<float> sA(size_t(T), std::nanf("0xbad")), sB(size_t(T), std::nanf("0xbad"));
  std::vector<void *> argsA = argsFor(qA, sA), argsB = argsFor(qB, sB);
  over(base, argsA);
  over(fn, argsB);
  if (j.plant == "wrong")
    qB[0] = int8_t(qB[0] ^ 1);
  for (int64_t t = 0; t < T; ++t) {
    if (std::memcmp(&sA[size_t(t)], &sB[size_t(t)], 4) != 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "wrong scale of token %lld: %.9g, the default gives %.9g",
                    (long long)t, double(sB[size_t(t)]), double(sA[size_t(t)]));
      return writeResult(resultPath, buf);
    }
    for (int64_t i = 0; i < K; ++i)
      if (qA[size_t(t * K + i)] != qB[size_t(t * K + i)])
        return writeResult(resultPath, "wrong token " + std::to_string(t) + " element " +
                                           std::to_string(i) + ": " +
                                           std::to_string(int(qB[size_t(t * K + i)])) +
                                           ", the default gives " +
                                           std::to_string(int(qA[size_t(t * K + i)])));
  }
  return writeResult(resultPath, timeSamples(j, [&] { over(fn, argsB); }));
}

} // namespace tern::tune
