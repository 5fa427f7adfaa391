//===- Safetensors.h - The safetensors container ----------------*- C++ -*-===//
//
// Hugging Face's safetensors format: an 8-byte little-endian header length
// N, N bytes of JSON
//   {"__metadata__": {"k": "v", ...},
//    "name": {"dtype": "BF16", "shape": [r, c], "data_offsets": [b, e]}, ...}
// and the tensor bytes, offsets relative to the byte after the header.
//
// The parser works on a byte span (an mmapped file) and never copies tensor
// data; every length and offset is checked against the span, so hostile
// input gives a one-line error naming the file and the tensor, never a crash.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_SAFETENSORS_SAFETENSORS_H
#define TERN_FRONTEND_SAFETENSORS_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tern::st {

enum class DType {
  Bool, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64,
  F8_E4M3, F8_E5M2
};

/// "BF16" -> DType::BF16 etc. Returns false for an unknown name.
bool parseDType(const std::string &name, DType *out);
const char *dtypeName(DType t);
/// Bytes per element.
int dtypeSize(DType t);

struct TensorInfo {
  std::string name;
  DType dtype = DType::U8;
  std::vector<int64_t> shape;
  uint64_t file_offset = 0; ///< absolute offset of the first byte
  uint64_t bytes = 0;
  const uint8_t *data = nullptr; ///< into the parsed span
};

class SafetensorsFile {
public:
  /// Parses `size` bytes at `data` (which must outlive this object).
  /// `file_name` only appears in messages.
  static bool parse(const uint8_t *data, size_t size,
                    const std::string &file_name, SafetensorsFile *out,
                    std::string *err);

  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// The tensor called `name`, or null.
  const TensorInfo *find(const std::string &name) const;
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  const std::string &fileName() const { return file_name_; }

private:
  std::string file_name_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

/// Writes a safetensors file. Tensor bytes are referenced, not copied: they
/// must stay alive until write() returns. Tensors are stored in the order
/// added, each aligned to 8 bytes (the header is padded with spaces, as the
/// reference implementation does).
class SafetensorsWriter {
public:
  void addMetadata(const std::string &key, const std::string &value);
  void addTensor(const std::string &name, DType dtype,
                 std::vector<int64_t> shape, const void *data, uint64_t bytes);
  bool write(const std::string &path, std::string *err) const;

private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    const void *data;
    uint64_t bytes;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

} // namespace tern::st

#endif // TERN_FRONTEND_SAFETENSORS_SAFETENSORS_H
