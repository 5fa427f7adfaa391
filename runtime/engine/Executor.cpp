//===- Executor.cpp - contexts and the forward pass -----------------------===//
//
// A context owns one anonymous mapping (the arena) holding every activation
// buffer (bytes per row x max_batch), every state buffer, the tokens buffer
// (int32 x max_batch) and the logits buffer (vocab floats x max_batch), each
// 64-byte aligned; the kernel argument arrays of all steps are resolved once
// when the context is made. tern_forward then only copies token ids, walks
// the steps and, for all_logits over several chunks, copies logits rows.
//
// A step's range is [0, T_chunk) for TERN_RANGE_TOKENS ([t0, t1) for a head
// step) or [0, range) for TERN_RANGE_FIXED; it is cut into one contiguous
// piece per thread at multiples of `grain` (fewer pieces when there are
// fewer grains than threads). When only the last token's logits are wanted,
// head steps run on the last chunk only: on earlier chunks their output
// would be overwritten unread.
//
// The context of a GPU executable (PTX in its kernel table) has no arena
// and no thread pool: each chunk runs on the GPU (runtime/cuda/
// CudaExecutor) and its logits rows land in a host buffer of the same
// shape, so the checks, chunking and logits bookkeeping here serve both.
//
//===----------------------------------------------------------------------===//
#include "runtime/common/AmxPermission.h"
#include "runtime/cuda/CudaExecutor.h"
#include "runtime/engine/Error.h"
#include "runtime/engine/PackFile.h"
#include "runtime/engine/ThreadPool.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using tern::rt::setError;

namespace {

constexpr uint64_t kAlign = TERN_PACK_ALIGN;

uint64_t roundUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

/// *sum += v unless that overflows (then false).
bool addChecked(uint64_t *sum, uint64_t v) {
  if (v > UINT64_MAX - *sum)
    return false;
  *sum += v;
  return true;
}

struct StepArgs {
  void *args[TERN_MAX_KERNEL_ARGS];
};

/// One step's kernel call, cut into `pieces` pieces of whole grains.
struct StepJob {
  tern_kernel_fn fn;
  void *const *args;
  int64_t t0, t1, start;
  int64_t lo, hi, grain, grains, pieces;
};

void runPiece(void *job, int64_t i) {
  const StepJob &j = *static_cast<const StepJob *>(job);
  // Grains [g0, g1): an even split, the first `rem` pieces one grain larger.
  const int64_t q = j.grains / j.pieces, rem = j.grains % j.pieces;
  const int64_t g0 = q * i + std::min(i, rem);
  const int64_t g1 = g0 + q + (i < rem ? 1 : 0);
  const int64_t begin = j.lo + g0 * j.grain;
  const int64_t end = g1 == j.grains ? j.hi : j.lo + g1 * j.grain;
  j.fn(j.args, j.t0, j.t1, j.start, begin, end);
}

std::string str(int64_t v) { return std::to_string(v); }

} // namespace

struct tern_context {
  const tern_model *model = nullptr;
  tern::rt::ThreadPool pool;
  uint8_t *arena = nullptr;
  size_t arenaBytes = 0;
  std::vector<StepArgs> stepArgs;
  std::vector<std::pair<uint8_t *, size_t>> state; ///< zeroed at reset
  int32_t *tokens = nullptr; ///< max_batch ids of the chunk
  float *logits = nullptr;   ///< max_batch rows; null without a logits buffer
  int64_t length = 0;
  float *allLogits = nullptr; ///< all_logits over several chunks
  int64_t allLogitsRows = 0;  ///< its capacity
  const float *lastLogits = nullptr;
  int64_t lastRows = 0;
  /// GPU executables: the plan runs there; logits rows come back here.
  tern::rt::CudaExecutorPtr cuda;
  std::vector<float> hostLogits;
  std::string deviceError; ///< a failed reset: every later forward fails
  std::string device = "cpu";

  ~tern_context() {
    if (arena)
      ::munmap(arena, arenaBytes);
    std::free(allLogits);
  }
};

extern "C" int tern_default_threads(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

extern "C" tern_context *tern_context_new(const tern_model *model,
                                          int n_threads, char *err,
                                          size_t err_len) {
  if (!model) {
    setError(err, err_len, "tern_context_new: no model");
    return nullptr;
  }
  const tern_pack_header &h = *model->header;
  if (model->kernels.ptx) {
    std::string msg;
    tern_context *ctx = new tern_context;
    ctx->model = model;
    ctx->cuda = tern::rt::cudaExecutorNew(model, &msg);
    if (!ctx->cuda) {
      delete ctx;
      setError(err, err_len, msg);
      return nullptr;
    }
    ctx->device = tern::rt::cudaDeviceDescription(*ctx->cuda);
    for (uint32_t i = 0; i < h.n_buffers; ++i)
      if (model->buffers[i].kind == TERN_BUF_LOGITS) {
        ctx->hostLogits.resize(size_t(h.vocab) * size_t(h.max_batch));
        ctx->logits = ctx->hostLogits.data();
      }
    return ctx;
  }
  // Kernels built for x86-amx run tile instructions: the process must hold
  // the tile state before any thread does.
  if (std::strncmp(h.target, "x86-amx", sizeof(h.target)) == 0) {
    if (std::string why = tern::rt::requestAmxPermission(); !why.empty()) {
      setError(err, err_len,
               "this model was compiled for x86-amx, which this machine cannot run: " + why +
                   " (recompile with --target=x86-avx512-vnni or --target=host)");
      return nullptr;
    }
  }
  const int cpus = tern_default_threads();
  if (n_threads <= 0)
    n_threads = cpus;
  const int kMaxThreads = 1024;
  if (n_threads > kMaxThreads) {
    setError(err, err_len,
             "too many threads: " + std::to_string(n_threads) + " (at most " +
                 std::to_string(kMaxThreads) + ")");
    return nullptr;
  }

  // Arena layout.
  const uint64_t batch = static_cast<uint64_t>(h.max_batch);
  const uint64_t vocab = static_cast<uint64_t>(h.vocab);
  std::vector<uint64_t> offset(h.n_buffers, 0);
  const uint64_t tokensAt = 0;
  uint64_t logitsAt = UINT64_MAX;
  uint64_t total = roundUp(batch * sizeof(int32_t));
  bool ok = true;
  for (uint32_t i = 0; ok && i < h.n_buffers; ++i) {
    const tern_buffer &b = model->buffers[i];
    uint64_t bytes = 0;
    if (b.kind == TERN_BUF_ACTIVATION)
      bytes = b.bytes * batch; // bounded by validation
    else if (b.kind == TERN_BUF_STATE)
      bytes = b.bytes;
    else if (b.kind == TERN_BUF_LOGITS)
      bytes = vocab * sizeof(float) * batch;
    else
      continue;
    if (b.kind == TERN_BUF_LOGITS)
      logitsAt = total;
    offset[i] = total;
    ok = addChecked(&total, roundUp(bytes));
  }
  if (!ok || total > SIZE_MAX) {
    setError(err, err_len,
             model->path + ": activation and state buffers are too large");
    return nullptr;
  }

  tern_context *ctx = new tern_context;
  ctx->model = model;
  ctx->arenaBytes = static_cast<size_t>(total);
  void *arena = ::mmap(nullptr, ctx->arenaBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) {
    int e = errno;
    ctx->arena = nullptr;
    delete ctx;
    setError(err, err_len,
             model->path + ": cannot allocate " + std::to_string(total) +
                 " bytes for the activation and state buffers: " +
                 std::strerror(e));
    return nullptr;
  }
  ctx->arena = static_cast<uint8_t *>(arena); // zero-filled
  ctx->tokens = reinterpret_cast<int32_t *>(ctx->arena + tokensAt);
  if (logitsAt != UINT64_MAX)
    ctx->logits = reinterpret_cast<float *>(ctx->arena + logitsAt);

  // Every buffer's base pointer, then every step's argument array.
  std::vector<void *> base(h.n_buffers, nullptr);
  for (uint32_t i = 0; i < h.n_buffers; ++i) {
    const tern_buffer &b = model->buffers[i];
    switch (b.kind) {
    case TERN_BUF_WEIGHT:
      base[i] = const_cast<uint8_t *>(model->base + b.offset);
      break;
    case TERN_BUF_TOKENS:
      base[i] = ctx->tokens;
      break;
    case TERN_BUF_STATE:
      ctx->state.emplace_back(ctx->arena + offset[i],
                              static_cast<size_t>(b.bytes));
      base[i] = ctx->arena + offset[i];
      break;
    default: // activation, logits
      base[i] = ctx->arena + offset[i];
      break;
    }
  }
  ctx->stepArgs.resize(h.n_steps);
  for (uint32_t s = 0; s < h.n_steps; ++s) {
    const tern_step &st = model->steps[s];
    for (uint32_t a = 0; a < TERN_MAX_KERNEL_ARGS; ++a)
      ctx->stepArgs[s].args[a] = a < st.nargs ? base[st.args[a]] : nullptr;
  }

  // Idle workers spin briefly between steps, unless there are more threads
  // than CPUs (then spinning only steals time from the thread they await).
  const int spinUs = n_threads <= cpus ? 100 : 0;
  std::string msg;
  if (!ctx->pool.start(n_threads, spinUs, &msg)) {
    delete ctx;
    setError(err, err_len, msg);
    return nullptr;
  }
  return ctx;
}

extern "C" void tern_context_free(tern_context *ctx) { delete ctx; }

extern "C" void tern_context_reset(tern_context *ctx) {
  if (ctx->cuda && !tern::rt::cudaReset(*ctx->cuda, &ctx->deviceError))
    ctx->deviceError += " (while resetting the context)";
  for (auto &region : ctx->state)
    std::memset(region.first, 0, region.second);
  ctx->length = 0;
  ctx->lastLogits = nullptr;
  ctx->lastRows = 0;
}

extern "C" int64_t tern_context_length(const tern_context *ctx) {
  return ctx->length;
}

extern "C" int tern_context_threads(const tern_context *ctx) {
  return ctx->pool.threads();
}

extern "C" const char *tern_context_device(const tern_context *ctx) {
  return ctx->device.c_str();
}

extern "C" const tern_model *tern_context_model(const tern_context *ctx) {
  return ctx->model;
}

extern "C" const float *tern_logits(const tern_context *ctx, int64_t *rows) {
  if (rows)
    *rows = ctx->lastLogits ? ctx->lastRows : 0;
  return ctx->lastLogits;
}

extern "C" int tern_forward(tern_context *ctx, const int32_t *tokens,
                            int64_t T, int all_logits, char *err,
                            size_t err_len) {
  auto fail = [&](const std::string &msg) {
    setError(err, err_len, msg);
    return 1;
  };
  if (!ctx)
    return fail("tern_forward: no context");
  const tern_model &m = *ctx->model;
  const tern_pack_header &h = *m.header;
  if (!ctx->deviceError.empty())
    return fail(ctx->deviceError);
  if (T < 1)
    return fail("no tokens to run (T = " + str(T) + ")");
  if (!tokens)
    return fail("tern_forward: tokens is NULL");
  for (int64_t i = 0; i < T; ++i)
    if (tokens[i] < 0 || tokens[i] >= h.vocab)
      return fail("token id " + str(tokens[i]) + " at position " + str(i) +
                  " is out of range [0, " + str(h.vocab) + ")");
  if (T > int64_t(h.max_context) - ctx->length)
    return fail("context overflow: " + str(ctx->length) + " tokens + " +
                str(T) + " new > max_context " + str(h.max_context));

  const int64_t vocab = h.vocab, batch = h.max_batch;
  const bool keepAll = all_logits != 0 && ctx->logits != nullptr;
  const bool chunked = T > batch;
  if (keepAll && chunked && ctx->allLogitsRows < T) {
    void *p = nullptr;
    const uint64_t rowBytes = uint64_t(vocab) * sizeof(float);
    if (uint64_t(T) > SIZE_MAX / rowBytes)
      return fail("the logits of " + str(T) + " tokens do not fit in memory");
    const size_t bytes = static_cast<size_t>(T * rowBytes);
    if (posix_memalign(&p, kAlign, bytes) != 0)
      return fail("cannot allocate " + std::to_string(bytes) +
                  " bytes for the logits of " + str(T) + " tokens");
    std::free(ctx->allLogits);
    ctx->allLogits = static_cast<float *>(p);
    ctx->allLogitsRows = T;
  }

  const int threads = ctx->pool.threads();
  for (int64_t done = 0; done < T;) {
    const int64_t tc = std::min(batch, T - done);
    const bool last = done + tc == T;
    if (ctx->cuda) {
      std::string msg;
      if (!tern::rt::cudaRunChunk(*ctx->cuda, tokens + done, tc, ctx->length,
                                  all_logits || last, all_logits ? 0 : tc - 1,
                                  ctx->logits, &msg))
        return fail(msg);
    }
    if (!ctx->cuda)
      std::memcpy(ctx->tokens, tokens + done, static_cast<size_t>(tc) * sizeof(int32_t));
    for (uint32_t s = 0; !ctx->cuda && s < h.n_steps; ++s) {
      const tern_step &st = m.steps[s];
      const bool head = (st.flags & TERN_STEP_HEAD) != 0;
      if (head && !all_logits && !last)
        continue;
      StepJob job;
      job.fn = m.kernels.kernels[st.kernel];
      job.args = ctx->stepArgs[s].args;
      job.t0 = head && !all_logits ? tc - 1 : 0;
      job.t1 = tc;
      job.start = ctx->length;
      if (st.range_kind == TERN_RANGE_TOKENS) {
        job.lo = job.t0;
        job.hi = job.t1;
      } else {
        job.lo = 0;
        job.hi = st.range;
      }
      job.grain = st.grain;
      const int64_t items = job.hi - job.lo;
      job.grains = items / st.grain + (items % st.grain != 0 ? 1 : 0);
      job.pieces = std::min<int64_t>(threads, job.grains);
      if (job.pieces <= 1) {
        job.fn(job.args, job.t0, job.t1, job.start, job.lo, job.hi);
      } else {
        ctx->pool.parallelFor(job.pieces, &runPiece, &job);
      }
    }
    if (keepAll && chunked)
      std::memcpy(ctx->allLogits + done * vocab, ctx->logits,
                  static_cast<size_t>(tc * vocab) * sizeof(float));
    ctx->length += tc;
    done += tc;
    if (last) {
      if (!ctx->logits) {
        ctx->lastLogits = nullptr;
        ctx->lastRows = 0;
      } else if (keepAll) {
        ctx->lastLogits = chunked ? ctx->allLogits : ctx->logits;
        ctx->lastRows = T;
      } else {
        ctx->lastLogits = ctx->logits + (tc - 1) * vocab;
        ctx->lastRows = 1;
      }
    }
  }
  return 0;
}
