//===- TernAttrs.h - tern attributes ----------------------------*- C++ -*-===//
#ifndef TERN_DIALECT_TERNATTRS_H
#define TERN_DIALECT_TERNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "runtime/reference/ternary_layout.h"

#include "dialect/TernEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/TernAttrs.h.inc"

#endif
