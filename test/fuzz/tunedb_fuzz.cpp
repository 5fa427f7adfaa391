//===- tunedb_fuzz.cpp - libFuzzer target for the tuning database reader --===//
//
// Reads the input as a tuning database file (readDb: protobuf, format
// version, record count, checksum). It must never crash; a database it
// accepts must write back, read again and compare equal, and every record
// must go through the applicability check and the text printer.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/TuneDb.h"

#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace tern::tune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = "/tmp/tern-fuzz-tunedb." + std::to_string(::getpid());
  static const Fingerprint here = hostFingerprint();
  if (std::FILE *f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  Database db;
  std::string err;
  if (!readDb(path, &db, &err)) {
    if (err.rfind(path, 0) != 0) {
      std::fprintf(stderr, "tunedb_fuzz: an error that does not name the file: %s\n", err.c_str());
      std::abort();
    }
    return 0;
  }
  for (const Record &r : db.records())
    (void)whyNotApplicable(r, here, ternVersion(), codegenHash(), 1);
  (void)showDb(db);
  Database again;
  if (!writeDb(path, db, &err) || !readDb(path, &again, &err) ||
      !google::protobuf::util::MessageDifferencer::Equals(db, again)) {
    std::fprintf(stderr, "tunedb_fuzz: an accepted database does not round-trip: %s\n",
                 err.c_str());
    std::abort();
  }
  return 0;
}
