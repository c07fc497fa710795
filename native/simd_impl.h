// Vector kernels written once with GCC/Clang vector extensions, included by each
// simd_<isa>.cc with LENET_ISA (namespace), LENET_W (floats per vector) and the register
// blocking LENET_R1..LENET_R4 (rows per tile for 1..4 vectors of columns) defined.
// Deliberately includes no standard headers: inline library code compiled with wider
// instructions here could be picked by the linker for the portable path.
#include "simd.h"

namespace lenet {
namespace LENET_ISA {

constexpr int W = LENET_W;
constexpr int kMaxNV = 4;
typedef float vf __attribute__((vector_size(W * 4)));
typedef float vfu __attribute__((vector_size(W * 4), aligned(4)));

static inline vf load(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void store(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
static inline vf bcast(float x) { return vf{} + x; }

// Stores the first `count` lanes of v (count may exceed W: then all of them).
static inline void store_n(float* p, vf v, long count) {
  if (count >= W) {
    store(p, v);
    return;
  }
  float tmp[W];
  store(tmp, v);
  for (long i = 0; i < count; ++i) p[i] = tmp[i];
}

struct RowIter {
  const RowMap& m;
  long b, h, w, off;
  RowIter(const RowMap& map, long p) : m(map) {
    w = p % m.nw;
    long q = p / m.nw;
    h = q % m.nh;
    b = q / m.nh;
    off = b * m.sb + h * m.sh + w * m.sw;
  }
  inline void next() {
    off += m.sw;
    if (++w == m.nw) {
      w = 0;
      off += m.sh - m.nw * m.sw;
      if (++h == m.nh) {
        h = 0;
        off += m.sb - m.nh * m.sh;
        ++b;
      }
    }
  }
};

// ---- C = A * B ------------------------------------------------------------------------

// One tile: R rows of C times NV vectors of columns starting at vector v0.
template <int R, int NV>
static inline void nn_tile(const GemmNN& g, const float* const* arow, float* const* crow, long v0) {
  vf acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = vf{};
  const float* bp = g.b + v0 * W;
  const long ldb = g.ldb;
  for (long s = 0; s < g.k.nseg; ++s) {
    const long aoff = s * g.k.segstride;
    const float* bs = bp + s * g.k.seglen * ldb;
    const float* ar[R];
    for (int r = 0; r < R; ++r) ar[r] = arow[r] + aoff;
    for (long j = 0; j < g.k.seglen; ++j) {
      vf bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = load(bs + j * ldb + v * W);
      for (int r = 0; r < R; ++r) {
        const vf a = bcast(ar[r][j]);
        for (int v = 0; v < NV; ++v) acc[r][v] += a * bv[v];
      }
    }
  }
  const vf zero = vf{};
  for (int v = 0; v < NV; ++v) {
    const long col = (v0 + v) * W;
    if (col >= g.n) break;
    const vf bias = g.bias ? load(g.bias + col) : zero;
    for (int r = 0; r < R; ++r) {
      vf out = acc[r][v] + bias;
      if (g.act == kRelu) out = out > zero ? out : zero;
      store_n(crow[r] + col, out, g.n - col);
    }
  }
}

template <int R, int NV>
static void nn_rows(const GemmNN& g, long p0, long p1, long v0) {
  RowIter it(g.rows, p0);
  long p = p0;
  const float* arow[R];
  float* crow[R];
  for (; p + R <= p1; p += R) {
    for (int r = 0; r < R; ++r) {
      arow[r] = g.a + it.off;
      crow[r] = g.c + (p + r) * g.ldc;
      it.next();
    }
    nn_tile<R, NV>(g, arow, crow, v0);
  }
  for (; p < p1; ++p) {
    arow[0] = g.a + it.off;
    crow[0] = g.c + p * g.ldc;
    it.next();
    nn_tile<1, NV>(g, arow, crow, v0);
  }
}

static void gemm_nn(const GemmNN& g, long p0, long p1) {
  const long nvt = g.ldb / W;
  for (long v0 = 0; v0 < nvt; v0 += kMaxNV) {
    const long nv = nvt - v0 < kMaxNV ? nvt - v0 : kMaxNV;
    switch (nv) {
      case 1: nn_rows<LENET_R1, 1>(g, p0, p1, v0); break;
      case 2: nn_rows<LENET_R2, 2>(g, p0, p1, v0); break;
      case 3: nn_rows<LENET_R3, 3>(g, p0, p1, v0); break;
      default: nn_rows<LENET_R4, 4>(g, p0, p1, v0); break;
    }
  }
}

// ---- C = A^T * B ----------------------------------------------------------------------

template <int R, int NV>
static inline void tn_tile(const GemmTN& g, long p0, long p1, long m, long v0, float* c, long ldc) {
  vf acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = vf{};
  long moff[R];
  for (int r = 0; r < R; ++r) {
    const long mm = m + r;
    moff[r] = (mm / g.m.seglen) * g.m.segstride + mm % g.m.seglen;
  }
  const long col0 = v0 * W;
  // Rows from psafe on would read past the end of B: copy them into a padded buffer.
  const long reach = col0 + NV * W;
  long psafe = g.blen >= reach ? (g.blen - reach) / g.ldb + 1 : 0;
  if (psafe > p1) psafe = p1;
  RowIter it(g.rows, p0);
  long p = p0;
  for (; p < psafe; ++p) {
    const float* bp = g.b + p * g.ldb + col0;
    const float* ap = g.a + it.off;
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(bp + v * W);
    for (int r = 0; r < R; ++r) {
      const vf a = bcast(ap[moff[r]]);
      for (int v = 0; v < NV; ++v) acc[r][v] += a * bv[v];
    }
    it.next();
  }
  for (; p < p1; ++p) {
    float tmp[NV * W];
    for (int i = 0; i < NV * W; ++i) tmp[i] = col0 + i < g.n ? g.b[p * g.ldb + col0 + i] : 0.0f;
    const float* ap = g.a + it.off;
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(tmp + v * W);
    for (int r = 0; r < R; ++r) {
      const vf a = bcast(ap[moff[r]]);
      for (int v = 0; v < NV; ++v) acc[r][v] += a * bv[v];
    }
    it.next();
  }
  for (int v = 0; v < NV; ++v) {
    const long col = col0 + v * W;
    if (col >= g.n) break;
    for (int r = 0; r < R; ++r) store_n(c + r * ldc + col, acc[r][v], g.n - col);
  }
}

template <int R, int NV>
static void tn_rows(const GemmTN& g, long p0, long p1, long m0, long m1, float* c, long ldc, long v0) {
  long m = m0;
  for (; m + R <= m1; m += R) tn_tile<R, NV>(g, p0, p1, m, v0, c + (m - m0) * ldc, ldc);
  for (; m < m1; ++m) tn_tile<1, NV>(g, p0, p1, m, v0, c + (m - m0) * ldc, ldc);
}

static void gemm_tn(const GemmTN& g, long p0, long p1, long m0, long m1, float* c, long ldc) {
  const long nvt = (g.n + W - 1) / W;
  for (long v0 = 0; v0 < nvt; v0 += kMaxNV) {
    const long nv = nvt - v0 < kMaxNV ? nvt - v0 : kMaxNV;
    switch (nv) {
      case 1: tn_rows<LENET_R1, 1>(g, p0, p1, m0, m1, c, ldc, v0); break;
      case 2: tn_rows<LENET_R2, 2>(g, p0, p1, m0, m1, c, ldc, v0); break;
      case 3: tn_rows<LENET_R3, 3>(g, p0, p1, m0, m1, c, ldc, v0); break;
      default: tn_rows<LENET_R4, 4>(g, p0, p1, m0, m1, c, ldc, v0); break;
    }
  }
}

// ---- one input channel, (ow, co) in the lanes (ConvLanes) -----------------------------

// Output vectors v0..v0+NV-1 of row oh; the filter pattern vectors stay in registers.
template <int NV, int NP>
static inline void lanes_fwd_tile(const ConvLanes& c, float* yrow, long oh, long v0) {
  vf acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = vf{};
  const long pw = NP * W;
  const long rot = v0 % NP;  // vector v of the tile uses pattern vector (v0 + v) % NP
  for (long kh = 0; kh < c.fh; ++kh) {
    const float* xr = c.xe + (oh * c.stride_h + kh) * c.ldxe + v0 * W;
    for (long kw = 0; kw < c.fw; ++kw) {
      const float* fp = c.fpat + (kh * c.fw + kw) * pw;
      vf f[NP];
      for (int q = 0; q < NP; ++q) f[q] = load(fp + ((rot + q) % NP) * W);
      const float* xs = xr + kw * c.cout;
      for (int v = 0; v < NV; ++v) acc[v] += load(xs + v * W) * f[v % NP];
    }
  }
  const vf zero = vf{};
  for (int v = 0; v < NV; ++v) {
    const long col = (v0 + v) * W;
    if (col >= c.len) break;
    vf out = acc[v];
    if (c.bpat) out += load(c.bpat + ((v0 + v) % NP) * W);
    if (c.act == kRelu) out = out > zero ? out : zero;
    store_n(yrow + col, out, c.len - col);
  }
}

template <int NP>
static void lanes_fwd_rows(const ConvLanes& c, float* y, long oh0, long oh1) {
  const long nv = (c.len + W - 1) / W;
  for (long oh = oh0; oh < oh1; ++oh) {
    float* yrow = y + oh * c.len;
    long v0 = 0;
    for (; v0 + 12 <= nv; v0 += 12) lanes_fwd_tile<12, NP>(c, yrow, oh, v0);
    for (; v0 + 4 <= nv; v0 += 4) lanes_fwd_tile<4, NP>(c, yrow, oh, v0);
    for (; v0 < nv; ++v0) lanes_fwd_tile<1, NP>(c, yrow, oh, v0);
  }
}

static void conv_lanes_forward(const ConvLanes& c, float* y, long oh0, long oh1) {
  switch (c.np) {
    case 1: lanes_fwd_rows<1>(c, y, oh0, oh1); break;
    case 2: lanes_fwd_rows<2>(c, y, oh0, oh1); break;
    case 3: lanes_fwd_rows<3>(c, y, oh0, oh1); break;
    default: lanes_fwd_rows<4>(c, y, oh0, oh1); break;
  }
}

// dy vectors v0..v0+NV-1 of row oh stay in registers while every tap accumulates into
// 2*NP partial vectors (two per pattern position: independent FMA chains).
template <int NV, int NP>
static inline void lanes_filter_tile(const ConvLanes& c, const float* dyrow, long oh, long v0, float* acc) {
  vf d[NV];
  for (int v = 0; v < NV; ++v) {
    const long col = (v0 + v) * W;
    if (col + W <= c.len) {
      d[v] = load(dyrow + col);
    } else {
      float tmp[W];
      for (long i = 0; i < W; ++i) tmp[i] = col + i < c.len ? dyrow[col + i] : 0.0f;
      d[v] = load(tmp);
    }
  }
  const long pw = NP * W;
  const long rot = v0 % NP;
  for (long kh = 0; kh < c.fh; ++kh) {
    const float* xr = c.xe + (oh * c.stride_h + kh) * c.ldxe + v0 * W;
    for (long kw = 0; kw < c.fw; ++kw) {
      const float* xs = xr + kw * c.cout;
      vf s[2 * NP];
      for (int q = 0; q < 2 * NP; ++q) s[q] = vf{};
      for (int v = 0; v < NV; ++v) s[v % (2 * NP)] += load(xs + v * W) * d[v];
      float* a = acc + (kh * c.fw + kw) * pw;
      for (int q = 0; q < NP; ++q) {
        float* aq = a + ((rot + q) % NP) * W;
        store(aq, load(aq) + (s[q] + s[q + NP]));
      }
    }
  }
}

template <int NP>
static void lanes_filter_rows(const ConvLanes& c, const float* dy, long oh0, long oh1, float* acc) {
  const long nv = (c.len + W - 1) / W;
  for (long oh = oh0; oh < oh1; ++oh) {
    const float* dyrow = dy + oh * c.len;
    long v0 = 0;
    for (; v0 + 12 <= nv; v0 += 12) lanes_filter_tile<12, NP>(c, dyrow, oh, v0, acc);
    for (; v0 + 4 <= nv; v0 += 4) lanes_filter_tile<4, NP>(c, dyrow, oh, v0, acc);
    for (; v0 < nv; ++v0) lanes_filter_tile<1, NP>(c, dyrow, oh, v0, acc);
  }
}

static void conv_lanes_filter(const ConvLanes& c, const float* dy, long oh0, long oh1, float* acc) {
  switch (c.np) {
    case 1: lanes_filter_rows<1>(c, dy, oh0, oh1, acc); break;
    case 2: lanes_filter_rows<2>(c, dy, oh0, oh1, acc); break;
    case 3: lanes_filter_rows<3>(c, dy, oh0, oh1, acc); break;
    default: lanes_filter_rows<4>(c, dy, oh0, oh1, acc); break;
  }
}

// ---- MaxPool gradient, 2x2 windows of stride 2 -----------------------------------------
// Per lane j of an input row: ow = j / 2c, left = (j % 2c) < c, partner j +- c. The window's
// positions in tfjs' order are (row 0 left, row 0 right, row 1 left, row 1 right); dy goes
// to the first one equal to the max (NaN never is the max; a window of -inf/NaN routes none).

typedef int vmask __attribute__((vector_size(W * 4)));

static void maxpool2x2_grad(float* dx, const float* dy, const float* x, long c, long in_w, long r0, long r1,
                            float* scratch) {
  const long L = in_w * c, nv = (L + W - 1) / W, lp = nv * W;
  float* left = scratch;        // [lp]: 1 where the lane is a window's left column
  float* d = left + lp;         // [lp]: dy of each lane's window
  float* b0 = d + lp;           // [c + lp + c]: input row 0 with margins (partner loads stay inside)
  float* b1 = b0 + lp + 2 * c;  // likewise row 1
  for (long j = 0; j < lp; ++j) left[j] = j % (2 * c) < c ? 1.0f : 0.0f;
  for (long j = 0; j < lp + 2 * c; ++j) b0[j] = b1[j] = 0.0f;
  for (long j = 0; j < lp; ++j) d[j] = 0.0f;
  const vf ninf = bcast(-__builtin_inff()), zero = vf{};
  for (long r = r0; r < r1; ++r) {
    const float* x0 = x + 2 * r * L;
    const float* x1 = x0 + L;
    const float* dyr = dy + r * (L / 2);
    for (long j = 0; j < L; ++j) {
      b0[c + j] = x0[j];
      b1[c + j] = x1[j];
    }
    for (long ow = 0; ow < in_w / 2; ++ow)
      for (long k = 0; k < c; ++k) d[ow * 2 * c + k] = d[ow * 2 * c + c + k] = dyr[ow * c + k];
    float* dx0 = dx + 2 * r * L;
    float* dx1 = dx0 + L;
    for (long v = 0; v < nv; ++v) {
      const long j = v * W;
      const vmask isl = load(left + j) > zero;
      const vf a0 = load(b0 + c + j), a1 = load(b1 + c + j);
      const vf p0 = isl ? load(b0 + 2 * c + j) : load(b0 + j);
      const vf p1 = isl ? load(b1 + 2 * c + j) : load(b1 + j);
      // m = max over the window, skipping NaN (as std::max(m, x) from -inf)
      vf m = ninf;
      m = m < a0 ? a0 : m;
      m = m < p0 ? p0 : m;
      m = m < a1 ? a1 : m;
      m = m < p1 ? p1 : m;
      const vmask open = m > ninf;
      const vmask e_a0 = (a0 == m) & open, e_p0 = (p0 == m) & open;
      const vmask e_a1 = (a1 == m) & open, e_p1 = (p1 == m) & open;
      const vmask hit0 = e_a0 & (isl | ~e_p0);                  // right column: left not taken
      const vmask hit1 = e_a1 & ~e_a0 & ~e_p0 & (isl | ~e_p1);  // row 1: row 0 not taken
      const vf dv = load(d + j);
      store_n(dx0 + j, hit0 ? dv : zero, L - j);
      store_n(dx1 + j, hit1 ? dv : zero, L - j);
    }
  }
}

// ---- transcendental activations --------------------------------------------------------
// Cephes expf / tanhf, vectorised: about 1-2 ulp over the range a network meets.

typedef int vi __attribute__((vector_size(W * 4)));

// e^x = y * 2^n with n = round(x / ln 2) and y = e^(x - n ln 2) from a polynomial: returns y,
// and n through *n.
static inline vf vexp_reduced(vf x, vi* n) {
  vf fx = x * 1.44269504088896341f + 0.5f;
  vf t = __builtin_convertvector(__builtin_convertvector(fx, vi), vf);
  fx = t > fx ? t - 1.0f : t;  // floor
  x = x - fx * 0.693359375f;
  x = x - fx * -2.12194440e-4f;
  const vf z = x * x;
  vf y = bcast(1.9875691500E-4f);
  y = y * x + 1.3981999507E-3f;
  y = y * x + 8.3334519073E-3f;
  y = y * x + 4.1665795894E-2f;
  y = y * x + 1.6666665459E-1f;
  y = y * x + 5.0000001201E-1f;
  *n = __builtin_convertvector(fx, vi);
  return y * z + x + 1.0f;
}

// e^x for x up to 88.37, all that tanh, sigmoid and softmax ask for (past it: 2.4e38, not inf).
static inline vf vexp_bounded(vf x) {
  x = x > bcast(88.3762626647949f) ? bcast(88.3762626647949f) : x;
  x = x < bcast(-88.3762626647949f) ? bcast(-88.3762626647949f) : x;
  vi n;
  const vf y = vexp_reduced(x, &n);
  return y * (vf)((n + 127) << 23);  // same-size vector cast: the bits of 2^n
}

// e^x for any x, the Exp op: Infinity past 88.72, as expf. 2^n is applied as 2^(n/2) * 2^(n - n/2),
// two normal floats, because 2^128 (x from 88.38) has no float bits; the product is exact while
// it is a normal float, and overflows to Infinity past the largest one.
static inline vf vexp(vf x) {
  x = x > bcast(100.0f) ? bcast(100.0f) : x;
  x = x < bcast(-88.3762626647949f) ? bcast(-88.3762626647949f) : x;
  vi n;
  const vf y = vexp_reduced(x, &n);
  const vi n1 = n >> 1, n2 = n - n1;
  return y * (vf)((n1 + 127) << 23) * (vf)((n2 + 127) << 23);
}

static inline vf vtanh(vf x) {
  const vf zero = vf{};
  const vf ax = x < zero ? -x : x;
  const vf z = x * x;
  vf p = bcast(-5.70498872745E-3f);
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const vf small = p * z * x + x;
  const vf e = vexp_bounded(2.0f * (ax > bcast(44.0f) ? bcast(44.0f) : ax));
  vf large = 1.0f - 2.0f / (e + 1.0f);
  large = x < zero ? -large : large;
  vf r = ax < bcast(0.625f) ? small : large;
  return x != x ? x : r;  // NaN stays NaN
}

// for x below -88.37, 1 / (1 + 2.4e38): a denormal, flushed to 0 as the true value would be
static inline vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp_bounded(-x)); }

// out[i] = f(x[i]), W at a time; the tail through a zero-padded vector.
template <vf (*f)(vf)>
static inline void map_vectors(float* out, const float* x, long n) {
  long i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load(x + i)));
  if (i < n) {
    float tmp[W] = {};
    for (long j = 0; j < n - i; ++j) tmp[j] = x[i + j];
    store(tmp, f(load(tmp)));
    for (long j = 0; j < n - i; ++j) out[i + j] = tmp[j];
  }
}

// op: Transcendental (simd.h). One loop per function: each keeps only its own constants in registers.
static void unary_transcendental(float* out, const float* x, long n, int op) {
  switch (op) {
    case kTanhPoly: map_vectors<vtanh>(out, x, n); break;
    case kSigmoidPoly: map_vectors<vsigmoid>(out, x, n); break;
    default: map_vectors<vexp>(out, x, n); break;
  }
}

#include "simd_engine.h"

static const SimdTable kTable = {LENET_ISA_NAME,
                                 W,
                                 gemm_nn,
                                 gemm_tn,
                                 conv_lanes_forward,
                                 conv_lanes_filter,
                                 maxpool2x2_grad,
                                 unary_transcendental,
                                 engine_act_forward,
                                 engine_act_derivative,
                                 lanes_taps_forward,
                                 lanes_taps_filter,
                                 pool_max,
                                 dense_rows,
                                 conv_rows_forward,
                                 expand_residues,
                                 sparse_filter,
                                 sparse_input};

}  // namespace LENET_ISA
}  // namespace lenet
