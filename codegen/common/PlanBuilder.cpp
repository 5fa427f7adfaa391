//===- PlanBuilder.cpp - a scheduled tern graph as kernels + a host plan ---===//
#include "codegen/common/PlanBuilder.h"
#include "dialect/TernOps.h"
#include "runtime/include/tern_plan.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>
#include <numeric>

using namespace mlir;
using namespace mlir::tern;

namespace tern::codegen {

KernelEmitter::~KernelEmitter() = default;


void applySchedule(mlir::tern::ScheduleAttr s, TernaryMatmulParams *p) {
  if (s) {
    p->tile_m = std::max<int64_t>(s.getTileM(), 1);
    p->tile_n = std::max<int64_t>(s.getTileN(), 1);
    p->prefetch = s.getPrefetch();
  }
  // Single tokens (decode) stream one interleave group per tile: the
  // layout's one contiguous run (measured: 3-row tiles over pairs drop
  // the GEMV from 0.9 to 0.34 of read).
  // In the i2lane layout tiles count groups of R rows, each one run;
  // kLaneGemvGroups per tile, each group with 4 accumulators.
  if (p->interleave > 1 && !p->lut)
    p->gemv_tile_n = p->lanes() ? TernaryMatmulParams::kLaneGemvGroups : p->interleave;
  if (s && s.getGemvTileN() > 0 && !p->lut)
    p->gemv_tile_n = s.getGemvTileN(); // a tuner's choice wins
  if (s) {
    p->threads = s.getThreads();
    p->unroll = std::max<int64_t>(s.getUnroll(), 1);
    p->mma = s.getMma().str();
  }
}

void applySchedule(mlir::tern::ScheduleAttr s, const PlanTarget &target,
                   TernaryMatmulParams *p) {
  p->isa = target.isa;
  applySchedule(s, p);
  p->gfni = target.gfni && p->lut == 0;
  p->amx = target.amx && s && s.getIsa() == "amx" && p->lanes() && p->interleave == 16 &&
           p->K % 64 == 0 && p->K <= TernaryMatmulParams::kAmxMaxK;
}

void applySchedule(mlir::tern::ScheduleAttr s, AttentionParams *p) {
  // One query head per pass by default (the kernel as it was measured).
  p->tile_h = s && s.getTileN() > 0 ? s.getTileN() : 1;
}

void applySchedule(mlir::tern::ScheduleAttr s, NormQuantizeParams *p) {
  // One row per pass, one chunk per step by default (the kernel as it was).
  p->tile_m = s && s.getTileM() > 0 ? s.getTileM() : 1;
  p->unroll = s && s.getUnroll() > 0 ? s.getUnroll() : 1;
}

void applySchedule(mlir::tern::ScheduleAttr s, FloatMatmulParams *p) {
  // One row at a time with no software prefetch by default: the weight
  // matrix is one sequential stream (measured 1.0 of a plain read vs 0.58
  // for 4-row tiles with prefetch, tern-bench head-bf16).
  p->tile_n = s && s.getTileN() > 0 ? s.getTileN() : 1;
  p->prefetch = s ? s.getPrefetch() : 0;
}

std::string applySchedule(mlir::tern::ScheduleAttr s, DotIsa target, int64_t vectorBytes,
                          Int8MatmulParams *p) {
  p->tile_n = s && s.getTileN() > 0 ? s.getTileN() : 1;
  p->prefetch = s ? s.getPrefetch() : 0;
  p->isa = target;
  if (s && !s.getIsa().empty()) {
    const llvm::StringRef isa = s.getIsa();
    if (isa == "avx2" && (target == DotIsa::Avx512Vnni || target == DotIsa::Avx2)) {
      p->isa = DotIsa::Avx2;
      vectorBytes = 32;
    } else if (!(isa == "avx512-vnni" && target == DotIsa::Avx512Vnni) &&
               !(isa == "generic" && target == DotIsa::Generic) &&
               !(isa == "dotprod" && target == DotIsa::NeonDot) &&
               !(isa == "i8mm" && target == DotIsa::NeonI8mm)) {
      return "schedule isa \"" + isa.str() + "\" does not run on this target";
    }
  }
  p->block = 0;
  for (int64_t v : {64, 32, 16})
    if (v <= std::max<int64_t>(vectorBytes, 16) && p->K % v == 0) {
      p->block = v;
      break;
    }
  if (p->block == 0)
    return "--head=int8 needs a hidden size that is a multiple of 16, got " +
           std::to_string(p->K);
  return "";
}

namespace {

class PlanBuilder {
public:
  PlanBuilder(ModuleOp graph, const model::Model &model, const PlanTarget &target,
              const PlanOptions &opts, ModuleOp kernels, CompiledPlan *plan)
      : graph(graph), model(model), target(target), opts(opts),
        kernels(kernels), plan(plan), b(kernels.getContext()), emit(opts.emitter) {}

  bool build(std::string *err);

private:
  bool fail(Operation *op, const std::string &msg) {
    std::string name = op ? op->getName().getStringRef().str() : "forward";
    *error = "op '" + name + "': " + msg;
    return false;
  }
  // Buffers.
  uint32_t newBuffer(uint32_t kind, uint64_t bytes, std::string name, int blob = -1) {
    PlanBuffer buf;
    buf.kind = kind;
    buf.bytes = bytes;
    buf.blob = blob;
    buf.name = std::move(name);
    plan->buffers.push_back(buf);
    refs.push_back(0);
    return plan->buffers.size() - 1;
  }
  // An activation buffer of `rowBytes` per token: a dead one if any.
  uint32_t activation(uint64_t rowBytes, const std::string &name) {
    for (uint32_t id : freeActs)
      if (plan->buffers[id].bytes == rowBytes) {
        freeActs.erase(std::find(freeActs.begin(), freeActs.end(), id));
        return id;
      }
    return newBuffer(TERN_BUF_ACTIVATION, rowBytes, name);
  }
  void bind(Value v, uint32_t buf) {
    bufferOf[v] = buf;
    refs[buf]++;
  }
  // Called after `op`: values whose last use was `op` release their buffer.
  void release(Operation *op) {
    for (Value v : op->getOperands()) {
      auto it = bufferOf.find(v);
      if (it == bufferOf.end() || lastUse.lookup(v) != op)
        continue;
      uint32_t id = it->second;
      if (--refs[id] == 0 && plan->buffers[id].kind == TERN_BUF_ACTIVATION)
        freeActs.push_back(id);
    }
  }
  bool buffer(Value v, uint32_t *id, Operation *user) {
    auto it = bufferOf.find(v);
    if (it != bufferOf.end()) {
      *id = it->second;
      return true;
    }
    return fail(user, "operand has no buffer (an op before it was not compiled)");
  }
  bool isLastUse(Value v, Operation *op) { return lastUse.lookup(v) == op; }

  // Weights: raw bytes of a float tensor.
  bool floatWeight(Value v, Operation *user, uint32_t *id, FloatType *elem);
  bool packedWeight(TernaryMatmulOp op, uint32_t *w, uint32_t *scales,
                    int64_t *block, int64_t *interleave, int64_t *lut);
  uint32_t kernel(const std::string &key, const std::function<void(StringRef)> &emit) {
    auto it = kernelIds.find(key);
    if (it != kernelIds.end())
      return it->second;
    std::string name = "tern_k" + std::to_string(plan->kernels.size()) + "_" +
                       key.substr(0, key.find(' '));
    emit(name);
    plan->kernels.push_back(name);
    kernelIds[key] = plan->kernels.size() - 1;
    return plan->kernels.size() - 1;
  }
  void step(Operation *op, uint32_t k, uint32_t rangeKind, int64_t range,
            int64_t grain, std::vector<uint32_t> args, uint32_t flags = 0) {
    PlanStep s;
    s.kernel = k;
    s.range_kind = rangeKind;
    s.range = range;
    s.grain = std::max<int64_t>(grain, 1);
    s.flags = flags;
    s.args = std::move(args);
    s.op = op->getName().getStringRef().str();
    if (auto sched = op->getAttrOfType<ScheduleAttr>("schedule")) {
      llvm::raw_string_ostream os(s.schedule);
      os << Attribute(sched);
      if (auto from = op->getAttrOfType<StringAttr>("tern.schedule_source"))
        os << " from " << from.getValue();
    }
    plan->steps.push_back(std::move(s));
  }
  bool visit(Operation *op);
  /// The cos/sin table of ref::rope for every position (shared by every
  /// RoPE step with the same head_dim and theta).
  uint32_t ropeTable(const RopeParams &p) {
    std::string key = "rope_table." + std::to_string(p.head_dim) + "." +
                      std::to_string(p.theta);
    for (float f : p.freq_factors)
      key += "." + std::to_string(f);
    if (auto it = weightIds.find(key); it != weightIds.end())
      return it->second;
    const int64_t half = p.head_dim / 2;
    std::vector<float> t(p.max_context * p.head_dim);
    for (int64_t pos = 0; pos < p.max_context; ++pos)
      for (int64_t i = 0; i < half; ++i)
        ref::ropeCosSin(int(p.head_dim), int(pos), int(i), p.theta,
                        &t[pos * p.head_dim + 2 * i], &t[pos * p.head_dim + 2 * i + 1],
                        p.freq_factors.empty() ? nullptr : p.freq_factors.data());
    const uint8_t *raw = reinterpret_cast<const uint8_t *>(t.data());
    plan->blobs.emplace_back(raw, raw + t.size() * 4);
    uint32_t id = newBuffer(TERN_BUF_WEIGHT, t.size() * 4, key, plan->blobs.size() - 1);
    weightIds[key] = id;
    return id;
  }
  bool int8Head(MatmulOp m, uint32_t q);

  ModuleOp graph;
  const model::Model &model;
  const PlanTarget &target;
  const PlanOptions &opts;
  ModuleOp kernels;
  CompiledPlan *plan;
  OpBuilder b;
  KernelEmitter *emit;
  std::string *error = nullptr;
  int64_t maxB = 0;
  llvm::DenseMap<Value, uint32_t> bufferOf;
  llvm::DenseMap<Value, Operation *> lastUse;
  std::vector<int> refs;
  std::vector<uint32_t> freeActs;
  std::map<std::string, uint32_t> kernelIds;
  std::map<std::string, uint32_t> weightIds;
  Value tokensArg, positionsArg;
  int64_t maxContext = 0; ///< rows of the KV caches
  uint32_t logitsBuf = 0;
  uint32_t headScale = UINT32_MAX; ///< s of the int8 head's input
};

bool PlanBuilder::floatWeight(Value v, Operation *user, uint32_t *id,
                              FloatType *elem) {
  auto get = v.getDefiningOp<GetGlobalOp>();
  if (!get)
    return fail(user, "float weight is not a tern.get_global");
  std::string name = get.getName().str();
  const model::Tensor *t = model.find(name);
  if (!t)
    return fail(user, "the model has no tensor '" + name + "'");
  const bool quantized = model::isQuantizedFloatEncoding(t->encoding);
  if (!model::isFloatEncoding(t->encoding) && !quantized)
    return fail(user, model.path + ": tensor '" + name +
                          "' is not stored as f32, f16, bf16, q8_0 or q6_K");
  *elem = t->encoding == model::Encoding::F32 || quantized ? FloatType::F32
          : t->encoding == model::Encoding::F16              ? FloatType::F16
                                                             : FloatType::BF16;
  auto it = weightIds.find(name);
  if (it != weightIds.end()) {
    *id = it->second;
    return true;
  }
  if (quantized) {
    // Q8_0 / Q6_K (a bitnet.cpp --quant-embd embedding): dequantized as
    // ggml does into an f32 table, the reference's values exactly (f16
    // would round them, and a model amplifies that). An f32 head streams
    // 4 bytes per weight: --head=int8 reads 1.
    std::vector<float> f;
    std::string derr;
    if (!model::decodeFloatTensor(*t, &f, &derr))
      return fail(user, derr);
    std::vector<uint8_t> h(f.size() * 4);
    std::memcpy(h.data(), f.data(), h.size());
    plan->blobs.push_back(std::move(h));
    *id = newBuffer(TERN_BUF_WEIGHT, plan->blobs.back().size(), name, plan->blobs.size() - 1);
    weightIds[name] = *id;
    return true;
  }
  plan->blobs.emplace_back(t->data, t->data + t->bytes);
  *id = newBuffer(TERN_BUF_WEIGHT, t->bytes, name, plan->blobs.size() - 1);
  weightIds[name] = *id;
  return true;
}

bool PlanBuilder::packedWeight(TernaryMatmulOp op, uint32_t *w,
                               uint32_t *scales, int64_t *block,
                               int64_t *interleave, int64_t *lut) {
  auto parts = op.getPartsAttr();
  auto get = op.getWeights()[0].getDefiningOp<GetGlobalOp>();
  if (!parts || !get)
    return fail(op, "weights are not packed: run --tern-pack-weights first");
  auto global = graph.lookupSymbol<GlobalOp>(get.getName());
  auto type = global ? dyn_cast<TernaryType>(global.getType()) : TernaryType();
  auto sources = global ? global->getAttrOfType<ArrayAttr>("sources") : ArrayAttr();
  if (!type || !sources || int64_t(sources.size()) != parts.size())
    return fail(op, "packed weight @" + get.getName().str() +
                        " has no `sources` matching its parts");
  LayoutAttr layout = type.getLayout();
  if (layout.getBits() != 2 || layout.getPackDim() != 1 ||
      (layout.getInterleave() > 1 && layout.getChunk() != layout.getBlock()))
    return fail(op, "the CPU kernels read #tern.layout<bits = 2, pack_dim = 1>, "
                    "with rows interleaved only in chunks of one block");
  *block = layout.getBlock();
  *interleave = layout.getInterleave();
  *lut = layout.getLut();
  int64_t N = type.getShape()[0], K = type.getShape()[1];
  std::string name = get.getName().str();
  std::vector<int8_t> all(N * K);
  std::vector<float> rowScale(N);
  int64_t row = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::string src = cast<FlatSymbolRefAttr>(sources[i]).getValue().str();
    const model::Tensor *t = model.find(src);
    if (!t)
      return fail(op, "the model has no tensor '" + src + "'");
    std::vector<int8_t> vals;
    float scale = 0;
    std::string derr;
    if (!model::decodeTernaryTensor(model, *t, &vals, &scale, &derr))
      return fail(op, derr);
    if (int64_t(vals.size()) != parts[i] * K)
      return fail(op, "tensor '" + src + "' is not " + std::to_string(parts[i]) +
                          "x" + std::to_string(K));
    std::memcpy(all.data() + row * K, vals.data(), vals.size());
    for (int64_t r = 0; r < parts[i]; ++r)
      rowScale[row + r] = scale;
    row += parts[i];
  }
  std::vector<uint8_t> packed(ref::packedBytes(layout.toRuntime(), N, K));
  ref::packTernary(all.data(), N, K, layout.toRuntime(), packed.data());
  plan->blobs.push_back(std::move(packed));
  *w = newBuffer(TERN_BUF_WEIGHT, plan->blobs.back().size(), name,
                 plan->blobs.size() - 1);
  std::vector<uint8_t> sb(N * 4);
  std::memcpy(sb.data(), rowScale.data(), sb.size());
  plan->blobs.push_back(std::move(sb));
  *scales = newBuffer(TERN_BUF_WEIGHT, N * 4, name + ".row_scales",
                      plan->blobs.size() - 1);
  return true;
}

// The head as an int8 matmul: the float weight quantized per row at compile
// time into its own blob (a tied embedding keeps reading the float table),
// the input quantized per token by the final norm.
bool PlanBuilder::int8Head(MatmulOp m, uint32_t q) {
  if (std::string why = emit->checkInt8Head(); !why.empty())
    return fail(m, why);
  if (headScale == UINT32_MAX)
    return fail(m, "--head=int8 needs the head's input to be the final "
                   "rms_norm, used by the head only");
  auto get = m.getWeight().getDefiningOp<GetGlobalOp>();
  if (!get)
    return fail(m, "the head's weight is not a tern.get_global");
  auto shape = cast<RankedTensorType>(m.getWeight().getType()).getShape();
  Int8MatmulParams p;
  p.N = shape[0];
  p.K = shape[1];
  p.max_batch = maxB;
  if (std::string why = applySchedule(m.getScheduleAttr(), target.isa, target.vector_bytes, &p);
      !why.empty())
    return fail(m, why);
  const std::string name = get.getName().str();
  const model::Tensor *t = model.find(name);
  std::vector<float> w;
  std::string derr;
  if (!t || !model::decodeFloatTensor(*t, &w, &derr))
    return fail(m, t ? derr : "the model has no tensor '" + name + "'");
  if (int64_t(w.size()) != p.N * p.K)
    return fail(m, "tensor '" + name + "' is not " + std::to_string(p.N) + "x" +
                       std::to_string(p.K));
  std::vector<uint8_t> w8(p.N * p.K);
  std::vector<float> scale(p.N);
  std::vector<int32_t> corr(p.N);
  quantizeRowsInt8(w.data(), p.N, p.K, reinterpret_cast<int8_t *>(w8.data()),
                   scale.data(), corr.data());
  w.clear();
  w.shrink_to_fit();
  plan->blobs.push_back(std::move(w8));
  uint32_t wb = newBuffer(TERN_BUF_WEIGHT, plan->blobs.back().size(),
                          name + ".int8", plan->blobs.size() - 1);
  auto blob = [&](const void *data, size_t bytes, const std::string &what) {
    const uint8_t *b8 = static_cast<const uint8_t *>(data);
    plan->blobs.emplace_back(b8, b8 + bytes);
    return newBuffer(TERN_BUF_WEIGHT, bytes, what, plan->blobs.size() - 1);
  };
  uint32_t sb = blob(scale.data(), scale.size() * 4, name + ".int8.row_scales");
  uint32_t cb = blob(corr.data(), corr.size() * 4, name + ".int8.row_corr");
  std::string sig;
  llvm::raw_string_ostream ss(sig);
  ss << "head_int8 " << p.N << " " << p.K << " " << p.block << " isa" << int(p.isa) << " t"
     << p.tile_n << " pf" << p.prefetch;
  uint32_t k = kernel(sig, [&](StringRef n) { emit->int8Matmul(b, n, p); });
  logitsBuf = newBuffer(TERN_BUF_LOGITS, p.N * 4, "logits");
  bind(m.getResult(), logitsBuf);
  step(m, k, TERN_RANGE_FIXED, p.N, p.tile_n, {q, headScale, wb, sb, cb, logitsBuf},
       TERN_STEP_HEAD);
  return true;
}

static int64_t cols(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape()[1];
}

bool PlanBuilder::visit(Operation *op) {
  std::string sig;
  llvm::raw_string_ostream ss(sig);
  if (isa<GetGlobalOp, arith::ConstantOp, tensor::ExtractOp, arith::ExtFOp,
          arith::TruncFOp>(op))
    return true; // weights and scales are read from the model by their users

  if (auto e = dyn_cast<EmbeddingOp>(op)) {
    if (e.getIds() != tokensArg)
      return fail(op, "ids must be the function's token argument");
    uint32_t table;
    FloatType elem;
    if (!floatWeight(e.getTable(), op, &table, &elem))
      return false;
    EmbeddingParams p;
    auto shape = cast<RankedTensorType>(e.getTable().getType()).getShape();
    p.vocab = shape[0];
    p.hidden = shape[1];
    p.max_batch = maxB;
    p.elem = elem;
    ss << "embedding " << p.vocab << " " << p.hidden << " " << int(elem);
    uint32_t k = kernel(sig, [&](StringRef n) { emit->embedding(b, n, p); });
    uint32_t out = activation(p.hidden * 4, "embedding");
    bind(e.getResult(), out);
    step(op, k, TERN_RANGE_TOKENS, 0, 1, {table, bufferOf[tokensArg], out});
    return true;
  }

  if (isa<NormQuantizeOp, RmsNormOp>(op)) {
    auto nq = dyn_cast<NormQuantizeOp>(op);
    Value x = op->getOperand(0);
    Value up = nq ? nq.getUp() : Value();
    Value w = nq ? nq.getWeight() : cast<RmsNormOp>(op).getWeight(); // null: no norm
    NormQuantizeParams p;
    p.K = cols(x);
    p.max_batch = maxB;
    p.epsilon = nq ? nq.getEpsilon().convertToFloat()
                   : cast<RmsNormOp>(op).getEpsilon().convertToFloat();
    p.gated = bool(up);
    p.silu = nq && nq.getActivation() == Activation::silu;
    p.norm = bool(w);
    p.quantize = bool(nq);
    if (nq)
      applySchedule(nq.getScheduleAttr(), &p);
    // The int8 head reads the final norm quantized.
    bool forHead = !nq && opts.int8_head && op->hasOneUse() &&
                   isa<MatmulOp>(*op->user_begin());
    p.quantize |= forHead;
    uint32_t wb = 0, xb, ub = 0;
    if ((w && !floatWeight(w, op, &wb, &p.elem)) || !buffer(x, &xb, op) ||
        (up && !buffer(up, &ub, op)))
      return false;
    ss << "norm " << p.K << " " << p.epsilon << " " << p.gated << " " << p.silu << " "
       << p.norm << " " << p.quantize << " " << int(p.elem) << " m" << p.tile_m << " u"
       << p.unroll;
    uint32_t k = kernel(sig, [&](StringRef n) { emit->normQuantize(b, n, p); });
    std::vector<uint32_t> args = {xb};
    if (up)
      args.push_back(ub);
    if (w)
      args.push_back(wb);
    if (nq) {
      uint32_t q = activation(p.K, "q"), s = activation(4, "s");
      bind(nq.getOutput(), q);
      bind(nq.getScale(), s);
      args.push_back(q);
      args.push_back(s);
    } else if (forHead) {
      uint32_t q = activation(p.K, "head_q");
      headScale = activation(4, "head_s");
      bind(op->getResult(0), q);
      args.push_back(q);
      args.push_back(headScale);
    } else {
      uint32_t y = activation(p.K * 4, "norm");
      bind(op->getResult(0), y);
      args.push_back(y);
    }
    step(op, k, TERN_RANGE_TOKENS, 0, 1, args);
    return true;
  }

  if (auto mm = dyn_cast<TernaryMatmulOp>(op)) {
    TernaryMatmulParams p;
    uint32_t w, rs, qb, sb;
    if (!packedWeight(mm, &w, &rs, &p.block, &p.interleave, &p.lut) ||
        !buffer(mm.getInput(), &qb, op) ||
        !buffer(mm.getInputScale(), &sb, op))
      return false;
    p.K = cols(mm.getInput());
    for (int64_t n : mm.getPartsAttr().asArrayRef())
      p.parts.push_back(n);
    p.max_batch = maxB;
    applySchedule(mm.getScheduleAttr(), target, &p);
    p.divide = mm.getScaleMode() == ScaleMode::divide;
    p.residual = bool(mm.getResidual());
    if (std::string why = emit->checkTernaryMatmul(p); !why.empty())
      return fail(op, why);
    ss << "ternary_matmul K" << p.K << " B" << p.block << " R" << p.interleave
       << " lut" << p.lut << " isa" << int(p.isa) << (p.gfni ? " gfni" : "")
       << (p.amx ? " amx" : "") << " t" << p.tile_m << "x" << p.tile_n << "g" << p.gemv_tile_n << " pf" << p.prefetch
       << " th" << p.threads << "u" << p.unroll << (p.mma.empty() ? "" : " " + p.mma)
       << " d"
       << p.divide << " r" << p.residual << " parts";
    for (int64_t n : p.parts)
      ss << " " << n;
    uint32_t k = kernel(sig, [&](StringRef n) { emit->ternaryMatmul(b, n, p); });
    // The lookup-table layout reads tables built from q by a step before.
    uint32_t tables = 0;
    if (p.lut) {
      LutTablesParams tp;
      tp.K = p.K;
      tp.max_batch = maxB;
      tp.lut = p.lut;
      tp.block = p.block;
      std::string tsig;
      llvm::raw_string_ostream ts(tsig);
      ts << "lut_tables K" << tp.K << " g" << tp.lut << " V" << tp.block;
      uint32_t tk = kernel(tsig, [&](StringRef n) { emit->lutTables(b, n, tp); });
      tables = activation(ref::lutGeometry(p.layout(), 1, p.K).tableBytes(), "lut_tables");
      step(op, tk, TERN_RANGE_TOKENS, 0, 1, {qb, tables});
    }
    std::vector<uint32_t> args = {p.lut ? tables : qb, sb, w, rs};
    uint32_t resBuf = 0;
    if (p.residual && !buffer(mm.getResidual(), &resBuf, op))
      return false;
    for (size_t i = 0; i < p.parts.size(); ++i) {
      uint32_t out;
      if (p.residual && isLastUse(mm.getResidual(), op))
        out = resBuf; // h = h + y in place
      else
        out = activation(p.parts[i] * 4, "matmul");
      bind(mm.getResult(i), out);
      args.push_back(out);
    }
    if (p.residual)
      args.push_back(resBuf);
    step(op, k, TERN_RANGE_FIXED, p.totalRows(),
         p.rowGrain(), args);
    if (p.lut)
      freeActs.push_back(tables); // dead after this step
    return true;
  }

  if (auto r = dyn_cast<RopeOp>(op)) {
    if (r.getPositions() != positionsArg)
      return fail(op, "positions must be the function's positions argument");
    RopeParams p;
    p.head_dim = r.getHeadDim();
    p.heads = cols(r.getInput()) / p.head_dim;
    p.max_batch = maxB;
    p.theta = r.getTheta().convertToFloat();
    if (std::optional<ArrayRef<float>> ff = r.getFreqFactors())
      p.freq_factors.assign(ff->begin(), ff->end());
    uint32_t xb;
    if (!buffer(r.getInput(), &xb, op))
      return false;
    if (!isLastUse(r.getInput(), op))
      return fail(op, "input is used after RoPE; in-place rotation needs it dead");
    p.max_context = maxContext;
    ss << "rope " << p.heads << " " << p.head_dim << " " << p.theta;
    for (float f : p.freq_factors)
      ss << " " << f;
    uint32_t k = kernel(sig, [&](StringRef n) { emit->rope(b, n, p); });
    bind(r.getResult(), xb);
    std::vector<uint32_t> args = {xb};
    if (emit->ropeTable())
      args.push_back(ropeTable(p));
    step(op, k, TERN_RANGE_TOKENS, 0, 1, args);
    return true;
  }

  if (auto a = dyn_cast<AttentionOp>(op)) {
    AttentionParams p;
    p.heads = a.getNumHeads();
    p.kv_heads = a.getNumKvHeads();
    p.head_dim = a.getHeadDim();
    p.max_context = cast<RankedTensorType>(a.getKCache().getType()).getShape()[0];
    p.max_batch = maxB;
    applySchedule(a.getScheduleAttr(), &p);
    if (p.heads % p.kv_heads != 0 || (p.heads / p.kv_heads) % p.tile_h != 0)
      return fail(op, "schedule tile_n = " + std::to_string(p.tile_h) +
                          " does not divide the group of " +
                          std::to_string(p.heads / std::max<int64_t>(p.kv_heads, 1)) +
                          " query heads per KV head");
    uint32_t qb, kb, vb, kc, vc;
    if (!buffer(a.getQ(), &qb, op) || !buffer(a.getK(), &kb, op) ||
        !buffer(a.getV(), &vb, op) || !buffer(a.getKCache(), &kc, op) ||
        !buffer(a.getVCache(), &vc, op))
      return false;
    ss << "attention " << p.heads << " " << p.kv_heads << " " << p.head_dim
       << " " << p.max_context << " th" << p.tile_h;
    uint32_t k = kernel(sig, [&](StringRef n) { emit->attention(b, n, p); });
    uint32_t out = activation(p.heads * p.head_dim * 4, "attention");
    bind(a.getOutput(), out);
    bind(a.getKCacheOut(), kc);
    bind(a.getVCacheOut(), vc);
    if (emit->separateKvAppend()) {
      std::string asig = "kv_append" + sig.substr(sig.find(' '));
      uint32_t ak = kernel(asig, [&](StringRef n) { emit->kvAppend(b, n, p); });
      step(op, ak, TERN_RANGE_TOKENS, 0, 1, {kb, vb, kc, vc});
      step(op, k, TERN_RANGE_FIXED, emit->attentionRange(p), 1, {qb, kc, vc, out});
      return true;
    }
    step(op, k, TERN_RANGE_FIXED, p.kv_heads, 1, {qb, kb, vb, kc, vc, out});
    return true;
  }

  if (auto m = dyn_cast<MatmulOp>(op)) {
    FloatMatmulParams p;
    uint32_t wb, xb;
    if (opts.int8_head)
      return buffer(m.getInput(), &xb, op) && int8Head(m, xb);
    if (!floatWeight(m.getWeight(), op, &wb, &p.elem) ||
        !buffer(m.getInput(), &xb, op))
      return false;
    auto shape = cast<RankedTensorType>(m.getWeight().getType()).getShape();
    p.N = shape[0];
    p.K = shape[1];
    p.max_batch = maxB;
    applySchedule(m.getScheduleAttr(), &p);
    ss << "head " << p.N << " " << p.K << " " << int(p.elem) << " t" << p.tile_n << " pf"
       << p.prefetch;
    uint32_t k = kernel(sig, [&](StringRef n) { emit->floatMatmul(b, n, p); });
    logitsBuf = newBuffer(TERN_BUF_LOGITS, p.N * 4, "logits");
    bind(m.getResult(), logitsBuf);
    step(op, k, TERN_RANGE_FIXED, p.N, p.tile_n, {xb, wb, logitsBuf}, TERN_STEP_HEAD);
    return true;
  }

  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    if (ret.getNumOperands() == 0 || !ret.getOperand(0).getDefiningOp<MatmulOp>())
      return fail(op, "the first result must be the logits of the LM head");
    return true;
  }
  return fail(op, "not supported by the CPU code generator (the fusion passes "
                  "turn bitlinear, quantize, mul, relu2, silu and add into kernel ops)");
}

bool PlanBuilder::build(std::string *err) {
  error = err;
  maxB = opts.max_batch;
  plan->max_batch = maxB;
  auto forward = graph.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.getNumArguments() < 3)
    return fail(nullptr, "the module has no @forward(tokens, positions, start, caches...)");
  Block &body = forward.getBody().front();
  tokensArg = body.getArgument(0);
  positionsArg = body.getArgument(1);
  // Liveness: the last op (in program order) that uses each value.
  for (Operation &op : body)
    for (Value v : op.getOperands())
      lastUse[v] = &op;
  bind(tokensArg, newBuffer(TERN_BUF_TOKENS, 4, "tokens"));
  for (unsigned i = 3; i < body.getNumArguments(); ++i) {
    auto t = cast<RankedTensorType>(body.getArgument(i).getType());
    maxContext = t.getShape()[0];
    bind(body.getArgument(i),
         newBuffer(TERN_BUF_STATE, t.getShape()[0] * t.getShape()[1] * 4,
                   (i % 2 ? "k_cache." : "v_cache.") + std::to_string((i - 3) / 2)));
  }
  size_t n = 0, total = body.getOperations().size();
  for (Operation &op : body) {
    if (!visit(&op))
      return false;
    release(&op);
    if (opts.progress && (++n % 64 == 0 || n == total))
      llvm::errs() << "tern-compile: planned " << n << "/" << total << " ops\n";
  }
  (void)logitsBuf;
  return true;
}

} // namespace

bool buildPlan(ModuleOp graph, const model::Model &model, const PlanTarget &target,
               const PlanOptions &options, ModuleOp kernels, CompiledPlan *plan,
               std::string *err) {
  if (!options.emitter) {
    *err = "internal error: buildPlan needs a kernel emitter";
    return false;
  }
  return PlanBuilder(graph, model, target, options, kernels, plan).build(err);
}

std::string describePlan(const CompiledPlan &plan) {
  static const char *kinds[] = {"weight", "activation", "state", "tokens", "logits"};
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "kernels: " << plan.kernels.size() << "\n";
  for (size_t i = 0; i < plan.kernels.size(); ++i)
    os << "  k" << i << " " << plan.kernels[i] << "\n";
  os << "buffers: " << plan.buffers.size() << "\n";
  for (size_t i = 0; i < plan.buffers.size(); ++i)
    os << "  b" << i << " " << kinds[plan.buffers[i].kind] << " "
       << plan.buffers[i].bytes << " " << plan.buffers[i].name << "\n";
  os << "steps: " << plan.steps.size() << "\n";
  for (const PlanStep &st : plan.steps) {
    os << "  " << plan.kernels[st.kernel] << " over "
       << (st.range_kind == TERN_RANGE_TOKENS ? std::string("tokens")
                                              : std::to_string(st.range))
       << " (" << st.op << ")";
    for (uint32_t a : st.args)
      os << " b" << a;
    if (!st.schedule.empty())
      os << " " << st.schedule;
    os << "\n";
  }
  return s;
}

} // namespace tern::codegen
