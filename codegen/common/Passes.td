//===- Passes.td - target-neutral lowering passes -----------*- tablegen -*-===//
#ifndef TERN_CODEGEN_COMMON_PASSES_TD
#define TERN_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTernToLinalg : Pass<"convert-tern-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower tern graph ops to linalg on tensors (portable, unscheduled)";
  let description = [{
    The first, target-neutral lowering: each tern op becomes linalg.generic
    ops on tensors with exactly the reference's arithmetic, so the result is
    bit-exact with runtime/reference where the math is integer.

    - `!tern.ternary<NxK, layout>` values become their packed storage,
      `tensor<...xi8>` (function signatures included);
    - `tern.unpack` decodes the layout's 2-bit codes (`(byte >> 2s) & 3) - 1`);
    - `tern.bitlinear` becomes unpack + an i8 x i8 -> i32 contraction + the
      f32 rescale of its `scale_mode`;
    - `tern.relu2`, `tern.silu`, `tern.mul`, `tern.add` become elementwise
      generics (silu through `math.exp`).

    Ops it does not lower yet are left in place.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::mlir::func::FuncDialect",
    "::mlir::math::MathDialect"];
}

#endif
