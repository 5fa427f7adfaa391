//===- TuneDb.cpp - tern-tune's database of tuning records ----------------===//
#include "codegen/common/TuneDb.h"

#include "codegen/common/TuneVersion.h" // generated: TERN_VERSION, TERN_CODEGEN_HASH
#include "runtime/reference/ternary_layout.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Host.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sched.h>
#include <sstream>

namespace tern::tune {
namespace {

constexpr int kFormatVersion = 1;

std::string readFile(const std::string &p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// "32K", "1024K", "32M" (sysfs cache sizes) in bytes.
int64_t sizeOf(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  if (s.empty())
    return 0;
  int64_t mult = 1;
  if (s.back() == 'K')
    mult = 1024;
  else if (s.back() == 'M')
    mult = 1024 * 1024;
  return std::atoll(s.c_str()) * mult;
}

/// xxh3 of the records' deterministic serialization.
uint64_t checksumOf(const Database &db) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream cos(&out);
    cos.SetSerializationDeterministic(true);
    for (const Record &r : db.records())
      r.SerializeToCodedStream(&cos);
  }
  return llvm::xxh3_64bits(llvm::StringRef(bytes));
}

} // namespace

Fingerprint hostFingerprint() {
  Fingerprint f;
  std::istringstream info(readFile("/proc/cpuinfo"));
  for (std::string line; std::getline(info, line);) {
    auto value = [&] {
      size_t c = line.find(':');
      return c == std::string::npos ? std::string() : line.substr(c + 2);
    };
    if (line.rfind("vendor_id", 0) == 0 && f.cpu_vendor().empty())
      f.set_cpu_vendor(value());
    else if (line.rfind("cpu family", 0) == 0 && !f.cpu_family())
      f.set_cpu_family(std::atoi(value().c_str()));
    else if (line.rfind("model\t", 0) == 0 && !f.cpu_model())
      f.set_cpu_model(std::atoi(value().c_str()));
    else if (line.empty() && !f.cpu_vendor().empty())
      break; // the first CPU is enough
  }
  const char *fake = std::getenv("TERN_FINGERPRINT_CPU");
  f.set_cpu_name(fake && *fake ? fake : llvm::sys::getHostCPUName().str());
  std::vector<std::string> feats;
  for (const auto &kv : llvm::sys::getHostCPUFeatures())
    if (kv.getValue())
      feats.push_back(kv.getKey().str());
  std::sort(feats.begin(), feats.end());
  for (const std::string &s : feats)
    f.add_isa_features(s);
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string level = readFile(dir + "level"), type = readFile(dir + "type");
    if (level.empty())
      break;
    const int64_t bytes = sizeOf(readFile(dir + "size"));
    if (level[0] == '1' && type.rfind("Data", 0) == 0)
      f.set_l1d_bytes(bytes);
    else if (level[0] == '2')
      f.set_l2_bytes(bytes);
    else if (level[0] == '3')
      f.set_l3_bytes(bytes);
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  f.set_cores(::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0);
  return f;
}

std::string defaultTuneDbPath() {
  std::string dir;
  if (const char *c = std::getenv("TERN_CACHE_DIR"); c && *c)
    dir = c;
  else if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
    dir = std::string(x) + "/tern";
  else
    dir = std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.cache/tern";
  return dir + "/tune/tune.tunedb";
}

namespace {
/// The name (ref::layoutName: i2x2, tl2) of a record's "#tern.layout<...>"
/// text, or "" (a head's "f16", a layout without a name).
std::string layoutNameOfText(const std::string &text) {
  const std::string open = "#tern.layout<";
  if (text.compare(0, open.size(), open) != 0)
    return "";
  ref::TernaryLayout l;
  std::stringstream in(text.substr(open.size(), text.size() - open.size() - 1));
  for (std::string item; std::getline(in, item, ',');) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      return "";
    std::string name = item.substr(0, eq);
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    const long long v = std::atoll(item.c_str() + eq + 1);
    if (name == "bits")
      l.bits = int(v);
    else if (name == "pack_dim")
      l.pack_dim = int(v);
    else if (name == "block")
      l.block = v;
    else if (name == "interleave")
      l.interleave = int(v);
    else if (name == "chunk")
      l.chunk = v;
    else if (name == "lut")
      l.lut = int(v);
    else
      return "";
  }
  return ref::layoutName(l);
}

/// A schedule's knobs as #tern.schedule text, escaped for a JSON string.
std::string scheduleText(const std::map<std::string, std::string> &knobs) {
  std::string out;
  for (const auto &[name, v] : knobs)
    if (!v.empty() && v != "0")
      out += (out.empty() ? "" : ", ") + name + " = " +
             (v.find_first_not_of("0123456789") == std::string::npos ? v
                                                                     : "\\\"" + v + "\\\"");
  return "#tern.schedule<" + out + ">";
}
} // namespace

std::string tunedScheduleFile(const Database &db, const std::string &target,
                              const Fingerprint &hw, std::vector<std::string> *notes,
                              size_t *count, int threads) {
  // Which record of a kernel wins: the one of `threads`, else the most.
  auto rank = [threads](int t) { return t == threads ? 1 << 30 : t; };
  struct Entry {
    std::map<std::string, std::string> knobs;
    int decodeThreads = -1, prefillThreads = -1;
    bool layoutKnob = false; ///< the space has one (not the GPU's)
  };
  std::map<std::tuple<std::string, int64_t, int64_t, std::string>, Entry> byShape;
  /// The layout stage's choice per (kind, N, K), of the most threads.
  struct Choice {
    std::string layout;
    int threads = -1;
  };
  std::map<std::tuple<std::string, int64_t, int64_t>, Choice> layouts;
  *count = 0;
  for (const Record &r : db.records()) {
    const Key &k = r.key();
    sched::Kind kind;
    if (k.target() != target || !sched::kindFromName(k.kind(), &kind))
      continue;
    sched::Space space;
    std::string err;
    const int version =
        sched::spaceFor(target, kind, {k.n(), k.k()}, &space, &err) ? space.version : -1;
    if (std::string why = whyNotApplicable(r, hw, ternVersion(), codegenHash(), version);
        !why.empty()) {
      notes->push_back("tuning record for " + k.kind() + " " + std::to_string(k.n()) + "x" +
                       std::to_string(k.k()) + " " + bucketName(k) + " skipped: " + why);
      continue;
    }
    if (k.tokens() == 0) { // the layout stage
      Choice &c = layouts[{k.kind(), k.n(), k.k()}];
      auto it = r.chosen().find("layout");
      if (rank(k.threads()) < c.threads || it == r.chosen().end())
        continue;
      c.threads = rank(k.threads());
      c.layout = it->second;
      ++*count;
      continue;
    }
    Entry &e = byShape[{k.kind(), k.n(), k.k(), k.layout()}];
    e.layoutKnob = space.knob("layout") != nullptr;
    const bool decode = k.tokens() == 1;
    int &have = decode ? e.decodeThreads : e.prefillThreads;
    if (rank(k.threads()) < have)
      continue; // the records of `threads`, else of the most threads, win
    have = rank(k.threads());
    for (const std::string &name : decode ? space.decodeKnobs : space.prefillKnobs)
      if (auto it = r.chosen().find(name); it != r.chosen().end())
        e.knobs[name] = it->second;
    ++*count;
  }
  std::string out = "{\n  \"schedules\": [";
  bool first = true;
  auto add = [&](const std::string &op, int64_t n, int64_t k, const std::string &layout,
                 const std::map<std::string, std::string> &knobs) {
    std::string escaped;
    for (char c : layout)
      escaped += c == '"' ? std::string("\\\"") : std::string(1, c);
    out += std::string(first ? "\n" : ",\n") + "    {\"op\": \"" + op +
           "\", \"n\": " + std::to_string(n) + ", \"k\": " + std::to_string(k) +
           (layout.empty() ? std::string() : ", \"layout\": \"" + escaped + "\"") +
           ", \"schedule\": \"" + scheduleText(knobs) + "\"}";
    first = false;
  };
  // One record per measured layout (an op pinned to it, e.g. by
  // tern-compile --layout, gets its knobs), with the layout knob where the
  // layout has a name.
  for (const auto &[shape, e] : byShape) {
    std::map<std::string, std::string> knobs = e.knobs;
    if (const std::string name = layoutNameOfText(std::get<3>(shape)); !name.empty() && e.layoutKnob)
      knobs["layout"] = name;
    add(std::get<0>(shape), std::get<1>(shape), std::get<2>(shape), std::get<3>(shape), knobs);
  }
  // Then, for every shape whose layout was chosen, a record of any layout
  // (the later record wins where both match): the chosen layout with its
  // knobs, for ops whose layout is not pinned.
  for (const auto &[shape, c] : layouts) {
    std::map<std::string, std::string> knobs;
    for (const auto &[s2, e] : byShape)
      if (std::get<0>(s2) == std::get<0>(shape) && std::get<1>(s2) == std::get<1>(shape) &&
          std::get<2>(s2) == std::get<2>(shape) && layoutNameOfText(std::get<3>(s2)) == c.layout)
        knobs = e.knobs;
    knobs["layout"] = c.layout;
    add(std::get<0>(shape), std::get<1>(shape), std::get<2>(shape), "", knobs);
  }
  return out + "\n  ]\n}\n";
}

std::string bucketName(const Key &k) {
  return k.tokens() == 0   ? "layout"
         : k.tokens() == 1 ? "decode"
                           : "prefill" + std::to_string(k.tokens());
}

std::string ternVersion() { return TERN_VERSION; }
std::string codegenHash() { return TERN_CODEGEN_HASH; }

bool readDb(const std::string &path, Database *db, std::string *err) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buf) {
    *err = path + ": cannot read the tuning database: " + buf.getError().message();
    return false;
  }
  const llvm::StringRef bytes = (*buf)->getBuffer();
  if (!db->ParseFromArray(bytes.data(), int(bytes.size()))) {
    *err = path + ": not a tern tuning database, or a truncated or corrupt one (" +
           std::to_string(bytes.size()) + " bytes do not parse as tern.tune.Database)";
    return false;
  }
  if (db->format_version() != kFormatVersion) {
    *err = path + ": tuning database format " + std::to_string(db->format_version()) +
           ", this tern reads format " + std::to_string(kFormatVersion) +
           (db->format_version() == 0 ? " (an empty or foreign file?)" : "");
    return false;
  }
  if (db->record_count() != db->records_size() || db->checksum() != checksumOf(*db)) {
    *err = path + ": a truncated or corrupt tuning database (" +
           std::to_string(db->records_size()) + " records read, " +
           std::to_string(db->record_count()) + " written; checksum " +
           (db->checksum() == checksumOf(*db) ? "matches" : "differs") + ")";
    return false;
  }
  for (int i = 0; i < db->records_size(); ++i)
    if (db->records(i).key().kind().empty() || db->records(i).key().target().empty()) {
      *err = path + ": record " + std::to_string(i) + " has no kernel kind or target";
      return false;
    }
  return true;
}

bool writeDb(const std::string &path, const Database &db, std::string *err) {
  Database out = db;
  out.set_format_version(kFormatVersion);
  out.set_record_count(out.records_size());
  out.set_checksum(checksumOf(out));
  std::string bytes;
  if (!out.SerializeToString(&bytes)) {
    *err = path + ": cannot serialize the tuning database";
    return false;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) {
      *err = tmp + ": cannot write";
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = path + ": cannot rename " + tmp + " into place";
    return false;
  }
  return true;
}

Record toRecord(const Key &key, const SearchResult &r) {
  Record out;
  *out.mutable_key() = key;
  for (const auto &[k, v] : r.best)
    (*out.mutable_chosen())[k] = v;
  out.set_default_kept(r.defaultKept);
  out.set_why(r.why);
  for (const Candidate &c : r.tried) {
    CandidateResult *cr = out.add_candidates();
    for (const auto &[k, v] : c.schedule)
      (*cr->mutable_schedule())[k] = v;
    cr->set_origin(c.origin);
    cr->set_failure(failureName(c.m.failure));
    cr->set_detail(c.m.detail);
    cr->set_same_code_as(c.sameCodeAs);
    const Spread sp = c.spread();
    cr->mutable_stats()->set_median_s(sp.median);
    cr->mutable_stats()->set_p20_s(sp.p20);
    cr->mutable_stats()->set_p80_s(sp.p80);
    cr->mutable_stats()->set_samples(int32_t(c.m.seconds.size()));
  }
  return out;
}

bool sameKey(const Key &a, const Key &b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

size_t mergeDb(Database *into, const Database &from) {
  size_t replaced = 0;
  for (const Record &r : from.records()) {
    bool found = false;
    for (Record &mine : *into->mutable_records())
      if (sameKey(mine.key(), r.key())) {
        mine = r;
        found = true;
        ++replaced;
        break;
      }
    if (!found)
      *into->add_records() = r;
  }
  into->set_format_version(kFormatVersion);
  return replaced;
}

std::string showDb(const Database &db) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(db, &text);
  return text;
}

/// "" when a CPU record's machine is this one, else why not.
static std::string otherCpu(const Fingerprint &f, const Fingerprint &hw) {
  if (f.cpu_vendor() != hw.cpu_vendor() || f.cpu_family() != hw.cpu_family() ||
      f.cpu_model() != hw.cpu_model() || f.cpu_name() != hw.cpu_name())
    return "measured on a different CPU (" + f.cpu_name() + " family " +
           std::to_string(f.cpu_family()) + " model " + std::to_string(f.cpu_model()) +
           ", this is " + hw.cpu_name() + " family " + std::to_string(hw.cpu_family()) +
           " model " + std::to_string(hw.cpu_model()) + ")";
  if (!std::equal(f.isa_features().begin(), f.isa_features().end(),
                  hw.isa_features().begin(), hw.isa_features().end()))
    return "measured with other CPU features enabled (" + std::to_string(f.isa_features_size()) +
           " vs " + std::to_string(hw.isa_features_size()) + " here)";
  if (f.l1d_bytes() != hw.l1d_bytes() || f.l2_bytes() != hw.l2_bytes() ||
      f.l3_bytes() != hw.l3_bytes())
    return "measured with other cache sizes (L3 " + std::to_string(f.l3_bytes() >> 20) +
           " MiB, here " + std::to_string(hw.l3_bytes() >> 20) + " MiB)";
  if (f.cores() != hw.cores())
    return "measured with " + std::to_string(f.cores()) + " CPUs, here " +
           std::to_string(hw.cores());
  return "";
}

std::string whyNotApplicable(const Record &r, const Fingerprint &hw, const std::string &version,
                             const std::string &hash, int spaceVersion) {
  const Key &k = r.key();
  // A GPU record is about the GPU it was measured on (its target, sm_XX,
  // is in the key), which the compiling machine need not have; a CPU
  // record needs this very CPU.
  if (k.hardware().gpu_name().empty())
    if (std::string why = otherCpu(k.hardware(), hw); !why.empty())
      return why;
  if (k.tern_version() != version)
    return "made by tern " + k.tern_version() + ", this is " + version;
  if (k.codegen_hash() != hash)
    return "made by another code generator (hash " + k.codegen_hash() + ", this is " + hash + ")";
  if (k.space_version() != spaceVersion)
    return "searched schedule space version " + std::to_string(k.space_version()) + " of " +
           k.target() + ", which is now version " + std::to_string(spaceVersion);
  return "";
}

} // namespace tern::tune
