// The fused training engine: the improved LeNet-5 (conv -> act -> pool, conv -> act -> pool,
// dense -> act, dense -> softmax) trained one whole step per call — forward, loss, backward and
// the optimizer update — with the weights and the optimizer state held here, and no allocation
// once the largest batch has been seen. The same forward serves evaluation and prediction.
//
// Parallel over the batch, deterministic: a batch of n images is cut into micro-batches whose
// bounds depend on n alone (micro_batches), each runs forward and backward on its images in
// one task and keeps its own conv-gradient sums; the sums are added in micro-batch order, and the
// dense gradients sum over the batch in image order. The weights after any number of steps are
// the same bits for any thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "fused.h"
#include "resize.h"

namespace lenet {

struct EngineConfig {
  long image;                  // input side; one channel
  long conv1, conv2, k, pool;  // filters of the two convs, their square kernel, the pool window
  long dense, classes;         // hidden dense units, outputs
  int act[3];                  // EngineActivation after conv1, conv2, dense
  int loss;                    // EngineLoss
  int optimizer;               // EngineOptimizer
  double learning_rate;
  bool reference;  // every layer on its naive reference, one micro-batch at a time (tests)
};

class Engine {
 public:
  // The trainable tensors in tfjs' order: conv1/kernel, conv1/bias, conv2/kernel, conv2/bias,
  // dense/kernel, dense/bias, output/kernel, output/bias.
  static constexpr int kTensors = 8;

  explicit Engine(const EngineConfig& c);  // throws std::invalid_argument for sizes that do not fit

  long tensor_size(int i) const { return size_[i]; }
  float* weights(int i) { return params_.data() + offset_[i]; }
  float* gradients(int i) { return grads_.data() + offset_[i]; }  // of the last step
  // Optimizer slots: adam m (0) and v (1); momentum its accumulation (0); sgd none.
  int slot_count() const;
  float* slot(int which, int i) { return (which == 0 ? slot1_ : slot2_).data() + offset_[i]; }
  // Call after writing weights through weights(i): the packed copies are rebuilt.
  void weights_changed() { packed_width_ = 0; }
  // step() returns before its optimizer update is done (the workers finish it while the caller
  // goes on); call settle() before reading or writing the weights, slots, gradients or state
  // through the accessors here. step() and forward() settle by themselves.
  void settle();

  int64_t iterations = 0;
  float acc_beta1, acc_beta2;  // adam's beta1^t and beta2^t, as tfjs keeps them (float32)

  // Where a batch's n images come from: floats, or raw images the engine resizes (resize.h).
  struct Source {
    const float* images = nullptr;      // [n][image][image], or
    const uint8_t* pixels = nullptr;    // [*][rows][cols] of configure_resize
    const uint32_t* indices = nullptr;  // [n]: which of them
  };
  // Raw images of rows x cols bytes, resized as src/data/resize.ts does (mode: ResizeMode).
  bool configure_resize(long rows, long cols, int mode) { return resizer_.configure(rows, cols, cfg_.image, mode); }
  const ImageResizer& resizer() const { return resizer_; }

  // One optimizer step on n images with labels [n] (0 <= label < classes); probs [n][classes]
  // are the model's probabilities before the update.
  void step(float* probs, const Source& images, const uint8_t* labels, long n);
  // probs [n][classes] of n images.
  void forward(float* probs, const Source& images, long n);

  const EngineConfig& config() const { return cfg_; }
  // The micro-batches of a batch of n: a function of n only. Micro-batch mb holds images
  // [micro_batch_begin(n, mb), micro_batch_begin(n, mb + 1)): sizes differ by one at most, so
  // that each of 2, 4, 8 or 16 threads gets the same number of images.
  static long micro_batches(long n);
  static long micro_batch_begin(long n, long mb);
  // The scalars of one update of c.optimizer at c.learning_rate, Adam's beta powers given.
  static OptimizerScalars optimizer_scalars(const EngineConfig& c, float acc_beta1, float acc_beta2);

 private:
  struct Scratch;
  void run(float* probs, const Source& images, const uint8_t* labels, long n, bool train);
  void micro_batch(long mb, long i0, long i1, float* probs, const Source& images, const uint8_t* labels, long n,
                   bool train, Scratch& t);
  void apply_gradients(long n, long nmb);
  void update_task(int i);
  struct Update {
    OptimizerScalars scalars;
    long n, micro_batches;
  } update_{};  // the step whose update is in flight
  void pack(long width);
  void pack_dense_rows(long i0, long i1);
  void ensure_capacity(long n, bool train);

  EngineConfig cfg_;
  ImageResizer resizer_;
  ConvStage s1_, s2_;
  long features_;  // flattened pooled conv2 output
  long size_[kTensors], offset_[kTensors], total_;
  // a micro-batch's conv-gradient sums: conv1 filter (in its path's layout), bias, conv2 filter, bias
  long acc_off_[4] = {0, 0, 0, 0}, acc_total_ = 0;
  std::vector<float> acc_sum_;
  std::vector<float> params_, grads_, slot1_, slot2_;
  PackedConv p1_, p2_;
  PackedDense d3_, d4_;
  long packed_width_ = 0;
  // per batch row: conv2's pooled output, the dense activation, the gradients at the dense and
  // output layers' pre-activations
  std::vector<float> x3_, h3_, dh3_, do4_;
  std::vector<float> conv_acc_;  // [micro-batches][acc_total_]
  long capacity_ = 0;
  std::vector<Scratch*> scratch_;
  uint64_t pending_ = 0;  // the thread pool's ticket of this engine's update in flight, or 0
  void free_scratch();

 public:
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
};

}  // namespace lenet
