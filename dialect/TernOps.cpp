//===- TernOps.cpp - tern ops: verifiers and folders ----------------------===//
#include "dialect/TernOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::tern;

#define GET_OP_CLASSES
#include "dialect/TernOps.cpp.inc"

namespace {
/// Two dimensions agree unless both are static and differ.
bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Prints a dimension the way tensor types do ('?' for dynamic).
std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Logical [N, K] of a weight operand: !tern.ternary or tensor<NxKxi8>.
std::pair<int64_t, int64_t> weightShape(Type t) {
  if (auto tt = dyn_cast<TernaryType>(t))
    return {tt.getRows(), tt.getCols()};
  auto shape = cast<RankedTensorType>(t).getShape();
  return {shape[0], shape[1]};
}
} // namespace

//===----------------------------------------------------------------------===//
// GlobalOp / GetGlobalOp
//===----------------------------------------------------------------------===//

/// Weights per block and bytes per block of a global's `encoding`.
static bool encodingBlock(StringRef enc, int64_t *block, int64_t *bytes) {
  if (enc == "ggml.tq2_0") {
    *block = 256;
    *bytes = 66;
  } else if (enc == "ggml.tq1_0") {
    *block = 256;
    *bytes = 54;
  } else if (enc == "ggml.i2_s") {
    *block = 128; // 32 bytes of codes; the scale follows all blocks
    *bytes = 32;
  } else if (enc == "absmean.bf16" || enc == "absmean.f16" || enc == "ternary.bf16" ||
             enc == "ternary.f16") {
    // float master weights, quantized to ternary at compile time (absmean),
    // or floats that are ternary x one scale already (GGUF F16/BF16)
    *block = 1;
    *bytes = 2;
  } else if (enc == "absmean.f32" || enc == "ternary.f32") {
    *block = 1;
    *bytes = 4;
  } else {
    return false;
  }
  return true;
}

LogicalResult GlobalOp::verify() {
  Type type = getType();
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    if (!tensor.hasStaticShape())
      return emitOpError() << "weight @" << getSymName()
                           << " must have a static shape, got " << type;
    if (!tensor.getElementType().isIntOrFloat() ||
        tensor.getElementTypeBitWidth() % 8 != 0)
      return emitOpError() << "weight @" << getSymName()
                           << " element type must be a whole number of bytes, "
                              "got "
                           << tensor.getElementType();
  } else if (!isa<TernaryType>(type)) {
    return emitOpError() << "weight @" << getSymName()
                         << " must be a static tensor or a !tern.ternary "
                            "matrix, got "
                         << type;
  }
  if (std::optional<StringRef> enc = getEncoding()) {
    int64_t blockBytes = 0, block = 0;
    if (!encodingBlock(*enc, &block, &blockBytes))
      return emitOpError() << "weight @" << getSymName()
                           << " has unknown encoding \"" << *enc
                           << "\" (known: \"ggml.tq1_0\", \"ggml.tq2_0\", "
                              "\"ggml.i2_s\", \"absmean.bf16\", "
                              "\"absmean.f16\", \"absmean.f32\", \"ternary.bf16\", "
                              "\"ternary.f16\", \"ternary.f32\")";
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.getRank() != 2 ||
        !tensor.getElementType().isInteger(8))
      return emitOpError() << "weight @" << getSymName() << " with encoding \""
                           << *enc
                           << "\" must have a tensor<NxKxi8> type, got "
                           << type;
    if (tensor.getNumElements() % block != 0)
      return emitOpError() << "weight @" << getSymName() << ": encoding \""
                           << *enc << "\" stores blocks of " << block
                           << " weights, but " << type << " has "
                           << tensor.getNumElements();
    if (enc->starts_with("ggml.tq") && tensor.getDimSize(1) % block != 0)
      return emitOpError() << "weight @" << getSymName() << ": encoding \""
                           << *enc << "\" needs rows of a multiple of "
                           << block << " weights, got "
                           << tensor.getDimSize(1);
  }
  if (getFile().empty())
    return emitOpError() << "weight @" << getSymName()
                         << " needs the name of the file that holds it";
  if (getOffsetAttr().getInt() < 0)
    return emitOpError() << "weight @" << getSymName()
                         << " has a negative file offset "
                         << getOffsetAttr().getInt();
  return success();
}

int64_t GlobalOp::getByteSize() {
  if (std::optional<StringRef> enc = getEncoding()) {
    int64_t block = 0, blockBytes = 0;
    encodingBlock(*enc, &block, &blockBytes);
    int64_t n = cast<RankedTensorType>(getType()).getNumElements();
    if (*enc == "ggml.i2_s")
      return n / 4 + 32;
    return n / block * blockBytes;
  }
  if (auto ternary = dyn_cast<TernaryType>(getType()))
    return ternary.getStorageBytes();
  auto tensor = cast<RankedTensorType>(getType());
  return tensor.getNumElements() * (tensor.getElementTypeBitWidth() / 8);
}

LogicalResult
GetGlobalOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto global =
      symbolTable.lookupNearestSymbolFrom<GlobalOp>(*this, getNameAttr());
  if (!global)
    return emitOpError() << "refers to @" << getName()
                         << ", which is not a tern.global in this module";
  if (global.getType() != getResult().getType())
    return emitOpError() << "weight @" << getName() << " is declared as "
                         << global.getType() << " but used as "
                         << getResult().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Graph ops
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto table = shapeOf(getTable());
  auto ids = shapeOf(getIds());
  auto result = shapeOf(getResult());
  if (!dimsAgree(result[0], ids[0]))
    return emitOpError() << "result has " << dimStr(result[0])
                         << " rows but there are " << dimStr(ids[0])
                         << " token ids";
  if (!dimsAgree(result[1], table[1]))
    return emitOpError() << "result rows have " << dimStr(result[1])
                         << " elements but the table's hidden size is "
                         << dimStr(table[1]);
  return success();
}

LogicalResult RmsNormOp::verify() {
  auto input = shapeOf(getInput());
  if (input.empty())
    return emitOpError() << "input must have at least one dimension";
  int64_t n = shapeOf(getWeight())[0];
  if (!dimsAgree(input.back(), n))
    return emitOpError() << "weight has " << dimStr(n)
                         << " elements but the normalized (last) dimension is "
                         << dimStr(input.back());
  if (!(getEpsilon().convertToFloat() > 0.0f))
    return emitOpError() << "epsilon must be positive, got "
                         << getEpsilon().convertToFloat();
  return success();
}

LogicalResult QuantizeOp::verify() {
  auto input = shapeOf(getInput());
  auto output = shapeOf(getOutput());
  auto scale = shapeOf(getScale());
  if (!dimsAgree(input[0], output[0]) || !dimsAgree(input[1], output[1]))
    return emitOpError() << "int8 result shape " << dimStr(output[0]) << "x"
                         << dimStr(output[1]) << " must equal the input shape "
                         << dimStr(input[0]) << "x" << dimStr(input[1]);
  if (!dimsAgree(input[0], scale[0]))
    return emitOpError() << "scale has " << dimStr(scale[0])
                         << " entries but there are " << dimStr(input[0])
                         << " tokens (one scale per input row)";
  return success();
}

std::pair<int64_t, int64_t> BitLinearOp::getWeightShape() {
  return weightShape(getWeight().getType());
}

LogicalResult BitLinearOp::verify() {
  auto input = shapeOf(getInput());
  auto scale = shapeOf(getInputScale());
  auto result = shapeOf(getResult());
  auto [n, k] = getWeightShape();
  if (ShapedType::isDynamic(n) || ShapedType::isDynamic(k))
    return emitOpError() << "weight must have a static shape, got "
                         << getWeight().getType();
  if (!dimsAgree(input[1], k))
    return emitOpError() << "input has K = " << dimStr(input[1])
                         << " features but the weight is " << n << "x" << k
                         << " (N x K): K must match";
  if (!dimsAgree(scale[0], input[0]))
    return emitOpError() << "input_scale has " << dimStr(scale[0])
                         << " entries but the input has " << dimStr(input[0])
                         << " tokens (one scale per token)";
  if (!dimsAgree(result[0], input[0]) || !dimsAgree(result[1], n))
    return emitOpError() << "result must be " << dimStr(input[0]) << "x" << n
                         << " (tokens x N), got " << dimStr(result[0]) << "x"
                         << dimStr(result[1]);
  return success();
}

LogicalResult RopeOp::verify() {
  int64_t d = getHeadDim();
  if (d <= 0 || d % 2 != 0)
    return emitOpError() << "head_dim must be positive and even (elements "
                            "are rotated in pairs), got "
                         << d;
  auto input = shapeOf(getInput());
  if (!ShapedType::isDynamic(input[1]) && input[1] % d != 0)
    return emitOpError() << "row width " << input[1]
                         << " is not a multiple of head_dim " << d;
  if (!dimsAgree(input[0], shapeOf(getPositions())[0]))
    return emitOpError() << "there are " << dimStr(shapeOf(getPositions())[0])
                         << " positions for " << dimStr(input[0])
                         << " rows (one position per token)";
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError() << "theta must be positive, got "
                         << getTheta().convertToFloat();
  if (std::optional<ArrayRef<float>> ff = getFreqFactors()) {
    if (int64_t(ff->size()) != d / 2)
      return emitOpError() << "freq_factors has " << ff->size()
                           << " values; head_dim " << d << " rotates " << d / 2
                           << " pairs";
    for (float f : *ff)
      if (!(f > 0.0f) || !std::isfinite(f))
        return emitOpError() << "freq_factors must be positive and finite, got " << f;
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads(), d = getHeadDim();
  if (heads <= 0 || kvHeads <= 0 || d <= 0)
    return emitOpError() << "num_heads, num_kv_heads and head_dim must be "
                            "positive, got "
                         << heads << ", " << kvHeads << ", " << d;
  if (heads % kvHeads != 0)
    return emitOpError() << "num_heads " << heads
                         << " must be a multiple of num_kv_heads " << kvHeads
                         << " (grouped-query attention)";
  auto q = shapeOf(getQ());
  auto k = shapeOf(getK());
  auto cache = shapeOf(getKCache());
  if (!dimsAgree(q[1], heads * d))
    return emitOpError() << "q rows have " << dimStr(q[1])
                         << " elements, expected num_heads * head_dim = "
                         << heads * d;
  if (!dimsAgree(k[1], kvHeads * d))
    return emitOpError() << "k/v rows have " << dimStr(k[1])
                         << " elements, expected num_kv_heads * head_dim = "
                         << kvHeads * d;
  if (!dimsAgree(cache[1], kvHeads * d))
    return emitOpError() << "KV cache rows have " << dimStr(cache[1])
                         << " elements, expected num_kv_heads * head_dim = "
                         << kvHeads * d;
  if (!dimsAgree(q[0], k[0]))
    return emitOpError() << "q has " << dimStr(q[0]) << " tokens but k/v have "
                         << dimStr(k[0]);
  for (int64_t tokens : {q[0], k[0]})
    if (!ShapedType::isDynamic(tokens) && !ShapedType::isDynamic(cache[0]) &&
        tokens > cache[0])
      return emitOpError() << tokens << " tokens cannot fit a KV cache of "
                           << cache[0] << " positions";
  return success();
}

LogicalResult MatmulOp::verify() {
  auto input = shapeOf(getInput());
  auto weight = shapeOf(getWeight());
  auto result = shapeOf(getResult());
  if (!dimsAgree(input[1], weight[1]))
    return emitOpError() << "input has K = " << dimStr(input[1])
                         << " features but the weight is " << dimStr(weight[0])
                         << "x" << dimStr(weight[1]) << " (N x K): K must match";
  if (!dimsAgree(result[0], input[0]) || !dimsAgree(result[1], weight[0]))
    return emitOpError() << "result must be " << dimStr(input[0]) << "x"
                         << dimStr(weight[0]) << " (tokens x N), got "
                         << dimStr(result[0]) << "x" << dimStr(result[1]);
  return success();
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

static LogicalResult verifySameMatrix(Operation *op, Type from, Type to) {
  auto [n0, k0] = weightShape(from);
  auto [n1, k1] = weightShape(to);
  if (!dimsAgree(n0, n1) || !dimsAgree(k0, k1))
    return op->emitOpError() << "changes the matrix shape from " << dimStr(n0)
                             << "x" << dimStr(k0) << " to " << dimStr(n1)
                             << "x" << dimStr(k1)
                             << ": packing only changes the layout";
  return success();
}

LogicalResult PackOp::verify() {
  return verifySameMatrix(*this, getInput().getType(), getType());
}

LogicalResult UnpackOp::verify() {
  return verifySameMatrix(*this, getInput().getType(), getType());
}

// pack(x : T) -> T                  ==> x
// pack(unpack(p : T)) -> T          ==> p
// pack(pack(x) -> T1) -> T2         ==> pack(x) -> T2
OpFoldResult PackOp::fold(FoldAdaptor) {
  Value input = getInput();
  if (input.getType() == getType())
    return input;
  if (auto unpack = input.getDefiningOp<UnpackOp>())
    if (unpack.getInput().getType() == getType())
      return unpack.getInput();
  if (auto pack = input.getDefiningOp<PackOp>()) {
    getInputMutable().assign(pack.getInput());
    return getResult();
  }
  return {};
}

// unpack(pack(x : T)) -> T          ==> x
OpFoldResult UnpackOp::fold(FoldAdaptor) {
  if (auto pack = getInput().getDefiningOp<PackOp>())
    if (pack.getInput().getType() == getType())
      return pack.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Kernel ops.
//===----------------------------------------------------------------------===//

LogicalResult NormQuantizeOp::verify() {
  auto input = shapeOf(getInput());
  if (getUp() && getUp().getType() != getInput().getType())
    return emitOpError() << "gated_by operand must have the input's type "
                         << getInput().getType() << ", got "
                         << getUp().getType();
  if (getWeight() && !dimsAgree(shapeOf(getWeight())[0], input[1]))
    return emitOpError() << "weight has " << dimStr(shapeOf(getWeight())[0])
                         << " elements but rows have " << dimStr(input[1])
                         << " features";
  if (!getUp() && getActivation() != Activation::relu2)
    return emitOpError() << "activation " << stringifyActivation(getActivation())
                         << " needs a gated input (gated_by up): it applies to "
                            "the FFN's gate";
  auto out = shapeOf(getOutput());
  if (!dimsAgree(out[0], input[0]) || !dimsAgree(out[1], input[1]))
    return emitOpError() << "output must have the input's shape";
  if (!dimsAgree(shapeOf(getScale())[0], input[0]))
    return emitOpError() << "scale must have one entry per token";
  return success();
}

SmallVector<int64_t> TernaryMatmulOp::getPartRows() {
  SmallVector<int64_t> rows;
  for (Value r : getResults())
    rows.push_back(shapeOf(r)[1]);
  return rows;
}

LogicalResult TernaryMatmulOp::verify() {
  auto input = shapeOf(getInput());
  size_t nres = getResults().size();
  if (nres == 0)
    return emitOpError() << "needs at least one result";
  if (getWeightScales().size() != nres)
    return emitOpError() << "has " << getWeightScales().size()
                         << " weight scales for " << nres
                         << " results (one per result)";
  if (!dimsAgree(shapeOf(getInputScale())[0], input[0]))
    return emitOpError() << "input_scale must have one entry per token";
  SmallVector<int64_t> rows = getPartRows();
  if (auto parts = getPartsAttr()) {
    if (getWeights().size() != 1)
      return emitOpError() << "with `parts`, the weights must be one packed "
                              "matrix, got "
                           << getWeights().size();
    if (parts.size() != int64_t(nres))
      return emitOpError() << "`parts` has " << parts.size()
                           << " entries for " << nres << " results";
    int64_t total = 0;
    for (size_t i = 0; i < nres; ++i) {
      if (parts[i] != rows[i])
        return emitOpError() << "result " << i << " has " << rows[i]
                             << " columns but parts[" << i << "] = " << parts[i];
      total += parts[i];
    }
    auto [n, k] = weightShape(getWeights()[0].getType());
    if (n != total)
      return emitOpError() << "packed weight has " << n
                           << " rows but the parts add up to " << total;
    if (!dimsAgree(input[1], k))
      return emitOpError() << "input has K = " << dimStr(input[1])
                           << " features but the weight has K = " << k;
  } else {
    if (getWeights().size() != nres)
      return emitOpError() << "has " << getWeights().size() << " weights for "
                           << nres << " results (one per result)";
    for (size_t i = 0; i < nres; ++i) {
      auto [n, k] = weightShape(getWeights()[i].getType());
      if (ShapedType::isDynamic(n) || ShapedType::isDynamic(k))
        return emitOpError() << "weight " << i << " must have a static shape";
      if (!dimsAgree(input[1], k))
        return emitOpError() << "input has K = " << dimStr(input[1])
                             << " features but weight " << i << " is " << n
                             << "x" << k << " (N x K): K must match";
      if (rows[i] != n)
        return emitOpError() << "result " << i << " must have " << n
                             << " columns (the weight's N), got " << rows[i];
    }
  }
  for (Value r : getResults())
    if (!dimsAgree(shapeOf(r)[0], input[0]))
      return emitOpError() << "every result must have the input's "
                           << dimStr(input[0]) << " tokens";
  if (getResidual()) {
    if (nres != 1)
      return emitOpError() << "a residual needs exactly one result, got "
                           << nres;
    if (getResidual().getType() != getResults()[0].getType())
      return emitOpError() << "residual type " << getResidual().getType()
                           << " must equal the result type "
                           << getResults()[0].getType();
  }
  // A packed weight is packed in its schedule's layout, if that names one.
  if (ScheduleAttr s = getScheduleAttr(); s && !s.getLayout().empty() && getPartsAttr())
    if (auto t = dyn_cast<TernaryType>(getWeights()[0].getType()))
      if (std::string have = ::tern::ref::layoutName(t.getLayout().toRuntime());
          have != s.getLayout())
        return emitOpError() << "schedule says layout = \"" << s.getLayout()
                             << "\" but its packed weight is "
                             << (have.empty() ? "in another layout" : "\"" + have + "\"")
                             << " (" << Attribute(t.getLayout())
                             << "): pack the weights after attaching the schedule";
  return success();
}
