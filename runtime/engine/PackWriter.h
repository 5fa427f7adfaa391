//===- PackWriter.h - write a .tpack file -----------------------*- C++ -*-===//
//
// Lays out a packed-model file (tern_plan.h): the header at 0, then the
// buffer table, the step table, the tokenizer blob and every weight, each
// starting on a 64-byte boundary (zero padding between). The writer fills
// magic, version, header_bytes, n_buffers, n_steps, every offset and
// file_bytes; the caller gives the model's configuration, the plan and the
// bytes of each weight buffer. Used by tern-compile and by the tests.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_PACKWRITER_H
#define TERN_RUNTIME_ENGINE_PACKWRITER_H

#include "runtime/include/tern_plan.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace tern::rt {

/// The header fields the caller decides.
struct PackInfo {
  std::string fingerprint; ///< at most TERN_FINGERPRINT_BYTES bytes
  std::string target;      ///< at most 32 bytes
  int32_t vocab = 0, hidden = 0, layers = 0, heads = 0, kv_heads = 0,
          head_dim = 0, ffn = 0, max_context = 0, max_batch = 0;
  int32_t bos = -1, eos = -1, eot = -1;
};

/// The bytes of one weight buffer: `data` (buffer.bytes of them), or, when
/// data is null, `write`, called once to append exactly buffer.bytes bytes
/// to the file (for weights re-laid out on the fly).
struct PackWeight {
  const void *data = nullptr;
  std::function<bool(std::FILE *out, std::string *err)> write;
};

struct PackContents {
  PackInfo info;
  /// The plan. A TERN_BUF_WEIGHT buffer's offset is assigned by the writer
  /// (whatever is given is ignored); its bytes must be set.
  std::vector<tern_buffer> buffers;
  std::vector<tern_step> steps;
  /// One per TERN_BUF_WEIGHT buffer, in buffer order.
  std::vector<PackWeight> weights;
  /// serializeTokenizer's blob, or empty for none.
  std::string tokenizer;
};

/// Checks the contents as the runtime will (except the kernel table),
/// writes `path` + ".tmp" and renames it to `path`. False + err (naming the
/// file) on any problem; nothing is left at `path` then.
bool writePackFile(const std::string &path, const PackContents &contents,
                   std::string *err);

/// The header and tables writePackFile would write (offsets and sizes
/// filled in), without writing anything. False + err on bad contents.
bool layoutPack(const PackContents &contents, const std::string &name,
                tern_pack_header *header, std::vector<tern_buffer> *buffers,
                std::string *err);

} // namespace tern::rt

#endif
