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
  return [file, next](const std::string &, TensorKind, int64_t bytes) {
    TensorLocation loc;
    loc.file = file;
    loc.offset = *next;
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
  Value global(const std::string &name, Type type, const TensorLocation &where) {
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(forward);
      auto g = GlobalOp::create(b, loc, name, type, where.file, where.offset,
                                /*encoding=*/StringAttr());
      if (!where.encoding.empty())
        g.setEncoding(where.encoding);
    }
    return GetGlobalOp::create(b, loc, type, name);
  }
  Type floatType(const TensorLocation &where) {
    if (where.float_type == "f32")
      return b.getF32Type();
    if (where.float_type == "f16")
      return b.getF16Type();
    return b.getBF16Type();
  }
  // A float tensor ([n] or [rows, n]) in the element type it is stored in.
  Value floatTensor(const std::string &name, ArrayRef<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    TensorLocation where = locate(name, TensorKind::Float, 2 * n);
    return global(name, RankedTensorType::get(shape, floatType(where)), where);
  }
  Value rmsNorm(Value x, const std::string &name, int64_t n) {
    return RmsNormOp::create(b, loc, x, floatTensor(name, {n}),
                             b.getF32FloatAttr(c.rms_eps));
  }
  std::pair<Value, Value> quantize(Value x) {
    auto t = cast<RankedTensorType>(x.getType());
    auto q = RankedTensorType::get(t.getShape(), b.getI8Type());
    auto s = RankedTensorType::get({t.getShape()[0]}, b.getF32Type());
    auto op = QuantizeOp::create(b, loc, q, s, x);
    return {op.getOutput(), op.getScale()};
  }
  // A BitLinear. HF layout: packed uint8 [out/4, in] weight and a bf16 [1]
  // weight_scale. Encoded (GGUF, float masters): an int8 [out, in] global
  // with an encoding, and the scale as a constant.
  Value bitlinear(std::pair<Value, Value> xq, const std::string &name,
                  int64_t out, int64_t in) {
    auto layout = LayoutAttr::get(b.getContext(), 2, 0, out / 4, 1, 0, 0);
    auto packed = TernaryType::get(b.getContext(), {out, in}, layout);
    const std::string wname = name + ".weight";
    TensorLocation where =
        locate(wname, TensorKind::Ternary, packed.getStorageBytes());
    Value w, ws;
    if (where.encoding.empty()) {
      w = global(wname, packed, where);
      const std::string sname = name + ".weight_scale";
      TensorLocation sw = locate(sname, TensorKind::Scale, 2);
      Value scale = global(
          sname, RankedTensorType::get({1}, floatType(sw)), sw);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value s0 = tensor::ExtractOp::create(b, loc, scale, ValueRange{zero});
      ws = s0.getType().isF32()
               ? s0
               : arith::ExtFOp::create(b, loc, b.getF32Type(), s0).getResult();
    } else {
      w = global(wname, RankedTensorType::get({out, in}, b.getI8Type()), where);
      ws = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(where.scale));
    }
    auto result = RankedTensorType::get({ShapedType::kDynamic, out}, b.getF32Type());
    // A packed checkpoint's weight_scale applies as its config says; the
    // scale of an encoded weight (GGUF blocks, absmean of masters)
    // multiplies.
    ScaleMode mode = where.encoding.empty() && c.scale_mode == ref::ScaleMode::Divide
                         ? ScaleMode::divide
                         : ScaleMode::multiply;
    return BitLinearOp::create(b, loc, result, xq.first, xq.second, w, ws, mode,
                               ScheduleAttr());
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

  Value embedding = floatTensor("model.embed_tokens.weight", {V, H});
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
    DenseF32ArrayAttr ff =
        c.rope_freq_factors.empty() ? DenseF32ArrayAttr()
                                    : b.getDenseF32ArrayAttr(c.rope_freq_factors);
    q = RopeOp::create(b, loc, q, positions, headDim, theta, ff);
    k = RopeOp::create(b, loc, k, positions, headDim, theta, ff);
    auto attn = AttentionOp::create(
        b, loc, TypeRange{act(qDim), cacheType, cacheType}, q, k, v,
        entry->getArgument(3 + 2 * i), entry->getArgument(4 + 2 * i), start,
        c.heads, c.kv_heads, c.head_dim, ScheduleAttr());
    caches.push_back(attn.getKCacheOut());
    caches.push_back(attn.getVCacheOut());
    Value o = attn.getOutput();
    if (c.sub_norms)
      o = rmsNorm(o, p + "self_attn.attn_sub_norm.weight", qDim);
    h = AddOp::create(b, loc, h, bitlinear(quantize(o), p + "self_attn.o_proj", H, qDim));
    // Feed-forward block: down(ffn_sub_norm(act(gate(x)) * up(x))), act
    // relu2 or silu, the sub-norm only where the model has one.
    auto y = quantize(rmsNorm(h, p + "post_attention_layernorm.weight", H));
    Value gate = bitlinear(y, p + "mlp.gate_proj", F, H);
    Value up = bitlinear(y, p + "mlp.up_proj", F, H);
    Value g = c.activation == ref::Activation::Silu
                  ? Value(SiluOp::create(b, loc, gate))
                  : Value(Relu2Op::create(b, loc, gate));
    Value m = MulOp::create(b, loc, g, up);
    if (c.sub_norms)
      m = rmsNorm(m, p + "mlp.ffn_sub_norm.weight", F);
    auto mq = quantize(m);
    h = AddOp::create(b, loc, h, bitlinear(mq, p + "mlp.down_proj", H, F));
  }
  h = rmsNorm(h, "model.norm.weight", H);
  Value head = c.tied_embeddings
                   ? embedding
                   : floatTensor("lm_head.weight", {V, H});
  SmallVector<Value> outs = {MatmulOp::create(b, loc, act(V), h, head, ScheduleAttr())};
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
