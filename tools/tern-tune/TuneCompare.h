//===- TuneCompare.h - is a second tuning run's choice the first's? -*- C++ -*-===//
//
// tern-tune --compare A,B: stability. For every kernel both databases
// tuned (same target, kind, shape, layout, threads and token bucket), it
// says whether the two runs chose the same schedule, whether the chosen
// schedules' measured speeds agree within their spreads (the p20-p80
// intervals overlap, the rule the search itself uses), and, where the
// choices differ, whether the first run could tell its choice from the
// second's at all ("not resolvable"). A default that moved between the
// runs beyond its spread means the machine's speed changed (a VM does,
// 13-31 % between two runs on one Zen 5 VM): it says so, and compares the
// second run's times scaled by the two defaults, i.e. the gains.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_TUNECOMPARE_H
#define TERN_TOOLS_TERN_TUNE_TUNECOMPARE_H

#include "codegen/common/TuneRecord.pb.h"

#include <string>

namespace tern::tune {

struct CompareSummary {
  int both = 0;       ///< kernels in both databases
  int same = 0;       ///< of them, the same schedule chosen
  int agree = 0;      ///< the chosen schedules' speeds agree within the spread
  int onlyOne = 0;    ///< kernels in one database only
  int machineMoved = 0; ///< the default moved beyond its spread: compared scaled
};

/// One line per kernel in both, then a summary line.
std::string compareDbs(const Database &first, const Database &second, CompareSummary *summary);

} // namespace tern::tune

#endif
