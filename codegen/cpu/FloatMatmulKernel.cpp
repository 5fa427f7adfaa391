//===- FloatMatmulKernel.cpp - float x · Wᵀ (the LM head) -----------------===//
//
// Range: FIXED over the N rows of W. A thread takes rows [begin, end) in
// tiles of tile_n rows (then single rows for the remainder); for each tile
// and each token t in [t0, t1):
//   acc_r += x[t][k:k+V] * extf(W[n+r][k:k+V])      (one x load per tile step)
//   y[t][n+r] = sum of acc_r's lanes
// f32 accumulation in vector lanes, reduced once per row; the tile stays in
// L1 while it is reused across tokens. With prefetch > 0, each step also
// prefetches the same columns of row n+r+prefetch (clamped to W's end), one
// prefetch per 64-byte line.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildFloatMatmulKernel(OpBuilder &b, ModuleOp module,
                                    StringRef name,
                                    const FloatMatmulParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t N = p.N, K = p.K, M = p.max_batch;
  Type f32 = b.getF32Type();
  Type elem = toMlirType(ctx, p.elem);
  SmallVector<MemRefType> types = {
      MemRefType::get({M * K}, f32),  // x
      MemRefType::get({N * K}, elem), // W
      MemRefType::get({M * N}, f32),  // y
  };
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name, types, &a);
  Location loc = f.getLoc();
  Value x = a.buffers[0], W = a.buffers[1], y = a.buffers[2];

  const int64_t width = K >= 256 ? 32 : 16;
  const int64_t tileN = std::max<int64_t>(1, p.tile_n);
  const int64_t elemBytes = elem.getIntOrFloatBitWidth() / 8;
  const int64_t lineElems = 64 / elemBytes;
  VectorType vt = vec::f32Vec(ctx, width);
  Value zeroV = vec::splatF32(b, loc, vt, 0.0f);
  Value cK = vec::cIndex(b, loc, K), cN = vec::cIndex(b, loc, N);
  Value lastW = vec::cIndex(b, loc, N * K - 1);
  Value cPf = vec::cIndex(b, loc, p.prefetch);

  // Rows [n, n + rows) for tokens t0..t1-1.
  auto emitTile = [&](OpBuilder &b, Location loc, Value n, int64_t rows) {
    SmallVector<Value> rowOff;
    SmallVector<Value> pfOff;
    for (int64_t r = 0; r < rows; ++r) {
      Value nr = arith::AddIOp::create(b, loc, n, vec::cIndex(b, loc, r));
      rowOff.push_back(arith::MulIOp::create(b, loc, nr, cK));
      if (p.prefetch > 0)
        pfOff.push_back(arith::MulIOp::create(
            b, loc, arith::AddIOp::create(b, loc, nr, cPf), cK));
    }
    vec::forEach(b, loc, a.t0, a.t1, [&](OpBuilder &b, Location loc, Value t) {
      Value xOff = arith::MulIOp::create(b, loc, t, cK);
      SmallVector<Value> inits(rows, zeroV);
      SmallVector<Value> acc = vec::forChunks(
          b, loc, K, width, inits,
          [&](OpBuilder &b, Location loc, Value off, int64_t valid,
              ValueRange it) {
            Value xv = vec::loadF32(b, loc, x, arith::AddIOp::create(b, loc, xOff, off),
                                    width, valid);
            SmallVector<Value> next;
            for (int64_t r = 0; r < rows; ++r) {
              Value wOff = arith::AddIOp::create(b, loc, rowOff[r], off);
              if (p.prefetch > 0) {
                for (int64_t e = 0; e < width; e += lineElems) {
                  Value at = arith::AddIOp::create(
                      b, loc, pfOff[r],
                      arith::AddIOp::create(b, loc, off, vec::cIndex(b, loc, e)));
                  at = arith::MinUIOp::create(b, loc, at, lastW);
                  memref::PrefetchOp::create(b, loc, W, ValueRange{at},
                                             /*isWrite=*/false,
                                             /*localityHint=*/3,
                                             /*isDataCache=*/true);
                }
              }
              Value wv = vec::loadF32(b, loc, W, wOff, width, valid);
              Value prod = arith::MulFOp::create(b, loc, xv, wv);
              next.push_back(arith::AddFOp::create(b, loc, it[r], prod));
            }
            return next;
          });
      Value yRow = arith::MulIOp::create(b, loc, t, cN);
      for (int64_t r = 0; r < rows; ++r) {
        Value s = vec::reduceAdd(b, loc, acc[r]);
        Value at = arith::AddIOp::create(
            b, loc, yRow, arith::AddIOp::create(b, loc, n, vec::cIndex(b, loc, r)));
        memref::StoreOp::create(b, loc, s, y, ValueRange{at});
      }
    });
  };

  // Whole tiles, then the remaining rows one at a time.
  vec::forTiles(b, loc, a.begin, a.end, tileN,
                [&](OpBuilder &b, Location loc, Value n, int64_t rows) {
                  emitTile(b, loc, n, rows);
                });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
