//===- EmbeddingKernel.cpp - token embedding lookup on the GPU ------------===//
//
//   t = begin + blockIdx.x                     (range: TOKENS, one per block)
//   for h = tid; h < H; h += threads:
//     out[t*H + h] = extf(table[tokens[t]*H + h])
//
//===----------------------------------------------------------------------===//
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace tern::nvptx {

GpuLaunch buildGpuEmbeddingKernel(OpBuilder &b, gpu::GPUModuleOp gm,
                                  StringRef name, const EmbeddingParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t H = p.hidden, threads = 256;
  Type elem = cpu::toMlirType(ctx, p.elem);
  SmallVector<MemRefType> types = {
      MemRefType::get({p.vocab * H}, elem),
      MemRefType::get({p.max_batch}, b.getI32Type()),
      MemRefType::get({p.max_batch * H}, b.getF32Type()),
  };
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, {}, threads, &a);
  Location loc = f.getLoc();
  Value t = arith::AddIOp::create(b, loc, a.begin, a.block);
  Value cH = arith::ConstantIndexOp::create(b, loc, H);
  Value id = memref::LoadOp::create(b, loc, a.buffers[1], ValueRange{t});
  Value row = arith::IndexCastOp::create(b, loc, b.getIndexType(), id);
  Value src = arith::MulIOp::create(b, loc, row, cH);
  Value dst = arith::MulIOp::create(b, loc, t, cH);
  forStrided(b, loc, a.tid, cH, threads, [&](OpBuilder &b, Location loc, Value h) {
    Value v = memref::LoadOp::create(
        b, loc, a.buffers[0], ValueRange{arith::AddIOp::create(b, loc, src, h)});
    if (v.getType() != b.getF32Type())
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    memref::StoreOp::create(b, loc, v, a.buffers[2],
                            ValueRange{arith::AddIOp::create(b, loc, dst, h)});
  });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, 1};
}

} // namespace tern::nvptx
