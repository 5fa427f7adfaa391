//===- Model.cpp - A BitNet model loaded from its files -------------------===//
#include "frontend/model/Model.h"
#include "frontend/model/Fail.h"
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/LoadInternal.h"
#include "frontend/model/MappedFile.h"
#include "frontend/model/TensorNames.h"

#include "runtime/reference/float_formats.h"
#include "runtime/reference/quantize.h"
#include "runtime/reference/ternary_layout.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace tern::model {

namespace {

uint32_t ggmlType(Encoding e) {
  switch (e) {
  case Encoding::TQ1_0:
    return gguf::GGML_TYPE_TQ1_0;
  case Encoding::TQ2_0:
    return gguf::GGML_TYPE_TQ2_0;
  case Encoding::I2_S:
    return gguf::GGML_TYPE_I2_S;
  case Encoding::Q8_0:
    return gguf::GGML_TYPE_Q8_0;
  case Encoding::Q6_K:
    return gguf::GGML_TYPE_Q6_K;
  default:
    return ~0u;
  }
}

uint64_t elements(const Tensor &t) {
  uint64_t n = 1;
  for (int64_t d : t.shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

// Widens a float tensor (F32/F16/BF16) to f32, or dequantizes a Q8_0 /
// Q6_K one as ggml does.
bool decodeFloats(const Tensor &t, std::vector<float> *out, std::string *err) {
  const uint64_t n = elements(t);
  if (isQuantizedFloatEncoding(t.encoding)) {
    const uint32_t type = ggmlType(t.encoding);
    const gguf::TypeTraits *traits = gguf::typeTraits(type);
    if (n % uint64_t(traits->block) ||
        t.bytes < n / uint64_t(traits->block) * uint64_t(traits->type_size))
      return fail(err, t.path + ": tensor '" + t.stored_name + "': cannot read " +
                           std::to_string(n) + " values from " + encodingName(t.encoding) +
                           " data of " + std::to_string(t.bytes) + " bytes");
    out->resize(n);
    std::string derr;
    if (!gguf::decodeFloats(type, t.data, n, out->data(), &derr))
      return fail(err, t.path + ": tensor '" + t.stored_name + "': " + derr);
    return true;
  }
  const int size = t.encoding == Encoding::F32 ? 4 : 2;
  if (!isFloatEncoding(t.encoding) || t.bytes < n * size)
    return fail(err, t.path + ": tensor '" + t.stored_name + "': cannot read " +
                         std::to_string(n) + " floats from " +
                         encodingName(t.encoding) + " data");
  out->resize(n);
  const uint8_t *p = t.data;
  for (uint64_t i = 0; i < n; ++i) {
    if (t.encoding == Encoding::F32) {
      std::memcpy(&(*out)[i], p + 4 * i, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      (*out)[i] = t.encoding == Encoding::F16 ? tern::ref::f16ToF32(h)
                                              : tern::ref::bf16ToF32(h);
    }
  }
  return true;
}

bool singleFloat(const Model &m, int index, float *v, std::string *err) {
  std::vector<float> f;
  if (!decodeFloats(m.tensors[static_cast<size_t>(index)], &f, err))
    return false;
  *v = f[0];
  return true;
}

// Floats that are t * m with t in {-1, 0, 1} and one m > 0: sets w = t and
// *scale = m (1 for an all-zero matrix). Anything else names the first
// value that breaks the rule.
bool recoverTernary(const std::vector<float> &f, int64_t cols, int8_t *w, float *scale,
                    const std::string &where, std::string *err) {
  float m = 0.0f;
  for (size_t i = 0; i < f.size(); ++i) {
    const float a = std::fabs(f[i]);
    const bool bad = !std::isfinite(f[i]) || (a != 0.0f && m != 0.0f && a != m);
    if (bad) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    ": not ternary x one scale: value %g at [%lld, %lld], where %g was "
                    "seen (a BitLinear weight stored as floats must be -s, 0 or s)",
                    f[i], (long long)(i / size_t(cols)), (long long)(i % size_t(cols)), m);
      return fail(err, where + buf);
    }
    if (a != 0.0f && m == 0.0f)
      m = a;
    w[i] = f[i] > 0.0f ? 1 : f[i] < 0.0f ? -1 : 0;
  }
  *scale = m > 0.0f ? m : 1.0f;
  return true;
}

// Ternary values and scale of a BitLinear weight.
bool decodeTernary(const Model &m, const Tensor &t, std::vector<int8_t> *w,
                   float *scale, std::string *err) {
  const int64_t rows = t.shape[0], cols = t.shape[1];
  w->assign(static_cast<size_t>(rows * cols), 0);
  const std::string where = t.path + ": tensor '" + t.stored_name + "'";
  switch (t.encoding) {
  case Encoding::HFPacked: {
    std::string uerr;
    if (!tern::ref::unpackTernary(t.data, rows, cols,
                                  tern::ref::hfCheckpointLayout(rows),
                                  w->data(), &uerr))
      return fail(err, where + ": " + uerr);
    if (!singleFloat(m, t.scale_tensor, scale, err))
      return false;
    break;
  }
  case Encoding::TQ1_0:
  case Encoding::TQ2_0:
  case Encoding::I2_S: {
    std::string derr;
    if (!gguf::decodeTernary(ggmlType(t.encoding), t.data, t.bytes, rows, cols,
                             t.stored_name, w->data(), scale, &derr))
      return fail(err, t.path + ": " + derr);
    break;
  }
  default: {
    std::vector<float> f;
    if (!decodeFloats(t, &f, err))
      return false;
    if (t.exact_ternary) { // GGUF floats: ternary x one scale, recovered exactly
      if (!recoverTernary(f, cols, w->data(), scale, where, err))
        return false;
      break;
    }
    // HF float master weights: absmean quantization (HF WeightQuant).
    *scale = tern::ref::quantizeWeightsAbsmean(f.data(), f.size(), w->data());
    break;
  }
  }
  if (t.permuted_heads > 0 &&
      !unpermuteHeads(w, rows, cols, t.permuted_heads, where, err))
    return false;
  if (t.extra_scale_tensor >= 0) {
    float extra = 0;
    if (!singleFloat(m, t.extra_scale_tensor, &extra, err))
      return false;
    *scale *= extra;
  }
  if (!std::isfinite(*scale) || *scale <= 0.0f) {
    // An all-zero matrix has no scale of its own; any positive one works.
    bool allZero = true;
    for (int8_t x : *w)
      allZero &= x == 0;
    if (!allZero)
      return fail(err, where + ": weight scale " + std::to_string(*scale) +
                           " is not a positive finite number");
    *scale = 1.0f;
  }
  return true;
}

} // namespace

template <typename T>
bool unpermuteHeads(std::vector<T> *w, int64_t rows, int64_t cols, int heads,
                    const std::string &name, std::string *err) {
  if (heads <= 0 || rows % (2 * int64_t(heads)) != 0)
    return fail(err, name + ": cannot undo the q/k row permutation of arch llama: " +
                         std::to_string(heads) + " heads do not split " +
                         std::to_string(rows) + " rows into pairs of halves");
  const int64_t d = rows / heads, half = d / 2;
  std::vector<T> out(w->size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < half; ++j)
      for (int64_t s = 0; s < 2; ++s)
        std::memcpy(&out[size_t((h * d + s * half + j) * cols)],
                    &(*w)[size_t((h * d + 2 * j + s) * cols)], size_t(cols) * sizeof(T));
  *w = std::move(out);
  return true;
}

template <typename T>
std::vector<T> permuteHeads(const std::vector<T> &w, int64_t rows, int64_t cols, int heads) {
  const int64_t d = rows / heads, half = d / 2;
  std::vector<T> out(w.size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < half; ++j)
      for (int64_t s = 0; s < 2; ++s)
        std::memcpy(&out[size_t((h * d + 2 * j + s) * cols)],
                    &w[size_t((h * d + s * half + j) * cols)], size_t(cols) * sizeof(T));
  return out;
}

template bool unpermuteHeads<int8_t>(std::vector<int8_t> *, int64_t, int64_t, int,
                                     const std::string &, std::string *);
template bool unpermuteHeads<float>(std::vector<float> *, int64_t, int64_t, int,
                                    const std::string &, std::string *);
template std::vector<int8_t> permuteHeads<int8_t>(const std::vector<int8_t> &, int64_t,
                                                  int64_t, int);
template std::vector<float> permuteHeads<float>(const std::vector<float> &, int64_t,
                                                int64_t, int);

const char *encodingName(Encoding e) {
  switch (e) {
  case Encoding::F32:
    return "F32";
  case Encoding::F16:
    return "F16";
  case Encoding::BF16:
    return "BF16";
  case Encoding::HFPacked:
    return "U8 (HF packed ternary)";
  case Encoding::TQ1_0:
    return "TQ1_0";
  case Encoding::TQ2_0:
    return "TQ2_0";
  case Encoding::I2_S:
    return "I2_S";
  case Encoding::Q8_0:
    return "Q8_0";
  case Encoding::Q6_K:
    return "Q6_K";
  }
  return "?";
}

bool isFloatEncoding(Encoding e) {
  return e == Encoding::F32 || e == Encoding::F16 || e == Encoding::BF16;
}

bool isQuantizedFloatEncoding(Encoding e) { return e == Encoding::Q8_0 || e == Encoding::Q6_K; }

const Tensor *Model::find(const std::string &name) const {
  for (const Tensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

bool loadModel(const std::string &path, Model *out, std::string *err) {
  *out = Model();
  if (llvm::sys::fs::is_directory(path))
    return loadHFDirectory(path, out, err);
  if (!llvm::sys::fs::exists(path))
    return fail(err, path + ": no such file or directory");
  llvm::StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".safetensors" || llvm::sys::path::filename(path) == "config.json") {
    std::string dir(llvm::sys::path::parent_path(path));
    return loadHFDirectory(dir.empty() ? "." : dir, out, err);
  }
  // Anything else must be GGUF: check the magic for a clear message.
  char magic[4] = {};
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return fail(err, path + ": cannot open: " + std::strerror(errno));
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  if (n < 4 || std::memcmp(magic, "GGUF", 4) != 0)
    return fail(err, path + ": not a model: expected a GGUF file (magic "
                            "\"GGUF\"), a .safetensors file or an HF "
                            "checkpoint directory");
  return loadGGUF(path, out, err);
}

bool decodeTernaryTensor(const Model &model, const Tensor &t,
                         std::vector<int8_t> *w, float *scale,
                         std::string *err) {
  return decodeTernary(model, t, w, scale, err);
}

bool decodeFloatTensor(const Tensor &t, std::vector<float> *out,
                       std::string *err) {
  return decodeFloats(t, out, err);
}

bool ternaryScale(const Model &model, const Tensor &t, float *scale,
                  std::string *err) {
  std::vector<int8_t> w;
  return decodeTernary(model, t, &w, scale, err);
}

bool toReferenceWeights(const Model &m, tern::ref::ModelWeights *out,
                        std::string *err) {
  tern::ref::ModelWeights w;
  const tern::ref::ModelConfig &c = m.config;
  w.layers.resize(static_cast<size_t>(c.layers));
  for (const ExpectedTensor &e : expectedTensors(c)) {
    const Tensor *t = m.find(e.hf_name);
    if (!t)
      return fail(err, m.path + ": missing tensor '" + e.hf_name + "'");
    if (e.ternary) {
      tern::ref::TernaryMatrix tm;
      tm.rows = static_cast<int>(e.shape[0]);
      tm.cols = static_cast<int>(e.shape[1]);
      // A packed checkpoint's weight_scale applies as its config says;
      // every other encoding's scale is an absmean, which multiplies.
      tm.mode = t->encoding == Encoding::HFPacked ? c.scale_mode
                                                  : tern::ref::ScaleMode::Multiply;
      if (!decodeTernary(m, *t, &tm.w, &tm.scale, err))
        return false;
      matrixOf(w, e) = std::move(tm);
      continue;
    }
    if (!decodeFloats(*t, &floatsOf(w, e), err))
      return false;
  }
  std::string cerr;
  if (!tern::ref::checkWeights(c, w, &cerr))
    return fail(err, m.path + ": " + cerr);
  *out = std::move(w);
  return true;
}

} // namespace tern::model
