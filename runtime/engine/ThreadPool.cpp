//===- ThreadPool.cpp - persistent workers for parallel_for ---------------===//
//
// Hand-off protocol. The caller publishes the job (fn_, ctx_, n_, next_,
// remaining_) and bumps the epoch of each worker it wants; a worker waits
// for its epoch to change, spinning first and then sleeping under its own
// mutex. Lost wake-ups are excluded Dekker-style with sequentially
// consistent atomics: the worker stores sleeping = true and then re-reads
// the epoch (under its mutex); the caller bumps the epoch and then reads
// sleeping, taking the mutex to notify only when it is set. The caller
// waits for remaining_ == 0 the same way (callerSleeping_, doneMutex_).
//
//===----------------------------------------------------------------------===//
#include "runtime/engine/ThreadPool.h"

#include <cassert>
#include <chrono>
#include <csignal>
#include <cstring>

namespace tern::rt {

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

/// Spins until done() or spinNs nanoseconds have passed; returns done().
template <class Done> bool spinUntil(Done done, int64_t spinNs) {
  if (done())
    return true;
  if (spinNs <= 0)
    return false;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      cpuRelax();
      if (done())
        return true;
    }
    if (std::chrono::steady_clock::now() - start >
        std::chrono::nanoseconds(spinNs))
      return done();
  }
}

} // namespace

ThreadPool::~ThreadPool() { stopWorkers(); }

bool ThreadPool::start(int n_threads, int spin_us, std::string *err) {
  assert(!workers_ && "ThreadPool::start called twice");
  if (n_threads < 1)
    n_threads = 1;
  spinNs_ = spin_us > 0 ? int64_t(spin_us) * 1000 : 0;
  const int wanted = n_threads - 1;
  if (wanted == 0)
    return true;
  workers_ = new Worker[wanted];
  // Workers never handle signals: block them all while creating threads
  // (the mask is inherited), then restore the caller's.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (int i = 0; i < wanted; ++i) {
    workers_[i].pool = this;
    int rc = pthread_create(&workers_[i].thread, nullptr, &ThreadPool::threadMain,
                            &workers_[i]);
    if (rc != 0) {
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      *err = "cannot start worker thread " + std::to_string(i + 1) + " of " +
             std::to_string(wanted) + ": " + std::strerror(rc);
      stopWorkers();
      return false;
    }
    ++numWorkers_;
#if defined(__GLIBC__)
    pthread_setname_np(workers_[i].thread, "tern-worker");
#endif
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return true;
}

void ThreadPool::stopWorkers() {
  if (!workers_)
    return;
  stop_.store(true);
  for (int i = 0; i < numWorkers_; ++i) {
    Worker &w = workers_[i];
    w.epoch.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(w.mutex);
    }
    w.wake.notify_one();
  }
  for (int i = 0; i < numWorkers_; ++i)
    pthread_join(workers_[i].thread, nullptr);
  delete[] workers_;
  workers_ = nullptr;
  numWorkers_ = 0;
  stop_.store(false);
}

void *ThreadPool::threadMain(void *worker) {
  Worker *w = static_cast<Worker *>(worker);
  w->pool->workerLoop(*w);
  return nullptr;
}

void ThreadPool::runTasks() {
  const int64_t n = n_;
  const TaskFn fn = fn_;
  void *const ctx = ctx_;
  for (int64_t i = next_.fetch_add(1, std::memory_order_relaxed); i < n;
       i = next_.fetch_add(1, std::memory_order_relaxed))
    fn(ctx, i);
}

void ThreadPool::workerLoop(Worker &w) {
  uint64_t seen = 0;
  for (;;) {
    if (!spinUntil([&] { return w.epoch.load() != seen; }, spinNs_)) {
      std::unique_lock<std::mutex> lock(w.mutex);
      w.sleeping.store(true);
      while (w.epoch.load() == seen)
        w.wake.wait(lock);
      w.sleeping.store(false, std::memory_order_relaxed);
    }
    seen = w.epoch.load();
    if (stop_.load())
      return;
    runTasks();
    if (remaining_.fetch_sub(1) == 1 && callerSleeping_.load()) {
      {
        std::lock_guard<std::mutex> lock(doneMutex_);
      }
      done_.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, TaskFn fn, void *ctx) {
  if (n <= 0)
    return;
  const int64_t helpers64 = (n - 1 < numWorkers_) ? n - 1 : numWorkers_;
  const int helpers = static_cast<int>(helpers64);
  if (helpers == 0) {
    for (int64_t i = 0; i < n; ++i)
      fn(ctx, i);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  n_ = n;
  next_.store(0, std::memory_order_relaxed);
  remaining_.store(helpers, std::memory_order_relaxed);
  for (int i = 0; i < helpers; ++i) {
    Worker &w = workers_[i];
    w.epoch.fetch_add(1); // seq_cst: publishes the job (release)
    if (w.sleeping.load()) {
      {
        std::lock_guard<std::mutex> lock(w.mutex);
      }
      w.wake.notify_one();
    }
  }
  runTasks();
  if (!spinUntil([&] { return remaining_.load() == 0; }, spinNs_)) {
    std::unique_lock<std::mutex> lock(doneMutex_);
    callerSleeping_.store(true);
    while (remaining_.load() != 0)
      done_.wait(lock);
    callerSleeping_.store(false, std::memory_order_relaxed);
  }
}

} // namespace tern::rt
