// The kernels the binding exposes. Conventions (llm.c style): outputs first, then inputs,
// then sizes; every tensor is float32 NHWC (tfjs layout); outputs are fully overwritten.
// Geometry comes already resolved by tfjs (computeConv2DInfo / computePool2DInfo).
#pragma once
#include <cstdint>
#include <functional>

namespace lenet {

struct ConvGeom {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

struct PoolGeom {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

enum Activation { kLinear = 0, kRelu = 1 };

// conv.cc
void conv2d_forward(float* y,           // [B, OH, OW, Cout]
                    const float* x,     // [B, H, W, Cin]
                    const float* f,     // [fh, fw, Cin, Cout]
                    const float* bias,  // [Cout] or null
                    int act, const ConvGeom& g);
void conv2d_backward_input(float* dx,        // [B, H, W, Cin]
                           const float* dy,  // [B, OH, OW, Cout]
                           const float* f,   // [fh, fw, Cin, Cout]
                           const ConvGeom& g);
void conv2d_backward_filter(float* df,        // [fh, fw, Cin, Cout]
                            const float* x,   // [B, H, W, Cin]
                            const float* dy,  // [B, OH, OW, Cout]
                            const ConvGeom& g);
void conv2d_forward_reference(float* y, const float* x, const float* f, const float* bias, int act, const ConvGeom& g);
void conv2d_backward_input_reference(float* dx, const float* dy, const float* f, const ConvGeom& g);
void conv2d_backward_filter_reference(float* df, const float* x, const float* dy, const ConvGeom& g);

// pool.cc
void maxpool_forward(float* y,        // [B, OH, OW, C]
                     const float* x,  // [B, H, W, C]
                     const PoolGeom& g);
void maxpool_backward(float* dx,        // [B, H, W, C]
                      const float* dy,  // [B, OH, OW, C]
                      const float* x,   // [B, H, W, C]
                      const PoolGeom& g);

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
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
void binary_op(float* out,      // [n]
               const float* a,  // [na]
               const float* b,  // [nb]
               int op, int64_t n, int64_t na, int64_t nb);
enum UnaryOp {
  kReluOp = 0,
  kStepOp = 1,
  kTanhOp = 2,
  kSigmoidOp = 3,
  kSqrtOp = 4,
  kSquareOp = 5,
  kNegOp = 6,
  kExpOp = 7,
  kLogOp = 8
};
void unary_op(float* out, const float* x, int op, float alpha, int64_t n);  // [n] each
void softmax_rows(float* out,                                               // [rows, cols]: softmax of each row
                  const float* x,                                           // [rows, cols]
                  int64_t rows, int64_t cols);

// reduce.cc
void sum_leading(float* out,      // [cols]: out[j] = sum_r x[r][j]
                 const float* x,  // [rows, cols]
                 int64_t rows, int64_t cols);
void sum_trailing(float* out,      // [rows]: out[r] = sum_j x[r][j]
                  const float* x,  // [rows, cols]
                  int64_t rows, int64_t cols);

// adam.cc: in place, value/m/v/g all [n]. The scalars are float32 as tfjs rounds them.
struct AdamScalars {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float one_minus_acc_beta1, one_minus_acc_beta2;  // 1 - beta^t
  float epsilon, neg_lr;
};
void adam_update(float* value, float* m, float* v, const float* g, int64_t n, const AdamScalars& s);

}  // namespace lenet
