// A persistent pool of worker threads. parallel_for(n, fn) runs fn(0..n-1) once each and
// returns when all are done; the calling thread takes part. Tasks are claimed dynamically,
// so every kernel gives each task its own disjoint output (or its own partial buffer that
// is reduced afterwards in a fixed order): results never depend on which thread ran what.
#pragma once
#include <cstdint>
#include <functional>

namespace lenet {

void set_threads(int n);  // n <= 0: hardware_concurrency
int get_threads();
// The calling thread's index in the pool: 0 for a thread that submits jobs, 1..n-1 for the
// workers. Tasks of one job run on distinct indices, so a task may use per-index scratch memory.
int worker_index();
void parallel_for(int ntasks, const std::function<void(int)>& fn);
// parallel_for that returns at once: the workers start on the job while the caller goes on
// (it must not touch the job's memory meanwhile). finish(ticket) completes it, the caller taking
// part; any later job, and set_threads, complete it first. 0 means it already ran (one thread).
uint64_t submit(int ntasks, std::function<void(int)> fn);
void finish(uint64_t ticket);

// fn(i0, i1) over [0, n) in fixed chunks of `chunk` items (the split depends on n and chunk
// only). Jobs of at most `max_inline` chunks run inline: waking the pool costs more than they take.
void for_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn, int64_t max_inline = 2);

}  // namespace lenet
