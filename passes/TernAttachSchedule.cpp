//===- TernAttachSchedule.cpp - attach #tern.schedule to bitlinears -------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"

#include "mlir/AsmParser/AsmParser.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNATTACHSCHEDULE
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
struct TernAttachSchedulePass
    : mlir::tern::impl::TernAttachScheduleBase<TernAttachSchedulePass> {
  using TernAttachScheduleBase::TernAttachScheduleBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Attribute parsed = parseAttribute(schedule, ctx);
    auto attr = dyn_cast_or_null<ScheduleAttr>(parsed);
    if (!attr) {
      getOperation().emitError()
          << "tern-attach-schedule: option schedule=\"" << schedule
          << "\" is not a #tern.schedule<...> attribute";
      return signalPassFailure();
    }
    getOperation().walk([&](BitLinearOp op) {
      if (!op.getScheduleAttr() || override)
        op.setScheduleAttr(attr);
    });
  }
};
} // namespace
