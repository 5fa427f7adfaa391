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
#include "frontend/GraphBuilder.h"
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
using tern::frontend::TensorKind;
using tern::frontend::TensorLocation;

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

static std::string absolute(const std::string &path) {
  llvm::SmallString<256> p(path);
  llvm::sys::fs::make_absolute(p);
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p.str());
}

static const char *floatTypeName(tern::model::Encoding e) {
  switch (e) {
  case tern::model::Encoding::F32:
    return "f32";
  case tern::model::Encoding::F16:
    return "f16";
  default:
    return "bf16";
  }
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

  // Resolve every tensor the builder will ask for, up front, so that a bad
  // tensor is an error here and not inside the builder.
  std::map<std::string, TensorLocation> where;
  size_t done = 0, ternaries = 0;
  for (const tern::model::Tensor &t : model.tensors)
    ternaries += t.ternary;
  for (const tern::model::Tensor &t : model.tensors) {
    TensorLocation loc;
    loc.file = absolute(t.path);
    loc.offset = static_cast<int64_t>(t.file_offset);
    if (tern::model::isFloatEncoding(t.encoding))
      loc.float_type = floatTypeName(t.encoding);
    if (t.ternary) {
      switch (t.encoding) {
      case tern::model::Encoding::HFPacked:
        break;
      case tern::model::Encoding::TQ1_0:
        loc.encoding = "ggml.tq1_0";
        break;
      case tern::model::Encoding::TQ2_0:
        loc.encoding = "ggml.tq2_0";
        break;
      case tern::model::Encoding::I2_S:
        loc.encoding = "ggml.i2_s";
        break;
      default:
        loc.encoding = std::string("absmean.") + floatTypeName(t.encoding);
        break;
      }
      if (!loc.encoding.empty() &&
          !tern::model::ternaryScale(model, t, &loc.scale, &err))
        return fail(err);
      if (!quiet && (++done % 32 == 0 || done == ternaries))
        llvm::errs() << "tern-import: checked " << done << "/" << ternaries
                     << " ternary weights\n";
    }
    where[t.name] = loc;
  }
  bool missing = false;
  std::string missingName;
  auto locate = [&](const std::string &name, TensorKind,
                    int64_t) -> TensorLocation {
    auto it = where.find(name);
    if (it == where.end()) {
      missing = true;
      missingName = name;
      return TensorLocation();
    }
    return it->second;
  };

  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::tern::TernDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      tern::frontend::buildBitNetGraph(ctx, model.config, locate);
  if (!module)
    return fail(input + ": the graph builder rejected the model");
  if (missing)
    return fail(input + ": missing tensor '" + missingName + "'");
  if (mlir::failed(mlir::verify(*module)))
    return fail(input + ": the imported graph does not verify");

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
