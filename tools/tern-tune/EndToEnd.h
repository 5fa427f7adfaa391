//===- EndToEnd.h - tern-tune's confirmation on the whole model -*- C++ -*-===//
//
// After the search, the model is compiled twice, with the target's
// defaults (--tune-db=none) and with the records just made (--tune-db=DB),
// and both executables run in interleaved rounds (A B, B A, ...): a decode
// of --confirm-decode tokens and a prefill of --prefill-tokens tokens each
// round, at --threads threads. Reported: the median tok/s with p20/p80 of
// each, the ratio, whether it is beyond the spread, and the decode's share
// of the roofline (tok/s x the bytes streamed per token / the read
// bandwidth measured in the same run).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_ENDTOEND_H
#define TERN_TOOLS_TERN_TUNE_ENDTOEND_H

#include "codegen/common/TuneSearch.h"

#include <string>
#include <vector>

namespace tern::tune {

struct EndToEndOptions {
  std::string compiler; ///< tern-compile
  std::string model, target, tuneDb, dir;
  int threads = 1, prefillTokens = 128, decodeTokens = 32, rounds = 5;
  /// After the third round, a round runs only if it would end within this
  /// many seconds of the start (builds included); 0: all rounds.
  double seconds = 0;
  bool quiet = false;
  /// The default build is already in `dir` (an earlier call, other
  /// threads); the tuned one is built for `threads` each time.
  bool reuseBuilds = false;
  /// Given to both builds: tern-tune's pinned layout (--layout i2x2 ->
  /// --layout=i2 --interleave=2), so that the records apply.
  std::vector<std::string> flags;
};

struct Rates {
  std::vector<double> tokPerSec;
  Spread spread() const { return spreadOf(tokPerSec); }
};

struct EndToEndResult {
  bool identical = false; ///< the two builds are the same file: nothing run
  int rounds = 0;
  Rates decode[2], prefill[2]; ///< [0] default, [1] tuned
  double readGBs = 0, streamedBytes = 0;
};

/// The tuned build's p80 under the default's p20 (rates: higher is better):
/// a loss no noise of this run explains. rs[0] default, rs[1] tuned.
bool lossBeyondSpread(const Rates rs[2]);

/// False and a message when a build or a run fails.
bool confirmEndToEnd(const EndToEndOptions &o, EndToEndResult *r, std::string *err);

/// The report, one line per bucket.
std::string describe(const EndToEndOptions &o, const EndToEndResult &r);

} // namespace tern::tune

#endif
