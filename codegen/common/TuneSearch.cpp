//===- TuneSearch.cpp - the tuner's search over one kernel's schedule space ===//
#include "codegen/common/TuneSearch.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

namespace tern::tune {

Measurer::~Measurer() = default;
std::string Measurer::codeKey(const sched::Schedule &) { return ""; }

const char *failureName(Failure f) {
  switch (f) {
  case Failure::kNone:
    return "";
  case Failure::kCompile:
    return "compile";
  case Failure::kCrash:
    return "crash";
  case Failure::kTimeout:
    return "timeout";
  case Failure::kWrongResult:
    return "wrong result";
  case Failure::kRejected:
    return "rejected";
  }
  return "?";
}


std::vector<sched::Schedule> enumerate(const sched::Space &space) {
  std::vector<sched::Schedule> out = {space.defaults()};
  std::vector<size_t> idx(space.knobs.size(), 0);
  while (true) {
    sched::Schedule s;
    for (size_t i = 0; i < idx.size(); ++i)
      s[space.knobs[i].name] = space.knobs[i].values[idx[i]];
    if (s != out[0])
      out.push_back(s);
    size_t i = 0;
    for (; i < idx.size(); ++i) {
      if (++idx[i] < space.knobs[i].values.size())
        break;
      idx[i] = 0;
    }
    if (i == idx.size())
      break;
  }
  return out;
}

std::string showSchedule(const sched::Schedule &s) {
  std::string out;
  for (const auto &[k, v] : s)
    out += (out.empty() ? "" : ", ") + k + " = " + v;
  return "<" + out + ">";
}

namespace {
/// "802.4 us [742.6, 811.1]": a spread as the result's why writes it.
std::string showSpread(const Spread &x) {
  std::ostringstream os;
  os << x.median * 1e6 << " us [" << x.p20 * 1e6 << ", " << x.p80 * 1e6 << "]";
  return os.str();
}
} // namespace

SearchResult search(const sched::Space &space, Measurer &m, const SearchOptions &o) {
  const auto start = std::chrono::steady_clock::now();
  std::function<double()> clock = o.clock ? o.clock : [start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double t0 = clock();
  auto elapsed = [&] { return clock() - t0; };
  SearchResult r;
  // Each measurement's wall time, to see whether the next one fits.
  double spent = 0;
  int calls = 0;
  auto timed = [&](const sched::Schedule &s, double timeout) {
    const double a = clock();
    Measurement x = m.measure(s, timeout);
    spent += clock() - a;
    ++calls;
    return x;
  };
  auto typical = [&] { return calls ? spent / calls : 0.0; };

  // 1. The default.
  std::vector<sched::Schedule> all = enumerate(space);
  Candidate def{all[0], "default", timed(all[0], 0), "", {}};
  r.tried.push_back(def);
  r.measured = 1;
  r.best = all[0];
  if (def.m.failure != Failure::kNone || def.m.seconds.empty()) {
    r.why = std::string("the default schedule failed (") + failureName(def.m.failure) +
            (def.m.detail.empty() ? "" : ": " + def.m.detail) + "): nothing tuned";
    return r;
  }
  const double timeout = std::max(o.minTimeout, o.timeoutFactor * def.spread().median);

  // 2. The order: the model's ranking, else the grid's; a large grid is
  //    sampled first.
  std::vector<sched::Schedule> rest(all.begin() + 1, all.end());
  std::mt19937_64 rng(o.seed);
  std::string origin = o.model ? "model" : "grid";
  if (rest.size() > o.maxGrid) {
    std::shuffle(rest.begin(), rest.end(), rng);
    rest.resize(o.maxGrid);
    origin = o.model ? "model" : "random";
  }
  if (o.model) {
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < rest.size(); ++i)
      ranked.push_back({o.model(rest[i]), i});
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<sched::Schedule> sorted;
    for (auto &[cost, i] : ranked)
      sorted.push_back(rest[i]);
    rest = sorted;
  }

  // 3. Explore within the budget; identical code is measured once.
  std::map<std::string, size_t> byCode;
  if (std::string k = m.codeKey(all[0]); !k.empty())
    byCode[k] = 0;
  // Exploration leaves room for `minRounds` rounds of the default and the
  // finalists (as many as have run correctly, and the next one), at the
  // typical measurement's wall time.
  const double reserveRounds = double(std::max(0, std::min(o.minRounds, o.rounds)));
  size_t good = 0; // distinct codes explored that ran correctly
  auto exploreLimit = [&] {
    const size_t finalists = std::min(o.finalists, good + 1);
    return std::min(o.explore * o.budgetSeconds,
                    o.budgetSeconds - typical() * double(1 + finalists) * reserveRounds);
  };
  for (const sched::Schedule &s : rest) {
    if (elapsed() + typical() > exploreLimit()) {
      r.budgetExhausted = true;
      break;
    }
    Candidate c{s, origin, {}, "", {}};
    const std::string key = m.codeKey(s);
    if (auto it = key.empty() ? byCode.end() : byCode.find(key); it != byCode.end()) {
      c.sameCodeAs = showSchedule(r.tried[it->second].schedule);
      c.m = r.tried[it->second].m;
    } else {
      c.m = timed(s, timeout);
      ++r.measured;
      good += c.m.failure == Failure::kNone && !c.m.seconds.empty();
      if (!key.empty())
        byCode[key] = r.tried.size();
    }
    r.tried.push_back(std::move(c));
  }

  // 4. Final rounds: the best few, interleaved with the default, in
  //    mirrored order every other round (D f1 f2, f2 f1 D, ...).
  std::vector<size_t> ok;
  for (size_t i = 1; i < r.tried.size(); ++i)
    if (r.tried[i].m.failure == Failure::kNone && !r.tried[i].m.seconds.empty() &&
        r.tried[i].sameCodeAs.empty())
      ok.push_back(i);
  std::sort(ok.begin(), ok.end(), [&](size_t a, size_t b) {
    return r.tried[a].spread().median < r.tried[b].spread().median;
  });
  if (ok.size() > o.finalists)
    ok.resize(o.finalists);
  for (int round = 0; round < o.rounds && !ok.empty(); ++round) {
    // A round that would not fit in the budget is not started.
    if (elapsed() + typical() * double(1 + ok.size()) > o.budgetSeconds) {
      r.budgetExhausted = true;
      break;
    }
    std::vector<size_t> order = {0};
    order.insert(order.end(), ok.begin(), ok.end());
    if (round % 2)
      std::reverse(order.begin(), order.end());
    for (size_t i : order) {
      Candidate &c = r.tried[i];
      if (c.m.failure != Failure::kNone)
        continue; // failed in an earlier round
      Measurement f = timed(c.schedule, timeout);
      if (f.failure != Failure::kNone) { // flaky: a failure now is a failure
        c.m.failure = f.failure;
        c.m.detail = f.detail + " (in a final round)";
        continue;
      }
      c.m.seconds.insert(c.m.seconds.end(), f.seconds.begin(), f.seconds.end());
      c.rounds.insert(c.rounds.end(), f.seconds.begin(), f.seconds.end());
    }
    ++r.roundsRun;
  }

  // 5. The winner beats the default beyond the spread of the final rounds,
  //    or the default stays. Without final rounds (o.rounds == 0) the
  //    exploration samples decide.
  const bool onRounds = o.rounds > 0;
  auto spreadFor = [&](const Candidate &c) { return onRounds ? c.roundSpread() : c.spread(); };
  std::ostringstream why;
  r.defaultSpread = spreadFor(r.tried[0]);
  r.bestSpread = r.defaultSpread;
  if (r.tried[0].m.failure != Failure::kNone) {
    // The default failed in a final round: it is flaky, and nothing else
    // can be judged against it.
    why << "the default schedule failed in a final round (" << r.tried[0].m.detail
        << "): the default is kept";
    r.why = why.str();
    return r;
  }
  const Candidate *best = nullptr;
  for (size_t i : ok)
    if (r.tried[i].m.failure == Failure::kNone &&
        (!best || spreadFor(r.tried[i]).median < spreadFor(*best).median))
      best = &r.tried[i];
  if (!best) {
    size_t rejected = 0;
    const Candidate *last = nullptr; // the last rejected one, named in the reason
    for (size_t i = 1; i < r.tried.size(); ++i)
      if (r.tried[i].m.failure == Failure::kRejected) {
        ++rejected;
        last = &r.tried[i];
      }
    if (r.tried.size() <= 1 && r.budgetExhausted)
      why << "the budget ran out after the default: the default is kept";
    else if (rejected > 0)
      why << "no other schedule ran correctly and passed the measurer's rules (" << rejected
          << " rejected; " << (rejected > 1 ? "the last, " : "") << showSchedule(last->schedule)
          << ": " << last->m.detail << "): the default is kept";
    else
      why << "no other schedule ran correctly: the default is kept";
  } else if (onRounds && r.roundsRun == 0) {
    const Spread b = best->spread(), d = r.tried[0].spread();
    why << "no interleaved round fit in the budget: the best explored, "
        << showSchedule(best->schedule) << " at " << b.median * 1e6 << " us against the default's "
        << d.median * 1e6 << " us measured at another time, is not resolvable; the default is kept";
  } else {
    const Spread b = spreadFor(*best), d = r.defaultSpread;
    const std::string over =
        onRounds ? " over " + std::to_string(r.roundsRun) + " interleaved rounds" : "";
    if (b.p80 < d.p20) {
      r.best = best->schedule;
      r.defaultKept = false;
      r.bestSpread = b;
      why << showSchedule(best->schedule) << " is " << d.median / b.median << "x the default ("
          << showSpread(b) << " vs " << showSpread(d) << over << ")";
    } else if (b.p20 > d.p80) { // every other candidate is slower, beyond the spread
      why << "every other schedule is slower: the best, " << showSchedule(best->schedule)
          << " at " << showSpread(b) << ", takes " << b.median / d.median << "x the default's "
          << showSpread(d) << over << " beyond the spread: the default is kept";
    } else {
      why << "the best, " << showSchedule(best->schedule) << " at " << showSpread(b)
          << ", does not beat the default's " << showSpread(d) << over
          << " beyond the spread: not resolvable, the default is kept";
    }
  }
  r.why = why.str();
  return r;
}

} // namespace tern::tune
