/*===- tern_runtime.h - the tern CPU runtime: load, run, sample -*- C -*-===*
 *
 * What a compiled model executable (and any embedder) calls. The runtime
 * mmaps a packed-model file (.tpack, see tern_plan.h), checks it against the
 * executable's kernel table, allocates the activation and state buffers once
 * per context, and walks the plan: every step is one kernel call over a range
 * split across a persistent thread pool.
 *
 *   char err[512];
 *   tern_model *m = tern_model_load("model.tpack", &table, err, sizeof err);
 *   tern_context *c = tern_context_new(m, 4, err, sizeof err);
 *   tern_forward(c, ids, n, 0, err, sizeof err);
 *   int64_t rows;
 *   const float *logits = tern_logits(c, &rows);   // rows x vocab
 *
 * Conventions: plain structs, opaque handles; a function that can fail
 * returns NULL or non-zero and writes one line (naming the file and what is
 * wrong) into `err` (NUL-terminated, truncated to err_len; err may be NULL).
 * Nothing allocates on the hot path: tern_forward allocates only when
 * all_logits asks for more rows than any earlier call. A context is used by
 * one thread at a time; models are read-only and may be shared by contexts.
 * Plain C, no MLIR/LLVM; implemented in C++17 without exceptions.
 *
 *===----------------------------------------------------------------------===*/
#ifndef TERN_RUNTIME_H
#define TERN_RUNTIME_H

#include "tern_plan.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Kernels ----------------------------------------------------------- */

/* The executable's side of the contract: the generated kernels (indexed by
 * tern_step.kernel) and the fingerprint the .tpack must carry (NUL-terminated,
 * at most TERN_FINGERPRINT_BYTES characters). */
typedef struct tern_kernel_table {
  const tern_kernel_fn *kernels;
  int64_t num_kernels;
  const char *fingerprint;
  /* GPU executables (tern-compile --target=sm_XY): the kernels' PTX
   * (NUL-terminated, JIT-compiled by the CUDA driver at context creation)
   * and how each is launched; kernels is then NULL. NULL for CPU ones. */
  const char *ptx;
  const struct tern_gpu_kernel *gpu_kernels;
  /* What the kernels index (tern_plan.h): the loader refuses a .tpack
   * whose configuration, buffers or steps disagree with it. Required. */
  const tern_plan_contract *contract;
} tern_kernel_table;

/* One GPU kernel: its PTX entry name and launch shape. A step's launch has
 * ceil(n / items_per_block) blocks of block_threads threads, n being the
 * step's range length ([t0, t1) for TERN_RANGE_TOKENS); the kernel gets the
 * step's buffers as device pointers and t0, t1, start, begin, end. */
typedef struct tern_gpu_kernel {
  const char *name;
  uint32_t block_threads;
  uint32_t items_per_block;
  /* NULL, or an entry launched instead (same shape and arguments) when the
   * call has one token: a decode variant with fewer registers. */
  const char *single_token_name;
} tern_gpu_kernel;

/* ---- Model -------------------------------------------------------------- */

typedef struct tern_model tern_model;

/* The model's configuration, from the .tpack header. */
typedef struct tern_model_config {
  int32_t vocab, hidden, layers, heads, kv_heads, head_dim, ffn;
  int32_t max_context; /* positions the state (KV cache) holds */
  int32_t max_batch;   /* tokens per kernel call; longer inputs are chunked */
  int32_t bos, eos, eot; /* -1 when unknown */
  const char *target;    /* e.g. "x86-avx512-vnni" (owned by the model) */
  const char *fingerprint;
} tern_model_config;

/* Maps `pack_path` read-only and validates all of it against `kernels`
 * (magic, version, sizes, fingerprint, every table entry, buffer and step;
 * the exact rules head runtime/engine/PackFile.cpp); the kernel table must
 * outlive the model. NULL + err on any problem. */
tern_model *tern_model_load(const char *pack_path,
                            const tern_kernel_table *kernels, char *err,
                            size_t err_len);
void tern_model_free(tern_model *model);

/* Valid until tern_model_free. */
const tern_model_config *tern_model_get_config(const tern_model *model);
const char *tern_model_path(const tern_model *model);
/* The serialized tokenizer (TERNTOK2 blob) inside the mapping, or NULL with
 * *bytes = 0 when the model has none. */
const uint8_t *tern_model_tokenizer(const tern_model *model, size_t *bytes);

/* ---- Context (activations, KV cache, thread pool) ---------------------- */

typedef struct tern_context tern_context;

/* Allocates every activation buffer (max_batch rows), the state buffers
 * (zeroed), the tokens and logits buffers (max_batch rows), all 64-byte
 * aligned, and a pool of n_threads - 1 worker threads (the calling thread is
 * the n-th; idle workers spin briefly, then sleep). n_threads <= 0 means
 * tern_default_threads(). Kernels receive weights as pointers into the
 * read-only mapping. The model must outlive the context. */
tern_context *tern_context_new(const tern_model *model, int n_threads,
                               char *err, size_t err_len);
void tern_context_free(tern_context *ctx);
/* Forgets every token: length 0, state zeroed, no logits. */
void tern_context_reset(tern_context *ctx);
/* Tokens in the state (KV cache) so far. */
int64_t tern_context_length(const tern_context *ctx);
int tern_context_threads(const tern_context *ctx);
/* Where the context runs: "cpu", or the GPU, e.g. "NVIDIA H100 (sm_90)". */
const char *tern_context_device(const tern_context *ctx);
const tern_model *tern_context_model(const tern_context *ctx);

/* Runs T tokens (ids in [0, vocab)) starting at position
 * tern_context_length(ctx), in chunks of at most max_batch tokens; each
 * chunk runs every step in order with t0 = 0, t1 = the chunk's length and
 * start = the length before the chunk. A step's range is [t0, t1) for
 * TERN_RANGE_TOKENS and [0, range) for TERN_RANGE_FIXED, cut into one piece
 * per thread at multiples of its grain. Every row's logits are kept when
 * all_logits is non-zero. Otherwise only the last token's: TERN_STEP_HEAD
 * steps get t0 = t1 - 1 and run on the last chunk only. Returns 0, or
 * non-zero + err with the context unchanged (bad id, context overflow). */
int tern_forward(tern_context *ctx, const int32_t *tokens, int64_t T,
                 int all_logits, char *err, size_t err_len);

/* Logits of the last tern_forward: *rows rows of vocab floats (T rows with
 * all_logits, else 1: the last token's). NULL (*rows = 0) before the first
 * forward and after a reset. Valid until the next forward/reset/free. */
const float *tern_logits(const tern_context *ctx, int64_t *rows);

/* CPUs this process may run on (sched affinity), at least 1. */
int tern_default_threads(void);

/* ---- Sampler ------------------------------------------------------------ */

typedef struct tern_sampler_params {
  float temperature; /* <= 0 (or NaN): greedy argmax */
  int32_t top_k;     /* <= 0: all tokens */
  float top_p;       /* >= 1: off; <= 0: keep only the most likely token */
  uint64_t seed;     /* same seed, same logits -> same tokens */
} tern_sampler_params;

typedef struct tern_sampler tern_sampler;

/* Greedy: temperature 0, top_k 40, top_p 0.95, seed 0. */
tern_sampler_params tern_sampler_default_params(void);
tern_sampler *tern_sampler_new(const tern_sampler_params *params);
void tern_sampler_free(tern_sampler *sampler);
/* Greedy: the largest logit, lowest index on ties, NaN never chosen.
 * Otherwise: NaN and -inf dropped, top-k, softmax at `temperature`, top-p
 * (the smallest most-likely set whose probability reaches top_p), one draw
 * from the sampler's RNG. Returns -1 when no logit is usable (vocab <= 0,
 * all NaN). Scratch memory grows once to `vocab` entries. */
int32_t tern_sampler_sample(tern_sampler *sampler, const float *logits,
                            int64_t vocab);

/* ---- Executable entry point -------------------------------------------- */

/* The whole command line of a compiled model (see runtime/main/TernMain.cpp
 * or `--help`); returns the process exit status. The .tpack defaults to
 * argv[0] + ".tpack". */
int tern_main(int argc, char **argv, const tern_kernel_table *kernels);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_H */
