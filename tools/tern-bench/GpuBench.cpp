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
// The best uU/tTH per shape goes into a schedule file (shape records).
//
//===----------------------------------------------------------------------===//
#include "tools/tern-bench/GpuBench.h"

#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "runtime/cuda/CudaModule.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <benchmark/benchmark.h>

#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <random>

using namespace tern::rt::cuda;

namespace tern::bench {
namespace {

const Driver *gpuDriver = nullptr;
double copyGBs = 0; ///< measured by gpu/copy (read + write)

/// Times `body` (which enqueues `reps` launches) with events: seconds each.
double timeEvents(const std::function<bool()> &body, int reps) {
  CUevent a, b;
  gpuDriver->eventCreate(&a, 0);
  gpuDriver->eventCreate(&b, 0);
  gpuDriver->eventRecord(a, nullptr);
  bool ok = true;
  for (int i = 0; i < reps && ok; ++i)
    ok = body();
  gpuDriver->eventRecord(b, nullptr);
  gpuDriver->eventSynchronize(b);
  float ms = 0;
  gpuDriver->eventElapsedTime(&ms, a, b);
  gpuDriver->eventDestroy(a);
  gpuDriver->eventDestroy(b);
  return ok ? ms * 1e-3 / reps : -1;
}

void BM_GpuCopy(benchmark::State &state) {
  const size_t bytes = size_t(1) << 30;
  CudaModule m;
  m.d = gpuDriver;
  CUdeviceptr src = m.alloc(bytes), dst = m.alloc(bytes);
  if (!src || !dst) {
    state.SkipWithError("cannot allocate 2 GiB on the GPU");
    return;
  }
  double s = 0;
  for (auto _ : state) {
    s = timeEvents([&] { return gpuDriver->memcpyDtoDAsync(dst, src, bytes, nullptr) == kSuccess; }, 5);
    state.SetIterationTime(s);
  }
  copyGBs = 2.0 * bytes / s / 1e9;
  state.counters["GB/s"] = copyGBs;
}

/// The generated ternary matmul for N x K, rotated over enough weight copies
/// to stream from HBM.
void BM_GpuTernary(benchmark::State &state, int64_t N, int64_t K, int64_t T,
                   const char *mma, int64_t unroll, int64_t threads) {
  cpu::TernaryMatmulParams p;
  p.K = K;
  p.parts = {N};
  p.max_batch = T;
  p.block = 16;
  p.interleave = 8;
  p.tile_m = 4; // the sm_80/sm_90 default
  p.threads = threads;
  p.unroll = unroll;
  p.mma = mma;
  const bool wgmma = p.mma == "wgmma";
  std::string ptx, err;
  nvptx::GpuLaunch launch;
  if (!nvptx::buildKernelPtx(
          [&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
            return nvptx::buildGpuTernaryMatmulKernel(b, gm, "k", p, /*singleToken=*/T == 1);
          },
          wgmma ? "sm_90a" : "sm_80", &launch, &ptx, &err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  CudaModule m;
  if (!m.load(ptx, &err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  CUfunction fn = m.function(launch.name);
  const size_t wBytes = size_t(N * K / 4);
  const int copies = int(std::max<size_t>(1, (size_t(512) << 20) / wBytes));
  std::vector<uint8_t> w(wBytes);
  std::mt19937 rng(1);
  for (auto &v : w)
    v = uint8_t(rng()) & 0xAA; // codes 0 and 2: weights -1 and +1
  std::vector<int8_t> q(T * K, 3);
  std::vector<float> s(T, 1.0f), rs(N, 0.5f);
  CUdeviceptr dq = m.alloc(q.size(), q.data()), ds = m.alloc(T * 4, s.data()),
              drs = m.alloc(N * 4, rs.data()), dy = m.alloc(size_t(T * N * 4));
  std::vector<CUdeviceptr> dw;
  for (int c = 0; c < copies; ++c)
    dw.push_back(m.alloc(wBytes, w.data()));
  if (!fn || !dq || !dy || !dw.back()) {
    state.SkipWithError("cannot set up the GPU buffers");
    return;
  }
  const int64_t ints[5] = {0, T, 0, 0, N};
  const unsigned blocks = unsigned((N + launch.items - 1) / launch.items);
  int next = 0;
  double sec = 0;
  for (auto _ : state) {
    sec = timeEvents(
        [&] {
          bool ok = m.launch(fn, blocks, unsigned(launch.threads),
                             {dq, ds, dw[next], drs, dy}, ints, &err);
          next = (next + 1) % copies;
          return ok;
        },
        20);
    if (sec < 0) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(sec);
  }
  const double gbs = wBytes / sec / 1e9;
  state.counters["GB/s"] = gbs;
  state.counters["GOP/s"] = 2.0 * N * K * T / sec / 1e9;
  if (copyGBs > 0)
    state.counters["of_copy"] = gbs / copyGBs;
}

/// cuBLAS, loaded at run time: bf16 GEMV as a GemmEx with one column.
struct Cublas {
  void *handle = nullptr;
  int (*create)(void **) = nullptr;
  int (*gemmEx)(void *, int, int, int, int, int, const void *, const void *, int, int,
                const void *, int, int, const void *, void *, int, int, int, int) = nullptr;
  bool load(std::string *why) {
    void *lib = nullptr;
    for (const char *n : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
      if ((lib = ::dlopen(n, RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!lib) {
      *why = "no libcublas.so";
      return false;
    }
    create = reinterpret_cast<decltype(create)>(::dlsym(lib, "cublasCreate_v2"));
    gemmEx = reinterpret_cast<decltype(gemmEx)>(::dlsym(lib, "cublasGemmEx"));
    if (!create || !gemmEx || create(&handle) != 0) {
      *why = "libcublas has no usable cublasCreate_v2/cublasGemmEx";
      return false;
    }
    return true;
  }
};

void BM_CublasBf16(benchmark::State &state, int64_t N, int64_t K) {
  static Cublas cb;
  static std::string why;
  static bool ok = cb.load(&why);
  if (!ok) {
    state.SkipWithError(why.c_str());
    return;
  }
  CudaModule m;
  m.d = gpuDriver;
  const size_t wBytes = size_t(N * K * 2);
  const int copies = int(std::max<size_t>(1, (size_t(512) << 20) / wBytes));
  std::vector<uint16_t> w(N * K, 0x3c00), x(K, 0x3f80); // small bf16 values
  std::vector<CUdeviceptr> dw;
  for (int c = 0; c < copies; ++c)
    dw.push_back(m.alloc(wBytes, w.data()));
  CUdeviceptr dx = m.alloc(K * 2, x.data()), dy = m.alloc(N * 4);
  const float alpha = 1.0f, beta = 0.0f;
  constexpr int kOpT = 1, kOpN = 0, kBf16 = 14, kF32 = 0, kCompute32F = 68, kAlgoDefault = -1;
  int next = 0;
  double sec = 0;
  for (auto _ : state) {
    sec = timeEvents(
        [&] {
          int r = cb.gemmEx(cb.handle, kOpT, kOpN, int(N), 1, int(K), &alpha,
                            reinterpret_cast<void *>(dw[next]), kBf16, int(K),
                            reinterpret_cast<void *>(dx), kBf16, int(K), &beta,
                            reinterpret_cast<void *>(dy), kF32, int(N), kCompute32F,
                            kAlgoDefault);
          next = (next + 1) % copies;
          return r == 0;
        },
        20);
    if (sec < 0) {
      state.SkipWithError("cublasGemmEx failed");
      return;
    }
    state.SetIterationTime(sec);
  }
  state.counters["GB/s"] = wBytes / sec / 1e9;
  if (copyGBs > 0)
    state.counters["of_copy"] = wBytes / sec / 1e9 / copyGBs;
}

} // namespace

std::string registerGpuBenchmarks() {
  std::string why;
  gpuDriver = currentGpu(&why);
  if (!gpuDriver)
    return "none (" + why + ")";
  benchmark::RegisterBenchmark("gpu/copy", BM_GpuCopy)->UseManualTime()->Iterations(3);
  // The 2B4T shapes: q|k|v, o, gate|up, down.
  const int64_t shapes[][2] = {{3840, 2560}, {2560, 2560}, {13824, 2560}, {2560, 6912}};
  for (auto &s : shapes) {
    std::string nk = std::to_string(s[0]) + "x" + std::to_string(s[1]);
    for (int64_t threads : {64, 128, 256})
      for (int64_t unroll : {1, 2, 4, 8, 16})
        benchmark::RegisterBenchmark(("gpu/gemv/" + nk + "/u" + std::to_string(unroll) + "/t" +
                                      std::to_string(threads))
                                         .c_str(),
                                     BM_GpuTernary, s[0], s[1], 1, "", unroll, threads)
            ->UseManualTime();
    for (int64_t T : {128, 512})
      for (int64_t threads : {128, 256}) {
        std::string gemm = "gpu/gemm" + std::to_string(T), tail = "/" + nk + "/t" +
                                                                  std::to_string(threads);
        benchmark::RegisterBenchmark((gemm + tail).c_str(), BM_GpuTernary, s[0], s[1], T,
                                     "mma_sync", 4, threads)
            ->UseManualTime();
        if (currentGpuSm() == 90)
          benchmark::RegisterBenchmark((gemm + "-wgmma" + tail).c_str(), BM_GpuTernary, s[0],
                                       s[1], T, "wgmma", 4, threads)
              ->UseManualTime();
      }
    benchmark::RegisterBenchmark(("gpu/cublas-bf16-gemv/" + nk).c_str(), BM_CublasBf16,
                                 s[0], s[1])
        ->UseManualTime();
  }
  CUdevice dev;
  char name[256] = {0};
  gpuDriver->deviceGet(&dev, 0);
  gpuDriver->deviceGetName(name, sizeof name - 1, dev);
  return name;
}

} // namespace tern::bench
