//===- TuneDbTest.cpp - tuning records: read, write, merge, apply ---------===//
//
// A database reads back as written; a truncated, corrupt, empty or foreign
// file is an error naming it (every truncation, many bit flips), never a
// crash or a silently shorter database; a merge replaces records with the
// same key; a record from another machine, tern version, code generator or
// schedule space is refused with a note saying which.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"
#include "codegen/common/TuneDb.h"

#include "test/support/TempFiles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace tern::tune;

namespace {

using tern::test::slurp;
using tern::test::spit;
using tern::test::tmp;

/// The current version of x86's ternary matmul space: a record of it applies.
int x86SpaceVersion() {
  tern::sched::Space space;
  std::string err;
  EXPECT_TRUE(tern::sched::spaceFor("x86-avx512-vnni", tern::sched::Kind::kTernaryMatmul,
                                    {64, 256}, &space, &err))
      << err;
  return space.version;
}

Key keyFor(int64_t n, int64_t k) {
  Key key;
  *key.mutable_hardware() = hostFingerprint();
  key.set_tern_version(ternVersion());
  key.set_codegen_hash(codegenHash());
  key.set_space_version(1);
  key.set_target("x86-avx512-vnni");
  key.set_kind("ternary_matmul");
  key.set_n(n);
  key.set_k(k);
  key.set_layout("#tern.layout<block = 64, interleave = 8, chunk = 64>");
  key.set_threads(2);
  key.set_tokens(1);
  return key;
}

Database sample() {
  SearchResult r;
  r.best = {{"tile_n", "4"}, {"prefetch", "8"}};
  r.defaultKept = false;
  r.why = "<prefetch = 8, tile_n = 4> is 1.2x the default";
  Candidate def{{{"tile_n", "3"}}, "default", {}, "", {}};
  def.m.seconds = {3e-5, 3.1e-5, 2.9e-5};
  Candidate bad{{{"tile_n", "6"}}, "grid", {}, "", {}};
  bad.m.failure = Failure::kWrongResult;
  bad.m.detail = "row 3 differs";
  r.tried = {def, bad};
  Database db;
  *db.add_records() = toRecord(keyFor(3840, 2560), r);
  *db.add_records() = toRecord(keyFor(2560, 6912), r);
  return db;
}

TEST(TuneDb, RoundTripAndShow) {
  const std::string p = tmp("rt.tunedb");
  std::string err;
  ASSERT_TRUE(writeDb(p, sample(), &err)) << err;
  Database db;
  ASSERT_TRUE(readDb(p, &db, &err)) << err;
  ASSERT_EQ(db.records_size(), 2);
  const Record &r = db.records(0);
  EXPECT_EQ(r.key().n(), 3840);
  EXPECT_EQ(r.chosen().at("tile_n"), "4");
  EXPECT_FALSE(r.default_kept());
  ASSERT_EQ(r.candidates_size(), 2);
  EXPECT_EQ(r.candidates(0).origin(), "default");
  EXPECT_EQ(r.candidates(0).stats().samples(), 3);
  EXPECT_DOUBLE_EQ(r.candidates(0).stats().median_s(), 3e-5);
  EXPECT_EQ(r.candidates(1).failure(), "wrong result");
  EXPECT_EQ(r.candidates(1).detail(), "row 3 differs");
  // test/fuzz/run.sh seeds the tunedb fuzzer with this file.
  if (const char *dir = std::getenv("TERN_TUNEDB_SEED_DIR"))
    ASSERT_TRUE(writeDb(std::string(dir) + "/sample.tunedb", db, &err)) << err;
  const std::string text = showDb(db);
  EXPECT_NE(text.find("records {"), std::string::npos) << text;
  EXPECT_NE(text.find("kind: \"ternary_matmul\""), std::string::npos) << text;
  std::remove(p.c_str());
}

TEST(TuneDb, DamageIsAnErrorNamingTheFile) {
  const std::string p = tmp("bad.tunedb");
  std::string err;
  ASSERT_TRUE(writeDb(p, sample(), &err)) << err;
  const std::vector<char> good = slurp(p);
  Database db;
  for (size_t n = 0; n < good.size(); ++n) { // every truncation
    spit(p, std::vector<char>(good.begin(), good.begin() + long(n)));
    db.Clear();
    EXPECT_FALSE(readDb(p, &db, &err)) << "truncated to " << n << " of " << good.size();
    EXPECT_EQ(err.rfind(p, 0), 0u) << err;
  }
  int caught = 0, flips = 0;
  for (size_t i = 0; i < good.size(); i += 3) { // bit flips
    std::vector<char> d = good;
    d[i] = char(d[i] ^ 0x10);
    spit(p, d);
    db.Clear();
    ++flips;
    caught += !readDb(p, &db, &err);
  }
  EXPECT_EQ(caught, flips) << "a flipped bit read as a valid database";
  spit(p, {});
  EXPECT_FALSE(readDb(p, &db, &err));
  EXPECT_NE(err.find("empty or foreign"), std::string::npos) << err;
  spit(p, {'h', 'e', 'l', 'l', 'o', '\n'});
  EXPECT_FALSE(readDb(p, &db, &err));
  EXPECT_FALSE(readDb(p + ".missing", &db, &err));
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
  std::remove(p.c_str());
}

TEST(TuneDb, MergeReplacesTheSameKey) {
  Database a = sample(), b;
  Record newer = a.records(1);
  (*newer.mutable_chosen())["tile_n"] = "6";
  *b.add_records() = newer;
  Record other = a.records(0);
  other.mutable_key()->set_threads(1);
  *b.add_records() = other;
  EXPECT_EQ(mergeDb(&a, b), 1u);
  ASSERT_EQ(a.records_size(), 3);
  EXPECT_EQ(a.records(1).chosen().at("tile_n"), "6");
  EXPECT_EQ(a.records(2).key().threads(), 1);
}

TEST(TuneDb, OnlyRecordsForThisMachineAndCompilerApply) {
  const Record r = sample().records(0);
  const Fingerprint here = hostFingerprint();
  EXPECT_EQ(whyNotApplicable(r, here, ternVersion(), codegenHash(), 1), "");
  Fingerprint other = here;
  other.set_cpu_name("some-other-cpu");
  EXPECT_NE(whyNotApplicable(r, other, ternVersion(), codegenHash(), 1).find("different CPU"),
            std::string::npos);
  other = here;
  other.set_l3_bytes(here.l3_bytes() * 2 + 1);
  EXPECT_NE(whyNotApplicable(r, other, ternVersion(), codegenHash(), 1).find("cache sizes"),
            std::string::npos);
  other = here;
  other.set_cores(here.cores() + 1);
  EXPECT_NE(whyNotApplicable(r, other, ternVersion(), codegenHash(), 1).find("CPUs"),
            std::string::npos);
  EXPECT_NE(whyNotApplicable(r, here, "9.9.9", codegenHash(), 1).find("made by tern"),
            std::string::npos);
  EXPECT_NE(whyNotApplicable(r, here, ternVersion(), "0123", 1).find("another code generator"),
            std::string::npos);
  EXPECT_NE(whyNotApplicable(r, here, ternVersion(), codegenHash(), 2).find("space version"),
            std::string::npos);
}

// The layout stage's record (0 tokens) chooses a shape's layout: the
// schedule file holds one record per measured layout, with its layout
// knob, and after them one of any layout with the chosen layout and that
// layout's knobs (tern-attach-schedule: the later wins).
TEST(TuneDb, TheChosenLayoutComesLastWithItsKnobs) {
  auto rec = [](int tokens, const std::string &layout,
                std::map<std::string, std::string> chosen) {
    Key key = keyFor(64, 256);
    key.set_space_version(x86SpaceVersion());
    key.set_tokens(tokens);
    key.set_layout(layout);
    SearchResult r;
    r.best = chosen;
    r.tried = {Candidate{chosen, "default", {}, "", {}}};
    r.tried[0].m.seconds = {1e-5};
    return toRecord(key, r);
  };
  Database db;
  *db.add_records() = rec(0, "", {{"layout", "tl2"}});
  *db.add_records() = rec(1, "#tern.layout<block = 64, lut = 3>", {{"prefetch", "8"}});
  *db.add_records() = rec(128, "#tern.layout<block = 64, lut = 3>", {{"tile_n", "4"}});
  *db.add_records() = rec(1, "#tern.layout<block = 64, interleave = 2, chunk = 64>",
                          {{"gemv_tile_n", "4"}});
  std::vector<std::string> notes;
  size_t used = 0;
  const std::string file =
      tunedScheduleFile(db, "x86-avx512-vnni", hostFingerprint(), &notes, &used);
  EXPECT_TRUE(notes.empty()) << notes[0];
  EXPECT_EQ(used, 4u);
  const size_t i2 = file.find("\"layout\": \"#tern.layout<block = 64, interleave = 2, chunk = 64>\", "
                              "\"schedule\": \"#tern.schedule<gemv_tile_n = 4, layout = \\\"i2x2\\\">\"");
  const size_t tl = file.find("\"layout\": \"#tern.layout<block = 64, lut = 3>\", \"schedule\": "
                              "\"#tern.schedule<layout = \\\"tl2\\\", prefetch = 8, tile_n = 4>\"");
  const size_t any = file.find("\"k\": 256, \"schedule\": "
                               "\"#tern.schedule<layout = \\\"tl2\\\", prefetch = 8, tile_n = 4>\"");
  EXPECT_NE(i2, std::string::npos) << file;
  EXPECT_NE(tl, std::string::npos) << file;
  ASSERT_NE(any, std::string::npos) << file;
  EXPECT_GT(any, std::max(i2, tl)) << file;
  // A layout record of another machine is skipped with a note naming it.
  Fingerprint other = hostFingerprint();
  other.set_cpu_name("some-other-cpu");
  notes.clear();
  tunedScheduleFile(db, "x86-avx512-vnni", other, &notes, &used);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_NE(notes[0].find("ternary_matmul 64x256 layout skipped"), std::string::npos) << notes[0];
}

// A build takes the records of the thread count it is for where a kernel
// has them (tern-compile --tune-threads), else those of the most threads.
TEST(TuneDb, TheRecordsOfTheBuildsThreadsWin) {
  Database db;
  for (int threads : {1, 2}) {
    Key key = keyFor(64, 256);
    key.set_space_version(x86SpaceVersion());
    key.set_threads(threads);
    SearchResult r;
    r.best = {{"prefetch", threads == 1 ? "16" : "4"}};
    r.tried = {Candidate{r.best, "default", {}, "", {}}};
    r.tried[0].m.seconds = {1e-5};
    *db.add_records() = toRecord(key, r);
  }
  std::vector<std::string> notes;
  size_t used = 0;
  auto file = [&](int threads) {
    return tunedScheduleFile(db, "x86-avx512-vnni", hostFingerprint(), &notes, &used, threads);
  };
  EXPECT_NE(file(0).find("prefetch = 4"), std::string::npos) << file(0);
  EXPECT_NE(file(2).find("prefetch = 4"), std::string::npos) << file(2);
  EXPECT_NE(file(1).find("prefetch = 16"), std::string::npos) << file(1);
  EXPECT_NE(file(8).find("prefetch = 4"), std::string::npos) << "none of 8: the most threads";
}

TEST(TuneDb, TheHostIsFingerprinted) {
  const Fingerprint f = hostFingerprint();
  EXPECT_FALSE(f.cpu_name().empty());
  EXPECT_GE(f.cores(), 1);
  EXPECT_EQ(codegenHash().size(), 16u);
  EXPECT_FALSE(ternVersion().empty());
#if defined(__x86_64__)
  EXPECT_FALSE(f.cpu_vendor().empty());
  EXPECT_GT(f.isa_features_size(), 0);
#endif
}

} // namespace
