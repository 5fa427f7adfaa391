//===- Passes.h - tern graph passes -----------------------------*- C++ -*-===//
#ifndef TERN_PASSES_PASSES_H
#define TERN_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::tern {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::tern

#endif
