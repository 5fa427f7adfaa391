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
//   gemv-tl2/..., gemm128-tl1/...     the lookup-table layouts (tables built
//                                     in the timed loop, as the plan does)
//   head-bf16/..., head-f16/..., head-int8/<isa>/... the 2B4T LM head, one token
//   peak/int8/<isa>/threads:T         the int8 dot-product peak (registers
//                                     only: independent accumulators)
//   peak/int8/x86-amx/threads:T       the AMX-INT8 tdpbssd peak (hosts with
//                                     AMX-INT8; tiles only)
//
//   gemv-i2lane/..., gemm128-i2lane/...  the one-row-per-lane layout
//   gemv-i2lane-gfni/..., gemm128-i2lane-gfni/...  the same, unpacked by
//                                     vgf2p8affineqb (hosts with GFNI)
//   gemm128-i2lane/x86-amx/...        the same, prefill tiles on AMX
//                                     tdpbssd (hosts with AMX-INT8)
//
// `--tiles MxN` sets the prefill register tile (tokens x rows, or x groups
// of rows in i2lane) of every matmul; the default is x86's, 8x3.
//
// `--plot FILE.png` draws every kernel's (ops per weight byte, GOP/s) under
// the roofs measured in the same run (read bandwidth, int8 peak).
//
// `--gpu-bench-out DIR` writes the gpu/ kernels' PTX as bench files and
// exits (no GPU needed): tern-gpu-check times them on a GPU machine that
// has no MLIR (test/gpu/bundle.sh).
//
// Counters: GB/s (bytes moved / wall time; for matmuls the packed weight
// bytes per call), GOP/s (2*N*K*tokens / wall time) and of_read (GB/s
// over the read bandwidth with the same thread count, measured at startup).
//
// End-to-end mode: `tern-bench --model EXE [--e2e-tokens N] [--e2e-decode D]`
// with EXE an executable written by tern-compile (next to EXE.tpack) also
// registers
//
//   e2e/decode/threads:T      EXE --tokens <3 ids> -n D --threads T
//   e2e/prefill<N>/threads:T  EXE --tokens <N ids> --threads T
//
// Each iteration is one run of EXE as a subprocess (its wall time is the
// manual time); the counters come from its timing line on stderr: tok/s,
// peak_RSS_MB (the child's VmHWM, sampled every 5 ms while it runs; its
// wait4 ru_maxrss where no sample was read, which also counts tern-bench's
// own RSS at spawn time) and, for decode, of_roofline = tok/s *
// (the weight bytes of EXE.tpack's row-range steps, streamed per token:
// matmuls and head, not the embedding rows it gathers) / the
// read bandwidth with the same thread count.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/DotProduct.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/VectorUtils.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "runtime/include/tern_plan.h"
#include "runtime/common/AmxPermission.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include "RooflinePlot.h"
#include "tools/common/LineVector.h"
#include "tools/common/ModelProcess.h"
#include "tools/common/ReadBandwidth.h"
#include "tools/tern-bench/GpuBench.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
    sums[i * 8] = tools::sumRange(p + b, e - b);
  });
  benchmark::DoNotOptimize(sums.data());
}

/// Read bandwidth (GB/s) per thread count, measured before the benchmarks.
std::map<int, double> &readBandwidth() {
  static std::map<int, double> m;
  return m;
}

double measureRead(int threads) { return tools::measureReadBandwidth(threads); }

/// measureRead for each thread count in a forked child, so that this
/// process never touches the stream buffer: an e2e child's ru_maxrss
/// includes the RSS of this process when it was spawned (exec keeps the
/// old address space's high-water mark). 0 where the child failed.
std::vector<double> measureReadIsolated(const std::vector<int> &threads) {
  std::vector<double> out(threads.size(), 0.0);
  int fds[2];
  if (::pipe(fds) != 0)
    return out;
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return out;
  }
  if (pid == 0) {
    ::close(fds[0]);
    for (size_t i = 0; i < threads.size(); ++i)
      out[i] = measureRead(threads[i]);
    size_t bytes = out.size() * sizeof(double);
    ssize_t n = ::write(fds[1], out.data(), bytes);
    ::_exit(n == ssize_t(bytes) ? 0 : 1);
  }
  ::close(fds[1]);
  size_t bytes = out.size() * sizeof(double), got = 0;
  char *dst = reinterpret_cast<char *>(out.data());
  while (got < bytes) {
    ssize_t n = ::read(fds[0], dst + got, bytes - got);
    if (n > 0)
      got += size_t(n);
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != bytes)
    std::fill(out.begin(), out.end(), 0.0);
  return out;
}

/// One warm-up call of `step`, then one per benchmark iteration: the wall
/// seconds of the timed calls and their number.
struct Timed {
  double secs;
  int64_t iters;
};
Timed timeSteps(benchmark::State &state, const std::function<void()> &step) {
  step();
  int64_t iters = 0;
  auto t0 = Clock::now();
  for (auto _ : state) {
    step();
    ++iters;
  }
  return {seconds(t0, Clock::now()), iters};
}

void BM_Read(benchmark::State &state, int threads) {
  Pool pool(threads);
  auto [secs, iters] = timeSteps(state, [&] { readOnce(pool); });
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
  auto [secs, iters] = timeSteps(state, [&] { pool.run(job); });
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

/// Kernel results for --plot, and the int8 peak per thread count.
/// By benchmark name: the library calls each function several times (to
/// size the iteration count); the last call is the reported one.
std::map<std::string, tern::bench::RoofPoint> &roofPoints() {
  static std::map<std::string, tern::bench::RoofPoint> v;
  return v;
}
std::map<int, double> &int8Peak() {
  static std::map<int, double> m;
  return m;
}
void recordPoint(const std::string &key, const std::string &family,
                 int threads, double ops, double bytes, double gops) {
  roofPoints()[key] = {family, threads, bytes > 0 ? ops / bytes : 0, gops};
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

// The prefill register tile (tokens x rows; groups of rows in i2lane):
// the x86 schedule default unless --tiles MxN says otherwise.
int64_t gTileM = 8, gTileN = 3;
constexpr int64_t kPrefetch = 0;
// Rows packed in pairs, as tern-compile does by default (--interleave=2).
constexpr int64_t kInterleave = 2;

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
  tern_kernel_fn tablesFn = nullptr; ///< lookup-table layouts: q -> tables
  std::vector<uint8_t> tables;
  tern::tools::LineVector<int8_t> q; ///< 64-byte aligned, as the runtime's
  std::vector<float> s, rowScale, out;
  int64_t grain = 1; ///< TernaryMatmulParams::rowGrain
};

/// Compiled kernels by name. Cleared at the end of main: JIT engines must
/// not be torn down by static destructors, after LLVM's own.
std::map<std::string, std::unique_ptr<Kernel>> &kernelCache() {
  static std::map<std::string, std::unique_ptr<Kernel>> cache;
  return cache;
}

/// The weight layout of a benchmark: tern-compile's --layout.
struct LayoutInfo {
  const char *name;   ///< i2, tl2, tl1, i2lane
  int lut;            ///< 0, 3, 2, 0
  bool lanes = false; ///< i2lane: one row per 32-bit lane
  bool gfni = false;  ///< i2lane unpacked by vgf2p8affineqb (x86 with GFNI)
  bool amx = false;   ///< i2lane prefill tiles on AMX tdpbssd (x86 with AMX-INT8)
};

ref::TernaryLayout benchLayout(const IsaInfo &isa, const LayoutInfo &lay) {
  ref::TernaryLayout layout;
  layout.bits = 2;
  layout.pack_dim = 1;
  layout.block = isa.block;
  layout.lut = lay.lut;
  if (lay.lanes) {
    layout.block = 4;
    layout.interleave = int(isa.block / 4);
    layout.chunk = 4;
  } else if (lay.lut == 0) {
    layout.interleave = kInterleave;
    layout.chunk = kInterleave > 1 ? isa.block : 0;
  }
  return layout;
}

/// JIT-compiles `module` (then erased) into a new Kernel whose fn is the
/// kernel `entry`; null (with a message naming `what`) when that fails.
std::unique_ptr<Kernel> jitKernel(mlir::ModuleOp module, const char *entry,
                                  const std::string &what) {
  std::string err;
  auto k = std::make_unique<Kernel>();
  k->jit = KernelJit::compile(module, &err);
  module->erase();
  if (!k->jit || !(k->fn = k->jit->lookup(entry))) {
    std::fprintf(stderr, "tern-bench: JIT failed for %s: %s\n", what.c_str(),
                 err.c_str());
    return nullptr;
  }
  return k;
}

Kernel *getKernel(const IsaInfo &isa, const LayoutInfo &lay, int64_t N,
                  int64_t K, int64_t batch) {
  auto &cache = kernelCache();
  std::string key = std::string(isa.name) + "/" + lay.name + "/" +
                    std::to_string(N) + "x" + std::to_string(K) + "/" +
                    std::to_string(batch) + "/" + std::to_string(gTileM) + "x" +
                    std::to_string(gTileN);
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
  p.tile_m = gTileM;
  p.tile_n = gTileN;
  p.prefetch = kPrefetch;
  p.interleave = lay.lut ? 1 : lay.lanes ? isa.block / 4 : kInterleave;
  // As the plan builder sets it: one interleave group (two i2lane groups).
  p.gemv_tile_n = lay.lut ? 0 : lay.lanes ? TernaryMatmulParams::kLaneGemvGroups : kInterleave;
  p.lut = lay.lut;
  if (lay.lanes)
    p.block = 4;
  p.gfni = lay.gfni;
  p.amx = lay.amx;
  buildTernaryMatmulKernel(b, module, "mm", p);
  if (lay.lut) {
    LutTablesParams tp;
    tp.K = K;
    tp.max_batch = batch;
    tp.lut = lay.lut;
    tp.block = isa.block;
    buildLutTablesKernel(b, module, "tables", tp);
  }
  std::unique_ptr<Kernel> k = jitKernel(module, "mm", key);
  if (!k)
    return nullptr;
  if (lay.lut) {
    k->tablesFn = k->jit->lookup("tables");
    if (!k->tablesFn)
      return nullptr;
    k->tables.resize(batch * ref::lutGeometry(benchLayout(isa, lay), N, K).tableBytes());
  }
  k->grain = p.rowGrain();
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
  int64_t bytes = 0; ///< of one packed matrix
};

WeightPool &weights(const IsaInfo &isa, const LayoutInfo &lay, int64_t N,
                    int64_t K) {
  static WeightPool pool;
  // The same packed bytes for every kernel of one layout (i2lane-gfni too).
  std::string key = std::to_string(isa.block) + "/" + ref::layoutName(benchLayout(isa, lay)) +
                    "/" + std::to_string(N) + "x" + std::to_string(K);
  if (pool.key == key)
    return pool;
  if (!pool.base)
    pool.base = static_cast<uint8_t *>(allocOrDie(kWeightPoolBytes));
  ref::TernaryLayout layout = benchLayout(isa, lay);
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
  pool.bytes = bytes;
  return pool;
}

void BM_Matmul(benchmark::State &state, IsaInfo isa, LayoutInfo lay, int64_t N,
               int64_t K, int64_t batch, int threads) {
  Kernel *k = getKernel(isa, lay, N, K, batch);
  if (!k) {
    state.SkipWithError("kernel JIT failed");
    return;
  }
  WeightPool &w = weights(isa, lay, N, K);
  Pool pool(threads);
  void *args[5] = {lay.lut ? static_cast<void *>(k->tables.data()) : k->q.data(),
                   k->s.data(), nullptr, k->rowScale.data(), k->out.data()};
  void *tableArgs[2] = {k->q.data(), k->tables.data()};
  const tern_kernel_fn fn = k->fn, tablesFn = k->tablesFn;
  // Whole register tiles per thread, as the plan's grain.
  const int64_t grain = k->grain;
  auto job = [&](int i) {
    auto [b, e] = slice(N, threads, i, grain);
    if (b < e)
      fn(args, 0, batch, 0, b, e);
  };
  auto tablesJob = [&](int i) {
    auto [b, e] = slice(batch, threads, i, 1);
    if (b < e)
      tablesFn(tableArgs, 0, batch, 0, b, e);
  };
  int64_t copy = 0;
  auto step = [&] {
    args[2] = w.base + copy * w.stride;
    copy = copy + 1 == w.copies ? 0 : copy + 1;
    if (tablesFn) // the tables are part of the cost, as in the plan
      pool.run(tablesJob);
    pool.run(job);
  };
  auto [secs, iters] = timeSteps(state, step);
  benchmark::DoNotOptimize(k->out.data());
  double weightBytes = double(w.bytes);
  double gbs = weightBytes * iters / secs / 1e9;
  state.counters["GB/s"] = gbs;
  state.counters["GOP/s"] = 2.0 * N * K * batch * iters / secs / 1e9;
  double rd = readBandwidth()[threads];
  state.counters["of_read"] = rd > 0 ? gbs / rd : 0.0;
  state.SetBytesProcessed(int64_t(weightBytes) * iters);
  recordPoint(std::string(isa.name) + lay.name + std::to_string(N) + "x" + std::to_string(K) + "/" + std::to_string(batch) + "/" + std::to_string(threads),
              std::string(batch == 1 ? "gemv " : "gemm128 ") + lay.name + " " + isa.name, threads,
              2.0 * N * K * batch, weightBytes, 2.0 * N * K * batch * iters / secs / 1e9);
}

/// The int8 dot-product peak: 16 independent accumulators per thread (8
/// weights operands, 4 activation operands that change every iteration, so
/// no product is loop-invariant), no memory traffic. 16 chains keep two
/// dot-product ports busy at a latency of 5 cycles: with 8, as before, the
/// peak was latency-bound at 0.75 of this on an Emerald Rapids machine
/// (vpdpbusd zmm issues on two ports there), and kernels looked closer to
/// it than they were.
void BM_Int8Peak(benchmark::State &state, IsaInfo isa, int threads) {
  auto &k = kernelCache()[std::string("peak/") + isa.name];
  const int64_t accs = 16, xs = 4;
  if (!k) {
    mlir::OpBuilder b(&context());
    auto module = mlir::ModuleOp::create(b.getUnknownLoc());
    mlir::Location loc = b.getUnknownLoc();
    KernelArgs a;
    auto i8 = b.getI8Type(), i32 = b.getI32Type();
    createKernel(b, module, "peak",
                 {mlir::MemRefType::get({(accs + xs) * isa.block}, i8),
                  mlir::MemRefType::get({64}, i32)},
                 &a);
    std::unique_ptr<DotProduct> dot = createDotProduct(isa.isa, int(isa.block));
    auto c = [&](int64_t v) { return vec::cIndex(b, loc, v); };
    mlir::VectorType bt = dot->byteType(b.getContext());
    auto load = [&](int64_t i) -> mlir::Value {
      return mlir::vector::LoadOp::create(b, loc, bt, a.buffers[0],
                                          mlir::ValueRange{c(i * isa.block)});
    };
    llvm::SmallVector<mlir::Value> ys, inits;
    for (int64_t r = 0; r < accs; ++r)
      ys.push_back(load(xs + r % 8));
    mlir::Value zero = mlir::arith::ConstantOp::create(
        b, loc, mlir::DenseElementsAttr::get(dot->accType(b.getContext()),
                                             b.getI32IntegerAttr(0).getValue()));
    mlir::Value one = mlir::arith::ConstantOp::create(
        b, loc, mlir::DenseElementsAttr::get(bt, b.getI8IntegerAttr(1).getValue()));
    for (int64_t r = 0; r < accs; ++r)
      inits.push_back(zero);
    for (int64_t u = 0; u < xs; ++u)
      inits.push_back(load(u));
    // [begin, end) counts iterations of xs rounds over the accumulators.
    llvm::SmallVector<mlir::Value> out = vec::forLoop(
        b, loc, a.begin, a.end, c(1), inits,
        [&](mlir::OpBuilder &b, mlir::Location loc, mlir::Value, mlir::ValueRange it) {
          llvm::SmallVector<mlir::Value> v(it.begin(), it.end());
          for (int64_t u = 0; u < xs; ++u)
            for (int64_t r = 0; r < accs; ++r)
              v[r] = dot->dot(b, loc, v[r], v[accs + u], ys[r]);
          for (int64_t u = 0; u < xs; ++u)
            v[accs + u] = mlir::arith::AddIOp::create(b, loc, v[accs + u], one);
          return v;
        });
    mlir::Value sum = dot->reduce(b, loc, out[0]);
    for (int64_t i = 1; i < accs; ++i)
      sum = mlir::arith::AddIOp::create(b, loc, sum, dot->reduce(b, loc, out[i]));
    mlir::memref::StoreOp::create(b, loc, sum, a.buffers[1], mlir::ValueRange{c(0)});
    mlir::func::ReturnOp::create(b, loc);
    if (!(k = jitKernel(module, "peak", "the int8 peak"))) {
      state.SkipWithError("kernel JIT failed");
      return;
    }
    k->q.assign((accs + xs) * isa.block, 1);
  }
  const int64_t iters = 1 << 16;
  std::vector<std::array<int32_t, 64>> outs(threads);
  Pool pool(threads);
  auto job = [&](int i) {
    void *args[2] = {k->q.data(), outs[i].data()};
    k->fn(args, 0, 1, 0, 0, iters);
  };
  auto [secs, calls] = timeSteps(state, [&] { pool.run(job); });
  double ops = 2.0 * isa.block * accs * xs * iters * threads * calls;
  double gops = ops / secs / 1e9;
  state.counters["GOP/s"] = gops;
  int8Peak()[threads] = std::max(int8Peak()[threads], gops);
}

/// The AMX-INT8 peak: tdpbssd on 4 accumulator tiles (16 x 16 i32) from 2
/// activation and 2 weight tiles (16 x 64 i8), the 2 x 2 register tile the
/// i2lane GEMM uses, 16 rounds per iteration between loading and storing
/// the accumulators (tiles live in registers only within one block). The
/// GEMM on AMX is quoted against this, not against the VNNI peak.
void BM_AmxPeak(benchmark::State &state, int threads) {
  auto &k = kernelCache()["peak/amx"];
  const int64_t rounds = 16;
  if (!k) {
    mlir::OpBuilder b(&context());
    b.getContext()->getOrLoadDialect<mlir::amx::AMXDialect>();
    auto module = mlir::ModuleOp::create(b.getUnknownLoc());
    mlir::Location loc = b.getUnknownLoc();
    KernelArgs a;
    auto i8 = b.getI8Type(), i32 = b.getI32Type();
    createKernel(b, module, "peak",
                 {mlir::MemRefType::get({4 * 1024}, i8), mlir::MemRefType::get({4 * 256}, i32)},
                 &a);
    auto c = [&](int64_t v) { return vec::cIndex(b, loc, v); };
    auto aT = mlir::amx::TileType::get({16, 64}, i8);
    auto cT = mlir::amx::TileType::get({16, 16}, i32);
    for (int64_t t = 0; t < 4; ++t)
      mlir::amx::TileStoreOp::create(b, loc, a.buffers[1], mlir::ValueRange{c(t * 256)},
                                     mlir::amx::TileZeroOp::create(b, loc, cT), c(16));
    vec::forLoop(b, loc, a.begin, a.end, c(1), mlir::ValueRange{},
                 [&](mlir::OpBuilder &b, mlir::Location loc, mlir::Value, mlir::ValueRange) {
                   llvm::SmallVector<mlir::Value> A, B, C;
                   for (int64_t t = 0; t < 4; ++t)
                     C.push_back(mlir::amx::TileLoadOp::create(
                         b, loc, cT, a.buffers[1], mlir::ValueRange{c(t * 256)}, c(16)));
                   for (int64_t t = 0; t < 2; ++t) {
                     A.push_back(mlir::amx::TileLoadOp::create(
                         b, loc, aT, a.buffers[0], mlir::ValueRange{c(t * 1024)}, c(64)));
                     B.push_back(mlir::amx::TileLoadOp::create(
                         b, loc, aT, a.buffers[0], mlir::ValueRange{c((2 + t) * 1024)}, c(64)));
                   }
                   for (int64_t r = 0; r < rounds; ++r)
                     for (int64_t i = 0; i < 2; ++i)
                       for (int64_t j = 0; j < 2; ++j)
                         C[i * 2 + j] =
                             mlir::amx::TileMulIOp::create(b, loc, cT, A[i], B[j], C[i * 2 + j]);
                   for (int64_t t = 0; t < 4; ++t)
                     mlir::amx::TileStoreOp::create(b, loc, a.buffers[1],
                                                    mlir::ValueRange{c(t * 256)}, C[t], c(16));
                   return llvm::SmallVector<mlir::Value>{};
                 });
    mlir::func::ReturnOp::create(b, loc);
    if (!(k = jitKernel(module, "peak", "the AMX peak"))) {
      state.SkipWithError("kernel JIT failed");
      return;
    }
    k->q.assign(4 * 1024, 1);
  }
  const int64_t iters = 1 << 12;
  std::vector<std::array<int32_t, 4 * 256>> outs(threads);
  Pool pool(threads);
  auto job = [&](int i) {
    void *args[2] = {k->q.data(), outs[i].data()};
    k->fn(args, 0, 1, 0, 0, iters);
  };
  auto [secs, calls] = timeSteps(state, [&] { pool.run(job); });
  // tdpbssd: 16 x 16 results of 64 products each.
  double ops = 2.0 * 16 * 16 * 64 * 4 * rounds * iters * threads * calls;
  state.counters["GOP/s"] = ops / secs / 1e9;
}

/// The LM head of 2B4T (128256 x 2560; --head-shape) as decode runs it (one token): the
/// float kernel on bf16 or f16 weights (656 MB: tern-compile's default for
/// a model that stores them so; the 2B4T GGUFs and tern-make-model's 2b4t
/// have an f16 tied head) or the int8 one (--head=int8, 328 MB). All exceed
/// any last-level cache, so every call streams from DRAM.
/// The matmul shapes (N x K) benchmarked, 2B4T's unless --shapes names
/// others (e.g. llama3-8b's 4096x4096,1024x4096,14336x4096,4096x14336),
/// and the head's (--head-shape).
std::vector<std::pair<int64_t, int64_t>> gShapes = {
    {2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};
std::pair<int64_t, int64_t> gHeadShape = {128256, 2560};

/// "NxK[,NxK...]" into *out; false on anything else.
bool parseShapes(const std::string &text, std::vector<std::pair<int64_t, int64_t>> *out) {
  out->clear();
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string one = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    long n = 0, k = 0;
    char x = 0, extra = 0;
    // K a multiple of 16 (the i2lane steps), N of 64 (whole row groups).
    if (std::sscanf(one.c_str(), "%ld%c%ld%c", &n, &x, &k, &extra) != 3 || x != 'x' || n < 64 ||
        k < 16 || n % 64 || k % 16 || n > (1L << 20) || k > (1L << 20))
      return false;
    out->push_back({n, k});
    if (comma == std::string::npos)
      break;
    at = comma + 1;
  }
  return !out->empty();
}

void BM_Head(benchmark::State &state, IsaInfo isa, bool int8, FloatType elem, int threads) {
  const int64_t N = gHeadShape.first, K = gHeadShape.second;
  const char *elemName = elem == FloatType::F16 ? "f16" : "bf16";
  std::string key = std::string(isa.name) + (int8 ? std::string("/int8") : "/" + std::string(elemName));
  auto &k = kernelCache()["head/" + key];
  static std::vector<uint8_t> weightsBf16, weightsF16, weights8;
  std::vector<uint8_t> &w = int8 ? weights8 : elem == FloatType::F16 ? weightsF16 : weightsBf16;
  if (w.empty()) {
    w.resize(N * K * (int8 ? 1 : 2));
    std::mt19937 rng(5);
    for (size_t i = 0; i < w.size(); i += 2) {
      w[i] = uint8_t(rng());
      if (i + 1 < w.size()) // bf16 / f16: a modest exponent, any sign
        w[i + 1] = int8 ? uint8_t(rng()) : uint8_t(0x3c | (rng() & 0x80));
    }
  }
  if (!k) {
    mlir::OpBuilder b(&context());
    auto module = mlir::ModuleOp::create(b.getUnknownLoc());
    if (int8) {
      Int8MatmulParams p;
      p.N = N;
      p.K = K;
      p.block = isa.block;
      p.isa = isa.isa;
      p.tile_n = 1; // as the plan builds it
      p.prefetch = 0;
      buildInt8MatmulKernel(b, module, "head", p);
    } else {
      FloatMatmulParams p;
      p.N = N;
      p.K = K;
      p.elem = elem;
      p.tile_n = 1; // as the plan builds it
      p.prefetch = 0;
      buildFloatMatmulKernel(b, module, "head", p);
    }
    if (!(k = jitKernel(module, "head", "the head"))) {
      state.SkipWithError("kernel JIT failed");
      return;
    }
    k->q.assign(K, 3);
    k->s.assign(1, 1.0f);
    k->rowScale.assign(N, 0.01f);
    k->out.assign(N, 0.0f);
  }
  std::vector<float> x(K, 0.5f);
  std::vector<int32_t> corr(N, 0);
  void *args[6];
  if (int8) {
    args[0] = k->q.data(); args[1] = k->s.data(); args[2] = w.data();
    args[3] = k->rowScale.data(); args[4] = corr.data(); args[5] = k->out.data();
  } else {
    args[0] = x.data(); args[1] = w.data(); args[2] = k->out.data();
  }
  Pool pool(threads);
  const tern_kernel_fn fn = k->fn;
  auto job = [&](int i) {
    auto [b, e] = slice(N, threads, i, 1);
    if (b < e)
      fn(args, 0, 1, 0, b, e);
  };
  auto [secs, iters] = timeSteps(state, [&] { pool.run(job); });
  double bytes = double(w.size());
  double gbs = bytes * iters / secs / 1e9;
  state.counters["GB/s"] = gbs;
  state.counters["GOP/s"] = 2.0 * N * K * iters / secs / 1e9;
  double rd = readBandwidth()[threads];
  state.counters["of_read"] = rd > 0 ? gbs / rd : 0.0;
  recordPoint(key + "/" + std::to_string(threads),
              int8 ? std::string("head int8 ") + isa.name : std::string("head ") + elemName, threads,
              2.0 * N * K, bytes,
              2.0 * N * K * iters / secs / 1e9);
}

//===----------------------------------------------------------------------===//
// End-to-end: a compiled model executable as a subprocess
//===----------------------------------------------------------------------===//

using E2EModel = tools::ModelExe;

E2EModel &e2eModel() {
  static E2EModel m;
  return m;
}

/// Set when an e2e run failed: main returns non-zero.
bool &e2eFailed() {
  static bool failed = false;
  return failed;
}


void BM_E2E(benchmark::State &state, bool decode, int tokens, int nDecode,
            int threads) {
  const E2EModel &m = e2eModel();
  const std::vector<std::string> argv = decode ? tools::decodeCommand(m, nDecode, threads)
                                               : tools::prefillCommand(m, tokens, threads);

  double rateSum = 0, rss = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    tools::ChildRun r = tools::runChild(argv);
    double rate = 0;
    std::string what;
    if (!r.ok)
      what = "failed";
    else if (!tools::parseRate(r.err, decode ? "decode " : "prefill ", &rate))
      what = "printed no timing line";
    if (!what.empty()) {
      std::string cmd;
      for (const std::string &a : argv)
        cmd += (cmd.empty() ? "" : " ") +
               (&a != &argv[0] && a.size() > 60 ? a.substr(0, 57) + "..." : a);
      std::fprintf(stderr, "tern-bench: error: '%s' %s: %s\nstderr:\n%s\n",
                   m.exe.c_str(), what.c_str(), cmd.c_str(), r.err.c_str());
      e2eFailed() = true;
      state.SkipWithError(("'" + m.exe + "' " + what).c_str());
      break;
    }
    state.SetIterationTime(r.seconds);
    rateSum += rate;
    rss = std::max(rss, r.maxRssMB);
    ++runs;
  }
  if (runs == 0)
    return;
  double rate = rateSum / double(runs);
  state.counters["tok/s"] = rate;
  state.counters["peak_RSS_MB"] = rss;
  if (decode) {
    double rd = readBandwidth()[threads];
    state.counters["of_roofline"] =
        rd > 0 ? rate * m.streamedBytes / 1e9 / rd : 0.0;
  }
}

} // namespace

int main(int argc, char **argv) {
  // The end-to-end options, taken out before benchmark::Initialize.
  std::string modelExe, plotFile, gpuBenchOut;
  int e2eTokens = 128, e2eDecode = 32;
  {
    std::vector<char *> rest = {argv[0]};
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      const char *names[] = {"--model",         "--e2e-tokens", "--e2e-decode", "--plot",
                             "--gpu-bench-out", "--tiles",      "--shapes",     "--head-shape"};
      int which = -1;
      std::string value;
      bool hasValue = false;
      for (int k = 0; k < 8; ++k) {
        std::string n = names[k];
        if (a == n) {
          which = k;
          if (i + 1 < argc) {
            value = argv[++i];
            hasValue = true;
          }
        } else if (a.compare(0, n.size() + 1, n + "=") == 0) {
          which = k;
          value = a.substr(n.size() + 1);
          hasValue = true;
        }
      }
      if (which < 0) {
        rest.push_back(argv[i]);
        continue;
      }
      if (!hasValue || value.empty()) {
        std::fprintf(stderr, "tern-bench: error: %s needs a value\n", names[which]);
        return 1;
      }
      if (which == 0) {
        modelExe = value;
        continue;
      }
      if (which == 4) {
        gpuBenchOut = value;
        continue;
      }
      if (which == 6 || which == 7) { // --shapes NxK,... / --head-shape NxK
        std::vector<std::pair<int64_t, int64_t>> v;
        if (!parseShapes(value, &v) || (which == 7 && v.size() != 1)) {
          std::fprintf(stderr,
                       "tern-bench: error: %s expects %s (N a multiple of 64, K of 16), got '%s'\n",
                       names[which], which == 6 ? "NxK[,NxK...]" : "one NxK", value.c_str());
          return 1;
        }
        if (which == 6)
          gShapes = v;
        else
          gHeadShape = v[0];
        continue;
      }
      if (which == 5) { // --tiles MxN: the prefill register tile
        long m = 0, n = 0;
        char x = 0, extra = 0;
        if (std::sscanf(value.c_str(), "%ld%c%ld%c", &m, &x, &n, &extra) != 3 || x != 'x' ||
            m < 1 || m > 64 || n < 1 || n > 16) {
          std::fprintf(stderr,
                       "tern-bench: error: --tiles expects MxN (tokens 1-64 x rows 1-16), got '%s'\n",
                       value.c_str());
          return 1;
        }
        gTileM = m;
        gTileN = n;
        continue;
      }
      if (which == 3) {
        plotFile = value;
        if (!tern::bench::rooflinePlotAvailable()) {
          std::string err;
          tern::bench::writeRooflinePng(value, {}, {}, &err);
          std::fprintf(stderr, "tern-bench: error: %s\n", err.c_str());
          return 1;
        }
        continue;
      }
      char *end = nullptr;
      long v = std::strtol(value.c_str(), &end, 10);
      if (*end || v < 1 || v > 1000000) {
        std::fprintf(stderr,
                     "tern-bench: error: %s expects a positive integer, got '%s'\n",
                     names[which], value.c_str());
        return 1;
      }
      (which == 1 ? e2eTokens : e2eDecode) = int(v);
    }
    for (size_t i = 0; i < rest.size(); ++i)
      argv[i] = rest[i];
    argc = int(rest.size());
  }
  if (!gpuBenchOut.empty()) {
    // --gpu-bench-out=DIR: only write the gpu/ kernels' PTX for
    // tern-gpu-check (test/gpu/bundle.sh), no GPU needed.
    int count = 0;
    std::string err;
    if (!tern::bench::writeGpuBenchFiles(gpuBenchOut, &count, &err)) {
      std::fprintf(stderr, "tern-bench: error: %s\n", err.c_str());
      return 1;
    }
    std::fprintf(stderr, "tern-bench: wrote %d GPU bench kernels to %s\n", count,
                 gpuBenchOut.c_str());
    return 0;
  }
  if (!modelExe.empty()) {
    std::string err;
    if (!tools::readModelExe(modelExe, &e2eModel(), &err)) {
      std::fprintf(stderr, "tern-bench: error: %s\n", err.c_str());
      return 1;
    }
  }
  if (!modelExe.empty() && e2eModel().maxContext > 0) {
    // Keep the runs inside the model's context.
    const E2EModel &m = e2eModel();
    e2eTokens = std::min(e2eTokens, int(m.maxContext));
    e2eDecode = std::max(1, std::min(e2eDecode, int(m.maxContext) - 3));
  }

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
  if (modelExe.empty()) {
    for (int t : threadCounts)
      readBandwidth()[t] = measureRead(t);
  } else {
    std::vector<int> ts(std::begin(threadCounts), std::end(threadCounts));
    std::vector<double> bw = measureReadIsolated(ts);
    for (size_t i = 0; i < ts.size(); ++i)
      readBandwidth()[ts[i]] = bw[i];
  }
  for (int t : threadCounts)
    benchmark::AddCustomContext("read_GB/s_threads:" + std::to_string(t),
                                std::to_string(readBandwidth()[t]));
  // GPU benchmarks (gpu/...) when a CUDA GPU is present.
  if (modelExe.empty())
    benchmark::AddCustomContext("gpu", tern::bench::registerGpuBenchmarks());

  // The e2e benchmarks run first (registration order), before the other
  // benchmarks grow this process: see measureReadIsolated.
  if (!modelExe.empty())
    for (int t : threadCounts) {
      std::string ts = "/threads:" + std::to_string(t);
      benchmark::RegisterBenchmark(("e2e/decode" + ts).c_str(), BM_E2E, true,
                                   e2eTokens, e2eDecode, t)
          ->Iterations(1)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(
          ("e2e/prefill" + std::to_string(e2eTokens) + ts).c_str(), BM_E2E,
          false, e2eTokens, e2eDecode, t)
          ->Iterations(1)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
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

  const std::vector<std::pair<int64_t, int64_t>> &shapes = gShapes;
  for (const IsaInfo &isa : hostIsas())
    for (int t : threadCounts)
      benchmark::RegisterBenchmark(
          ("peak/int8/" + std::string(isa.name) + "/threads:" + std::to_string(t)).c_str(),
          BM_Int8Peak, isa, t)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
  const bool amx = hostHas("amx-int8") && hostHas("amx-tile") && rt::requestAmxPermission().empty();
  if (amx)
    for (int t : threadCounts)
      benchmark::RegisterBenchmark(("peak/int8/x86-amx/threads:" + std::to_string(t)).c_str(),
                                   BM_AmxPeak, t)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
  for (const IsaInfo &isa : hostIsas())
    for (const char *kind : {"bf16", "f16", "int8"})
      for (int t : threadCounts) {
        const bool int8 = std::string(kind) == "int8";
        if (!int8 && isa.isa != hostIsas()[0].isa)
          continue; // the float head does not depend on the dot-product ISA
        std::string name = std::string("head-") + (int8 ? "int8/" + std::string(isa.name) : kind) +
                           "/" + std::to_string(gHeadShape.first) + "x" +
                           std::to_string(gHeadShape.second) + "/threads:" + std::to_string(t);
        const FloatType elem = std::string(kind) == "f16" ? FloatType::F16 : FloatType::BF16;
        benchmark::RegisterBenchmark(name.c_str(), BM_Head, isa, int8, elem, t)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }

  // i2 is tern-compile's default layout; the lookup-table ones are named
  // in the benchmark (gemv-tl2/...), GB/s counts their actual bytes.
  std::vector<LayoutInfo> layouts = {{"i2", 0}, {"tl2", 3}, {"tl1", 2}, {"i2lane", 0, true}};
  if (hostHas("gfni"))
    layouts.push_back({"i2lane-gfni", 0, true, true});
  if (amx)
    layouts.push_back({"i2lane-amx", 0, true, hostHas("gfni"), true});
  for (const LayoutInfo &lay : layouts)
    for (const IsaInfo &isa : hostIsas())
      for (auto [N, K] : shapes)
        for (int64_t batch : {int64_t(1), int64_t(128)})
          for (int t : threadCounts) {
            // AMX: 16-row groups (AVX-512), whole 64-byte K tiles, prefill.
            if (lay.amx && (isa.isa != DotIsa::Avx512Vnni || K % 64 != 0 || batch == 1))
              continue;
            // The AMX GEMM is i2lane as tern-compile --target=x86-amx builds it.
            std::string suffix =
                lay.amx ? "-i2lane" : lay.lut || lay.lanes ? std::string("-") + lay.name : "";
            std::string name = std::string(batch == 1 ? "gemv" : "gemm128") +
                               suffix + "/" + (lay.amx ? "x86-amx" : isa.name) + "/" + std::to_string(N) +
                               "x" + std::to_string(K) +
                               "/threads:" + std::to_string(t);
            benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, isa, lay, N,
                                         K, batch, t)
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
          }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!plotFile.empty()) {
    std::vector<tern::bench::Roof> roofs;
    for (int t : threadCounts)
      roofs.push_back({t, readBandwidth()[t], int8Peak().count(t) ? int8Peak()[t] : 0.0});
    std::string err;
    std::vector<tern::bench::RoofPoint> points;
    for (const auto &[name, point] : roofPoints())
      points.push_back(point);
    if (!tern::bench::writeRooflinePng(plotFile, roofs, points, &err)) {
      std::fprintf(stderr, "tern-bench: error: %s\n", err.c_str());
      kernelCache().clear();
      return 1;
    }
    std::fprintf(stderr, "tern-bench: wrote the roofline of %zu kernel runs to %s\n",
                 roofPoints().size(), plotFile.c_str());
  }
  kernelCache().clear();
  return e2eFailed() ? 1 : 0;
}
