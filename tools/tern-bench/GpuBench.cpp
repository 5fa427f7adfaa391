//===- GpuBench.cpp - tern-bench's GPU benchmarks -------------------------===//
//
//   gpu/copy                 D2D copy of 1 GiB: GB/s counts read + write
//   gpu/gemv/NxK/uU/tTH      ternary GEMV (2-bit, R = 8), the single-token
//                            entry decode runs, with schedule unroll = U and
//                            threads = TH (a sweep: the defaults are u4/t128):
//                            weight GB/s and of_copy = that / the copy's GB/s
//   gpu/gemmT/NxK/tTH        T = 128, 512 tokens on tensor cores
//                            (mma.sync): GOP/s
//   gpu/gemmT-wgmma/NxK/tTH  the same with mma = "wgmma" (sm_90 GPUs only)
//   gpu/cublas-bf16-gemv/NxK cublasGemmEx bf16 x bf16 -> f32, one column
// The timing code is runtime/cuda/GpuBenchmark.cpp's, which tern-gpu-check
// shares; there the best uU/tTH per shape goes into a schedule file.
//
//===----------------------------------------------------------------------===//
#include "tools/tern-bench/GpuBench.h"

#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "runtime/cuda/GpuBenchmark.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <sys/stat.h>

using namespace tern::rt::cuda;

namespace tern::bench {
namespace {

double copyGBs = 0; ///< measured by gpu/copy (read + write)

/// One benchmark's kernel: the 2B4T shape N x K, T tokens, a schedule.
struct GpuConfig {
  int64_t N, K, T;
  std::string mma;
  int64_t unroll, threads;
  std::string name; ///< the benchmark's name
};

/// Every gpu/ ternary benchmark: the GEMV sweep over unroll x threads (the
/// defaults are u4/t128) and the GEMMs over threads, on tensor cores.
std::vector<GpuConfig> gpuConfigs() {
  std::vector<GpuConfig> out;
  // The 2B4T shapes: q|k|v, o, gate|up, down.
  const int64_t shapes[][2] = {{3840, 2560}, {2560, 2560}, {13824, 2560}, {2560, 6912}};
  for (auto &s : shapes) {
    std::string nk = std::to_string(s[0]) + "x" + std::to_string(s[1]);
    for (int64_t threads : {64, 128, 256})
      for (int64_t unroll : {1, 2, 4, 8, 16})
        out.push_back({s[0], s[1], 1, "", unroll, threads,
                       "gpu/gemv/" + nk + "/u" + std::to_string(unroll) + "/t" +
                           std::to_string(threads)});
    for (int64_t T : {128, 512})
      for (int64_t threads : {128, 256})
        for (const char *mma : {"mma_sync", "wgmma"})
          out.push_back({s[0], s[1], T, mma, 4, threads,
                         "gpu/gemm" + std::to_string(T) +
                             (std::strcmp(mma, "wgmma") == 0 ? "-wgmma" : "") + "/" + nk +
                             "/t" + std::to_string(threads)});
  }
  return out;
}

/// The generated kernel of `c` as PTX.
bool buildBench(const GpuConfig &c, TernaryBench *b, std::string *err) {
  cpu::TernaryMatmulParams p;
  p.K = c.K;
  p.parts = {c.N};
  p.max_batch = c.T;
  p.block = 16;
  p.interleave = 8;
  p.tile_m = 4; // the sm_80/sm_90 default
  p.threads = c.threads;
  p.unroll = c.unroll;
  p.mma = c.mma;
  const bool wgmma = p.mma == "wgmma";
  nvptx::GpuLaunch launch;
  if (!nvptx::buildKernelPtx(
          [&](mlir::OpBuilder &ob, mlir::gpu::GPUModuleOp gm) {
            return nvptx::buildGpuTernaryMatmulKernel(ob, gm, "k", p, /*singleToken=*/c.T == 1);
          },
          wgmma ? "sm_90a" : "sm_80", &launch, &b->ptx, err))
    return false;
  b->label = c.name.substr(4); // without "gpu/"
  b->kernel = launch.name;
  b->N = c.N;
  b->K = c.K;
  b->T = c.T;
  b->items = launch.items;
  b->threads = launch.threads;
  b->unroll = c.unroll;
  b->mma = c.mma;
  b->onlySm = wgmma ? 90 : 0;
  return true;
}

void BM_GpuCopy(benchmark::State &state) {
  const size_t bytes = size_t(1) << 30;
  std::string err;
  double s = 0;
  for (auto _ : state) {
    s = timeCopy(bytes, 1, &err);
    if (s < 0) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(s);
  }
  copyGBs = 2.0 * bytes / s / 1e9;
  state.counters["GB/s"] = copyGBs;
}

/// The generated ternary matmul, rotated over enough weight copies to
/// stream from HBM.
void BM_GpuTernary(benchmark::State &state, GpuConfig c) {
  TernaryBench b;
  std::string err;
  TernaryBenchRun run;
  if (!buildBench(c, &b, &err) || !run.setup(b, &err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  double sec = 0;
  for (auto _ : state) {
    sec = run.time(20, &err);
    if (sec < 0) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(sec);
  }
  const double gbs = run.weightBytes() / sec / 1e9;
  state.counters["GB/s"] = gbs;
  state.counters["GOP/s"] = 2.0 * c.N * c.K * c.T / sec / 1e9;
  if (copyGBs > 0)
    state.counters["of_copy"] = gbs / copyGBs;
}

void BM_CublasBf16(benchmark::State &state, int64_t N, int64_t K) {
  CublasBf16Gemv gemv;
  std::string err;
  if (!gemv.setup(N, K, &err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  double sec = 0;
  for (auto _ : state) {
    sec = gemv.time(20, &err);
    if (sec < 0) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(sec);
  }
  state.counters["GB/s"] = gemv.weightBytes() / sec / 1e9;
  if (copyGBs > 0)
    state.counters["of_copy"] = gemv.weightBytes() / sec / 1e9 / copyGBs;
}

} // namespace

std::string registerGpuBenchmarks() {
  const GpuProbe &gpu = probeGpu();
  if (gpu.state != GpuState::kReady)
    return "none (" + gpu.why + ")";
  benchmark::RegisterBenchmark("gpu/copy", BM_GpuCopy)->UseManualTime()->Iterations(3);
  int64_t lastN = 0, lastK = 0;
  for (const GpuConfig &c : gpuConfigs()) {
    if (c.mma == "wgmma" && gpu.sm != 90)
      continue;
    if (lastN && (c.N != lastN || c.K != lastK))
      benchmark::RegisterBenchmark(
          ("gpu/cublas-bf16-gemv/" + std::to_string(lastN) + "x" + std::to_string(lastK)).c_str(),
          BM_CublasBf16, lastN, lastK)
          ->UseManualTime();
    lastN = c.N;
    lastK = c.K;
    benchmark::RegisterBenchmark(c.name.c_str(), BM_GpuTernary, c)->UseManualTime();
  }
  benchmark::RegisterBenchmark(
      ("gpu/cublas-bf16-gemv/" + std::to_string(lastN) + "x" + std::to_string(lastK)).c_str(),
      BM_CublasBf16, lastN, lastK)
      ->UseManualTime();
  return gpu.name;
}

bool writeGpuBenchFiles(const std::string &dir, int *count, std::string *err) {
  ::mkdir(dir.c_str(), 0755);
  *count = 0;
  for (const GpuConfig &c : gpuConfigs()) {
    TernaryBench b;
    if (!buildBench(c, &b, err)) {
      *err = c.name + ": " + *err;
      return false;
    }
    std::string file = b.label;
    for (char &ch : file)
      if (ch == '/')
        ch = '_';
    if (!writeBench(b, dir + "/" + file + ".gpubench", err))
      return false;
    ++*count;
  }
  return true;
}

} // namespace tern::bench
