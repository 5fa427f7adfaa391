//===- CpuTarget.cpp - the CPU targets tern compiles for ------------------===//
#include "codegen/cpu/CpuTarget.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace tern::cpu {

bool CpuTarget::isX86() const { return llvm::Triple(triple).isX86(); }
bool CpuTarget::isAArch64() const { return llvm::Triple(triple).isAArch64(); }

bool CpuTarget::hasFeature(const std::string &feature) const {
  bool on = false;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(features).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef f : parts)
    if (f.drop_front() == feature)
      on = f.front() == '+';
  return on;
}

/// What tern reads of the feature string.
static void deriveFeatures(CpuTarget *t) {
  t->gfni = t->isX86() && (t->isa == DotIsa::Avx2 || t->isa == DotIsa::Avx512Vnni) &&
            t->hasFeature("gfni");
  t->amx = t->isX86() && t->isa == DotIsa::Avx512Vnni && t->hasFeature("amx-tile") &&
           t->hasFeature("amx-int8");
}

bool applyFeatures(const std::string &mattr, CpuTarget *t, std::string *err) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(mattr).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef f : parts) {
    if (f.size() < 2 || (f.front() != '+' && f.front() != '-')) {
      *err = "--mattr: '" + f.str() + "' is not +feature or -feature (e.g. +gfni)";
      return false;
    }
    t->features += (t->features.empty() ? "" : ",") + f.str();
  }
  const char *own = t->isa == DotIsa::Avx512Vnni ? "avx512vnni"
                    : t->isa == DotIsa::Avx2     ? "avx2"
                    : t->isa == DotIsa::NeonDot || t->isa == DotIsa::NeonI8mm ? "dotprod"
                                                                            : nullptr;
  if (own && mattr.find(std::string("-") + own) != std::string::npos) {
    *err = std::string("--mattr: target '") + t->name + "' is built on " + own +
           "; pick a target without it instead of removing it";
    return false;
  }
  deriveFeatures(t);
  return true;
}

std::vector<std::string> cpuTargetNames() {
  return {"host",    "generic",         "x86-64-v3",    "x86-avx512-vnni",
          "x86-amx", "aarch64-dotprod", "aarch64-i8mm"};
}

const char *dotIsaName(DotIsa isa) {
  switch (isa) {
  case DotIsa::Generic: return "generic";
  case DotIsa::Avx2: return "avx2";
  case DotIsa::Avx512Vnni: return "avx512-vnni";
  case DotIsa::NeonDot: return "neon-dotprod";
  case DotIsa::NeonI8mm: return "neon-i8mm";
  }
  return "?";
}

static CpuTarget make(std::string name, std::string triple, std::string cpu,
                      std::string features, DotIsa isa, int bytes) {
  CpuTarget t;
  t.name = std::move(name);
  t.triple = std::move(triple);
  t.cpu = std::move(cpu);
  t.features = std::move(features);
  t.isa = isa;
  t.vector_bytes = bytes;
  return t;
}

static const char *kX86 = "x86_64-unknown-linux-gnu";
static const char *kA64 = "aarch64-unknown-linux-gnu";

bool resolveCpuTarget(const std::string &name, CpuTarget *out,
                      std::string *err) {
  if (name == "x86-64-v3") {
    *out = make(name, kX86, "x86-64-v3", "", DotIsa::Avx2, 32);
    return true;
  }
  if (name == "x86-avx512-vnni") {
    // x86-64-v4 (AVX-512 F/BW/DQ/VL) plus VNNI: Cascade Lake and later.
    *out = make(name, kX86, "x86-64-v4", "+avx512vnni", DotIsa::Avx512Vnni, 64);
    return true;
  }
  if (name == "x86-amx") {
    // AVX-512 VNNI plus AMX-INT8 (and GFNI, which every AMX CPU has):
    // Sapphire Rapids and later. Prefill tiles of 16 tokens run on tdpbssd.
    *out = make(name, kX86, "x86-64-v4", "+avx512vnni,+gfni,+amx-tile,+amx-int8",
                DotIsa::Avx512Vnni, 64);
    deriveFeatures(out);
    return true;
  }
  if (name == "aarch64-dotprod") {
    *out = make(name, kA64, "generic", "+neon,+dotprod", DotIsa::NeonDot, 16);
    return true;
  }
  if (name == "aarch64-i8mm") {
    *out = make(name, kA64, "generic", "+neon,+dotprod,+i8mm", DotIsa::NeonI8mm, 16);
    return true;
  }
  if (name == "generic") {
    std::string triple = llvm::sys::getDefaultTargetTriple();
    *out = make(name, triple, "generic", "", DotIsa::Generic, 16);
    return true;
  }
  if (name == "host") {
    llvm::Triple triple(llvm::sys::getProcessTriple());
    llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
    auto has = [&](const char *k) { return f.lookup(k); };
    std::string features;
    for (auto &kv : f)
      if (kv.second)
        features += (features.empty() ? "+" : ",+") + kv.first().str();
    std::string cpu = llvm::sys::getHostCPUName().str();
    DotIsa isa = DotIsa::Generic;
    int bytes = 16;
    if (triple.isX86()) {
      if (has("avx512vnni") && has("avx512bw") && has("avx512vl"))
        isa = DotIsa::Avx512Vnni, bytes = 64;
      else if (has("avx2"))
        isa = DotIsa::Avx2, bytes = 32;
    } else if (triple.isAArch64()) {
      if (has("i8mm") && has("dotprod"))
        isa = DotIsa::NeonI8mm;
      else if (has("dotprod"))
        isa = DotIsa::NeonDot;
    }
    *out = make("host", triple.str(), cpu, features, isa, bytes);
    deriveFeatures(out);
    return true;
  }
  std::string names;
  for (const std::string &n : cpuTargetNames())
    names += (names.empty() ? "" : ", ") + n;
  *err = "unknown target '" + name + "' (valid: " + names + ")";
  return false;
}

} // namespace tern::cpu
