//===- ModelProcess.h - run a compiled model executable as a child -*- C++ -*-===//
//
// What tern-bench's end-to-end benchmarks and tern-tune's end-to-end
// confirmation share: the facts of an executable tern-compile wrote (read
// from EXE.tpack next to it), one run of it as a subprocess (stdout to
// /dev/null, stderr captured, the child's peak RSS sampled), and the tok/s
// of its timing line "prefill N tokens in X ms (Y tok/s), decode ...".
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_COMMON_MODELPROCESS_H
#define TERN_TOOLS_COMMON_MODELPROCESS_H

#include <cstdint>
#include <string>
#include <vector>

namespace tern::tools {

struct ModelExe {
  std::string exe;
  /// Bytes streamed per decode token: the weights of the steps over output
  /// rows or heads (matmuls, the head), not the embedding rows gathered.
  double streamedBytes = 0;
  int32_t vocab = 0, maxContext = 0;
};

/// Reads vocab, context and streamed bytes from EXE.tpack; false and a
/// message naming the file when EXE or its pack is missing or not tern's.
bool readModelExe(const std::string &exe, ModelExe *m, std::string *err);

/// The command lines of the two runs measured: a decode of `nDecode` tokens
/// after a 3-token prompt, and a prefill of `tokens` tokens (both clamped
/// to the model's context).
std::vector<std::string> decodeCommand(const ModelExe &m, int nDecode, int threads);
std::vector<std::string> prefillCommand(const ModelExe &m, int tokens, int threads);

struct ChildRun {
  bool ok = false;
  std::string err;    ///< the child's stderr, plus how it failed
  double seconds = 0; ///< wall time
  double maxRssMB = 0;
};

/// Runs argv (argv[0] a path) with stdout to /dev/null, stderr captured.
ChildRun runChild(const std::vector<std::string> &argv);

/// The tok/s after `key` ("prefill " or "decode ") in the child's timing
/// line; false when it printed none.
bool parseRate(const std::string &err, const char *key, double *tokPerSec);

} // namespace tern::tools

#endif
