//===- GpuBenchmark.cpp - GPU timings shared by tern-bench and tern-gpu-check -===//
#include "runtime/cuda/GpuBenchmark.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <random>
#include <sstream>

namespace tern::rt::cuda {
namespace {

constexpr size_t kRotateBytes = size_t(512) << 20; // > any GPU's L2

/// Seconds per call of `body` (which enqueues one), `reps` calls between two
/// events; negative on failure.
double timeEvents(const Driver &d, const std::function<bool()> &body, int reps,
                  std::string *err) {
  CUevent a = nullptr, b = nullptr;
  CUresult r = d.eventCreate(&a, 0);
  if (r == kSuccess)
    r = d.eventCreate(&b, 0);
  if (r != kSuccess) {
    *err = d.describe("cuEventCreate", r);
    return -1;
  }
  d.eventRecord(a, nullptr);
  bool ok = true;
  for (int i = 0; i < reps && ok; ++i)
    ok = body();
  d.eventRecord(b, nullptr);
  r = d.eventSynchronize(b);
  float ms = 0;
  if (r == kSuccess)
    r = d.eventElapsedTime(&ms, a, b);
  d.eventDestroy(a);
  d.eventDestroy(b);
  if (r != kSuccess) {
    *err = d.describe("cuEventSynchronize/ElapsedTime", r);
    return -1;
  }
  return ok ? ms * 1e-3 / reps : -1;
}

/// cuBLAS, loaded at run time.
struct Cublas {
  void *handle = nullptr;
  int (*create)(void **) = nullptr;
  int (*gemmEx)(void *, int, int, int, int, int, const void *, const void *, int, int,
                const void *, int, int, const void *, void *, int, int, int, int) = nullptr;
  std::string why;
  bool ok = false;
  Cublas() {
    void *lib = nullptr;
    for (const char *n : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
      if ((lib = ::dlopen(n, RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!lib) {
      why = "no libcublas.so (libcublas.so.13/.12 not found)";
      return;
    }
    create = reinterpret_cast<decltype(create)>(::dlsym(lib, "cublasCreate_v2"));
    gemmEx = reinterpret_cast<decltype(gemmEx)>(::dlsym(lib, "cublasGemmEx"));
    int r = create && gemmEx ? create(&handle) : -1;
    if (r != 0) {
      why = "libcublas: cublasCreate_v2/cublasGemmEx missing or failed (" + std::to_string(r) +
            ")";
      return;
    }
    ok = true;
  }
};
Cublas &cublas() {
  static Cublas c;
  return c;
}

} // namespace

bool writeBench(const TernaryBench &b, const std::string &path, std::string *err) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    *err = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  std::fprintf(f, "TERNGPB1 %s %s %lld %lld %lld %lld %lld %lld %s %d\n", b.label.c_str(),
               b.kernel.c_str(), (long long)b.N, (long long)b.K, (long long)b.T,
               (long long)b.items, (long long)b.threads, (long long)b.unroll,
               b.mma.empty() ? "-" : b.mma.c_str(), b.onlySm);
  bool ok = std::fwrite(b.ptx.data(), 1, b.ptx.size(), f) == b.ptx.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    *err = path + ": cannot write: " + std::strerror(errno);
  return ok;
}

bool readBench(const std::string &path, TernaryBench *b, std::string *err) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *err = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    data.append(buf, n);
  std::fclose(f);
  const size_t eol = data.find('\n');
  std::istringstream head(data.substr(0, eol == std::string::npos ? 0 : eol));
  std::string magic;
  head >> magic >> b->label >> b->kernel >> b->N >> b->K >> b->T >> b->items >> b->threads >>
      b->unroll >> b->mma >> b->onlySm;
  if (magic != "TERNGPB1" || !head || b->N <= 0 || b->K <= 0 || b->K % 4 || b->T <= 0 ||
      b->T > 65536 || b->items <= 0 || b->threads <= 0 || b->threads > 1024 ||
      b->N * b->K > (int64_t(1) << 32)) {
    *err = path + ": not a tern GPU bench file (its first line must be TERNGPB1 label kernel "
                  "N K T items threads unroll mma sm, with sizes in range)";
    return false;
  }
  if (b->mma == "-")
    b->mma.clear();
  b->ptx = data.substr(eol + 1);
  return true;
}

double timeCopy(size_t bytes, int samples, std::string *err) {
  const Driver *d = currentGpu(err);
  if (!d)
    return -1;
  CudaModule m;
  m.d = d;
  CUdeviceptr src = m.alloc(bytes), dst = m.alloc(bytes);
  if (!src || !dst) {
    *err = "cannot allocate 2 x " + std::to_string(bytes >> 20) + " MiB on the GPU";
    return -1;
  }
  std::vector<double> t;
  for (int i = 0; i < samples + 1; ++i) { // the first is a warm-up
    double s = timeEvents(
        *d, [&] { return d->memcpyDtoDAsync(dst, src, bytes, nullptr) == kSuccess; }, 5, err);
    if (s < 0)
      return -1;
    if (i)
      t.push_back(s);
  }
  return spreadOf(t).median;
}

bool TernaryBenchRun::setup(const TernaryBench &bench, std::string *err) {
  b = bench;
  m = std::make_unique<CudaModule>();
  if (!m->load(b.ptx, err))
    return false;
  fn = m->function(b.kernel);
  if (!fn) {
    *err = "the PTX has no entry " + b.kernel;
    return false;
  }
  wBytes = size_t(b.N * b.K / 4);
  const size_t copies = std::max<size_t>(1, kRotateBytes / wBytes);
  std::vector<uint8_t> w(wBytes);
  std::mt19937 rng(1);
  for (auto &v : w)
    v = uint8_t(rng()) & 0xAA; // codes 0 and 2: weights -1 and +1
  std::vector<int8_t> q(size_t(b.T * b.K), 3);
  std::vector<float> s(size_t(b.T), 1.0f), rs(size_t(b.N), 0.5f);
  bufs = {m->alloc(q.size(), q.data()), m->alloc(s.size() * 4, s.data()), 0,
          m->alloc(rs.size() * 4, rs.data()), m->alloc(size_t(b.T * b.N * 4))};
  for (size_t c = 0; c < copies; ++c)
    weights.push_back(m->alloc(wBytes, w.data()));
  for (size_t i : {0, 1, 3, 4})
    if (!bufs[i]) {
      *err = "cannot set up the GPU buffers";
      return false;
    }
  if (!weights.back()) {
    *err = "cannot allocate " + std::to_string(copies) + " weight copies";
    return false;
  }
  return true;
}

double TernaryBenchRun::time(int reps, std::string *err) {
  const int64_t ints[5] = {0, b.T, 0, 0, b.N};
  const unsigned blocks = unsigned((b.N + b.items - 1) / b.items);
  return timeEvents(
      *m->d,
      [&] {
        bufs[2] = weights[next];
        next = (next + 1) % weights.size();
        return m->launch(fn, blocks, unsigned(b.threads), bufs, ints, err);
      },
      reps, err);
}

bool CublasBf16Gemv::setup(int64_t n, int64_t k, std::string *err) {
  if (!cublas().ok) {
    *err = cublas().why;
    return false;
  }
  N = n;
  K = k;
  m = std::make_unique<CudaModule>();
  m->d = currentGpu(err);
  if (!m->d)
    return false;
  wBytes = size_t(N * K * 2);
  const size_t copies = std::max<size_t>(1, kRotateBytes / wBytes);
  std::vector<uint16_t> w(size_t(N * K), 0x3c00), xs(size_t(K), 0x3f80); // small bf16 values
  for (size_t c = 0; c < copies; ++c)
    weights.push_back(m->alloc(wBytes, w.data()));
  x = m->alloc(size_t(K * 2), xs.data());
  y = m->alloc(size_t(N * 4));
  if (!x || !y || !weights.back()) {
    *err = "cannot set up the cuBLAS buffers";
    return false;
  }
  return true;
}

double CublasBf16Gemv::time(int reps, std::string *err) {
  const float alpha = 1.0f, beta = 0.0f;
  constexpr int kOpT = 1, kOpN = 0, kBf16 = 14, kF32 = 0, kCompute32F = 68, kAlgoDefault = -1;
  Cublas &cb = cublas();
  return timeEvents(
      *m->d,
      [&] {
        int r = cb.gemmEx(cb.handle, kOpT, kOpN, int(N), 1, int(K), &alpha,
                          reinterpret_cast<void *>(weights[next]), kBf16, int(K),
                          reinterpret_cast<void *>(x), kBf16, int(K), &beta,
                          reinterpret_cast<void *>(y), kF32, int(N), kCompute32F, kAlgoDefault);
        next = (next + 1) % weights.size();
        if (r != 0)
          *err = "cublasGemmEx failed: status " + std::to_string(r);
        return r == 0;
      },
      reps, err);
}


} // namespace tern::rt::cuda
