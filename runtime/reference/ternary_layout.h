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
//  * lut = g (2 or 3), with bits = 2, pack_dim = 1 and block V in {16, 32,
//    64}: the lookup-table layout (bitnet.cpp's TL1 / TL2, T-MAC). Each row's
//    weights are cut into groups of g consecutive ones (the last group padded
//    with zeros); a group is stored as an index into a 16-entry table of the
//    activation sums its 3^g weight patterns give, so a kernel looks sums up
//    (vpshufb / tbl) instead of decoding weights.
//      g = 3: v = 9(w0+1) + 3(w1+1) + (w2+1) in 0..26; a 4-bit index
//             i = v <= 13 ? v : 26 - v (26 - v is the negated pattern) and a
//             sign bit (v > 13): 5 bits per 3 weights, 1.67 bits per weight.
//      g = 2: a 4-bit index i = 3(w0+1) + (w1+1) in 0..8, no sign: 2 bits.
//    Rows go in blocks of 16 (N padded with zero rows), groups in steps of 2L
//    (L = V/16 lanes of 16 bytes; the group count padded with zero groups).
//    Row block b, step s is `stepBytes` bytes at (b * steps + s) * stepBytes:
//    V index bytes, then (g = 3) V/4 sign bytes. Group j of the step (0 <= j
//    < 2L), row r of the block: h = j / L, lane = j % L;
//      index: nibble h (bits 4h..4h+3) of byte lane*16 + r;
//      sign:  bit (lane*8 + r%8) of the V/2-bit array a = 2h + r/8, which
//             starts at byte V + a * V/16.
//    The sign order is that of the 16-bit sums after a per-lane byte
//    interleave of the looked-up low and high bytes (vpunpck[lh]bw).
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
  int lut = 0;          ///< g: 0 = 2-bit codes, 2 or 3 = lookup-table indices
};

/// The sizes of a lookup-table layout (lut = g > 0) for an [N][K] matrix.
struct LutGeometry {
  int g = 3;             ///< weights per group
  int64_t V = 64;        ///< bytes of indices per step (the layout's block)
  int64_t lanes = 4;     ///< L = V / 16: tables one 16-byte lane each
  int64_t groups = 0;    ///< ceil(K / g)
  int64_t steps = 0;     ///< ceil(groups / 2L): 2L groups per step
  int64_t stepBytes = 0; ///< V (+ V/4 sign bytes when g = 3)
  int64_t rowBlocks = 0; ///< ceil(N / 16)
  /// Bytes of one row block (all its steps).
  int64_t blockBytes() const { return steps * stepBytes; }
  /// Bytes of one token's activation tables: per step, the low-byte then
  /// the high-byte tables of its first L groups, then of its last L groups
  /// (4V bytes).
  int64_t tableBytes() const { return steps * 4 * V; }
};
LutGeometry lutGeometry(const TernaryLayout &layout, int64_t N, int64_t K);

/// The 16-entry table of group index i (0 <= i < 16) for activations a[0..g):
/// the sum of the group's weight pattern times a (0 for unused indices).
int lutEntry(int g, int i, const int8_t *a);

/// One token's activation tables for a lookup-table layout: q[K] int8 ->
/// out[geometry.tableBytes()] (16-bit sums split into low and high bytes).
void buildLutTables(const LutGeometry &geo, int64_t K, const int8_t *q,
                    uint8_t *out);

/// The layout of the Hugging Face BitNet checkpoint for an [N][K] matrix:
/// bits 2, pack_dim 0, block N/4.
TernaryLayout hfCheckpointLayout(int64_t N);

/// Returns true when `layout` can store an [N][K] matrix; otherwise false
/// and (when err is non-null) a message naming the rule and the numbers.
bool checkLayout(const TernaryLayout &layout, int64_t N, int64_t K,
                 std::string *err);

/// The packed layouts a schedule's `layout` knob names (ScheduleSpace.h):
/// "i2xR" is 2-bit codes along K (pack_dim 1) with R rows interleaved in
/// chunks of one block (R = 1: rows one after another), "tl1" / "tl2" the
/// lookup-table layouts lut = 2 / 3, "i2lane" 2-bit codes with one row per
/// 32-bit lane of a vector: block 4, chunk 4, R = vectorBytes / 4 rows (a
/// vector holds 16 weights of each of R rows; the kernel broadcasts 4
/// activation bytes to every lane, so its sums need no horizontal add).
/// The block is not in the i2xR / tl names: it
/// follows from K and the target's vector width (layoutFromName).
/// layoutName gives "" for a layout no name stands for (bits 8, pack_dim 0,
/// another chunk).
std::string layoutName(const TernaryLayout &layout);
/// The layout `name` stands for in a K-wide matrix on a target of
/// `vectorBytes`-byte vectors. Its block is `block` when > 0; else, for
/// i2: the largest of 64, 32, 16 bytes that is <= vectorBytes and packs K
/// (K a multiple of 4 * block); for tl: min(vectorBytes, 64). The chunk is
/// the block when rows interleave (the one rule; the pack pass and the
/// tuner both use it). False + err for an unknown name, or when no block
/// packs K.
bool layoutFromName(const std::string &name, int64_t K, int64_t vectorBytes,
                    int64_t block, TernaryLayout *out, std::string *err);
/// True for a name layoutFromName knows.
bool isLayoutName(const std::string &name);

/// Number of bytes of the packed [N][K] matrix (layout must be valid).
int64_t packedBytes(const TernaryLayout &layout, int64_t N, int64_t K);

/// Shape of the packed storage as a 2-D byte array (layout must be valid):
/// bits 8 -> {N, K}; pack_dim 0 -> {N/4, K}; pack_dim 1 -> {N, K/4};
/// interleave R > 1 -> {N/R, (K/4)*R} (each row group is one storage row);
/// lut -> {row blocks, bytes per row block}.
std::vector<int64_t> storageShape(const TernaryLayout &layout, int64_t N,
                                  int64_t K);

/// Byte offset of element (n, k) in the packed storage; *shift (when
/// non-null) receives the bit position of its code (0 for bits 8). The single
/// formula shared by packTernary and unpackTernary. Layout must be valid and
/// not a lookup-table one (those store groups, not elements).
int64_t byteOffset(const TernaryLayout &layout, int64_t N, int64_t K,
                   int64_t n, int64_t k, int *shift);

/// Packs W[N][K] (values in {-1, 0, 1}) into out[packedBytes(...)].
/// Preconditions: checkLayout succeeds and every value is in {-1, 0, 1}.
void packTernary(const int8_t *W, int64_t N, int64_t K,
                 const TernaryLayout &layout, uint8_t *out);

/// Unpacks `in` into W[N][K]. Fails (returns false, sets *err) on an invalid
/// layout, on 2-bit code 3, on an 8-bit value outside {-1, 0, 1} or on a
/// lookup-table index no pattern has; the message names the byte offset.
bool unpackTernary(const uint8_t *in, int64_t N, int64_t K,
                   const TernaryLayout &layout, int8_t *W, std::string *err);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_TERNARY_LAYOUT_H
