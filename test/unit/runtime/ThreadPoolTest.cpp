//===- ThreadPoolTest.cpp - parallel_for: exactly once, and idle sleep ----===//
#include "runtime/engine/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using tern::rt::ThreadPool;

namespace {

struct WorkerStat {
  char state;  ///< 'R', 'S', ...
  long ticks;  ///< user + system CPU time
};

/// Every pool worker of this process: the threads named "tern-worker"
/// (sanitizers may add threads of their own).
std::vector<WorkerStat> workers() {
  std::vector<WorkerStat> out;
  DIR *dir = ::opendir("/proc/self/task");
  if (!dir)
    return out;
  while (dirent *e = ::readdir(dir)) {
    if (e->d_name[0] == '.')
      continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)),
                     std::istreambuf_iterator<char>());
    // "tid (comm) S f4 ... f14 utime f15 stime ...".
    size_t open = stat.find('('), paren = stat.rfind(')');
    if (open == std::string::npos || paren == std::string::npos ||
        stat.substr(open + 1, paren - open - 1) != "tern-worker")
      continue;
    std::vector<std::string> fields; // from the state on
    size_t at = paren + 2;
    while (at < stat.size()) {
      size_t sp = stat.find(' ', at);
      fields.push_back(stat.substr(at, sp - at));
      if (sp == std::string::npos)
        break;
      at = sp + 1;
    }
    if (fields.size() > 12)
      out.push_back({fields[0][0],
                     std::stol(fields[11]) + std::stol(fields[12])});
  }
  ::closedir(dir);
  return out;
}

long workerTicks() {
  long total = 0;
  for (const WorkerStat &w : workers())
    total += w.ticks;
  return total;
}

TEST(ThreadPool, EveryTaskExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 7, 16}) {
    ThreadPool pool;
    std::string err;
    ASSERT_TRUE(pool.start(threads, threads % 2 ? 0 : 50, &err)) << err;
    EXPECT_EQ(pool.threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 100, 1000}) {
      for (int rep = 0; rep < 5; ++rep) {
        std::vector<std::atomic<int>> count(static_cast<size_t>(n));
        for (auto &c : count)
          c.store(0);
        auto body = [&](int64_t i) { count[static_cast<size_t>(i)].fetch_add(1); };
        pool.parallelFor(n, body);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(count[static_cast<size_t>(i)].load(), 1)
              << "threads " << threads << " n " << n << " task " << i;
      }
    }
  }
}

TEST(ThreadPool, UsesAtMostOneThreadPerTask) {
  ThreadPool pool;
  std::string err;
  ASSERT_TRUE(pool.start(4, 0, &err)) << err;
  // Tasks that wait for each other prove they run concurrently, on distinct
  // threads, the caller among them.
  for (int n : {2, 3, 4}) {
    std::atomic<int> arrived{0};
    std::mutex m;
    std::set<std::thread::id> ids;
    auto body = [&](int64_t) {
      {
        std::lock_guard<std::mutex> lock(m);
        ids.insert(std::this_thread::get_id());
      }
      arrived.fetch_add(1);
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (arrived.load() < n && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    };
    pool.parallelFor(n, body);
    EXPECT_EQ(arrived.load(), n);
    EXPECT_EQ(static_cast<int>(ids.size()), n);
    EXPECT_EQ(ids.count(std::this_thread::get_id()), 1u);
  }
  // One task runs on the caller.
  std::thread::id ran;
  auto one = [&](int64_t) { ran = std::this_thread::get_id(); };
  pool.parallelFor(1, one);
  EXPECT_EQ(ran, std::this_thread::get_id());
}

TEST(ThreadPool, ManySmallJobs) {
  ThreadPool pool;
  std::string err;
  ASSERT_TRUE(pool.start(4, 20, &err)) << err;
  std::atomic<int64_t> sum{0};
  for (int job = 0; job < 3000; ++job) {
    const int64_t n = 1 + job % 6;
    auto body = [&](int64_t i) { sum.fetch_add(i + 1); };
    pool.parallelFor(n, body);
  }
  int64_t expected = 0;
  for (int job = 0; job < 3000; ++job) {
    const int64_t n = 1 + job % 6;
    expected += n * (n + 1) / 2;
  }
  EXPECT_EQ(sum.load(), expected);
}

TEST(ThreadPool, IdleWorkersSleep) {
  ThreadPool pool;
  std::string err;
  ASSERT_TRUE(pool.start(4, 200, &err)) << err; // spins up to 0.2 ms
  std::atomic<int> n{0};
  auto body = [&](int64_t) { n.fetch_add(1); };
  pool.parallelFor(64, body);
  ASSERT_EQ(n.load(), 64);
  // After a pause every worker is blocked ('S') and burns no CPU time.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<WorkerStat> stats = workers();
  ASSERT_EQ(stats.size(), 3u);
  for (const WorkerStat &w : stats)
    EXPECT_EQ(w.state, 'S');
  const long before = workerTicks();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long after = workerTicks();
  EXPECT_LE(after - before, 2) << "idle workers used CPU time (ticks)";
  // And they still work afterwards.
  pool.parallelFor(64, body);
  EXPECT_EQ(n.load(), 128);
}

TEST(ThreadPool, StartsAndStopsCleanly) {
  for (int i = 0; i < 20; ++i) {
    ThreadPool pool;
    std::string err;
    ASSERT_TRUE(pool.start(1 + i % 5, i % 3 ? 10 : 0, &err)) << err;
    if (i % 2) {
      std::atomic<int> n{0};
      auto body = [&](int64_t) { n.fetch_add(1); };
      pool.parallelFor(10, body);
      EXPECT_EQ(n.load(), 10);
    }
  }
  // No thread outlives its pool.
  EXPECT_TRUE(workers().empty());
}

} // namespace
