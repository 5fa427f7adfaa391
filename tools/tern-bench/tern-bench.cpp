//===- tern-bench.cpp - memory bandwidth vs generated ternary matmuls ----===//
//
// A Google Benchmark program that puts the generated ternary GEMV/GEMM
// kernels next to what the memory system can deliver, in the same process:
//
//   read/threads:N     streaming sum of a 768 MiB int64 array
//   triad/threads:N    a[i] = b[i] + s*c[i] over 3 x 256 MiB float arrays
//   gemv/<isa>/<N>x<K>/threads:T      1 token  (t0 = 0, t1 = 1)
//   gemm128/<isa>/<N>x<K>/threads:T   128 tokens
//
// The matmul weights are DRAM-resident: a pool of > 512 MiB holds copies of
// the packed matrix and each iteration uses the next copy. Rows [0, N) are
// split in T contiguous ranges (multiples of tile_n) over a persistent
// spinning thread pool (the calling thread runs range 0).
//
// Counters: GB/s (bytes moved / wall time; for matmuls the packed weight
// bytes N*K/4 per call), GOP/s (2*N*K*tokens / wall time) and of_read (GB/s
// over the read bandwidth with the same thread count, measured at startup).
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TERN_CPU_RELAX() _mm_pause()
#else
#define TERN_CPU_RELAX() ((void)0)
#endif

using namespace tern;
using namespace tern::cpu;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Spin-wait step: pause for a while, then yield so an oversubscribed machine
/// (more runnable threads than cores) still makes progress.
inline void relax(unsigned &spins) {
  if (++spins < 4096)
    TERN_CPU_RELAX();
  else
    std::this_thread::yield();
}

//===----------------------------------------------------------------------===//
// Persistent thread pool: T-1 spinning workers, the caller is worker 0.
//===----------------------------------------------------------------------===//

class Pool {
public:
  explicit Pool(int n) : n_(n) {
    for (int i = 1; i < n; ++i)
      threads_.emplace_back([this, i] { work(i); });
  }
  ~Pool() {
    stop_.store(true, std::memory_order_release);
    for (auto &t : threads_)
      t.join();
  }
  int size() const { return n_; }
  /// Runs job(i) for i in [0, n) (i = 0 on this thread) and waits for all.
  void run(const std::function<void(int)> &job) {
    job_ = &job;
    done_.store(0, std::memory_order_relaxed);
    gen_.fetch_add(1, std::memory_order_release);
    job(0);
    unsigned spins = 0;
    while (done_.load(std::memory_order_acquire) < n_ - 1)
      relax(spins);
  }

private:
  void work(int i) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g;
      unsigned spins = 0;
      while ((g = gen_.load(std::memory_order_acquire)) == seen) {
        if (stop_.load(std::memory_order_acquire))
          return;
        relax(spins);
      }
      seen = g;
      (*job_)(i);
      done_.fetch_add(1, std::memory_order_release);
    }
  }
  int n_;
  std::vector<std::thread> threads_;
  const std::function<void(int)> *job_ = nullptr;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
};

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

constexpr size_t MiB = size_t(1) << 20;
constexpr size_t kStreamBytes = 768 * MiB; // triad: 3 x 256 MiB; read: all
constexpr size_t kWeightPoolBytes = 576 * MiB;

void *allocOrDie(size_t bytes) {
  void *p = std::aligned_alloc(4096, bytes);
  if (!p) {
    std::fprintf(stderr, "tern-bench: out of memory (%zu bytes)\n", bytes);
    std::abort();
  }
  return p;
}

/// The 768 MiB stream buffer, first touched (in parallel slices) on first use.
char *streamBuffer() {
  static char *buf = [] {
    char *p = static_cast<char *>(allocOrDie(kStreamBytes));
    float *f = reinterpret_cast<float *>(p);
    for (size_t i = 0, n = kStreamBytes / 4; i < n; ++i)
      f[i] = float(i & 1023) * 0.001f;
    return p;
  }();
  return buf;
}

/// Splits [0, n) into `parts` contiguous ranges aligned to `align`.
std::pair<int64_t, int64_t> slice(int64_t n, int parts, int i, int64_t align) {
  int64_t units = (n + align - 1) / align;
  int64_t b = units * i / parts * align, e = units * (i + 1) / parts * align;
  return {std::min(b, n), std::min(e, n)};
}

__attribute__((noinline)) int64_t sumRange(const int64_t *p, int64_t n) {
  int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
    s4 += p[i + 4];
    s5 += p[i + 5];
    s6 += p[i + 6];
    s7 += p[i + 7];
  }
  for (; i < n; ++i)
    s0 += p[i];
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

__attribute__((noinline)) void triadRange(float *a, const float *b,
                                          const float *c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = b[i] + s * c[i];
}

/// One parallel streaming read of the whole stream buffer.
void readOnce(Pool &pool) {
  const int64_t *p = reinterpret_cast<const int64_t *>(streamBuffer());
  const int64_t n = kStreamBytes / 8;
  std::vector<int64_t> sums(pool.size() * 8);
  pool.run([&](int i) {
    auto [b, e] = slice(n, pool.size(), i, 512);
    sums[i * 8] = sumRange(p + b, e - b);
  });
  benchmark::DoNotOptimize(sums.data());
}

/// Read bandwidth (GB/s) per thread count, measured before the benchmarks.
std::map<int, double> &readBandwidth() {
  static std::map<int, double> m;
  return m;
}

double measureRead(int threads) {
  Pool pool(threads);
  readOnce(pool); // warm up (page faults, threads)
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    auto t0 = Clock::now();
    readOnce(pool);
    double gbs = double(kStreamBytes) / seconds(t0, Clock::now()) / 1e9;
    best = std::max(best, gbs);
  }
  return best;
}

void BM_Read(benchmark::State &state, int threads) {
  Pool pool(threads);
  readOnce(pool);
  int64_t iters = 0;
  auto t0 = Clock::now();
  for (auto _ : state) {
    readOnce(pool);
    ++iters;
  }
  double secs = seconds(t0, Clock::now());
  state.counters["GB/s"] = double(kStreamBytes) * iters / secs / 1e9;
  state.SetBytesProcessed(int64_t(kStreamBytes) * iters);
}

void BM_Triad(benchmark::State &state, int threads) {
  char *buf = streamBuffer();
  const int64_t n = kStreamBytes / 3 / 4;
  float *a = reinterpret_cast<float *>(buf);
  float *b = a + n, *c = b + n;
  Pool pool(threads);
  auto job = [&](int i) {
    auto [lo, hi] = slice(n, threads, i, 1024);
    triadRange(a + lo, b + lo, c + lo, 0.5f, hi - lo);
  };
  pool.run(job);
  int64_t iters = 0;
  auto t0 = Clock::now();
  for (auto _ : state) {
    pool.run(job);
    ++iters;
  }
  double secs = seconds(t0, Clock::now());
  benchmark::DoNotOptimize(a);
  state.counters["GB/s"] = 3.0 * 4.0 * double(n) * iters / secs / 1e9;
  state.SetBytesProcessed(int64_t(3 * 4 * n) * iters);
}

//===----------------------------------------------------------------------===//
// Ternary matmul kernels
//===----------------------------------------------------------------------===//

bool hostHas(const char *feature) {
  static llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
  return f.lookup(feature);
}

struct IsaInfo {
  const char *name;
  DotIsa isa;
  int64_t block;
  bool supported;
};

std::vector<IsaInfo> hostIsas() {
  std::vector<IsaInfo> out;
  bool vnni = hostHas("avx512vnni") && hostHas("avx512vl") && hostHas("avx512bw");
  if (vnni)
    out.push_back({"x86-avx512-vnni", DotIsa::Avx512Vnni, 64, true});
  if (hostHas("avx2"))
    out.push_back({"x86-64-v3", DotIsa::Avx2, 32, true});
  return out;
}

constexpr int64_t kTileM = 4, kTileN = 2, kPrefetch = 8;

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    mlir::tern::registerJitDialects(registry);
    auto *c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

/// A compiled kernel (kept alive for the whole run) plus its activations.
struct Kernel {
  std::unique_ptr<KernelJit> jit;
  tern_kernel_fn fn = nullptr;
  std::vector<int8_t> q;
  std::vector<float> s, rowScale, out;
};

/// Compiled kernels by name. Cleared at the end of main: JIT engines must
/// not be torn down by static destructors, after LLVM's own.
std::map<std::string, std::unique_ptr<Kernel>> &kernelCache() {
  static std::map<std::string, std::unique_ptr<Kernel>> cache;
  return cache;
}

Kernel *getKernel(const IsaInfo &isa, int64_t N, int64_t K, int64_t batch) {
  auto &cache = kernelCache();
  std::string key = std::string(isa.name) + "/" + std::to_string(N) + "x" +
                    std::to_string(K) + "/" + std::to_string(batch);
  auto &slot = cache[key];
  if (slot)
    return slot.get();
  mlir::OpBuilder b(&context());
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  TernaryMatmulParams p;
  p.K = K;
  p.parts = {N};
  p.max_batch = batch;
  p.block = isa.block;
  p.isa = isa.isa;
  p.tile_m = kTileM;
  p.tile_n = kTileN;
  p.prefetch = kPrefetch;
  buildTernaryMatmulKernel(b, module, "mm", p);
  std::string err;
  auto k = std::make_unique<Kernel>();
  k->jit = KernelJit::compile(module, &err);
  module->erase();
  if (!k->jit) {
    std::fprintf(stderr, "tern-bench: JIT failed for %s: %s\n", key.c_str(),
                 err.c_str());
    return nullptr;
  }
  k->fn = k->jit->lookup("mm");
  if (!k->fn)
    return nullptr;
  std::mt19937 rng(42);
  k->q.resize(batch * K);
  for (auto &x : k->q)
    x = int8_t(int(rng() % 256) - 128);
  k->s.assign(batch, 1.5f);
  k->rowScale.assign(N, 0.75f);
  k->out.assign(batch * N, 0.0f);
  slot = std::move(k);
  return slot.get();
}

/// The weight pool: as many copies of one packed N x K matrix as fit in
/// kWeightPoolBytes (> 512 MiB), refilled when the matrix changes.
struct WeightPool {
  uint8_t *base = nullptr;
  std::string key;
  int64_t copies = 0, stride = 0;
};

WeightPool &weights(const IsaInfo &isa, int64_t N, int64_t K) {
  static WeightPool pool;
  std::string key = std::to_string(isa.block) + "/" + std::to_string(N) + "x" +
                    std::to_string(K);
  if (pool.key == key)
    return pool;
  if (!pool.base)
    pool.base = static_cast<uint8_t *>(allocOrDie(kWeightPoolBytes));
  ref::TernaryLayout layout;
  layout.bits = 2;
  layout.pack_dim = 1;
  layout.block = isa.block;
  std::string err;
  if (!ref::checkLayout(layout, N, K, &err)) {
    std::fprintf(stderr, "tern-bench: %s\n", err.c_str());
    std::abort();
  }
  int64_t bytes = ref::packedBytes(layout, N, K);
  std::vector<int8_t> W(N * K);
  std::mt19937 rng(7);
  for (auto &w : W)
    w = int8_t(int(rng() % 3) - 1);
  std::vector<uint8_t> packed(bytes);
  ref::packTernary(W.data(), N, K, layout, packed.data());
  pool.stride = (bytes + 4095) / 4096 * 4096;
  pool.copies = int64_t(kWeightPoolBytes) / pool.stride;
  for (int64_t c = 0; c < pool.copies; ++c)
    std::memcpy(pool.base + c * pool.stride, packed.data(), bytes);
  pool.key = key;
  return pool;
}

void BM_Matmul(benchmark::State &state, IsaInfo isa, int64_t N, int64_t K,
               int64_t batch, int threads) {
  Kernel *k = getKernel(isa, N, K, batch);
  if (!k) {
    state.SkipWithError("kernel JIT failed");
    return;
  }
  WeightPool &w = weights(isa, N, K);
  Pool pool(threads);
  void *args[5] = {k->q.data(), k->s.data(), nullptr, k->rowScale.data(),
                   k->out.data()};
  const tern_kernel_fn fn = k->fn;
  auto job = [&](int i) {
    auto [b, e] = slice(N, threads, i, kTileN);
    if (b < e)
      fn(args, 0, batch, 0, b, e);
  };
  int64_t copy = 0;
  auto step = [&] {
    args[2] = w.base + copy * w.stride;
    copy = copy + 1 == w.copies ? 0 : copy + 1;
    pool.run(job);
  };
  step(); // warm up
  int64_t iters = 0;
  auto t0 = Clock::now();
  for (auto _ : state) {
    step();
    ++iters;
  }
  double secs = seconds(t0, Clock::now());
  benchmark::DoNotOptimize(k->out.data());
  double weightBytes = double(N) * double(K) / 4.0;
  double gbs = weightBytes * iters / secs / 1e9;
  state.counters["GB/s"] = gbs;
  state.counters["GOP/s"] = 2.0 * N * K * batch * iters / secs / 1e9;
  double rd = readBandwidth()[threads];
  state.counters["of_read"] = rd > 0 ? gbs / rd : 0.0;
  state.SetBytesProcessed(int64_t(weightBytes) * iters);
}

} // namespace

int main(int argc, char **argv) {
  // A short default --benchmark_min_time=0.2 (the library's is 0.5 s) that the
  // command line can still override; per-benchmark MinTime() would not be.
  std::vector<char *> args(argv, argv + argc);
  bool hasMinTime = false;
  for (int i = 1; i < argc; ++i)
    hasMinTime |= std::strncmp(argv[i], "--benchmark_min_time", 20) == 0;
  static char defaultMinTime[] = "--benchmark_min_time=0.2";
  if (!hasMinTime)
    args.insert(args.begin() + 1, defaultMinTime);
  args.push_back(nullptr);
  int nargs = int(args.size()) - 1;
  argv = args.data();
  argc = nargs;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;

  const int threadCounts[] = {1, 2};
  for (int t : threadCounts) {
    readBandwidth()[t] = measureRead(t);
    benchmark::AddCustomContext("read_GB/s_threads:" + std::to_string(t),
                                std::to_string(readBandwidth()[t]));
  }

  for (int t : threadCounts)
    benchmark::RegisterBenchmark(("read/threads:" + std::to_string(t)).c_str(),
                                 BM_Read, t)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  for (int t : threadCounts)
    benchmark::RegisterBenchmark(("triad/threads:" + std::to_string(t)).c_str(),
                                 BM_Triad, t)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);

  const std::pair<int64_t, int64_t> shapes[] = {
      {2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};
  for (const IsaInfo &isa : hostIsas())
    for (auto [N, K] : shapes)
      for (int64_t batch : {int64_t(1), int64_t(128)})
        for (int t : threadCounts) {
          std::string name = std::string(batch == 1 ? "gemv/" : "gemm128/") +
                             isa.name + "/" + std::to_string(N) + "x" +
                             std::to_string(K) + "/threads:" + std::to_string(t);
          benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, isa, N, K,
                                       batch, t)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
        }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  kernelCache().clear();
  return 0;
}
