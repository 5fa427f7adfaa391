//===- ReadBandwidth.h - this machine's streaming read bandwidth -*- C++ -*-===//
//
// The roof a decode runs under: GB/s of a parallel streaming sum over a
// 768 MiB buffer (far above any last-level cache), best of 4 after a
// warm-up. tern-bench quotes every kernel against it; tern-tune quotes the
// end-to-end decode against it (tok/s x bytes streamed per token / it).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_COMMON_READBANDWIDTH_H
#define TERN_TOOLS_COMMON_READBANDWIDTH_H

#include <cstdint>

namespace tern::tools {

/// Sum of p[0, n) with 8 independent chains (one streaming read).
int64_t sumRange(const int64_t *p, int64_t n);

/// GB/s with `threads` threads, each summing one contiguous slice of a
/// buffer it allocates, touches and frees; 0 when it cannot allocate.
double measureReadBandwidth(int threads);

} // namespace tern::tools

#endif
