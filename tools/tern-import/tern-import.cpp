//===- tern-import.cpp - A BitNet model file as a tern graph --------------===//
//
//   tern-import MODEL -o model.mlir
//
// Reads an HF checkpoint directory, a .safetensors file or a GGUF file and
// prints the model's forward pass in the tern dialect. Weights are
// referenced, never inlined: each is a `tern.global` naming its file
// (absolute path) and byte offset, with an `encoding` when its bytes are a
// GGUF block format or float master weights (the scale of those is decoded
// here and becomes a constant).
//
//===----------------------------------------------------------------------===//

#include "dialect/TernDialect.h"
#include "frontend/ImportModel.h"
#include "frontend/model/Model.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>

namespace cl = llvm::cl;

static cl::OptionCategory category("tern-import options");
static cl::opt<std::string> input(cl::Positional, cl::desc("MODEL"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output .mlir file ('-' for stdout)"),
                                   cl::value_desc("file"), cl::init("-"),
                                   cl::cat(category));
static cl::opt<bool> quiet("q", cl::desc("No progress on stderr"),
                           cl::cat(category));

static int fail(const std::string &msg) {
  llvm::errs() << "tern-import: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tern-import: a BitNet model file as a tern "
                              "graph\n\n  tern-import MODEL -o model.mlir\n");
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  std::string err;
  tern::model::Model model;
  if (!tern::model::loadModel(input, &model, &err))
    return fail(err);
  if (!quiet)
    llvm::errs() << "tern-import: " << model.format << " model " << input
                 << " (" << model.tensors.size() << " tensors)\n";

  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      tern::frontend::importModel(ctx, model, quiet ? "" : "tern-import", &err);
  if (!module)
    return fail(err);
  auto out = mlir::openOutputFile(output, &err);
  if (!out)
    return fail(err);
  module->print(out->os());
  out->keep();
  if (!quiet)
    llvm::errs() << llvm::format("tern-import: wrote %s in %.2f s\n",
                                 output.c_str(), elapsed());
  return 0;
}
