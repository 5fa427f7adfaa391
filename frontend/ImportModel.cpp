//===- ImportModel.cpp - a loaded model as a tern graph -------------------===//
#include "frontend/ImportModel.h"
#include "dialect/TernDialect.h"
#include "frontend/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace tern::frontend {

namespace {
using tern::frontend::TensorKind;
using tern::frontend::TensorLocation;
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

} // namespace

mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &ctx,
                                              const tern::model::Model &model,
                                              const std::string &progress,
                                              std::string *err) {
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
    else if (tern::model::isQuantizedFloatEncoding(t.encoding))
      loc.float_type = "f32"; // what the plan builder dequantizes Q8_0 / Q6_K to
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
      default: // floats: exactly ternary x scale (GGUF), or masters (HF)
        loc.encoding = std::string(t.exact_ternary ? "ternary." : "absmean.") +
                       floatTypeName(t.encoding);
        break;
      }
      if (!loc.encoding.empty() &&
          !tern::model::ternaryScale(model, t, &loc.scale, err))
        return nullptr;
      if (!progress.empty() && (++done % 32 == 0 || done == ternaries))
        llvm::errs() << progress << ": checked " << done << "/" << ternaries
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

  ctx.loadDialect<mlir::tern::TernDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      tern::frontend::buildBitNetGraph(ctx, model.config, locate);
  if (!module)
    {
    *err = model.path + ": the graph builder rejected the model";
    return nullptr;
  }
  if (missing)
    {
    *err = model.path + ": missing tensor '" + missingName + "'";
    return nullptr;
  }
  if (mlir::failed(mlir::verify(*module))) {
    *err = model.path + ": the imported graph does not verify";
    return nullptr;
  }
  return module;
}

} // namespace tern::frontend
