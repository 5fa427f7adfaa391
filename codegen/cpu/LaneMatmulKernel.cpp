//===- LaneMatmulKernel.cpp - ternary GEMV / GEMM, one row per lane -------===//
//
// The `i2lane` form of the ternary matmul (TernaryMatmulParams::lanes()):
// the weights are 2-bit codes c = w + 1 with block 4 and R = W/4 rows
// interleaved in chunks of 4 bytes (W = the dot product's width: 64 bytes
// on AVX-512, 32 on AVX2, 16 on NEON). One W-byte vector of group g, step
// kb holds 4 bytes of each of its R rows, one row per 32-bit lane; bits
// 2s..2s+1 of byte i of a lane are the code of weight k = 16 kb + 4 s + i.
// So the 4 activations q[t][16 kb + 4 s ..] broadcast to every lane line up
// with sub-slot s of all R rows at once:
//   for kb in 0 .. K/16:
//     bytes_j = W[group g+j][kb]                      (one vector per group)
//     for s in 0..3: codes_j = (bytes_j >> 2s) & 3   (unpackSubSlot)
//       for tokens i: a_i = broadcast(q[t+i][16 kb + 4 s .. +4])
//         acc[i][j] = dot(acc[i][j], codes_j, a_i)    (lane r: row r's sum)
//   out[t+i][rows of g+j] = epilogue(acc[i][j] - sums[t+i])   (vector-wide)
// Unlike the i2xR form (TernaryMatmulKernel.cpp) no accumulator is summed
// across its lanes, and the epilogue converts, scales and stores R rows per
// instruction: a prefill tile's cost is its dot products plus 7 unpacking
// operations per weight vector (4 with GFNI: DotProduct::unpackSubSlot).
//
// Tiles: `tile_m` tokens x `tile_n` groups (tile_n * R rows) in prefill;
// single tokens over `gemv_tile_n` groups (2 by default), each with 4 accumulators (one
// per sub-slot, added at the end) when fewer than 4 groups would leave the
// dot product's latency exposed. A group that crosses the end of a part or
// of the thread's range is computed whole and stores only its rows inside.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/DotProduct.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/MatmulEpilogue.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cassert>

using namespace mlir;

namespace tern::cpu {

namespace {

class LaneEmitter {
public:
  /// AMX: K tiles (64 bytes each) per straight-line chunk.
  static constexpr int64_t kAmxChunk = 16;
  LaneEmitter(OpBuilder &b, const TernaryMatmulParams &p, const KernelArgs &a,
              const DotProduct &dot)
      : b(b), loc(b.getUnknownLoc()), p(p), a(a), dot(dot), R(p.interleave),
        W(dot.bytes()) {}

  void emit();

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  /// q[off .. off+4) in every 32-bit lane of a W-byte vector.
  Value broadcastActs(Value off);
  /// Groups [gLo, gHi) covering rows [lo, hi) of part `part`.
  void emitRows(int part, int64_t rowBase, Value lo, Value hi);
  /// tm tokens from t x tn groups from g.
  void emitTile(int part, int64_t rowBase, Value lo, Value hi, Value g, Value t,
                int64_t tm, int64_t tn);
  /// AMX: tokens [t0, amxEnd) of groups [gLo, gHi).
  void emitAmxRows(int part, int64_t rowBase, Value lo, Value hi, Value gLo, Value gHi);
  /// Unpacks K tile kt (64 K values) of groups g .. g+gn into the panel.
  void emitAmxPanelTile(Value g, int64_t gn, Value kt);
  /// 16 * tm16 tokens from t x the gn groups of the panel (from g); with
  /// `unpack`, unpacking the panel one K tile ahead of its use.
  void emitAmxTile(int part, int64_t rowBase, Value lo, Value hi, Value g, int64_t gn,
                   Value t, int64_t tm16, bool unpack);
  /// Stores token tok's R sums of the group at row0 (acc: sums - sums[t]).
  void emitStore(int part, int64_t rowBase, Value lo, Value hi, Value row0,
                 Value tok, Value acc, Value st);

  OpBuilder &b;
  Location loc;
  const TernaryMatmulParams &p;
  const KernelArgs &a;
  const DotProduct &dot;
  const int64_t R, W;
  Value sums, lanesTmp, panel, amxOut;
  /// AMX: the ends of the 32- and 16-token tiles (t0 + a multiple of 32, of
  /// 16); the VNNI tiles take [amxEnd, t1).
  Value amx32End, amxEnd;
  /// The tokens the VNNI tiles compute: all of them, or [amxEnd, t1).
  KernelArgs vnni;
};

void LaneEmitter::emit() {
  // The activation sums step over K in the widest vector that divides it
  // (K is a multiple of 16, not always of W).
  int64_t sumBytes = p.K % W == 0 ? W : p.K % 32 == 0 && W >= 32 ? 32 : 16;
  std::unique_ptr<DotProduct> sumDot = createDotProduct(p.isa, int(sumBytes));
  vnni = a;
  if (p.amx) {
    auto roundDown = [&](int64_t m) {
      Value n = arith::SubIOp::create(b, loc, a.t1, a.t0);
      return add(a.t0, mul(arith::DivUIOp::create(b, loc, n, idx(m)), idx(m)));
    };
    amx32End = roundDown(32);
    amxEnd = vnni.t0 = roundDown(16);
  }
  // Only the VNNI tiles subtract activation sums (AMX's weights are signed).
  sums = emitActivationSums(b, loc, p, vnni, *sumDot);
  // Scratch for the lanes of a group that is stored row by row (allocated
  // once: an alloca inside the loops would grow the stack).
  lanesTmp = memref::AllocaOp::create(b, loc, MemRefType::get({R}, b.getI32Type()));
  if (p.amx) {
    b.getContext()->getOrLoadDialect<amx::AMXDialect>();
    // Cache-line aligned: a tile row (64 bytes) that straddles two lines
    // costs two loads; unaligned, the GEMM's speed varied 1.5x from run to run.
    IntegerAttr line = b.getI64IntegerAttr(64);
    panel = memref::AllocaOp::create(b, loc, MemRefType::get({2 * 16 * p.K}, b.getI8Type()), line);
    amxOut = memref::AllocaOp::create(b, loc, MemRefType::get({4 * 256}, b.getI32Type()), line);
  }
  forEachPartRange(b, loc, p, a, [&](int part, int64_t base, Value lo, Value hi) {
    emitRows(part, base, lo, hi);
  });
}

Value LaneEmitter::broadcastActs(Value off) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  Value four = vector::LoadOp::create(b, loc, VectorType::get({4}, b.getI8Type()),
                                      a.buffers[0], ValueRange{off});
  Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), four);
  Value lanes = vector::BroadcastOp::create(b, loc, VectorType::get({R}, i32),
                                            vector::ExtractOp::create(b, loc, word, 0));
  return vector::BitCastOp::create(b, loc, dot.byteType(ctx), lanes);
}

void LaneEmitter::emitRows(int part, int64_t rowBase, Value lo, Value hi) {
  // Groups [lo / R, ceil(hi / R)), none when the range is empty.
  Value gLo = arith::DivUIOp::create(b, loc, lo, idx(R));
  Value gEnd = arith::DivUIOp::create(b, loc, add(hi, idx(R - 1)), idx(R));
  Value empty = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, hi, lo);
  Value gHi = arith::SelectOp::create(b, loc, empty, gLo, gEnd);
  if (p.amx)
    emitAmxRows(part, rowBase, lo, hi, gLo, gHi);
  forTokenTiles(b, loc, p, vnni, gLo, gHi, [&](Value t, Value g, int64_t tm, int64_t tn) {
    emitTile(part, rowBase, lo, hi, g, t, tm, tn);
  });
}

void LaneEmitter::emitAmxRows(int part, int64_t rowBase, Value lo, Value hi, Value gLo,
                              Value gHi) {
  Value t16 = amxEnd, t32 = amx32End;
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, t16, a.t0);
  auto ifAny = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifAny.getThenRegion().front());
  // The first 32-token tile of each pair of groups unpacks the panel as it
  // goes (a K tile ahead of its tdpbssd, so the vector unit works while the
  // tile unit does: unpacked before the tiles, it took ~40 % of the GEMM's
  // time); the other tiles read it.
  auto ifElse = [&](Value cond, auto thenFn, auto elseFn) {
    auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&op.getThenRegion().front());
    thenFn();
    b.setInsertionPointToStart(&op.getElseRegion().front());
    elseFn();
  };
  vec::forTiles(b, loc, gLo, gHi, 2, [&](OpBuilder &, Location, Value g, int64_t gn) {
    // Fewer than 32 tokens (always so where max_batch < 32): the panel in
    // one loop of its own, then the 16-token tile.
    auto panelLoop = [&] {
      vec::forLoop(b, loc, idx(0), idx(p.K / 64), idx(1), ValueRange{},
                   [&](OpBuilder &, Location, Value kt, ValueRange) {
                     emitAmxPanelTile(g, gn, kt);
                     return SmallVector<Value>{};
                   });
    };
    if (p.max_batch >= 32) {
      Value has32 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, t32, a.t0);
      ifElse(
          has32,
          [&] {
            emitAmxTile(part, rowBase, lo, hi, g, gn, a.t0, 2, /*unpack=*/true);
            vec::forLoop(b, loc, add(a.t0, idx(32)), t32, idx(32), ValueRange{},
                         [&](OpBuilder &, Location, Value t, ValueRange) {
                           emitAmxTile(part, rowBase, lo, hi, g, gn, t, 2, /*unpack=*/false);
                           return SmallVector<Value>{};
                         });
          },
          panelLoop);
    } else {
      panelLoop();
    }
    Value half = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, t16, t32);
    auto ifHalf = scf::IfOp::create(b, loc, half, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(&ifHalf.getThenRegion().front());
    emitAmxTile(part, rowBase, lo, hi, g, gn, t32, 1, /*unpack=*/false);
  });
}

void LaneEmitter::emitAmxPanelTile(Value g, int64_t gn, Value kt) {
  const int64_t groupBytes = R * p.K / 4;
  VectorType bytesT = dot.byteType(b.getContext());
  Value one = dot.byteSplat(b, loc, 1);
  for (int64_t j = 0; j < gn; ++j)
    for (int64_t q = 0; q < 4; ++q) { // the K tile's 4 steps of 16
      Value kb = add(mul(kt, idx(4)), idx(q));
      Value bytes = vector::LoadOp::create(
          b, loc, bytesT, a.buffers[2],
          ValueRange{add(mul(add(g, idx(j)), idx(groupBytes)), mul(kb, idx(W)))});
      Value dst = add(idx(j * 16 * p.K), mul(kb, idx(4 * W)));
      for (int64_t s = 0; s < 4; ++s) {
        Value w = arith::SubIOp::create(b, loc, dot.unpackSubSlot(b, loc, bytes, s, p.gfni), one);
        vector::StoreOp::create(b, loc, w, panel, ValueRange{add(dst, idx(s * W))});
      }
    }
}

void LaneEmitter::emitAmxTile(int part, int64_t rowBase, Value lo, Value hi, Value g,
                              int64_t gn, Value t, int64_t tm16, bool unpack) {
  MLIRContext *ctx = b.getContext();
  auto aT = amx::TileType::get({16, 64}, b.getI8Type());
  auto cT = amx::TileType::get({16, 16}, b.getI32Type());
  // Tiles cannot cross a block boundary (LLVM keeps them in registers only
  // within one), so the accumulators live in amxOut between chunks of
  // kAmxChunk K tiles, each chunk straight-line code.
  const int64_t kts = p.K / 64, chunks = kts / kAmxChunk, tail = kts % kAmxChunk;
  for (int64_t c = 0; c < tm16 * gn; ++c)
    amx::TileStoreOp::create(b, loc, amxOut, ValueRange{idx(c * 256)},
                             amx::TileZeroOp::create(b, loc, cT), idx(16));
  if (unpack)
    emitAmxPanelTile(g, gn, idx(0));
  // `last`: the final chunk, whose final K tile has no next one to unpack.
  auto chunk = [&](Value kt0, int64_t n, bool last) {
    SmallVector<Value> C;
    for (int64_t c = 0; c < tm16 * gn; ++c)
      C.push_back(amx::TileLoadOp::create(b, loc, cT, amxOut, ValueRange{idx(c * 256)}, idx(16)));
    for (int64_t u = 0; u < n; ++u) {
      Value kt = add(kt0, idx(u));
      SmallVector<Value> A, B;
      for (int64_t i = 0; i < tm16; ++i)
        A.push_back(amx::TileLoadOp::create(
            b, loc, aT, a.buffers[0],
            ValueRange{add(mul(add(t, idx(16 * i)), idx(p.K)), mul(kt, idx(64)))}, idx(p.K)));
      for (int64_t j = 0; j < gn; ++j)
        B.push_back(amx::TileLoadOp::create(
            b, loc, aT, panel, ValueRange{add(idx(j * 16 * p.K), mul(kt, idx(1024)))}, idx(64)));
      for (int64_t i = 0; i < tm16; ++i)
        for (int64_t j = 0; j < gn; ++j)
          C[i * gn + j] = amx::TileMulIOp::create(b, loc, cT, A[i], B[j], C[i * gn + j]);
      if (unpack && !(last && u == n - 1))
        emitAmxPanelTile(g, gn, add(kt, idx(1)));
    }
    for (int64_t c = 0; c < tm16 * gn; ++c)
      amx::TileStoreOp::create(b, loc, amxOut, ValueRange{idx(c * 256)}, C[c], idx(16));
  };
  // The final chunk (the tail, or the last whole chunk) is emitted on its
  // own, so every address in the loop is affine in its index (clamping the
  // next K tile with a min made LLVM's loop strength reduction take half of
  // an x86-amx build's time).
  const int64_t loopChunks = tail > 0 ? chunks : chunks - 1;
  if (loopChunks > 0)
    vec::forLoop(b, loc, idx(0), idx(loopChunks * kAmxChunk), idx(kAmxChunk), ValueRange{},
                 [&](OpBuilder &, Location, Value kt0, ValueRange) {
                   chunk(kt0, kAmxChunk, /*last=*/false);
                   return SmallVector<Value>{};
                 });
  chunk(idx(loopChunks * kAmxChunk), tail > 0 ? tail : kAmxChunk, /*last=*/true);
  VectorType accT = dot.accType(ctx);
  for (int64_t i = 0; i < tm16; ++i)
    vec::forEach(b, loc, idx(0), idx(16), [&](OpBuilder &, Location, Value r) {
      Value tok = add(t, add(idx(16 * i), r));
      Value st = memref::LoadOp::create(b, loc, a.buffers[1], ValueRange{tok});
      for (int64_t j = 0; j < gn; ++j) {
        Value acc = vector::LoadOp::create(b, loc, accT, amxOut,
                                           ValueRange{add(idx((i * gn + j) * 256), mul(r, idx(16)))});
        emitStore(part, rowBase, lo, hi, mul(add(g, idx(j)), idx(R)), tok, acc, st);
      }
    });
}

void LaneEmitter::emitTile(int part, int64_t rowBase, Value lo, Value hi, Value g,
                           Value t, int64_t tm, int64_t tn) {
  const int64_t Kb = p.K / 4, steps = p.K / 16, groupBytes = R * Kb;
  const int64_t Ntot = p.totalRows();
  // Chains per (token, group): one per sub-slot where too few groups
  // would leave each accumulator a chain of 4 dependent dot products.
  const int64_t split = tm == 1 && tn < 4 ? 4 : 1;
  Value Wbuf = a.buffers[2];
  VectorType bytesT = dot.byteType(b.getContext());
  SmallVector<Value> init(tm * tn * split, dot.zeroAcc(b, loc));
  auto loop = scf::ForOp::create(b, loc, idx(0), idx(steps), idx(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kb = loop.getInductionVar();
    SmallVector<Value> accs(loop.getRegionIterArgs().begin(), loop.getRegionIterArgs().end());
    SmallVector<Value> bytes;
    Value stepOff = mul(kb, idx(W));
    for (int64_t j = 0; j < tn; ++j) {
      Value off = add(mul(add(g, idx(j)), idx(groupBytes)), stepOff);
      bytes.push_back(vector::LoadOp::create(b, loc, bytesT, Wbuf, ValueRange{off}));
      if (p.prefetch > 0 && tm == 1) { // decode's knob: single-token tiles only
        Value ahead = arith::MinSIOp::create(b, loc, add(off, idx(p.prefetch * Kb)),
                                             idx(Ntot * Kb - 1));
        memref::PrefetchOp::create(b, loc, Wbuf, ValueRange{ahead}, /*isWrite=*/false,
                                   /*localityHint=*/3, /*isDataCache=*/true);
      }
    }
    Value actBase = mul(kb, idx(16));
    for (int64_t s = 0; s < 4; ++s) {
      SmallVector<Value> codes;
      for (int64_t j = 0; j < tn; ++j)
        codes.push_back(dot.unpackSubSlot(b, loc, bytes[j], s, p.gfni));
      for (int64_t i = 0; i < tm; ++i) {
        Value off = add(add(mul(add(t, idx(i)), idx(p.K)), actBase), idx(4 * s));
        Value acts = broadcastActs(off);
        for (int64_t j = 0; j < tn; ++j) {
          Value &acc = accs[(i * tn + j) * split + (split > 1 ? s : 0)];
          acc = dot.dot(b, loc, acc, codes[j], acts);
        }
      }
    }
    scf::YieldOp::create(b, loc, accs);
  }

  for (int64_t i = 0; i < tm; ++i) {
    Value tok = add(t, idx(i));
    Value st = memref::LoadOp::create(b, loc, a.buffers[1], ValueRange{tok});
    Value sumA = memref::LoadOp::create(b, loc, sums, ValueRange{tok});
    Value sumV = vector::BroadcastOp::create(b, loc, dot.accType(b.getContext()), sumA);
    for (int64_t j = 0; j < tn; ++j) {
      Value acc = loop.getResult((i * tn + j) * split);
      for (int64_t c = 1; c < split; ++c)
        acc = add(acc, loop.getResult((i * tn + j) * split + c));
      acc = arith::SubIOp::create(b, loc, acc, sumV);
      emitStore(part, rowBase, lo, hi, mul(add(g, idx(j)), idx(R)), tok, acc, st);
    }
  }
}

void LaneEmitter::emitStore(int part, int64_t rowBase, Value lo, Value hi, Value row0,
                            Value tok, Value acc, Value st) {
  Value rowEnd = add(row0, idx(R));
  Value inside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, row0, lo),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, rowEnd, hi));
  auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  // The whole group: R rows per instruction, the reference's order per row.
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  {
    VectorType fT = vec::f32Vec(b.getContext(), R);
    Value y = arith::SIToFPOp::create(b, loc, fT, acc);
    Value ws = vector::LoadOp::create(b, loc, fT, a.buffers[3], ValueRange{row0});
    Value stV = vector::BroadcastOp::create(b, loc, fT, st);
    if (p.divide) {
      y = arith::DivFOp::create(b, loc, y, arith::MulFOp::create(b, loc, stV, ws));
    } else {
      y = arith::DivFOp::create(b, loc, y, stV);
      y = arith::MulFOp::create(b, loc, y, ws);
    }
    Value o = add(mul(tok, idx(p.parts[part])), arith::SubIOp::create(b, loc, row0, idx(rowBase)));
    if (p.residual) {
      Value res = vector::LoadOp::create(b, loc, fT, a.buffers[4 + p.parts.size()], ValueRange{o});
      y = arith::AddFOp::create(b, loc, res, y);
    }
    vector::StoreOp::create(b, loc, y, a.buffers[4 + part], ValueRange{o});
  }
  // A group across the range's or the part's end: its rows inside, one by one.
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  vector::StoreOp::create(b, loc, acc, lanesTmp, ValueRange{idx(0)});
  Value first = arith::MaxUIOp::create(b, loc, row0, lo);
  Value last = arith::MaxUIOp::create(b, loc, arith::MinUIOp::create(b, loc, rowEnd, hi), first);
  vec::forEach(b, loc, first, last, [&](OpBuilder &, Location, Value row) {
    Value v = memref::LoadOp::create(b, loc, lanesTmp,
                                     ValueRange{arith::SubIOp::create(b, loc, row, row0)});
    storeMatmulOutput(b, loc, p, a, part, rowBase, v, st, tok, row);
  });
}

} // namespace

void emitLaneMatmul(OpBuilder &b, const TernaryMatmulParams &p, const KernelArgs &args) {
  std::unique_ptr<DotProduct> dot = createDotProduct(p.isa, int(p.interleave * 4));
  assert((!p.amx || p.interleave == 16) && "AMX: 16-row groups (PlanBuilder checks)");
  assert(dot->accType(b.getContext()).getNumElements() == p.interleave &&
         "i2lane: the dot product's lanes must be the group's rows (CpuPlan checks R)");
  LaneEmitter(b, p, args, *dot).emit();
}

} // namespace tern::cpu
