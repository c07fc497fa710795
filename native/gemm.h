// Splitting the vector kernels of simd.h into thread-pool tasks. Task boundaries depend
// only on the problem size (never on the thread count), and reductions go through
// per-chunk partial buffers summed in chunk order: results are bit-identical whatever the
// scheduling and whatever the number of threads.
#pragma once
#include <vector>

#include "simd.h"

namespace lenet {

// Rounds n up to a multiple of the vector width in use.
long padded_width(long n);

// Copies a row-major [k][n] matrix (or, if transposed, the transpose of [n][k]) into the
// zero-padded [k][ldb] layout gemm_nn expects.
std::vector<float> pack_b(const float* b, long k, long n, bool transposed, long ldb);

// C[p][0:n] for p in [0, P).
void run_gemm_nn(const GemmNN& g, long P);

// C[m][0:n] = sum over all P rows, m in [0, M); C row m at c + m*ldc.
void run_gemm_tn(const GemmTN& g, long P, long M, float* c, long ldc);

}  // namespace lenet
