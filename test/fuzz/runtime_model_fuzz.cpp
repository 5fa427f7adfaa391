//===- runtime_model_fuzz.cpp - real kernels over mutated .tpack files -----===//
//
// libFuzzer target linked with the object of a compiled model
// (tern-compile --emit=obj: its kernels, kernel table, fingerprint and plan
// contract; test/fuzz/run.sh compiles the `micro` preset) and seeded with
// that model's .tpack. Each input is loaded through a memfd exactly as the
// executable loads its .tpack; when it loads, a context is made and a
// prompt, then two decode steps, run through the generated kernels. A file
// the loader accepts must therefore never make a kernel read or write past
// a buffer (ASan checks the runtime's own accesses; a kernel that strays
// out of its mappings faults). Rejected files must get one line naming the
// file. The input's last two bytes also pick the call: the prompt's length
// (past the context sometimes), its last id (past the vocabulary
// sometimes), which must be refused with an error, never run, all rows or
// the last, and the thread count.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

extern "C" const tern_kernel_fn tern_kernels[];
extern "C" const int64_t tern_num_kernels;
extern "C" const char tern_fingerprint[];
extern "C" const tern_plan_contract tern_contract;

namespace {

#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "runtime_model_fuzz.cpp:%d: check failed: %s\n",   \
                   __LINE__, #cond);                                           \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

// What the inputs did, printed at exit (the counts the fuzzing note cites).
struct Stats {
  uint64_t inputs = 0, loaded = 0, ran = 0, refused = 0;
  ~Stats() {
    std::fprintf(stderr,
                 "runtime_model_fuzz: %llu inputs, %llu loaded, %llu ran the "
                 "kernels, %llu prompts refused (context or vocabulary)\n",
                 (unsigned long long)inputs, (unsigned long long)loaded,
                 (unsigned long long)ran, (unsigned long long)refused);
  }
} stats;

void checkError(const char *err, const std::string &path) {
  check(std::strstr(err, path.c_str()) == err || std::strncmp(err, "token id", 8) == 0 ||
        std::strncmp(err, "context overflow", 16) == 0);
  check(std::strchr(err, '\n') == nullptr);
}

} // namespace

// Half the mutations are libFuzzer's own (anywhere: header, tables,
// sizes); the other half change only bytes past the step table (weights,
// tokenizer, padding), to random bytes or to NaN / Inf / huge floats at
// aligned positions, so that most of those inputs still load and run the
// kernels on hostile weights.
extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&] {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    return x * 0x2545F4914F6CDD1Dull;
  };
  tern_pack_header h;
  if ((next() & 1) || size < sizeof h)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(&h, data, sizeof h);
  const uint64_t tablesEnd = h.steps_offset + uint64_t(h.n_steps) * sizeof(tern_step);
  if (h.steps_offset > size || tablesEnd + 8 > size)
    return LLVMFuzzerMutate(data, size, maxSize);
  static const uint32_t specials[] = {0x7fc00000u, 0x7f800000u, 0xff800000u,
                                      0x7f7fffffu, 0x00000001u, 0x80000000u};
  const int n = 1 + int(next() % 8);
  for (int i = 0; i < n; ++i) {
    const uint64_t at = tablesEnd + next() % (size - tablesEnd);
    if (next() % 4 == 0) {
      const uint64_t aligned = std::min<uint64_t>(at & ~uint64_t(3), size - 4);
      std::memcpy(data + aligned, &specials[next() % 6], 4);
    } else {
      data[at] = uint8_t(next());
    }
  }
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ++stats.inputs;
  const tern_kernel_table table = {tern_kernels, tern_num_kernels, tern_fingerprint,
                                   nullptr, nullptr, &tern_contract};
  // Most of libFuzzer's mutations insert or erase bytes, which the size
  // check refuses at once; to reach the kernels, an input of about the size
  // its header states is padded with zeros or cut to that size. (Truncated
  // and padded files stay covered where the header's size is far off, and
  // by tern-fuzz-runtime and the unit tests.)
  std::vector<uint8_t> resized;
  uint64_t stated = 0;
  if (size >= sizeof(tern_pack_header)) {
    std::memcpy(&stated, data + offsetof(tern_pack_header, file_bytes), sizeof stated);
    if (stated != size && stated >= size / 2 && stated <= 2 * uint64_t(size)) {
      resized.assign(data, data + std::min<uint64_t>(size, stated));
      resized.resize(stated, 0);
      data = resized.data();
      size = resized.size();
    }
  }
  // One memfd for the process, rewritten per input (the loader opens it by
  // path and maps its own view).
  static const int fd = memfd_create("tpack", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  check(ftruncate(fd, 0) == 0);
  check(size == 0 || pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  char err[512];
  tern_model *m = tern_model_load(path.c_str(), &table, err, sizeof err);
  if (!m) {
    checkError(err, path);
    return 0;
  }
  ++stats.loaded;
  const tern_model_config *c = tern_model_get_config(m);
  // The input's last bytes choose the call (they are weights or padding, so
  // mutations reach them): a prompt of 1-8 tokens, or (one input in 8) one
  // that just fits or overflows the context; every row's logits or the
  // last; 1 thread, or 2 for one input in 8.
  const uint8_t b0 = size > 0 ? data[size - 1] : 0, b1 = size > 1 ? data[size - 2] : 0;
  const int threads = (b1 & 7) == 7 ? 2 : 1;
  tern_context *ctx = tern_context_new(m, threads, err, sizeof err);
  check(ctx); // the contract bounds every buffer: a context always fits
  const int64_t T = (b0 & 0x70) == 0x70 ? c->max_context - 1 + (b0 & 3) : 1 + (b0 & 7);
  std::vector<int32_t> ids(T);
  for (int64_t i = 0; i < T; ++i)
    ids[i] = int32_t((i * 37 + 1) % c->vocab);
  ids[T - 1] = int32_t(b1) % (c->vocab + 2);
  const bool bad = T > c->max_context || ids[T - 1] >= c->vocab;
  const int all = b0 >> 7;
  const int rc = tern_forward(ctx, ids.data(), T, all, err, sizeof err);
  check((rc != 0) == bad);
  if (rc != 0) {
    checkError(err, path);
    ++stats.refused;
  } else {
    ++stats.ran;
    int64_t rows = 0;
    check(tern_logits(ctx, &rows) && rows == (all ? T : 1));
    // Two decode steps after the prompt (the -n path), while there is room.
    for (int32_t next = 1; next <= 2 && tern_context_length(ctx) < c->max_context; ++next) {
      check(tern_forward(ctx, &next, 1, 0, err, sizeof err) == 0);
      check(tern_logits(ctx, &rows) && rows == 1);
    }
  }
  tern_context_free(ctx);
  tern_model_free(m);
  return 0;
}
