//===- GpuCase.cpp - one GPU kernel check as data, run without MLIR -------===//
#include "test/gpu/GpuCase.h"

#include "runtime/cuda/CudaModule.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

namespace tern::gpucheck {
namespace {

constexpr char kMagic[8] = {'T', 'E', 'R', 'N', 'G', 'P', 'C', '1'};
constexpr uint64_t kMaxBytes = uint64_t(1) << 31; // per buffer or module

class Writer {
public:
  void raw(const void *p, size_t n) {
    const char *c = static_cast<const char *>(p);
    out.insert(out.end(), c, c + n);
  }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void str(const std::string &s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void bytes(const std::vector<uint8_t> &b) {
    u64(b.size());
    raw(b.data(), b.size());
  }
  std::vector<char> out;
};

class Reader {
public:
  Reader(const std::vector<char> &d, const std::string &file) : data(d), file(file) {}
  bool raw(void *p, size_t n, const char *what) {
    if (n > data.size() - at)
      return fail(std::string("truncated in ") + what);
    std::memcpy(p, data.data() + at, n);
    at += n;
    return true;
  }
  bool u32(uint32_t *v, const char *what) { return raw(v, 4, what); }
  bool i64(int64_t *v, const char *what) { return raw(v, 8, what); }
  bool f32(float *v, const char *what) { return raw(v, 4, what); }
  bool size(uint64_t *n, const char *what) {
    if (!raw(n, 8, what))
      return false;
    if (*n > kMaxBytes || *n > data.size() - at)
      return fail(std::string(what) + " of " + std::to_string(*n) +
                  " bytes runs past the end of the file");
    return true;
  }
  bool str(std::string *s, const char *what) {
    uint64_t n;
    if (!size(&n, what))
      return false;
    s->assign(data.data() + at, n);
    at += n;
    return true;
  }
  bool bytes(std::vector<uint8_t> *b, const char *what) {
    uint64_t n;
    if (!size(&n, what))
      return false;
    b->assign(data.begin() + at, data.begin() + at + n);
    at += n;
    return true;
  }
  bool fail(const std::string &why) {
    err = file + ": " + why;
    return false;
  }
  bool atEnd() const { return at == data.size(); }
  std::string err;

private:
  const std::vector<char> &data;
  std::string file;
  size_t at = 0;
};

size_t elemBytes(Elem e) { return e == Elem::kF32 || e == Elem::kI32 ? 4 : 1; }

std::string valueAt(const std::vector<uint8_t> &b, Elem e, size_t i) {
  char buf[64];
  switch (e) {
  case Elem::kF32: {
    float f;
    std::memcpy(&f, &b[i * 4], 4);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", double(f), u);
    break;
  }
  case Elem::kI32: {
    int32_t v;
    std::memcpy(&v, &b[i * 4], 4);
    std::snprintf(buf, sizeof buf, "%d", v);
    break;
  }
  case Elem::kI8:
    std::snprintf(buf, sizeof buf, "%d", int(int8_t(b[i])));
    break;
  case Elem::kU8:
    std::snprintf(buf, sizeof buf, "%u", unsigned(b[i]));
    break;
  }
  return buf;
}

float f32At(const std::vector<uint8_t> &b, size_t i) {
  float f;
  std::memcpy(&f, &b[i * 4], 4);
  return f;
}

} // namespace

std::string compareBuffer(const CaseBuffer &b, const std::vector<uint8_t> &got) {
  if (b.compare != Compare::kNone && got.size() != b.want.size())
    return b.name + ": " + std::to_string(got.size()) + " bytes, want " +
           std::to_string(b.want.size());
  const size_t n = got.size() / elemBytes(b.elem);
  auto where = [&](size_t i) {
    std::ostringstream s;
    s << b.name << "[" << i / b.row << "][" << i % b.row << "]: got " << valueAt(got, b.elem, i)
      << ", want " << valueAt(b.want, b.elem, i);
    return s.str();
  };
  switch (b.compare) {
  case Compare::kNone:
    return "";
  case Compare::kExact:
    for (size_t i = 0; i < n; ++i)
      if (std::memcmp(&got[i * elemBytes(b.elem)], &b.want[i * elemBytes(b.elem)],
                      elemBytes(b.elem)) != 0)
        return where(i) + " (compared bit for bit)";
    return "";
  case Compare::kAbs:
  case Compare::kRel:
    for (size_t i = 0; i < n; ++i) {
      const float g = f32At(got, i), w = f32At(b.want, i);
      const float bound = b.compare == Compare::kAbs ? b.tol : b.tol * std::fabs(w);
      // NaN or Inf on either side fails: !(x <= bound) is true for NaN.
      if (!std::isfinite(g) || !std::isfinite(w) || !(std::fabs(g - w) <= bound))
        return where(i) + (b.compare == Compare::kAbs ? " (tolerance " : " (relative tolerance ") +
               std::to_string(b.tol) + ")";
    }
    return "";
  case Compare::kRowOff:
    for (size_t r = 0; r * b.row < n; ++r) {
      size_t off = 0, first = 0;
      for (size_t i = r * b.row; i < std::min(n, (r + 1) * b.row); ++i)
        if (got[i] != b.want[i] && off++ == 0)
          first = i;
      if (off > size_t(b.tol))
        return where(first) + " (" + std::to_string(off) + " elements of row " +
               std::to_string(r) + " differ, at most " + std::to_string(int(b.tol)) +
               " may)";
    }
    return "";
  }
  return "unknown comparison";
}

bool writeCase(const GpuCase &c, const std::string &path, std::string *err) {
  Writer w;
  w.raw(kMagic, 8);
  w.str(c.name);
  w.u32(uint32_t(c.minSm));
  w.u32(uint32_t(c.onlySm));
  w.u32(uint32_t(c.ptx.size()));
  for (const std::string &p : c.ptx)
    w.str(p);
  w.u32(uint32_t(c.buffers.size()));
  for (const CaseBuffer &b : c.buffers) {
    w.str(b.name);
    w.u32(uint32_t(b.elem));
    w.u32(b.row);
    w.bytes(b.init);
    w.u32(uint32_t(b.compare));
    w.f32(b.tol);
    w.bytes(b.want);
  }
  w.u32(uint32_t(c.launches.size()));
  for (const CaseLaunch &l : c.launches) {
    w.u32(l.module);
    w.str(l.kernel);
    w.u32(l.blocks);
    w.u32(l.threads);
    w.u32(uint32_t(l.args.size()));
    for (uint32_t a : l.args)
      w.u32(a);
    for (int64_t v : l.ints)
      w.i64(v);
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!f || std::fwrite(w.out.data(), 1, w.out.size(), f.get()) != w.out.size()) {
    *err = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool readCase(const std::string &path, GpuCase *c, std::string *err) {
  std::vector<char> data;
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> f(std::fopen(path.c_str(), "rb"),
                                                         std::fclose);
    if (!f) {
      *err = path + ": cannot open: " + std::strerror(errno);
      return false;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
      data.insert(data.end(), buf, buf + n);
  }
  Reader r(data, path);
  auto done = [&](bool ok) {
    if (!ok)
      *err = r.err;
    return ok;
  };
  char magic[8];
  if (!r.raw(magic, 8, "the magic") || std::memcmp(magic, kMagic, 8) != 0)
    return done(r.fail("not a tern GPU case file (no TERNGPC1 magic)"));
  uint32_t minSm, onlySm, n;
  if (!r.str(&c->name, "the name") || !r.u32(&minSm, "the architecture") ||
      !r.u32(&onlySm, "the architecture") || !r.u32(&n, "the module count"))
    return done(false);
  c->minSm = int(minSm);
  c->onlySm = int(onlySm);
  if (n == 0 || n > 64)
    return done(r.fail("module count " + std::to_string(n) + " is not 1..64"));
  c->ptx.resize(n);
  for (std::string &p : c->ptx)
    if (!r.str(&p, "a PTX module"))
      return done(false);
  if (!r.u32(&n, "the buffer count"))
    return done(false);
  if (n > 256)
    return done(r.fail("buffer count " + std::to_string(n) + " is over 256"));
  c->buffers.resize(n);
  for (CaseBuffer &b : c->buffers) {
    uint32_t elem, cmp;
    if (!r.str(&b.name, "a buffer name") || !r.u32(&elem, "a buffer type") ||
        !r.u32(&b.row, "a buffer row") || !r.bytes(&b.init, "a buffer's input") ||
        !r.u32(&cmp, "a comparison") || !r.f32(&b.tol, "a tolerance") ||
        !r.bytes(&b.want, "a buffer's expected contents"))
      return done(false);
    if (elem > uint32_t(Elem::kU8) || cmp > uint32_t(Compare::kRowOff) || b.row == 0)
      return done(r.fail("buffer " + b.name + ": bad type, comparison or row length"));
    b.elem = Elem(elem);
    b.compare = Compare(cmp);
    if (b.init.size() % elemBytes(b.elem) != 0 ||
        (b.compare != Compare::kNone && b.want.size() != b.init.size()) ||
        ((b.compare == Compare::kAbs || b.compare == Compare::kRel) && b.elem != Elem::kF32) ||
        (b.compare == Compare::kRowOff && b.elem != Elem::kI8))
      return done(r.fail("buffer " + b.name + ": sizes or types do not fit its comparison"));
  }
  if (!r.u32(&n, "the launch count"))
    return done(false);
  if (n == 0 || n > 1024)
    return done(r.fail("launch count " + std::to_string(n) + " is not 1..1024"));
  c->launches.resize(n);
  for (CaseLaunch &l : c->launches) {
    uint32_t nargs;
    if (!r.u32(&l.module, "a launch") || !r.str(&l.kernel, "a kernel name") ||
        !r.u32(&l.blocks, "a launch") || !r.u32(&l.threads, "a launch") ||
        !r.u32(&nargs, "a launch"))
      return done(false);
    if (l.module >= c->ptx.size() || nargs > 64 || l.threads == 0 || l.threads > 1024 ||
        l.blocks == 0)
      return done(r.fail("launch of " + l.kernel + ": bad module, argument count or grid"));
    l.args.resize(nargs);
    for (uint32_t &a : l.args) {
      if (!r.u32(&a, "a launch argument"))
        return done(false);
      if (a >= c->buffers.size())
        return done(r.fail("launch of " + l.kernel + ": argument " + std::to_string(a) +
                           " names no buffer"));
    }
    for (int64_t &v : l.ints)
      if (!r.i64(&v, "a launch"))
        return done(false);
  }
  if (!r.atEnd())
    return done(r.fail("bytes after the last launch"));
  return true;
}

CaseResult runCase(const GpuCase &c) {
  using namespace tern::rt::cuda;
  const GpuProbe &gpu = probeGpu();
  if (gpu.state == GpuState::kAbsent)
    return {Outcome::kSkip, "no CUDA GPU, GPU kernel not run: " + gpu.why};
  if (gpu.state == GpuState::kBroken)
    return {Outcome::kFail, "the GPU does not work: " + gpu.why};
  if (c.onlySm && gpu.sm != c.onlySm)
    return {Outcome::kSkip, "sm_" + std::to_string(c.onlySm) + "a code runs on sm_" +
                                std::to_string(c.onlySm) + " GPUs only; this one is sm_" +
                                std::to_string(gpu.sm)};
  if (gpu.sm < c.minSm)
    return {Outcome::kSkip, "the kernel needs sm_" + std::to_string(c.minSm) +
                                "; this GPU is sm_" + std::to_string(gpu.sm)};
  const Driver &d = *gpu.d;
  std::vector<std::unique_ptr<CudaModule>> mods;
  std::string err;
  for (size_t i = 0; i < c.ptx.size(); ++i) {
    mods.push_back(std::make_unique<CudaModule>());
    if (!mods.back()->load(c.ptx[i], &err))
      return {Outcome::kFail, "PTX module " + std::to_string(i) + ": " + err};
  }
  std::vector<CUdeviceptr> dev;
  for (const CaseBuffer &b : c.buffers) {
    CUdeviceptr p = mods[0]->alloc(b.init.size(), b.init.data());
    if (!p)
      return {Outcome::kFail, "cannot allocate or fill buffer " + b.name + " (" +
                                  std::to_string(b.init.size()) + " bytes)"};
    dev.push_back(p);
  }
  for (const CaseLaunch &l : c.launches) {
    CUfunction fn = mods[l.module]->function(l.kernel);
    if (!fn)
      return {Outcome::kFail, "PTX module " + std::to_string(l.module) + " has no entry " +
                                  l.kernel};
    std::vector<CUdeviceptr> args;
    for (uint32_t a : l.args)
      args.push_back(dev[a]);
    if (!mods[l.module]->launch(fn, l.blocks, l.threads, args, l.ints, &err))
      return {Outcome::kFail, l.kernel + ": " + err};
    CUresult r = d.streamSynchronize(nullptr);
    if (r != kSuccess)
      return {Outcome::kFail, l.kernel + ": " + d.describe("cuStreamSynchronize", r)};
  }
  for (size_t i = 0; i < c.buffers.size(); ++i) {
    const CaseBuffer &b = c.buffers[i];
    if (b.compare == Compare::kNone)
      continue;
    std::vector<uint8_t> got(b.init.size());
    CUresult r = d.memcpyDtoHAsync(got.data(), dev[i], got.size(), nullptr);
    if (r == kSuccess)
      r = d.streamSynchronize(nullptr);
    if (r != kSuccess)
      return {Outcome::kFail, "reading back " + b.name + ": " + d.describe("cuMemcpyDtoH", r)};
    std::string miss = compareBuffer(b, got);
    if (!miss.empty())
      return {Outcome::kFail, miss};
  }
  return {Outcome::kPass, ""};
}

} // namespace tern::gpucheck
