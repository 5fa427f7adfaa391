//===- TernTypes.cpp - tern types -----------------------------------------===//
#include "dialect/TernTypes.h"
#include "dialect/TernDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

/// Parses a static shape written like a tensor's: `2560x2560`.
static ParseResult parseDims(AsmParser &parser, SmallVector<int64_t> &dims) {
  return parser.parseDimensionList(dims, /*allowDynamic=*/false,
                                   /*withTrailingX=*/false);
}

static void printDims(AsmPrinter &printer, ArrayRef<int64_t> dims) {
  llvm::interleave(dims, printer.getStream(), "x");
}

#define GET_TYPEDEF_CLASSES
#include "dialect/TernTypes.cpp.inc"

void TernDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/TernTypes.cpp.inc"
      >();
}

LogicalResult TernaryType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, LayoutAttr layout) {
  if (shape.size() != 2)
    return emitError() << "ternary weight must be a matrix [N, K] (output x "
                          "input features), got rank "
                       << shape.size();
  if (shape[0] <= 0 || shape[1] <= 0)
    return emitError() << "ternary weight dimensions must be positive, got "
                       << shape[0] << "x" << shape[1];
  if (!layout)
    return emitError() << "ternary weight needs a #tern.layout";
  std::string why;
  if (!layout.fits(shape[0], shape[1], why))
    return emitError() << "layout does not fit a " << shape[0] << "x"
                       << shape[1] << " ternary weight: " << why;
  return success();
}

int64_t TernaryType::getStorageBytes() const {
  return ::tern::ref::packedBytes(getLayout().toRuntime(), getRows(),
                                  getCols());
}

RankedTensorType TernaryType::getStorageType() const {
  std::vector<int64_t> shape =
      ::tern::ref::storageShape(getLayout().toRuntime(), getRows(), getCols());
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}
