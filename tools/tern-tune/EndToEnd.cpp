//===- EndToEnd.cpp - tern-tune's confirmation on the whole model ---------===//
#include "tools/tern-tune/EndToEnd.h"

#include "tools/common/ModelProcess.h"
#include "tools/common/ReadBandwidth.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tern::tune {

namespace {

bool compile(const EndToEndOptions &o, const std::string &db, const std::string &out,
             std::string *err) {
  std::string msg;
  // The tuned build takes the records of the threads it is timed with.
  std::vector<std::string> owned = {o.compiler, o.model, "--target=" + o.target,
                                    "--tune-db=" + db,
                                    "--tune-threads=" + std::to_string(o.threads), "-q",
                                    "-o", out};
  owned.insert(owned.end(), o.flags.begin(), o.flags.end());
  std::vector<llvm::StringRef> refs(owned.begin(), owned.end());
  if (llvm::sys::ExecuteAndWait(o.compiler, refs, std::nullopt, {}, 1800, 0, &msg) != 0) {
    *err = o.model + ": tern-compile --tune-db=" + db + " failed" + (msg.empty() ? "" : ": " + msg);
    return false;
  }
  return true;
}

bool sameFile(const std::string &a, const std::string &b) {
  auto x = llvm::MemoryBuffer::getFile(a), y = llvm::MemoryBuffer::getFile(b);
  return x && y && (*x)->getBuffer() == (*y)->getBuffer();
}

std::string fmt(const char *f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string rateText(const Spread &s) {
  return fmt("%.1f", s.median) + " [" + fmt("%.1f", s.p20) + ", " + fmt("%.1f", s.p80) + "]";
}

} // namespace

bool lossBeyondSpread(const Rates rs[2]) {
  return !rs[0].tokPerSec.empty() && !rs[1].tokPerSec.empty() &&
         rs[1].spread().p80 < rs[0].spread().p20;
}

bool confirmEndToEnd(const EndToEndOptions &o, EndToEndResult *r, std::string *err) {
  const auto began = std::chrono::steady_clock::now();
  const std::string exe[2] = {o.dir + "/default", o.dir + "/tuned"};
  if (!o.quiet)
    llvm::errs() << "tern-tune: end to end: compiling " << o.model
                 << (o.reuseBuilds ? "" : " with the defaults and") << " with " << o.tuneDb
                 << " (the records of " << o.threads << " thread" << (o.threads > 1 ? "s" : "")
                 << ")\n";
  if ((!o.reuseBuilds && !compile(o, "none", exe[0], err)) || !compile(o, o.tuneDb, exe[1], err))
    return false;
  if (sameFile(exe[0], exe[1]) && sameFile(exe[0] + ".tpack", exe[1] + ".tpack")) {
    r->identical = true;
    return true;
  }
  tools::ModelExe m[2];
  for (int i = 0; i < 2; ++i)
    if (!tools::readModelExe(exe[i], &m[i], err))
      return false;
  r->streamedBytes = m[1].streamedBytes;
  r->readGBs = tools::measureReadBandwidth(o.threads);
  double roundsBegan = 0;
  for (int round = 0; round < o.rounds; ++round) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (round == 0)
      roundsBegan = elapsed;
    // After the 3 rounds a spread needs, a round runs only if it ends
    // within the budget (rounds so far say how long one takes).
    const double perRound = round ? (elapsed - roundsBegan) / round : 0;
    if (round >= 3 && o.seconds > 0 && elapsed + perRound > o.seconds)
      break;
    for (int j = 0; j < 2; ++j) {
      const int which = (round + j) % 2; // A B, then B A
      for (bool decode : {true, false}) {
        const std::vector<std::string> cmd =
            decode ? tools::decodeCommand(m[which], o.decodeTokens, o.threads)
                   : tools::prefillCommand(m[which], o.prefillTokens, o.threads);
        const tools::ChildRun run = tools::runChild(cmd);
        double rate = 0;
        if (!run.ok || !tools::parseRate(run.err, decode ? "decode " : "prefill ", &rate)) {
          *err = exe[which] + (run.ok ? " printed no timing line" : " failed") + ": " + run.err;
          return false;
        }
        // Tests: TERN_TUNE_PLANT=...,e2e-slow makes the tuned build look 10x
        // slower, so that the revert path runs.
        static const bool slow = std::getenv("TERN_TUNE_PLANT") &&
                                 std::strstr(std::getenv("TERN_TUNE_PLANT"), "e2e-slow");
        if (slow && which == 1)
          rate /= 10;
        (decode ? r->decode : r->prefill)[which].tokPerSec.push_back(rate);
      }
    }
    r->rounds = round + 1;
    if (!o.quiet)
      llvm::errs() << "tern-tune: end to end: round " << r->rounds << "/" << o.rounds
                   << ": decode " << fmt("%.1f", r->decode[0].tokPerSec.back()) << " / "
                   << fmt("%.1f", r->decode[1].tokPerSec.back()) << " tok/s, prefill "
                   << fmt("%.1f", r->prefill[0].tokPerSec.back()) << " / "
                   << fmt("%.1f", r->prefill[1].tokPerSec.back()) << " tok/s (default / tuned)\n";
  }
  return true;
}

std::string describe(const EndToEndOptions &o, const EndToEndResult &r) {
  const std::string head = "tern-tune: end to end (" + o.model + ", " + std::to_string(o.threads) +
                           " thread" + (o.threads > 1 ? "s" : "") + "): ";
  if (r.identical)
    return head + "the tuned build is the default build (every default kept): nothing to confirm\n";
  std::string out;
  for (int b = 0; b < 2; ++b) {
    const Rates *rs = b == 0 ? r.decode : r.prefill;
    const Spread d = rs[0].spread(), t = rs[1].spread();
    const double ratio = d.median > 0 ? t.median / d.median : 0;
    // Beyond the spread: the tuned p20 above the default's p80 (or below
    // its p20 for a loss).
    const char *verdict = t.p20 > d.p80   ? "a gain beyond the spread"
                          : t.p80 < d.p20 ? "a loss beyond the spread"
                                          : "not resolvable within the spread";
    out += head + (b == 0 ? "decode " + std::to_string(o.decodeTokens)
                          : "prefill " + std::to_string(o.prefillTokens)) +
           " tok/s over " + std::to_string(r.rounds) + " interleaved rounds, median [p20, p80]: default " +
           rateText(d) + ", tuned " + rateText(t) + ": " + fmt("%.3f", ratio) + "x, " + verdict;
    if (b == 0 && r.readGBs > 0)
      out += "; of the roofline (" + fmt("%.1f", r.readGBs) + " GB/s read, " +
             fmt("%.3g", r.streamedBytes / 1e9) + " GB per token): default " +
             fmt("%.0f", 100 * d.median * r.streamedBytes / 1e9 / r.readGBs) + " %, tuned " +
             fmt("%.0f", 100 * t.median * r.streamedBytes / 1e9 / r.readGBs) + " %";
    out += "\n";
  }
  return out;
}

} // namespace tern::tune
