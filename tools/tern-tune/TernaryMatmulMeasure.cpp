//===- TernaryMatmulMeasure.cpp - one ternary matmul schedule, measured ---===//
//
// The child's work for a ternary matmul job (MatmulJob.h): seeded ternary
// weights packed in the job's layout (the lookup-table ones timed with the
// kernel that builds their activation tables), int8 activations with the extreme
// row, poisoned outputs checked bit for bit against Kernels.h's formula,
// then timed with the weights rotated through copies.
//
//===----------------------------------------------------------------------===//
#include "tools/tern-tune/MatmulJob.h"
#include "tools/tern-tune/KernelModule.h"
#include "tools/tern-tune/Rotation.h"

#include "codegen/common/Jit.h"
#include "codegen/cpu/CpuPlan.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/common/PlanBuilder.h"
#include "passes/ScheduleDefaults.h"
#include "runtime/engine/ThreadPool.h"
#include "tools/common/LineVector.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace tern::tune {

namespace {

/// The kernel's parameters under the job's schedule, as the plan builder
/// sets them (applySchedule).
cpu::TernaryMatmulParams paramsOf(mlir::MLIRContext *ctx, const MatmulJob &j,
                                  const cpu::CpuTarget &t) {
  cpu::TernaryMatmulParams p;
  p.K = j.K;
  p.parts = j.parts;
  p.max_batch = j.tokens;
  p.setLayout(j.layout);
  p.divide = j.divide;
  p.residual = j.residual;
  // As the plan builder sets them (isa, GFNI, AMX included): an isa = amx
  // candidate ran as VNNI code before, so the tuner timed the wrong kernel.
  codegen::applySchedule(mlir::tern::scheduleFromKnobs(ctx, j.schedule), cpu::planTargetOf(t),
                         &p);
  return p;
}

} // namespace

std::string ternaryKernelText(const MatmulJob &j) {
  cpu::CpuTarget t;
  std::string err;
  if (!cpu::resolveCpuTarget(j.target, &t, &err))
    return "";
  return kernelModuleText([&](mlir::MLIRContext *ctx, mlir::OpBuilder &b, mlir::ModuleOp m) {
    cpu::buildTernaryMatmulKernel(b, m, "k", paramsOf(ctx, j, t));
    return true;
  });
}

int runTernaryJob(const MatmulJob &j, const std::string &resultPath) {
  plantedFailure(j);
  cpu::CpuTarget t;
  std::string err;
  if (!cpu::resolveCpuTarget(j.target, &t, &err))
    return writeResult(resultPath, "compile " + err);
  mlir::MLIRContext ctx(kernelRegistry());
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  const cpu::TernaryMatmulParams p = paramsOf(&ctx, j, t);
  cpu::buildTernaryMatmulKernel(b, module, "k", p);
  // The lookup-table layouts read tables a kernel before builds from the
  // activations (as the plan's lut_tables step): it is timed with them.
  if (p.lut) {
    codegen::LutTablesParams tp;
    tp.K = j.K;
    tp.max_batch = j.tokens;
    tp.lut = p.lut;
    tp.block = p.block;
    cpu::buildLutTablesKernel(b, module, "t", tp);
  }
  auto jit = cpu::KernelJit::compile(module, &err);
  if (!jit)
    return writeResult(resultPath, "compile " + err);
  tern_kernel_fn fn = jit->lookup("k");
  tern_kernel_fn tablesFn = p.lut ? jit->lookup("t") : nullptr;
  if (!fn || (p.lut && !tablesFn))
    return writeResult(resultPath, "compile no entry for the kernel");

  // Seeded inputs; the extreme row (all +1 against all -128) included.
  const int64_t N = j.rows(), K = j.K, T = j.tokens;
  SeededInts rng(uint64_t(N * 131 + K));
  std::vector<int8_t> W(size_t(N * K));
  tools::LineVector<int8_t> q(size_t(T * K)); // 64-byte aligned, as the runtime's
  for (auto &v : W)
    v = int8_t(rng.uniform(-1, 1));
  for (auto &v : q)
    v = int8_t(rng.uniform(-128, 127));
  for (int64_t i = 0; i < K; ++i) {
    W[size_t(i)] = 1;
    q[size_t(i)] = -128;
  }
  std::vector<float> s(static_cast<size_t>(T)), rs(static_cast<size_t>(N));
  for (int64_t i = 0; i < T; ++i)
    s[size_t(i)] = 1.0f + 0.37f * float(i);
  for (int64_t n = 0; n < N; ++n)
    rs[size_t(n)] = 0.01f + 0.001f * float(n % 17);
  const int64_t wBytes = ref::packedBytes(j.layout, N, K);
  tools::LineVector<uint8_t> packed(static_cast<size_t>(wBytes));
  ref::packTernary(W.data(), N, K, j.layout, packed.data());
  std::vector<std::vector<float>> outs;
  for (int64_t n : j.parts)
    outs.emplace_back(size_t(T * n), std::nanf("0xbad")); // poisoned
  std::vector<float> res(j.residual ? size_t(T * j.parts[0]) : 0);
  for (size_t i = 0; i < res.size(); ++i)
    res[i] = 0.25f * float(i % 13) - 1.0f;
  const int64_t tableBytes = p.lut ? ref::lutGeometry(j.layout, 1, K).tableBytes() : 0;
  std::vector<uint8_t> tables(size_t(T * tableBytes));
  std::vector<void *> tableArgs = {q.data(), tables.data()};
  std::vector<void *> args = {p.lut ? static_cast<void *>(tables.data()) : q.data(), s.data(),
                              packed.data(), rs.data()};
  for (auto &o : outs)
    args.push_back(o.data());
  if (j.residual)
    args.push_back(res.data());

  rt::ThreadPool pool;
  if (!pool.start(int(j.threads), 200, &err))
    return writeResult(resultPath, "compile " + err);
  // Row ranges split at multiples of the interleave group (as the plan's
  // grain; the lookup-table layout's 16-row blocks, tile_n of them), one
  // per thread; the tables first, split by tokens.
  const int64_t grain =
      p.lut ? 16 * std::max<int64_t>(p.tile_n, 1) : std::max<int64_t>(16, j.layout.interleave);
  auto call = [&](int64_t task) {
    const int64_t per = ((N + grain - 1) / grain + j.threads - 1) / j.threads * grain;
    const int64_t b0 = task * per, e0 = std::min(N, b0 + per);
    if (b0 < e0)
      fn(args.data(), 0, T, 0, b0, e0);
  };
  auto tablesCall = [&](int64_t task) {
    const int64_t per = (T + j.threads - 1) / j.threads;
    const int64_t b0 = task * per, e0 = std::min(T, b0 + per);
    if (b0 < e0)
      tablesFn(tableArgs.data(), 0, T, 0, b0, e0);
  };
  auto run = [&] {
    if (tablesFn)
      pool.parallelFor(j.threads, tablesCall);
    pool.parallelFor(j.threads, call);
  };
  run();

  // Bit for bit against the formula of Kernels.h (a row's weights against
  // every token while they are in cache).
  int64_t base = 0;
  for (size_t part = 0; part < j.parts.size(); ++part) {
    const int64_t np = j.parts[part];
    for (int64_t r = 0; r < np; ++r)
      for (int64_t tk = 0; tk < T; ++tk) {
        const int64_t n = base + r;
        const int32_t acc = dotI8(&W[size_t(n * K)], &q[size_t(tk * K)], K);
        float y = float(acc);
        y = j.divide ? y / (s[size_t(tk)] * rs[size_t(n)]) : y / s[size_t(tk)] * rs[size_t(n)];
        const float want = j.residual ? res[size_t(tk * j.parts[0] + r)] + y : y;
        float got = outs[part][size_t(tk * np + r)];
        if (j.plant == "wrong" && tk == 0 && n == 0)
          got += 1.0f;
        if (std::memcmp(&got, &want, 4) != 0) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "wrong part %zu token %lld row %lld: %.9g, want %.9g",
                        part, (long long)tk, (long long)r, double(got), double(want));
          return writeResult(resultPath, buf);
        }
      }
    base += np;
  }
  if (j.residual) // the residual input must stay as it was for the timing
    for (size_t i = 0; i < res.size(); ++i)
      res[i] = 0.25f * float(i % 13) - 1.0f;

  // Timing: the weights rotate through their copies.
  Rotation rot;
  if (!rot.init({{packed.data(), wBytes}}, j.rotateBytes, j.poolFd, false, &err))
    return writeResult(resultPath, "compile " + err);
  return writeResult(resultPath, timeSamples(j, [&] {
                       args[2] = rot.part(rot.next(), 0);
                       run();
                     }));
}

} // namespace tern::tune
