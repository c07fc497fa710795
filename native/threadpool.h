// A persistent pool of worker threads. parallel_for(n, fn) runs fn(0..n-1) once each and
// returns when all are done; the calling thread takes part. Tasks are claimed dynamically,
// so every kernel gives each task its own disjoint output (or its own partial buffer that
// is reduced afterwards in a fixed order): results never depend on which thread ran what.
#pragma once
#include <functional>

namespace lenet {

void set_threads(int n);      // n <= 0: hardware_concurrency
int get_threads();
void parallel_for(int ntasks, const std::function<void(int)>& fn);

}  // namespace lenet
