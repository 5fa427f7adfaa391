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
  bool isX86() const;
  bool isAArch64() const;
};

/// The targets `--target=` accepts, "host" first.
std::vector<std::string> cpuTargetNames();

/// Resolves a target name ("host" detects this machine's CPU and picks the
/// best family it supports). Returns false with a message listing the valid
/// names for an unknown one.
bool resolveCpuTarget(const std::string &name, CpuTarget *out, std::string *err);

const char *dotIsaName(DotIsa isa);

} // namespace tern::cpu

#endif
