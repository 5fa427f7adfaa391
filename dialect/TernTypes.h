//===- TernTypes.h - tern types ---------------------------------*- C++ -*-===//
#ifndef TERN_DIALECT_TERNTYPES_H
#define TERN_DIALECT_TERNTYPES_H

#include "dialect/TernAttrs.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "dialect/TernTypes.h.inc"

#endif
