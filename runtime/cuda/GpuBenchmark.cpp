//===- GpuBenchmark.cpp - GPU timings shared by tern-bench and tern-gpu-check -===//
#include "runtime/cuda/GpuBenchmark.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

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
  std::fprintf(f, "TERNGPB2 %s %s %lld %lld %lld %lld %lld %lld %s %d %lld %lld\n",
               b.label.c_str(), b.kernel.c_str(), (long long)b.N, (long long)b.K,
               (long long)b.T, (long long)b.items, (long long)b.threads, (long long)b.unroll,
               b.mma.empty() ? "-" : b.mma.c_str(), b.onlySm, (long long)b.block,
               (long long)b.interleave);
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
      b->unroll >> b->mma >> b->onlySm >> b->block >> b->interleave;
  if (magic != "TERNGPB2" || !head || b->N <= 0 || b->K <= 0 || b->K % 4 || b->T <= 0 ||
      b->T > 65536 || b->items <= 0 || b->threads <= 0 || b->threads > 1024 ||
      b->N * b->K > (int64_t(1) << 32) || b->block <= 0 || b->block > 256 ||
      b->interleave <= 0 || b->interleave > 64 || b->K % (4 * b->block) ||
      b->N % b->interleave) {
    *err = path + ": not a tern GPU bench file (its first line must be TERNGPB2 label kernel "
                  "N K T items threads unroll mma sm block interleave, with sizes in range)";
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
  // Random codes 0, 1, 2 (weights -1, 0, +1; never the unused 3), int8
  // activations, scales: check() recomputes the output from them.
  std::mt19937 rng(1);
  hostW.resize(wBytes);
  for (auto &v : hostW) {
    uint8_t byte = 0;
    for (int i = 0; i < 4; ++i)
      byte = uint8_t(byte | (rng() % 3) << (2 * i));
    v = byte;
  }
  hostQ.resize(size_t(b.T * b.K));
  for (auto &v : hostQ)
    v = int8_t(int(rng() % 255) - 127);
  hostS.resize(size_t(b.T));
  for (auto &v : hostS)
    v = 0.5f + float(rng() % 1000) / 500.0f;
  hostRs.resize(size_t(b.N));
  for (auto &v : hostRs)
    v = 0.01f + float(rng() % 1000) / 10000.0f;
  bufs = {m->alloc(hostQ.size(), hostQ.data()), m->alloc(hostS.size() * 4, hostS.data()), 0,
          m->alloc(hostRs.size() * 4, hostRs.data()), m->alloc(size_t(b.T * b.N * 4))};
  for (size_t c = 0; c < copies; ++c)
    weights.push_back(m->alloc(wBytes, hostW.data()));
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

void ternaryBenchReference(const TernaryBench &b, const uint8_t *W, const int8_t *q,
                           const float *s, const float *rowScale, float *y) {
  // The weight of row n, column k in the interleaved layout (Kernels.h):
  // row n's step s (B bytes of 4B weights) starts at byte
  // (n / R) * R*K/4 + s * R*B + (n % R) * B; weight k is in byte
  // (k / 4B) * B + k % B of the row at bits 2 * ((k / B) % 4).
  const int64_t B = b.block, R = b.interleave;
  auto rows = [&](int64_t n0, int64_t n1) {
    std::vector<int32_t> w(size_t(b.K));
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t k = 0; k < b.K; ++k) {
        const int64_t step = k / (4 * B), inStep = k % B, slot = (k / B) % 4;
        const size_t at = size_t((n / R) * R * b.K / 4 + step * R * B + (n % R) * B + inStep);
        w[size_t(k)] = int32_t((W[at] >> (2 * slot)) & 3) - 1;
      }
      for (int64_t t = 0; t < b.T; ++t) {
        int32_t acc = 0;
        const int8_t *qt = q + t * b.K;
        for (int64_t k = 0; k < b.K; ++k)
          acc += int32_t(qt[k]) * w[size_t(k)];
        y[size_t(t * b.N + n)] = float(acc) / s[size_t(t)] * rowScale[size_t(n)];
      }
    }
  };
  // Over all cores: a 128-token prefill of 13824 x 2560 is 4.5 G products.
  const int64_t parts =
      std::max<int64_t>(1, std::min<int64_t>(std::thread::hardware_concurrency(), b.N / 8));
  std::vector<std::thread> pool;
  for (int64_t i = 1; i < parts; ++i)
    pool.emplace_back(rows, b.N * i / parts, b.N * (i + 1) / parts);
  rows(0, b.N / parts);
  for (std::thread &t : pool)
    t.join();
}

bool TernaryBenchRun::check(std::string *err) {
  const size_t outBytes = size_t(b.T * b.N * 4);
  std::vector<uint8_t> poison(outBytes, 0xFF); // NaN in every float
  const Driver &d = *m->d;
  CUresult r = d.memcpyHtoD(bufs[4], poison.data(), outBytes);
  if (r != kSuccess) {
    *err = d.describe("cuMemcpyHtoD", r);
    return false;
  }
  const int64_t ints[5] = {0, b.T, 0, 0, b.N};
  const unsigned blocks = unsigned((b.N + b.items - 1) / b.items);
  bufs[2] = weights[0];
  std::vector<float> y(size_t(b.T * b.N));
  if (!m->launch(fn, blocks, unsigned(b.threads), bufs, ints, err))
    return false;
  r = d.memcpyDtoHAsync(y.data(), bufs[4], outBytes, nullptr);
  if (r == kSuccess)
    r = d.streamSynchronize(nullptr);
  if (r != kSuccess) {
    *err = "reading back the output: " + d.describe("cuMemcpyDtoH", r);
    return false;
  }
  // The expected output, computed once per shape and layout (setup()'s
  // inputs depend on nothing else).
  static std::map<std::vector<int64_t>, std::vector<float>> cache;
  std::vector<float> &want = cache[{b.N, b.K, b.T, b.block, b.interleave}];
  if (want.empty()) {
    want.resize(size_t(b.T * b.N));
    ternaryBenchReference(b, hostW.data(), hostQ.data(), hostS.data(), hostRs.data(),
                          want.data());
  }
  for (int64_t t = 0; t < b.T; ++t)
    for (int64_t n = 0; n < b.N; ++n) {
      const float e = want[size_t(t * b.N + n)], got = y[size_t(t * b.N + n)];
      if (std::memcmp(&e, &got, 4) != 0) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "token %lld row %lld: got %.9g, the scalar formula gives %.9g",
                      (long long)t, (long long)n, double(got), double(e));
        *err = buf;
        return false;
      }
    }
  return true;
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
