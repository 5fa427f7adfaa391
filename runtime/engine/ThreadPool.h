//===- ThreadPool.h - persistent workers for parallel_for -------*- C++ -*-===//
//
// A fixed set of worker threads started once per context. parallel_for(n,
// fn) runs fn(0) .. fn(n-1), each exactly once, on at most min(n, threads)
// threads: the caller works too, and only as many workers as there are tasks
// beyond the caller's are woken. Tasks are taken from a shared counter, so a
// slow-to-wake worker never holds up the others.
//
// Idle workers spin for a short while (spin_us: consecutive kernel steps
// arrive microseconds apart) and then sleep on a condition variable; the
// caller waits for the last task the same way. Nothing allocates after
// start(). Not reentrant: fn must not call parallel_for on the same pool,
// and one thread at a time may call it.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_THREADPOOL_H
#define TERN_RUNTIME_ENGINE_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <pthread.h>
#include <string>

namespace tern::rt {

class ThreadPool {
public:
  using TaskFn = void (*)(void *ctx, int64_t task);

  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Starts n_threads - 1 workers (n_threads >= 1). Spinning of idle threads
  /// before they sleep lasts spin_us microseconds (0: sleep at once). False
  /// + err when a thread cannot be created (the pool then has no workers).
  bool start(int n_threads, int spin_us, std::string *err);

  /// Threads that run tasks, the caller included.
  int threads() const { return numWorkers_ + 1; }

  /// Runs fn(ctx, i) for every i in [0, n) and returns when all are done.
  void parallelFor(int64_t n, TaskFn fn, void *ctx);

  /// The same for any callable `f(int64_t)` (no allocation: `f` is passed
  /// by address).
  template <class F> void parallelFor(int64_t n, F &f) {
    parallelFor(
        n, [](void *c, int64_t i) { (*static_cast<F *>(c))(i); }, &f);
  }

private:
  struct alignas(64) Worker {
    std::atomic<uint64_t> epoch{0}; ///< bumped by the caller to hand out a job
    std::atomic<bool> sleeping{false};
    std::mutex mutex;
    std::condition_variable wake;
    pthread_t thread{};
    ThreadPool *pool = nullptr;
  };

  static void *threadMain(void *worker);
  void workerLoop(Worker &w);
  void runTasks();
  void stopWorkers();

  Worker *workers_ = nullptr;
  int numWorkers_ = 0;
  int64_t spinNs_ = 0;

  // The job in flight, written by the caller before it bumps epochs.
  TaskFn fn_ = nullptr;
  void *ctx_ = nullptr;
  int64_t n_ = 0;
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<int> remaining_{0}; ///< woken workers not yet done
  std::atomic<bool> callerSleeping_{false};
  std::atomic<bool> stop_{false};
  std::mutex doneMutex_;
  std::condition_variable done_;
};

} // namespace tern::rt

#endif
