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
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::nvptx {

GpuLaunch buildGpuFloatMatmulKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                    const FloatMatmulParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t N = p.N, K = p.K, threads = 128, warps = threads / 32;
  Type elem = cpu::toMlirType(ctx, p.elem), f32 = b.getF32Type();
  const int64_t elemBytes = p.elem == cpu::FloatType::F32 ? 4 : 2;
  const int64_t V = K % (16 / elemBytes) == 0 ? 16 / elemBytes : 1;
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * K}, f32),
      MemRefType::get({N * K}, elem),
      MemRefType::get({p.max_batch * N}, f32),
  };
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, {}, threads, &a);
  Location loc = f.getLoc();
  auto c = [&](OpBuilder &b, Location loc, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value x = a.buffers[0], W = a.buffers[1], y = a.buffers[2];
  Value lane = arith::RemUIOp::create(b, loc, a.tid, c(b, loc, 32));
  Value warp = arith::DivUIOp::create(b, loc, a.tid, c(b, loc, 32));
  Value row = arith::AddIOp::create(
      b, loc, a.begin,
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, a.block, c(b, loc, warps)),
                            warp));
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, a.end);
  scf::IfOp::create(b, loc, inRange, [&](OpBuilder &b, Location loc) {
    Value wRow = arith::MulIOp::create(b, loc, row, c(b, loc, K));
    scf::ForOp::create(b, loc, a.t0, a.t1, c(b, loc, 1), ValueRange{},
                       [&](OpBuilder &b, Location loc, Value t, ValueRange) {
      Value xRow = arith::MulIOp::create(b, loc, t, c(b, loc, K));
      Value zero = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
      Value acc = scf::ForOp::create(
          b, loc, lane, c(b, loc, K / V), c(b, loc, 32), ValueRange{zero},
          [&](OpBuilder &b, Location loc, Value ch, ValueRange it) {
            Value off = arith::MulIOp::create(b, loc, ch, c(b, loc, V));
            Value sum = it[0];
            if (V == 1) {
              Value w = memref::LoadOp::create(
                  b, loc, W, ValueRange{arith::AddIOp::create(b, loc, wRow, off)});
              if (w.getType() != f32)
                w = arith::ExtFOp::create(b, loc, f32, w);
              Value xv = memref::LoadOp::create(
                  b, loc, x, ValueRange{arith::AddIOp::create(b, loc, xRow, off)});
              sum = arith::AddFOp::create(b, loc, sum, arith::MulFOp::create(b, loc, w, xv));
            } else {
              Value w = vector::LoadOp::create(
                  b, loc, VectorType::get({V}, elem), W,
                  ValueRange{arith::AddIOp::create(b, loc, wRow, off)}, false, llvm::Align(16));
              if (elem != f32)
                w = arith::ExtFOp::create(b, loc, VectorType::get({V}, f32), w);
              Value xv = vector::LoadOp::create(
                  b, loc, VectorType::get({V}, f32), x,
                  ValueRange{arith::AddIOp::create(b, loc, xRow, off)}, false, llvm::Align(16));
              Value prod = arith::MulFOp::create(b, loc, w, xv);
              for (int64_t e = 0; e < V; ++e)
                sum = arith::AddFOp::create(b, loc, sum,
                                            vector::ExtractOp::create(b, loc, prod, e));
            }
            scf::YieldOp::create(b, loc, ValueRange{sum});
          }).getResult(0);
      acc = warpReduce(b, loc, acc, /*isMax=*/false);
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c(b, loc, 0));
      scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
        Value o = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, t, c(b, loc, N)), row);
        memref::StoreOp::create(b, loc, acc, y, ValueRange{o});
        scf::YieldOp::create(b, loc);
      });
      scf::YieldOp::create(b, loc);
    });
    scf::YieldOp::create(b, loc);
  });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, warps};
}

} // namespace tern::nvptx
