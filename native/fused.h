// The layers of the fused training engine (fused_engine.h), each a forward/backward pair on one
// image or a few rows, as in llm.c: outputs first, then inputs, then sizes; shapes in comments.
// Every kernel has a fast path (fused_layers.cc, on the vector path in use) and a naive
// reference with the same arguments (fused_reference.cc) that tests check it against, on every
// vector path. Layouts are tfjs': images and activations NHWC, a conv filter [k][k][cin][cout],
// a dense kernel [in][out].
#pragma once
#include <cstdint>
#include <vector>

#include "opcodes.h"

namespace lenet {

// conv (valid, stride 1) -> activation -> max-pool (window = stride = pool, floor) on one image.
struct ConvStage {
  long in_h, in_w, in_c;  // input [in_h][in_w][in_c]
  long k;                 // filter [k][k][in_c][out_c]
  long out_c;
  long conv_h, conv_w;  // in - k + 1
  long pool;
  long ph, pw;                               // pooled output [ph][pw][out_c] = conv / pool, floor
  int act;                                   // EngineActivation
  long used_h() const { return ph * pool; }  // conv rows and columns a window reads;
  long used_w() const { return pw * pool; }  // the others never reach the output
  long z_size() const { return used_h() * used_w() * out_c; }
  long y_size() const { return ph * pw * out_c; }
  long x_size() const { return in_h * in_w * in_c; }
  long taps() const { return k * k * in_c; }  // K of the product: one filter window
};

// How a path sums a conv stage's filter gradient (conv_filter_gradient_to_tfjs converts it).
enum ConvGradLayout {
  kGradTfjs = 0,    // [k][k][in_c][out_c] (the references)
  kGradLanes = 1,   // [k*k][np*width]: lane i holds channel i % out_c (one input channel, lanes path)
  kGradSparse = 2,  // [out_c][k][segpad]: window row kh of channel c, segpad = k*in_c rounded up
};

// The filter of a conv stage, in the layouts the fast kernels read (rebuilt after every update
// from the tfjs-layout weights; the width is the vector width they were packed for).
struct PackedConv {
  long width = 0;
  bool reference = false;
  long lanes_np = 0;  // > 0: the (ow, co)-in-lanes path (in_c == 1), patterns of np vectors
  int grad_layout = kGradTfjs;
  long acc_size = 0;         // floats of the filter-gradient sum in grad_layout
  std::vector<float> fpack;  // [taps][ldb] filter, ldb = out_c rounded up to the width
  std::vector<float> bpack;  // [ldb] bias
  long ldb = 0;
  std::vector<float> fpat;  // lanes path: [k*k][np*width] fpat[t][i] = f[t][i % out_c]
  std::vector<float> bpat;  // lanes path: [np*width]
  std::vector<float> ft;    // input gradient: [out_c][k][segpad] ft[c][kh][kw*in_c + ci] = f[kh][kw][ci][c]
  long segpad = 0;
  const float* f = nullptr;  // the tfjs-layout filter [k][k][in_c][out_c] and bias [out_c]
  const float* b = nullptr;
};

// A dense layer's kernel for the fast products: the forward reads it in tfjs' layout (its rows
// followed by readable memory: the engine keeps slack after its weights); the input gradient
// reads the packed transpose.
struct PackedDense {
  long width = 0;
  std::vector<float> wt;  // [out][ldi] wt[o][i] = w[i][o], ldi = in rounded up
  long ldi = 0;
  const float* wsrc = nullptr;  // tfjs layout [in][out], bias [out]
  const float* bsrc = nullptr;
};

// Per-thread working memory of the conv kernels (sized by the engine, reused every step).
struct ConvScratch {
  std::vector<float> xe;  // lanes path: [slots][pool][in_h][ldxe] expanded images, one per residue of the pool
  long ldxe = 0;
  long slots = 1, slot = 0;                // the caller picks the slot of each image (kept forward to backward)
  std::vector<const float*> expanded;      // [slots]: which image each slot holds
  std::vector<const float*> src;           // lanes path: [pool][k*k] tap tables
  std::vector<float> z, a;                 // [used_h*used_w*out_c] conv output, activated
  std::vector<float> g;                    // [ph*pw*out_c] gradient at the winners
  std::vector<float> rowsum;               // [pw*out_c] the bias gradient's row sums
  std::vector<int32_t> at, order, starts;  // the winners' windows (SparseConv)
  std::vector<float> xpad;                 // the input with slack (sparse path of a first layer)
  std::vector<long> off;                   // [pool^2] pooling slices
  std::vector<long> slot_at;               // [pool^2] a window place's input offset
};

// Packs w for the vector width in use (or, reference, for the naive loops) from f, b.
void pack_conv(PackedConv& w, const ConvStage& s, const float* f, const float* b, long width, bool reference,
               bool input_grad);
// Sizes t for s (any vector width up to max_width), with `slots` expanded images kept.
void size_conv_scratch(ConvScratch& t, const ConvStage& s, long max_width, long slots);

// ---- conv stage ------------------------------------------------------------------------------
// Forward: y the pooled activations, d = act'(x) at each window's winner (the first maximum in
// row-major window order, as tfjs' MaxPool gradient routes), win the winner's place in its window
// (i*pool + j for conv output (ph*pool + i, pw*pool + j)).
void conv_stage_forward(float* y,        // [ph][pw][out_c]
                        float* d,        // [ph][pw][out_c]
                        int32_t* win,    // [ph][pw][out_c]
                        const float* x,  // [in_h][in_w][in_c]
                        const PackedConv& w, const ConvStage& s, ConvScratch& t);
void conv_stage_forward_reference(float* y, float* d, int32_t* win, const float* x, const PackedConv& w,
                                  const ConvStage& s, ConvScratch& t);
// Backward from dy at the pooled outputs: the filter-gradient sum (layout w.grad_layout) and the
// bias gradient are added to, dx (unless null) is overwritten.
void conv_stage_backward(float* dfacc,        // [w.acc_size], +=
                         float* db,           // [out_c], +=
                         float* dx,           // [in_h][in_w][in_c] (+ width floats of slack), or null
                         const float* x,      // [in_h][in_w][in_c]
                         const float* dy,     // [ph][pw][out_c]
                         const float* d,      // [ph][pw][out_c]
                         const int32_t* win,  // [ph][pw][out_c]
                         const PackedConv& w, const ConvStage& s, ConvScratch& t);
void conv_stage_backward_reference(float* dfacc, float* db, float* dx, const float* x, const float* dy, const float* d,
                                   const int32_t* win, const PackedConv& w, const ConvStage& s, ConvScratch& t);
// df = the filter gradient in tfjs' layout from a sum in w.grad_layout.
void conv_filter_gradient_to_tfjs(float* df,         // [k][k][in_c][out_c]
                                  const float* acc,  // [w.acc_size]
                                  const PackedConv& w, const ConvStage& s);

// ---- dense -----------------------------------------------------------------------------------
// y = act(x w + b) for `rows` rows; d = act'(x w + b) unless null; act < 0: linear (no d).
void dense_forward(float* y,        // [rows][out]
                   float* d,        // [rows][out] or null
                   const float* x,  // [rows][in]
                   const PackedDense& w, long rows, long in, long out, int act);
void dense_forward_reference(float* y, float* d, const float* x, const PackedDense& w, long rows, long in, long out,
                             int act);
// dx = (dy w^T) * dscale (elementwise, unless dscale is null).
void dense_backward_input(float* dx,            // [rows][in]
                          const float* dy,      // [rows][out]
                          const float* dscale,  // [rows][in] or null
                          const PackedDense& w, long rows, long in, long out);
void dense_backward_input_reference(float* dx, const float* dy, const float* dscale, const PackedDense& w, long rows,
                                    long in, long out);
// Rows i0..i1-1 of the kernel gradient, dw[i][:] = sum_n x[n][i] dy[n][:] over n in order.
void dense_backward_weights(float* dw,        // [in][out] (rows i0..i1-1 written)
                            const float* x,   // [n][in]
                            const float* dy,  // [n][out]
                            long n, long in, long out, long i0, long i1);
void dense_backward_weights_reference(float* dw, const float* x, const float* dy, long n, long in, long out, long i0,
                                      long i1);
// db[:] = sum_n dy[n][:] over n in order (exact: one order, both paths).
void bias_gradient(float* db, const float* dy, long n, long out);

// ---- output: softmax and the loss ------------------------------------------------------------
// probs = softmax(logits); dlogits = d loss / d logits, the loss averaged over `batch` images
// (src/train/loss.ts): crossentropy -mean log clip(p, 1e-7, 1-1e-7) with clipByValue's gradient
// mask, or paper: softmax cross-entropy taken on the probabilities.
void softmax_loss_backward(float* probs,           // [rows][classes]
                           float* dlogits,         // [rows][classes], or null (forward only)
                           const float* logits,    // [rows][classes]
                           const uint8_t* labels,  // [rows]
                           long rows, long classes, long batch, int loss);
void softmax_loss_backward_reference(float* probs, float* dlogits, const float* logits, const uint8_t* labels,
                                     long rows, long classes, long batch, int loss);

// ---- optimizer -------------------------------------------------------------------------------
// The float32 scalars of one update, rounded as tfjs rounds them.
struct OptimizerScalars {
  int kind;  // EngineOptimizer
  float neg_lr;
  float beta1, one_minus_beta1, beta2, one_minus_beta2, one_minus_acc_beta1, one_minus_acc_beta2, epsilon;  // adam
  float momentum;                                                                                           // momentum
};
// In place, exactly tfjs' formulas (each operation rounded to float32, no fused multiply-add):
//   adam      m = m b1 + g (1-b1); v = v b2 + g^2 (1-b2); x = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) (-lr) + x
//   sgd       x = (-lr) g + x
//   momentum  a = a m + g; x = (-lr) a + x
void optimizer_update(float* value, float* s1, float* s2, const float* g, long n, const OptimizerScalars& s);
void optimizer_update_reference(float* value, float* s1, float* s2, const float* g, long n, const OptimizerScalars& s);

}  // namespace lenet
