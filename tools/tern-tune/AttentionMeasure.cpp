//===- AttentionMeasure.cpp - one attention schedule, measured ------------===//
//
// The child's work for an attention job (MatmulJob.h: N = query heads,
// K = KV heads, headDim, context = the cache's rows): T = tokens new
// rows at the middle of the cache (start = context / 2: a decode with the
// cache half full).
//
// The check. The attention is float with a polynomial exp, so no scalar
// formula gives its bits; what a schedule changes (tile_n: query heads of a
// group per pass over the cache) regroups the heads and leaves each head's
// arithmetic as it is. So the candidate must give, bit for bit, the output
// of the default (one head per pass) built in the same child, whose own
// agreement with ref::attention the kernel tests check; and the cache
// append must be the new rows exactly. Outputs start poisoned.
//
// The timing: the caches rotate through copies spanning rotate_bytes (the
// caches of all a model's layers do not stay in the last-level cache).
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

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace tern::tune {

namespace {

codegen::AttentionParams paramsOf(mlir::MLIRContext *ctx, const MatmulJob &j,
                                  const sched::Schedule &s) {
  codegen::AttentionParams p;
  p.heads = j.N;
  p.kv_heads = j.K;
  p.head_dim = j.headDim;
  p.max_context = j.context;
  p.max_batch = j.tokens;
  codegen::applySchedule(mlir::tern::scheduleFromKnobs(ctx, s), &p);
  return p;
}

/// "" when the job's schedule fits its shape, else why not.
std::string whyNot(const codegen::AttentionParams &p) {
  if (p.kv_heads <= 0 || p.heads % p.kv_heads != 0 || p.head_dim <= 0 || p.max_context < 2)
    return "not an attention shape";
  if ((p.heads / p.kv_heads) % p.tile_h != 0)
    return "tile_n = " + std::to_string(p.tile_h) + " does not divide the group of " +
           std::to_string(p.heads / p.kv_heads) + " query heads per KV head";
  return "";
}

} // namespace

std::string attentionKernelText(const MatmulJob &j) {
  return kernelModuleText([&](mlir::MLIRContext *ctx, mlir::OpBuilder &b, mlir::ModuleOp m) {
    const codegen::AttentionParams p = paramsOf(ctx, j, j.schedule);
    if (!whyNot(p).empty())
      return false;
    cpu::buildAttentionKernel(b, m, "k", p);
    return true;
  });
}

int runAttentionJob(const MatmulJob &j, const std::string &resultPath) {
  plantedFailure(j);
  cpu::CpuTarget t;
  std::string err;
  if (!cpu::resolveCpuTarget(j.target, &t, &err))
    return writeResult(resultPath, "compile " + err);
  mlir::MLIRContext ctx(kernelRegistry());
  ctx.loadAllAvailableDialects();
  const codegen::AttentionParams p = paramsOf(&ctx, j, j.schedule);
  const codegen::AttentionParams p1 = paramsOf(&ctx, j, {}); // the default
  if (std::string why = whyNot(p); !why.empty())
    return writeResult(resultPath, "compile " + why);
  CandidateAndDefault kd;
  if (std::string why = jitCandidateAndDefault(
          &ctx,
          [&](mlir::OpBuilder &b, mlir::ModuleOp m, const char *name, bool candidate) {
            cpu::buildAttentionKernel(b, m, name, candidate ? p : p1);
          },
          &kd);
      !why.empty())
    return writeResult(resultPath, "compile " + why);
  tern_kernel_fn fn = kd.fn, base = kd.base;

  const int64_t H = p.heads, KV = p.kv_heads, hd = p.head_dim, C = p.max_context;
  const int64_t T = std::min<int64_t>(j.tokens, C / 2), start = C / 2;
  const int64_t qDim = H * hd, kvDim = KV * hd;
  std::mt19937 rng(uint32_t(H * 131 + KV * 7 + hd));
  std::uniform_real_distribution<float> u(-1.5f, 1.5f);
  auto random = [&](int64_t count) {
    std::vector<float> xs(static_cast<size_t>(count));
    for (float &x : xs)
      x = u(rng);
    return xs;
  };
  const std::vector<float> q = random(T * qDim), k = random(T * kvDim), v = random(T * kvDim);
  const std::vector<float> kc0 = random(C * kvDim), vc0 = random(C * kvDim);

  rt::ThreadPool pool;
  if (!pool.start(int(j.threads), 200, &err))
    return writeResult(resultPath, "compile " + err);
  // The plan's range: KV heads, grain 1, one piece per thread.
  auto over = [&](tern_kernel_fn f, std::vector<void *> &args) {
    auto piece = [&](int64_t task) {
      const int64_t per = (KV + j.threads - 1) / j.threads;
      const int64_t b0 = task * per, e0 = std::min(KV, b0 + per);
      if (b0 < e0)
        f(args.data(), 0, T, start, b0, e0);
    };
    pool.parallelFor(j.threads, piece);
  };

  // The default's bits, then the candidate's, from the same inputs.
  std::vector<float> kcA = kc0, vcA = vc0, outA(size_t(T * qDim), std::nanf("0xbad"));
  std::vector<float> kcB = kc0, vcB = vc0, outB(size_t(T * qDim), std::nanf("0xbad"));
  std::vector<void *> argsA = {(void *)q.data(), (void *)k.data(), (void *)v.data(),
                               kcA.data(), vcA.data(), outA.data()};
  std::vector<void *> argsB = {(void *)q.data(), (void *)k.data(), (void *)v.data(),
                               kcB.data(), vcB.data(), outB.data()};
  over(base, argsA);
  over(fn, argsB);
  if (j.plant == "wrong")
    outB[0] += 1.0f;
  for (int64_t i = 0; i < T * kvDim; ++i)
    if (std::memcmp(&kcB[size_t(start * kvDim + i)], &k[size_t(i)], 4) != 0 ||
        std::memcmp(&vcB[size_t(start * kvDim + i)], &v[size_t(i)], 4) != 0)
      return writeResult(resultPath, "wrong cache append at element " + std::to_string(i));
  for (int64_t i = 0; i < T * qDim; ++i)
    if (std::memcmp(&outA[size_t(i)], &outB[size_t(i)], 4) != 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "wrong token %lld head %lld dim %lld: %.9g, the default gives %.9g",
                    (long long)(i / qDim), (long long)(i % qDim / hd), (long long)(i % hd),
                    double(outB[size_t(i)]), double(outA[size_t(i)]));
      return writeResult(resultPath, buf);
    }

  // Timing: the caches rotate through their copies.
  // The kernel appends to the caches it is given: the pool is refilled by
  // the next child.
  const int64_t cacheBytes = C * kvDim * 4;
  Rotation rot;
  if (!rot.init({{kc0.data(), cacheBytes}, {vc0.data(), cacheBytes}}, j.rotateBytes, j.poolFd,
                true, &err))
    return writeResult(resultPath, "compile " + err);
  return writeResult(resultPath, timeSamples(j, [&] {
                       const int64_t c = rot.next();
                       argsB[3] = rot.part(c, 0);
                       argsB[4] = rot.part(c, 1);
                       over(fn, argsB);
                     }));
}

} // namespace tern::tune
