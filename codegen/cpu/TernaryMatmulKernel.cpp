//===- TernaryMatmulKernel.cpp - ternary GEMV / GEMM kernels ---------------===//
//
// The kernel every BitLinear becomes. For each output row n (rows [begin,
// end) of the concatenated parts) and token t in [t0, t1):
//   acc = sum_k c[n][k] * q[t][k] - sum_k q[t][k]     (c = w + 1, so = sum w*q)
// computed exactly in int32 with the target's dot-product instruction, then
// rescaled (and added to the residual) in f32 in the reference's order.
//
// Loop nest (one register tile = tile_m tokens x tile_n rows):
//   sums[t] = sum_k q[t][k]                          (once per call)
//   for each part p, rows r in its share, step tile_n (then single rows):
//     for tokens t, step tile_m (then single tokens):
//       acc[i][j] = 0
//       for kb in 0 .. K/(4B):                       (B = layout block)
//         bytes_j = W[r+j][kb*B .. +B]               (+ prefetch of row r+j+pf
//                                                     when tile_m = 1)
//         for s in 0..3: codes_j = (bytes_j >> 2s) & 3   (unpackSubSlot:
//                                                   GFNI's one instruction
//                                                   where p.gfni)
//                        acc[i][j] = dot(acc[i][j], codes_j, q[t+i][kb*4B + s*B ..])
//       out[t+i][r+j] = epilogue(reduce(acc[i][j]) - sums[t+i])
// With tile_m = 1 this is the decode GEMV; tile_m > 1 reuses each unpacked
// weight vector across tokens (prefill GEMM). Software prefetch (a decode
// knob, searched for one token) is emitted in single-token tiles only: in
// prefill tiles it was decode's choice applied where it was never
// measured, and 2b4t's whole prefill ran 0.72x the default with it. On i8mm targets, even tiles use
// `smmla` instead: 2 tokens x 2 rows x 8 bytes per instruction.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/DotProduct.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/MatmulEpilogue.h"
#include "codegen/cpu/VectorUtils.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {


namespace {

class Emitter {
public:
  Emitter(OpBuilder &b, const TernaryMatmulParams &p, const KernelArgs &a,
          const DotProduct &dot)
      : b(b), loc(b.getUnknownLoc()), p(p), a(a), dot(dot) {}

  void emit();

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }

  // sums[t] = sum_k q[t][k] for t in [t0, t1).
  void emitSums();
  // Rows [lo, hi) of part `part` (global row numbers), tokens [t0, t1).
  void emitRows(int part, int64_t rowBase, Value lo, Value hi);
  // One tm x tn register tile at (t, r).
  void emitTile(int part, int64_t rowBase, Value t, Value r, int64_t tm,
                int64_t tn);

  OpBuilder &b;
  Location loc;
  const TernaryMatmulParams &p;
  const KernelArgs &a;
  const DotProduct &dot;
  Value sums;
};

void Emitter::emit() {
  emitSums();
  forEachPartRange(b, loc, p, a, [&](int part, int64_t base, Value lo, Value hi) {
    emitRows(part, base, lo, hi);
  });
}

void Emitter::emitSums() { sums = emitActivationSums(b, loc, p, a, dot); }

void Emitter::emitRows(int part, int64_t rowBase, Value lo, Value hi) {
  forTokenTiles(b, loc, p, a, lo, hi, [&](Value t, Value r, int64_t tm, int64_t tn) {
    emitTile(part, rowBase, t, r, tm, tn);
  });
}

void Emitter::emitTile(int part, int64_t rowBase, Value t, Value r, int64_t tm,
                       int64_t tn) {
  int64_t B = dot.bytes();
  int64_t Kb = p.K / 4; // bytes per weight row
  int64_t steps = p.K / (4 * B);
  int64_t Ntot = p.totalRows();
  Value q = a.buffers[0], s = a.buffers[1], W = a.buffers[2];
  MLIRContext *ctx = b.getContext();
  VectorType bytesT = dot.byteType(ctx);
  // i8mm: 2 tokens x 2 rows per `smmla` (8 bytes of each), one vector<4xi32>
  // accumulator [t0r0, t0r1, t1r0, t1r1] per pair of pairs.
  bool mmla = p.isa == DotIsa::NeonI8mm && tm % 2 == 0 && tn % 2 == 0;
  auto acc4 = VectorType::get({4}, b.getI32Type());
  Value zero4 = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(acc4, b.getI32IntegerAttr(0).getValue()));
  auto pairIndex = [&](int64_t i, int64_t j) { return (i / 2) * (tn / 2) + j / 2; };

  SmallVector<Value> init(mmla ? (tm / 2) * (tn / 2) : tm * tn,
                          mmla ? zero4 : dot.zeroAcc(b, loc));
  auto loop = scf::ForOp::create(b, loc, idx(0), idx(steps), idx(1), init);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kb = loop.getInductionVar();
    SmallVector<Value> accs(loop.getRegionIterArgs().begin(),
                            loop.getRegionIterArgs().end());
    // Row n's bytes of step kb (see Kernels.h): with R = 1 simply
    // n * Kb + kb * B.
    int64_t R = p.interleave;
    Value wOff = mul(kb, idx(R * B));
    SmallVector<Value> bytes;
    for (int64_t j = 0; j < tn; ++j) {
      Value row = add(r, idx(j));
      Value off;
      if (R > 1) {
        Value group = arith::DivUIOp::create(b, loc, row, idx(R));
        Value lane = arith::RemUIOp::create(b, loc, row, idx(R));
        off = add(add(mul(group, idx(R * Kb)), wOff), mul(lane, idx(B)));
      } else {
        off = add(mul(row, idx(Kb)), wOff);
      }
      bytes.push_back(vector::LoadOp::create(b, loc, bytesT, W, ValueRange{off}));
      if (p.prefetch > 0 && tm == 1) { // decode's knob: single-token tiles only
        Value ahead = add(off, idx(p.prefetch * Kb));
        ahead = arith::MinSIOp::create(b, loc, ahead, idx(Ntot * Kb - 1));
        memref::PrefetchOp::create(b, loc, W, ValueRange{ahead},
                                   /*isWrite=*/false, /*localityHint=*/3,
                                   /*isDataCache=*/true);
      }
    }
    Value aBase = mul(kb, idx(4 * B));
    for (int64_t sub = 0; sub < 4; ++sub) {
      SmallVector<Value> codes;
      for (int64_t j = 0; j < tn; ++j)
        codes.push_back(dot.unpackSubSlot(b, loc, bytes[j], sub, p.gfni));
      SmallVector<Value> acts;
      for (int64_t i = 0; i < tm; ++i) {
        Value tok = add(t, idx(i));
        Value off = add(add(mul(tok, idx(p.K)), aBase), idx(sub * B));
        acts.push_back(vector::LoadOp::create(b, loc, bytesT, q, ValueRange{off}));
        if (!mmla)
          for (int64_t j = 0; j < tn; ++j)
            accs[i * tn + j] = dot.dot(b, loc, accs[i * tn + j], codes[j], acts[i]);
      }
      // smmla: 8-byte piece k of two vectors side by side, as a 2x8 matrix.
      auto pair = [&](Value x, Value y, int64_t k) -> Value {
        SmallVector<int64_t> m;
        for (int64_t e = 0; e < 8; ++e)
          m.push_back(k * 8 + e);
        for (int64_t e = 0; e < 8; ++e)
          m.push_back(B + k * 8 + e);
        return vector::ShuffleOp::create(b, loc, x, y, m);
      };
      for (int64_t i = 0; mmla && i < tm; i += 2)
        for (int64_t j = 0; j < tn; j += 2)
          for (int64_t k = 0; k < B / 8; ++k) {
            Value &acc = accs[pairIndex(i, j)];
            acc = LLVM::CallIntrinsicOp::create(
                      b, loc, acc4, b.getStringAttr("llvm.aarch64.neon.smmla.v4i32.v16i8"),
                      ValueRange{acc, pair(acts[i], acts[i + 1], k),
                                 pair(codes[j], codes[j + 1], k)})
                      .getResult(0);
          }
    }
    scf::YieldOp::create(b, loc, accs);
  }

  // Epilogue, in the reference's order: float(acc) / s[t] * scale[n].
  for (int64_t i = 0; i < tm; ++i) {
    Value tok = add(t, idx(i));
    Value sumA = memref::LoadOp::create(b, loc, sums, ValueRange{tok});
    Value st = memref::LoadOp::create(b, loc, s, ValueRange{tok});
    for (int64_t j = 0; j < tn; ++j) {
      Value row = add(r, idx(j));
      Value acc = mmla ? vector::ExtractOp::create(
                             b, loc, loop.getResult(pairIndex(i, j)),
                             ArrayRef<int64_t>{(i % 2) * 2 + j % 2})
                             .getResult()
                       : dot.reduce(b, loc, loop.getResult(i * tn + j));
      acc = arith::SubIOp::create(b, loc, acc, sumA);
      storeMatmulOutput(b, loc, p, a, part, rowBase, acc, st, tok, row);
    }
  }
}

} // namespace

func::FuncOp buildTernaryMatmulKernel(OpBuilder &b, ModuleOp module,
                                      StringRef name,
                                      const TernaryMatmulParams &p) {
  MLIRContext *ctx = b.getContext();
  Type i8 = b.getI8Type(), f32 = b.getF32Type();
  int64_t N = p.totalRows();
  int64_t inputBytes = p.max_batch * p.K, weightBytes = N * p.K / 4;
  if (p.lut) {
    const ref::TernaryLayout l = p.layout();
    ref::LutGeometry geo = ref::lutGeometry(l, N, p.K);
    inputBytes = p.max_batch * geo.tableBytes();
    weightBytes = ref::packedBytes(l, N, p.K);
  }
  SmallVector<MemRefType> bufs = {
      MemRefType::get({inputBytes}, i8),
      MemRefType::get({p.max_batch}, f32),
      MemRefType::get({weightBytes}, i8),
      MemRefType::get({N}, f32)};
  for (int64_t n : p.parts)
    bufs.push_back(MemRefType::get({p.max_batch * n}, f32));
  if (p.residual)
    bufs.push_back(MemRefType::get({p.max_batch * p.parts[0]}, f32));
  KernelArgs args;
  func::FuncOp f = createKernel(b, module, name, bufs, &args);
  if (p.lut) {
    emitLutMatmul(b, p, args);
    func::ReturnOp::create(b, b.getUnknownLoc());
    return f;
  }
  if (p.lanes()) {
    emitLaneMatmul(b, p, args);
    func::ReturnOp::create(b, b.getUnknownLoc());
    return f;
  }
  std::unique_ptr<DotProduct> dot = createDotProduct(p.isa, p.block);
  Emitter(b, p, args, *dot).emit();
  func::ReturnOp::create(b, b.getUnknownLoc());
  (void)ctx;
  return f;
}

} // namespace tern::cpu
