#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lenet {
namespace {

// Workers spin briefly after a job (kernels of one training step come in quick bursts),
// then sleep on a condition variable so an idle process costs nothing.
constexpr int kSpinIterations = 20000;

class Pool {
 public:
  ~Pool() { stop(); }

  void resize(int n) {
    stop();
    nthreads_ = std::max(1, n);
    quit_ = false;
    const unsigned gen = generation_.load();
    for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  int size() const { return nthreads_; }

  void run(int ntasks, const std::function<void(int)>& fn) {
    if (ntasks <= 0) return;
    if (nthreads_ == 1 || ntasks == 1) {
      for (int i = 0; i < ntasks; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      ntasks_ = ntasks;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work();
    // Every worker acknowledges every job, so no worker can still be reading this job's
    // state when the next one is published.
    const int nworkers = nthreads_ - 1;
    int spins = 0;
    while (done_.load(std::memory_order_acquire) != nworkers) {
      if (++spins > 64) std::this_thread::yield();
    }
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    for (;;) {
      int i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= ntasks_) return;
      try {
        (*fn_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void worker_loop(unsigned seen) {
    for (;;) {
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen && !quit_.load() &&
             spins < kSpinIterations) {
        ++spins;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      if (generation_.load(std::memory_order_acquire) == seen && !quit_.load()) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return generation_.load() != seen || quit_.load(); });
      }
      if (quit_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      work();
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_, error_mutex_;
  std::condition_variable cv_;
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> next_{0}, done_{0};
  int ntasks_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* p = [] {
    Pool* q = new Pool();  // never destroyed: workers must not be joined during static teardown
    unsigned hc = std::thread::hardware_concurrency();
    q->resize(hc == 0 ? 1 : static_cast<int>(hc));
    return q;
  }();
  return *p;
}

}  // namespace

void set_threads(int n) {
  if (n <= 0) {
    unsigned hc = std::thread::hardware_concurrency();
    n = hc == 0 ? 1 : static_cast<int>(hc);
  }
  if (n > 256) n = 256;
  if (n != pool().size()) pool().resize(n);
}

int get_threads() { return pool().size(); }

void parallel_for(int ntasks, const std::function<void(int)>& fn) { pool().run(ntasks, fn); }

}  // namespace lenet
