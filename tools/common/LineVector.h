//===- LineVector.h - cache-line aligned vectors for kernel inputs -*- C++ -*-===//
//
// The runtime allocates every activation buffer 64-byte aligned, so the
// kernels are measured on such buffers too: an AMX tile row (64 bytes) of
// an unaligned buffer straddles two cache lines, and the GEMM's speed then
// varied 1.5x from run to run with wherever malloc put it (tern-bench,
// stop 33).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_COMMON_LINEVECTOR_H
#define TERN_TOOLS_COMMON_LINEVECTOR_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace tern::tools {

template <class T> struct LineAllocator {
  using value_type = T;
  static constexpr size_t kLine = 64;
  LineAllocator() = default;
  template <class U> LineAllocator(const LineAllocator<U> &) {}
  T *allocate(size_t n) {
    void *p = std::aligned_alloc(kLine, (n * sizeof(T) + kLine - 1) / kLine * kLine);
    if (!p) { // built without exceptions: out of memory ends the tool
      std::fprintf(stderr, "error: out of memory (%zu bytes)\n", n * sizeof(T));
      std::abort();
    }
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <class U> bool operator==(const LineAllocator<U> &) const { return true; }
};

/// A std::vector whose data() is 64-byte aligned.
template <class T> using LineVector = std::vector<T, LineAllocator<T>>;

} // namespace tern::tools

#endif // TERN_TOOLS_COMMON_LINEVECTOR_H
