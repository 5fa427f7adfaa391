//===- KernelParams.h - what each kernel kind computes, for every target -*- C++ -*-===//
//
// One struct per kernel kind: the parameters the plan builder
// (PlanBuilder.h) derives from the graph, and the contract every target's
// kernel of that kind keeps: its buffers in order, the range it is split
// over, and the math (the scalar reference, runtime/reference/ops.h, up to
// float reassociation; integer math bit-exact). The CPU emitters
// (codegen/cpu/Kernels.h) and the NVPTX ones (codegen/nvptx/GpuKernels.h)
// build kernels from them. All buffers are 1-D; activation buffers hold
// `max_batch` rows. Plain C++.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_KERNELPARAMS_H
#define TERN_CODEGEN_COMMON_KERNELPARAMS_H

#include "runtime/reference/ternary_layout.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::codegen {


/// Element type of a stored float tensor.
enum class FloatType { F32, F16, BF16 };

/// The int8 x ternary dot-product instruction family a CPU kernel is built
/// on (GPU kernels ignore it).
enum class DotIsa {
  Generic,    ///< plain vector IR, any CPU (LLVM picks the instructions)
  Avx2,       ///< vpmaddubsw + vpmaddwd (x86-64-v3)
  Avx512Vnni, ///< vpdpbusd (AVX-512 VNNI)
  NeonDot,    ///< sdot (Armv8.2 dotprod)
  NeonI8mm,   ///< sdot for GEMV, smmla for GEMM (Armv8.6 i8mm)
};

/// y = (int32 dot of ternary W rows with int8 activations) rescaled, for one
/// or several weight matrices stored one after another (concatenated q/k/v,
/// gate/up), with an optional residual add.
///
/// Weight layout: each row's K ternary weights as 2-bit codes c = w + 1
/// packed along K in blocks of B = `block` bytes (#tern.layout<pack_dim = 1,
/// block = B>): weight k of a row is in byte (k / 4B) * B + k % B at bits
/// 2 * ((k / B) % 4). Rows are K/4 bytes apart; with `interleave` R > 1
/// (#tern.layout<..., interleave = R, chunk = B>) the B bytes of each step
/// of R consecutive rows are adjacent: row n's step s starts at byte
/// (n / R) * R*K/4 + s * R*B + (n % R) * B.
///
/// Buffers: 0 q i8 [max_batch*K], 1 s f32 [max_batch] (activation scales),
/// 2 W i8 [N_total*K/4], 3 row_scale f32 [N_total], then one output f32
/// [max_batch*N_p] per part, then (if `residual`) r f32 [max_batch*N_0]
/// (may be the output itself). Range: FIXED over N_total rows.
///   y[t][n] = float(acc) / s[t] * row_scale[n]       (multiply)
///   y[t][n] = float(acc) / (s[t] * row_scale[n])     (divide)
///   out[t][n] = r[t][n] + y[t][n]                     (residual)
///
/// With `lut` = g (2 or 3) the weights are in the lookup-table layout
/// (#tern.layout<block = V, lut = g>, ref::LutGeometry) and buffer 0 holds
/// the tables the lookup-table kernel below built from q (max_batch rows of
/// LutGeometry::tableBytes()); everything else is the same. Rows are computed
/// in blocks of 16 (`tile_n` counts blocks; ranges split at multiples of 16).
///
/// With block 4 and R > 1 (the `i2lane` layout, lanes()) each R*4-byte
/// vector holds 4 bytes (16 weights) of each of R rows, one row per 32-bit
/// lane: the kernel broadcasts 4 activation bytes to every lane, so an
/// accumulator's lanes are R rows' sums (no horizontal add) and the epilogue
/// is vector-wide. R*4 must be the dot product's width; `tile_n` and
/// `gemv_tile_n` count groups of R rows.
struct TernaryMatmulParams {
  /// i2lane's default gemv_tile_n: groups of R rows per single-token tile
  /// (measured on Emerald Rapids, tern-bench: 1.1-1.3x one group's GEMV).
  static constexpr int64_t kLaneGemvGroups = 2;
  int64_t K = 0;
  std::vector<int64_t> parts; ///< N of each output, in storage order
  int64_t max_batch = 1;
  int64_t block = 16;        ///< B, bytes per step (the layout's block)
  int64_t interleave = 1;    ///< R, rows interleaved per group
  DotIsa isa = DotIsa::Generic;
  int64_t tile_m = 1;        ///< tokens per register tile
  int64_t tile_n = 1;        ///< rows per register tile of tile_m tokens
  int64_t gemv_tile_n = 0;   ///< rows per tile of single tokens (0: tile_n)
  int64_t prefetch = 0;      ///< software prefetch distance in rows (0: none)
  bool divide = false;       ///< scale_mode divide
  bool residual = false;     ///< only with one part
  int64_t lut = 0;           ///< g: 0 = 2-bit codes, 2/3 = lookup tables
  int64_t threads = 0;       ///< GPU: threads per block (schedule; 0: target's)
  int64_t unroll = 1;        ///< GPU: 16-byte weight loads per lane in flight
  /// GPU: the prefill instruction (schedule `mma`): "dp4a", "mma_sync",
  /// "wgmma", or "" for the target's choice (mma_sync where R = 8).
  std::string mma;
  /// x86 with GFNI (2-bit codes, lut 0): unpack sub-slot s of the weights
  /// with one vgf2p8affineqb (bits 2s..2s+1 of each byte to bits 0..1)
  /// instead of a shift and a mask. Ignored by the other ISAs.
  bool gfni = false;
  /// x86 AMX-INT8 (i2lane with R = 16, K a multiple of 64; schedule
  /// `isa = "amx"` on an AMX target): prefill tiles of 32 or 16 tokens x 2
  /// groups run on tdpbssd. Each pair of groups is unpacked once into
  /// signed int8 tiles (w = c - 1, the VNNI row order tdpbssd reads, 16 K
  /// bytes per group on the stack), so no activation sum is subtracted;
  /// the tokens left over and single tokens take the VNNI tiles.
  bool amx = false;
  /// The largest K the AMX tiles take (two groups' int8 weights, 32 K bytes,
  /// live on the thread's stack).
  static constexpr int64_t kAmxMaxK = 32768;
  int64_t totalRows() const;
  int64_t gemvTileN() const;
  /// The `i2lane` layout: one row per 32-bit lane (block 4, R > 1).
  bool lanes() const { return lut == 0 && block == 4 && interleave > 1; }
  /// The multiple of rows a range of the FIXED split starts at (the plan
  /// step's grain): whole register tiles, so no tile is cut.
  int64_t rowGrain() const;
  /// The weights' layout (its block, interleave and lut) from a packed
  /// weight's #tern.layout, and back: the one place the two meet.
  void setLayout(const ref::TernaryLayout &l);
  ref::TernaryLayout layout() const;
};

/// The activation tables of the lookup-table layout (ref::buildLutTables):
/// for each group of g activations, the 16 sums of its weight patterns as
/// int16 split into a low-byte and a high-byte table.
/// Buffers: 0 q i8 [max_batch*K], 1 tables i8 [max_batch*tableBytes]
/// (LutGeometry). Range: TOKENS.
struct LutTablesParams {
  int64_t K = 0, max_batch = 1;
  int64_t lut = 3;   ///< g
  int64_t block = 64; ///< V
};

/// Token embedding lookup. Buffers: 0 table [V*H] (elem), 1 tokens i32
/// [max_batch], 2 out f32 [max_batch*H]. Range: TOKENS.
///   out[t][:] = float(table[tokens[t]][:])   (ids are checked by the runtime)
struct EmbeddingParams {
  int64_t vocab = 0, hidden = 0, max_batch = 1;
  FloatType elem = FloatType::BF16;
};

/// RMSNorm of each token row (or none), optionally of act(x) * u with act
/// relu2 or silu, optionally followed by per-token absmax int8
/// quantization (ref::rmsNorm, ref::relu2, ref::silu,
/// ref::quantizeActivations).
/// Buffers: 0 x f32 [max_batch*K], (gated) 1 u f32 [max_batch*K], then
/// (norm) w [K] (elem), then (quantize) q i8 [max_batch*K], s f32
/// [max_batch], or (not quantize) y f32 [max_batch*K]. Range: TOKENS.
/// Without norm the kernel must quantize.
struct NormQuantizeParams {
  int64_t K = 0, max_batch = 1;
  float epsilon = 1e-5f;
  bool gated = false;   ///< input is act(x) * u
  bool silu = false;    ///< gated: act is silu, else relu2
  bool norm = true;     ///< RMSNorm with weight w; false: quantize the input as is
  bool quantize = true; ///< false: write the normalized f32 row
  FloatType elem = FloatType::F32;
  /// CPU schedule (#tern.schedule tile_m, unroll), neither of which changes
  /// a bit of the result: token rows per pass, each row's sum of squares
  /// its own chain in the same order, the weight vector loaded once for
  /// them (prefill); and the chunks per loop step of the absmax and
  /// quantize passes, which are exact in any order (max, elementwise).
  int64_t tile_m = 1, unroll = 1;
};

/// Rotary embedding in place (ref::rope, NEOX style) of each token row of
/// `heads` heads of `head_dim`; token t is at position start + t.
/// Buffers: 0 x f32 [max_batch*heads*head_dim]. Range: TOKENS.
struct RopeParams {
  int64_t heads = 0, head_dim = 0, max_batch = 1;
  float theta = 500000.0f;
  int64_t max_context = 0; ///< positions (GPU: rows of its cos/sin table)
  std::vector<float> freq_factors; ///< per pair (ref::rope's), or empty
};

/// Causal grouped-query attention with the KV-cache append (ref::attention).
/// Buffers: 0 q f32 [max_batch*heads*hd], 1 k f32 [max_batch*kv*hd], 2 v
/// (same), 3 k_cache f32 [max_context*kv*hd], 4 v_cache (same), 5 out f32
/// [max_batch*heads*hd]. Range: FIXED over kv_heads: the thread owning kv
/// head g first writes rows start+t0 .. start+t1-1 of g's cache slice from
/// k/v rows t0..t1-1, then computes every query head of g's group for
/// tokens t0..t1-1 (token t attends to positions 0 .. start + t).
struct AttentionParams {
  int64_t heads = 0, kv_heads = 0, head_dim = 0, max_context = 0,
          max_batch = 1;
  /// CPU: query heads per pass over the cache (schedule tile_n), a divisor
  /// of heads / kv_heads: each K and V row is loaded once for them all.
  int64_t tile_h = 1;
};

/// Float matmul x · Wᵀ (the LM head, ref::matmulTransposed, f32 accumulation
/// in any order). Buffers: 0 x f32 [max_batch*K], 1 W [N*K] (elem), 2 y f32
/// [max_batch*N]. Range: FIXED over N rows; tokens t0..t1-1.
struct FloatMatmulParams {
  int64_t N = 0, K = 0, max_batch = 1;
  FloatType elem = FloatType::BF16;
  int64_t tile_n = 4;   ///< rows per register tile
  int64_t prefetch = 0; ///< rows ahead to prefetch (0: none)
};

/// int8 x int8 matmul, the quantized LM head (`tern-compile --head=int8`):
///   y[t][n] = float(sum_k q[t][k] * W[n][k]) / s[t] * scale[n]
/// Buffers: 0 q i8 [max_batch*K], 1 s f32 [max_batch] (as norm_quantize
/// writes them), 2 W i8 [N*K] row-major, 3 scale f32 [N], 4 corr i32 [N]
/// (128 * sum_k W[n][k], used where the dot product takes unsigned
/// activations), 5 y f32 [max_batch*N]. Range: FIXED over N rows; tokens
/// t0..t1-1. K must be a multiple of `block`.
struct Int8MatmulParams {
  int64_t N = 0, K = 0, max_batch = 1;
  int64_t block = 64; ///< bytes per dot-product step
  DotIsa isa = DotIsa::Generic;
  int64_t tile_n = 4;
  int64_t prefetch = 0;
};

/// Per-row absmax int8 quantization of a float matrix W[N][K] (the int8
/// head): W8[n][k] = round-half-even(W[n][k] * 127 / absmax_n), scale[n] =
/// absmax_n / 127 (1 for an all-zero row), corr[n] = 128 * sum_k W8[n][k].
void quantizeRowsInt8(const float *W, int64_t N, int64_t K, int8_t *w8,
                      float *scale, int32_t *corr);

} // namespace tern::codegen

#endif
