// N-API glue: argument checking only. Geometry objects are converted once into ConvGeometry /
// PoolGeometry with every field checked, and every buffer's length is checked against the
// dimensions before any kernel touches memory; a mismatch throws a JS TypeError/RangeError.
// Each kernel is exported twice: the fast path, and under `reference` its naive loop (kernels.h).
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "cpu.h"
#include "fpmode.h"
#include "kernels.h"
#include "threadpool.h"

namespace lenet {
void register_fused_engine(Napi::Env env, Napi::Object exports);  // fused_binding.cc
}  // namespace lenet

namespace {

using lenet::ConvGeometry;
using lenet::PoolGeometry;

constexpr int64_t kMaxElements = int64_t(1) << 40;
constexpr double kMaxDim = 2147483647.0;

[[noreturn]] void throw_type(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void throw_range(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

std::string describe(double d) {
  std::ostringstream s;
  s << d;
  return s.str();
}

// Reads `count` integers from the JS array argument i, each >= min_value.
std::vector<int64_t> int_list(const Napi::CallbackInfo& info, size_t i, const char* name, size_t count,
                              int64_t min_value) {
  if (info.Length() <= i || !info[i].IsArray()) throw_type(info.Env(), std::string(name) + " must be an array");
  Napi::Array arr = info[i].As<Napi::Array>();
  if (arr.Length() != count)
    throw_range(info.Env(), std::string(name) + " must have " + std::to_string(count) + " entries");
  std::vector<int64_t> out(count);
  for (uint32_t j = 0; j < count; ++j) {
    Napi::Value v = arr.Get(j);
    if (!v.IsNumber()) throw_type(info.Env(), std::string(name) + " entries must be numbers");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min_value)) || d > kMaxDim || d != std::floor(d))
      throw_range(info.Env(), std::string(name) + "[" + std::to_string(j) + "] is out of range: " + describe(d));
    out[j] = static_cast<int64_t>(d);
  }
  return out;
}

int64_t product(Napi::Env env, std::initializer_list<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    p *= d;
    if (p > kMaxElements) throw_range(env, "tensor too large");
  }
  return p;
}

// The Float32Array argument i, which must hold exactly `expect` floats (or be null if allowed).
float* f32(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t expect, bool nullable = false) {
  Napi::Env env = info.Env();
  if (info.Length() <= i) throw_type(env, std::string(name) + " is missing");
  Napi::Value v = info[i];
  if (nullable && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw_type(env, std::string(name) + " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != expect)
    throw_range(env, std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, expected " +
                         std::to_string(expect));
  return a.Data();
}

int int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int lo, int hi) {
  if (info.Length() <= i || !info[i].IsNumber()) throw_type(info.Env(), std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<int>(d))
    throw_range(info.Env(),
                std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(d);
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBoolean()) throw_type(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

// ---- geometry objects ------------------------------------------------------------------

// One field of a geometry struct: its JS name, where it goes, and its least valid value.
template <typename G>
struct Field {
  const char* name;
  int64_t G::*member;
  int64_t min;
};

// The JS names are those of tfjs' Conv2DInfo (padTop/padLeft for padInfo.top/left).
const Field<ConvGeometry> kConvFields[] = {
    {"batchSize", &ConvGeometry::batch, 1},      {"inHeight", &ConvGeometry::in_h, 1},
    {"inWidth", &ConvGeometry::in_w, 1},         {"inChannels", &ConvGeometry::in_c, 1},
    {"outHeight", &ConvGeometry::out_h, 1},      {"outWidth", &ConvGeometry::out_w, 1},
    {"outChannels", &ConvGeometry::out_c, 1},    {"filterHeight", &ConvGeometry::filter_h, 1},
    {"filterWidth", &ConvGeometry::filter_w, 1}, {"strideHeight", &ConvGeometry::stride_h, 1},
    {"strideWidth", &ConvGeometry::stride_w, 1}, {"padTop", &ConvGeometry::pad_top, 0},
    {"padLeft", &ConvGeometry::pad_left, 0},
};

const Field<PoolGeometry> kPoolFields[] = {
    {"batchSize", &PoolGeometry::batch, 1},       {"inHeight", &PoolGeometry::in_h, 1},
    {"inWidth", &PoolGeometry::in_w, 1},          {"channels", &PoolGeometry::channels, 1},
    {"outHeight", &PoolGeometry::out_h, 1},       {"outWidth", &PoolGeometry::out_w, 1},
    {"filterHeight", &PoolGeometry::filter_h, 1}, {"filterWidth", &PoolGeometry::filter_w, 1},
    {"strideHeight", &PoolGeometry::stride_h, 1}, {"strideWidth", &PoolGeometry::stride_w, 1},
    {"padTop", &PoolGeometry::pad_top, 0},        {"padLeft", &PoolGeometry::pad_left, 0},
};

// Argument i as a geometry: an object whose named fields are each an integer in [min, 2^31 - 1];
// a missing, non-integer or out-of-range field throws, naming it. (Other properties are not
// looked at: listing an object's keys would cost more than reading its 13 fields.)
template <typename G, size_t N>
G geometry_arg(const Napi::CallbackInfo& info, size_t i, const char* what, const Field<G> (&fields)[N]) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsObject() || info[i].IsArray() || info[i].IsTypedArray())
    throw_type(env, std::string(what) + " must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  G g{};
  for (size_t k = 0; k < N; ++k) {
    const Field<G>& f = fields[k];
    Napi::Value v = o.Get(f.name);
    const napi_valuetype type = v.Type();
    const double d = type == napi_number ? v.As<Napi::Number>().DoubleValue() : 0.0;
    if (type != napi_number || !(d >= static_cast<double>(f.min)) || d > kMaxDim || d != std::floor(d)) {
      const std::string name = std::string(what) + "." + f.name;
      if (type == napi_undefined) throw_type(env, name + " is missing");
      if (type != napi_number) throw_type(env, name + " must be a number");
      throw_range(env, name + " must be an integer >= " + std::to_string(f.min) + ", not " + describe(d));
    }
    g.*f.member = static_cast<int64_t>(d);
  }
  return g;
}

ConvGeometry conv_geometry(const Napi::CallbackInfo& info, size_t i) {
  return geometry_arg(info, i, "conv geometry", kConvFields);
}

PoolGeometry pool_geometry(const Napi::CallbackInfo& info, size_t i) {
  return geometry_arg(info, i, "pool geometry", kPoolFields);
}

int64_t x_size(Napi::Env env, const ConvGeometry& g) { return product(env, {g.batch, g.in_h, g.in_w, g.in_c}); }
int64_t y_size(Napi::Env env, const ConvGeometry& g) { return product(env, {g.batch, g.out_h, g.out_w, g.out_c}); }
int64_t f_size(Napi::Env env, const ConvGeometry& g) { return product(env, {g.filter_h, g.filter_w, g.in_c, g.out_c}); }

// Turns C++ exceptions into JS errors, and runs the kernel with denormals flushed (fpmode.h)
// unless kIeee, restoring the JS thread's mode either way.
template <bool kIeee = false, typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  try {
    const uint64_t mode = lenet::get_fp_mode();
    lenet::set_fp_mode(kIeee ? mode : lenet::flush_denormals_mode(mode));
    struct Restore {
      uint64_t mode;
      ~Restore() { lenet::set_fp_mode(mode); }
    } restore{mode};
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("lenet_native: ") + e.what());
  }
}

int activation_arg(const Napi::CallbackInfo& info, size_t i) {
  return int_arg(info, i, "activation", 0, lenet::kActivationCount - 1);
}

// ---- the kernels (kReference: the naive loop instead of the fast path) ------------------

// conv2dForward(y, x, filter, bias | null, activation, geometry)
template <bool kReference>
Napi::Value Conv2DForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const ConvGeometry g = conv_geometry(info, 5);
    float* y = f32(info, 0, "y", y_size(env, g));
    const float* x = f32(info, 1, "x", x_size(env, g));
    const float* f = f32(info, 2, "filter", f_size(env, g));
    const float* bias = f32(info, 3, "bias", g.out_c, true);
    const int act = activation_arg(info, 4);
    if (kReference) lenet::conv2d_forward_reference(y, x, f, bias, act, g);
    else lenet::conv2d_forward(y, x, f, bias, act, g);
    return env.Undefined();
  });
}

// conv2dBackwardInput(dx, dy, filter, geometry)
template <bool kReference>
Napi::Value Conv2DBackwardInput(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const ConvGeometry g = conv_geometry(info, 3);
    float* dx = f32(info, 0, "dx", x_size(env, g));
    const float* dy = f32(info, 1, "dy", y_size(env, g));
    const float* f = f32(info, 2, "filter", f_size(env, g));
    if (kReference) lenet::conv2d_backward_input_reference(dx, dy, f, g);
    else lenet::conv2d_backward_input(dx, dy, f, g);
    return env.Undefined();
  });
}

// conv2dBackwardFilter(dfilter, x, dy, geometry)
template <bool kReference>
Napi::Value Conv2DBackwardFilter(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const ConvGeometry g = conv_geometry(info, 3);
    float* df = f32(info, 0, "dfilter", f_size(env, g));
    const float* x = f32(info, 1, "x", x_size(env, g));
    const float* dy = f32(info, 2, "dy", y_size(env, g));
    if (kReference) lenet::conv2d_backward_filter_reference(df, x, dy, g);
    else lenet::conv2d_backward_filter(df, x, dy, g);
    return env.Undefined();
  });
}

// maxPool(y, x, geometry)
template <bool kReference>
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const PoolGeometry g = pool_geometry(info, 2);
    float* y = f32(info, 0, "y", product(env, {g.batch, g.out_h, g.out_w, g.channels}));
    const float* x = f32(info, 1, "x", product(env, {g.batch, g.in_h, g.in_w, g.channels}));
    if (kReference) lenet::maxpool_forward_reference(y, x, g);
    else lenet::maxpool_forward(y, x, g);
    return env.Undefined();
  });
}

// maxPoolGrad(dx, dy, x, geometry)
template <bool kReference>
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const PoolGeometry g = pool_geometry(info, 3);
    const int64_t xs = product(env, {g.batch, g.in_h, g.in_w, g.channels});
    float* dx = f32(info, 0, "dx", xs);
    const float* dy = f32(info, 1, "dy", product(env, {g.batch, g.out_h, g.out_w, g.channels}));
    const float* x = f32(info, 2, "x", xs);
    if (kReference) lenet::maxpool_backward_reference(dx, dy, x, g);
    else lenet::maxpool_backward(dx, dy, x, g);
    return env.Undefined();
  });
}

// batchMatMul(c, a, b, bias | null, activation, [batchA, batchB, m, k, n], transposeA, transposeB)
template <bool kReference>
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    std::vector<int64_t> d = int_list(info, 5, "matmul sizes", 5, 1);
    const int64_t ba = d[0], bb = d[1], m = d[2], k = d[3], n = d[4];
    if (ba != bb && ba != 1 && bb != 1) throw_range(env, "batch sizes must match or one must be 1");
    const int64_t batch = ba > bb ? ba : bb;
    float* c = f32(info, 0, "c", product(env, {batch, m, n}));
    const float* a = f32(info, 1, "a", product(env, {ba, m, k}));
    const float* b = f32(info, 2, "b", product(env, {bb, k, n}));
    const float* bias = f32(info, 3, "bias", n, true);
    const int act = activation_arg(info, 4);
    const bool ta = bool_arg(info, 6, "transposeA"), tb = bool_arg(info, 7, "transposeB");
    if (kReference) lenet::batch_matmul_reference(c, a, b, bias, act, ba, bb, m, k, n, ta, tb);
    else lenet::batch_matmul(c, a, b, bias, act, ba, bb, m, k, n, ta, tb);
    return env.Undefined();
  });
}

// binaryOp(out, a, b, op, [n, na, nb]): na and nb are n, 1, or a period dividing n
template <bool kReference>
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    std::vector<int64_t> d = int_list(info, 4, "binary sizes", 3, 1);
    const int64_t n = d[0], na = d[1], nb = d[2];
    if (n % na != 0 || n % nb != 0 || (na != n && nb != n))
      throw_range(env, "binary sizes: each input must be the full size, a scalar, or a period of the output");
    float* out = f32(info, 0, "out", n);
    const float* a = f32(info, 1, "a", na);
    const float* b = f32(info, 2, "b", nb);
    const int op = int_arg(info, 3, "op", 0, lenet::kBinaryOpCount - 1);
    if (kReference) lenet::binary_op_reference(out, a, b, op, n, na, nb);
    else lenet::binary_op(out, a, b, op, n, na, nb);
    return env.Undefined();
  });
}

// unaryOp(out, x, op, alpha)
template <bool kReference>
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[1].IsTypedArray()) throw_type(env, "x must be a Float32Array");
    const int64_t n = static_cast<int64_t>(info[1].As<Napi::TypedArray>().ElementLength());
    float* out = f32(info, 0, "out", n);
    const float* x = f32(info, 1, "x", n);
    const int op = int_arg(info, 2, "op", 0, lenet::kUnaryOpCount - 1);
    if (info.Length() < 4 || !info[3].IsNumber()) throw_type(env, "alpha must be a number");
    const float alpha = info[3].As<Napi::Number>().FloatValue();
    if (kReference) lenet::unary_op_reference(out, x, op, alpha, n);
    else lenet::unary_op(out, x, op, alpha, n);
    return env.Undefined();
  });
}

// sumLeading(out, x, rows, cols): out[j] = sum_r x[r][j]; sumTrailing: out[r] = sum_j x[r][j]
template <bool kReference, bool kLeading>
Napi::Value SumAxes(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const int64_t rows = int_arg(info, 2, "rows", 1, 2147483647), cols = int_arg(info, 3, "cols", 1, 2147483647);
    float* out = f32(info, 0, "out", kLeading ? cols : rows);
    const float* x = f32(info, 1, "x", product(env, {rows, cols}));
    if (kLeading && kReference) lenet::sum_leading_reference(out, x, rows, cols);
    else if (kLeading) lenet::sum_leading(out, x, rows, cols);
    else if (kReference) lenet::sum_trailing_reference(out, x, rows, cols);
    else lenet::sum_trailing(out, x, rows, cols);
    return env.Undefined();
  });
}

// softmax(out, x, rows, cols): softmax over the last axis
template <bool kReference>
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Env env = info.Env();
    const int64_t rows = int_arg(info, 2, "rows", 1, 2147483647), cols = int_arg(info, 3, "cols", 1, 2147483647);
    const int64_t n = product(env, {rows, cols});
    float* out = f32(info, 0, "out", n);
    const float* x = f32(info, 1, "x", n);
    if (kReference) lenet::softmax_rows_reference(out, x, rows, cols);
    else lenet::softmax_rows(out, x, rows, cols);
    return env.Undefined();
  });
}

// adamUpdate(value, m, v, g, [beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon, -lr])
template <bool kReference>
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  return guarded<true>(info, [&] {  // IEEE: rounds exactly like tfjs' Adam
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw_type(env, "value must be a Float32Array");
    const int64_t n = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
    float* value = f32(info, 0, "value", n);
    float* m = f32(info, 1, "m", n);
    float* v = f32(info, 2, "v", n);
    const float* g = f32(info, 3, "gradient", n);
    if (info.Length() < 5 || !info[4].IsArray()) throw_type(env, "adam scalars must be an array");
    Napi::Array arr = info[4].As<Napi::Array>();
    if (arr.Length() != 8) throw_range(env, "adam scalars must have 8 entries");
    float sc[8];
    for (uint32_t i = 0; i < 8; ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsNumber()) throw_type(env, "adam scalars must be numbers");
      sc[i] = e.As<Napi::Number>().FloatValue();
    }
    const lenet::AdamScalars s{sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6], sc[7]};
    if (kReference) lenet::adam_update_reference(value, m, v, g, n, s);
    else lenet::adam_update(value, m, v, g, n, s);
    return env.Undefined();
  });
}

// ---- settings and reports --------------------------------------------------------------

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  lenet::set_threads(int_arg(info, 0, "threads", 0, 256));
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), lenet::get_threads()); }

Napi::Value StringList(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (uint32_t i = 0; i < v.size(); ++i) a.Set(i, Napi::String::New(env, v[i]));
  return a;
}

Napi::Value CpuFeatures(const Napi::CallbackInfo& info) { return StringList(info.Env(), lenet::cpu_features()); }
Napi::Value SimdPaths(const Napi::CallbackInfo& info) { return StringList(info.Env(), lenet::available_simd()); }
Napi::Value SimdInUse(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), lenet::simd().name); }

// setSimd(name): '' = best available. Returns false if this CPU cannot run that path.
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw_type(info.Env(), "simd path must be a string");
  return Napi::Boolean::New(info.Env(), lenet::force_simd(info[0].As<Napi::String>().Utf8Value()));
}

// {name: code} for one group of opcodes.h.
template <size_t N>
Napi::Object CodeTable(Napi::Env env, const char* const (&names)[N]) {
  Napi::Object o = Napi::Object::New(env);
  for (size_t i = 0; i < N; ++i) o.Set(names[i], Napi::Number::New(env, static_cast<double>(i)));
  return o;
}

// The kernels; reference = true: their naive loops.
template <bool kReference>
Napi::Object Kernels(Napi::Env env) {
  Napi::Object k = Napi::Object::New(env);
  k.Set("conv2dForward", Napi::Function::New(env, Conv2DForward<kReference>));
  k.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2DBackwardInput<kReference>));
  k.Set("conv2dBackwardFilter", Napi::Function::New(env, Conv2DBackwardFilter<kReference>));
  k.Set("maxPool", Napi::Function::New(env, MaxPool<kReference>));
  k.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad<kReference>));
  k.Set("batchMatMul", Napi::Function::New(env, BatchMatMul<kReference>));
  k.Set("binaryOp", Napi::Function::New(env, BinaryOp<kReference>));
  k.Set("unaryOp", Napi::Function::New(env, UnaryOp<kReference>));
  k.Set("sumLeading", Napi::Function::New(env, SumAxes<kReference, true>));
  k.Set("sumTrailing", Napi::Function::New(env, SumAxes<kReference, false>));
  k.Set("softmax", Napi::Function::New(env, Softmax<kReference>));
  k.Set("adamUpdate", Napi::Function::New(env, AdamUpdate<kReference>));
  return k;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Object fast = Kernels<false>(env);
  Napi::Array names = fast.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) exports.Set(names.Get(i), fast.Get(names.Get(i)));
  exports.Set("reference", Kernels<true>(env));
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("activation", CodeTable(env, lenet::kActivationNames));
  codes.Set("binary", CodeTable(env, lenet::kBinaryOpNames));
  codes.Set("unary", CodeTable(env, lenet::kUnaryOpNames));
  codes.Set("engineActivation", CodeTable(env, lenet::kEngineActivationNames));
  codes.Set("engineLoss", CodeTable(env, lenet::kEngineLossNames));
  codes.Set("engineOptimizer", CodeTable(env, lenet::kEngineOptimizerNames));
  exports.Set("opCodes", codes);
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeatures));
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths));
  exports.Set("simdInUse", Napi::Function::New(env, SimdInUse));
  exports.Set("setSimd", Napi::Function::New(env, SetSimd));
  lenet::register_fused_engine(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(lenet_native, Init)
