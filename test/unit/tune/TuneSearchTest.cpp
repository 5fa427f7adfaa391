//===- TuneSearchTest.cpp - the tuner's search, on known cost surfaces ----===//
//
// Deterministic: a fake measurer over a known cost surface on a fake clock
// (each measurement advances it by the time it reports, as a real one
// would take). The search finds the optimum, respects its budget, measures
// identical code once, records planted crashing, hanging and wrong-result
// candidates as failures while the run completes, keeps the default when
// the difference is inside the noise (and says when it is slower beyond
// it), decides on the final rounds alone (a fast first look or a drifting
// machine makes no winner, and exploration leaves the rounds room), and
// tunes nothing when the default itself fails.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/TuneSearch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

using namespace tern;
using namespace tern::tune;

namespace {

sched::Space space2d() {
  sched::Space s;
  s.target = "test";
  s.knobs = {{"a", {"1", "2", "3", "4", "5", "6", "7", "8"}, "1", "a"},
             {"b", {"1", "2", "4"}, "1", "b"}};
  return s;
}

int64_t knob(const sched::Schedule &s, const char *k) { return std::stoll(s.at(k)); }

/// Cost in seconds; every call samples it 5 times (with noise, if any) and
/// advances the fake clock by their sum plus `overhead`.
class FakeMeasurer : public Measurer {
public:
  std::function<double(const sched::Schedule &)> cost;
  std::function<Failure(const sched::Schedule &)> fails = [](const sched::Schedule &) {
    return Failure::kNone;
  };
  std::function<std::string(const sched::Schedule &)> key;
  double noise = 0, overhead = 0.01, now = 0;
  int calls = 0;
  std::mt19937 rng{7};

  Measurement measure(const sched::Schedule &s, double timeout) override {
    ++calls;
    Measurement m;
    m.failure = fails(s);
    if (m.failure == Failure::kTimeout) {
      now += timeout; // a hang costs exactly the timeout
      m.detail = "killed after the timeout";
      return m;
    }
    now += overhead;
    if (m.failure != Failure::kNone) {
      m.detail = "planted";
      return m;
    }
    std::normal_distribution<double> n(0, noise);
    for (int i = 0; i < 5; ++i) {
      double t = cost(s) * (1 + n(rng));
      m.seconds.push_back(t);
      now += t;
    }
    return m;
  }
  std::string codeKey(const sched::Schedule &s) override { return key ? key(s) : ""; }
};

SearchOptions opts(FakeMeasurer &f, double budget) {
  SearchOptions o;
  o.budgetSeconds = budget;
  o.clock = [&f] { return f.now; };
  return o;
}

// A bowl with its minimum at a = 5, b = 2: 10 us there, 10x at worst.
double bowl(const sched::Schedule &s) {
  const double a = double(knob(s, "a")), b = double(knob(s, "b"));
  return 1e-5 * (1 + (a - 5) * (a - 5) + (b - 2) * (b - 2));
}

TEST(TuneSearch, EnumeratesTheGridDefaultFirst) {
  std::vector<sched::Schedule> all = enumerate(space2d());
  ASSERT_EQ(all.size(), 24u);
  EXPECT_EQ(all[0], (sched::Schedule{{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(std::count(all.begin(), all.end(), all[0]), 1);
}

TEST(TuneSearch, FindsTheOptimumOfAKnownSurface) {
  FakeMeasurer f;
  f.cost = bowl;
  SearchResult r = search(space2d(), f, opts(f, 10));
  EXPECT_FALSE(r.defaultKept) << r.why;
  EXPECT_EQ(r.best, (sched::Schedule{{"a", "5"}, {"b", "2"}})) << r.why;
  EXPECT_EQ(r.tried.size(), 24u);
  EXPECT_FALSE(r.budgetExhausted);
  EXPECT_NEAR(r.bestSpread.median, 1e-5, 1e-12);
  EXPECT_NE(r.why.find("x the default"), std::string::npos) << r.why;
}

TEST(TuneSearch, RespectsTheBudgetAndRanksByTheModel) {
  FakeMeasurer f;
  f.cost = bowl;
  f.overhead = 1; // each measurement takes about a second
  SearchOptions o = opts(f, 10);
  // The model knows the surface: the optimum is measured first.
  o.model = bowl;
  SearchResult r = search(space2d(), f, o);
  EXPECT_TRUE(r.budgetExhausted);
  EXPECT_LE(f.now, o.budgetSeconds) << "nothing is started that would not fit";
  EXPECT_LT(r.tried.size(), 24u);
  EXPECT_EQ(r.tried[1].origin, "model");
  EXPECT_EQ(r.best, (sched::Schedule{{"a", "5"}, {"b", "2"}})) << r.why;
}

// With a second per measurement and 10 s, the old split (exploration up to
// 0.7 of the budget) left no room for a final round, so the winner was
// decided on one-off samples taken at different times. Exploration now
// stops where two rounds of the default and both finalists still fit.
TEST(TuneSearch, ExplorationLeavesRoomForTheFinalRounds) {
  FakeMeasurer f;
  f.cost = bowl;
  f.overhead = 1;
  SearchOptions o = opts(f, 10);
  SearchResult r = search(space2d(), f, o);
  EXPECT_EQ(r.roundsRun, 2) << r.why;
  EXPECT_EQ(r.tried[0].rounds.size(), 10u) << "the default is re-measured in every round";
  EXPECT_LE(f.now, o.budgetSeconds);
  EXPECT_NE(r.why.find("over 2 interleaved rounds"), std::string::npos) << r.why;
  // The decision's spreads are the rounds' (same time windows), not the
  // exploration's.
  EXPECT_EQ(r.defaultSpread.median, spreadOf(r.tried[0].rounds).median);
  ASSERT_FALSE(r.defaultKept) << r.why;
  for (const Candidate &c : r.tried)
    if (c.schedule == r.best)
      EXPECT_EQ(r.bestSpread.median, spreadOf(c.rounds).median) << r.why;
}

// A candidate that was measured once in a fast moment of the machine (its
// first measurement planted at half the time), and is as fast as the
// default ever after, is not a winner: the final rounds decide.
TEST(TuneSearch, AFastFirstLookIsNotAWinner) {
  const sched::Schedule lucky{{"a", "2"}, {"b", "1"}};
  for (double overhead : {0.01, 1.0}) {
    FakeMeasurer f;
    f.overhead = overhead;
    int seen = 0;
    f.cost = [&](const sched::Schedule &s) {
      return s == lucky && seen++ < 5 ? 0.5e-5 : 1e-5;
    };
    SearchOptions o = opts(f, overhead > 0.5 ? 10 : 100);
    o.model = [&](const sched::Schedule &s) { return s == lucky ? 0.0 : 1.0; };
    SearchResult r = search(space2d(), f, o);
    EXPECT_TRUE(r.defaultKept) << "overhead " << overhead << ": " << r.why;
    EXPECT_GE(r.roundsRun, 1) << r.why;
    EXPECT_NE(r.why.find("not resolvable"), std::string::npos) << r.why;
  }
}

// The machine speeds up steadily while every schedule costs the same: the
// candidates measured later look faster than the default measured first,
// but the mirrored rounds give the default the late slots too.
TEST(TuneSearch, DriftOverTimeMakesNoWinner) {
  FakeMeasurer f;
  f.cost = [&f](const sched::Schedule &) { return 1e-3 * (2.0 - f.now); };
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_TRUE(r.defaultKept) << r.why;
  EXPECT_EQ(r.roundsRun, 3) << r.why;
}

// Without final rounds (a GPU run that timed each candidate once), the
// exploration samples decide.
TEST(TuneSearch, NoFinalRoundsDecidesOnExploration) {
  FakeMeasurer f;
  f.cost = bowl;
  SearchOptions o = opts(f, 10);
  o.rounds = 0;
  SearchResult r = search(space2d(), f, o);
  EXPECT_EQ(r.roundsRun, 0);
  EXPECT_FALSE(r.defaultKept) << r.why;
  EXPECT_EQ(r.best, (sched::Schedule{{"a", "5"}, {"b", "2"}})) << r.why;
  EXPECT_EQ(r.why.find("interleaved"), std::string::npos) << r.why;
}

TEST(TuneSearch, IdenticalCodeIsMeasuredOnce) {
  FakeMeasurer f;
  f.cost = bowl;
  // b changes nothing: 8 distinct codes among 24 schedules.
  f.key = [](const sched::Schedule &s) { return s.at("a"); };
  f.cost = [](const sched::Schedule &s) { return 1e-5 * (1 + std::abs(knob(s, "a") - 5.0)); };
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_EQ(r.measured, 8u);
  size_t same = 0;
  for (const Candidate &c : r.tried)
    same += !c.sameCodeAs.empty();
  EXPECT_EQ(same, 16u);
  EXPECT_EQ(r.best.at("a"), "5");
}

TEST(TuneSearch, FailuresAreRecordedAndTheRunCompletes) {
  FakeMeasurer f;
  f.cost = bowl;
  // The optimum crashes, its neighbours hang and compute garbage, one does
  // not compile: the best that works is (4, 2) or (6, 2).
  f.fails = [](const sched::Schedule &s) {
    const int64_t a = knob(s, "a"), b = knob(s, "b");
    if (a == 5 && b == 2)
      return Failure::kCrash;
    if (a == 5 && b == 1)
      return Failure::kTimeout;
    if (a == 5 && b == 4)
      return Failure::kWrongResult;
    if (a == 3 && b == 2)
      return Failure::kCompile;
    return Failure::kNone;
  };
  SearchResult r = search(space2d(), f, opts(f, 100));
  std::map<Failure, int> seen;
  for (const Candidate &c : r.tried)
    seen[c.m.failure]++;
  EXPECT_EQ(seen[Failure::kCrash], 1);
  EXPECT_EQ(seen[Failure::kTimeout], 1);
  EXPECT_EQ(seen[Failure::kWrongResult], 1);
  EXPECT_EQ(seen[Failure::kCompile], 1);
  EXPECT_EQ(r.tried.size(), 24u) << "the run went on past the failures";
  EXPECT_FALSE(r.defaultKept);
  EXPECT_EQ(r.best.at("b"), "2");
  EXPECT_TRUE(r.best.at("a") == "4" || r.best.at("a") == "6") << r.why;
  // The hang cost its timeout: the default's 4x, at least 1 s.
  EXPECT_GE(f.now, 1.0);
}

// Every other schedule is ruled out by the measurer (a layout that loses
// prefill) or fails: the default stays, and the reason counts the
// rejections and names the last rejected schedule and why (not the last
// candidate's failure, whatever it was).
TEST(TuneSearch, RejectedCandidatesKeepTheDefaultAndSaySo) {
  FakeMeasurer f;
  f.cost = bowl;
  f.fails = [](const sched::Schedule &s) {
    return knob(s, "a") == 1 && knob(s, "b") == 1 ? Failure::kNone
           : knob(s, "a") == 8                      ? Failure::kTimeout
                                                    : Failure::kRejected;
  };
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_TRUE(r.defaultKept);
  EXPECT_EQ(r.best.at("a"), "1");
  const Candidate *last = nullptr;
  size_t rejected = 0;
  for (const Candidate &c : r.tried)
    if (c.m.failure == Failure::kRejected)
      last = &c, ++rejected;
  ASSERT_TRUE(last);
  EXPECT_NE(r.why.find("(" + std::to_string(rejected) + " rejected; the last, " +
                       showSchedule(last->schedule) + ": planted): the default is kept"),
            std::string::npos)
      << r.why;
  EXPECT_EQ(std::string(failureName(Failure::kRejected)), "rejected");
}

TEST(TuneSearch, NoiseWiderThanTheDifferenceKeepsTheDefault) {
  FakeMeasurer f;
  // Every schedule within 1 % of the others, 10 % noise.
  f.cost = [](const sched::Schedule &s) { return 1e-5 * (1 - 0.001 * double(knob(s, "a"))); };
  f.noise = 0.10;
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_TRUE(r.defaultKept) << r.why;
  EXPECT_EQ(r.best, space2d().defaults());
  EXPECT_NE(r.why.find("not resolvable"), std::string::npos) << r.why;
}

// When the default is the optimum (a = 1, b = 1 here), every other
// schedule is slower beyond the spread: the record says so, not "not
// resolvable".
TEST(TuneSearch, ADefaultFasterBeyondTheSpreadIsSaidToBe) {
  FakeMeasurer f;
  f.cost = [](const sched::Schedule &s) {
    return 1e-5 * (1 + double(knob(s, "a") - 1) + double(knob(s, "b") - 1));
  };
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_TRUE(r.defaultKept) << r.why;
  EXPECT_NE(r.why.find("every other schedule is slower: the best, "), std::string::npos) << r.why;
  EXPECT_NE(r.why.find("x the default's"), std::string::npos) << r.why;
  EXPECT_EQ(r.why.find("not resolvable"), std::string::npos) << r.why;
}

TEST(TuneSearch, ADefaultThatFailsTunesNothing) {
  FakeMeasurer f;
  f.cost = bowl;
  f.fails = [](const sched::Schedule &s) {
    return knob(s, "a") == 1 && knob(s, "b") == 1 ? Failure::kCrash : Failure::kNone;
  };
  SearchResult r = search(space2d(), f, opts(f, 100));
  EXPECT_TRUE(r.defaultKept);
  EXPECT_EQ(f.calls, 1);
  EXPECT_NE(r.why.find("the default schedule failed (crash"), std::string::npos) << r.why;
}

TEST(TuneSearch, ALargeGridIsSampledDeterministically) {
  sched::Space s;
  s.target = "test";
  for (const char *k : {"a", "b", "c", "d"})
    s.knobs.push_back({k, {"1", "2", "3", "4", "5", "6"}, "1", k}); // 1296 points
  FakeMeasurer f1, f2;
  f1.cost = f2.cost = [](const sched::Schedule &x) {
    double c = 1;
    for (const auto &[k, v] : x)
      c += std::abs(std::stod(v) - 3);
    return 1e-6 * c;
  };
  SearchOptions o1 = opts(f1, 1000), o2 = opts(f2, 1000);
  o1.maxGrid = o2.maxGrid = 50;
  SearchResult a = search(s, f1, o1), b = search(s, f2, o2);
  EXPECT_EQ(a.tried.size(), 51u);
  EXPECT_EQ(a.tried[1].origin, "random");
  EXPECT_EQ(a.best, b.best) << "the same seed samples the same points";
}

} // namespace
