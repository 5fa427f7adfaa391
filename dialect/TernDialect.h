//===- TernDialect.h - the tern dialect -------------------------*- C++ -*-===//
#ifndef TERN_DIALECT_TERNDIALECT_H
#define TERN_DIALECT_TERNDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialect/TernDialect.h.inc"

#endif
