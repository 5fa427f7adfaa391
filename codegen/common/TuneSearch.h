//===- TuneSearch.h - the tuner's search over one kernel's schedule space -*- C++ -*-===//
//
// Target-neutral: given a schedule space (ScheduleSpace.h) and a measurer
// (which compiles and times one schedule of one kernel, however the
// target does it), finds the schedule to keep, the way a noisy machine
// needs:
//   1. the default first: it sets the timeouts (timeoutFactor x its time)
//      and is the baseline; if it fails, nothing is tuned;
//   2. then candidates ranked by the target's analytic model (bytes moved,
//      registers, vector width: lower estimate first), then the rest of the
//      grid (or a seeded random sample of it), until the exploration budget
//      is spent; schedules whose code is identical (Measurer::codeKey) are
//      measured once;
//   3. a crash, a hang (timeout), a compile failure or a wrong result is
//      that candidate's failure, recorded, and the search goes on;
//   4. the best few are re-measured in rounds interleaved with the default,
//      in mirrored order (default, f1, f2; then f2, f1, default; ...), so
//      that drift over the rounds hits them alike;
//   5. the winner is chosen on the final rounds' samples alone, and must
//      beat the default's by more than the spread measured: its p80 below
//      the default's p20; otherwise the default is kept and the result says
//      the difference was not resolvable. Exploration samples only pick
//      the finalists: on a machine whose speed drifts over seconds (a
//      shared VM), the best of many one-off measurements is mostly the one
//      that ran in a fast moment, and a one-off against a default timed
//      seconds earlier decides nothing.
// A measurement (or a final round) that would not fit in what is left of
// the budget, judged by the measurements' typical wall time so far, is not
// started, and exploration stops early enough to leave `minRounds` final
// rounds room. The clock is a parameter so that tests run on a fake one.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_TUNESEARCH_H
#define TERN_CODEGEN_COMMON_TUNESEARCH_H

#include "codegen/common/ScheduleSpace.h"
#include "runtime/common/Spread.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tern::tune {

/// kRejected: it ran correctly but a measurer's rule rules it out (a
/// weight layout that loses decode or prefill beyond the spread).
enum class Failure { kNone, kCompile, kCrash, kTimeout, kWrongResult, kRejected };
/// "", "compile", "crash", "timeout", "wrong result", "rejected"
const char *failureName(Failure f);

/// One measurement of one schedule: samples in seconds, or why none.
struct Measurement {
  Failure failure = Failure::kNone;
  std::string detail; ///< the compiler's or the checker's message
  std::vector<double> seconds;
};

using tern::Spread; // runtime/common/Spread.h
using tern::spreadOf;

class Measurer {
public:
  virtual ~Measurer();
  /// Compiles and runs `s`, checks its output against the reference and
  /// times it; `timeoutSeconds` (0: none) bounds the whole run.
  virtual Measurement measure(const sched::Schedule &s, double timeoutSeconds) = 0;
  /// A key equal for schedules that give identical code ("" : unknown, so
  /// every schedule is measured).
  virtual std::string codeKey(const sched::Schedule &s);
};

/// "<prefetch = 4, tile_n = 1>": a schedule as the tuner's messages and
/// reports write it.
std::string showSchedule(const sched::Schedule &s);

struct Candidate {
  sched::Schedule schedule;
  std::string origin; ///< "default", "model", "grid", "random"
  Measurement m;      ///< every sample, exploration and final rounds
  std::string sameCodeAs; ///< measured as this candidate's code (codeKey)
  std::vector<double> rounds; ///< the final rounds' samples alone
  Spread spread() const { return spreadOf(m.seconds); }
  Spread roundSpread() const { return spreadOf(rounds); }
};

struct SearchOptions {
  double budgetSeconds = 60; ///< exploration and final rounds together
  /// The most of the budget exploration may take; it stops sooner where
  /// `minRounds` final rounds would not fit after it.
  double explore = 0.7;
  size_t maxGrid = 256;     ///< a larger grid is sampled at random
  uint64_t seed = 1;
  size_t finalists = 2;
  int rounds = 3;    ///< final rounds at most; 0: decide on exploration samples
  int minRounds = 2; ///< final rounds that exploration leaves room for
  double timeoutFactor = 4; ///< x the default's median
  double minTimeout = 1;    ///< seconds
  /// The analytic estimate of a schedule (lower first); null: grid order.
  std::function<double(const sched::Schedule &)> model;
  /// Seconds since some start; null: a steady clock.
  std::function<double()> clock;
};

struct SearchResult {
  sched::Schedule best;   ///< the default unless a winner beat it
  bool defaultKept = true;
  std::string why;        ///< why the default was kept, or what won by how much
  std::vector<Candidate> tried; ///< [0] is the default
  size_t measured = 0;    ///< distinct codes measured
  bool budgetExhausted = false;
  int roundsRun = 0;      ///< final rounds completed
  /// The spreads the decision was made on: the final rounds' samples.
  Spread bestSpread, defaultSpread;
};

/// Every schedule of `space`, the default first, in grid order.
std::vector<sched::Schedule> enumerate(const sched::Space &space);

SearchResult search(const sched::Space &space, Measurer &m, const SearchOptions &o);

} // namespace tern::tune

#endif
