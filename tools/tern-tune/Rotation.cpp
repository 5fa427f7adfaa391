//===- Rotation.cpp - a kernel's streamed inputs, copied past the caches ---===//
#include "tools/tern-tune/Rotation.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace tern::tune {

namespace {

constexpr uint64_t kMagic = 0x6e6f697461746f72ull; // "rotation"

int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

/// 64-bit FNV-1a over 8-byte words (the tail bytewise): which bytes a
/// copy holds, to see whether the pool has them already.
uint64_t hashBytes(const void *p, int64_t n, uint64_t h) {
  const uint8_t *b = static_cast<const uint8_t *>(p);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  for (; i < n; ++i)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

struct Header {
  uint64_t magic, hash, copies, stride;
};

} // namespace

bool Rotation::init(const std::vector<Part> &parts, int64_t rotateBytes, int poolFd,
                    bool written, std::string *err) {
  offsets_.clear();
  int64_t one = 0;
  for (const Part &p : parts) {
    offsets_.push_back(one);
    one = roundUp(one + p.bytes, 64);
  }
  stride_ = roundUp(std::max<int64_t>(one, 1), 4096);
  copies_ = std::max<int64_t>(1, rotateBytes / stride_);
  at_ = 0;

  if (mem_) { // init again: the old mapping goes
    munmap(mem_, mapped_);
    mem_ = nullptr;
  }
  struct stat st;
  pool_ = false;
  if (poolFd >= 0 && fstat(poolFd, &st) == 0) {
    const int64_t want = kHeader + copies_ * stride_;
    if (st.st_size >= want || ftruncate(poolFd, want) == 0) {
      void *m = mmap(nullptr, size_t(want), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                     poolFd, 0);
      if (m != MAP_FAILED) {
        mem_ = static_cast<uint8_t *>(m);
        mapped_ = size_t(want);
        pool_ = true;
      }
    }
  }
  if (!mem_) { // private pages, page-aligned like the pool's
    const size_t want = size_t(copies_ * stride_);
    void *m = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      *err = "cannot map " + std::to_string(want) + " bytes for the rotated copies";
      return false;
    }
    mem_ = static_cast<uint8_t *>(m);
    mapped_ = want;
  }
  // Only a pool's content is compared: private pages are always filled.
  Header h{};
  uint64_t hash = 0;
  if (pool_) {
    std::memcpy(&h, mem_, sizeof h);
    hash = 0xcbf29ce484222325ull;
    for (const Part &p : parts)
      hash = hashBytes(p.data, p.bytes, hash ^ uint64_t(p.bytes));
    hash = (hash ^ uint64_t(copies_)) * 0x100000001b3ull;
  }
  reused_ = pool_ && h.magic == kMagic && h.hash == hash && h.copies == uint64_t(copies_) &&
            h.stride == uint64_t(stride_);
  if (pool_ && written) { // the next child refills, whatever it finds
    Header none{};
    std::memcpy(mem_, &none, sizeof none);
  }
  if (!reused_) {
    for (int64_t c = 0; c < copies_; ++c)
      for (size_t i = 0; i < parts.size(); ++i)
        std::memcpy(part(c, i), parts[i].data, size_t(parts[i].bytes));
    if (pool_) {
      // A kernel that writes into its copies leaves them changed: the next
      // child refills.
      h = Header{written ? 0 : kMagic, hash, uint64_t(copies_), uint64_t(stride_)};
      std::memcpy(mem_, &h, sizeof h);
    }
  }
  return true;
}

Rotation::~Rotation() {
  if (mem_)
    munmap(mem_, mapped_);
}

} // namespace tern::tune
