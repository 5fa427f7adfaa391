//===- ImportModel.h - a loaded model as a tern graph -----------*- C++ -*-===//
#ifndef TERN_FRONTEND_IMPORTMODEL_H
#define TERN_FRONTEND_IMPORTMODEL_H

#include "frontend/model/Model.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace tern::frontend {

/// Builds the forward graph of `model` (buildBitNetGraph) with every weight a
/// `tern.global` at its file (absolute path) and offset; GGUF block formats
/// and float masters get an `encoding` and their decoded scale as a constant.
/// `progress` names the tool for progress lines on stderr ("" = quiet).
/// Returns null with a one-line error naming the file and tensor.
mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &ctx,
                                              const tern::model::Model &model,
                                              const std::string &progress,
                                              std::string *err);

} // namespace tern::frontend

#endif
