//===- EmbeddingKernel.cpp - token embedding lookup -----------------------===//
//
//   for t in [begin, end):                      (range: TOKENS)
//     out[t*H : (t+1)*H] = extf(table[tokens[t]*H : ...])
//
// The row copy is vectorized (a masked tail when H is not a multiple of the
// width); f16/bf16 rows are widened with arith.extf.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildEmbeddingKernel(OpBuilder &b, ModuleOp module, StringRef name,
                                  const EmbeddingParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t H = p.hidden;
  SmallVector<MemRefType> types = {
      MemRefType::get({p.vocab * H}, toMlirType(ctx, p.elem)),
      MemRefType::get({p.max_batch}, b.getI32Type()),
      MemRefType::get({p.max_batch * H}, b.getF32Type()),
  };
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name, types, &a);
  Location loc = f.getLoc();
  Value table = a.buffers[0], tokens = a.buffers[1], out = a.buffers[2];
  const int64_t width = H >= 64 ? 32 : 16;
  Value cH = vec::cIndex(b, loc, H);

  vec::forEach(b, loc, a.begin, a.end, [&](OpBuilder &b, Location loc, Value t) {
    Value id = memref::LoadOp::create(b, loc, tokens, ValueRange{t});
    Value row = arith::IndexCastOp::create(b, loc, b.getIndexType(), id);
    Value src = arith::MulIOp::create(b, loc, row, cH);
    Value dst = arith::MulIOp::create(b, loc, t, cH);
    vec::forChunks(b, loc, H, width, ValueRange{},
                   [&](OpBuilder &b, Location loc, Value off, int64_t valid,
                       ValueRange) {
                     Value s = arith::AddIOp::create(b, loc, src, off);
                     Value d = arith::AddIOp::create(b, loc, dst, off);
                     Value v = vec::loadF32(b, loc, table, s, width, valid);
                     vec::store(b, loc, v, out, d, valid);
                     return SmallVector<Value>{};
                   });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
