//===- CpuTarget.h - the CPU targets tern compiles for ----------*- C++ -*-===//
//
// A target names an instruction set family, the LLVM triple/CPU/features that
// generate it, and the int8 dot-product idiom its ternary kernels use. The
// names are what `tern-compile --target=` accepts.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_CPUTARGET_H
#define TERN_CODEGEN_CPU_CPUTARGET_H

#include "codegen/common/KernelParams.h"

#include <string>
#include <vector>

namespace tern::cpu {

using codegen::DotIsa; // codegen/common/KernelParams.h

struct CpuTarget {
  std::string name;     ///< tern's name: host, x86-64-v3, x86-avx512-vnni, ...
  std::string triple;   ///< LLVM target triple
  std::string cpu;      ///< LLVM CPU name
  std::string features; ///< LLVM feature string (+a,+b)
  DotIsa isa = DotIsa::Generic;
  /// Bytes of packed codes one kernel step loads per row (the layout's block):
  /// 64 on AVX-512, 32 on AVX2, 16 on NEON.
  int vector_bytes = 16;
  /// x86 with GFNI (Ice Lake, Zen 4 and later): the 2-bit kernels unpack
  /// weights with vgf2p8affineqb. Detected on "host"; `--mattr=+gfni` adds it
  /// to a named target.
  bool gfni = false;
  /// x86 with AMX-INT8 (Sapphire Rapids and later; the "x86-amx" target, or
  /// `--mattr=+amx-tile,+amx-int8`): the i2lane prefill may run its tiles of
  /// 16 tokens on tdpbssd (schedule `isa = "amx"`).
  bool amx = false;
  bool isX86() const;
  bool isAArch64() const;
  /// Whether the feature string enables `feature` (the last +f / -f wins).
  bool hasFeature(const std::string &feature) const;
};

/// The targets `--target=` accepts, "host" first.
std::vector<std::string> cpuTargetNames();

/// Resolves a target name ("host" detects this machine's CPU and picks the
/// best family it supports). Returns false with a message listing the valid
/// names for an unknown one.
bool resolveCpuTarget(const std::string &name, CpuTarget *out, std::string *err);

/// Adds LLVM features (`+gfni,-avx512vnni`, as llc's -mattr) to a resolved
/// target and updates what tern derives from them (gfni). Returns false with
/// a message for a malformed list or one that removes the target's own
/// dot-product instructions.
bool applyFeatures(const std::string &mattr, CpuTarget *target, std::string *err);

const char *dotIsaName(DotIsa isa);

} // namespace tern::cpu

#endif
