//===- TernAttachSchedule.cpp - attach #tern.schedule to kernels ----------===//
//
// --tern-attach-schedule: gives every tern.bitlinear and tern.ternary_matmul
// a #tern.schedule: the target's default (or the `schedule` option), unless
// the op already has one, unless a record of the schedule file matches it.
// The LM head (tern.matmul), tern.attention and tern.norm_quantize likewise,
// from their spaces.
//
//===----------------------------------------------------------------------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"
#include "passes/ScheduleDefaults.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNATTACHSCHEDULE
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// One record of the schedule file: matches ops by (kind, total N, K) or by
/// the symbol of one of their weights.
struct ScheduleRecord {
  std::string weight; ///< empty for a shape record
  std::string op;
  int64_t n = 0, k = 0;
  std::string layout; ///< shape records: the weight's #tern.layout, "" = any
  ScheduleAttr schedule;
  size_t index = 0; ///< in the file's "schedules"
};

/// Reads `path` into `records`; on failure returns the message (which names
/// the file and, for a bad record, its index).
std::string loadScheduleFile(StringRef path, MLIRContext *ctx,
                             SmallVectorImpl<ScheduleRecord> &records) {
  std::string where = ("schedule file '" + path + "'").str();
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return where + ": cannot read it: " + buffer.getError().message();
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return where + ": invalid JSON: " + llvm::toString(json.takeError());
  const llvm::json::Object *top = json->getAsObject();
  const llvm::json::Array *list = top ? top->getArray("schedules") : nullptr;
  if (!list)
    return where + ": expected an object {\"schedules\": [...]}";

  for (auto [index, value] : llvm::enumerate(*list)) {
    std::string at = where + ": record " + std::to_string(index);
    const llvm::json::Object *obj = value.getAsObject();
    if (!obj)
      return at + ": expected an object";
    for (const auto &kv : *obj)
      if (!llvm::is_contained({"op", "n", "k", "layout", "weight", "schedule"},
                              StringRef(kv.first)))
        return at + ": unknown key \"" + StringRef(kv.first).str() +
               "\" (known: op, n, k, layout, weight, schedule)";
    ScheduleRecord record;
    std::optional<StringRef> text = obj->getString("schedule");
    if (!text)
      return at + ": needs \"schedule\": \"#tern.schedule<...>\"";
    std::optional<StringRef> weight = obj->getString("weight");
    bool hasShape = obj->get("op") || obj->get("n") || obj->get("k");
    if (weight && hasShape)
      return at + ": give either \"weight\" or \"op\", \"n\" and \"k\", "
                  "not both";
    if (weight) {
      if (weight->empty())
        return at + ": \"weight\" must be a symbol name";
      record.weight = weight->str();
    } else {
      std::optional<StringRef> op = obj->getString("op");
      std::optional<int64_t> n = obj->getInteger("n");
      std::optional<int64_t> k = obj->getInteger("k");
      if (!op || !n || !k)
        return at + ": needs \"weight\", or \"op\" (a string), \"n\" and "
                    "\"k\" (integers)";
      ::tern::sched::Kind kind;
      if (!::tern::sched::kindFromName(op->str(), &kind))
        return at + ": unknown op \"" + op->str() +
               "\" (known: " + ::tern::sched::kindNames() + ")";
      if (*n <= 0 || *k <= 0)
        return at + ": \"n\" and \"k\" must be positive";
      record.op = op->str();
      record.n = *n;
      record.k = *k;
      if (std::optional<StringRef> layout = obj->getString("layout")) {
        record.layout = layout->str();
        // A #tern.layout is matched by its name (i2x2, tl2, ...) where it
        // has one, as the layout knob and an unpacked op's layout are.
        if (layout->starts_with("#tern.layout"))
          if (auto l = dyn_cast_or_null<LayoutAttr>(parseAttribute(*layout, ctx)))
            if (std::string name = ::tern::ref::layoutName(l.toRuntime()); !name.empty())
              record.layout = name;
      }
    }
    // Parse the schedule, catching the parser's and verifier's message.
    std::string detail;
    Attribute parsed;
    {
      ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
        if (detail.empty())
          detail = diag.str();
        return success();
      });
      parsed = parseAttribute(*text, ctx);
    }
    record.schedule = dyn_cast_or_null<ScheduleAttr>(parsed);
    if (!record.schedule)
      return at + ": \"" + text->str() +
             "\" is not a #tern.schedule<...> attribute" +
             (detail.empty() ? "" : ": " + detail);
    record.index = index;
    records.push_back(std::move(record));
  }
  return "";
}

struct TernAttachSchedulePass
    : mlir::tern::impl::TernAttachScheduleBase<TernAttachSchedulePass> {
  using TernAttachScheduleBase::TernAttachScheduleBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    Attribute parsed = parseAttribute(schedule, ctx);
    auto optionSchedule = dyn_cast_or_null<ScheduleAttr>(parsed);
    if (!optionSchedule) {
      module.emitError() << "tern-attach-schedule: option schedule=\""
                         << schedule
                         << "\" is not a #tern.schedule<...> attribute";
      return signalPassFailure();
    }

    // The concrete target whose table gives the defaults ("" for none).
    std::string resolved;
    if (!target.empty()) {
      if (!isKnownTarget(target)) {
        module.emitError() << "tern-attach-schedule: unknown target '" << target
                           << "' (valid: " << knownTargetList() << ")";
        return signalPassFailure();
      }
      if (optionSchedule != ScheduleAttr::get(ctx, 0, 0, 0, 0, 0, 0, "", "", "")) {
        module.emitError() << "tern-attach-schedule: give either target= or "
                              "schedule=, not both";
        return signalPassFailure();
      }
      resolved = target;
      if (target == "host") {
        resolved = hostTarget.empty() ? detectHostTarget() : hostTarget;
        if (!isKnownTarget(resolved) || resolved == "host") {
          module.emitError() << "tern-attach-schedule: host-target '"
                             << hostTarget << "' is not a concrete target "
                             << "(valid: " << knownTargetList(false) << ")";
          return signalPassFailure();
        }
      }
    }

    SmallVector<ScheduleRecord> records, tuned;
    for (auto [file, list] : {std::pair<StringRef, SmallVector<ScheduleRecord> *>{scheduleFile, &records},
                              {tunedFile, &tuned}}) {
      if (file.empty())
        continue;
      std::string err = loadScheduleFile(file, ctx, *list);
      if (!err.empty()) {
        module.emitError() << "tern-attach-schedule: " << err;
        return signalPassFailure();
      }
    }

    SymbolTable symbols(module);
    bool failed = false;
    if (!layout.empty() && !::tern::ref::isLayoutName(layout)) {
      module.emitError() << "tern-attach-schedule: option layout=\"" << layout
                         << "\" is not a layout (i2xR, i2lane, tl1 or tl2)";
      return signalPassFailure();
    }
    auto apply = [&](Operation *op, StringRef kind, int64_t n, int64_t k,
                     ValueRange weights) {
      auto existing = op->getAttrOfType<ScheduleAttr>("schedule");
      ScheduleAttr chosen = resolved.empty()
                                ? optionSchedule
                                : defaultSchedule(ctx, resolved, kind, n, k);
      std::string source = resolved.empty() ? "the schedule option" : "the " + resolved + " default";
      // The layout is fixed once the weights are packed, or by the
      // `layout` option: the default's layout knob says so, and no tuning
      // record of another layout applies (its knobs were measured there).
      const bool ternary = isa<BitLinearOp, TernaryMatmulOp>(op);
      const std::string packed = ternary ? layoutOf(op) : "";
      const std::string pin = !packed.empty() ? packed : ternary ? layout.getValue() : "";
      if (chosen && !chosen.getLayout().empty() && !pin.empty())
        chosen = withLayout(chosen, pin);
      if (existing && !override) {
        chosen = existing;
        source = "the op";
      }
      // The layout a record's "layout" must name: the op's packed one, the
      // pinned one, else the one its schedule has so far (the default's).
      auto current = [&] {
        if (!ternary || !pin.empty())
          return !ternary ? layoutOf(op) : pin;
        return chosen ? chosen.getLayout().str() : std::string();
      };
      // Tuning records (tuned-file), then the user's (schedule-file).
      if (const ScheduleRecord *r = matchRecord(tuned, symbols, kind, n, k, weights, current(), pin)) {
        chosen = r->schedule;
        source = "a tuning record (" + (tunedName.empty() ? tunedFile : tunedName) + ")";
      }
      if (const ScheduleRecord *r = matchRecord(records, symbols, kind, n, k, weights, current(), "")) {
        if (!packed.empty() && !r->schedule.getLayout().empty() &&
            r->schedule.getLayout() != packed) {
          op->emitError() << "tern-attach-schedule: schedule file '" << scheduleFile
                          << "': record " << r->index << " says layout = \""
                          << r->schedule.getLayout() << "\" but the weights are already packed as \""
                          << packed << "\" (attach schedules before tern-pack-weights)";
          failed = true;
        }
        source = "schedule file record " + std::to_string(r->index) + " (" + scheduleFile + ")";
        // A record must lie in the target's space: a knob it does not read
        // or a value it does not allow is the user's mistake, not a no-op.
        ::tern::sched::Space space;
        if (!resolved.empty() && scheduleSpace(resolved, kind, n, k, &space))
          if (std::string why = ::tern::sched::checkSchedule(space, knobsOf(r->schedule));
              !why.empty()) {
            op->emitError() << "tern-attach-schedule: schedule file '" << scheduleFile
                            << "': record " << r->index << ": " << why;
            failed = true;
          }
        chosen = r->schedule;
      }
      op->setAttr("schedule", chosen);
      if (recordSource)
        op->setAttr("tern.schedule_source", StringAttr::get(ctx, source));
    };
    module.walk([&](Operation *op) {
      if (auto b = dyn_cast<BitLinearOp>(op)) {
        auto [n, k] = b.getWeightShape();
        apply(op, "bitlinear", n, k, b.getWeight());
      } else if (auto m = dyn_cast<TernaryMatmulOp>(op)) {
        int64_t n = 0;
        for (int64_t rows : m.getPartRows())
          n += rows;
        Type w = m.getWeights()[0].getType();
        int64_t k = isa<TernaryType>(w)
                        ? cast<TernaryType>(w).getCols()
                        : cast<RankedTensorType>(w).getShape()[1];
        apply(op, "ternary_matmul", n, k, m.getWeights());
      } else if (auto h = dyn_cast<MatmulOp>(op)) {
        // The head: a target's default or a record, never the option's
        // schedule (whose tiles are meant for ternary matmuls).
        auto shape = cast<RankedTensorType>(h.getWeight().getType()).getShape();
        StringRef kind = int8Head ? "int8_matmul" : "matmul";
        if (!resolved.empty() || op->hasAttr("schedule") ||
            matchRecord(tuned, symbols, kind, shape[0], shape[1], h.getWeight(), layoutOf(op), "") ||
            matchRecord(records, symbols, kind, shape[0], shape[1], h.getWeight(), layoutOf(op), ""))
          apply(op, kind, shape[0], shape[1], h.getWeight());
      } else if (auto at = dyn_cast<AttentionOp>(op)) {
        // Attention: n = query heads, k = KV heads; its "layout" the head
        // dim ("hd128").
        const int64_t n = at.getNumHeads(), k = at.getNumKvHeads();
        if (!resolved.empty() || op->hasAttr("schedule") ||
            matchRecord(tuned, symbols, "attention", n, k, {}, layoutOf(op), "") ||
            matchRecord(records, symbols, "attention", n, k, {}, layoutOf(op), ""))
          apply(op, "attention", n, k, {});
      } else if (auto nq = dyn_cast<NormQuantizeOp>(op)) {
        // The fused norm + quantize: n = 1, k = the row length; its
        // "layout" the weight's type ("none"), "+gated" / "+silu" for the gate.
        const int64_t k = cast<RankedTensorType>(nq.getInput().getType()).getShape()[1];
        if (!resolved.empty() || op->hasAttr("schedule") ||
            matchRecord(tuned, symbols, "norm_quantize", 1, k, {}, layoutOf(op), "") ||
            matchRecord(records, symbols, "norm_quantize", 1, k, {}, layoutOf(op), ""))
          apply(op, "norm_quantize", 1, k, {});
      }
    });
    if (failed)
      signalPassFailure();
  }

  /// `s` with its layout knob set to `name`.
  static ScheduleAttr withLayout(ScheduleAttr s, StringRef name) {
    return ScheduleAttr::get(s.getContext(), s.getTileM(), s.getTileN(), s.getUnroll(),
                             s.getThreads(), s.getPrefetch(), s.getGemvTileN(), s.getMma(),
                             s.getIsa(), name);
  }

  /// The layout of the op's (first) packed weight: its name (i2x2, tl2:
  /// ref::layoutName), else the printed #tern.layout; "" while unpacked.
  /// The head's: its weight's element type ("f16", "bf16", "f32"), or
  /// "int8" for an int8 head; attention's: "hd" and its head dim;
  /// norm_quantize's: its weight's type, "+gated" when gated.
  std::string layoutOf(Operation *op) const {
    if (auto at = dyn_cast<AttentionOp>(op))
      return ::tern::sched::attentionLayoutKey(at.getHeadDim());
    if (auto nq = dyn_cast<NormQuantizeOp>(op)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      if (nq.getWeight())
        os << cast<RankedTensorType>(nq.getWeight().getType()).getElementType();
      return ::tern::sched::normQuantizeLayoutKey(text, bool(nq.getUp()),
                                                  nq.getActivation() == Activation::silu);
    }
    if (auto h = dyn_cast<MatmulOp>(op)) {
      if (int8Head)
        return "int8";
      std::string text;
      llvm::raw_string_ostream os(text);
      os << cast<RankedTensorType>(h.getWeight().getType()).getElementType();
      return text;
    }
    auto m = dyn_cast<TernaryMatmulOp>(op);
    if (!m || !m.getPartsAttr()) // not packed yet: the weights' layout is the checkpoint's
      return "";
    auto t = dyn_cast<TernaryType>(m.getWeights()[0].getType());
    if (!t)
      return "";
    if (std::string name = ::tern::ref::layoutName(t.getLayout().toRuntime()); !name.empty())
      return name;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << Attribute(t.getLayout());
    return text;
  }

  /// The best record for an op: the last weight record that names one of
  /// its weights (a get_global symbol or a `sources` entry of the packed
  /// global), else the last shape record with its kind, N, K and (when the
  /// record gives one) `layout`. With `pin`, a record whose schedule sets
  /// another layout knob does not match.
  static const ScheduleRecord *matchRecord(ArrayRef<ScheduleRecord> records,
                                  SymbolTable &symbols, StringRef kind,
                                  int64_t n, int64_t k, ValueRange weights,
                                  const std::string &layout, const std::string &pin) {
    if (records.empty())
      return nullptr;
    llvm::StringSet<> names;
    for (Value w : weights) {
      auto get = w.getDefiningOp<GetGlobalOp>();
      if (!get)
        continue;
      names.insert(get.getName());
      if (auto global = symbols.lookup<GlobalOp>(get.getName()))
        if (auto srcs = global->getAttrOfType<ArrayAttr>("sources"))
          for (Attribute s : srcs)
            if (auto ref = dyn_cast<FlatSymbolRefAttr>(s))
              names.insert(ref.getValue());
    }
    const ScheduleRecord *byWeight = nullptr, *byShape = nullptr;
    for (const ScheduleRecord &r : records) {
      if (!pin.empty() && !r.schedule.getLayout().empty() && r.schedule.getLayout() != pin)
        continue;
      if (!r.weight.empty()) {
        if (names.contains(r.weight))
          byWeight = &r;
      } else if (r.op == kind && r.n == n && r.k == k &&
                 (r.layout.empty() || r.layout == layout)) {
        byShape = &r;
      }
    }
    return byWeight ? byWeight : byShape;
  }
};

} // namespace
