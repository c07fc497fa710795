// The fused engine's activations (activations.h), vectorised: included by simd_impl.h inside its
// ISA namespace, after vexp/vtanh/vsigmoid. Polynomials of about 2 ulp; log is Cephes' logf.

typedef int viu __attribute__((vector_size(W * 4), aligned(4)));  // unaligned int vectors

// x in every lane. (bcast's 0 + x turns -0 into +0, which costs an add per broadcast; x - 0 is x.)
static inline vf splat(float x) { return x - vf{}; }

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

// ---- the fused engine's conv kernels -----------------------------------------------------------

// ConvLanesTaps forward: output vectors v0..v0+NV-1 of row r (lanes_fwd_tile with a tap table).
template <int NV, int NP>
static inline void taps_fwd_tile(const ConvLanesTaps& c, float* yrow, long r, long v0) {
  vf acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = vf{};
  const long pw = NP * W;
  const long rot = v0 % NP;
  const long roff = r * c.ld + v0 * W;
  for (long q = 0; q < c.ntaps; ++q) {
    const float* fp = c.fpat + q * pw;
    vf f[NP];
    for (int k = 0; k < NP; ++k) f[k] = load(fp + ((rot + k) % NP) * W);
    const float* xs = c.src[q] + roff;
    for (int v = 0; v < NV; ++v) acc[v] += load(xs + v * W) * f[v % NP];
  }
  for (int v = 0; v < NV; ++v) {
    const long col = (v0 + v) * W;
    if (col >= c.len) break;
    vf out = acc[v];
    if (c.bpat) out += load(c.bpat + ((v0 + v) % NP) * W);
    store_n(yrow + col, out, c.len - col);
  }
}

template <int NP>
static void taps_fwd_rows(const ConvLanesTaps& c, float* y, long r0, long r1) {
  const long nv = (c.len + W - 1) / W;
  for (long r = r0; r < r1; ++r) {
    float* yrow = y + r * c.len;
    long v0 = 0;
    for (; v0 + 12 <= nv; v0 += 12) taps_fwd_tile<12, NP>(c, yrow, r, v0);
    if (nv - v0 >= 2 * NP && 2 * NP <= 8) {
      taps_fwd_tile<2 * NP <= 8 ? 2 * NP : 1, NP>(c, yrow, r, v0);
      v0 += 2 * NP <= 8 ? 2 * NP : 1;
    }
    for (; v0 + 4 <= nv; v0 += 4) taps_fwd_tile<4, NP>(c, yrow, r, v0);
    for (; v0 < nv; ++v0) taps_fwd_tile<1, NP>(c, yrow, r, v0);
  }
}

// A square filter (c.k > 0): TR output rows at once, so that each tap's pattern vectors are loaded
// once for all of them; input vectors go straight from memory into the multiply-adds.
template <int TR, int NV, int NP>
static inline void taps_fwd_square_tile(const ConvLanesTaps& c, float* y, long r, long v0) {
  vf acc[TR][NV];
  for (int v = 0; v < NV; ++v) {
    const vf b = c.bpat ? load(c.bpat + ((v0 + v) % NP) * W) : vf{};
    for (int tr = 0; tr < TR; ++tr) acc[tr][v] = b;
  }
  const long pw = NP * W, rot = v0 % NP, k = c.k, ld = c.ld;
  for (long kw = 0; kw < k; ++kw) {
    const float* base = c.src[kw] + r * ld + v0 * W;
    for (long kh = 0; kh < k; ++kh) {
      const float* fp = c.fpat + (kh * k + kw) * pw;
      vf f[NP];
      for (int q = 0; q < NP; ++q) f[q] = load(fp + ((rot + q) % NP) * W);
      const float* xr = base + kh * ld;
      for (int tr = 0; tr < TR; ++tr)
        for (int v = 0; v < NV; ++v) acc[tr][v] += load(xr + tr * ld + v * W) * f[v % NP];
    }
  }
  for (int tr = 0; tr < TR; ++tr)
    for (int v = 0; v < NV; ++v) {
      const long col = (v0 + v) * W;
      if (col >= c.len) break;
      store_n(y + (r + tr) * c.len + col, acc[tr][v], c.len - col);
    }
}

template <int NP>
static void taps_fwd_square(const ConvLanesTaps& c, float* y, long r0, long r1) {
  const long nv = (c.len + W - 1) / W;
  constexpr int NV = 2 * NP;  // 4 rows x 2 pattern periods (measured best of 1 to 6 rows)
  constexpr int TR = 4;
  if (NP > 3 || nv % NV != 0) return taps_fwd_rows<NP>(c, y, r0, r1);
  long r = r0;
  for (; r + TR <= r1; r += TR)
    for (long v0 = 0; v0 < nv; v0 += NV) taps_fwd_square_tile<TR, NV, NP>(c, y, r, v0);
  for (; r < r1; ++r)
    for (long v0 = 0; v0 < nv; v0 += NV) taps_fwd_square_tile<1, NV, NP>(c, y, r, v0);
}

static void lanes_taps_forward(const ConvLanesTaps& c, float* y, long r0, long r1) {
  if (c.k > 0) {
    switch (c.np) {
      case 1: taps_fwd_square<1>(c, y, r0, r1); return;
      case 2: taps_fwd_square<2>(c, y, r0, r1); return;
      case 3: taps_fwd_square<3>(c, y, r0, r1); return;
      default: break;
    }
  }
  switch (c.np) {
    case 1: taps_fwd_rows<1>(c, y, r0, r1); break;
    case 2: taps_fwd_rows<2>(c, y, r0, r1); break;
    case 3: taps_fwd_rows<3>(c, y, r0, r1); break;
    default: taps_fwd_rows<4>(c, y, r0, r1); break;
  }
}

// RR rows (r..r+RR-1) of NV dy vectors each (from v0) stay in registers while every tap adds
// their products into the pattern accumulators: one read-modify-write of acc per tap and tile.
template <int RR, int NV, int NP>
static inline void taps_filter_tile(const ConvLanesTaps& c, const float* dy, long r, long v0, float* acc) {
  vf d[RR][NV];
  for (int rr = 0; rr < RR; ++rr)
    for (int v = 0; v < NV; ++v) {
      const long col = (v0 + v) * W;
      if (c.win_g != nullptr) {  // from the winners: their gradient where this row's place won
        const long o = ((r + rr) / c.pool) * c.len + col, place = ((r + rr) % c.pool) * c.pool + c.j;
        if (col + W <= c.len) {
          const vi won = *reinterpret_cast<const viu*>(c.win + o) == (vi{} + (int)place);
          d[rr][v] = won ? load(c.win_g + o) : vf{};
        } else {
          float tmp[W];
          for (long i = 0; i < W; ++i) tmp[i] = col + i < c.len && c.win[o + i] == place ? c.win_g[o + i] : 0.0f;
          d[rr][v] = load(tmp);
        }
      } else if (col + W <= c.len) {
        d[rr][v] = load(dy + (r + rr) * c.len + col);
      } else {
        const float* dyrow = dy + (r + rr) * c.len;
        float tmp[W];
        for (long i = 0; i < W; ++i) tmp[i] = col + i < c.len ? dyrow[col + i] : 0.0f;
        d[rr][v] = load(tmp);
      }
    }
  const long pw = NP * W;
  const long rot = v0 % NP;
  for (long q = 0; q < c.ntaps; ++q) {
    vf s[NP];
    for (int k = 0; k < NP; ++k) s[k] = vf{};
    for (int rr = 0; rr < RR; ++rr) {
      const float* xs = c.src[q] + (r + rr) * c.ld + v0 * W;
      for (int v = 0; v < NV; ++v) s[v % NP] += load(xs + v * W) * d[rr][v];
    }
    float* a = acc + q * pw;
    for (int k = 0; k < NP; ++k) {
      float* ak = a + ((rot + k) % NP) * W;
      store(ak, load(ak) + s[k]);
    }
  }
}

template <int RR, int NP>
static void taps_filter_rows_rr(const ConvLanesTaps& c, const float* dy, long r, float* acc) {
  const long nv = (c.len + W - 1) / W;
  long v0 = 0;
  constexpr int NV = 12 / NP / RR * NP > 0 ? 12 / NP / RR * NP : NP;  // whole pattern periods, <= 12 / RR vectors
  for (; v0 + NV <= nv; v0 += NV) taps_filter_tile<RR, NV, NP>(c, dy, r, v0, acc);
  for (; v0 < nv; ++v0) taps_filter_tile<RR, 1, NP>(c, dy, r, v0, acc);
}

template <int NP>
static void taps_filter_rows(const ConvLanesTaps& c, const float* dy, long r0, long r1, float* acc) {
  long r = r0;
  for (; r + 2 <= r1; r += 2) taps_filter_rows_rr<2, NP>(c, dy, r, acc);
  for (; r < r1; ++r) taps_filter_rows_rr<1, NP>(c, dy, r, acc);
}

// A square filter (c.k == K): rows r..r+1, NV vectors from v0, their dy in registers; every tap
// sums its products over both rows in NV independent partial sums (short dependency chains),
// then adds them to the tap's pattern accumulators.
template <int K, int NV, int NP>
static inline void taps_filter_square_tile(const ConvLanesTaps& c, const float* dy, long r, long v0, float* acc) {
  constexpr int RR = 2;
  vf d[RR][NV];
  for (int rr = 0; rr < RR; ++rr)
    for (int v = 0; v < NV; ++v) {
      const long col = (v0 + v) * W;
      if (c.win_g != nullptr) {
        const long o = ((r + rr) / c.pool) * c.len + col, place = ((r + rr) % c.pool) * c.pool + c.j;
        const vi won = *reinterpret_cast<const viu*>(c.win + o) == (vi{} + (int)place);
        d[rr][v] = won ? load(c.win_g + o) : vf{};
      } else {
        d[rr][v] = load(dy + (r + rr) * c.len + col);
      }
    }
  const long pw = NP * W, rot = v0 % NP, ld = c.ld;
  for (long kw = 0; kw < K; ++kw) {
    const float* base = c.src[kw] + r * ld + v0 * W;
    for (long kh = 0; kh < K; ++kh) {
      const float* xr = base + kh * ld;
      vf s[NV];
      for (int v = 0; v < NV; ++v) s[v] = load(xr + v * W) * d[0][v];
      for (int rr = 1; rr < RR; ++rr)
        for (int v = 0; v < NV; ++v) s[v] += load(xr + rr * ld + v * W) * d[rr][v];
      float* a = acc + (kh * K + kw) * pw;
      for (int q = 0; q < NP; ++q) {
        vf t = s[q];
        for (int v = q + NP; v < NV; v += NP) t += s[v];
        float* aq = a + ((rot + q) % NP) * W;
        store(aq, load(aq) + t);
      }
    }
  }
}

template <int K, int NP>
static bool taps_filter_square(const ConvLanesTaps& c, const float* dy, long r0, long r1, float* acc) {
  constexpr int NV = 2 * NP;
  const long nv = (c.len + W - 1) / W;
  if (nv % NV != 0 || c.len % W != 0) return false;
  long r = r0;
  for (; r + 2 <= r1; r += 2)
    for (long v0 = 0; v0 < nv; v0 += NV) taps_filter_square_tile<K, NV, NP>(c, dy, r, v0, acc);
  if (r < r1) taps_filter_rows_rr<1, NP>(c, dy, r, acc);
  return true;
}

static void lanes_taps_filter(const ConvLanesTaps& c, const float* dy, long r0, long r1, float* acc) {
  if (c.k == 5 && c.np == 3 && taps_filter_square<5, 3>(c, dy, r0, r1, acc)) return;
  if (c.k == 5 && c.np == 2 && taps_filter_square<5, 2>(c, dy, r0, r1, acc)) return;
  if (c.k == 5 && c.np == 1 && taps_filter_square<5, 1>(c, dy, r0, r1, acc)) return;
  if (c.k == 3 && c.np == 3 && taps_filter_square<3, 3>(c, dy, r0, r1, acc)) return;
  if (c.k == 3 && c.np == 2 && taps_filter_square<3, 2>(c, dy, r0, r1, acc)) return;
  if (c.k == 3 && c.np == 1 && taps_filter_square<3, 1>(c, dy, r0, r1, acc)) return;
  switch (c.np) {
    case 1: taps_filter_rows<1>(c, dy, r0, r1, acc); break;
    case 2: taps_filter_rows<2>(c, dy, r0, r1, acc); break;
    case 3: taps_filter_rows<3>(c, dy, r0, r1, acc); break;
    default: taps_filter_rows<4>(c, dy, r0, r1, acc); break;
  }
}

// ---- max-pool with the winner's place --------------------------------------------------------

static void pool_max(float* y, float* zw, int32_t* win, const float* a, const float* z, const long* off, long ns,
                     long n) {
  const vf ninf = bcast(-__builtin_inff());
  long t = 0;
  for (; t + W <= n; t += W) {
    vf best = ninf, bz = load(z + off[0] + t);
    vi bi = vi{};
    for (long s = 0; s < ns; ++s) {
      const vf v = load(a + off[s] + t);
      const auto take = v > best;
      best = take ? v : best;
      bz = take ? load(z + off[s] + t) : bz;
      bi = take ? vi{} + (int)s : bi;
    }
    store(y + t, best);
    store(zw + t, bz);
    *reinterpret_cast<viu*>(win + t) = bi;
  }
  for (; t < n; ++t) {
    float best = -__builtin_inff(), bz = z[off[0] + t];
    int32_t bi = 0;
    for (long s = 0; s < ns; ++s) {
      const float v = a[off[s] + t];
      if (v > best) {
        best = v;
        bz = z[off[s] + t];
        bi = (int32_t)s;
      }
    }
    y[t] = best;
    zw[t] = bz;
    win[t] = bi;
  }
}

// ---- dense layers on a few rows ----------------------------------------------------------------

// rows r0..r0+R-1, vectors v0..v0+NV-1 of the columns
template <int R, int NV>
static inline void dense_tile(float* c, long ldc, const float* a, long lda, long K, const float* b, long ldb, long n,
                              const float* bias, long v0) {
  vf acc[R][NV];
  for (int v = 0; v < NV; ++v) {
    const vf bv = bias ? load(bias + (v0 + v) * W) : vf{};
    for (int r = 0; r < R; ++r) acc[r][v] = bv;
  }
  const float* bp = b + v0 * W;
  for (long k = 0; k < K; ++k) {
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(bp + k * ldb + v * W);
    for (int r = 0; r < R; ++r) {
      const vf av = splat(a[r * lda + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
  for (int v = 0; v < NV; ++v) {
    const long col = (v0 + v) * W;
    if (col >= n) break;
    for (int r = 0; r < R; ++r) store_n(c + r * ldc + col, acc[r][v], n - col);
  }
}

template <int R>
static void dense_rows_r(float* c, long ldc, const float* a, long lda, long K, const float* b, long ldb, long n,
                         const float* bias) {
  const long nv = (n + W - 1) / W;
  constexpr int NV = R <= 2 ? 8 : R <= 4 ? 4 : 2;  // R * NV accumulators
  long v0 = 0;
  for (; v0 + NV <= nv; v0 += NV) dense_tile<R, NV>(c, ldc, a, lda, K, b, ldb, n, bias, v0);
  for (; v0 < nv; ++v0) dense_tile<R, 1>(c, ldc, a, lda, K, b, ldb, n, bias, v0);
}

static void dense_rows(float* c, long ldc, const float* a, long lda, long rows, long K, const float* b, long ldb,
                       long n, const float* bias) {
  long r = 0;
  for (; r + 4 <= rows; r += 4) dense_rows_r<4>(c + r * ldc, ldc, a + r * lda, lda, K, b, ldb, n, bias);
  switch (rows - r) {
    case 3: dense_rows_r<3>(c + r * ldc, ldc, a + r * lda, lda, K, b, ldb, n, bias); break;
    case 2: dense_rows_r<2>(c + r * ldc, ldc, a + r * lda, lda, K, b, ldb, n, bias); break;
    case 1: dense_rows_r<1>(c + r * ldc, ldc, a + r * lda, lda, K, b, ldb, n, bias); break;
    default: break;
  }
}

// ---- gradients from the winners of a tiling max-pool (SparseConv) ------------------------------

// chunk (kh, v0..v0+NV-1) of one channel's filter gradient, summed over every pooled output
template <int NV>
static inline void sparse_filter_chunk(const SparseConv& s, long c, long kh, long v0, float* dst) {
  vf acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = vf{};
  const long row = kh * s.in_w * s.cin + v0 * W;
  for (long i = 0; i < s.n; ++i) {
    const float gi = s.g[i * s.cout + c];
    const vf gv = splat(gi);
    const float* xs = s.x + s.at[i * s.cout + c] + row;
    for (int v = 0; v < NV; ++v) acc[v] += gv * load(xs + v * W);
  }
  for (int v = 0; v < NV; ++v) store(dst + v * W, load(dst + v * W) + acc[v]);
}

// the whole window of channel c at once: K*NV accumulators, one pass over the outputs
template <int K, int NV>
static inline void sparse_filter_window(const SparseConv& s, long c, float* dst) {
  vf acc[K][NV];
  for (int kh = 0; kh < K; ++kh)
    for (int v = 0; v < NV; ++v) acc[kh][v] = vf{};
  const long row = s.in_w * s.cin;
  for (long i = 0; i < s.n; ++i) {
    const vf gv = splat(s.g[i * s.cout + c]);
    const float* xs = s.x + s.at[i * s.cout + c];
    for (int kh = 0; kh < K; ++kh)
      for (int v = 0; v < NV; ++v) acc[kh][v] += gv * load(xs + kh * row + v * W);
  }
  for (int kh = 0; kh < K; ++kh)
    for (int v = 0; v < NV; ++v) {
      float* d = dst + kh * s.segpad + v * W;
      store(d, load(d) + acc[kh][v]);
    }
}

template <int K, int NV>
static void sparse_filter_k(const SparseConv& s, float* acc) {
  for (long c = 0; c < s.cout; ++c) sparse_filter_window<K, NV>(s, c, acc + c * K * s.segpad);
}

static void sparse_filter(const SparseConv& s, float* acc) {
  const long nv = s.segpad / W;
  switch (s.k * 16 + nv) {  // window sizes whose accumulators fit the registers
    case 2 * 16 + 1: return sparse_filter_k<2, 1>(s, acc);
    case 3 * 16 + 1: return sparse_filter_k<3, 1>(s, acc);
    case 4 * 16 + 1: return sparse_filter_k<4, 1>(s, acc);
    case 5 * 16 + 1: return sparse_filter_k<5, 1>(s, acc);
    case 6 * 16 + 1: return sparse_filter_k<6, 1>(s, acc);
    case 7 * 16 + 1: return sparse_filter_k<7, 1>(s, acc);
    case 2 * 16 + 2: return sparse_filter_k<2, 2>(s, acc);
    case 3 * 16 + 2: return sparse_filter_k<3, 2>(s, acc);
    case 4 * 16 + 2: return sparse_filter_k<4, 2>(s, acc);
    case 5 * 16 + 2: return sparse_filter_k<5, 2>(s, acc);
    case 6 * 16 + 2: return sparse_filter_k<6, 2>(s, acc);
    case 3 * 16 + 3: return sparse_filter_k<3, 3>(s, acc);
    case 4 * 16 + 3: return sparse_filter_k<4, 3>(s, acc);
    case 5 * 16 + 3: return sparse_filter_k<5, 3>(s, acc);
    case 3 * 16 + 4: return sparse_filter_k<3, 4>(s, acc);
    case 4 * 16 + 4: return sparse_filter_k<4, 4>(s, acc);
    case 5 * 16 + 4: return sparse_filter_k<5, 4>(s, acc);
    default: break;
  }
  for (long c = 0; c < s.cout; ++c)
    for (long kh = 0; kh < s.k; ++kh) {
      float* dst = acc + (c * s.k + kh) * s.segpad;
      long v0 = 0;
      for (; v0 + 4 <= nv; v0 += 4) sparse_filter_chunk<4>(s, c, kh, v0, dst + v0 * W);
      for (; v0 + 2 <= nv; v0 += 2) sparse_filter_chunk<2>(s, c, kh, v0, dst + v0 * W);
      for (; v0 < nv; ++v0) sparse_filter_chunk<1>(s, c, kh, v0, dst + v0 * W);
    }
}

// dx at one window += sum over the channels in list of g[c] * ft[c] (chunk (kh, v0..v0+NV-1))
template <int NV>
static inline void sparse_input_chunk(const SparseConv& s, const float* ft, const float* gi, const int32_t* list,
                                      long count, long kh, long v0, float* dx) {
  vf acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = vf{};
  const long fo = kh * s.segpad + v0 * W;
  for (long j = 0; j < count; ++j) {
    const long c = list[j];
    const vf gv = splat(gi[c]);
    const float* f = ft + c * s.k * s.segpad + fo;
    for (int v = 0; v < NV; ++v) acc[v] += gv * load(f + v * W);
  }
  float* d = dx + kh * s.in_w * s.cin + v0 * W;
  for (int v = 0; v < NV; ++v) store(d + v * W, load(d + v * W) + acc[v]);
}

// the whole window at once: K*NV accumulators, one pass over the place's channels
template <int K, int NV>
static inline void sparse_input_window(const SparseConv& s, const float* ft, const float* gi, const int32_t* list,
                                       long count, float* dx) {
  vf acc[K][NV];
  for (int kh = 0; kh < K; ++kh)
    for (int v = 0; v < NV; ++v) acc[kh][v] = vf{};
  for (long j = 0; j < count; ++j) {
    const long c = list[j];
    const vf gv = splat(gi[c]);
    const float* f = ft + c * K * s.segpad;
    for (int kh = 0; kh < K; ++kh)
      for (int v = 0; v < NV; ++v) acc[kh][v] += gv * load(f + kh * s.segpad + v * W);
  }
  const long row = s.in_w * s.cin;
  for (int kh = 0; kh < K; ++kh)
    for (int v = 0; v < NV; ++v) {
      float* d = dx + kh * row + v * W;
      store(d, load(d) + acc[kh][v]);
    }
}

template <int K, int NV>
static void sparse_input_k(const SparseConv& s, const float* ft, float* dx) {
  for (long i = 0; i < s.n; ++i) {
    const float* gi = s.g + i * s.cout;
    const int32_t* order = s.order + i * s.cout;
    const int32_t* starts = s.starts + i * (s.windows + 1);
    for (long w = 0; w < s.windows; ++w) {
      const long b = starts[w], count = starts[w + 1] - b;
      if (count > 0) sparse_input_window<K, NV>(s, ft, gi, order + b, count, dx + s.at[i * s.cout + order[b]]);
    }
  }
}

static void sparse_input(const SparseConv& s, const float* ft, float* dx) {
  const long nv = s.segpad / W;
  switch (s.k * 16 + nv) {  // window sizes whose accumulators fit the registers
    case 2 * 16 + 1: return sparse_input_k<2, 1>(s, ft, dx);
    case 3 * 16 + 1: return sparse_input_k<3, 1>(s, ft, dx);
    case 4 * 16 + 1: return sparse_input_k<4, 1>(s, ft, dx);
    case 5 * 16 + 1: return sparse_input_k<5, 1>(s, ft, dx);
    case 6 * 16 + 1: return sparse_input_k<6, 1>(s, ft, dx);
    case 7 * 16 + 1: return sparse_input_k<7, 1>(s, ft, dx);
    case 2 * 16 + 2: return sparse_input_k<2, 2>(s, ft, dx);
    case 3 * 16 + 2: return sparse_input_k<3, 2>(s, ft, dx);
    case 4 * 16 + 2: return sparse_input_k<4, 2>(s, ft, dx);
    case 5 * 16 + 2: return sparse_input_k<5, 2>(s, ft, dx);
    case 6 * 16 + 2: return sparse_input_k<6, 2>(s, ft, dx);
    case 3 * 16 + 3: return sparse_input_k<3, 3>(s, ft, dx);
    case 4 * 16 + 3: return sparse_input_k<4, 3>(s, ft, dx);
    case 5 * 16 + 3: return sparse_input_k<5, 3>(s, ft, dx);
    case 3 * 16 + 4: return sparse_input_k<3, 4>(s, ft, dx);
    case 4 * 16 + 4: return sparse_input_k<4, 4>(s, ft, dx);
    case 5 * 16 + 4: return sparse_input_k<5, 4>(s, ft, dx);
    default: break;
  }
  for (long i = 0; i < s.n; ++i) {
    const float* gi = s.g + i * s.cout;
    const int32_t* order = s.order + i * s.cout;
    const int32_t* starts = s.starts + i * (s.windows + 1);
    // the channels of one window place at a time: one read-modify-write of dx per place
    for (long w = 0; w < s.windows; ++w) {
      const long b = starts[w], count = starts[w + 1] - b;
      if (count == 0) continue;
      const int32_t* list = order + b;
      float* d = dx + s.at[i * s.cout + list[0]];
      for (long kh = 0; kh < s.k; ++kh) {
        long v0 = 0;
        for (; v0 + 4 <= nv; v0 += 4) sparse_input_chunk<4>(s, ft, gi, list, count, kh, v0, d);
        for (; v0 + 2 <= nv; v0 += 2) sparse_input_chunk<2>(s, ft, gi, list, count, kh, v0, d);
        for (; v0 < nv; ++v0) sparse_input_chunk<1>(s, ft, gi, list, count, kh, v0, d);
      }
    }
  }
}

// ---- residue expansion -------------------------------------------------------------------------

static void expand_residues(float* xe, long ld, const float* x, long h, long w, long pool, long cout) {
  for (long res = 0; res < pool; ++res)
    for (long i = 0; i < h; ++i) {
      float* row = xe + (res * h + i) * ld;
      const float* src = x + i * w + res;
      const long nq = (w - res + pool - 1) / pool;
      if (cout <= 8 && W >= 8 && nq * cout + W <= ld) {
        // one 8-float store per pixel (fewer cache-line splits than a wider one), its tail
        // overwritten by the next pixel's, the last one's by zeros; the rest of the row is never
        // written (zero since it was allocated)
        typedef float v8 __attribute__((vector_size(32), aligned(4)));
        for (long q = 0; q < nq; ++q) *reinterpret_cast<v8*>(row + q * cout) = src[q * pool] - v8{};
        store(row + nq * cout, vf{});
      } else if (cout <= W && nq * cout + W <= ld) {
        for (long q = 0; q < nq; ++q) store(row + q * cout, splat(src[q * pool]));
        store(row + nq * cout, vf{});
      } else {
        for (long q = 0; q < nq; ++q)
          for (long co = 0; co < cout; ++co) row[q * cout + co] = src[q * pool];
        for (long t = nq * cout; t < ld; ++t) row[t] = 0.0f;
      }
    }
}

// ---- conv forward with the channels in the lanes (ConvRows) ------------------------------------

// rows row0..row0+TR-1 (same residue j, consecutive oh), positions pw0..pw0+PT-1, all NV vectors
// SP, SROW > 0: the input strides between positions (pool*cin) and rows (in_w*cin) known at
// compile time (LeNet's conv2: 12 and 96), so every broadcast addresses off one base register.
template <int TR, int PT, int NV, long SP = 0, long SROW = 0>
static inline void conv_rows_tile(const ConvRows& c, long j, long oh, long pw0) {
  vf acc[TR][PT][NV];
  for (int v = 0; v < NV; ++v) {
    const vf b = load(c.bias + v * W);
    for (int tr = 0; tr < TR; ++tr)
      for (int pt = 0; pt < PT; ++pt) acc[tr][pt][v] = b;
  }
  const long seg = c.k * c.cin, sp = SP > 0 ? SP : c.pool * c.cin, srow = SROW > 0 ? SROW : c.in_w * c.cin;
  const float* x0 = c.x + (oh * c.in_w + pw0 * c.pool + j) * c.cin;
  const float* fk = c.f;
  for (long kh = 0; kh < c.k; ++kh) {
    const float* xr = x0 + kh * srow;
    for (long jj = 0; jj < seg; ++jj, fk += c.ldb) {
      vf b[NV];
      for (int v = 0; v < NV; ++v) b[v] = load(fk + v * W);
      for (int tr = 0; tr < TR; ++tr)
        for (int pt = 0; pt < PT; ++pt) {
          const vf a = splat(xr[tr * srow + pt * sp + jj]);
          for (int v = 0; v < NV; ++v) acc[tr][pt][v] += a * b[v];
        }
    }
  }
  for (int tr = 0; tr < TR; ++tr)
    for (int pt = 0; pt < PT; ++pt) {
      float* zr = c.z + (((j * c.uh + oh + tr) * c.pw) + pw0 + pt) * c.ldz;
      for (int v = 0; v < NV; ++v) store_n(zr + v * W, acc[tr][pt][v], c.n - v * W);
    }
}

// all positions of rows (j, oh0..oh1-1), in tiles of TR rows and PT positions
template <int TR, int PT, int NV, long SP = 0, long SROW = 0>
static void conv_rows_range(const ConvRows& c, long j, long oh0, long oh1) {
  long oh = oh0;
  for (; oh + TR <= oh1; oh += TR) {
    long pw = 0;
    for (; pw + PT <= c.pw; pw += PT) conv_rows_tile<TR, PT, NV, SP, SROW>(c, j, oh, pw);
    for (; pw < c.pw; ++pw) conv_rows_tile<TR, 1, NV>(c, j, oh, pw);
  }
  for (; oh < oh1; ++oh) {
    long pw = 0;
    for (; pw + PT <= c.pw; pw += PT) conv_rows_tile<1, PT, NV>(c, j, oh, pw);
    for (; pw < c.pw; ++pw) conv_rows_tile<1, 1, NV>(c, j, oh, pw);
  }
}

static void conv_rows_forward(const ConvRows& c) {
  const long nv = c.ldb / W;
  for (long j = 0; j < c.pool; ++j) {
    // about 24 accumulators: rows x positions x vectors
    if (nv == 1) {
      if (c.pw >= 6 && c.pool * c.cin == 12 && c.in_w * c.cin == 96) conv_rows_range<4, 6, 1, 12, 96>(c, j, 0, c.uh);
      else if (c.pw >= 6) conv_rows_range<4, 6, 1>(c, j, 0, c.uh);
      else if (c.pw >= 4) conv_rows_range<4, 4, 1>(c, j, 0, c.uh);
      else conv_rows_range<8, 2, 1>(c, j, 0, c.uh);
    } else if (nv == 2) {
      conv_rows_range<2, 6, 2>(c, j, 0, c.uh);
    } else if (nv == 4) {
      conv_rows_range<2, 3, 4>(c, j, 0, c.uh);
    } else {
      // wider: one position at a time, 4 vectors of channels at a time
      ConvRows part = c;
      for (long v0 = 0; v0 < nv; v0 += 4) {
        part.f = c.f + v0 * W;
        part.bias = c.bias + v0 * W;
        part.z = c.z + v0 * W;
        part.n = c.n - v0 * W;
        if (nv - v0 >= 4) conv_rows_range<1, 6, 4>(part, j, 0, c.uh);
        else if (nv - v0 == 3) conv_rows_range<1, 6, 3>(part, j, 0, c.uh);
        else if (nv - v0 == 2) conv_rows_range<1, 6, 2>(part, j, 0, c.uh);
        else conv_rows_range<1, 6, 1>(part, j, 0, c.uh);
      }
    }
  }
}
