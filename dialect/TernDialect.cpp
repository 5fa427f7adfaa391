//===- TernDialect.cpp - the tern dialect ---------------------------------===//
#include "dialect/TernDialect.h"
#include "dialect/TernOps.h"

using namespace mlir;
using namespace mlir::tern;

#include "dialect/TernDialect.cpp.inc"

void TernDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialect/TernOps.cpp.inc"
      >();
}
