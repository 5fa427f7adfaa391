//===- ternary_layout.h - Byte packing of ternary weight matrices -*- C++ -*-===//
//
// Packing of a ternary matrix W[N][K] (N = out features = rows, K = in
// features = cols, values in {-1, 0, 1}, row-major) into bytes. The MLIR
// attribute #tern.layout<bits, pack_dim, block, interleave, chunk> has the
// same meaning.
//
//  * bits = 8: one int8 per weight holding w itself, row-major [N][K]; every
//    other parameter must keep its default.
//  * bits = 2: code c = w + 1 in {0, 1, 2} (3 is invalid), 4 codes per byte.
//    pack_dim = 0 packs along N (storage [N/4][K]), pack_dim = 1 along K
//    (storage [N][K/4]). For index i along the packed dim (length L):
//        packed index p = (i / (4*block)) * block + (i % block)
//        sub-slot     s = (i / block) % 4      -> bits [2s, 2s+2)
//    block = 1: 4 consecutive elements per byte, low bits first.
//    pack_dim = 0, block = N/4: the Hugging Face BitNet checkpoint layout
//    (uint8 [out/4, in]; bits 2i..2i+1 of byte [r, c] hold row i*(out/4)+r).
//    Requires L % (4*block) == 0.
//  * interleave R and chunk C (bytes), only with pack_dim = 1: the byte
//    matrix B[N][Kb] (Kb = K/4) is stored as [N/R][Kb/C][R][C]; chunk = 0
//    means C = Kb. Requires N % R == 0 and Kb % C == 0.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_TERNARY_LAYOUT_H
#define TERN_RUNTIME_REFERENCE_TERNARY_LAYOUT_H

#include <cstdint>
#include <string>
#include <vector>

namespace tern {
namespace ref {

struct TernaryLayout {
  int bits = 2;         ///< 2 (packed codes) or 8 (one int8 per weight)
  int pack_dim = 1;     ///< 0: pack along N (rows), 1: pack along K (cols)
  int64_t block = 1;    ///< run length of consecutive elements per sub-slot
  int interleave = 1;   ///< R: rows interleaved per group (pack_dim 1 only)
  int64_t chunk = 0;    ///< C: bytes per row per chunk, 0 = whole row
};

/// The layout of the Hugging Face BitNet checkpoint for an [N][K] matrix:
/// bits 2, pack_dim 0, block N/4.
TernaryLayout hfCheckpointLayout(int64_t N);

/// Returns true when `layout` can store an [N][K] matrix; otherwise false
/// and (when err is non-null) a message naming the rule and the numbers.
bool checkLayout(const TernaryLayout &layout, int64_t N, int64_t K,
                 std::string *err);

/// Number of bytes of the packed [N][K] matrix (layout must be valid).
int64_t packedBytes(const TernaryLayout &layout, int64_t N, int64_t K);

/// Shape of the packed storage as a 2-D byte array (layout must be valid):
/// bits 8 -> {N, K}; pack_dim 0 -> {N/4, K}; pack_dim 1 -> {N, K/4};
/// interleave R > 1 -> {N/R, (K/4)*R} (each row group is one storage row).
std::vector<int64_t> storageShape(const TernaryLayout &layout, int64_t N,
                                  int64_t K);

/// Byte offset of element (n, k) in the packed storage; *shift (when
/// non-null) receives the bit position of its code (0 for bits 8). The single
/// formula shared by packTernary and unpackTernary. Layout must be valid.
int64_t byteOffset(const TernaryLayout &layout, int64_t N, int64_t K,
                   int64_t n, int64_t k, int *shift);

/// Packs W[N][K] (values in {-1, 0, 1}) into out[packedBytes(...)].
/// Preconditions: checkLayout succeeds and every value is in {-1, 0, 1}.
void packTernary(const int8_t *W, int64_t N, int64_t K,
                 const TernaryLayout &layout, uint8_t *out);

/// Unpacks `in` into W[N][K]. Fails (returns false, sets *err) on an invalid
/// layout, on 2-bit code 3, or on an 8-bit value outside {-1, 0, 1}; the
/// message names the byte offset.
bool unpackTernary(const uint8_t *in, int64_t N, int64_t K,
                   const TernaryLayout &layout, int8_t *W, std::string *err);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_TERNARY_LAYOUT_H
