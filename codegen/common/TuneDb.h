//===- TuneDb.h - tern-tune's database of tuning records ----------*- C++ -*-===//
//
// A database is a protobuf `tern.tune.Database` (TuneRecord.proto) in one
// file. This holds what the tuner and the compiler share: this machine's
// fingerprint, this compiler's identity, reading (a corrupt, truncated or
// foreign file is an error naming it, never a crash), writing (atomically),
// merging, printing as text, and the rule that decides whether a record
// applies here: the whole hardware fingerprint, tern's version, the code
// generator's hash and the schedule space's version must match; a record
// that does not is skipped with a one-line note saying which field differs.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_TUNEDB_H
#define TERN_CODEGEN_COMMON_TUNEDB_H

#include "codegen/common/TuneRecord.pb.h"
#include "codegen/common/TuneSearch.h"

#include <string>
#include <vector>

namespace tern::tune {

/// This machine's CPU (vendor, family, model, LLVM's name and enabled
/// features, cache sizes from sysfs, the CPUs this process may use).
/// Tests pretend to be another CPU with TERN_FINGERPRINT_CPU=NAME.
Fingerprint hostFingerprint();

/// Where tern-tune writes and tern-compile / tern-run read records by
/// default: $TERN_CACHE_DIR/tune/tune.tunedb, else
/// $XDG_CACHE_HOME/tern/tune/..., else ~/.cache/tern/tune/...
std::string defaultTuneDbPath();

/// The records of `db` that apply to compiles for `target` on hardware
/// `hw` by this compiler, as a schedule file (passes: tern-attach-schedule
/// tuned-file=): one shape record per (N, K, layout), decode's knobs
/// (gemv_tile_n, prefetch) with prefill's (tile_m, tile_n) and the layout
/// knob, from the records of the most threads; then, for each shape whose
/// layout the layout stage chose (a record of 0 tokens), one record of any
/// layout with that layout knob and its knobs, which wins for an op whose
/// layout is not pinned. Every record for `target` that does not
/// apply adds a line to `notes` saying why. `count` gets the records used.
/// With `threads` > 0, the records measured at that many threads win where
/// a kernel has them (a build is for the thread count it runs with: knobs
/// measured at 2 threads lost 18 % of 2b4t's decode at 1).
std::string tunedScheduleFile(const Database &db, const std::string &target,
                              const Fingerprint &hw, std::vector<std::string> *notes,
                              size_t *count, int threads = 0);

/// A record's token bucket: "layout" (0 tokens: the layout stage, decode
/// and prefill together), "decode" (1) or "prefillN".
std::string bucketName(const Key &k);

/// This build: tern's version and the hash of its code generator's
/// sources (computed at build time).
std::string ternVersion();
std::string codegenHash();

/// Reads `path`: false + err ("FILE: ...") when it cannot be read, is not
/// a database, or is of another format version.
bool readDb(const std::string &path, Database *db, std::string *err);
/// Writes `path` + ".tmp" and renames it into place.
bool writeDb(const std::string &path, const Database &db, std::string *err);

/// `into` gains every record of `from`; a record with the same key as one
/// in `into` replaces it. Returns how many were replaced.
size_t mergeDb(Database *into, const Database &from);

/// The database as protobuf text (tern-tune --show).
std::string showDb(const Database &db);

/// "" when `r` applies to a compile for this hardware `hw` and this
/// compiler; else why not, in one line ("measured on a different CPU
/// (znver4, not znver5)", "made by another code generator (hash ...)").
/// `spaceVersion` is the target's schedule space version (Space::version).
/// A GPU record (gpu_name set) is judged by its key's target and compiler
/// only: the machine compiling for that GPU need not have one.
std::string whyNotApplicable(const Record &r, const Fingerprint &hw,
                             const std::string &version, const std::string &hash,
                             int spaceVersion);

/// The record of one search: the chosen schedule, why, and every
/// candidate's statistics or failure.
Record toRecord(const Key &key, const SearchResult &r);

/// Two keys name the same kernel on the same machine by the same compiler.
bool sameKey(const Key &a, const Key &b);

} // namespace tern::tune

#endif
