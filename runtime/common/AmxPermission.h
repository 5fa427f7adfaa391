//===- AmxPermission.h - ask Linux for the AMX tile state -------*- C++ -*-===//
//
// Linux hands a process the 8 KB AMX tile state (XTILEDATA) only after it
// asks for it once (arch_prctl ARCH_REQ_XCOMP_PERM, Linux 5.16+); until then
// the first tile instruction raises SIGILL. Kernels built for x86-amx, and
// every JIT that may emit them, ask here first. Header-only: the runtime and
// the compiler's JIT both include it.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_COMMON_AMXPERMISSION_H
#define TERN_RUNTIME_COMMON_AMXPERMISSION_H

#include <cerrno>
#include <cstring>
#include <string>

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace tern::rt {

/// Asks once per process; "" when the tile state may be used, else why not
/// (no AMX in this CPU or this kernel, or not Linux x86-64).
inline std::string requestAmxPermission() {
#if defined(__linux__) && defined(__x86_64__)
  static const std::string result = [] {
    constexpr long kArchReqXcompPerm = 0x1023;
    constexpr long kXfeatureXtiledata = 18;
    if (::syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0)
      return std::string();
    return std::string("arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) failed: ") +
           std::strerror(errno) + " (this CPU or Linux kernel offers no AMX)";
  }();
  return result;
#else
  return "AMX needs Linux on x86-64";
#endif
}

} // namespace tern::rt

#endif
