// BatchMatMul (with the optional bias + relu of tfjs' _FusedMatMul).
//   no transpose of A: C = A * B   via gemm_nn (B packed, transposed if trans_b)
//   trans_a:           C = A^T * B via gemm_tn (the weight-gradient shape of a dense layer)
#include <algorithm>
#include <vector>

#include "gemm.h"
#include "kernels.h"

namespace lenet {

void batch_matmul(float* c, const float* a, const float* b, const float* bias, int act, int64_t batch_a,
                  int64_t batch_b, int64_t m, int64_t k, int64_t n, bool trans_a, bool trans_b) {
  const long batch = std::max(batch_a, batch_b);
  const long ldb = padded_width(n);
  std::vector<float> bpad;
  if (bias) {
    bpad.assign(static_cast<size_t>(ldb), 0.0f);
    std::copy(bias, bias + n, bpad.begin());
  }
  std::vector<float> bpack;
  for (long i = 0; i < batch; ++i) {
    const float* ai = a + (batch_a == 1 ? 0 : i) * m * k;
    const float* bi = b + (batch_b == 1 ? 0 : i) * k * n;
    float* ci = c + i * m * n;
    if (i == 0 || batch_b != 1) {
      if (!trans_a || trans_b) bpack = pack_b(bi, k, n, trans_b, ldb);
    }
    if (!trans_a) {
      GemmNN nn{};
      nn.a = ai;
      nn.rows = RowMap{1, 1, m, 0, 0, k};
      nn.k = SegMap{1, k, 0};
      nn.b = bpack.data();
      nn.ldb = ldb;
      nn.n = n;
      nn.c = ci;
      nn.ldc = n;
      nn.bias = bias ? bpad.data() : nullptr;
      nn.act = act;
      run_gemm_nn(nn, m);
    } else {
      GemmTN tn{};
      tn.a = ai;  // [k][m]: row p = k index, column m
      tn.rows = RowMap{1, 1, k, 0, 0, m};
      tn.m = SegMap{1, m, 0};
      if (trans_b) {
        tn.b = bpack.data();
        tn.ldb = ldb;
        tn.blen = k * ldb;
      } else {
        tn.b = bi;
        tn.ldb = n;
        tn.blen = k * n;
      }
      tn.n = n;
      run_gemm_tn(tn, k, m, ci, n);
      if (bias || act != kLinear) {
        for (long r = 0; r < m; ++r)
          for (long j = 0; j < n; ++j) {
            float v = ci[r * n + j] + (bias ? bias[j] : 0.0f);
            if (act == kRelu && v < 0) v = 0;
            ci[r * n + j] = v;
          }
      }
    }
  }
}

}  // namespace lenet
