// The fused engine's activations (activations.h), vectorised: included by simd_impl.h inside its
// ISA namespace, after vexp/vtanh/vsigmoid. Polynomials of about 2 ulp; log is Cephes' logf.

// log x for positive normal x (Cephes logf): x = m 2^e with m in [sqrt(1/2), sqrt(2)).
static inline vf vlog(vf x) {
  const vi bits = (vi)x;
  vi e = ((bits >> 23) & 0xff) - 126;
  vf m = (vf)((bits & 0x007fffff) | 0x3f000000);  // [0.5, 1)
  const auto lt = m < bcast(0.707106781186547524f);
  e = lt ? e - 1 : e;
  m = lt ? m + m - 1.0f : m - 1.0f;
  const vf z = m * m;
  vf y = bcast(7.0376836292E-2f);
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  const vf fe = __builtin_convertvector(e, vf);
  y += fe * -2.12194440e-4f;
  y += z * -0.5f;
  return m + y + fe * 0.693359375f;
}

// log(1 + u) for u >= 0, accurate for small u: log(w) * u / (w - 1) with w = 1 + u rounded.
static inline vf vlog1p(vf u) {
  const vf w = u + 1.0f;
  const vf r = vlog(w) * (u / (w - 1.0f));
  return w == bcast(1.0f) ? u : r;
}

// e^x - 1: a Taylor polynomial below |x| = 0.5 (where e^x - 1 would cancel), else e^x - 1.
static inline vf vexpm1(vf x) {
  const vf ax = x < vf{} ? -x : x;
  vf p = bcast(1.0f / 40320.0f);
  p = p * x + 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  const vf small = p * x * x + x;
  return ax < bcast(0.5f) ? small : vexp(x) - 1.0f;
}

static inline vf vsoftplus(vf x) {
  const vf e = vexp(x);
  vf r = x > bcast(13.942385f) ? x : vlog1p(e);
  return x < bcast(-13.942385f) ? e : r;
}

static inline vf act_relu(vf x) { return x < vf{} ? vf{} : x; }
static inline vf act_elu(vf x) { return x >= vf{} ? x : vexpm1(x); }
static inline vf act_selu(vf x) { return x >= vf{} ? x * 1.0507009873554804934f : vexpm1(x) * 1.7580993408473768599f; }
static inline vf act_swish(vf x) { return vsigmoid(x) * x; }
static inline vf act_mish(vf x) { return x * vtanh(vsoftplus(x)); }

// d = act'(x), y = act(x) (activations.h)
static inline vf der_sigmoid(vf, vf y) { return y * (1.0f - y); }
static inline vf der_tanh(vf, vf y) { return 1.0f - y * y; }
static inline vf der_relu(vf x, vf) {
  const vf r = x > vf{} ? bcast(1.0f) : vf{};
  return x != x ? x : r;
}
static inline vf der_elu(vf, vf y) { return y >= vf{} ? bcast(1.0f) : y + 1.0f; }
static inline vf der_selu(vf x, vf) {
  return x > vf{} ? bcast(1.0507009873554804934f) : vexp(x) * 1.7580993408473768599f;
}
static inline vf der_softplus(vf x, vf) { return vsigmoid(x); }
static inline vf der_swish(vf x, vf) {
  const vf s = vsigmoid(x);
  return s + x * (s * (1.0f - s));
}
static inline vf der_mish(vf x, vf) {
  const vf t = vtanh(vsoftplus(x));
  return t + x * ((1.0f - t * t) * vsigmoid(x));
}

// out[i] = f(x[i], y[i]), W at a time; the tail through zero-padded vectors. out may be x or y.
template <vf (*f)(vf, vf)>
static inline void map2_vectors(float* out, const float* x, const float* y, long n) {
  long i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load(x + i), load(y + i)));
  if (i < n) {
    float tx[W] = {}, ty[W] = {};
    for (long j = 0; j < n - i; ++j) {
      tx[j] = x[i + j];
      ty[j] = y[i + j];
    }
    store(tx, f(load(tx), load(ty)));
    for (long j = 0; j < n - i; ++j) out[i + j] = tx[j];
  }
}

// act: EngineActivation (opcodes.h)
static void engine_act_forward(float* out, const float* x, long n, int act) {
  switch (act) {
    case kActSigmoid: map_vectors<vsigmoid>(out, x, n); break;
    case kActTanh: map_vectors<vtanh>(out, x, n); break;
    case kActRelu: map_vectors<act_relu>(out, x, n); break;
    case kActElu: map_vectors<act_elu>(out, x, n); break;
    case kActSelu: map_vectors<act_selu>(out, x, n); break;
    case kActSwish: map_vectors<act_swish>(out, x, n); break;
    case kActSoftplus: map_vectors<vsoftplus>(out, x, n); break;
    default: map_vectors<act_mish>(out, x, n); break;
  }
}

static void engine_act_derivative(float* d, const float* x, const float* y, long n, int act) {
  switch (act) {
    case kActSigmoid: map2_vectors<der_sigmoid>(d, x, y, n); break;
    case kActTanh: map2_vectors<der_tanh>(d, x, y, n); break;
    case kActRelu: map2_vectors<der_relu>(d, x, y, n); break;
    case kActElu: map2_vectors<der_elu>(d, x, y, n); break;
    case kActSelu: map2_vectors<der_selu>(d, x, y, n); break;
    case kActSwish: map2_vectors<der_swish>(d, x, y, n); break;
    case kActSoftplus: map2_vectors<der_softplus>(d, x, y, n); break;
    default: map2_vectors<der_mish>(d, x, y, n); break;
  }
}
