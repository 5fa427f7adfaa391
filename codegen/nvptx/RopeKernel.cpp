//===- RopeKernel.cpp - rotary embedding on the GPU, from a table ---------===//
//
//   t = begin + blockIdx.x, pos = start + t           (range: TOKENS)
//   for j = tid; j < heads * half; j += threads:     (h, i) = (j / half, j % half)
//     c, s = table[pos * hd + 2i], table[pos * hd + 2i + 1]
//     x1, x2 = x[t][h][i], x[t][h][i + half]
//     x[t][h][i] = x1 c - x2 s;  x[t][h][i + half] = x2 c + x1 s     (NEOX)
//
// The table holds ref::rope's own float cos/sin (written at compile time).
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/VectorUtils.h"
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;
using cpu::vec::cIndex;

GpuLaunch buildGpuRopeKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                             const RopeParams &p) {
  const int64_t hd = p.head_dim, half = hd / 2, row = p.heads * hd, threads = 128;
  Type f32 = b.getF32Type();
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * row}, f32),
      MemRefType::get({p.max_context * hd}, f32),
  };
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, {}, threads, &a);
  Location loc = f.getLoc();
  Value x = a.buffers[0], table = a.buffers[1];
  Value t = arith::AddIOp::create(b, loc, a.begin, a.block);
  Value pos = arith::AddIOp::create(b, loc, a.start, t);
  Value tabRow = arith::MulIOp::create(b, loc, pos, cIndex(b, loc, hd));
  Value xRow = arith::MulIOp::create(b, loc, t, cIndex(b, loc, row));
  forStrided(b, loc, a.tid, cIndex(b, loc, p.heads * half), threads,
             [&](OpBuilder &b, Location loc, Value j) {
               Value h = arith::DivUIOp::create(b, loc, j, cIndex(b, loc, half));
               Value i = arith::RemUIOp::create(b, loc, j, cIndex(b, loc, half));
               Value ti = arith::AddIOp::create(
                   b, loc, tabRow, arith::MulIOp::create(b, loc, i, cIndex(b, loc, 2)));
               Value cs = memref::LoadOp::create(b, loc, table, ValueRange{ti});
               Value sn = memref::LoadOp::create(
                   b, loc, table, ValueRange{arith::AddIOp::create(b, loc, ti, cIndex(b, loc, 1))});
               Value i1 = arith::AddIOp::create(
                   b, loc, xRow,
                   arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, h, cIndex(b, loc, hd)), i));
               Value i2 = arith::AddIOp::create(b, loc, i1, cIndex(b, loc, half));
               Value x1 = memref::LoadOp::create(b, loc, x, ValueRange{i1});
               Value x2 = memref::LoadOp::create(b, loc, x, ValueRange{i2});
               auto mul = [&](Value u, Value v) { return arith::MulFOp::create(b, loc, u, v); };
               Value o1 = arith::SubFOp::create(b, loc, mul(x1, cs), mul(x2, sn));
               Value o2 = arith::AddFOp::create(b, loc, mul(x2, cs), mul(x1, sn));
               memref::StoreOp::create(b, loc, o1, x, ValueRange{i1});
               memref::StoreOp::create(b, loc, o2, x, ValueRange{i2});
             });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, 1};
}

} // namespace tern::nvptx
