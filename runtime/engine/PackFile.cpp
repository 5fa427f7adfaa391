//===- PackFile.cpp - map and validate a .tpack file ----------------------===//
//
// Everything in the file is checked before anything is used: a bad or
// foreign file is one error line naming the file and the field, never a
// crash. In order:
//   * size >= the header, magic, version == TERN_PACK_VERSION, header_bytes
//     == sizeof(tern_pack_header), file_bytes == the file's size;
//   * the fingerprint (up to its first NUL, all 64 bytes if none) equals the
//     kernel table's;
//   * vocab, hidden, layers, heads, kv_heads, head_dim, ffn, max_context,
//     max_batch > 0; bos, eos, eot in [-1, vocab);
//   * both tables and the tokenizer lie within the file, the tables 64-byte
//     aligned; a tokenizer starts with "TERNTOK2";
//   * buffers: reserved == 0; weights 64-byte aligned and within the file;
//     every other kind has offset 0; activation and state bytes > 0 (and at
//     most 2^48, per row times max_batch for activations); tokens bytes 0 or
//     4; logits bytes == vocab * 4 (times max_batch at most 2^48); at most
//     one tokens and one logits buffer;
//   * steps: kernel < num_kernels and non-null; range kind known; FIXED range
//     >= 1, TOKENS range == 0; grain >= 1; no flags but TERN_STEP_HEAD;
//     nargs <= TERN_MAX_KERNEL_ARGS, args[i] < n_buffers, unused slots 0;
//   * against the executable's plan contract (PlanContract.cpp): the
//     configuration equals the one the kernels were compiled for (so
//     max_context bounds what the KV-cache kernels index, max_batch the
//     activation rows), and every step calls its kernel with the range,
//     grain, flags and argument buffers (kind and bytes) it was generated
//     for.
//
//===----------------------------------------------------------------------===//
#include "runtime/engine/PackFile.h"

#include "runtime/engine/Error.h"
#include "runtime/engine/PlanContract.h"
#include "runtime/engine/TokenizerBlob.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(sizeof(tern_pack_header) == 208, "tern_pack_header layout");
static_assert(sizeof(tern_buffer) == 24, "tern_buffer layout");
static_assert(sizeof(tern_step) == 80, "tern_step layout");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .tpack format is little-endian; big-endian hosts are unsupported"
#endif

namespace tern::rt {

namespace {

std::string str(uint64_t v) { return std::to_string(v); }
std::string str(int64_t v) { return std::to_string(v); }

/// The string in a NUL-padded fixed field (all of it when there is no NUL).
std::string fixedString(const char *field, size_t n) {
  size_t len = 0;
  while (len < n && field[len])
    ++len;
  return std::string(field, len);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

/// Printable rendering of a fingerprint for messages.
std::string quoted(const std::string &s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "'";
}

/// [offset, offset + bytes) lies within [0, size), without overflow.
bool within(uint64_t offset, uint64_t bytes, uint64_t size) {
  return offset <= size && bytes <= size - offset;
}

/// Largest size of one buffer the runtime accepts (256 TiB): keeps every
/// later sum and product far from overflow.
constexpr uint64_t kMaxBufferBytes = uint64_t(1) << 48;

bool validateHeaderFields(const tern_pack_header &h, uint64_t size,
                          const std::string &name,
                          const tern_kernel_table *kernels, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  if (std::memcmp(h.magic, TERN_PACK_MAGIC, 8) != 0)
    return fail("not a tern packed model (bad magic; expected \"" TERN_PACK_MAGIC
                "\")");
  if (h.version != TERN_PACK_VERSION)
    return fail("unsupported .tpack version " + str(uint64_t(h.version)) +
                " (this runtime reads version " + str(uint64_t(TERN_PACK_VERSION)) +
                "): recompile the model with tern-compile");
  if (h.header_bytes != sizeof(tern_pack_header))
    return fail("header_bytes is " + str(uint64_t(h.header_bytes)) +
                ", expected " + str(uint64_t(sizeof(tern_pack_header))));
  if (h.file_bytes > size)
    return fail("truncated: the file has " + str(size) +
                " bytes but its header says " + str(h.file_bytes));
  if (h.file_bytes < size)
    return fail("the file has " + str(size) + " bytes but its header says " +
                str(h.file_bytes) + " (trailing bytes: corrupt file?)");

  if (kernels) {
    if (!kernels->fingerprint)
      return fail("the executable's kernel table has no fingerprint");
    const std::string mine = kernels->fingerprint;
    const std::string theirs =
        fixedString(h.fingerprint, TERN_FINGERPRINT_BYTES);
    if (mine != theirs)
      return fail("was compiled for kernels " + quoted(theirs) +
                  " but this executable has " + quoted(mine) +
                  ": recompile the model so that the executable and its "
                  ".tpack come from the same tern-compile run");
  }

  struct Field {
    const char *what;
    int32_t value;
  } positive[] = {{"vocab", h.vocab},         {"hidden", h.hidden},
                  {"layers", h.layers},       {"heads", h.heads},
                  {"kv_heads", h.kv_heads},   {"head_dim", h.head_dim},
                  {"ffn", h.ffn},             {"max_context", h.max_context},
                  {"max_batch", h.max_batch}};
  for (const Field &f : positive)
    if (f.value <= 0)
      return fail(std::string("config ") + f.what + " is " +
                  std::to_string(f.value) + ", must be positive");
  Field ids[] = {{"bos", h.bos}, {"eos", h.eos}, {"eot", h.eot}};
  for (const Field &f : ids)
    if (f.value < -1 || f.value >= h.vocab)
      return fail(std::string("config ") + f.what + " token id " +
                  std::to_string(f.value) + " is outside [-1, vocab " +
                  std::to_string(h.vocab) + ")");

  // Table placement.
  const uint64_t buffersBytes = uint64_t(h.n_buffers) * sizeof(tern_buffer);
  const uint64_t stepsBytes = uint64_t(h.n_steps) * sizeof(tern_step);
  auto checkTable = [&](const char *what, uint64_t offset, uint64_t entries,
                        uint64_t bytes) {
    if (offset % TERN_PACK_ALIGN != 0)
      return fail(std::string(what) + " offset " + str(offset) +
                  " is not 64-byte aligned");
    if (!within(offset, bytes, h.file_bytes))
      return fail(std::string(what) + " (" + str(entries) +
                  " entries at offset " + str(offset) +
                  ") extends past the end of the file (" + str(h.file_bytes) +
                  " bytes)");
    return true;
  };
  if (!checkTable("buffer table", h.buffers_offset, h.n_buffers, buffersBytes) ||
      !checkTable("step table", h.steps_offset, h.n_steps, stepsBytes))
    return false;
  if (h.tokenizer_bytes > 0 &&
      !within(h.tokenizer_offset, h.tokenizer_bytes, h.file_bytes))
    return fail("tokenizer (" + str(h.tokenizer_bytes) + " bytes at offset " +
                str(h.tokenizer_offset) + ") extends past the end of the file (" +
                str(h.file_bytes) + " bytes)");
  return true;
}

/// The tokenizer's magic and every buffer and step, given a header that
/// passed validateHeaderFields.
bool validateTables(const tern_pack_header &h, const tern_buffer *buffers,
                    const tern_step *steps, const uint8_t *tokenizer,
                    const std::string &name, const tern_kernel_table *kernels,
                    std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  if (tokenizer && h.tokenizer_bytes > 0 &&
      !looksLikeTokenizerBlob(tokenizer, h.tokenizer_bytes))
    return fail("the tokenizer at offset " + str(h.tokenizer_offset) +
                " is not a TERNTOK blob");

  int tokensBuffers = 0, logitsBuffers = 0;
  for (uint32_t i = 0; i < h.n_buffers; ++i) {
    const tern_buffer &b = buffers[i];
    const std::string where = "buffer " + str(uint64_t(i)) + " (" +
                              bufferKindName(b.kind) + ")";
    if (b.reserved != 0)
      return fail(where + " has non-zero reserved field " +
                  str(uint64_t(b.reserved)));
    switch (b.kind) {
    case TERN_BUF_WEIGHT:
      if (b.offset % TERN_PACK_ALIGN != 0)
        return fail(where + " at offset " + str(b.offset) +
                    " is not 64-byte aligned");
      if (!within(b.offset, b.bytes, h.file_bytes))
        return fail(where + " (" + str(b.bytes) + " bytes at offset " +
                    str(b.offset) + ") extends past the end of the file (" +
                    str(h.file_bytes) + " bytes)");
      break;
    case TERN_BUF_ACTIVATION:
    case TERN_BUF_STATE:
    case TERN_BUF_TOKENS:
    case TERN_BUF_LOGITS:
      if (b.offset != 0)
        return fail(where + " has offset " + str(b.offset) +
                    " (only weights live in the file; must be 0)");
      if (b.kind == TERN_BUF_ACTIVATION || b.kind == TERN_BUF_STATE) {
        if (b.bytes == 0)
          return fail(where + " has 0 bytes");
        if (b.bytes > kMaxBufferBytes ||
            (b.kind == TERN_BUF_ACTIVATION &&
             b.bytes > kMaxBufferBytes / uint64_t(h.max_batch)))
          return fail(where + " of " + str(b.bytes) +
                      (b.kind == TERN_BUF_ACTIVATION ? " bytes per row" : " bytes") +
                      " is too large");
      } else if (b.kind == TERN_BUF_TOKENS) {
        if (++tokensBuffers > 1)
          return fail(where + ": more than one tokens buffer");
        if (b.bytes != 0 && b.bytes != sizeof(int32_t))
          return fail(where + " has " + str(b.bytes) +
                      " bytes per row, expected 4 (int32 ids)");
      } else {
        if (++logitsBuffers > 1)
          return fail(where + ": more than one logits buffer");
        if (b.bytes != uint64_t(h.vocab) * sizeof(float))
          return fail(where + " has " + str(b.bytes) +
                      " bytes per row, expected vocab * 4 = " +
                      str(uint64_t(h.vocab) * sizeof(float)));
        if (b.bytes > kMaxBufferBytes / uint64_t(h.max_batch))
          return fail(where + " of " + str(b.bytes) + " bytes per row times " +
                      "max_batch " + str(int64_t(h.max_batch)) + " is too large");
      }
      break;
    default:
      return fail(where + " has unknown kind " + str(uint64_t(b.kind)));
    }
  }

  for (uint32_t i = 0; i < h.n_steps; ++i) {
    const tern_step &s = steps[i];
    const std::string where = "step " + str(uint64_t(i));
    if (kernels) {
      if (int64_t(s.kernel) >= kernels->num_kernels)
        return fail(where + " calls kernel " + str(uint64_t(s.kernel)) +
                    " but the executable has " + str(kernels->num_kernels) +
                    ": recompile the model");
      if (kernels->ptx) {
        const tern_gpu_kernel *g = kernels->gpu_kernels ? &kernels->gpu_kernels[s.kernel]
                                                        : nullptr;
        if (!g || !g->name || g->block_threads < 1 || g->block_threads > 1024 ||
            g->items_per_block < 1)
          return fail(where + " calls GPU kernel " + str(uint64_t(s.kernel)) +
                      ", which has no valid launch shape in the executable");
      } else if (!kernels->kernels || !kernels->kernels[s.kernel]) {
        return fail(where + " calls kernel " + str(uint64_t(s.kernel)) +
                    ", which is null in the executable's kernel table");
      }
    }
    if (s.range_kind != TERN_RANGE_TOKENS && s.range_kind != TERN_RANGE_FIXED)
      return fail(where + " has unknown range kind " +
                  str(uint64_t(s.range_kind)));
    if (s.range_kind == TERN_RANGE_FIXED && s.range < 1)
      return fail(where + " has a fixed range of " + str(s.range) +
                  " items, must be >= 1");
    if (s.range_kind == TERN_RANGE_TOKENS && s.range != 0)
      return fail(where + " ranges over tokens but has range " +
                  str(s.range) + " (must be 0)");
    if (s.grain < 1)
      return fail(where + " has grain " + str(s.grain) + ", must be >= 1");
    if (s.flags & ~uint32_t(TERN_STEP_HEAD))
      return fail(where + " has unknown flags " + hex32(s.flags));
    if (s.nargs > TERN_MAX_KERNEL_ARGS)
      return fail(where + " has " + str(uint64_t(s.nargs)) +
                  " arguments, at most " + str(uint64_t(TERN_MAX_KERNEL_ARGS)));
    for (uint32_t a = 0; a < TERN_MAX_KERNEL_ARGS; ++a) {
      if (a < s.nargs && s.args[a] >= h.n_buffers)
        return fail(where + " argument " + str(uint64_t(a)) + " is buffer " +
                    str(uint64_t(s.args[a])) + " but there are " +
                    str(uint64_t(h.n_buffers)) + " buffers");
      if (a >= s.nargs && s.args[a] != 0)
        return fail(where + " has a non-zero unused argument slot " +
                    str(uint64_t(a)));
    }
  }
  // Last, what the kernels index: every field and step against the
  // executable's contract.
  if (kernels)
    return checkContract(h, buffers, steps, kernels->contract,
                         kernels->num_kernels, name, err);
  return true;
}

} // namespace

bool validatePlan(const tern_pack_header &h, const tern_buffer *buffers,
                  const tern_step *steps, const uint8_t *tokenizer,
                  uint64_t size, const std::string &name,
                  const tern_kernel_table *kernels, std::string *err) {
  return validateHeaderFields(h, size, name, kernels, err) &&
         validateTables(h, buffers, steps, tokenizer, name, kernels, err);
}

bool validatePack(const uint8_t *base, size_t size, const std::string &name,
                  const tern_kernel_table *kernels, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  const size_t magicBytes = 8;
  const size_t check = size < magicBytes ? size : magicBytes;
  if (size == 0)
    return fail("empty file (not a tern packed model)");
  if (std::memcmp(base, TERN_PACK_MAGIC, check) != 0)
    return fail("not a tern packed model (bad magic; expected \"" TERN_PACK_MAGIC
                "\")");
  if (size < sizeof(tern_pack_header))
    return fail("truncated: the file has " + str(uint64_t(size)) +
                " bytes, less than the " +
                str(uint64_t(sizeof(tern_pack_header))) + "-byte header");
  // The mapping is page-aligned and so are the tables (checked before use).
  tern_pack_header h;
  std::memcpy(&h, base, sizeof h);
  if (!validateHeaderFields(h, size, name, kernels, err))
    return false;
  const auto *buffers =
      reinterpret_cast<const tern_buffer *>(base + h.buffers_offset);
  const auto *steps = reinterpret_cast<const tern_step *>(base + h.steps_offset);
  const uint8_t *tokenizer =
      h.tokenizer_bytes ? base + h.tokenizer_offset : nullptr;
  return validateTables(h, buffers, steps, tokenizer, name, kernels, err);
}

bool loadPackFile(const char *path, const tern_kernel_table *kernels,
                  tern_model *out, std::string *err) {
  const std::string name = path ? path : "(null)";
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  if (!path)
    return fail("no packed-model path given");
  if (!kernels)
    return fail("no kernel table given");
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(std::string("cannot open packed model: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(std::string("cannot stat: ") + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return fail("empty file (not a tern packed model)");
  }
  void *map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd);
  if (map == MAP_FAILED)
    return fail(std::string("cannot map: ") + std::strerror(mapErrno));
  const auto *base = static_cast<const uint8_t *>(map);
  if (!validatePack(base, size, name, kernels, err)) {
    ::munmap(map, size);
    return false;
  }
  out->path = name;
  out->base = base;
  out->size = size;
  out->header = reinterpret_cast<const tern_pack_header *>(base);
  const tern_pack_header &h = *out->header;
  out->buffers = reinterpret_cast<const tern_buffer *>(base + h.buffers_offset);
  out->steps = reinterpret_cast<const tern_step *>(base + h.steps_offset);
  out->target = fixedString(h.target, sizeof(h.target));
  out->fingerprint = fixedString(h.fingerprint, TERN_FINGERPRINT_BYTES);
  out->kernels = *kernels;
  tern_model_config &c = out->config;
  copyModelShape(h, &c);
  c.bos = h.bos;
  c.eos = h.eos;
  c.eot = h.eot;
  c.target = out->target.c_str();
  c.fingerprint = out->fingerprint.c_str();
  return true;
}

void unloadPackFile(tern_model *model) {
  if (model->base)
    ::munmap(const_cast<uint8_t *>(model->base), model->size);
  model->base = nullptr;
  model->size = 0;
}

} // namespace tern::rt

using tern::rt::setError;

extern "C" tern_model *tern_model_load(const char *pack_path,
                                       const tern_kernel_table *kernels,
                                       char *err, size_t err_len) {
  tern_model *m = new tern_model;
  std::string msg;
  if (!tern::rt::loadPackFile(pack_path, kernels, m, &msg)) {
    delete m;
    setError(err, err_len, msg);
    return nullptr;
  }
  return m;
}

extern "C" void tern_model_free(tern_model *model) {
  if (!model)
    return;
  tern::rt::unloadPackFile(model);
  delete model;
}

extern "C" const tern_model_config *tern_model_get_config(const tern_model *model) {
  return &model->config;
}

extern "C" const char *tern_model_path(const tern_model *model) {
  return model->path.c_str();
}

extern "C" const uint8_t *tern_model_tokenizer(const tern_model *model,
                                               size_t *bytes) {
  const tern_pack_header &h = *model->header;
  if (h.tokenizer_bytes == 0) {
    if (bytes)
      *bytes = 0;
    return nullptr;
  }
  if (bytes)
    *bytes = static_cast<size_t>(h.tokenizer_bytes);
  return model->base + h.tokenizer_offset;
}
