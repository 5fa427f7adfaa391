//===- Rotation.h - a kernel's streamed inputs, copied past the caches -*- C++ -*-===//
//
// Decode kernels stream their weights (attention its KV caches) from
// memory, so a timed call must not find them in a cache: the child keeps
// copies spanning the job's rotate_bytes one after another, and call i
// reads copy i mod copies. All three measurers (ternary, heads, attention)
// time this way.
//
// Where the parent passed a pool (a memfd that tern-tune creates once and
// every child inherits, the job's pool_fd), the copies live in it. A fresh
// process's anonymous memory costs the kernel a page clear per 4 KiB page
// (measured on a 2-core VM: 0.55 s per GiB, half a decode child's wall
// time), while the pool's pages stay resident from child to child; and a
// child whose copies are already there (the same bytes, the same number of
// copies: a hash in the pool's header) writes nothing. Copies start on
// page boundaries. Without a pool, or when it cannot be mapped, the copies
// are private memory, as before.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_ROTATION_H
#define TERN_TOOLS_TERN_TUNE_ROTATION_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tern::tune {

class Rotation {
public:
  struct Part {
    const void *data;
    int64_t bytes;
  };
  /// One copy holds every part of `parts`; as many copies as fit in
  /// `rotateBytes` (at least one). `poolFd` < 0: private memory. `written`:
  /// the kernel writes into its copies (attention's cache append), so the
  /// pool's content is not reused by the next child.
  bool init(const std::vector<Part> &parts, int64_t rotateBytes, int poolFd, bool written,
            std::string *err);
  ~Rotation();
  Rotation() = default;
  Rotation(const Rotation &) = delete;
  Rotation &operator=(const Rotation &) = delete;

  int64_t copies() const { return copies_; }
  bool pooled() const { return pool_; }
  bool reused() const { return reused_; } ///< the pool held these copies already
  /// Part `i` of copy `c`.
  void *part(int64_t c, size_t i) const { return base() + c * stride_ + offsets_[i]; }
  /// The copy the next call reads, in turn.
  int64_t next() {
    const int64_t c = at_;
    at_ = at_ + 1 == copies_ ? 0 : at_ + 1;
    return c;
  }

private:
  uint8_t *base() const { return mem_ + (pool_ ? kHeader : 0); }
  static constexpr int64_t kHeader = 4096;
  int64_t copies_ = 0, stride_ = 0, at_ = 0;
  std::vector<int64_t> offsets_;
  uint8_t *mem_ = nullptr; ///< mapped: the pool, or private pages
  size_t mapped_ = 0;
  bool pool_ = false, reused_ = false;
};

} // namespace tern::tune

#endif
