//===- safetensors_fuzz.cpp - libFuzzer target for the safetensors parser -===//
//
// Parses arbitrary bytes; on success every tensor's bytes must lie inside the
// input and match dtype x shape, and touching all of them must be safe.
//
//===----------------------------------------------------------------------===//
#include "frontend/safetensors/Safetensors.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern::st::SafetensorsFile f;
  std::string err;
  if (!tern::st::SafetensorsFile::parse(data, size, "fuzz", &f, &err)) {
    if (err.empty() || err.find('\n') != std::string::npos)
      std::abort(); // every error is one non-empty line
    return 0;
  }
  unsigned sum = 0;
  for (const tern::st::TensorInfo &t : f.tensors()) {
    if (t.data < data || t.data + t.bytes > data + size)
      std::abort();
    uint64_t elems = 1;
    for (int64_t d : t.shape)
      elems *= static_cast<uint64_t>(d);
    if (elems * tern::st::dtypeSize(t.dtype) != t.bytes)
      std::abort();
    for (uint64_t i = 0; i < t.bytes; ++i)
      sum += t.data[i];
  }
  return static_cast<int>(sum & 0);
}
