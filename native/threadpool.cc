#include "threadpool.h"

#if defined(__linux__)
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fpmode.h"

namespace lenet {
namespace {

// Workers spin briefly after a job, then sleep on a condition variable so an idle process
// costs nothing. The kernels of one training step come in quick bursts with ~50 us of
// JavaScript between steps: a spin of 100 us (by the clock: a pause lasts 10 to 150 cycles
// depending on the CPU) keeps the workers awake across that gap (2 threads / 1 thread: 1.6x
// with a 10 us spin, 1.8x with 100 us), short enough not to convoy with other busy processes.
constexpr std::chrono::microseconds kSpin{100};

thread_local int t_worker_index = 0;

class Pool {
 public:
  ~Pool() { stop(); }

  void resize(int n) {
    std::lock_guard<std::mutex> job_lock(run_mutex_);
    finish_locked();
    stop();
    nthreads_ = std::max(1, n);
    blocks_.reset(new Block[nthreads_]);  // one per thread, whatever the count
    quit_ = false;
    const unsigned gen = generation_.load();
    for (int i = 1; i < nthreads_; ++i)
      workers_.emplace_back([this, gen, i] {
        t_worker_index = i;
        worker_loop(gen);
      });
  }

  int size() const { return nthreads_; }

  void run(int ntasks, const std::function<void(int)>& fn) {
    if (ntasks <= 0) return;
    if (nthreads_ == 1 || ntasks == 1) {
      // Jobs run in the order given. No lock otherwise: a task may run such a job inline.
      if (const uint64_t pending = pending_.load()) finish(pending);
      for (int i = 0; i < ntasks; ++i) fn(i);
      return;
    }
    // One job at a time (the addon may be used from several worker_threads at once).
    std::lock_guard<std::mutex> job_lock(run_mutex_);
    finish_locked();
    start_locked(ntasks, &fn);
    complete_locked();
  }

  // Starts a job and returns at once: the workers run it while the caller goes on. finish(the
  // ticket), or any later job, completes it, the caller then taking part. 0: it already ran.
  uint64_t submit(int ntasks, std::function<void(int)> fn) {
    if (ntasks <= 0) return 0;
    std::lock_guard<std::mutex> job_lock(run_mutex_);
    finish_locked();
    if (nthreads_ == 1) {
      for (int i = 0; i < ntasks; ++i) fn(i);
      return 0;
    }
    owned_ = std::move(fn);
    start_locked(ntasks, &owned_);
    pending_.store(++tickets_);
    return pending_.load();
  }

  // Returns once that job is done. Always under the lock: another thread may be completing it
  // (pending_ already cleared, its tasks still running), and holds the lock until it is done.
  void finish(uint64_t ticket) {
    if (ticket == 0) return;
    std::lock_guard<std::mutex> job_lock(run_mutex_);
    if (pending_.load() == ticket) finish_locked();
  }

 private:
  void finish_locked() {
    if (pending_.load() == 0) return;
    pending_.store(0);
    struct Release {
      std::function<void(int)>& fn;
      ~Release() { fn = nullptr; }
    } release{owned_};
    const uint64_t mode = get_fp_mode();
    set_fp_mode(fp_mode_);  // the caller takes part in the submitter's mode
    struct Restore {
      uint64_t mode;
      ~Restore() { set_fp_mode(mode); }
    } restore{mode};
    complete_locked();
  }

  // run_mutex_ held. No worker is inside a job here (the previous one waited for active_ == 0),
  // so the job's fields can be written freely; open_ (seq_cst) publishes them.
  void start_locked(int ntasks, const std::function<void(int)>* fn) {
    fn_ = fn;
    ntasks_ = ntasks;
    fp_mode_ = get_fp_mode();  // workers run the job in the submitter's mode
    for (int b = 0; b < nthreads_; ++b) blocks_[b].next.store(block_begin(b), std::memory_order_relaxed);
    error_ = nullptr;
    open_.store(true);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);
    }
    cv_.notify_all();
  }

  // run_mutex_ held: takes part in the open job until every task is claimed, then closes it.
  void complete_locked() {
    work();
    // All tasks are claimed. Close the job; wait only for workers that joined it (a worker
    // that was not scheduled in time simply misses it: no waiting on a descheduled thread).
    open_.store(false);
    int spins = 0;
    while (active_.load() != 0) {
      if (++spins > 64) std::this_thread::yield();
    }
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  // Tasks are split into one contiguous home block per thread: a thread claims the tasks of
  // its own block first, then helps with the others' (so a descheduled thread delays nothing).
  // A task mostly lands on the same thread step after step, and the memory it updates (a
  // slice of the weights and optimizer state) stays in that core's cache instead of moving
  // between cores every step. Which thread ran a task never changes its result.
  void work() {
    const int nb = nthreads_, home = t_worker_index % nb;
    for (int k = 0; k < nb; ++k) {
      const int b = (home + k) % nb;
      const int end = block_begin(b + 1);
      for (;;) {
        const int i = blocks_[b].next.fetch_add(1, std::memory_order_relaxed);
        if (i >= end) break;
        try {
          (*fn_)(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex_);
          if (!error_) error_ = std::current_exception();
        }
      }
    }
  }

  int block_begin(int b) const { return static_cast<int>(static_cast<int64_t>(ntasks_) * b / nthreads_); }

  void worker_loop(unsigned seen) {
    for (;;) {
      // Spin for a while (by the clock: a pause lasts 10 to 150 cycles depending on the CPU).
      const auto until = std::chrono::steady_clock::now() + kSpin;
      for (int spins = 1; generation_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_relaxed);
           ++spins) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (spins % 32 == 0 && std::chrono::steady_clock::now() >= until) break;
      }
      if (generation_.load() == seen && !quit_.load()) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return generation_.load() != seen || quit_.load(); });
      }
      if (quit_.load()) return;
      seen = generation_.load();
      // Join the job if it is still open (Dekker-style: both sides use seq_cst).
      active_.fetch_add(1);
      if (open_.load()) {
        set_fp_mode(fp_mode_);
        work();
      }
      active_.fetch_sub(1);
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
  std::mutex mutex_, error_mutex_, run_mutex_;
  std::condition_variable cv_;
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> active_{0};
  // Each block's next unclaimed task, on a cache line of its own.
  struct alignas(64) Block {
    std::atomic<int> next{0};
  };
  std::unique_ptr<Block[]> blocks_{new Block[1]};
  std::atomic<bool> open_{false};
  int ntasks_ = 0;
  uint64_t fp_mode_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
  std::exception_ptr error_;
  std::function<void(int)> owned_;    // a submitted job's function, alive until it is finished
  std::atomic<uint64_t> pending_{0};  // the ticket of the submitted job not yet finished, or 0
  uint64_t tickets_ = 0;
};

// The CPUs this process may run on: its affinity mask where the system has one (taskset, a
// SLURM allocation, a cgroup's cpuset), else the hardware's threads. --jobs plans with the same
// count (Node's os.availableParallelism).
int usable_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min(hc, 256u));
}

// The number of threads a pool of `n` has: n <= 0 means one per CPU this process may use; at
// most 256. Every way the pool is sized goes through here (the first use, and set_threads).
int thread_count(int n) {
  if (n <= 0) n = usable_cpus();
  return std::min(n, 256);
}

Pool& pool() {
  static Pool* p = [] {
    Pool* q = new Pool();  // never destroyed: workers must not be joined during static teardown
    q->resize(thread_count(0));
    return q;
  }();
  return *p;
}

}  // namespace

void set_threads(int n) {
  n = thread_count(n);
  if (n != pool().size()) pool().resize(n);
}

int get_threads() { return pool().size(); }

int worker_index() { return t_worker_index; }

void parallel_for(int ntasks, const std::function<void(int)>& fn) { pool().run(ntasks, fn); }

uint64_t submit(int ntasks, std::function<void(int)> fn) { return pool().submit(ntasks, std::move(fn)); }

void finish(uint64_t ticket) { pool().finish(ticket); }

void for_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn, int64_t max_inline) {
  const int64_t ntasks = (n + chunk - 1) / chunk;
  if (ntasks <= max_inline) {
    fn(0, n);
    return;
  }
  parallel_for(static_cast<int>(ntasks), [&](int i) {
    const int64_t i0 = i * chunk;
    fn(i0, std::min(n, i0 + chunk));
  });
}

}  // namespace lenet
