// Adam, fused: one pass updates a variable and its two moments in place, with exactly the
// float32 operations (and rounding after each) of tfjs' AdamOptimizer.applyGradients:
//   m = m*b1 + g*(1-b1);  v = v*b2 + g*g*(1-b2)
//   x = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) * -lr + x
// Contraction into fused multiply-adds would change the rounding, so it is off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "threadpool.h"

namespace lenet {

void adam_update(float* value, float* m, float* v, const float* g, int64_t n, const AdamScalars& s) {
  auto range = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = g[i];
      const float mi = m[i] * s.beta1 + gi * s.one_minus_beta1;
      const float vi = v[i] * s.beta2 + (gi * gi) * s.one_minus_beta2;
      m[i] = mi;
      v[i] = vi;
      const float mhat = mi / s.one_minus_acc_beta1;
      const float vhat = vi / s.one_minus_acc_beta2;
      const float denom = std::sqrt(vhat) + s.epsilon;
      value[i] = (mhat / denom) * s.neg_lr + value[i];
    }
  };
  for_chunks(n, 16384, range);
}

}  // namespace lenet
