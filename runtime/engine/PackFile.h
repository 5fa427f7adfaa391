//===- PackFile.h - a mapped, validated .tpack file -------------*- C++ -*-===//
//
// The loaded model: a read-only mapping of the packed-model file whose every
// table entry has been checked (PackFile.cpp), so that the executor can walk
// the plan without further checks.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_PACKFILE_H
#define TERN_RUNTIME_ENGINE_PACKFILE_H

#include "runtime/include/tern_runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

struct tern_model {
  std::string path;
  const uint8_t *base = nullptr; ///< the mapping (file_bytes long)
  size_t size = 0;
  const tern_pack_header *header = nullptr;
  const tern_buffer *buffers = nullptr; ///< header->n_buffers entries
  const tern_step *steps = nullptr;     ///< header->n_steps entries
  tern_model_config config{};
  std::string target, fingerprint; ///< backing the config's strings
  tern_kernel_table kernels{};
};

namespace tern::rt {

/// Maps and validates `path` into *out (which must be fresh). On failure
/// returns false with a one-line message naming the file; *out then owns
/// nothing.
bool loadPackFile(const char *path, const tern_kernel_table *kernels,
                  tern_model *out, std::string *err);
/// Unmaps the file.
void unloadPackFile(tern_model *model);

/// Checks a header and its tables, given separately (PackWriter checks what
/// it is about to write). `size` is the file's size; `tokenizer` (may be
/// NULL) the tokenizer blob; `kernels` may be NULL to skip the checks against
/// an executable (fingerprint, kernel indices).
bool validatePlan(const tern_pack_header &h, const tern_buffer *buffers,
                  const tern_step *steps, const uint8_t *tokenizer,
                  uint64_t size, const std::string &name,
                  const tern_kernel_table *kernels, std::string *err);

/// Checks a header, buffer and step tables already in memory (`base`,
/// `size` bytes: the whole file) against `kernels`. Messages start with
/// "`name`: ". Exposed for PackWriter's self-check and the tests.
bool validatePack(const uint8_t *base, size_t size, const std::string &name,
                  const tern_kernel_table *kernels, std::string *err);

} // namespace tern::rt

#endif
