//===- FloatMatmulKernel.cpp - the float LM head on the GPU ---------------===//
//
//   row = begin + blockIdx.x * warps + warp             (range: FIXED rows)
//   for t in [t0, t1):
//     acc = sum over lane-strided 16-byte chunks of W[row] of extf(w) * x[t]
//     acc = warp sum;  lane 0: y[t][row] = acc
//
// One warp per row: a warp load is 512 contiguous bytes of the row.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/VectorUtils.h"
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;
using cpu::vec::cIndex;

GpuLaunch buildGpuFloatMatmulKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                    const FloatMatmulParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t N = p.N, K = p.K, threads = 128, warps = threads / 32;
  Type elem = cpu::toMlirType(ctx, p.elem), f32 = b.getF32Type();
  const int64_t elemBytes = p.elem == codegen::FloatType::F32 ? 4 : 2;
  const int64_t V = K % (16 / elemBytes) == 0 ? 16 / elemBytes : 1;
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * K}, f32),
      MemRefType::get({N * K}, elem),
      MemRefType::get({p.max_batch * N}, f32),
  };
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, {}, threads, &a);
  Location loc = f.getLoc();
  Value x = a.buffers[0], W = a.buffers[1], y = a.buffers[2];
  auto dot = [&](OpBuilder &b, Location loc, Value t, Value row, Value lane) -> Value {
    Value wRow = arith::MulIOp::create(b, loc, row, cIndex(b, loc, K));
    Value xRow = arith::MulIOp::create(b, loc, t, cIndex(b, loc, K));
    Value zero = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    return scf::ForOp::create(
               b, loc, lane, cIndex(b, loc, K / V), cIndex(b, loc, 32), ValueRange{zero},
               [&](OpBuilder &b, Location loc, Value ch, ValueRange it) {
                 Value off = arith::MulIOp::create(b, loc, ch, cIndex(b, loc, V));
                 Value wi = arith::AddIOp::create(b, loc, wRow, off);
                 Value xi = arith::AddIOp::create(b, loc, xRow, off);
                 Value sum = it[0];
                 if (V == 1) {
                   Value w = memref::LoadOp::create(b, loc, W, ValueRange{wi});
                   if (w.getType() != f32)
                     w = arith::ExtFOp::create(b, loc, f32, w);
                   Value xv = memref::LoadOp::create(b, loc, x, ValueRange{xi});
                   sum = arith::AddFOp::create(b, loc, sum,
                                               arith::MulFOp::create(b, loc, w, xv));
                 } else {
                   Value w = vector::LoadOp::create(b, loc, VectorType::get({V}, elem), W,
                                                    ValueRange{wi}, false, llvm::Align(16));
                   if (elem != f32)
                     w = arith::ExtFOp::create(b, loc, VectorType::get({V}, f32), w);
                   Value xv = vector::LoadOp::create(b, loc, VectorType::get({V}, f32), x,
                                                     ValueRange{xi}, false, llvm::Align(16));
                   Value prod = arith::MulFOp::create(b, loc, w, xv);
                   for (int64_t e = 0; e < V; ++e)
                     sum = arith::AddFOp::create(b, loc, sum,
                                                 vector::ExtractOp::create(b, loc, prod, e));
                 }
                 scf::YieldOp::create(b, loc, ValueRange{sum});
               })
        .getResult(0);
  };
  forEachWarpRow(b, loc, a, warps, dot,
                 [&](OpBuilder &b, Location loc, Value t, Value row, Value sum) {
                   Value o = arith::AddIOp::create(
                       b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, N)), row);
                   memref::StoreOp::create(b, loc, sum, y, ValueRange{o});
                 });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, warps};
}

} // namespace tern::nvptx
