//===- FloatType.cpp - stored float element types -------------------------===//
#include "codegen/cpu/Kernels.h"

#include "mlir/IR/BuiltinTypes.h"

namespace tern::cpu {

mlir::Type toMlirType(mlir::MLIRContext *ctx, FloatType t) {
  switch (t) {
  case FloatType::F32:
    return mlir::Float32Type::get(ctx);
  case FloatType::F16:
    return mlir::Float16Type::get(ctx);
  case FloatType::BF16:
    return mlir::BFloat16Type::get(ctx);
  }
  return mlir::Float32Type::get(ctx);
}

} // namespace tern::cpu
