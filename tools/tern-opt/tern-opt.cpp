//===- tern-opt.cpp - mlir-opt with the tern dialect and passes -----------===//
#include "codegen/common/Passes.h"
#include "codegen/common/Pipelines.h"
#include "dialect/TernDialect.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tern::registerTernPasses();
  mlir::tern::registerTernCodegenPasses();
  mlir::tern::registerTernPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::tern::TernDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tern optimizer driver\n", registry));
}
