//===- CpuPlan.h - the CPU's kernel emitter for the plan builder -*- C++ -*-===//
//
// The CPU target's side of codegen/common/PlanBuilder.h: the emitter that
// builds each kernel with Kernels.h's CPU emitters into one module, and
// buildCpuPlan, which runs the plan builder with it (or with the emitter
// PlanOptions names) for a CpuTarget.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_CPUPLAN_H
#define TERN_CODEGEN_CPU_CPUPLAN_H

#include "codegen/common/PlanBuilder.h"
#include "codegen/cpu/CpuTarget.h"

namespace tern::cpu {

using codegen::CompiledPlan;
using codegen::PlanOptions;

/// codegen::buildPlan with `target`'s facts and, unless options.emitter
/// names another, the CPU emitters writing into `kernels`.
bool buildCpuPlan(mlir::ModuleOp graph, const tern::model::Model &model,
                  const CpuTarget &target, const PlanOptions &options,
                  mlir::ModuleOp kernels, CompiledPlan *plan, std::string *err);

/// What the plan builder knows of `target` (its ISA, vector width, GFNI,
/// AMX); tern-tune builds its candidates' parameters from the same.
codegen::PlanTarget planTargetOf(const CpuTarget &target);

} // namespace tern::cpu

#endif
