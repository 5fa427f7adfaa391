//===- TuneCompare.cpp - is a second tuning run's choice the first's? -----===//
#include "tools/tern-tune/TuneCompare.h"

#include "codegen/common/TuneDb.h"
#include "codegen/common/TuneSearch.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace tern::tune {
namespace {

using Sched = sched::Schedule;
const auto show = showSchedule;

/// What names one kernel across runs: everything in the key but the
/// machine and the compiler, which compareDbs reports separately.
std::tuple<std::string, std::string, int64_t, int64_t, std::string, int32_t, int32_t>
kernelOf(const Key &k) {
  return {k.target(), k.kind(), k.n(), k.k(), k.layout(), k.threads(), k.tokens()};
}

std::string kernelName(const Key &k) {
  std::ostringstream os;
  os << k.target() << " " << k.kind() << " " << k.n() << "x" << k.k() << " "
     << bucketName(k) << " "
     << k.threads() << "T";
  return os.str();
}

Sched schedOf(const google::protobuf::Map<std::string, std::string> &m) {
  return Sched(m.begin(), m.end());
}

/// The statistics `r` measured for schedule `s` (a correct candidate), or
/// null when it did not measure it.
const Stats *statsOf(const Record &r, const Sched &s) {
  for (const CandidateResult &c : r.candidates())
    if (c.failure().empty() && c.stats().samples() > 0 && schedOf(c.schedule()) == s)
      return &c.stats();
  return nullptr;
}

const Stats *defaultOf(const Record &r) {
  for (const CandidateResult &c : r.candidates())
    if (c.origin() == "default" && c.failure().empty() && c.stats().samples() > 0)
      return &c.stats();
  return nullptr;
}

std::string time(double s) {
  char b[32];
  if (s >= 1e-3)
    std::snprintf(b, sizeof b, "%.3g ms", s * 1e3);
  else
    std::snprintf(b, sizeof b, "%.3g us", s * 1e6);
  return b;
}

std::string stats(const Stats &s) {
  char b[96];
  const double u = s.median_s() >= 1e-3 ? 1e3 : 1e6;
  std::snprintf(b, sizeof b, "%s [%.3g, %.3g]", time(s.median_s()).c_str(), s.p20_s() * u,
                s.p80_s() * u);
  return b;
}

/// The p20-p80 intervals overlap: the search's own rule for "not beyond
/// the spread".
bool overlap(const Stats &a, const Stats &b) {
  return !(a.p80_s() < b.p20_s() || b.p80_s() < a.p20_s());
}

std::string ratio(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3gx", x);
  return b;
}

} // namespace

std::string compareDbs(const Database &first, const Database &second, CompareSummary *sum) {
  *sum = {};
  std::ostringstream out;
  std::map<decltype(kernelOf(Key())), const Record *> byKernel;
  for (const Record &r : first.records())
    byKernel[kernelOf(r.key())] = &r;
  std::set<decltype(kernelOf(Key()))> seen;
  std::string differs; ///< how run 2's machine or compiler differs from run 1's
  for (const Record &b : second.records()) {
    auto it = byKernel.find(kernelOf(b.key()));
    if (it == byKernel.end()) {
      ++sum->onlyOne;
      continue;
    }
    seen.insert(it->first);
    const Record &a = *it->second;
    ++sum->both;
    // The rule that decides whether a record applies (TuneDb.h), with run
    // 1's key as "here"; a GPU record's rule leaves out the GPU itself.
    if (differs.empty()) {
      differs = whyNotApplicable(b, a.key().hardware(), a.key().tern_version(),
                                 a.key().codegen_hash(), a.key().space_version());
      if (differs.empty() &&
          a.key().hardware().SerializeAsString() != b.key().hardware().SerializeAsString())
        differs = "measured on other hardware";
    }
    const Sched ca = schedOf(a.chosen()), cb = schedOf(b.chosen());
    const Stats *ta = statsOf(a, ca), *tb = statsOf(b, cb);
    out << kernelName(b.key()) << ": ";
    if (!ta || !tb) {
      out << "no measurement of the chosen schedule in run " << (ta ? 2 : 1)
          << ": nothing to compare\n";
      continue;
    }
    const Stats *da = defaultOf(a), *db = defaultOf(b);
    // A machine whose speed moved between the runs (a VM's neighbours, its
    // clocks) moves every time alike: then run 2's times are compared in
    // run 1's terms, scaled by the two runs' defaults.
    const bool moved = da && db && !overlap(*da, *db);
    const double scale = moved ? da->median_s() / db->median_s() : 1.0;
    Stats tbn = *tb;
    tbn.set_median_s(tb->median_s() * scale);
    tbn.set_p20_s(tb->p20_s() * scale);
    tbn.set_p80_s(tb->p80_s() * scale);
    const bool same = ca == cb, agree = overlap(*ta, tbn);
    sum->same += same;
    sum->agree += agree;
    sum->machineMoved += moved;
    if (same)
      out << "same schedule " << show(ca) << ", " << stats(*ta) << " vs " << stats(*tb);
    else
      out << "run 1 chose " << show(ca) << " at " << stats(*ta) << ", run 2 " << show(cb)
          << " at " << stats(*tb);
    if (moved)
      out << "; the default itself took " << ratio(db->median_s() / da->median_s())
          << " in run 2 (" << stats(*da) << " vs " << stats(*db)
          << "): the machine's speed changed, so the runs are compared relative to their "
             "defaults";
    out << (agree ? ": agrees within the spread" : ": differs beyond the spread") << " ("
        << "run 2 takes " << ratio(tbn.median_s() / ta->median_s()) << ")";
    if (!same) {
      // Could the first run tell the two choices apart?
      if (const Stats *ab = statsOf(a, cb))
        out << "; run 1 measured " << show(cb) << " at " << stats(*ab)
            << (overlap(*ta, *ab) ? ": not resolvable from its choice"
                                  : ": resolvable, run 1's choice was faster there");
      else
        out << "; run 1 did not measure " << show(cb);
    }
    if (da && db)
      out << "; gain over the default " << ratio(da->median_s() / ta->median_s()) << " vs "
          << ratio(db->median_s() / tb->median_s());
    out << "\n";
  }
  for (const auto &[k, r] : byKernel)
    if (!seen.count(k))
      ++sum->onlyOne;
  if (!differs.empty())
    out << "note: run 2 (against run 1): " << differs << ": compared anyway\n";
  out << "tern-tune: " << sum->both << " kernels in both runs: " << sum->same
      << " chose the same schedule, " << sum->agree << " agree within the spread, "
      << sum->both - sum->agree << " differ beyond it";
  if (sum->machineMoved)
    out << " (" << sum->machineMoved << " on a machine whose speed moved: compared relative to "
                                        "the defaults)";
  if (sum->onlyOne)
    out << "; " << sum->onlyOne << " kernels in one run only";
  out << "\n";
  return out.str();
}

} // namespace tern::tune
