// The kernels the binding exposes, each a pair as in llm.c: the fast path, and a plain
// reference loop (reference.cc) with the same arguments that the tests check it against on
// seeded random inputs, on every vector path and thread count.
// Conventions: outputs first, then inputs, then sizes; every tensor is float32 NHWC (tfjs
// layout); outputs are fully overwritten (Adam updates in place). Geometry comes already
// resolved by tfjs (computeConv2DInfo / computePool2DInfo) and checked by binding.cc.
#pragma once
#include <cstdint>

#include "opcodes.h"

namespace lenet {

// A convolution: input [batch, in_h, in_w, in_c], filter [filter_h, filter_w, in_c, out_c],
// output [batch, out_h, out_w, out_c]; input row ih = oh*stride_h - pad_top + kh (likewise w).
struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

// A pooling: input [batch, in_h, in_w, channels], output [batch, out_h, out_w, channels].
struct PoolGeometry {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

// conv.cc (one input channel: conv_lanes.cc). act: Activation (opcodes.h).
void conv2d_forward(float* y,           // [B, OH, OW, Cout]
                    const float* x,     // [B, H, W, Cin]
                    const float* f,     // [fh, fw, Cin, Cout]
                    const float* bias,  // [Cout] or null
                    int act, const ConvGeometry& g);
void conv2d_forward_reference(float* y, const float* x, const float* f, const float* bias, int act,
                              const ConvGeometry& g);
void conv2d_backward_input(float* dx,        // [B, H, W, Cin]
                           const float* dy,  // [B, OH, OW, Cout]
                           const float* f,   // [fh, fw, Cin, Cout]
                           const ConvGeometry& g);
void conv2d_backward_input_reference(float* dx, const float* dy, const float* f, const ConvGeometry& g);
void conv2d_backward_filter(float* df,        // [fh, fw, Cin, Cout]
                            const float* x,   // [B, H, W, Cin]
                            const float* dy,  // [B, OH, OW, Cout]
                            const ConvGeometry& g);
void conv2d_backward_filter_reference(float* df, const float* x, const float* dy, const ConvGeometry& g);

// pool.cc: padding cells never win; dy goes to the first maximum of its window (row-major).
void maxpool_forward(float* y,        // [B, OH, OW, C]
                     const float* x,  // [B, H, W, C]
                     const PoolGeometry& g);
void maxpool_forward_reference(float* y, const float* x, const PoolGeometry& g);
void maxpool_backward(float* dx,        // [B, H, W, C]
                      const float* dy,  // [B, OH, OW, C]
                      const float* x,   // [B, H, W, C]
                      const PoolGeometry& g);
void maxpool_backward_reference(float* dx, const float* dy, const float* x, const PoolGeometry& g);

// matmul.cc: C[i] = act(op(A[i]) * op(B[i]) + bias); a batch of 1 broadcasts.
void batch_matmul(float* c,           // [batch, M, N]
                  const float* a,     // [batchA, M, K] or [batchA, K, M] if trans_a
                  const float* b,     // [batchB, K, N] or [batchB, N, K] if trans_b
                  const float* bias,  // [N] or null
                  int act, int64_t batch_a, int64_t batch_b, int64_t m, int64_t k, int64_t n, bool trans_a,
                  bool trans_b);
void batch_matmul_reference(float* c, const float* a, const float* b, const float* bias, int act, int64_t batch_a,
                            int64_t batch_b, int64_t m, int64_t k, int64_t n, bool trans_a, bool trans_b);

// elementwise.cc: out[i] = a[i % na] op b[i % nb]; na, nb are n, 1, or a period dividing n.
void binary_op(float* out,      // [n]
               const float* a,  // [na]
               const float* b,  // [nb]
               int op, int64_t n, int64_t na, int64_t nb);
void binary_op_reference(float* out, const float* a, const float* b, int op, int64_t n, int64_t na, int64_t nb);
// out[i] = op(x[i]); alpha is Step's value for x <= 0
void unary_op(float* out,      // [n]
              const float* x,  // [n]
              int op, float alpha, int64_t n);
void unary_op_reference(float* out, const float* x, int op, float alpha, int64_t n);
void softmax_rows(float* out,      // [rows, cols]: softmax of each row
                  const float* x,  // [rows, cols]
                  int64_t rows, int64_t cols);
void softmax_rows_reference(float* out, const float* x, int64_t rows, int64_t cols);

// reduce.cc, accumulated in double
void sum_leading(float* out,      // [cols]: out[j] = sum_r x[r][j]
                 const float* x,  // [rows, cols]
                 int64_t rows, int64_t cols);
void sum_leading_reference(float* out, const float* x, int64_t rows, int64_t cols);
void sum_trailing(float* out,      // [rows]: out[r] = sum_j x[r][j]
                  const float* x,  // [rows, cols]
                  int64_t rows, int64_t cols);
void sum_trailing_reference(float* out, const float* x, int64_t rows, int64_t cols);

// adam.cc: in place. The scalars are float32 as tfjs rounds them.
struct AdamScalars {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float one_minus_acc_beta1, one_minus_acc_beta2;  // 1 - beta^t
  float epsilon, neg_lr;
};
void adam_update(float* value,    // [n] updated in place
                 float* m,        // [n] first moment, in place
                 float* v,        // [n] second moment, in place
                 const float* g,  // [n] gradient
                 int64_t n, const AdamScalars& s);
void adam_update_reference(float* value, float* m, float* v, const float* g, int64_t n, const AdamScalars& s);

}  // namespace lenet
