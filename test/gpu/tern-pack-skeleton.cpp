//===- tern-pack-skeleton.cpp - carry a big .tpack as a few MiB -----------===//
//
// The full-size 2b4t .tpack is 1.2 GB and at most 64 MiB travel to the GPU
// machines; throughput does not depend on the weights' values, only on
// their layout and on their being valid (ternary codes, finite floats). So
//
//   tern-pack-skeleton make IN.tpack -o OUT.skel [--sample-bytes N]
//
// keeps the .tpack's header, tables and tokenizer as they are and, of each
// weight buffer, its offset, size and first N bytes (default 16 KiB: whole
// scale vectors, a few rows of every matrix), and
//
//   tern-pack-skeleton fill IN.skel -o OUT.tpack
//
// writes a .tpack of the original size and layout whose every weight
// buffer repeats its sample. The executable checks it against its kernel
// contract as it would the original. The logits of such a model are
// meaningless; tiny and small travel whole for the correctness checks.
//
// The skeleton: "TERNSKL1", u64 prefix bytes, the prefix (the .tpack up to
// its first weight), u64 file bytes, u32 weights, then per weight u64
// offset, u64 bytes, u64 sample bytes and the sample. No MLIR, no LLVM.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_plan.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE *)>;

int fail(const std::string &msg) {
  std::fprintf(stderr, "tern-pack-skeleton: error: %s\n", msg.c_str());
  return 1;
}

File open(const std::string &path, const char *mode) {
  return File(std::fopen(path.c_str(), mode), std::fclose);
}

bool readAt(std::FILE *f, uint64_t at, void *p, size_t n) {
  return ::fseeko(f, off_t(at), SEEK_SET) == 0 && std::fread(p, 1, n, f) == n;
}

struct Weight {
  uint64_t offset, bytes;
  std::vector<char> sample;
};

int make(const std::string &in, const std::string &out, uint64_t sampleBytes) {
  File f = open(in, "rb");
  if (!f)
    return fail(in + ": cannot open: " + std::strerror(errno));
  ::fseeko(f.get(), 0, SEEK_END);
  const uint64_t size = uint64_t(::ftello(f.get()));
  tern_pack_header h;
  if (!readAt(f.get(), 0, &h, sizeof h) || std::memcmp(h.magic, TERN_PACK_MAGIC, 8) != 0 ||
      h.header_bytes != sizeof h)
    return fail(in + ": not a .tpack file (bad magic or header size)");
  if (h.file_bytes != size)
    return fail(in + ": " + std::to_string(size) + " bytes but its header says " +
                std::to_string(h.file_bytes) + " (truncated?)");
  if (h.n_buffers == 0 || h.n_buffers > 1000000 ||
      h.buffers_offset + uint64_t(h.n_buffers) * sizeof(tern_buffer) > size)
    return fail(in + ": the buffer table does not fit in the file");
  std::vector<tern_buffer> bufs(h.n_buffers);
  if (!readAt(f.get(), h.buffers_offset, bufs.data(), bufs.size() * sizeof(tern_buffer)))
    return fail(in + ": cannot read the buffer table");
  std::vector<Weight> weights;
  uint64_t first = size;
  for (const tern_buffer &b : bufs) {
    if (b.kind != TERN_BUF_WEIGHT)
      continue;
    if (b.offset > size || b.bytes > size - b.offset)
      return fail(in + ": a weight buffer runs past the end of the file");
    Weight w{b.offset, b.bytes, std::vector<char>(std::min(b.bytes, sampleBytes))};
    if (!readAt(f.get(), b.offset, w.sample.data(), w.sample.size()))
      return fail(in + ": cannot read a weight");
    first = std::min(first, b.offset);
    weights.push_back(std::move(w));
  }
  const uint64_t tablesEnd =
      std::max({h.buffers_offset + uint64_t(h.n_buffers) * sizeof(tern_buffer),
                h.steps_offset + uint64_t(h.n_steps) * sizeof(tern_step),
                h.tokenizer_offset + h.tokenizer_bytes});
  if (tablesEnd > first)
    return fail(in + ": its tables or tokenizer lie after a weight: not a layout this tool "
                     "knows (runtime/engine/PackWriter.h)");
  std::vector<char> prefix(first);
  if (!readAt(f.get(), 0, prefix.data(), prefix.size()))
    return fail(in + ": cannot read its header and tables");
  File o = open(out, "wb");
  if (!o)
    return fail(out + ": cannot write: " + std::strerror(errno));
  auto u64 = [&](uint64_t v) { std::fwrite(&v, 8, 1, o.get()); };
  std::fwrite("TERNSKL1", 1, 8, o.get());
  u64(prefix.size());
  std::fwrite(prefix.data(), 1, prefix.size(), o.get());
  u64(size);
  uint32_t n = uint32_t(weights.size());
  std::fwrite(&n, 4, 1, o.get());
  for (const Weight &w : weights) {
    u64(w.offset);
    u64(w.bytes);
    u64(w.sample.size());
    std::fwrite(w.sample.data(), 1, w.sample.size(), o.get());
  }
  if (std::ferror(o.get()) || std::fclose(o.release()) != 0)
    return fail(out + ": write failed");
  std::fprintf(stderr, "tern-pack-skeleton: %s (%llu MB) -> %s: %u weights, %llu-byte samples\n",
               in.c_str(), (unsigned long long)(size >> 20), out.c_str(), n,
               (unsigned long long)sampleBytes);
  return 0;
}

int fill(const std::string &in, const std::string &out) {
  File f = open(in, "rb");
  if (!f)
    return fail(in + ": cannot open: " + std::strerror(errno));
  auto u64 = [&](uint64_t *v) { return std::fread(v, 8, 1, f.get()) == 1; };
  char magic[8];
  uint64_t prefixBytes = 0, size = 0;
  if (std::fread(magic, 1, 8, f.get()) != 8 || std::memcmp(magic, "TERNSKL1", 8) != 0)
    return fail(in + ": not a .tpack skeleton (no TERNSKL1 magic)");
  if (!u64(&prefixBytes) || prefixBytes > (uint64_t(1) << 32))
    return fail(in + ": truncated or corrupt (prefix)");
  std::vector<char> prefix(prefixBytes);
  uint32_t n = 0;
  if (std::fread(prefix.data(), 1, prefix.size(), f.get()) != prefix.size() || !u64(&size) ||
      std::fread(&n, 4, 1, f.get()) != 1 || size < prefixBytes)
    return fail(in + ": truncated or corrupt (header)");
  std::vector<Weight> weights(n);
  for (Weight &w : weights) {
    uint64_t s = 0;
    if (!u64(&w.offset) || !u64(&w.bytes) || !u64(&s) || s > w.bytes || (w.bytes && !s) ||
        w.offset < prefixBytes || w.offset > size || w.bytes > size - w.offset ||
        s > (uint64_t(1) << 30))
      return fail(in + ": truncated or corrupt (a weight)");
    w.sample.resize(s);
    if (std::fread(w.sample.data(), 1, s, f.get()) != s)
      return fail(in + ": truncated (a weight's sample)");
  }
  std::sort(weights.begin(), weights.end(),
            [](const Weight &a, const Weight &b) { return a.offset < b.offset; });
  File o = open(out + ".tmp", "wb");
  if (!o)
    return fail(out + ": cannot write: " + std::strerror(errno));
  std::vector<char> zeros(1 << 20, 0);
  uint64_t at = 0;
  auto pad = [&](uint64_t to) {
    while (at < to) {
      size_t k = size_t(std::min<uint64_t>(zeros.size(), to - at));
      std::fwrite(zeros.data(), 1, k, o.get());
      at += k;
    }
  };
  std::fwrite(prefix.data(), 1, prefix.size(), o.get());
  at = prefix.size();
  std::vector<char> chunk;
  for (const Weight &w : weights) {
    if (w.offset < at)
      return fail(in + ": weights overlap");
    pad(w.offset);
    chunk.clear();
    while (chunk.size() < std::min<uint64_t>(w.bytes, 1 << 20))
      chunk.insert(chunk.end(), w.sample.begin(), w.sample.end());
    for (uint64_t done = 0; done < w.bytes;) {
      size_t k = size_t(std::min<uint64_t>(chunk.size(), w.bytes - done));
      std::fwrite(chunk.data(), 1, k, o.get()); // chunk is whole samples: the period holds
      done += k;
    }
    at += w.bytes;
  }
  pad(size);
  if (std::ferror(o.get()) || std::fclose(o.release()) != 0)
    return fail(out + ": write failed (disk full?)");
  if (std::rename((out + ".tmp").c_str(), out.c_str()) != 0)
    return fail(out + ": cannot rename into place: " + std::strerror(errno));
  std::fprintf(stderr, "tern-pack-skeleton: wrote %s (%llu MB, %u weights from samples)\n",
               out.c_str(), (unsigned long long)(size >> 20), n);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string cmd = argc > 1 ? argv[1] : "", in, out;
  uint64_t sample = 16 << 10;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--sample-bytes" && i + 1 < argc)
      sample = std::strtoull(argv[++i], nullptr, 10);
    else if (in.empty() && a[0] != '-')
      in = a;
    else
      return fail("unknown argument '" + a + "'");
  }
  if ((cmd != "make" && cmd != "fill") || in.empty() || out.empty() || sample < 64 || sample % 64) {
    std::fprintf(stderr, "usage: tern-pack-skeleton make IN.tpack -o OUT.skel [--sample-bytes N]\n"
                         "       tern-pack-skeleton fill IN.skel -o OUT.tpack\n");
    return 1;
  }
  return cmd == "make" ? make(in, out, sample) : fill(in, out);
}
