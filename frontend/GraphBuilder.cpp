//===- GraphBuilder.cpp - BitNet b1.58 as a tern graph --------------------===//
#include "frontend/GraphBuilder.h"
#include "dialect/TernOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::tern;

namespace tern::frontend {

TensorLocator sequentialLocator(std::string file) {
  auto next = std::make_shared<int64_t>(0);
  return [file, next](const std::string &, int64_t bytes) {
    TensorLocation loc{file, *next};
    *next += bytes;
    return loc;
  };
}

namespace {

class Builder {
public:
  Builder(MLIRContext &ctx, const ref::ModelConfig &c, const TensorLocator &l,
          ModuleOp module)
      : b(&ctx), c(c), locate(l), module(module), loc(b.getUnknownLoc()) {}

  void build();

private:
  // A stored tensor, declared once as a tern.global and read in @forward.
  Value weight(const std::string &name, Type type, int64_t bytes) {
    TensorLocation where = locate(name, bytes);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(forward);
      GlobalOp::create(b, loc, name, type, where.file, where.offset);
    }
    return GetGlobalOp::create(b, loc, type, name);
  }
  Value bf16Vector(const std::string &name, int64_t n) {
    return weight(name, RankedTensorType::get({n}, b.getBF16Type()), 2 * n);
  }
  // Norm weights are stored in bf16.
  Value rmsNorm(Value x, const std::string &name, int64_t n) {
    return RmsNormOp::create(b, loc, x, bf16Vector(name, n),
                             b.getF32FloatAttr(c.rms_eps));
  }
  std::pair<Value, Value> quantize(Value x) {
    auto t = cast<RankedTensorType>(x.getType());
    auto q = RankedTensorType::get(t.getShape(), b.getI8Type());
    auto s = RankedTensorType::get({t.getShape()[0]}, b.getF32Type());
    auto op = QuantizeOp::create(b, loc, q, s, x);
    return {op.getOutput(), op.getScale()};
  }
  // An HF BitLinear: packed uint8 [out/4, in] weight + bf16 [1] weight_scale.
  Value bitlinear(std::pair<Value, Value> xq, const std::string &name,
                  int64_t out, int64_t in) {
    auto layout = LayoutAttr::get(b.getContext(), 2, 0, out / 4, 1, 0);
    auto type = TernaryType::get(b.getContext(), {out, in}, layout);
    Value w = weight(name + ".weight", type, type.getStorageBytes());
    Value scale = bf16Vector(name + ".weight_scale", 1);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value ws = arith::ExtFOp::create(
        b, loc, b.getF32Type(),
        tensor::ExtractOp::create(b, loc, scale, ValueRange{zero}).getResult());
    auto result = RankedTensorType::get({ShapedType::kDynamic, out}, b.getF32Type());
    return BitLinearOp::create(b, loc, result, xq.first, xq.second, w, ws,
                               ScaleMode::multiply, ScheduleAttr());
  }

  OpBuilder b;
  const ref::ModelConfig &c;
  const TensorLocator &locate;
  ModuleOp module;
  Location loc;
  func::FuncOp forward;
};

void Builder::build() {
  const int64_t T = ShapedType::kDynamic, H = c.hidden, F = c.ffn,
                V = c.vocab, qDim = int64_t(c.heads) * c.head_dim,
                kvDim = int64_t(c.kv_heads) * c.head_dim;
  Type f32 = b.getF32Type();
  auto act = [&](int64_t n) { return RankedTensorType::get({T, n}, f32); };
  auto cacheType = RankedTensorType::get({c.max_context, kvDim}, f32);
  auto ids = RankedTensorType::get({T}, b.getI32Type());

  SmallVector<Type> inputs = {ids, ids, b.getIndexType()};
  SmallVector<Type> results = {act(V)};
  for (int i = 0; i < 2 * c.layers; ++i) {
    inputs.push_back(cacheType);
    results.push_back(cacheType);
  }
  b.setInsertionPointToEnd(module.getBody());
  forward = func::FuncOp::create(b, loc, "forward",
                                 b.getFunctionType(inputs, results));
  Block *entry = forward.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tokens = entry->getArgument(0), positions = entry->getArgument(1),
        start = entry->getArgument(2);

  auto embType = RankedTensorType::get({V, H}, b.getBF16Type());
  Value embedding = weight("model.embed_tokens.weight", embType, 2 * V * H);
  Value h = EmbeddingOp::create(b, loc, act(H), embedding, tokens);
  SmallVector<Value> caches;
  for (int i = 0; i < c.layers; ++i) {
    std::string p = "model.layers." + std::to_string(i) + ".";
    // Attention block.
    auto x = quantize(rmsNorm(h, p + "input_layernorm.weight", H));
    Value q = bitlinear(x, p + "self_attn.q_proj", qDim, H);
    Value k = bitlinear(x, p + "self_attn.k_proj", kvDim, H);
    Value v = bitlinear(x, p + "self_attn.v_proj", kvDim, H);
    auto headDim = b.getI64IntegerAttr(c.head_dim);
    auto theta = b.getF32FloatAttr(c.rope_theta);
    q = RopeOp::create(b, loc, q, positions, headDim, theta);
    k = RopeOp::create(b, loc, k, positions, headDim, theta);
    auto attn = AttentionOp::create(
        b, loc, TypeRange{act(qDim), cacheType, cacheType}, q, k, v,
        entry->getArgument(3 + 2 * i), entry->getArgument(4 + 2 * i), start,
        c.heads, c.kv_heads, c.head_dim);
    caches.push_back(attn.getKCacheOut());
    caches.push_back(attn.getVCacheOut());
    auto a = quantize(rmsNorm(attn.getOutput(), p + "self_attn.attn_sub_norm.weight", qDim));
    h = AddOp::create(b, loc, h, bitlinear(a, p + "self_attn.o_proj", H, qDim));
    // Feed-forward block: down(ffn_sub_norm(relu2(gate(x)) * up(x))).
    auto y = quantize(rmsNorm(h, p + "post_attention_layernorm.weight", H));
    Value gate = bitlinear(y, p + "mlp.gate_proj", F, H);
    Value up = bitlinear(y, p + "mlp.up_proj", F, H);
    Value m = MulOp::create(b, loc, Relu2Op::create(b, loc, gate), up);
    auto mq = quantize(rmsNorm(m, p + "mlp.ffn_sub_norm.weight", F));
    h = AddOp::create(b, loc, h, bitlinear(mq, p + "mlp.down_proj", H, F));
  }
  h = rmsNorm(h, "model.norm.weight", H);
  Value head = c.tied_embeddings
                   ? embedding
                   : weight("lm_head.weight", embType, 2 * V * H);
  SmallVector<Value> outs = {MatmulOp::create(b, loc, act(V), h, head)};
  outs.append(caches);
  func::ReturnOp::create(b, loc, outs);
}

} // namespace

OwningOpRef<ModuleOp> buildBitNetGraph(MLIRContext &ctx,
                                       const ref::ModelConfig &config,
                                       const TensorLocator &locate) {
  ctx.loadDialect<TernDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&ctx));
  std::string err;
  if (!ref::validate(config, &err)) {
    module->emitError() << "invalid model config: " << err;
    return nullptr;
  }
  if (config.hidden % 4 || config.ffn % 4 || config.head_dim * config.kv_heads % 4) {
    module->emitError() << "the HF packed layout needs every BitLinear's output "
                           "features to be a multiple of 4";
    return nullptr;
  }
  Builder(ctx, config, locate, *module).build();
  return module;
}

} // namespace tern::frontend
