//===- gguf_fuzz.cpp - libFuzzer target for the GGUF reader and codecs ----===//
//
// Parses the input as a GGUF file. On success: every getter runs on every
// key (must not crash, whatever the type), every float/ternary tensor of
// sane size is decoded, and every decoded ternary tensor is re-encoded and
// decoded again: the values and the scale must come back identical. The
// parsed file is also written back out and re-parsed: same keys, tensors
// and tensor bytes.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace tern::gguf;

namespace {

constexpr uint64_t kMaxElements = 1 << 20;

#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "gguf_fuzz.cpp:%d: check failed: %s\n", __LINE__,  \
                   #cond);                                                     \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

void touchMetadata(const GgufFile &f) {
  for (const auto &kv : f.metadata()) {
    const std::string &k = kv.first;
    std::string err, s;
    uint64_t u;
    uint32_t u32;
    int64_t i;
    float fl;
    double d;
    bool b;
    std::vector<std::string> ss;
    std::vector<int64_t> is;
    std::vector<float> fs;
    f.getU64(k, &u, &err);
    f.getU32(k, &u32, &err);
    f.getI64(k, &i, &err);
    f.getF32(k, &fl, &err);
    f.getF64(k, &d, &err);
    f.getBool(k, &b, &err);
    f.getString(k, &s, &err);
    f.getStringArray(k, &ss, &err);
    f.getI64Array(k, &is, &err);
    f.getF32Array(k, &fs, &err);
    check(f.find(k) == &kv.second);
  }
}

void decodeTensors(const GgufFile &f) {
  uint64_t budget = 4 * kMaxElements;
  for (const TensorInfo &t : f.tensors()) {
    check(f.tensor(t.name) == &t);
    check(t.file_offset + t.bytes <= f.size());
    if (t.nelements > kMaxElements || t.nelements > budget)
      continue;
    budget -= t.nelements;
    std::string err;
    if (isFloatType(t.type)) {
      std::vector<float> v;
      check(f.readFloats(t, &v, &err));
      std::vector<uint8_t> enc;
      check(encodeFloats(t.type, v.data(), v.size(), &enc, &err));
      check(enc.size() == t.bytes);
      if (t.type == GGML_TYPE_F32 && !enc.empty())
        check(std::memcmp(enc.data(), t.data, enc.size()) == 0);
      continue;
    }
    if (!isTernaryType(t.type))
      continue;
    std::vector<int8_t> w;
    float scale = -1;
    if (!f.readTernary(t, &w, &scale, &err)) {
      check(!err.empty() && err.find('\n') == std::string::npos);
      continue;
    }
    for (int8_t x : w)
      check(x >= -1 && x <= 1);
    std::vector<uint8_t> enc;
    if (!encodeTernary(t.type, w.data(), t.rows(), t.cols(), scale, &enc,
                       &err)) {
      // Only a TQ scale too small for f16's normal range can fail here:
      // decode accepted it, so it is a positive finite half.
      std::abort();
    }
    std::vector<int8_t> w2(w.size());
    float scale2 = -2;
    check(decodeTernary(t.type, enc.data(), enc.size(), t.rows(), t.cols(),
                        t.name, w2.data(), &scale2, &err));
    check(w2 == w);
    check(std::memcmp(&scale2, &scale, sizeof scale) == 0);
  }
}

void rewrite(const GgufFile &f) {
  // A file without tensors may declare a huge alignment; padding the
  // rewritten header to it would only measure the allocator.
  if (f.alignment() > 4096)
    return;
  GgufWriter w;
  for (const auto &kv : f.metadata())
    w.addValue(kv.first, kv.second);
  for (const TensorInfo &t : f.tensors())
    w.addTensorRef(t.name, t.ne, t.type, t.data, t.bytes);
  std::vector<uint8_t> buf;
  std::string err;
  check(w.writeToBuffer(&buf, &err));
  GgufFile g;
  check(GgufFile::parse(buf.data(), buf.size(), "rewritten", &g, &err));
  check(g.metadata().size() == f.metadata().size());
  check(g.tensors().size() == f.tensors().size());
  for (size_t k = 0; k < g.tensors().size(); ++k) {
    const TensorInfo &a = f.tensors()[k];
    const TensorInfo &b = g.tensors()[k];
    check(a.name == b.name && a.ne == b.ne && a.type == b.type);
    check(b.bytes >= a.bytes);
    check(a.bytes == 0 || std::memcmp(a.data, b.data, a.bytes) == 0);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  GgufFile f;
  std::string err;
  if (!GgufFile::parse(data, size, "fuzz.gguf", &f, &err)) {
    // One line, naming the file.
    check(err.rfind("fuzz.gguf: ", 0) == 0);
    check(err.find('\n') == std::string::npos);
    return 0;
  }
  touchMetadata(f);
  decodeTensors(f);
  rewrite(f);
  return 0;
}
