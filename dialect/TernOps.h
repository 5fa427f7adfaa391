//===- TernOps.h - tern ops -------------------------------------*- C++ -*-===//
#ifndef TERN_DIALECT_TERNOPS_H
#define TERN_DIALECT_TERNOPS_H

#include "dialect/TernDialect.h"
#include "dialect/TernTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/TernOps.h.inc"

#endif
