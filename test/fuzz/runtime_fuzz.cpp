//===- runtime_fuzz.cpp - libFuzzer target for .tpack files and TERNTOK1 ---===//
//
// The input is a packed-model file. It is validated in memory (validatePack)
// and, through a memfd, loaded with tern_model_load against a kernel table
// of no-op kernels carrying the file's own fingerprint and a plan contract
// derived from the file's own tables (so the loader's checks pass exactly
// when the tables are self-consistent; runtime_model_fuzz.cpp runs real
// kernels against a fixed contract); when it loads, a
// context is made and a few tokens are run (with and without all_logits),
// so that every buffer pointer and range split is exercised under ASan.
// The tokenizer region, and the whole input, are also parsed as TERNTOK1
// blobs: a blob that parses must serialize back to the same bytes.
//
//===----------------------------------------------------------------------===//
#include "runtime/engine/PackFile.h"
#include "runtime/engine/PlanContract.h"
#include "runtime/engine/TokenizerBlob.h"
#include "runtime/include/tern_runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "runtime_fuzz.cpp:%d: check failed: %s\n",         \
                   __LINE__, #cond);                                           \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

void noop(void *const *, int64_t t0, int64_t t1, int64_t, int64_t begin,
          int64_t end) {
  check(0 <= t0 && t0 < t1 && begin < end);
}

tern_kernel_fn noops[16] = {noop, noop, noop, noop, noop, noop, noop, noop,
                            noop, noop, noop, noop, noop, noop, noop, noop};

void blobRoundTrip(const uint8_t *p, size_t n) {
  tern::tok::TokenizerData d;
  std::string err, again;
  if (!tern::rt::parseTokenizerBlob(p, n, &d, &err))
    return;
  check(tern::rt::serializeTokenizer(d, &again, &err));
  check(again.size() == n && std::memcmp(again.data(), p, n) == 0);
}

void runPack(const uint8_t *data, size_t size) {
  // The fingerprint the file carries, so that the kernel checks are reached.
  tern_pack_header h;
  std::memcpy(&h, data, sizeof h);
  std::string fp(h.fingerprint, strnlen(h.fingerprint, sizeof h.fingerprint));
  std::vector<uint8_t> contract;
  std::string why;
  if (!tern::rt::deriveContract(h, reinterpret_cast<const tern_buffer *>(data + h.buffers_offset),
                                reinterpret_cast<const tern_step *>(data + h.steps_offset), 16,
                                &contract, &why))
    return; // calls one kernel two ways, or past the 16 no-ops
  tern_kernel_table table = {noops, 16, fp.c_str(), nullptr, nullptr,
                             reinterpret_cast<const tern_plan_contract *>(contract.data())};

  int fd = memfd_create("tpack", MFD_CLOEXEC);
  if (fd < 0)
    return;
  check(write(fd, data, size) == static_cast<ssize_t>(size));
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  char err[512];
  tern_model *m = tern_model_load(path.c_str(), &table, err, sizeof err);
  close(fd);
  if (!m) {
    check(std::strstr(err, path.c_str()) == err);
    return;
  }
  const tern_model_config *c = tern_model_get_config(m);
  // Skip contexts that would be huge (the arena is mapped lazily, but the
  // state is zeroed on reset).
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < m->header->n_buffers; ++i)
    if (m->buffers[i].kind == TERN_BUF_STATE)
      bytes += m->buffers[i].bytes;
  if (bytes < (64u << 20) && c->max_batch <= 4096 &&
      uint64_t(c->vocab) * c->max_batch < (16u << 20)) {
    tern_context *ctx = tern_context_new(m, 3, err, sizeof err);
    if (ctx) {
      int32_t ids[5] = {0, 0, 0, 0, 0};
      for (int all = 0; all < 2; ++all) {
        int64_t T = c->max_context < 5 ? c->max_context : 5;
        if (tern_forward(ctx, ids, T, all, err, sizeof err) == 0) {
          int64_t rows = 0;
          const float *l = tern_logits(ctx, &rows);
          if (l)
            check(rows == (all ? T : 1));
        }
        tern_context_reset(ctx);
      }
      tern_context_free(ctx);
    }
  }
  size_t n = 0;
  if (const uint8_t *blob = tern_model_tokenizer(m, &n))
    blobRoundTrip(blob, n);
  tern_model_free(m);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // 8-byte aligned, like a mapping.
  std::vector<uint64_t> storage(size / 8 + 1);
  uint8_t *p = reinterpret_cast<uint8_t *>(storage.data());
  if (size)
    std::memcpy(p, data, size);
  std::string err;
  const bool valid = tern::rt::validatePack(p, size, "fuzz.tpack", nullptr, &err);
  if (!valid)
    check(err.rfind("fuzz.tpack: ", 0) == 0 && err.find('\n') == std::string::npos);
  if (valid)
    runPack(p, size);
  blobRoundTrip(p, size);
  return 0;
}
