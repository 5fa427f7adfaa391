//===- PackWriter.cpp - write a .tpack file -------------------------------===//
#include "runtime/engine/PackWriter.h"

#include "runtime/engine/PackFile.h"

#include <cerrno>
#include <cstring>
#include <sys/types.h>
#include <unistd.h>

namespace tern::rt {

namespace {

uint64_t alignUp(uint64_t v) {
  return (v + TERN_PACK_ALIGN - 1) / TERN_PACK_ALIGN * TERN_PACK_ALIGN;
}

/// Writes a file sequentially, tracking the position and the first error.
class Out {
public:
  explicit Out(std::FILE *f) : f_(f) {}
  bool bytes(const void *p, uint64_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n)
      return false;
    pos_ += n;
    return true;
  }
  /// Zero bytes up to `to` (>= the current position).
  bool padTo(uint64_t to) {
    static const char zeros[TERN_PACK_ALIGN] = {};
    while (pos_ < to) {
      uint64_t n = to - pos_ < sizeof zeros ? to - pos_ : sizeof zeros;
      if (!bytes(zeros, n))
        return false;
    }
    return true;
  }
  uint64_t pos() const { return pos_; }
  void skipped(uint64_t n) { pos_ += n; }

private:
  std::FILE *f_;
  uint64_t pos_ = 0;
};

} // namespace

bool layoutPack(const PackContents &c, const std::string &name,
                tern_pack_header *header, std::vector<tern_buffer> *buffers,
                std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  const PackInfo &in = c.info;
  if (in.fingerprint.size() > TERN_FINGERPRINT_BYTES)
    return fail("fingerprint longer than " +
                std::to_string(TERN_FINGERPRINT_BYTES) + " bytes");
  if (in.fingerprint.find('\0') != std::string::npos)
    return fail("fingerprint contains a NUL byte");
  tern_pack_header h;
  std::memset(&h, 0, sizeof h);
  if (in.target.size() > sizeof(h.target))
    return fail("target name longer than " + std::to_string(sizeof(h.target)) +
                " bytes");
  if (c.buffers.size() > UINT32_MAX || c.steps.size() > UINT32_MAX)
    return fail("too many buffers or steps");
  std::memcpy(h.magic, TERN_PACK_MAGIC, 8);
  h.version = TERN_PACK_VERSION;
  h.header_bytes = sizeof(tern_pack_header);
  std::memcpy(h.fingerprint, in.fingerprint.data(), in.fingerprint.size());
  std::memcpy(h.target, in.target.data(), in.target.size());
  h.vocab = in.vocab;
  h.hidden = in.hidden;
  h.layers = in.layers;
  h.heads = in.heads;
  h.kv_heads = in.kv_heads;
  h.head_dim = in.head_dim;
  h.ffn = in.ffn;
  h.max_context = in.max_context;
  h.max_batch = in.max_batch;
  h.bos = in.bos;
  h.eos = in.eos;
  h.eot = in.eot;
  h.n_buffers = static_cast<uint32_t>(c.buffers.size());
  h.n_steps = static_cast<uint32_t>(c.steps.size());

  uint64_t pos = alignUp(sizeof(tern_pack_header));
  h.buffers_offset = pos;
  pos = alignUp(pos + c.buffers.size() * sizeof(tern_buffer));
  h.steps_offset = pos;
  pos += c.steps.size() * sizeof(tern_step);
  if (!c.tokenizer.empty()) {
    pos = alignUp(pos);
    h.tokenizer_offset = pos;
    h.tokenizer_bytes = c.tokenizer.size();
    pos += c.tokenizer.size();
  }
  *buffers = c.buffers;
  size_t weights = 0;
  for (size_t i = 0; i < buffers->size(); ++i) {
    tern_buffer &b = (*buffers)[i];
    if (b.kind != TERN_BUF_WEIGHT)
      continue;
    if (weights >= c.weights.size())
      return fail("buffer " + std::to_string(i) +
                  " is a weight but only " + std::to_string(c.weights.size()) +
                  " weights were given");
    const PackWeight &w = c.weights[weights++];
    if (!w.data && !w.write)
      return fail("weight buffer " + std::to_string(i) + " has no data");
    pos = alignUp(pos);
    b.offset = pos;
    if (b.bytes > UINT64_MAX - pos)
      return fail("weight buffer " + std::to_string(i) + " is too large");
    pos += b.bytes;
  }
  if (weights != c.weights.size())
    return fail(std::to_string(c.weights.size()) + " weights given for " +
                std::to_string(weights) + " weight buffers");
  h.file_bytes = pos;
  const uint8_t *tok =
      c.tokenizer.empty() ? nullptr
                          : reinterpret_cast<const uint8_t *>(c.tokenizer.data());
  if (!validatePlan(h, buffers->data(), c.steps.data(), tok, h.file_bytes,
                    name, /*kernels=*/nullptr, err))
    return false;
  *header = h;
  return true;
}

bool writePackFile(const std::string &path, const PackContents &c,
                   std::string *err) {
  tern_pack_header h;
  std::vector<tern_buffer> buffers;
  if (!layoutPack(c, path, &h, &buffers, err))
    return false;
  const std::string tmp = path + ".tmp";
  std::FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    *err = path + ": cannot create '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string &msg) {
    std::fclose(f);
    ::unlink(tmp.c_str());
    *err = path + ": " + msg;
    return false;
  };
  auto ioError = [&]() {
    return fail(std::string("cannot write '") + tmp + "': " + std::strerror(errno));
  };
  Out out(f);
  if (!out.bytes(&h, sizeof h) || !out.padTo(h.buffers_offset) ||
      !out.bytes(buffers.data(), buffers.size() * sizeof(tern_buffer)) ||
      !out.padTo(h.steps_offset) ||
      !out.bytes(c.steps.data(), c.steps.size() * sizeof(tern_step)))
    return ioError();
  if (h.tokenizer_bytes &&
      (!out.padTo(h.tokenizer_offset) ||
       !out.bytes(c.tokenizer.data(), c.tokenizer.size())))
    return ioError();
  size_t w = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const tern_buffer &b = buffers[i];
    if (b.kind != TERN_BUF_WEIGHT)
      continue;
    const PackWeight &pw = c.weights[w++];
    if (!out.padTo(b.offset))
      return ioError();
    if (pw.data) {
      if (!out.bytes(pw.data, b.bytes))
        return ioError();
      continue;
    }
    std::string msg;
    if (!pw.write(f, &msg))
      return fail("weight buffer " + std::to_string(i) + ": " + msg);
    const off_t at = ftello(f);
    if (at < 0 || static_cast<uint64_t>(at) != b.offset + b.bytes)
      return fail("weight buffer " + std::to_string(i) + ": the writer wrote " +
                  std::to_string(at < 0 ? 0 : static_cast<uint64_t>(at) - b.offset) +
                  " bytes, the buffer has " + std::to_string(b.bytes));
    out.skipped(b.bytes);
  }
  if (out.pos() != h.file_bytes)
    return fail("internal error: wrote " + std::to_string(out.pos()) +
                " bytes, expected " + std::to_string(h.file_bytes));
  if (std::fflush(f) != 0)
    return ioError();
  if (std::fclose(f) != 0) {
    ::unlink(tmp.c_str());
    *err = path + ": cannot write '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    *err = path + ": cannot rename '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

} // namespace tern::rt
