// Sum over leading axes (the bias gradient: [B,H,W,C] -> [C]) or trailing axes (a row sum),
// accumulated in double like tfjs' cpu Sum (which sums in JS numbers). Leading-axis sums are
// cut into fixed row chunks whose partials are added in chunk order: deterministic.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels.h"
#include "threadpool.h"

namespace lenet {

void sum_leading(float* out, const float* x, int64_t rows, int64_t cols) {
  const int64_t chunk_rows = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, cols));
  const int64_t nchunks = std::min<int64_t>(64, (rows + chunk_rows - 1) / chunk_rows);
  std::vector<double> partial(static_cast<size_t>(nchunks * cols), 0.0);
  // Column j of row r is flat element r*cols + j. Blocks of L = lcm(cols, 8) consecutive
  // elements hold every column L/cols times, so the block loop has a fixed stride the
  // compiler vectorises; the L lanes fold into the cols sums at the end.
  const int64_t L = cols * (8 / std::gcd<int64_t>(cols, 8));
  auto task = [&](int c) {
    const int64_t r0 = rows * c / nchunks, r1 = rows * (c + 1) / nchunks;
    double* p = partial.data() + c * cols;
    const float* __restrict xs = x;
    int64_t i = r0 * cols;
    const int64_t end = r1 * cols;
    if (L <= 256 && end - i >= L) {
      double acc[256] = {};
      for (; i + L <= end; i += L)
        for (int64_t k = 0; k < L; ++k) acc[k] += xs[i + k];
      for (int64_t k = 0; k < L; ++k) p[k % cols] += acc[k];  // block starts are multiples of cols
    }
    for (; i < end; ++i) p[i % cols] += xs[i];
  };
  if (nchunks <= 2) {
    for (int64_t c = 0; c < nchunks; ++c) task(static_cast<int>(c));
  } else {
    parallel_for(static_cast<int>(nchunks), task);
  }
  for (int64_t j = 0; j < cols; ++j) {
    double s = 0;
    for (int64_t c = 0; c < nchunks; ++c) s += partial[c * cols + j];
    out[j] = static_cast<float>(s);
  }
}

void sum_trailing(float* out, const float* x, int64_t rows, int64_t cols) {
  auto range = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = x + r * cols;
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) s += row[j];
      out[r] = static_cast<float>(s);
    }
  };
  for_chunks(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, cols)), range);
}

}  // namespace lenet
