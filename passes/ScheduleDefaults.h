//===- ScheduleDefaults.h - per-target default #tern.schedule ---*- C++ -*-===//
//
// The default kernel schedules that --tern-attach-schedule{target=...}
// applies, read off each target's schedule space
// (codegen/common/ScheduleSpace.h: the targets declare them in their
// folders), and the conversions between #tern.schedule and the space's
// knob map. Target names: generic, x86-64-v3, x86-avx512-vnni, x86-amx,
// aarch64-dotprod, aarch64-i8mm, sm_80, sm_90, sm_90a, host.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_SCHEDULEDEFAULTS_H
#define TERN_PASSES_SCHEDULEDEFAULTS_H

#include "codegen/common/ScheduleSpace.h"
#include "dialect/TernAttrs.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace mlir::tern {

/// Every target name the table knows, "host" included, in a fixed order.
llvm::ArrayRef<llvm::StringRef> knownTargets();

/// knownTargets() joined with ", " (for error messages); without "host"
/// when `withHost` is false.
std::string knownTargetList(bool withHost = true);

/// True for the names in knownTargets().
bool isKnownTarget(llvm::StringRef target);

/// The concrete target "host" stands for on this machine: x86-amx on x86
/// with AVX-512 VNNI, BW, VL and AMX-INT8 (AMX-TILE); x86-avx512-vnni on
/// x86 with AVX-512 VNNI, BW and VL; x86-64-v3 on x86 with AVX2; else generic.
std::string detectHostTarget();

/// The default schedule of an op of kind `opKind` ("ternary_matmul" or
/// "bitlinear") computing N = `n` output rows from K = `k` inputs, on
/// `target` ("host" is resolved with detectHostTarget()). Null for an
/// unknown target.
ScheduleAttr defaultSchedule(MLIRContext *ctx, llvm::StringRef target,
                             llvm::StringRef opKind, int64_t n, int64_t k);

/// The schedule space of `target` for an op of `opKind` at N x K; false
/// for an unknown target.
bool scheduleSpace(llvm::StringRef target, llvm::StringRef opKind, int64_t n, int64_t k,
                   ::tern::sched::Space *space);

/// #tern.schedule <-> the space's knob map (0 / "" knobs are absent).
ScheduleAttr scheduleFromKnobs(MLIRContext *ctx, const ::tern::sched::Schedule &s);
::tern::sched::Schedule knobsOf(ScheduleAttr s);

} // namespace mlir::tern

#endif
