//===- GpuTarget.cpp - the NVIDIA GPU targets tern compiles for -----------===//
#include "codegen/nvptx/GpuTarget.h"

#include <cctype>

namespace tern::nvptx {

bool isGpuTargetName(const std::string &name) {
  if (name.size() < 4 || name.compare(0, 3, "sm_") != 0)
    return false;
  const size_t digits = name.back() == 'a' ? name.size() - 1 : name.size();
  if (digits < 4)
    return false;
  for (size_t i = 3; i < digits; ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
      return false;
  return true;
}

bool resolveGpuTarget(const std::string &name, GpuTarget *out, std::string *err) {
  const bool archSpecific = !name.empty() && name.back() == 'a';
  if (!isGpuTargetName(name) || name.size() > (archSpecific ? 7u : 6u)) {
    *err = "unknown GPU target '" + name + "' (expected sm_80, sm_90, sm_90a, ...)";
    return false;
  }
  int sm = std::stoi(name.substr(3));
  if (sm < 80) {
    *err = "GPU target " + name + " is too old: tern's GPU kernels need sm_80 "
           "or newer (dp4a, PTX ISA 8.0)";
    return false;
  }
  out->name = name;
  out->chip = name;
  out->features = "+ptx80";
  out->sm = sm;
  out->archSpecific = archSpecific;
  return true;
}

} // namespace tern::nvptx
