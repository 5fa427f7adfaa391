//===- GpuKernelFunc.cpp - the calling convention of generated GPU kernels ===//
#include "codegen/nvptx/GpuKernelFunc.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace tern::nvptx {

gpu::GPUModuleOp kernelModule(OpBuilder &b, ModuleOp module, StringRef chip,
                              StringRef features) {
  for (auto gm : module.getOps<gpu::GPUModuleOp>())
    return gm;
  MLIRContext *ctx = b.getContext();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto target = NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3,
                                          "nvptx64-nvidia-cuda", chip, features);
  return gpu::GPUModuleOp::create(b, module.getLoc(), "tern_kernels",
                                  ArrayRef<Attribute>{target});
}

gpu::GPUFuncOp createGpuKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                               ArrayRef<MemRefType> buffers,
                               ArrayRef<MemRefType> workgroup, int64_t threads,
                               GpuKernelArgs *args) {
  SmallVector<Type> inputs(buffers.begin(), buffers.end());
  for (int i = 0; i < 5; ++i)
    inputs.push_back(b.getIndexType());
  inputs.push_back(MemRefType::get({1}, b.getI64Type())); // the position cell
  SmallVector<Type> shared(workgroup.begin(), workgroup.end());
  b.setInsertionPointToEnd(gm.getBody());
  auto f = gpu::GPUFuncOp::create(b, gm.getLoc(), name,
                                  b.getFunctionType(inputs, {}), shared);
  f->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  f.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));
  Block *entry = &f.getBody().front();
  b.setInsertionPointToStart(entry);
  cpu::bindKernelArgs(entry, buffers.size(), args);
  Location loc = f.getLoc();
  Value cell = entry->getArgument(buffers.size() + 5);
  Value pos = memref::LoadOp::create(b, loc, cell,
                                     ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
  args->start = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
  args->tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  args->block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  return f;
}

MemRefType sharedBuffer(MLIRContext *ctx, int64_t n, Type t) {
  return MemRefType::get({n}, t, MemRefLayoutAttrInterface(),
                         gpu::AddressSpaceAttr::get(
                             ctx, gpu::GPUDialect::getWorkgroupAddressSpace()));
}

static Value combine(OpBuilder &b, Location loc, Value x, Value y, bool isMax) {
  if (isa<FloatType>(x.getType()))
    return isMax ? maxF32(b, loc, x, y)
                 : Value(arith::AddFOp::create(b, loc, x, y));
  return isMax ? Value(arith::MaxSIOp::create(b, loc, x, y))
               : Value(arith::AddIOp::create(b, loc, x, y));
}

Value warpReduce(OpBuilder &b, Location loc, Value v, bool isMax, int64_t from) {
  Value width = arith::ConstantIntOp::create(b, loc, 32, 32);
  for (int64_t d = from; d < 32; d *= 2) {
    Value off = arith::ConstantIntOp::create(b, loc, d, 32);
    auto sh = gpu::ShuffleOp::create(b, loc, v, off, width, gpu::ShuffleMode::XOR);
    v = combine(b, loc, v, sh.getShuffleResult(), isMax);
  }
  return v;
}

Value blockReduce(OpBuilder &b, Location loc, Value v, bool isMax,
                  Value scratch, int64_t threads) {
  v = warpReduce(b, loc, v, isMax);
  const int64_t warps = threads / 32;
  if (warps == 1)
    return v;
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value c32 = arith::ConstantIndexOp::create(b, loc, 32);
  Value lane = arith::RemUIOp::create(b, loc, tid, c32);
  Value warp = arith::DivUIOp::create(b, loc, tid, c32);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c0);
  scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
    memref::StoreOp::create(b, loc, v, scratch, ValueRange{warp});
    scf::YieldOp::create(b, loc);
  });
  gpu::BarrierOp::create(b, loc);
  Value r = memref::LoadOp::create(b, loc, scratch, ValueRange{c0});
  for (int64_t w = 1; w < warps; ++w) {
    Value i = arith::ConstantIndexOp::create(b, loc, w);
    r = combine(b, loc, r, memref::LoadOp::create(b, loc, scratch, ValueRange{i}),
                isMax);
  }
  gpu::BarrierOp::create(b, loc); // scratch may be reused right after
  return r;
}

void forEachWarpRow(
    OpBuilder &b, Location loc, const GpuKernelArgs &a, int64_t warps,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> dot,
    function_ref<void(OpBuilder &, Location, Value, Value, Value)> store) {
  Value c32 = arith::ConstantIndexOp::create(b, loc, 32);
  Value lane = arith::RemUIOp::create(b, loc, a.tid, c32);
  Value warp = arith::DivUIOp::create(b, loc, a.tid, c32);
  Value row = arith::AddIOp::create(
      b, loc, a.begin,
      arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, a.block,
                                arith::ConstantIndexOp::create(b, loc, warps)),
          warp));
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, a.end);
  scf::IfOp::create(b, loc, inRange, [&](OpBuilder &b, Location loc) {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    scf::ForOp::create(b, loc, a.t0, a.t1, one, ValueRange{},
                       [&](OpBuilder &b, Location loc, Value t, ValueRange) {
      Value sum = warpReduce(b, loc, dot(b, loc, t, row, lane), /*isMax=*/false);
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                          arith::ConstantIndexOp::create(b, loc, 0));
      scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
        store(b, loc, t, row, sum);
        scf::YieldOp::create(b, loc);
      });
      scf::YieldOp::create(b, loc);
    });
    scf::YieldOp::create(b, loc);
  });
}

void forStrided(OpBuilder &b, Location loc, Value first, Value n, int64_t stride,
                function_ref<void(OpBuilder &, Location, Value)> body) {
  Value step = arith::ConstantIndexOp::create(b, loc, stride);
  scf::ForOp::create(b, loc, first, n, step, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                       body(b, loc, iv);
                       scf::YieldOp::create(b, loc);
                     });
}

static Value intrinsic(OpBuilder &b, Location loc, StringRef name, Value x) {
  return LLVM::CallIntrinsicOp::create(b, loc, b.getF32Type(), b.getStringAttr(name),
                                       ValueRange{x})
      .getResult(0);
}

Value sqrtRn(OpBuilder &b, Location loc, Value x) {
  return intrinsic(b, loc, "llvm.nvvm.sqrt.rn.f", x);
}
Value absF32(OpBuilder &b, Location loc, Value x) {
  return intrinsic(b, loc, "llvm.fabs.f32", x);
}
Value roundEvenF32(OpBuilder &b, Location loc, Value x) {
  return intrinsic(b, loc, "llvm.roundeven.f32", x);
}
Value exp2Approx(OpBuilder &b, Location loc, Value x) {
  return intrinsic(b, loc, "llvm.nvvm.ex2.approx.f32", x);
}
Value maxF32(OpBuilder &b, Location loc, Value x, Value y) {
  Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  return arith::SelectOp::create(b, loc, gt, x, y);
}
Value minF32(OpBuilder &b, Location loc, Value x, Value y) {
  Value lt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  return arith::SelectOp::create(b, loc, lt, x, y);
}

} // namespace tern::nvptx
