/*===- tern_plan.h - the packed-model file and its execution plan -*- C -*-===*
 *
 * The contract between tern-compile (which writes it) and the runtime (which
 * runs it). A compiled model is two files:
 *   * an executable (or object) holding the generated kernels, a table of them
 *     (`tern_kernels`) and a fingerprint;
 *   * a packed-model file (`.tpack`): this header, the buffer and step tables
 *     (the plan), the tokenizer, and the weights re-laid out for the kernels.
 * The runtime mmaps the file, checks magic/version/fingerprint, allocates the
 * activation and state buffers, and runs the steps in order, each over a
 * range split across threads. It is an IREE/ggml-style host plan: the
 * compiler decides every kernel, buffer and order; the runtime only walks it.
 *
 * Plain C, little-endian, every struct fixed-size with explicit padding.
 *===----------------------------------------------------------------------===*/
#ifndef TERN_PLAN_H
#define TERN_PLAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_PACK_MAGIC "TERNPACK"   /* 8 bytes, no NUL */
#define TERN_PACK_VERSION 1u
#define TERN_PACK_ALIGN 64u          /* weights and tables are 64-byte aligned */
#define TERN_MAX_KERNEL_ARGS 12
#define TERN_FINGERPRINT_BYTES 64

/* Every generated kernel has this signature. `args[i]` is the base pointer of
 * the step's i-th buffer. Tokens [t0, t1) of this call are processed (t0 > 0
 * only for a head step that needs just the last rows); `start` is the
 * position of token 0 (the KV-cache length before the call); [begin, end) is
 * this thread's share of the step's range (output rows, tokens or heads). */
typedef void (*tern_kernel_fn)(void *const *args, int64_t t0, int64_t t1,
                               int64_t start, int64_t begin, int64_t end);

enum tern_buffer_kind {
  TERN_BUF_WEIGHT = 0,     /* constant: `bytes` at file offset `offset` (mmapped) */
  TERN_BUF_ACTIVATION = 1, /* scratch: `bytes` per token row, max_batch rows */
  TERN_BUF_STATE = 2,      /* persistent (KV cache): `bytes` in all, zeroed at reset */
  TERN_BUF_TOKENS = 3,     /* the call's token ids: int32 [T] */
  TERN_BUF_LOGITS = 4,     /* float32 [T][vocab]: `bytes` per row (vocab * 4) */
};

enum tern_range_kind {
  TERN_RANGE_TOKENS = 0, /* [0, T): one item per token of the call */
  TERN_RANGE_FIXED = 1,  /* [0, range): output rows, heads, ... */
};

enum tern_step_flags {
  TERN_STEP_HEAD = 1u, /* the LM head: t0 = T-1 unless every row's logits are wanted */
};

typedef struct tern_buffer {
  uint32_t kind;     /* enum tern_buffer_kind */
  uint32_t reserved; /* 0 */
  uint64_t offset;   /* TERN_BUF_WEIGHT: from the start of the file, aligned */
  uint64_t bytes;    /* see tern_buffer_kind */
} tern_buffer;

typedef struct tern_step {
  uint32_t kernel;     /* index into the executable's tern_kernels[] */
  uint32_t range_kind; /* enum tern_range_kind */
  int64_t range;       /* TERN_RANGE_FIXED: number of items */
  int64_t grain;       /* split [0, range) only at multiples of this (>= 1) */
  uint32_t flags;      /* enum tern_step_flags */
  uint32_t nargs;      /* <= TERN_MAX_KERNEL_ARGS */
  uint32_t args[TERN_MAX_KERNEL_ARGS]; /* buffer indices */
} tern_step;

typedef struct tern_pack_header {
  char magic[8];     /* TERN_PACK_MAGIC */
  uint32_t version;  /* TERN_PACK_VERSION */
  uint32_t header_bytes; /* sizeof(tern_pack_header) */
  char fingerprint[TERN_FINGERPRINT_BYTES]; /* NUL-padded; equals the executable's */
  char target[32];   /* e.g. "x86-avx512-vnni", NUL-padded */
  /* The model. */
  int32_t vocab, hidden, layers, heads, kv_heads, head_dim, ffn, max_context;
  int32_t max_batch; /* rows of every activation buffer: tokens per kernel call */
  int32_t bos, eos, eot; /* -1 when unknown */
  uint32_t n_buffers, n_steps;
  uint64_t buffers_offset; /* tern_buffer[n_buffers] */
  uint64_t steps_offset;   /* tern_step[n_steps] */
  uint64_t tokenizer_offset, tokenizer_bytes; /* 0, 0 when the model has none */
  uint64_t file_bytes;     /* total size: a shorter file is truncated */
} tern_pack_header;

/* ---- The plan contract: what the executable's kernels index -----------
 *
 * A kernel is generated for fixed shapes: a matmul reads exactly its
 * weight's bytes and writes rows of a fixed width, the attention indexes
 * its KV cache up to the compiled context. The .tpack's tables must agree,
 * or a kernel reads or writes outside a buffer. So the executable carries,
 * next to its kernel table, the configuration and, for each kernel, the
 * kind and size of every argument and the range it is called over
 * (`tern_contract`, derived by tern-compile from the plan it wrote). The
 * loader checks every header field and every step against it before
 * anything runs. */

#define TERN_CONTRACT_MAGIC "TERNKC01" /* 8 bytes, no NUL */

typedef struct tern_kernel_arg {
  uint32_t kind;     /* enum tern_buffer_kind the argument must be */
  uint32_t reserved; /* 0 */
  uint64_t bytes;    /* the buffer's tern_buffer.bytes, exactly */
} tern_kernel_arg;

typedef struct tern_kernel_contract {
  uint32_t range_kind; /* every step calling the kernel has this range, */
  uint32_t flags;      /* these flags, */
  int64_t range;       /* range, */
  int64_t grain;       /* grain, */
  uint32_t nargs;      /* and these arguments */
  uint32_t reserved;   /* 0 */
  tern_kernel_arg args[TERN_MAX_KERNEL_ARGS];
} tern_kernel_contract;

typedef struct tern_plan_contract {
  char magic[8];         /* TERN_CONTRACT_MAGIC */
  uint32_t entry_bytes;  /* sizeof(tern_kernel_contract) */
  uint32_t num_kernels;  /* entries that follow this struct */
  /* The configuration the kernels were compiled for; the header's equals it. */
  int32_t vocab, hidden, layers, heads, kv_heads, head_dim, ffn, max_context;
  int32_t max_batch;
  /* The plan's size: the .tpack has exactly these many buffers and steps,
   * and every buffer is an argument of some step (so the contract bounds
   * every byte a context allocates). */
  uint32_t n_buffers, n_steps;
  int32_t reserved;      /* 0 */
  /* followed by tern_kernel_contract[num_kernels], kernel table order */
} tern_plan_contract;

#ifdef __cplusplus
}
#endif

#endif /* TERN_PLAN_H */
