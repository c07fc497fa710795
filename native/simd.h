// The vectorised inner loops, compiled once per instruction set (simd_generic.cc,
// simd_avx2.cc, simd_avx512.cc) and chosen at run time by select_simd() in cpu.cc.
// Everything else calls them through the SimdTable; no other file needs vector flags.
#pragma once
#include <stdint.h>

#include "opcodes.h"

namespace lenet {

// Row p of A starts at offset b*sb + h*sh + w*sw, where p = (b*nh + h)*nw + w.
// Convolutions use (batch, out row, out col); a plain matrix uses nb = nh = 1, sw = ld.
struct RowMap {
  long nb, nh, nw;
  long sb, sh, sw;
};

// Index k of a row splits into nseg segments of seglen contiguous floats, segstride apart:
// offset(k) = (k / seglen) * segstride + k % seglen. For a conv, one segment per filter row
// (fw*cin contiguous floats in NHWC); for a plain matrix, one segment.
struct SegMap {
  long nseg, seglen, segstride;
};

// C[p][0:n] = act(bias + sum_k A(p,k) * B[k][0:n]), p in [p0, p1).
struct GemmNN {
  const float* a;
  RowMap rows;
  SegMap k;
  const float* b;  // packed [K][ldb], ldb a multiple of the vector width, zero beyond n
  long ldb;
  long n;
  float* c;  // row p at c + p*ldc
  long ldc;
  const float* bias;  // [ldb] zero-padded, or null
  int act;            // Activation (opcodes.h)
};

// C[m][0:n] = sum_{p in [p0,p1)} A(p,m) * B[p][0:n], m in [m0, m1): the transposed-A
// product behind every weight gradient (the reduction runs over pixels or batch rows).
struct GemmTN {
  const float* a;
  RowMap rows;
  SegMap m;
  const float* b;  // [P][ldb] (ldb >= n; lanes past n may read the next row, never past blen)
  long ldb;
  long blen;
  long n;
};

// One input channel, stride 1 along w, with an output row's (ow, co) pairs in the vector
// lanes (a first layer: Cout is narrower than a vector, so the channels-in-lanes products
// would leave lanes idle). Lane j of a row is ow = j / cout, co = j % cout, and
//   y[oh][j] = act(bias[co] + sum_{kh,kw} xe[oh*sh + kh][j + kw*cout] * f[kh][kw][co])
// where xe is the input with each pixel repeated cout times: xe[i][iw*cout + co] = x[i][iw].
// Vector v (lanes v*W..) sees co = (v*W + lane) % cout: the filter and the bias enter as
// patterns of np = lcm(W, cout) / W vectors (np <= 4).
struct ConvLanes {
  const float* xe;  // expanded image rows, ldxe floats apart; W floats past each row's reach readable
  long ldxe;
  const float* fpat;  // [fh*fw][np*W]: fpat[t][i] = f[t][i % cout]
  const float* bpat;  // [np*W] likewise, or null
  long np, fh, fw, cout;
  long len;  // out_w * cout: floats per output row
  long stride_h;
  int act;  // Activation (opcodes.h)
};

// ConvLanes with a table of taps (the fused engine's first conv): tap q of output row r reads
// the vectors at src[q] + r*ld, so the output columns of a row may be any pixels the sources
// line up, e.g. one residue class ow = pw*pool + j of a max-pool (fused_layers.cc).
//   y[r][t] = bias[t] + sum_q src[q][r*ld + t] * fpat[q][t]   (patterns of np vectors, as ConvLanes)
struct ConvLanesTaps {
  const float* const* src;  // [ntaps]; W floats past each row's reach readable
  long ld;
  const float* fpat;  // [ntaps][np*W]
  const float* bpat;  // [np*W] or null
  long np, ntaps;
  long len;  // floats per output row
  // > 0: the taps are the k x k of a square filter, tap (kh, kw) reading src[kw] + kh*ld (the
  // forward then shares each input row among the output rows it feeds); 0: any table
  long k;
  // lanes_taps_filter only: dy of output row r (residue j) is taken from the max-pool's winners,
  // win_g[(r / pool)*len + t] where win[...] == (r % pool)*pool + j, else 0 (dy is then unused)
  const float* win_g;
  const int32_t* win;
  long pool, j;
};

// The gradients of a conv followed by a max-pool whose windows tile the output, from the pooled
// gradient alone: each pooled output i of channel c took its value from one window of the input,
// at input offset at[i][c] (its top-left pixel); only those windows get gradient. Window row kh
// is seg = k*cin contiguous floats at + kh*in_w*cin; segpad = seg rounded up to W.
struct SparseConv {
  const float* x;  // the conv's input; W floats past the end readable
  long in_w, cin, k, segpad;
  const float* g;         // [n][cout]: d loss / d conv output at each winner
  const int32_t* at;      // [n][cout]
  const int32_t* order;   // [n][cout]: each output's channels grouped by the window place of their winner
  const int32_t* starts;  // [n][windows + 1]: where each place's group begins in order
  long n, cout, windows;  // windows = pool^2
};

// A valid conv with the output channels in the lanes, its output kept per residue of a max-pool
// (the fused engine's conv2): z[((j*uh + oh)*pw + q)][0:n] = bias + sum over the window of
// x[oh + kh][q*pool + j + kw][ci] * f[(kh*k + kw)*cin + ci][0:n].
struct ConvRows {
  const float* x;  // [.][in_w][cin]
  long in_w, cin, k, pool;
  const float* f;     // [k*k*cin][ldb], zero past n
  const float* bias;  // [ldb]
  long ldb, n;
  float* z;  // rows ldz floats apart
  long ldz;
  long uh, pw;  // conv rows, positions per residue row
};

// The polynomial approximations of SimdTable::transcendental (~2 ulp).
enum Transcendental { kTanhPoly = 0, kSigmoidPoly = 1, kExpPoly = 2 };

struct SimdTable {
  const char* name;
  int width;  // floats per vector
  void (*gemm_nn)(const GemmNN& g, long p0, long p1);
  // writes rows m0..m1-1 of C (row m at c + (m - m0)*ldc), columns 0..n-1
  void (*gemm_tn)(const GemmTN& g, long p0, long p1, long m0, long m1, float* c, long ldc);
  // y rows oh0..oh1-1 of one image (row oh at y + oh*len), as ConvLanes describes
  void (*conv_lanes_forward)(const ConvLanes& c, float* y, long oh0, long oh1);
  // acc[t][0:np*W] += sum over rows oh0..oh1-1 and vectors v of xe[oh*sh + kh][v*W + kw*cout + lane] *
  // dy[oh][v*W + lane] (dy row oh at dy + oh*len; lanes past len count as 0): the filter gradient,
  // before the lanes of each co are added up
  void (*conv_lanes_filter)(const ConvLanes& c, const float* dy, long oh0, long oh1, float* acc);
  // MaxPool gradient for 2x2 windows of stride 2 tiling the input: window rows r0..r1-1 (row r
  // = input rows 2r, 2r+1 of in_w*c floats each = dy row r of in_w/2*c floats). Lanes run along
  // the input rows: each lane's window partner is c floats left or right. scratch: 4*(in_w*c + 2*c
  // + W) floats.
  void (*maxpool2x2_grad)(float* dx, const float* dy, const float* x, long c, long in_w, long r0, long r1,
                          float* scratch);
  // out[i] = f(x[i]), f = op (Transcendental)
  void (*transcendental)(float* out, const float* x, long n, int op);
  // the fused engine's activations (activations.h), act an EngineActivation (opcodes.h):
  // out[i] = act(x[i]), and d[i] = act'(x[i]) given y[i] = act(x[i]) (d may be x or y)
  void (*act_forward)(float* out, const float* x, long n, int act);
  void (*act_derivative)(float* d, const float* x, const float* y, long n, int act);
  // rows r0..r1-1 of y (row r at y + r*len), as ConvLanesTaps describes
  void (*lanes_taps_forward)(const ConvLanesTaps& c, float* y, long r0, long r1);
  // acc[q][0:np*W] += sum over rows r0..r1-1 and vectors v of src[q][r*ld + v*W + lane] *
  // dy[r*len + v*W + lane] (lanes past len count as 0)
  void (*lanes_taps_filter)(const ConvLanesTaps& c, const float* dy, long r0, long r1, float* acc);
  // max-pool of one output row: y[t] = the first maximum over s of a[off[s] + t] (NaN never wins,
  // -inf when none does), zw[t] = z[the winner], win[t] = the winner's s; t < n
  void (*pool_max)(float* y, float* zw, int32_t* win, const float* a, const float* z, const long* off, long ns, long n);
  // C[r][0:n] = bias + sum_k A[r][k] * B[k][0:n] for rows r < rows, A rows lda apart, B [K][ldb],
  // C rows ldc apart: small row counts (a few images). Rows of B and the bias are read in whole
  // vectors: up to W - 1 floats past n are read (must be readable) and their lanes dropped.
  void (*dense_rows)(float* c, long ldc, const float* a, long lda, long rows, long K, const float* b, long ldb, long n,
                     const float* bias);
  // all of z, as ConvRows describes
  void (*conv_rows_forward)(const ConvRows& c);
  // xe[res][i][q*cout + co] = x[i][q*pool + res] for q*pool + res < w, zero to the end of the row
  // (rows ld floats apart, ld >= that + W; floats more than W past the last pixel are left as they
  // are: the caller zeroes them once): each residue of a max-pool expanded for ConvLanesTaps
  void (*expand_residues)(float* xe, long ld, const float* x, long h, long w, long pool, long cout);
  // acc[c][kh][0:segpad] += sum_i g[i][c] * x[at[i][c] + kh*in_w*cin + 0:segpad]
  void (*sparse_filter)(const SparseConv& s, float* acc);
  // dx[at[i][c] + kh*in_w*cin + 0:segpad] += g[i][c] * ft[c][kh][0:segpad] for every i, c (ft zero past
  // seg: dx needs segpad - seg floats of slack past its end)
  void (*sparse_input)(const SparseConv& s, const float* ft, float* dx);
};

const SimdTable* simd_table_generic();
const SimdTable* simd_table_avx2();    // null when not compiled for x86-64
const SimdTable* simd_table_avx512();  // null when not compiled for x86-64

}  // namespace lenet
