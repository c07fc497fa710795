// N-API glue of the fused engine (fused_engine.h): argument checking only. Every buffer's
// length is checked against the engine's sizes before the engine touches memory; a mismatch
// throws a JS TypeError/RangeError, and an engine error becomes a JS Error.
#include <napi.h>

#include <cmath>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "activations.h"
#include "cpu.h"
#include "fused_engine.h"

namespace {

[[noreturn]] void throw_type(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void throw_range(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

double number_field(Napi::Object o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw_type(o.Env(), std::string("engine config.") + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

long int_field(Napi::Object o, const char* name, long lo, long hi) {
  const double d = number_field(o, name);
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throw_range(o.Env(), std::string("engine config.") + name + " must be an integer in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "]");
  return static_cast<long>(d);
}

template <typename T, napi_typedarray_type kType>
T* typed(const Napi::CallbackInfo& info, size_t i, const char* name, const char* type_name, long expect) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != kType)
    throw_type(env, std::string(name) + " must be a " + type_name);
  Napi::TypedArray a = info[i].As<Napi::TypedArray>();
  if (expect >= 0 && static_cast<long>(a.ElementLength()) != expect)
    throw_range(env, std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, expected " +
                         std::to_string(expect));
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

long typed_length(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray())
    throw_type(info.Env(), std::string(name) + " must be a typed array");
  return static_cast<long>(info[i].As<Napi::TypedArray>().ElementLength());
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(),
                           "lenet_native: out of memory for the fused engine's working memory (a smaller --batch-size "
                           "or architecture needs less)");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("lenet_native: ") + e.what());
  }
}

class FusedEngine : public Napi::ObjectWrap<FusedEngine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FusedEngine",
                       {
                           InstanceMethod("tensorSizes", &FusedEngine::TensorSizes),
                           InstanceMethod("dispose", &FusedEngine::Dispose),
                           InstanceMethod("slotCount", &FusedEngine::SlotCount),
                           InstanceMethod("readTensor", &FusedEngine::ReadTensor),
                           InstanceMethod("writeTensor", &FusedEngine::WriteTensor),
                           InstanceMethod("getState", &FusedEngine::GetState),
                           InstanceMethod("setState", &FusedEngine::SetState),
                           InstanceMethod("step", &FusedEngine::Step),
                           InstanceMethod("forward", &FusedEngine::Forward),
                           InstanceMethod("configureResize", &FusedEngine::ConfigureResize),
                           InstanceMethod("stepIndexed", &FusedEngine::StepIndexed),
                           InstanceMethod("forwardIndexed", &FusedEngine::ForwardIndexed),
                           StaticMethod("microBatches", &FusedEngine::MicroBatches),
                           StaticMethod("activation", &FusedEngine::Activation),
                           StaticMethod("optimizerUpdate", &FusedEngine::OptimizerUpdate),
                           StaticMethod("resize", &FusedEngine::Resize),
                       });
  }

  // new FusedEngine({image, conv1, conv2, kernel, pool, dense, classes, activations: [a1, a2, a3],
  //                  loss, optimizer, learningRate, reference})
  explicit FusedEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FusedEngine>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw_type(env, "engine config must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    lenet::EngineConfig c{};
    c.image = int_field(o, "image", 1, 4096);
    c.conv1 = int_field(o, "conv1", 1, 4096);
    c.conv2 = int_field(o, "conv2", 1, 4096);
    c.k = int_field(o, "kernel", 1, 4096);
    c.pool = int_field(o, "pool", 1, 4096);
    c.dense = int_field(o, "dense", 1, 65536);
    c.classes = int_field(o, "classes", 1, 64);
    Napi::Value acts = o.Get("activations");
    if (!acts.IsArray() || acts.As<Napi::Array>().Length() != 3)
      throw_type(env, "engine config.activations must be an array of 3 codes");
    for (uint32_t i = 0; i < 3; ++i) {
      Napi::Value a = acts.As<Napi::Array>().Get(i);
      const double d = a.IsNumber() ? a.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0 && d < lenet::kEngineActivationCount) || d != std::floor(d))
        throw_range(env, "engine config.activations[" + std::to_string(i) + "] is not an activation code");
      c.act[i] = static_cast<int>(d);
    }
    c.loss = static_cast<int>(int_field(o, "loss", 0, lenet::kEngineLossCount - 1));
    c.optimizer = static_cast<int>(int_field(o, "optimizer", 0, lenet::kEngineOptimizerCount - 1));
    c.learning_rate = number_field(o, "learningRate");
    if (!(c.learning_rate > 0) || !std::isfinite(c.learning_rate))
      throw_range(env, "engine config.learningRate must be a positive number");
    Napi::Value ref = o.Get("reference");
    c.reference = ref.IsBoolean() && ref.As<Napi::Boolean>().Value();
    try {
      engine_ = std::make_unique<lenet::Engine>(c);
    } catch (const std::invalid_argument& e) {
      throw_range(env, std::string("lenet_native: ") + e.what());
    } catch (const std::bad_alloc&) {  // uncaught, it would abort the process
      throw Napi::Error::New(env,
                             "lenet_native: out of memory for the fused engine's weights and optimizer state (a "
                             "smaller architecture needs less)");
    }
  }

 private:
  // dispose(): frees the engine's memory now rather than when the object is collected; any later
  // call throws
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    engine_.reset();
    return info.Env().Undefined();
  }

  // Every call goes through here, and so waits for the last step's update in flight.
  lenet::Engine& engine(const Napi::CallbackInfo& info) {
    if (!engine_) throw Napi::Error::New(info.Env(), "lenet_native: this engine was disposed");
    try {
      engine_->settle();
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), std::string("lenet_native: ") + e.what());
    }
    return *engine_;
  }

  Napi::Value TensorSizes(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env(), lenet::Engine::kTensors);
    for (int i = 0; i < lenet::Engine::kTensors; ++i)
      a.Set(i, Napi::Number::New(info.Env(), static_cast<double>(engine(info).tensor_size(i))));
    return a;
  }

  Napi::Value SlotCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine(info).slot_count());
  }

  // kind: 0 weights, 1 gradients of the last step, 2 + s optimizer slot s; i: the tensor
  float* tensor(const Napi::CallbackInfo& info, bool writing) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
      throw_type(env, "kind and index must be numbers");
    const double kind = info[0].As<Napi::Number>().DoubleValue(), i = info[1].As<Napi::Number>().DoubleValue();
    if (!(i >= 0 && i < lenet::Engine::kTensors) || i != std::floor(i)) throw_range(env, "tensor index out of range");
    const int t = static_cast<int>(i);
    if (kind == 0) return engine(info).weights(t);
    if (kind == 1 && !writing) return engine(info).gradients(t);
    if ((kind == 2 || kind == 3) && kind - 2 < engine(info).slot_count())
      return engine(info).slot(static_cast<int>(kind) - 2, t);
    throw_range(env, "no such tensor kind for this engine");
  }

  // readTensor(kind, i, out: Float32Array)
  Napi::Value ReadTensor(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      const float* src = tensor(info, false);
      const long n = engine(info).tensor_size(static_cast<int>(info[1].As<Napi::Number>().DoubleValue()));
      float* out = typed<float, napi_float32_array>(info, 2, "out", "Float32Array", n);
      std::copy(src, src + n, out);
      return info.Env().Undefined();
    });
  }

  // writeTensor(kind, i, values: Float32Array)
  Napi::Value WriteTensor(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      float* dst = tensor(info, true);
      const long n = engine(info).tensor_size(static_cast<int>(info[1].As<Napi::Number>().DoubleValue()));
      const float* src = typed<float, napi_float32_array>(info, 2, "values", "Float32Array", n);
      std::copy(src, src + n, dst);
      engine(info).weights_changed();
      return info.Env().Undefined();
    });
  }

  Napi::Value GetState(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("iterations", Napi::Number::New(info.Env(), static_cast<double>(engine(info).iterations)));
    o.Set("accBeta1", Napi::Number::New(info.Env(), engine(info).acc_beta1));
    o.Set("accBeta2", Napi::Number::New(info.Env(), engine(info).acc_beta2));
    return o;
  }

  // setState({iterations, accBeta1, accBeta2}): the betas are float32 values as tfjs stores them
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw_type(env, "state must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    const double it = number_field(o, "iterations");
    if (!(it >= 0 && it <= 9.0e15) || it != std::floor(it))
      throw_range(env, "state.iterations must be an integer >= 0");
    const double b1 = number_field(o, "accBeta1"), b2 = number_field(o, "accBeta2");
    engine(info).iterations = static_cast<int64_t>(it);
    engine(info).acc_beta1 = static_cast<float>(b1);
    engine(info).acc_beta2 = static_cast<float>(b2);
    return env.Undefined();
  }

  // step(probs: Float32Array [n*classes], images: Float32Array [n*image*image], labels: Uint8Array [n])
  Napi::Value Step(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      const lenet::EngineConfig& c = engine(info).config();
      const long n = typed_length(info, 2, "labels");
      if (n < 1) throw_range(info.Env(), "a step needs at least one image");
      const uint8_t* labels = typed<uint8_t, napi_uint8_array>(info, 2, "labels", "Uint8Array", n);
      for (long i = 0; i < n; ++i)
        if (labels[i] >= c.classes)
          throw_range(info.Env(),
                      "labels[" + std::to_string(i) + "] is " + std::to_string(labels[i]) + ", not a class");
      float* probs = typed<float, napi_float32_array>(info, 0, "probs", "Float32Array", n * c.classes);
      lenet::Engine::Source src;
      src.images = typed<float, napi_float32_array>(info, 1, "images", "Float32Array", n * c.image * c.image);
      engine(info).step(probs, src, labels, n);
      return info.Env().Undefined();
    });
  }

  // forward(probs: Float32Array [n*classes], images: Float32Array [n*image*image])
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      const lenet::EngineConfig& c = engine(info).config();
      const long n = typed_length(info, 0, "probs") / c.classes;
      float* probs = typed<float, napi_float32_array>(info, 0, "probs", "Float32Array", n * c.classes);
      lenet::Engine::Source src;
      src.images = typed<float, napi_float32_array>(info, 1, "images", "Float32Array", n * c.image * c.image);
      engine(info).forward(probs, src, n);
      return info.Env().Undefined();
    });
  }

  // configureResize(rows, cols, mode): raw images of rows x cols bytes for stepIndexed and
  // forwardIndexed, resized to the engine's input as src/data/resize.ts does (mode 0 bilinear, 1 pad)
  Napi::Value ConfigureResize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    for (size_t i = 0; i < 3; ++i)
      if (info.Length() <= i || !info[i].IsNumber()) throw_type(env, "rows, cols and mode must be numbers");
    const double rows = info[0].As<Napi::Number>().DoubleValue(), cols = info[1].As<Napi::Number>().DoubleValue();
    const double mode = info[2].As<Napi::Number>().DoubleValue();
    if (!(rows >= 1 && rows <= 4096 && cols >= 1 && cols <= 4096) || rows != std::floor(rows) ||
        cols != std::floor(cols) || (mode != lenet::kResizeBilinear && mode != lenet::kResizePad))
      throw_range(env, "rows and cols must be integers in [1, 4096] and mode 0 or 1");
    if (!engine(info).configure_resize(static_cast<long>(rows), static_cast<long>(cols), static_cast<int>(mode)))
      throw_range(env, "pad needs the input at least as large as the images");
    return env.Undefined();
  }

  // The raw images of an indexed call: pixels [count][rows][cols], indices [n] each < count.
  lenet::Engine::Source indexed_source(const Napi::CallbackInfo& info, size_t pi, size_t ii, long n) {
    Napi::Env env = info.Env();
    const lenet::ImageResizer& r = engine(info).resizer();
    if (!r.configured()) throw_range(env, "call configureResize first");
    const long per = r.rows() * r.cols();
    const long bytes = typed_length(info, pi, "pixels");
    if (bytes % per != 0) throw_range(env, "pixels is not a whole number of images");
    lenet::Engine::Source src;
    src.pixels = typed<uint8_t, napi_uint8_array>(info, pi, "pixels", "Uint8Array", bytes);
    src.indices = typed<uint32_t, napi_uint32_array>(info, ii, "indices", "Uint32Array", n);
    for (long i = 0; i < n; ++i)
      if (src.indices[i] >= static_cast<uint64_t>(bytes / per))
        throw_range(env, "indices[" + std::to_string(i) + "] is " + std::to_string(src.indices[i]) + ", past the " +
                             std::to_string(bytes / per) + " images");
    return src;
  }

  // stepIndexed(probs: Float32Array [n*classes], pixels: Uint8Array, labels: Uint8Array (one per raw
  // image), indices: Uint32Array [n]): a step on the raw images at indices, with their labels
  Napi::Value StepIndexed(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      const lenet::EngineConfig& c = engine(info).config();
      const long n = typed_length(info, 3, "indices");
      if (n < 1) throw_range(info.Env(), "a step needs at least one image");
      const lenet::Engine::Source src = indexed_source(info, 1, 3, n);
      const long count =
          typed_length(info, 1, "pixels") / (engine(info).resizer().rows() * engine(info).resizer().cols());
      const uint8_t* all = typed<uint8_t, napi_uint8_array>(info, 2, "labels", "Uint8Array", count);
      labels_.resize(n);
      for (long i = 0; i < n; ++i) {
        labels_[i] = all[src.indices[i]];
        if (labels_[i] >= c.classes)
          throw_range(info.Env(), "labels[" + std::to_string(src.indices[i]) + "] is " + std::to_string(labels_[i]) +
                                      ", not a class");
      }
      float* probs = typed<float, napi_float32_array>(info, 0, "probs", "Float32Array", n * c.classes);
      engine(info).step(probs, src, labels_.data(), n);
      return info.Env().Undefined();
    });
  }

  // forwardIndexed(probs: Float32Array [n*classes], pixels: Uint8Array, indices: Uint32Array [n])
  Napi::Value ForwardIndexed(const Napi::CallbackInfo& info) {
    return guarded(info, [&] {
      const lenet::EngineConfig& c = engine(info).config();
      const long n = typed_length(info, 2, "indices");
      const lenet::Engine::Source src = indexed_source(info, 1, 2, n);
      float* probs = typed<float, napi_float32_array>(info, 0, "probs", "Float32Array", n * c.classes);
      engine(info).forward(probs, src, n);
      return info.Env().Undefined();
    });
  }

  // resize(out: Float32Array [n*size*size], pixels: Uint8Array [n*rows*cols], rows, cols, size, mode):
  // what the indexed calls do to each image (tests compare it with src/data/resize.ts)
  static Napi::Value Resize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    for (size_t i = 2; i < 6; ++i)
      if (info.Length() <= i || !info[i].IsNumber()) throw_type(env, "rows, cols, size and mode must be numbers");
    const long rows = info[2].As<Napi::Number>().Int64Value(), cols = info[3].As<Napi::Number>().Int64Value();
    const long size = info[4].As<Napi::Number>().Int64Value(), mode = info[5].As<Napi::Number>().Int64Value();
    lenet::ImageResizer r;
    if (rows < 1 || cols < 1 || size < 1 || rows > 4096 || cols > 4096 || size > 4096 || (mode != 0 && mode != 1) ||
        !r.configure(rows, cols, size, static_cast<int>(mode)))
      throw_range(env, "bad resize geometry");
    const long n = typed_length(info, 1, "pixels") / (rows * cols);
    const uint8_t* px = typed<uint8_t, napi_uint8_array>(info, 1, "pixels", "Uint8Array", n * rows * cols);
    float* out = typed<float, napi_float32_array>(info, 0, "out", "Float32Array", n * size * size);
    std::vector<double> h(rows * size);
    for (long i = 0; i < n; ++i) r.resize(out + i * size * size, px + i * rows * cols, h.data());
    return env.Undefined();
  }

  static Napi::Value MicroBatches(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw_type(info.Env(), "n must be a number");
    const double n = info[0].As<Napi::Number>().DoubleValue();
    return Napi::Number::New(info.Env(), static_cast<double>(lenet::Engine::micro_batches(static_cast<long>(n))));
  }

  // activation(y, d, x, code, reference): y = act(x), d = act'(x) on the vector path in use, or
  // with the scalar references of activations.h (the pair behind every layer's activation)
  static Napi::Value Activation(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const long n = typed_length(info, 2, "x");
    float* y = typed<float, napi_float32_array>(info, 0, "y", "Float32Array", n);
    float* d = typed<float, napi_float32_array>(info, 1, "d", "Float32Array", n);
    const float* x = typed<float, napi_float32_array>(info, 2, "x", "Float32Array", n);
    if (info.Length() < 5 || !info[3].IsNumber() || !info[4].IsBoolean())
      throw_type(env, "code and reference expected");
    const double code = info[3].As<Napi::Number>().DoubleValue();
    if (!(code >= 0 && code < lenet::kEngineActivationCount) || code != std::floor(code))
      throw_range(env, "not an activation code");
    const int act = static_cast<int>(code);
    if (info[4].As<Napi::Boolean>().Value()) {
      for (long i = 0; i < n; ++i) {
        y[i] = lenet::act_forward_ref(act, x[i]);
        d[i] = lenet::act_derivative_ref(act, x[i], y[i]);
      }
    } else {
      const lenet::SimdTable& t = lenet::simd();
      t.act_forward(y, x, n, act);
      t.act_derivative(d, x, y, n, act);
    }
    return env.Undefined();
  }

  // optimizerUpdate(value, s1, s2, g, {kind, lr, accBeta1, accBeta2}, reference): one update in
  // place, as the engine applies it after a step (the pair behind every weight update)
  static Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const long n = typed_length(info, 0, "value");
    float* value = typed<float, napi_float32_array>(info, 0, "value", "Float32Array", n);
    float* s1 = typed<float, napi_float32_array>(info, 1, "s1", "Float32Array", n);
    float* s2 = typed<float, napi_float32_array>(info, 2, "s2", "Float32Array", n);
    const float* g = typed<float, napi_float32_array>(info, 3, "g", "Float32Array", n);
    if (info.Length() < 6 || !info[4].IsObject() || !info[5].IsBoolean())
      throw_type(env, "scalars and reference expected");
    Napi::Object o = info[4].As<Napi::Object>();
    lenet::EngineConfig c{};
    c.optimizer = static_cast<int>(int_field(o, "kind", 0, lenet::kEngineOptimizerCount - 1));
    c.learning_rate = number_field(o, "lr");
    const lenet::OptimizerScalars sc = lenet::Engine::optimizer_scalars(
        c, static_cast<float>(number_field(o, "accBeta1")), static_cast<float>(number_field(o, "accBeta2")));
    (info[5].As<Napi::Boolean>().Value() ? lenet::optimizer_update_reference : lenet::optimizer_update)(value, s1, s2,
                                                                                                        g, n, sc);
    return env.Undefined();
  }

  std::unique_ptr<lenet::Engine> engine_;
  std::vector<uint8_t> labels_;
};

}  // namespace

namespace lenet {
void register_fused_engine(Napi::Env env, Napi::Object exports) {
  exports.Set("FusedEngine", FusedEngine::Define(env));
}
}  // namespace lenet
