//===- Int8MatmulKernel.cpp - the int8 LM head on the GPU -----------------===//
//
//   row = begin + blockIdx.x * warps + warp             (range: FIXED rows)
//   for t in [t0, t1):
//     acc = sum over lane-strided 16-byte chunks of W8[row] of
//           dp4a.s32.s32(W8 word, q[t] word)           (exact int32)
//     acc = warp sum;  lane 0: y[t][row] = float(acc) / s[t] * scale[row]
//
// Bit-exact against the CPU kernel (the same integer sum and float
// expression); corr (buffer 4) is for CPUs whose dot product takes unsigned
// activations and is not read here.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/VectorUtils.h"
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;
using cpu::vec::cIndex;

GpuLaunch buildGpuInt8MatmulKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                   const Int8MatmulParams &p) {
  const int64_t N = p.N, K = p.K, threads = 128, warps = threads / 32;
  assert(K % 16 == 0 && "checked by the GPU plan");
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * K / 4}, i32), MemRefType::get({p.max_batch}, f32),
      MemRefType::get({N * K / 4}, i32),           MemRefType::get({N}, f32),
      MemRefType::get({N}, i32),                   MemRefType::get({p.max_batch * N}, f32),
  };
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, {}, threads, &a);
  Location loc = f.getLoc();
  Value q = a.buffers[0], W = a.buffers[2];
  auto bytes4 = [&](OpBuilder &b, Location loc, Value w) -> Value {
    return LLVM::BitcastOp::create(b, loc, VectorType::get({4}, b.getI8Type()), w);
  };
  auto dot = [&](OpBuilder &b, Location loc, Value t, Value row, Value lane) -> Value {
    Value wRow = arith::MulIOp::create(b, loc, row, cIndex(b, loc, K / 4));
    Value qRow = arith::MulIOp::create(b, loc, t, cIndex(b, loc, K / 4));
    Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
    return scf::ForOp::create(
               b, loc, lane, cIndex(b, loc, K / 16), cIndex(b, loc, 32), ValueRange{zero},
               [&](OpBuilder &b, Location loc, Value ch, ValueRange it) {
                 Value off = arith::MulIOp::create(b, loc, ch, cIndex(b, loc, 4));
                 auto ld = [&](Value mem, Value base) -> Value {
                   return vector::LoadOp::create(
                       b, loc, VectorType::get({4}, b.getI32Type()), mem,
                       ValueRange{arith::AddIOp::create(b, loc, base, off)}, false,
                       llvm::Align(16));
                 };
                 Value wv = ld(W, wRow), qv = ld(q, qRow);
                 Value sum = it[0];
                 for (int64_t e = 0; e < 4; ++e)
                   sum = NVVM::DotAccumulate4WayOp::create(
                       b, loc, b.getI32Type(),
                       bytes4(b, loc, vector::ExtractOp::create(b, loc, wv, e)),
                       NVVM::DotAccumulateType::SIGNED,
                       bytes4(b, loc, vector::ExtractOp::create(b, loc, qv, e)),
                       NVVM::DotAccumulateType::SIGNED, sum);
                 scf::YieldOp::create(b, loc, ValueRange{sum});
               })
        .getResult(0);
  };
  forEachWarpRow(b, loc, a, warps, dot,
                 [&](OpBuilder &b, Location loc, Value t, Value row, Value sum) {
                   Value y = arith::SIToFPOp::create(b, loc, b.getF32Type(), sum);
                   Value st = memref::LoadOp::create(b, loc, a.buffers[1], ValueRange{t});
                   Value sc = memref::LoadOp::create(b, loc, a.buffers[3], ValueRange{row});
                   y = arith::MulFOp::create(b, loc, arith::DivFOp::create(b, loc, y, st), sc);
                   Value o = arith::AddIOp::create(
                       b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, N)), row);
                   memref::StoreOp::create(b, loc, y, a.buffers[5], ValueRange{o});
                 });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, warps};
}

} // namespace tern::nvptx
