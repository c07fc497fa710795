#include "fused_engine.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "cpu.h"
#include "fpmode.h"
#include "threadpool.h"

namespace lenet {

namespace {

constexpr long kMaxWidth = 16;   // the widest vector path: scratch is sized for it
constexpr long kSubChunk = 8;    // images whose dense layers run as one product inside a micro-batch
constexpr long kDenseRows = 24;  // dense-kernel rows per gradient task (a multiple of the tiles: 6, 8, 12)
constexpr long kMicroBatches = 16;

long round_up(long n, long w) { return (n + w - 1) / w * w; }

ConvStage make_stage(long in_h, long in_w, long in_c, long k, long out_c, long pool, int act, const char* name) {
  ConvStage s{};
  s.in_h = in_h;
  s.in_w = in_w;
  s.in_c = in_c;
  s.k = k;
  s.out_c = out_c;
  s.conv_h = in_h - k + 1;
  s.conv_w = in_w - k + 1;
  s.pool = pool;
  s.ph = s.conv_h > 0 ? s.conv_h / pool : 0;
  s.pw = s.conv_w > 0 ? s.conv_w / pool : 0;
  s.act = act;
  if (s.ph < 1 || s.pw < 1)
    throw std::invalid_argument(std::string(name) + ": kernel " + std::to_string(k) + " and pool " +
                                std::to_string(pool) + " leave no output of a " + std::to_string(in_h) + "x" +
                                std::to_string(in_w) + " input");
  if (static_cast<double>(s.z_size()) > 2.0e9) throw std::invalid_argument(std::string(name) + " is too large");
  return s;
}

}  // namespace

struct Engine::Scratch {
  ConvScratch c1, c2;
  std::vector<float> y1, d1, d2, dy1, d3, logits, dx3;
  std::vector<float> img;    // [kSubChunk][image^2 + slack]: images resized here
  std::vector<double> hres;  // the resizer's scratch
  std::vector<int32_t> win1, win2;
};

Engine::Engine(const EngineConfig& c) : cfg_(c) {
  if (c.image < 1 || c.conv1 < 1 || c.conv2 < 1 || c.k < 1 || c.pool < 1 || c.dense < 1 || c.classes < 1 ||
      c.classes > 64)
    throw std::invalid_argument("engine sizes must be positive (at most 64 classes)");
  for (int a : c.act)
    if (a < 0 || a >= kEngineActivationCount) throw std::invalid_argument("unknown activation code");
  if (c.loss < 0 || c.loss >= kEngineLossCount) throw std::invalid_argument("unknown loss code");
  if (c.optimizer < 0 || c.optimizer >= kEngineOptimizerCount) throw std::invalid_argument("unknown optimizer code");
  s1_ = make_stage(c.image, c.image, 1, c.k, c.conv1, c.pool, c.act[0], "conv1");
  s2_ = make_stage(s1_.ph, s1_.pw, c.conv1, c.k, c.conv2, c.pool, c.act[1], "conv2");
  features_ = s2_.y_size();
  const long sizes[kTensors] = {c.k * c.k * c.conv1, c.conv1, s2_.taps() * c.conv2, c.conv2,
                                features_ * c.dense, c.dense, c.dense * c.classes,  c.classes};
  long off = 0;
  for (int i = 0; i < kTensors; ++i) {
    size_[i] = sizes[i];
    offset_[i] = off;
    off += sizes[i];
  }
  total_ = off;
  if (c.conv1 > 4096 || c.conv2 > 4096) throw std::invalid_argument("at most 4096 filters per conv");
  params_.assign(total_ + kMaxWidth, 0.0f);  // slack: vector loads of a dense kernel's last row
  grads_.assign(total_, 0.0f);
  slot1_.assign(c.optimizer == kOptSgd ? 0 : total_, 0.0f);
  slot2_.assign(c.optimizer == kOptAdam ? total_ : 0, 0.0f);
  acc_beta1 = 0.9f;
  acc_beta2 = 0.999f;
}

Engine::~Engine() {
  try {
    settle();
  } catch (...) {  // the update's error has nobody to go to: the engine is going away
  }
  free_scratch();
}

void Engine::free_scratch() {
  for (Scratch* s : scratch_) delete s;
  scratch_.clear();
}

int Engine::slot_count() const { return cfg_.optimizer == kOptAdam ? 2 : cfg_.optimizer == kOptMomentum ? 1 : 0; }

long Engine::micro_batches(long n) { return std::max<long>(1, std::min(n, kMicroBatches)); }

long Engine::micro_batch_begin(long n, long mb) { return n * mb / micro_batches(n); }

// ---- packing ---------------------------------------------------------------------------------

// The dense layers' forward reads their kernels where they are (tfjs' layout); only the
// transpose, for the input gradient, is a packed copy.
void Engine::pack_dense_rows(long i0, long i1) {
  const long out = cfg_.dense;
  const float* w = weights(4);
  // row by row of the copy, runs of i1 - i0 floats in order: the whole update 0.22 -> 0.20 ms a step
  for (long o = 0; o < out; ++o)
    for (long i = i0; i < i1; ++i) d3_.wt[o * d3_.ldi + i] = w[i * out + o];
}

static void pack_dense_all(PackedDense& d, const float* w, long in, long out) {
  for (long o = 0; o < out; ++o)
    for (long i = 0; i < in; ++i) d.wt[o * d.ldi + i] = w[i * out + o];
}

static void shape_dense(PackedDense& d, const float* w, const float* b, long in, long out, long width) {
  d.width = width;
  d.wsrc = w;
  d.bsrc = b;
  d.ldi = round_up(in, width);
  d.wt.assign(out * d.ldi, 0.0f);
}

void Engine::pack(long width) {
  pack_conv(p1_, s1_, weights(0), weights(1), width, cfg_.reference, false);
  pack_conv(p2_, s2_, weights(2), weights(3), width, cfg_.reference, true);
  acc_off_[0] = 0;
  acc_off_[1] = p1_.acc_size;
  acc_off_[2] = acc_off_[1] + cfg_.conv1;
  acc_off_[3] = acc_off_[2] + p2_.acc_size;
  acc_total_ = acc_off_[3] + cfg_.conv2;
  acc_sum_.assign(acc_total_, 0.0f);
  shape_dense(d3_, weights(4), weights(5), features_, cfg_.dense, width);
  shape_dense(d4_, weights(6), weights(7), cfg_.dense, cfg_.classes, width);
  pack_dense_all(d3_, weights(4), features_, cfg_.dense);
  pack_dense_all(d4_, weights(6), cfg_.dense, cfg_.classes);
  packed_width_ = width;
}

// ---- working memory --------------------------------------------------------------------------

void Engine::ensure_capacity(long n, bool train) {
  if (n > capacity_) {
    x3_.assign(n * features_, 0.0f);
    h3_.assign(n * cfg_.dense, 0.0f);
    dh3_.assign(n * cfg_.dense, 0.0f);
    do4_.assign(n * cfg_.classes, 0.0f);
    capacity_ = n;
  }
  // the micro-batches' conv-gradient sums: training only (an engine that only predicts, as
  // evaluate's, never holds them: for wide convs they are 16 times the conv kernels)
  const long nmb = micro_batches(n);
  if (train && static_cast<long>(conv_acc_.size()) < nmb * acc_total_) conv_acc_.assign(nmb * acc_total_, 0.0f);
  const long threads = std::max(1, get_threads());
  if (static_cast<long>(scratch_.size()) == threads && scratch_[0]->hres.size() == size_t(resizer_.rows() * cfg_.image))
    return;
  free_scratch();
  for (long i = 0; i < threads; ++i) {
    Scratch* t = new Scratch();
    size_conv_scratch(t->c1, s1_, kMaxWidth, kSubChunk);
    size_conv_scratch(t->c2, s2_, kMaxWidth, 1);
    t->y1.assign(kSubChunk * s1_.y_size() + kMaxWidth, 0.0f);  // slack: window loads of conv2's sparse path
    t->d1.assign(kSubChunk * s1_.y_size(), 0.0f);
    t->win1.assign(kSubChunk * s1_.y_size(), 0);
    t->d2.assign(kSubChunk * s2_.y_size(), 0.0f);
    t->win2.assign(kSubChunk * s2_.y_size(), 0);
    t->dy1.assign(s2_.x_size() + kMaxWidth, 0.0f);  // slack: conv2's sparse input gradient
    t->d3.assign(kSubChunk * cfg_.dense, 0.0f);
    t->logits.assign(kSubChunk * cfg_.classes, 0.0f);
    t->dx3.assign(kSubChunk * features_, 0.0f);
    t->img.assign(kSubChunk * (cfg_.image * cfg_.image + kMaxWidth), 0.0f);
    t->hres.assign(resizer_.rows() * cfg_.image, 0.0);
    scratch_.push_back(t);
  }
}

// ---- one step --------------------------------------------------------------------------------

void Engine::micro_batch(long mb, long i0, long i1, float* probs, const Source& src, const uint8_t* labels, long n,
                         bool train, Scratch& t) {
  const bool ref = cfg_.reference;
  const long img = cfg_.image * cfg_.image, F = features_, U = cfg_.dense, C = cfg_.classes;
  const long y1n = s1_.y_size(), y2n = s2_.y_size();
  float* acc = nullptr;
  if (train) {
    acc = conv_acc_.data() + mb * acc_total_;
    std::fill(acc, acc + acc_total_, 0.0f);
  }
  for (long c0 = i0; c0 < i1; c0 += kSubChunk) {
    const long c1 = std::min(i1, c0 + kSubChunk), rows = c1 - c0;
    const float* xs[kSubChunk];
    for (long j = 0; j < rows; ++j) {
      if (src.images != nullptr) {
        xs[j] = src.images + (c0 + j) * img;
      } else {
        float* x = t.img.data() + j * (img + kMaxWidth);
        resizer_.resize(x, src.pixels + static_cast<long>(src.indices[c0 + j]) * resizer_.rows() * resizer_.cols(),
                        t.hres.data());
        xs[j] = x;
      }
      const float* x = xs[j];
      float* y1 = t.y1.data() + j * y1n;
      t.c1.slot = j;
      (ref ? conv_stage_forward_reference : conv_stage_forward)(y1, t.d1.data() + j * y1n, t.win1.data() + j * y1n, x,
                                                                p1_, s1_, t.c1);
      (ref ? conv_stage_forward_reference : conv_stage_forward)(x3_.data() + (c0 + j) * F, t.d2.data() + j * y2n,
                                                                t.win2.data() + j * y2n, y1, p2_, s2_, t.c2);
    }
    float* h = h3_.data() + c0 * U;
    (ref ? dense_forward_reference : dense_forward)(h, train ? t.d3.data() : nullptr, x3_.data() + c0 * F, d3_, rows, F,
                                                    U, cfg_.act[2]);
    (ref ? dense_forward_reference : dense_forward)(t.logits.data(), nullptr, h, d4_, rows, U, C, -1);
    float* dout = train ? do4_.data() + c0 * C : nullptr;
    (ref ? softmax_loss_backward_reference : softmax_loss_backward)(
        probs + c0 * C, dout, t.logits.data(), train ? labels + c0 : nullptr, rows, C, n, cfg_.loss);
    if (!train) continue;
    float* dh = dh3_.data() + c0 * U;
    (ref ? dense_backward_input_reference : dense_backward_input)(dh, dout, t.d3.data(), d4_, rows, U, C);
    (ref ? dense_backward_input_reference : dense_backward_input)(t.dx3.data(), dh, nullptr, d3_, rows, F, U);
    auto backward = ref ? conv_stage_backward_reference : conv_stage_backward;
    for (long j = 0; j < rows; ++j) {
      const float* x = xs[j];
      t.c1.slot = j;
      backward(acc + acc_off_[2], acc + acc_off_[3], t.dy1.data(), t.y1.data() + j * y1n, t.dx3.data() + j * F,
               t.d2.data() + j * y2n, t.win2.data() + j * y2n, p2_, s2_, t.c2);
      backward(acc + acc_off_[0], acc + acc_off_[1], nullptr, x, t.dy1.data(), t.d1.data() + j * y1n,
               t.win1.data() + j * y1n, p1_, s1_, t.c1);
    }
  }
}

OptimizerScalars Engine::optimizer_scalars(const EngineConfig& c, float acc_beta1, float acc_beta2) {
  OptimizerScalars s{};
  s.kind = c.optimizer;
  s.neg_lr = static_cast<float>(-c.learning_rate);
  s.beta1 = 0.9f;
  s.one_minus_beta1 = static_cast<float>(1.0 - 0.9);
  s.beta2 = 0.999f;
  s.one_minus_beta2 = static_cast<float>(1.0 - 0.999);
  s.one_minus_acc_beta1 = static_cast<float>(1.0 - static_cast<double>(acc_beta1));
  s.one_minus_acc_beta2 = static_cast<float>(1.0 - static_cast<double>(acc_beta2));
  s.epsilon = 1e-7f;
  s.momentum = 0.9f;
  return s;
}

void Engine::settle() {
  if (pending_ == 0) return;
  const uint64_t ticket = pending_;
  pending_ = 0;
  finish(ticket);
}

// Task i of the update of the step in update_: 0 the convs, 1 the dense bias and the output
// layer, 2.. rows of the dense kernel.
void Engine::update_task(int i) {
  const bool ref = cfg_.reference;
  const OptimizerScalars& sc = update_.scalars;
  const long n = update_.n, nmb = update_.micro_batches;
  const long F = features_, U = cfg_.dense, C = cfg_.classes;
  auto update = (ref ? optimizer_update_reference : optimizer_update);
  float* s1 = slot1_.empty() ? nullptr : slot1_.data();
  float* s2 = slot2_.empty() ? nullptr : slot2_.data();
  auto slot_at = [](float* s, long off) { return s == nullptr ? nullptr : s + off; };
  auto update_range = [&](long off, long len) {
    update(params_.data() + off, slot_at(s1, off), slot_at(s2, off), grads_.data() + off, len, sc);
  };
  {
    if (i == 0) {  // the convs: micro-batch sums in order, then in tfjs' layout
      float* sum = acc_sum_.data();
      std::copy(conv_acc_.begin(), conv_acc_.begin() + acc_total_, sum);
      for (long mb = 1; mb < nmb; ++mb) {
        const float* a = conv_acc_.data() + mb * acc_total_;
        for (long j = 0; j < acc_total_; ++j) sum[j] += a[j];
      }
      conv_filter_gradient_to_tfjs(gradients(0), sum + acc_off_[0], p1_, s1_);
      std::copy(sum + acc_off_[1], sum + acc_off_[2], gradients(1));
      conv_filter_gradient_to_tfjs(gradients(2), sum + acc_off_[2], p2_, s2_);
      std::copy(sum + acc_off_[3], sum + acc_total_, gradients(3));
      update_range(0, offset_[4]);
      pack_conv(p1_, s1_, weights(0), weights(1), packed_width_, cfg_.reference, false);
      pack_conv(p2_, s2_, weights(2), weights(3), packed_width_, cfg_.reference, true);
    } else if (i == 1) {  // dense bias, output kernel and bias
      bias_gradient(gradients(5), dh3_.data(), n, U);
      (ref ? dense_backward_weights_reference : dense_backward_weights)(gradients(6), h3_.data(), do4_.data(), n, U, C,
                                                                        0, U);
      bias_gradient(gradients(7), do4_.data(), n, C);
      update_range(offset_[5], total_ - offset_[5]);
      pack_dense_all(d4_, weights(6), U, C);
    } else {  // rows of the dense kernel
      const long r0 = (i - 2) * kDenseRows, r1 = std::min(F, r0 + kDenseRows);
      (ref ? dense_backward_weights_reference : dense_backward_weights)(gradients(4), x3_.data(), dh3_.data(), n, F, U,
                                                                        r0, r1);
      update_range(offset_[4] + r0 * U, (r1 - r0) * U);
      pack_dense_rows(r0, r1);
    }
  }
}

void Engine::apply_gradients(long n, long nmb) {
  update_ = {optimizer_scalars(cfg_, acc_beta1, acc_beta2), n, nmb};
  const int ntasks = static_cast<int>(2 + (features_ + kDenseRows - 1) / kDenseRows);
  if (cfg_.reference) {
    for (int i = 0; i < ntasks; ++i) update_task(i);
  } else {
    // The update runs on the workers while the caller goes back to JavaScript with the
    // probabilities (the loss and accuracy tally, the next batch's indices); the next call
    // that reads or writes the engine finishes it first (settle). The function holds only
    // `this`: no allocation per step.
    pending_ = submit(ntasks, [this](int i) { update_task(i); });
  }
  ++iterations;
  if (cfg_.optimizer == kOptAdam) {
    acc_beta1 = acc_beta1 * 0.9f;
    acc_beta2 = acc_beta2 * 0.999f;
  }
}

void Engine::run(float* probs, const Source& images, const uint8_t* labels, long n, bool train) {
  settle();
  if (n <= 0) return;
  const long width = simd().width;
  if (packed_width_ != width) pack(width);
  ensure_capacity(n, train);
  const long nmb = micro_batches(n);
  const uint64_t mode = get_fp_mode();
  struct Restore {
    uint64_t mode;
    ~Restore() { set_fp_mode(mode); }
  } restore{mode};
  // forward and backward with denormals flushed (fpmode.h); the update rounds as tfjs does
  set_fp_mode(flush_denormals_mode(mode));
  auto task = [&](int mb) {
    const long i0 = micro_batch_begin(n, mb), i1 = micro_batch_begin(n, mb + 1);
    micro_batch(mb, i0, i1, probs, images, labels, n, train, *scratch_[cfg_.reference ? 0 : worker_index()]);
  };
  if (cfg_.reference) {
    for (long mb = 0; mb < nmb; ++mb) task(static_cast<int>(mb));
  } else {
    parallel_for(static_cast<int>(nmb), task);
  }
  if (!train) return;
  set_fp_mode(mode);
  apply_gradients(n, nmb);
}

void Engine::step(float* probs, const Source& images, const uint8_t* labels, long n) {
  run(probs, images, labels, n, true);
}

void Engine::forward(float* probs, const Source& images, long n) { run(probs, images, nullptr, n, false); }

}  // namespace lenet
