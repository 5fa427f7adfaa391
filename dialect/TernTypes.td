//===- TernTypes.td - tern types ----------------------------*- tablegen -*-===//

#ifndef TERN_TYPES_TD
#define TERN_TYPES_TD

include "dialect/TernAttrs.td"
include "mlir/IR/AttrTypeBase.td"

def Tern_TernaryType : TypeDef<Tern_Dialect, "Ternary"> {
  let mnemonic = "ternary";
  let summary = "a packed ternary weight matrix";
  let description = [{
    A weight matrix of logical shape N x K (output x input features) with
    values in {-1, 0, +1}, stored packed as `layout` says. Its storage is a
    byte array of `getStorageBytes()` bytes; lowering replaces the type by a
    tensor of that storage shape (`getStorageType()`).

    Example: `!tern.ternary<2560x2560, #tern.layout<bits = 2, pack_dim = 0, block = 640>>`.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "logical shape [N, K]">:$shape,
    "::mlir::tern::LayoutAttr":$layout);
  let assemblyFormat = "`<` custom<Dims>($shape) `,` qualified($layout) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRows() const { return getShape()[0]; }
    int64_t getCols() const { return getShape()[1]; }
    /// Bytes of packed storage.
    int64_t getStorageBytes() const;
    /// The packed bytes as a static i8 tensor type (2-D).
    ::mlir::RankedTensorType getStorageType() const;
  }];
}

#endif // TERN_TYPES_TD
