//===- Passes.td - tern graph passes ------------------------*- tablegen -*-===//
//
// Target-neutral rewrites of the tern graph. One pass per file, named after
// its flag, each with a lit test of the same name under test/passes/.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_TD
#define TERN_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernAttachSchedule : Pass<"tern-attach-schedule", "::mlir::ModuleOp"> {
  let summary = "Attach a #tern.schedule to every tern.bitlinear";
  let description = [{
    Gives each `tern.bitlinear` the schedule named by the `schedule` option
    (attribute text, e.g. `#tern.schedule<tile_n = 8, threads = 2>`). Ops that
    already carry a schedule keep it unless `override` is set, so a tuning
    record or a user's choice survives. This is the hook through which an
    autotuner drives codegen without code changes.
  }];
  let options = [
    Option<"schedule", "schedule", "std::string", /*default=*/"\"#tern.schedule<>\"",
           "the #tern.schedule attribute to attach">,
    Option<"override", "override", "bool", /*default=*/"false",
           "replace schedules that ops already carry">,
  ];
}

#endif
