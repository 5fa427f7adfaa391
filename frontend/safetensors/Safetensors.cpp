//===- Safetensors.cpp - The safetensors container ------------------------===//
#include "frontend/safetensors/Safetensors.h"
#include "frontend/common/JsonNesting.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tern::st {

namespace {
struct DTypeEntry {
  DType type;
  const char *name;
  int size;
};
constexpr DTypeEntry kDTypes[] = {
    {DType::Bool, "BOOL", 1},       {DType::U8, "U8", 1},
    {DType::I8, "I8", 1},           {DType::U16, "U16", 2},
    {DType::I16, "I16", 2},         {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},       {DType::U32, "U32", 4},
    {DType::I32, "I32", 4},         {DType::F32, "F32", 4},
    {DType::U64, "U64", 8},         {DType::I64, "I64", 8},
    {DType::F64, "F64", 8},         {DType::F8_E4M3, "F8_E4M3", 1},
    {DType::F8_E5M2, "F8_E5M2", 1},
};

bool fail(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
  return false;
}

/// The header must not nest deeper than this (llvm::json parses
/// recursively; a hostile "[[[[..." must not exhaust the stack).
constexpr int kMaxDepth = 16;
/// Same cap as the reference implementation (100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

} // namespace

bool parseDType(const std::string &name, DType *out) {
  for (const DTypeEntry &e : kDTypes)
    if (name == e.name) {
      *out = e.type;
      return true;
    }
  return false;
}

const char *dtypeName(DType t) {
  for (const DTypeEntry &e : kDTypes)
    if (e.type == t)
      return e.name;
  return "?";
}

int dtypeSize(DType t) {
  for (const DTypeEntry &e : kDTypes)
    if (e.type == t)
      return e.size;
  return 0;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

bool SafetensorsFile::parse(const uint8_t *data, size_t size,
                            const std::string &file, SafetensorsFile *out,
                            std::string *err) {
  *out = SafetensorsFile();
  out->file_name_ = file;
  if (size < 8)
    return fail(err, file + ": not a safetensors file: " +
                         std::to_string(size) +
                         " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | data[i];
  if (n > size - 8)
    return fail(err, file + ": header length " + std::to_string(n) +
                         " runs past the end of the file (" +
                         std::to_string(size) + " bytes); truncated file?");
  if (n > kMaxHeader)
    return fail(err, file + ": header length " + std::to_string(n) +
                         " exceeds the 100 MB limit");
  if (n < 2 || data[8] != '{')
    return fail(err, file + ": not a safetensors file: the header does not "
                            "start with a JSON object");
  const char *text = reinterpret_cast<const char *>(data + 8);
  if (tern::frontend::jsonNestingDepth(std::string_view(text, n), kMaxDepth) > kMaxDepth)
    return fail(err, file + ": header JSON nests deeper than " +
                         std::to_string(kMaxDepth) + " levels");
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse(llvm::StringRef(text, n));
  if (!parsed) {
    std::string msg = llvm::toString(parsed.takeError());
    return fail(err, file + ": header is not valid JSON: " + msg);
  }
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return fail(err, file + ": header is not a JSON object");

  const uint64_t dataStart = 8 + n;
  const uint64_t dataSize = size - dataStart;
  // Deterministic order: sort by name (JSON objects are unordered).
  std::vector<std::string> names;
  for (const auto &kv : *root)
    names.push_back(kv.first.str());
  std::sort(names.begin(), names.end());
  for (const std::string &name : names) {
    const llvm::json::Value &v = *root->get(name);
    const std::string where = file + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      const llvm::json::Object *meta = v.getAsObject();
      if (!meta)
        return fail(err, file + ": __metadata__ is not a JSON object");
      for (const auto &m : *meta) {
        std::optional<llvm::StringRef> s = m.second.getAsString();
        if (!s)
          return fail(err, file + ": __metadata__ value '" + m.first.str() +
                               "' is not a string");
        out->metadata_[m.first.str()] = s->str();
      }
      continue;
    }
    const llvm::json::Object *t = v.getAsObject();
    if (!t)
      return fail(err, where + ": entry is not a JSON object");
    std::optional<llvm::StringRef> dt = t->getString("dtype");
    if (!dt)
      return fail(err, where + ": missing string \"dtype\"");
    TensorInfo info;
    info.name = name;
    if (!parseDType(dt->str(), &info.dtype))
      return fail(err, where + ": unknown dtype '" + dt->str() + "'");
    const llvm::json::Array *shape = t->getArray("shape");
    if (!shape)
      return fail(err, where + ": missing array \"shape\"");
    if (shape->size() > 8)
      return fail(err, where + ": " + std::to_string(shape->size()) +
                           " dimensions (at most 8 supported)");
    uint64_t elems = 1;
    bool overflow = false;
    for (const llvm::json::Value &d : *shape) {
      std::optional<int64_t> x = d.getAsInteger();
      if (!x || *x < 0)
        return fail(err, where + ": shape entries must be non-negative "
                                 "integers");
      info.shape.push_back(*x);
      if (*x != 0 && elems > UINT64_MAX / static_cast<uint64_t>(*x))
        overflow = true;
      elems *= static_cast<uint64_t>(*x);
    }
    const uint64_t esize = static_cast<uint64_t>(dtypeSize(info.dtype));
    if (overflow || elems > UINT64_MAX / esize)
      return fail(err, where + ": shape is too large");
    const llvm::json::Array *offs = t->getArray("data_offsets");
    if (!offs || offs->size() != 2)
      return fail(err, where + ": missing \"data_offsets\" [begin, end]");
    std::optional<int64_t> b = (*offs)[0].getAsInteger();
    std::optional<int64_t> e = (*offs)[1].getAsInteger();
    if (!b || !e || *b < 0 || *e < *b)
      return fail(err, where + ": data_offsets must be integers with "
                               "0 <= begin <= end");
    const uint64_t begin = static_cast<uint64_t>(*b);
    const uint64_t end = static_cast<uint64_t>(*e);
    if (end - begin != elems * esize)
      return fail(err, where + ": data_offsets [" + std::to_string(begin) +
                           ", " + std::to_string(end) + ") hold " +
                           std::to_string(end - begin) + " bytes but " +
                           dt->str() + " of that shape needs " +
                           std::to_string(elems * esize));
    if (end > dataSize)
      return fail(err, where + ": data [" + std::to_string(begin) + ", " +
                           std::to_string(end) +
                           ") runs past the end of the data (" +
                           std::to_string(dataSize) +
                           " bytes); truncated file?");
    info.file_offset = dataStart + begin;
    info.bytes = end - begin;
    info.data = data + dataStart + begin;
    out->index_[name] = out->tensors_.size();
    out->tensors_.push_back(std::move(info));
  }
  // No two tensors may share bytes.
  std::vector<const TensorInfo *> byOffset;
  for (const TensorInfo &t : out->tensors_)
    if (t.bytes)
      byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorInfo *a, const TensorInfo *b) {
              return a->file_offset < b->file_offset;
            });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->file_offset <
        byOffset[i - 1]->file_offset + byOffset[i - 1]->bytes)
      return fail(err, file + ": tensors '" + byOffset[i - 1]->name +
                           "' and '" + byOffset[i]->name + "' overlap");
  return true;
}

void SafetensorsWriter::addMetadata(const std::string &key,
                                    const std::string &value) {
  metadata_[key] = value;
}

void SafetensorsWriter::addTensor(const std::string &name, DType dtype,
                                  std::vector<int64_t> shape, const void *data,
                                  uint64_t bytes) {
  entries_.push_back({name, dtype, std::move(shape), data, bytes});
}

bool SafetensorsWriter::write(const std::string &path, std::string *err) const {
  llvm::json::Object root;
  if (!metadata_.empty()) {
    llvm::json::Object meta;
    for (const auto &kv : metadata_)
      meta[kv.first] = kv.second;
    root["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  std::vector<uint64_t> begins;
  for (const Entry &e : entries_) {
    offset = (offset + 7) & ~uint64_t(7);
    begins.push_back(offset);
    llvm::json::Array shape;
    for (int64_t d : e.shape)
      shape.push_back(d);
    root[e.name] = llvm::json::Object{
        {"dtype", dtypeName(e.dtype)},
        {"shape", std::move(shape)},
        {"data_offsets",
         llvm::json::Array{static_cast<int64_t>(offset),
                           static_cast<int64_t>(offset + e.bytes)}}};
    offset += e.bytes;
  }
  std::string header;
  llvm::raw_string_ostream os(header);
  os << llvm::json::Value(std::move(root));
  os.flush();
  while ((8 + header.size()) % 8)
    header.push_back(' ');

  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return fail(err, path + ": cannot open for writing: " +
                         std::strerror(errno));
  uint8_t len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >>
                                  (8 * i));
  bool ok = std::fwrite(len, 1, 8, f) == 8 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size();
  uint64_t pos = 0;
  static const char zeros[8] = {};
  for (size_t i = 0; ok && i < entries_.size(); ++i) {
    if (begins[i] > pos)
      ok = std::fwrite(zeros, 1, begins[i] - pos, f) == begins[i] - pos;
    pos = begins[i];
    const Entry &e = entries_[i];
    if (ok && e.bytes)
      ok = std::fwrite(e.data, 1, e.bytes, f) == e.bytes;
    pos += e.bytes;
  }
  if (std::fclose(f) != 0)
    ok = false;
  if (!ok)
    return fail(err, path + ": write failed: " + std::strerror(errno));
  return true;
}

} // namespace tern::st
