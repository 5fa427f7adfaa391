//===- GgufFile.h - GGUF container reader and writer ------------*- C++ -*-===//
//
// GGUF v3 (and v2, which is identical for little-endian files) as written
// by llama.cpp / bitnet.cpp: header, typed key/value metadata, tensor infos,
// aligned tensor data. Plain C++17, no exceptions, no LLVM/MLIR.
//
// The reader is hardened against hostile input: every count and length is
// checked against the bytes that remain before anything is allocated, all
// offset arithmetic is overflow-checked, and every failure is one line that
// names the file and, where there is one, the key or tensor:
//   model.gguf: tensor 'blk.0.attn_q.weight': data [1234, 5678) past end of
//   file (4000 bytes)
//
// Checks: magic, version 2 or 3, value types 0..12, no nested arrays, no
// duplicate keys or tensor names, general.alignment a uint32 power of two
// (default 32), n_dims in 1..4, dims <= INT64_MAX with an int64 element
// count, known ggml type, ne[0] a multiple of the type's block size, offset
// a multiple of the alignment, data inside the file, no two tensors
// overlapping. An I2_S tensor that is the last one of the file may be cut
// short to n/4 + 4 bytes (codes + scale; the 28 padding bytes missing).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGUFFILE_H
#define TERN_FRONTEND_GGUF_GGUFFILE_H

#include "frontend/gguf/GgmlTypes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tern {
namespace gguf {

enum class ValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "UINT8", "STRING", ... ("unknown" outside 0..12).
const char *valueTypeName(ValueType t);

/// One metadata value. Which fields are used depends on `type`:
///   UInt8/16/32/64, Bool -> u        Int8/16/32/64 -> i
///   Float32/64 -> f                  String -> str
///   Array -> array_type and one of: strings (String), floats (Float32/64),
///     uints (UInt64), ints (every other integer type and Bool).
/// Arrays of arrays are not supported (the reader rejects them).
struct Value {
  ValueType type = ValueType::UInt8;
  ValueType array_type = ValueType::UInt8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  std::string str;
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  std::vector<uint64_t> uints;
  std::vector<double> floats;

  /// Element count of an array (0 for scalars).
  size_t arraySize() const;

  static Value makeU32(uint32_t v);
  static Value makeU64(uint64_t v);
  static Value makeI32(int32_t v);
  static Value makeI64(int64_t v);
  static Value makeF32(float v);
  static Value makeF64(double v);
  static Value makeBool(bool v);
  static Value makeString(std::string v);
  static Value makeStringArray(std::vector<std::string> v);
  /// Integer array of element type `t` (any integer type but UInt64, or Bool).
  static Value makeIntArray(ValueType t, std::vector<int64_t> v);
  static Value makeU64Array(std::vector<uint64_t> v);
  /// Float32 or Float64 array.
  static Value makeFloatArray(ValueType t, std::vector<double> v);
};

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> ne; // ne[0] innermost (contiguous)
  uint32_t type = 0;        // GgmlType id
  uint64_t offset = 0;      // relative to the data section
  uint64_t file_offset = 0; // absolute
  uint64_t bytes = 0;       // bytes available at `data` (see I2_S note)
  uint64_t nelements = 0;
  const uint8_t *data = nullptr; // into the parsed buffer

  /// Rows x cols as tern sees a weight: cols = ne[0], rows = product of the
  /// other dims (1 for a 1-D tensor).
  int64_t cols() const;
  int64_t rows() const;
};

class GgufFile {
public:
  /// Parses `size` bytes at `data` (not copied: the buffer must outlive
  /// this object). `file_name` prefixes every error message.
  static bool parse(const uint8_t *data, size_t size,
                    const std::string &file_name, GgufFile *out,
                    std::string *err);
  /// Maps (read-only) and parses the file at `path`; the mapping lives as
  /// long as this object or any copy of it.
  static bool open(const std::string &path, GgufFile *out, std::string *err);

  const std::string &fileName() const { return file_name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  /// Absolute offset of the data section.
  uint64_t dataOffset() const { return data_offset_; }
  const uint8_t *bytes() const { return data_; }
  size_t size() const { return size_; }

  const std::vector<std::pair<std::string, Value>> &metadata() const {
    return metadata_;
  }
  /// nullptr if the key is absent.
  const Value *find(const std::string &key) const;

  // Typed getters. Each fails (one-line error naming the file, the key and,
  // on a type mismatch, the actual type) when the key is absent or has an
  // incompatible type or an out-of-range value.
  /// Any integer type whose value is >= 0 and fits.
  bool getU64(const std::string &key, uint64_t *v, std::string *err) const;
  bool getU32(const std::string &key, uint32_t *v, std::string *err) const;
  /// Any integer type whose value fits in int64.
  bool getI64(const std::string &key, int64_t *v, std::string *err) const;
  /// FLOAT32 or FLOAT64 (converted).
  bool getF32(const std::string &key, float *v, std::string *err) const;
  bool getF64(const std::string &key, double *v, std::string *err) const;
  bool getBool(const std::string &key, bool *v, std::string *err) const;
  bool getString(const std::string &key, std::string *v,
                 std::string *err) const;
  /// Array of STRING (copied; for zero-copy use find(key)->strings).
  bool getStringArray(const std::string &key, std::vector<std::string> *v,
                      std::string *err) const;
  /// Array of any integer type (or BOOL) whose values fit in int64.
  bool getI64Array(const std::string &key, std::vector<int64_t> *v,
                   std::string *err) const;
  /// Array of FLOAT32 or FLOAT64.
  bool getF32Array(const std::string &key, std::vector<float> *v,
                   std::string *err) const;

  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// nullptr if there is no such tensor.
  const TensorInfo *tensor(const std::string &name) const;

  /// Decodes an F32/F16/BF16 tensor into nelements floats.
  bool readFloats(const TensorInfo &t, std::vector<float> *out,
                  std::string *err) const;
  /// Decodes a TQ1_0/TQ2_0/I2_S tensor into rows()*cols() ternary values and
  /// the per-tensor scale (rule in GgmlTypes.h). Errors name the file.
  bool readTernary(const TensorInfo &t, std::vector<int8_t> *w, float *scale,
                   std::string *err) const;

private:
  friend class GgufParser;
  std::string file_name_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<void> storage_; // keeps an mmap alive (open())
  std::vector<std::pair<std::string, Value>> metadata_;
  std::unordered_map<std::string, size_t> key_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

/// Builds a GGUF v3 file. Keys and tensors are written in the order they
/// were added; tensor data is placed at increasing offsets, each a multiple
/// of the alignment (general.alignment if it was added as a UINT32, else
/// 32). Errors from add* calls (duplicate name, byte size that does not
/// match the type and shape, ...) are reported by write().
class GgufWriter {
public:
  void addU8(const std::string &key, uint8_t v);
  void addU32(const std::string &key, uint32_t v);
  void addU64(const std::string &key, uint64_t v);
  void addI32(const std::string &key, int32_t v);
  void addI64(const std::string &key, int64_t v);
  void addF32(const std::string &key, float v);
  void addF64(const std::string &key, double v);
  void addBool(const std::string &key, bool v);
  void addString(const std::string &key, const std::string &v);
  void addStringArray(const std::string &key, std::vector<std::string> v);
  void addI32Array(const std::string &key, const std::vector<int32_t> &v);
  void addF32Array(const std::string &key, const std::vector<float> &v);
  /// Any value, including every array element type.
  void addValue(const std::string &key, Value v);

  /// Takes ownership of the bytes. `bytes.size()` must equal tensorBytes()
  /// (I2_S: n/4 + 4 .. n/4 + 32 bytes, zero-padded to n/4 + 32).
  void addTensor(const std::string &name, std::vector<uint64_t> ne,
                 uint32_t type, std::vector<uint8_t> bytes);
  /// Same, without copying: `data` must stay valid until write() returns.
  void addTensorRef(const std::string &name, std::vector<uint64_t> ne,
                    uint32_t type, const uint8_t *data, uint64_t size);

  /// Streams the file to `path` (tensor data written straight from the
  /// added buffers). Error messages name `path`.
  bool write(const std::string &path, std::string *err) const;
  /// The whole file in memory (for tests and small files).
  bool writeToBuffer(std::vector<uint8_t> *out, std::string *err) const;

private:
  struct PendingTensor {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type;
    std::shared_ptr<std::vector<uint8_t>> owned;
    const uint8_t *data;
    uint64_t size;   // bytes supplied
    uint64_t padded; // bytes occupied in the file (tensorBytes)
  };
  bool layout(std::vector<uint8_t> *head, uint32_t *alignment,
              std::vector<uint64_t> *offsets, std::string *err) const;
  void setError(const std::string &msg);

  std::vector<std::pair<std::string, Value>> kv_;
  std::unordered_map<std::string, size_t> key_index_;
  std::vector<PendingTensor> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
  std::string error_;
};

} // namespace gguf
} // namespace tern

#endif // TERN_FRONTEND_GGUF_GGUFFILE_H
