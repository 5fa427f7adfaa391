//===- LutMatmulKernel.cpp - ternary GEMV / GEMM by table lookup ----------===//
//
// The lookup-table (TL1/TL2, T-MAC style) form of the ternary matmul: no
// weight is decoded. Weights are 4-bit indices of groups of g = 2 or 3
// (#tern.layout<block = V, lut = g>, see ref::LutGeometry), activations were
// turned into tables of the 16 sums each group's patterns give (the
// lut_tables kernel). For a block of 16 rows, one step of the layout covers
// 2L groups (L = V/16 lanes):
//   idx      = W[block][step][0 .. V)                 (two groups per byte)
//   for h in 0, 1:  nib = h ? idx >> 4 : idx & 15
//     lo = lookup16(tables_lo[h], nib), hi = lookup16(tables_hi[h], nib)
//     s0 = (lo, hi) bytes of rows 0..7 of each lane as int16 (vpunpcklbw)
//     s1 = the same for rows 8..15                       (vpunpckhbw)
//     (g = 3) s_k = sign bit ? -s_k : s_k    (the sign arrays after idx)
//     A_k += s_k                                         (int16 lanes)
// |s| <= 3 * 128, so 32 steps (64 sums) fit in int16: the A_k are widened
// into int32 C_k every 32 steps. At the end the lanes of C_k are summed per
// row, giving the exact int32 sum_k w * q of 16 rows, then the epilogue of
// TernaryMatmulKernel.cpp (scales, residual) runs per row.
//
// Tiles: `tile_n` row blocks share each table load, `tile_m` tokens each
// weight load. Rows [begin, end) are cut at multiples of 16 by the plan
// (grain 16); a block that crosses the end of a part or range stores only
// its rows inside.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/MatmulEpilogue.h"
#include "codegen/cpu/VectorUtils.h"
#include "codegen/cpu/TableLookup.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

namespace {

/// Steps between two widenings of the int16 accumulators: 2 sums of at most
/// 3 * 128 per step, 32 * 2 * 384 = 24576 < 2^15.
constexpr int64_t kFlushSteps = 32;

class LutEmitter {
public:
  LutEmitter(OpBuilder &b, const TernaryMatmulParams &p, const KernelArgs &a)
      : b(b), loc(b.getUnknownLoc()), p(p), a(a) {
    geo = ref::lutGeometry(p.layout(), p.totalRows(), p.K);
    V = geo.V;
    L = geo.lanes;
    MLIRContext *ctx = b.getContext();
    bytesT = VectorType::get({V}, IntegerType::get(ctx, 8));
    halfT = VectorType::get({V / 2}, IntegerType::get(ctx, 16));
    wideT = VectorType::get({V / 2}, IntegerType::get(ctx, 32));
  }

  void emit();

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value splat(VectorType t, int64_t v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            t, b.getIntegerAttr(t.getElementType(), v)));
  }

  // Blocks of rows [lo, hi) of part `part`, tokens [t0, t1).
  void emitRows(int part, int64_t rowBase, Value lo, Value hi);
  void emitTile(int part, int64_t rowBase, Value lo, Value hi, Value t,
                Value blk, int64_t tm, int64_t tn);
  // The per-lane byte interleave of lo and hi, rows `half`*8 .. +8 of each
  // lane, as V/2 int16 sums.
  Value interleave(Value lo, Value hi, int half);

  OpBuilder &b;
  Location loc;
  const TernaryMatmulParams &p;
  const KernelArgs &a;
  ref::LutGeometry geo;
  int64_t V = 64, L = 4;
  VectorType bytesT, halfT, wideT;
};

void LutEmitter::emit() {
  forEachPartRange(b, loc, p, a, [&](int part, int64_t base, Value lo, Value hi) {
    emitRows(part, base, lo, hi);
  });
}

void LutEmitter::emitRows(int part, int64_t rowBase, Value lo, Value hi) {
  // Blocks [lo / 16, ceil(hi / 16)), empty when lo == hi.
  Value bLo = arith::DivUIOp::create(b, loc, lo, idx(16));
  Value bHi = arith::DivUIOp::create(b, loc, add(hi, idx(15)), idx(16));
  Value empty = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lo, hi);
  bHi = arith::SelectOp::create(b, loc, empty, bLo, bHi);
  vec::forTiles(b, loc, bLo, bHi, std::max<int64_t>(p.tile_n, 1),
                [&](OpBuilder &, Location, Value blk, int64_t tn) {
                  vec::forTiles(b, loc, a.t0, a.t1, std::max<int64_t>(p.tile_m, 1),
                                [&](OpBuilder &, Location, Value t, int64_t tm) {
                                  emitTile(part, rowBase, lo, hi, t, blk, tm, tn);
                                });
                });
}

Value LutEmitter::interleave(Value lo, Value hi, int half) {
  SmallVector<int64_t> mask;
  for (int64_t lane = 0; lane < L; ++lane)
    for (int64_t r = 0; r < 8; ++r) {
      mask.push_back(lane * 16 + half * 8 + r);
      mask.push_back(V + lane * 16 + half * 8 + r);
    }
  Value bytes = vector::ShuffleOp::create(b, loc, lo, hi, mask);
  return vector::BitCastOp::create(b, loc, halfT, bytes);
}

void LutEmitter::emitTile(int part, int64_t rowBase, Value lo, Value hi,
                          Value t, Value blk, int64_t tm, int64_t tn) {
  Value tables = a.buffers[0], s = a.buffers[1], W = a.buffers[2];
  const int64_t S = geo.steps, stepBytes = geo.stepBytes,
                blockBytes = geo.blockBytes(), tableBytes = geo.tableBytes();
  const int64_t totalBytes = geo.rowBlocks * blockBytes;
  const bool signs = geo.g == 3;
  // Accumulators, (token i, block j) -> k = i * tn + j, two each (rows 0..7
  // and 8..15 of every lane).
  const int64_t nAcc = 2 * tm * tn;
  Value zeroWide = splat(wideT, 0), zeroHalf = splat(halfT, 0);
  auto chunks = scf::ForOp::create(b, loc, idx(0), idx(S), idx(kFlushSteps),
                                   SmallVector<Value>(nAcc, zeroWide));
  {
    OpBuilder::InsertionGuard g0(b);
    b.setInsertionPointToStart(chunks.getBody());
    Value c0 = chunks.getInductionVar();
    Value c1 = arith::MinSIOp::create(b, loc, add(c0, idx(kFlushSteps)), idx(S));
    auto steps = scf::ForOp::create(b, loc, c0, c1, idx(1),
                                    SmallVector<Value>(nAcc, zeroHalf));
    {
      OpBuilder::InsertionGuard g1(b);
      b.setInsertionPointToStart(steps.getBody());
      Value st = steps.getInductionVar();
      SmallVector<Value> acc(steps.getRegionIterArgs().begin(),
                             steps.getRegionIterArgs().end());
      Value mask15 = splat(bytesT, 15), four = splat(bytesT, 4);
      // Weights of each block: index nibbles and sign masks.
      SmallVector<std::array<Value, 2>> nibs;
      SmallVector<std::array<Value, 4>> negs;
      for (int64_t j = 0; j < tn; ++j) {
        Value off = add(mul(add(blk, idx(j)), idx(blockBytes)), mul(st, idx(stepBytes)));
        Value raw = vector::LoadOp::create(b, loc, bytesT, W, ValueRange{off});
        nibs.push_back({arith::AndIOp::create(b, loc, raw, mask15),
                        arith::ShRUIOp::create(b, loc, raw, four)});
        if (p.prefetch > 0 && tm == 1) {
          // Rows ahead -> bytes ahead (16 rows per block); both ends of the
          // step so no cache line is skipped. Single tokens only: prefetch
          // is a decode knob (a prefill tile reuses each weight load).
          int64_t dist = std::max<int64_t>(p.prefetch * blockBytes / 16, stepBytes);
          for (int64_t e : {int64_t(0), stepBytes - 1}) {
            Value ahead = arith::MinSIOp::create(b, loc, add(off, idx(dist + e)),
                                                 idx(totalBytes - 1));
            memref::PrefetchOp::create(b, loc, W, ValueRange{ahead},
                                       /*isWrite=*/false, /*localityHint=*/3,
                                       /*isDataCache=*/true);
          }
        }
        if (signs) {
          // Each V/2-bit sign array loaded on its own and bitcast to a mask
          // (one kmov from memory on AVX-512).
          auto sT = VectorType::get({V / 16}, b.getI8Type());
          auto maskT = VectorType::get({V / 2}, b.getI1Type());
          std::array<Value, 4> m;
          for (int64_t k = 0; k < 4; ++k) {
            Value piece = vector::LoadOp::create(b, loc, sT, W,
                                                 ValueRange{add(off, idx(V + k * V / 16))});
            m[k] = vector::BitCastOp::create(b, loc, maskT, piece);
          }
          negs.push_back(m);
        }
      }
      for (int64_t i = 0; i < tm; ++i) {
        Value base = add(mul(add(t, idx(i)), idx(tableBytes)), mul(st, idx(4 * V)));
        Value tab[4]; // lo(h=0), hi(h=0), lo(h=1), hi(h=1)
        for (int64_t k = 0; k < 4; ++k)
          tab[k] = vector::LoadOp::create(b, loc, bytesT, tables,
                                          ValueRange{add(base, idx(k * V))});
        for (int64_t j = 0; j < tn; ++j)
          for (int h = 0; h < 2; ++h) {
            Value loB = lookup16(p.isa, b, loc, tab[2 * h], nibs[j][h]);
            Value hiB = lookup16(p.isa, b, loc, tab[2 * h + 1], nibs[j][h]);
            for (int half = 0; half < 2; ++half) {
              Value sum = interleave(loB, hiB, half);
              if (signs) {
                Value neg = arith::SubIOp::create(b, loc, zeroHalf, sum);
                sum = arith::SelectOp::create(b, loc, negs[j][2 * h + half], neg, sum);
              }
              Value &A = acc[2 * (i * tn + j) + half];
              A = add(A, sum);
            }
          }
      }
      scf::YieldOp::create(b, loc, acc);
    }
    SmallVector<Value> wide;
    for (int64_t k = 0; k < nAcc; ++k)
      wide.push_back(add(chunks.getRegionIterArgs()[k],
                         arith::ExtSIOp::create(b, loc, wideT, steps.getResult(k))));
    scf::YieldOp::create(b, loc, wide);
  }

  // Row sums: lanes of each accumulator added (word w = lane * 8 + r).
  auto rowsT = VectorType::get({8}, b.getI32Type());
  auto lanesT = VectorType::get({L, 8}, b.getI32Type());
  for (int64_t i = 0; i < tm; ++i) {
    Value tok = add(t, idx(i));
    Value stok = memref::LoadOp::create(b, loc, s, ValueRange{tok});
    for (int64_t j = 0; j < tn; ++j) {
      Value rows[2];
      for (int half = 0; half < 2; ++half) {
        Value c = chunks.getResult(2 * (i * tn + j) + half);
        if (L == 1) {
          rows[half] = c;
        } else {
          Value m = vector::ShapeCastOp::create(b, loc, lanesT, c);
          rows[half] = vector::MultiDimReductionOp::create(
              b, loc, m, splat(rowsT, 0), ArrayRef<bool>{true, false},
              vector::CombiningKind::ADD);
        }
      }
      for (int64_t r = 0; r < 16; ++r) {
        Value row = add(mul(add(blk, idx(j)), idx(16)), idx(r));
        Value inside = arith::AndIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, row, lo),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row, hi));
        auto ifOp = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value accv = vector::ExtractOp::create(b, loc, rows[r / 8],
                                               ArrayRef<int64_t>{r % 8});
        storeMatmulOutput(b, loc, p, a, part, rowBase, accv, stok, tok, row);
      }
    }
  }
}

} // namespace

void emitLutMatmul(OpBuilder &b, const TernaryMatmulParams &p,
                   const KernelArgs &args) {
  LutEmitter(b, p, args).emit();
}

} // namespace tern::cpu
