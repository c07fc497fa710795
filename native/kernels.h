// The kernels the binding exposes. Conventions (llm.c style): outputs first, then inputs,
// then sizes; every tensor is float32 NHWC (tfjs layout); outputs are fully overwritten.
// Geometry comes already resolved by tfjs (computeConv2DInfo / computePool2DInfo).
#pragma once
#include <cstdint>

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
void conv2d_forward(float* y,          // [B, OH, OW, Cout]
                    const float* x,    // [B, H, W, Cin]
                    const float* f,    // [fh, fw, Cin, Cout]
                    const float* bias, // [Cout] or null
                    int act, const ConvGeom& g);
void conv2d_backward_input(float* dx,        // [B, H, W, Cin]
                           const float* dy,  // [B, OH, OW, Cout]
                           const float* f,   // [fh, fw, Cin, Cout]
                           const ConvGeom& g);
void conv2d_backward_filter(float* df,        // [fh, fw, Cin, Cout]
                            const float* x,   // [B, H, W, Cin]
                            const float* dy,  // [B, OH, OW, Cout]
                            const ConvGeom& g);
void conv2d_forward_reference(float* y, const float* x, const float* f, const float* bias, int act,
                              const ConvGeom& g);
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
                  int act, int64_t batch_a, int64_t batch_b, int64_t m, int64_t k, int64_t n,
                  bool trans_a, bool trans_b);
void batch_matmul_reference(float* c, const float* a, const float* b, const float* bias, int act,
                            int64_t batch_a, int64_t batch_b, int64_t m, int64_t k, int64_t n,
                            bool trans_a, bool trans_b);

}  // namespace lenet
