//===- TernDialect.td - the tern dialect --------------------*- tablegen -*-===//
//
// The `tern` dialect: ternary-quantized (BitNet b1.58, W1.58A8) transformer
// graphs. Graph ops mirror HF transformers' BitNet model exactly; later kernel
// ops (produced by fusion) carry a weight layout and a schedule.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TD
#define TERN_DIALECT_TD

include "mlir/IR/OpBase.td"

def Tern_Dialect : Dialect {
  let name = "tern";
  let cppNamespace = "::mlir::tern";
  let summary = "Ternary (1.58-bit) LLM graphs and kernels";
  let description = [{
    Ops, types and attributes for BitNet b1.58 models: int8 activations
    quantized per token by absmax, weights in {-1, 0, +1} with one scale per
    matrix, packed a few to a byte in a layout described by `#tern.layout`.
    Tensors have value semantics; weights are referenced by symbol
    (`tern.global`), never inlined.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class Tern_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tern_Dialect, mnemonic, traits>;

#endif // TERN_DIALECT_TD
