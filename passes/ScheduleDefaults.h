//===- ScheduleDefaults.h - per-target default #tern.schedule ---*- C++ -*-===//
//
// The table of default kernel schedules per CPU target that
// --tern-attach-schedule{target=...} applies. Target names are those of the
// CPU code generator (generic, x86-64-v3, x86-avx512-vnni, aarch64-dotprod,
// aarch64-i8mm, host); this file has no codegen dependency.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_SCHEDULEDEFAULTS_H
#define TERN_PASSES_SCHEDULEDEFAULTS_H

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

/// The concrete target "host" stands for on this machine: x86-avx512-vnni on
/// x86 with AVX-512 VNNI, BW and VL; x86-64-v3 on x86 with AVX2; else generic.
std::string detectHostTarget();

/// The default schedule of an op of kind `opKind` ("ternary_matmul" or
/// "bitlinear") computing N = `n` output rows from K = `k` inputs, on
/// `target` ("host" is resolved with detectHostTarget()). Null for an
/// unknown target.
ScheduleAttr defaultSchedule(MLIRContext *ctx, llvm::StringRef target,
                             llvm::StringRef opKind, int64_t n, int64_t k);

} // namespace mlir::tern

#endif
