//===- GgufFile.cpp - GGUF container reader and writer --------------------===//
//
// Written from the GGUF specification (ggml docs/gguf.md). Little-endian
// host assumed, like ggml.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufFile.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tern {
namespace gguf {

namespace {

constexpr uint64_t kMaxI64 =
    static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr uint32_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;
constexpr size_t kMaxReserve = size_t(1) << 20;
const char kAlignmentKey[] = "general.alignment";

// Fixed byte size of a scalar value type; 0 for STRING/ARRAY/unknown.
size_t scalarSize(ValueType t) {
  switch (t) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::Bool:
    return 1;
  case ValueType::UInt16:
  case ValueType::Int16:
    return 2;
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::Float32:
    return 4;
  case ValueType::UInt64:
  case ValueType::Int64:
  case ValueType::Float64:
    return 8;
  default:
    return 0;
  }
}

bool isIntType(ValueType t) {
  switch (t) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::UInt16:
  case ValueType::Int16:
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::UInt64:
  case ValueType::Int64:
    return true;
  default:
    return false;
  }
}

bool isUnsignedType(ValueType t) {
  return t == ValueType::UInt8 || t == ValueType::UInt16 ||
         t == ValueType::UInt32 || t == ValueType::UInt64 ||
         t == ValueType::Bool;
}

bool isFloatValueType(ValueType t) {
  return t == ValueType::Float32 || t == ValueType::Float64;
}

uint64_t loadLE(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Sign-extends an n-byte little-endian integer.
int64_t loadSigned(const uint8_t *p, size_t n) {
  const uint64_t v = loadLE(p, n);
  if (n == 8)
    return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t(1) << (8 * n - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

double loadFloat(const uint8_t *p, ValueType t) {
  if (t == ValueType::Float32) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  double d;
  std::memcpy(&d, p, 8);
  return d;
}

std::string quote(const std::string &s) { return quoteName(s); }

bool isPow2(uint64_t v) { return v && !(v & (v - 1)); }

} // namespace

const char *valueTypeName(ValueType t) {
  switch (t) {
  case ValueType::UInt8: return "UINT8";
  case ValueType::Int8: return "INT8";
  case ValueType::UInt16: return "UINT16";
  case ValueType::Int16: return "INT16";
  case ValueType::UInt32: return "UINT32";
  case ValueType::Int32: return "INT32";
  case ValueType::Float32: return "FLOAT32";
  case ValueType::Bool: return "BOOL";
  case ValueType::String: return "STRING";
  case ValueType::Array: return "ARRAY";
  case ValueType::UInt64: return "UINT64";
  case ValueType::Int64: return "INT64";
  case ValueType::Float64: return "FLOAT64";
  }
  return "unknown";
}

//===----------------------------------------------------------------------===//
// Value
//===----------------------------------------------------------------------===//

size_t Value::arraySize() const {
  if (type != ValueType::Array)
    return 0;
  if (array_type == ValueType::String)
    return strings.size();
  if (isFloatValueType(array_type))
    return floats.size();
  if (array_type == ValueType::UInt64)
    return uints.size();
  return ints.size();
}

namespace {
// A scalar of type t, or an array of elements of type t (type Array).
Value scalarOf(ValueType t) {
  Value r;
  r.type = t;
  return r;
}
Value arrayOf(ValueType t) {
  Value r;
  r.type = ValueType::Array;
  r.array_type = t;
  return r;
}
} // namespace

Value Value::makeU32(uint32_t v) { Value r = scalarOf(ValueType::UInt32); r.u = v; return r; }
Value Value::makeU64(uint64_t v) { Value r = scalarOf(ValueType::UInt64); r.u = v; return r; }
Value Value::makeI32(int32_t v) { Value r = scalarOf(ValueType::Int32); r.i = v; return r; }
Value Value::makeI64(int64_t v) { Value r = scalarOf(ValueType::Int64); r.i = v; return r; }
Value Value::makeF32(float v) { Value r = scalarOf(ValueType::Float32); r.f = v; return r; }
Value Value::makeF64(double v) { Value r = scalarOf(ValueType::Float64); r.f = v; return r; }
Value Value::makeBool(bool v) { Value r = scalarOf(ValueType::Bool); r.u = v ? 1 : 0; return r; }
Value Value::makeString(std::string v) {
  Value r = scalarOf(ValueType::String);
  r.str = std::move(v);
  return r;
}
Value Value::makeStringArray(std::vector<std::string> v) {
  Value r = arrayOf(ValueType::String);
  r.strings = std::move(v);
  return r;
}
Value Value::makeIntArray(ValueType t, std::vector<int64_t> v) {
  Value r = arrayOf(t);
  r.ints = std::move(v);
  return r;
}
Value Value::makeU64Array(std::vector<uint64_t> v) {
  Value r = arrayOf(ValueType::UInt64);
  r.uints = std::move(v);
  return r;
}
Value Value::makeFloatArray(ValueType t, std::vector<double> v) {
  Value r = arrayOf(t);
  r.floats = std::move(v);
  return r;
}

//===----------------------------------------------------------------------===//
// TensorInfo
//===----------------------------------------------------------------------===//

int64_t TensorInfo::cols() const {
  return ne.empty() ? 1 : static_cast<int64_t>(ne[0]);
}

int64_t TensorInfo::rows() const {
  uint64_t r = 1;
  for (size_t i = 1; i < ne.size(); ++i)
    r *= ne[i]; // the reader checked that the product fits in int64
  return static_cast<int64_t>(r);
}

//===----------------------------------------------------------------------===//
// Reader
//===----------------------------------------------------------------------===//

class GgufParser {
public:
  GgufParser(const uint8_t *data, size_t size, GgufFile *out, std::string *err)
      : d_(data), n_(size), out_(out), err_(err) {}

  bool run();

private:
  bool fail(const std::string &msg) {
    if (err_)
      *err_ = out_->file_name_ + ": " + msg;
    return false;
  }
  // "key 'x': " / "tensor 'y': " / "" -- the current item, for messages.
  std::string here() const { return where_.empty() ? "" : where_ + ": "; }
  uint64_t left() const { return n_ - pos_; }

  bool truncated(const char *what, uint64_t need) {
    return fail(here() + "truncated at byte " + std::to_string(pos_) +
                " reading " + what + " (" + std::to_string(need) +
                " bytes needed, " + std::to_string(left()) + " left)");
  }
  bool readU32(uint32_t *v, const char *what) {
    if (left() < 4)
      return truncated(what, 4);
    *v = static_cast<uint32_t>(loadLE(d_ + pos_, 4));
    pos_ += 4;
    return true;
  }
  bool readU64(uint64_t *v, const char *what) {
    if (left() < 8)
      return truncated(what, 8);
    *v = loadLE(d_ + pos_, 8);
    pos_ += 8;
    return true;
  }
  bool readString(std::string *s, const char *what) {
    uint64_t len;
    if (!readU64(&len, what))
      return false;
    if (len > left())
      return fail(here() + what + " length " + std::to_string(len) +
                  " at byte " + std::to_string(pos_ - 8) +
                  " exceeds the " + std::to_string(left()) +
                  " bytes left in the file");
    s->assign(reinterpret_cast<const char *>(d_ + pos_),
              static_cast<size_t>(len));
    pos_ += len;
    return true;
  }
  bool readValueType(ValueType *t, const char *what) {
    uint32_t raw;
    if (!readU32(&raw, what))
      return false;
    if (raw > static_cast<uint32_t>(ValueType::Float64))
      return fail(here() + "unknown " + what + " " + std::to_string(raw));
    *t = static_cast<ValueType>(raw);
    return true;
  }
  bool readScalar(ValueType t, const uint8_t *p, Value *v);
  bool readValue(ValueType t, Value *v);
  bool readArray(Value *v);
  bool readTensorInfo(TensorInfo *t);
  bool placeTensors();

  const uint8_t *d_;
  uint64_t n_;
  uint64_t pos_ = 0;
  GgufFile *out_;
  std::string *err_;
  std::string where_;
};

bool GgufParser::readScalar(ValueType t, const uint8_t *p, Value *v) {
  const size_t sz = scalarSize(t);
  if (t == ValueType::Bool) {
    if (p[0] > 1)
      return fail(here() + "BOOL value " + std::to_string(p[0]) +
                  " is not 0 or 1");
    v->u = p[0];
  } else if (isFloatValueType(t)) {
    v->f = loadFloat(p, t);
  } else if (isUnsignedType(t)) {
    v->u = loadLE(p, sz);
  } else {
    v->i = loadSigned(p, sz);
  }
  return true;
}

bool GgufParser::readValue(ValueType t, Value *v) {
  v->type = t;
  if (t == ValueType::String)
    return readString(&v->str, "string value");
  if (t == ValueType::Array)
    return readArray(v);
  const size_t sz = scalarSize(t);
  if (left() < sz)
    return truncated("value", sz);
  if (!readScalar(t, d_ + pos_, v))
    return false;
  pos_ += sz;
  return true;
}

bool GgufParser::readArray(Value *v) {
  ValueType et;
  if (!readValueType(&et, "array element type"))
    return false;
  uint64_t count;
  if (!readU64(&count, "array length"))
    return false;
  if (et == ValueType::Array)
    return fail(here() + "nested arrays are not supported");
  v->array_type = et;
  // Every element takes at least this many bytes: bound the count by what
  // is left before reserving anything.
  const uint64_t min_size = et == ValueType::String ? 8 : scalarSize(et);
  if (count > left() / min_size)
    return fail(here() + "array of " + std::to_string(count) + " " +
                valueTypeName(et) + " at byte " + std::to_string(pos_ - 12) +
                " needs at least " +
                (count > UINT64_MAX / min_size
                     ? std::string("2^64")
                     : std::to_string(count * min_size)) +
                " bytes, " + std::to_string(left()) + " left in the file");
  const size_t n = static_cast<size_t>(count);
  if (et == ValueType::String) {
    // Reserve at most a modest amount up front: an empty string costs 8
    // input bytes but 32 bytes of std::string, so grow with what is read.
    v->strings.reserve(std::min<size_t>(n, kMaxReserve));
    for (size_t k = 0; k < n; ++k) {
      uint64_t len;
      if (left() < 8)
        return fail(here() + "truncated at byte " + std::to_string(pos_) +
                    " reading the length of string " + std::to_string(k) +
                    " of " + std::to_string(n));
      len = loadLE(d_ + pos_, 8);
      pos_ += 8;
      if (len > left())
        return fail(here() + "string " + std::to_string(k) + " of " +
                    std::to_string(n) + ": length " + std::to_string(len) +
                    " at byte " + std::to_string(pos_ - 8) +
                    " exceeds the " + std::to_string(left()) +
                    " bytes left in the file");
      v->strings.emplace_back(reinterpret_cast<const char *>(d_ + pos_),
                              static_cast<size_t>(len));
      pos_ += len;
    }
    return true;
  }
  const uint8_t *p = d_ + pos_;
  if (isFloatValueType(et)) {
    v->floats.resize(n);
    for (size_t k = 0; k < n; ++k)
      v->floats[k] = loadFloat(p + k * min_size, et);
  } else if (et == ValueType::UInt64) {
    v->uints.resize(n);
    for (size_t k = 0; k < n; ++k)
      v->uints[k] = loadLE(p + k * 8, 8);
  } else {
    v->ints.resize(n);
    for (size_t k = 0; k < n; ++k) {
      const uint8_t *e = p + k * min_size;
      if (et == ValueType::Bool) {
        if (e[0] > 1)
          return fail(here() + "BOOL element " + std::to_string(k) + " is " +
                      std::to_string(e[0]) + ", not 0 or 1");
        v->ints[k] = e[0];
      } else if (isUnsignedType(et)) {
        v->ints[k] = static_cast<int64_t>(loadLE(e, min_size));
      } else {
        v->ints[k] = loadSigned(e, min_size);
      }
    }
  }
  pos_ += count * min_size;
  return true;
}

bool GgufParser::readTensorInfo(TensorInfo *t) {
  if (!readString(&t->name, "tensor name"))
    return false;
  where_ = "tensor " + quote(t->name);
  uint32_t n_dims;
  if (!readU32(&n_dims, "n_dims"))
    return false;
  if (n_dims < 1 || n_dims > kMaxDims)
    return fail(here() + "n_dims " + std::to_string(n_dims) +
                " is not in 1..4");
  t->ne.resize(n_dims);
  for (uint32_t k = 0; k < n_dims; ++k)
    if (!readU64(&t->ne[k], "dimension"))
      return false;
  if (!readU32(&t->type, "ggml type"))
    return false;
  if (t->type == 38 || t->type == 39) // bitnet.cpp's TL1 / TL2
    return fail(here() + "type " + std::string(t->type == 38 ? "TL1" : "TL2") + " (" +
                std::to_string(t->type) +
                ") is bitnet.cpp's lookup-table layout for one CPU's kernels, not a "
                "storage format: convert the model to I2_S, TQ1_0, TQ2_0 or F16 "
                "(bitnet.cpp's setup_env.py -q i2_s, or llama-quantize) and tern "
                "picks its own layout");
  if (!typeTraits(t->type))
    return fail(here() + "unknown ggml type " + std::to_string(t->type));
  if (!readU64(&t->offset, "data offset"))
    return false;
  std::string e;
  if (!tensorElements(t->ne, &t->nelements, &e) ||
      !tensorBytes(t->type, t->ne, &t->bytes, &e))
    return fail(here() + e);
  return true;
}

bool GgufParser::placeTensors() {
  std::vector<TensorInfo> &ts = out_->tensors_;
  const uint64_t align = out_->alignment_;
  uint64_t last_offset = 0;
  for (const TensorInfo &t : ts)
    last_offset = std::max(last_offset, t.offset);
  for (TensorInfo &t : ts) {
    where_ = "tensor " + quote(t.name);
    if (t.offset % align)
      return fail(here() + "offset " + std::to_string(t.offset) +
                  " is not a multiple of the alignment " +
                  std::to_string(align));
    const uint64_t data_off = out_->data_offset_;
    const bool off_ok = t.offset <= n_ && data_off <= n_ - t.offset;
    const uint64_t start = off_ok ? data_off + t.offset : 0;
    const bool end_ok = off_ok && t.bytes <= n_ - start;
    if (!end_ok) {
      // bitnet.cpp may leave out the padding of the last I2_S tensor.
      const uint64_t min_i2s = t.nelements / 4 + 4;
      if (t.type == GGML_TYPE_I2_S && off_ok && t.offset == last_offset &&
          min_i2s <= n_ - start) {
        t.bytes = n_ - start;
      } else {
        auto sum = [](uint64_t a, uint64_t b) {
          return a > UINT64_MAX - b ? std::string("2^64+")
                                    : std::to_string(a + b);
        };
        const std::string begin = sum(data_off, t.offset);
        const std::string end =
            off_ok ? sum(start, t.bytes) : std::string("2^64+");
        return fail(here() + "data [" + begin + ", " + end +
                    ") past end of file (" + std::to_string(n_) + " bytes)");
      }
    }
    t.file_offset = start;
    t.data = d_ + start;
  }
  where_.clear();
  // Overlaps: sort by start and compare each tensor with the furthest end
  // seen so far.
  std::vector<size_t> order;
  order.reserve(ts.size());
  for (size_t k = 0; k < ts.size(); ++k)
    if (ts[k].bytes)
      order.push_back(k);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ts[a].file_offset != ts[b].file_offset
               ? ts[a].file_offset < ts[b].file_offset
               : a < b;
  });
  size_t far = SIZE_MAX;
  for (size_t k : order) {
    if (far != SIZE_MAX) {
      const TensorInfo &p = ts[far];
      const TensorInfo &c = ts[k];
      if (p.file_offset + p.bytes > c.file_offset)
        return fail("tensor " + quote(p.name) + " [" +
                    std::to_string(p.file_offset) + ", " +
                    std::to_string(p.file_offset + p.bytes) +
                    ") overlaps tensor " + quote(c.name) + " [" +
                    std::to_string(c.file_offset) + ", " +
                    std::to_string(c.file_offset + c.bytes) + ")");
    }
    if (far == SIZE_MAX || ts[k].file_offset + ts[k].bytes >
                               ts[far].file_offset + ts[far].bytes)
      far = k;
  }
  return true;
}

bool GgufParser::run() {
  out_->data_ = d_;
  out_->size_ = static_cast<size_t>(n_);
  if (n_ < 4 || std::memcmp(d_, "GGUF", 4) != 0) {
    std::string got;
    for (uint64_t k = 0; k < std::min<uint64_t>(n_, 4); ++k) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%02x", d_[k]);
      got += (k ? " " : "") + std::string(hex);
    }
    return fail(std::string("not a GGUF file: bad magic (expected 47 47 55 "
                            "46 \"GGUF\", got ") +
                (n_ ? got : std::string("an empty file")) + ")");
  }
  pos_ = 4;
  uint32_t version;
  if (!readU32(&version, "the version"))
    return false;
  if (version != 2 && version != 3) {
    std::string hint;
    if (version == 1)
      hint = " (GGUF v1 used 32-bit counts; convert the file)";
    else if ((version & 0xffff) == 0 && version != 0)
      hint = " (a big-endian file?)";
    return fail("GGUF version " + std::to_string(version) +
                " is not supported (only 2 and 3)" + hint);
  }
  out_->version_ = version;
  uint64_t tensor_count, kv_count;
  if (!readU64(&tensor_count, "the tensor count") ||
      !readU64(&kv_count, "the metadata count"))
    return false;
  // Each key/value takes >= 13 bytes (key length, type, 1-byte value), each
  // tensor info >= 32 (name length, n_dims, one dim, type, offset).
  if (kv_count > left() / 13)
    return fail("metadata count " + std::to_string(kv_count) +
                " cannot fit in the " + std::to_string(left()) +
                " bytes left in the file");

  out_->metadata_.reserve(std::min<size_t>(kv_count, 1024));
  for (uint64_t k = 0; k < kv_count; ++k) {
    where_ = "metadata entry " + std::to_string(k);
    std::string key;
    if (!readString(&key, "key"))
      return false;
    where_ = "key " + quote(key);
    if (out_->key_index_.count(key))
      return fail(here() + "duplicate key");
    ValueType t;
    if (!readValueType(&t, "value type"))
      return false;
    Value v;
    if (!readValue(t, &v))
      return false;
    out_->key_index_.emplace(key, out_->metadata_.size());
    out_->metadata_.emplace_back(std::move(key), std::move(v));
  }
  where_.clear();

  out_->alignment_ = kDefaultAlignment;
  if (const Value *a = out_->find(kAlignmentKey)) {
    where_ = std::string("key '") + kAlignmentKey + "'";
    if (a->type != ValueType::UInt32)
      return fail(here() + "has type " + valueTypeName(a->type) +
                  ", expected UINT32");
    if (!isPow2(a->u))
      return fail(here() + "alignment " + std::to_string(a->u) +
                  " is not a power of two");
    out_->alignment_ = static_cast<uint32_t>(a->u);
    where_.clear();
  }

  if (tensor_count > left() / 32)
    return fail("tensor count " + std::to_string(tensor_count) +
                " cannot fit in the " + std::to_string(left()) +
                " bytes left in the file");
  // A TensorInfo is bigger than its >= 32 bytes on disk: grow with what
  // is read instead of trusting the count.
  out_->tensors_.reserve(std::min<size_t>(tensor_count, 4096));
  for (uint64_t k = 0; k < tensor_count; ++k) {
    where_ = "tensor info " + std::to_string(k);
    out_->tensors_.emplace_back();
    TensorInfo &t = out_->tensors_.back();
    if (!readTensorInfo(&t))
      return false;
    if (!out_->tensor_index_.emplace(t.name, static_cast<size_t>(k)).second)
      return fail(here() + "duplicate tensor name");
  }
  where_.clear();

  const uint64_t align = out_->alignment_;
  const uint64_t pad = (align - pos_ % align) % align;
  // pos_ <= n_ < 2^63 for any real buffer; keep the sum well-defined anyway.
  out_->data_offset_ = pos_ > UINT64_MAX - pad ? UINT64_MAX : pos_ + pad;
  return placeTensors();
}

bool GgufFile::parse(const uint8_t *data, size_t size,
                     const std::string &file_name, GgufFile *out,
                     std::string *err) {
  GgufFile f;
  f.file_name_ = file_name;
  static const uint8_t kEmpty[1] = {0};
  GgufParser p(data ? data : kEmpty, data ? size : 0, &f, err);
  if (!p.run())
    return false;
  *out = std::move(f);
  return true;
}

bool GgufFile::open(const std::string &path, GgufFile *out,
                    std::string *err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (err)
      *err = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    if (err)
      *err = path + ": cannot stat: " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  std::shared_ptr<void> storage;
  const uint8_t *data = nullptr;
  if (size > 0) {
    void *m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      if (err)
        *err = path + ": cannot map: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    storage = std::shared_ptr<void>(m, [size](void *q) { ::munmap(q, size); });
    data = static_cast<const uint8_t *>(m);
  }
  ::close(fd);
  GgufFile f;
  if (!parse(data, size, path, &f, err))
    return false;
  f.storage_ = std::move(storage);
  *out = std::move(f);
  return true;
}

const Value *GgufFile::find(const std::string &key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo *GgufFile::tensor(const std::string &name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

// Looks up `key`; on failure writes "file: key 'k' not found".
const Value *lookup(const GgufFile &f, const std::string &key,
                    std::string *err) {
  const Value *v = f.find(key);
  if (!v && err)
    *err = f.fileName() + ": key " + quote(key) + " not found";
  return v;
}

bool typeError(const GgufFile &f, const std::string &key, const Value &v,
               const char *expected, std::string *err) {
  if (err) {
    std::string actual = valueTypeName(v.type);
    if (v.type == ValueType::Array)
      actual += std::string(" of ") + valueTypeName(v.array_type);
    *err = f.fileName() + ": key " + quote(key) + " has type " + actual +
           ", expected " + expected;
  }
  return false;
}

bool rangeError(const GgufFile &f, const std::string &key,
                const std::string &value, const char *range,
                std::string *err) {
  if (err)
    *err = f.fileName() + ": key " + quote(key) + " value " + value +
           " does not fit in " + range;
  return false;
}

} // namespace

bool GgufFile::getU64(const std::string &key, uint64_t *v,
                      std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (!isIntType(x->type))
    return typeError(*this, key, *x, "an integer", err);
  if (isUnsignedType(x->type)) {
    *v = x->u;
    return true;
  }
  if (x->i < 0)
    return rangeError(*this, key, std::to_string(x->i), "uint64", err);
  *v = static_cast<uint64_t>(x->i);
  return true;
}

bool GgufFile::getU32(const std::string &key, uint32_t *v,
                      std::string *err) const {
  uint64_t u;
  if (!getU64(key, &u, err))
    return false;
  if (u > UINT32_MAX)
    return rangeError(*this, key, std::to_string(u), "uint32", err);
  *v = static_cast<uint32_t>(u);
  return true;
}

bool GgufFile::getI64(const std::string &key, int64_t *v,
                      std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (!isIntType(x->type))
    return typeError(*this, key, *x, "an integer", err);
  if (isUnsignedType(x->type)) {
    if (x->u > kMaxI64)
      return rangeError(*this, key, std::to_string(x->u), "int64", err);
    *v = static_cast<int64_t>(x->u);
    return true;
  }
  *v = x->i;
  return true;
}

bool GgufFile::getF64(const std::string &key, double *v,
                      std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (!isFloatValueType(x->type))
    return typeError(*this, key, *x, "FLOAT32 or FLOAT64", err);
  *v = x->f;
  return true;
}

bool GgufFile::getF32(const std::string &key, float *v,
                      std::string *err) const {
  double d;
  if (!getF64(key, &d, err))
    return false;
  *v = static_cast<float>(d);
  return true;
}

bool GgufFile::getBool(const std::string &key, bool *v,
                       std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (x->type != ValueType::Bool)
    return typeError(*this, key, *x, "BOOL", err);
  *v = x->u != 0;
  return true;
}

bool GgufFile::getString(const std::string &key, std::string *v,
                         std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (x->type != ValueType::String)
    return typeError(*this, key, *x, "STRING", err);
  *v = x->str;
  return true;
}

bool GgufFile::getStringArray(const std::string &key,
                              std::vector<std::string> *v,
                              std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (x->type != ValueType::Array || x->array_type != ValueType::String)
    return typeError(*this, key, *x, "ARRAY of STRING", err);
  *v = x->strings;
  return true;
}

bool GgufFile::getI64Array(const std::string &key, std::vector<int64_t> *v,
                           std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (x->type != ValueType::Array ||
      !(isIntType(x->array_type) || x->array_type == ValueType::Bool))
    return typeError(*this, key, *x, "ARRAY of an integer type", err);
  if (x->array_type != ValueType::UInt64) {
    *v = x->ints;
    return true;
  }
  std::vector<int64_t> r(x->uints.size());
  for (size_t k = 0; k < r.size(); ++k) {
    if (x->uints[k] > kMaxI64)
      return rangeError(*this, key,
                        "[" + std::to_string(k) +
                            "] = " + std::to_string(x->uints[k]),
                        "int64", err);
    r[k] = static_cast<int64_t>(x->uints[k]);
  }
  *v = std::move(r);
  return true;
}

bool GgufFile::getF32Array(const std::string &key, std::vector<float> *v,
                           std::string *err) const {
  const Value *x = lookup(*this, key, err);
  if (!x)
    return false;
  if (x->type != ValueType::Array || !isFloatValueType(x->array_type))
    return typeError(*this, key, *x, "ARRAY of FLOAT32 or FLOAT64", err);
  v->resize(x->floats.size());
  for (size_t k = 0; k < v->size(); ++k)
    (*v)[k] = static_cast<float>(x->floats[k]);
  return true;
}

bool GgufFile::readFloats(const TensorInfo &t, std::vector<float> *out,
                          std::string *err) const {
  const std::string what = file_name_ + ": tensor " + quote(t.name) + ": ";
  if (!isFloatType(t.type)) {
    if (err)
      *err = what + typeName(t.type) + " is not a float type";
    return false;
  }
  const uint64_t need = t.nelements * typeTraits(t.type)->type_size;
  if (t.bytes < need) {
    if (err)
      *err = what + "data has " + std::to_string(t.bytes) + " bytes, needs " +
             std::to_string(need);
    return false;
  }
  out->resize(static_cast<size_t>(t.nelements));
  std::string e;
  if (!decodeFloats(t.type, t.data, t.nelements, out->data(), &e)) {
    if (err)
      *err = what + e;
    return false;
  }
  return true;
}

bool GgufFile::readTernary(const TensorInfo &t, std::vector<int8_t> *w,
                           float *scale, std::string *err) const {
  if (!isTernaryType(t.type)) {
    if (err)
      *err = file_name_ + ": tensor " + quote(t.name) + ": " +
             typeName(t.type) + " is not a ternary type";
    return false;
  }
  w->resize(static_cast<size_t>(t.nelements));
  std::string e;
  if (!decodeTernary(t.type, t.data, t.bytes, t.rows(), t.cols(), t.name,
                     w->data(), scale, &e)) {
    if (err)
      *err = file_name_ + ": " + e;
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

namespace {

void putLE(std::vector<uint8_t> *o, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    o->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void putString(std::vector<uint8_t> *o, const std::string &s) {
  putLE(o, s.size(), 8);
  o->insert(o->end(), s.begin(), s.end());
}

// Range check for an integer element of type t.
bool intFits(ValueType t, int64_t v) {
  switch (t) {
  case ValueType::UInt8: return v >= 0 && v <= UINT8_MAX;
  case ValueType::Int8: return v >= INT8_MIN && v <= INT8_MAX;
  case ValueType::UInt16: return v >= 0 && v <= UINT16_MAX;
  case ValueType::Int16: return v >= INT16_MIN && v <= INT16_MAX;
  case ValueType::UInt32: return v >= 0 && v <= UINT32_MAX;
  case ValueType::Int32: return v >= INT32_MIN && v <= INT32_MAX;
  case ValueType::Bool: return v == 0 || v == 1;
  case ValueType::Int64: return true;
  default: return false;
  }
}

bool putScalar(std::vector<uint8_t> *o, ValueType t, uint64_t u, int64_t i,
               double f) {
  const size_t sz = scalarSize(t);
  if (t == ValueType::Float32) {
    const float x = static_cast<float>(f);
    uint32_t b;
    std::memcpy(&b, &x, 4);
    putLE(o, b, 4);
  } else if (t == ValueType::Float64) {
    uint64_t b;
    std::memcpy(&b, &f, 8);
    putLE(o, b, 8);
  } else if (isUnsignedType(t)) {
    if (sz < 8 && u >> (8 * sz))
      return false;
    if (t == ValueType::Bool && u > 1)
      return false;
    putLE(o, u, sz);
  } else {
    if (!intFits(t, i))
      return false;
    putLE(o, static_cast<uint64_t>(i), sz);
  }
  return true;
}

bool putValue(std::vector<uint8_t> *o, const std::string &key,
              const Value &v, std::string *err) {
  auto bad = [&](const std::string &msg) {
    *err = "key " + quote(key) + ": " + msg;
    return false;
  };
  const uint32_t raw = static_cast<uint32_t>(v.type);
  if (raw > static_cast<uint32_t>(ValueType::Float64))
    return bad("unknown value type " + std::to_string(raw));
  putLE(o, raw, 4);
  if (v.type == ValueType::String) {
    putString(o, v.str);
    return true;
  }
  if (v.type != ValueType::Array) {
    if (!putScalar(o, v.type, v.u, v.i, v.f))
      return bad(std::string("value does not fit in ") +
                 valueTypeName(v.type));
    return true;
  }
  const ValueType et = v.array_type;
  const uint32_t raw_et = static_cast<uint32_t>(et);
  if (et == ValueType::Array || raw_et > static_cast<uint32_t>(ValueType::Float64))
    return bad("unsupported array element type " + std::to_string(raw_et));
  putLE(o, raw_et, 4);
  putLE(o, v.arraySize(), 8);
  if (et == ValueType::String) {
    for (const std::string &s : v.strings)
      putString(o, s);
  } else if (isFloatValueType(et)) {
    for (double f : v.floats)
      putScalar(o, et, 0, 0, f);
  } else if (et == ValueType::UInt64) {
    for (uint64_t u : v.uints)
      putLE(o, u, 8);
  } else {
    const size_t sz = scalarSize(et);
    for (size_t k = 0; k < v.ints.size(); ++k) {
      if (!intFits(et, v.ints[k]))
        return bad("element " + std::to_string(k) + " = " +
                   std::to_string(v.ints[k]) + " does not fit in " +
                   valueTypeName(et));
      putLE(o, static_cast<uint64_t>(v.ints[k]), sz);
    }
  }
  return true;
}

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

} // namespace

void GgufWriter::setError(const std::string &msg) {
  if (error_.empty())
    error_ = msg;
}

void GgufWriter::addValue(const std::string &key, Value v) {
  if (!key_index_.emplace(key, kv_.size()).second) {
    setError("duplicate key " + quote(key));
    return;
  }
  kv_.emplace_back(key, std::move(v));
}

void GgufWriter::addU8(const std::string &key, uint8_t v) {
  Value x;
  x.type = ValueType::UInt8;
  x.u = v;
  addValue(key, std::move(x));
}
void GgufWriter::addU32(const std::string &key, uint32_t v) {
  addValue(key, Value::makeU32(v));
}
void GgufWriter::addU64(const std::string &key, uint64_t v) {
  addValue(key, Value::makeU64(v));
}
void GgufWriter::addI32(const std::string &key, int32_t v) {
  addValue(key, Value::makeI32(v));
}
void GgufWriter::addI64(const std::string &key, int64_t v) {
  addValue(key, Value::makeI64(v));
}
void GgufWriter::addF32(const std::string &key, float v) {
  addValue(key, Value::makeF32(v));
}
void GgufWriter::addF64(const std::string &key, double v) {
  addValue(key, Value::makeF64(v));
}
void GgufWriter::addBool(const std::string &key, bool v) {
  addValue(key, Value::makeBool(v));
}
void GgufWriter::addString(const std::string &key, const std::string &v) {
  addValue(key, Value::makeString(v));
}
void GgufWriter::addStringArray(const std::string &key,
                                std::vector<std::string> v) {
  addValue(key, Value::makeStringArray(std::move(v)));
}
void GgufWriter::addI32Array(const std::string &key,
                             const std::vector<int32_t> &v) {
  addValue(key, Value::makeIntArray(ValueType::Int32,
                                    std::vector<int64_t>(v.begin(), v.end())));
}
void GgufWriter::addF32Array(const std::string &key,
                             const std::vector<float> &v) {
  addValue(key, Value::makeFloatArray(ValueType::Float32,
                                      std::vector<double>(v.begin(), v.end())));
}

void GgufWriter::addTensor(const std::string &name, std::vector<uint64_t> ne,
                           uint32_t type, std::vector<uint8_t> bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  const size_t before = tensors_.size();
  addTensorRef(name, std::move(ne), type, owned->data(), owned->size());
  if (tensors_.size() > before)
    tensors_.back().owned = std::move(owned);
}

void GgufWriter::addTensorRef(const std::string &name,
                              std::vector<uint64_t> ne, uint32_t type,
                              const uint8_t *data, uint64_t size) {
  const std::string what = "tensor " + quote(name) + ": ";
  if (ne.empty() || ne.size() > kMaxDims) {
    setError(what + "n_dims " + std::to_string(ne.size()) +
             " is not in 1..4");
    return;
  }
  uint64_t need, n;
  std::string e;
  if (!tensorElements(ne, &n, &e) || !tensorBytes(type, ne, &need, &e)) {
    setError(what + e);
    return;
  }
  const bool ok = type == GGML_TYPE_I2_S
                      ? size >= n / 4 + 4 && size <= need
                      : size == need;
  if (!ok) {
    setError(what + std::to_string(size) + " bytes given, " +
             typeName(type) + " " + std::to_string(n) + " elements take " +
             std::to_string(need));
    return;
  }
  if (!tensor_index_.emplace(name, tensors_.size()).second) {
    setError("duplicate tensor name " + quote(name));
    return;
  }
  PendingTensor t;
  t.name = name;
  t.ne = std::move(ne);
  t.type = type;
  t.data = data;
  t.size = size;
  t.padded = need;
  tensors_.push_back(std::move(t));
}

bool GgufWriter::layout(std::vector<uint8_t> *head, uint32_t *alignment,
                        std::vector<uint64_t> *offsets,
                        std::string *err) const {
  if (!error_.empty()) {
    *err = error_;
    return false;
  }
  uint32_t align = kDefaultAlignment;
  auto it = key_index_.find(kAlignmentKey);
  if (it != key_index_.end()) {
    const Value &v = kv_[it->second].second;
    if (v.type != ValueType::UInt32 || !isPow2(v.u) || v.u > UINT32_MAX) {
      *err = std::string("key '") + kAlignmentKey +
             "' must be a UINT32 power of two";
      return false;
    }
    align = static_cast<uint32_t>(v.u);
  }
  *alignment = align;
  head->clear();
  head->insert(head->end(), {'G', 'G', 'U', 'F'});
  putLE(head, 3, 4);
  putLE(head, tensors_.size(), 8);
  putLE(head, kv_.size(), 8);
  for (const auto &kv : kv_) {
    putString(head, kv.first);
    if (!putValue(head, kv.first, kv.second, err))
      return false;
  }
  offsets->clear();
  uint64_t off = 0;
  for (const PendingTensor &t : tensors_) {
    putString(head, t.name);
    putLE(head, t.ne.size(), 4);
    for (uint64_t d : t.ne)
      putLE(head, d, 8);
    putLE(head, t.type, 4);
    putLE(head, off, 8);
    offsets->push_back(off);
    off = alignUp(off + t.padded, align);
  }
  head->resize(alignUp(head->size(), align), 0);
  return true;
}

bool GgufWriter::writeToBuffer(std::vector<uint8_t> *out,
                               std::string *err) const {
  std::string e;
  uint32_t align;
  std::vector<uint64_t> offsets;
  if (!layout(out, &align, &offsets, &e)) {
    if (err)
      *err = "gguf writer: " + e;
    return false;
  }
  const size_t base = out->size();
  for (size_t k = 0; k < tensors_.size(); ++k) {
    const PendingTensor &t = tensors_[k];
    out->resize(base + offsets[k]);
    if (t.size)
      out->insert(out->end(), t.data, t.data + t.size);
    out->resize(base + alignUp(offsets[k] + t.padded, align), 0);
  }
  return true;
}

bool GgufWriter::write(const std::string &path, std::string *err) const {
  std::string e;
  std::vector<uint8_t> head;
  uint32_t align;
  std::vector<uint64_t> offsets;
  if (!layout(&head, &align, &offsets, &e)) {
    if (err)
      *err = path + ": " + e;
    return false;
  }
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    if (err)
      *err = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  static const uint8_t kZeros[64] = {};
  bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size();
  uint64_t pos = 0; // relative to the data section
  for (size_t k = 0; ok && k < tensors_.size(); ++k) {
    const PendingTensor &t = tensors_[k];
    const uint64_t end = alignUp(offsets[k] + t.padded, align);
    // Big chunks straight from the tensor's buffer; fwrite bypasses its own
    // buffer for requests this large.
    constexpr uint64_t kChunk = uint64_t(64) << 20;
    for (uint64_t done = 0; ok && done < t.size; done += kChunk) {
      const size_t n = static_cast<size_t>(std::min(kChunk, t.size - done));
      ok = std::fwrite(t.data + done, 1, n, f) == n;
    }
    pos = offsets[k] + t.size;
    while (ok && pos < end) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(sizeof kZeros, end - pos));
      ok = std::fwrite(kZeros, 1, n, f) == n;
      pos += n;
    }
  }
  const int write_errno = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
  }
  if (!ok) {
    if (err)
      *err = path + ": write failed: " +
             std::strerror(write_errno ? write_errno : errno);
    std::remove(path.c_str());
    return false;
  }
  return true;
}

} // namespace gguf
} // namespace tern
