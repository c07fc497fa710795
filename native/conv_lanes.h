// The one-input-channel convolutions of conv_lanes.cc, called by conv.cc when they apply.
#pragma once
#include "kernels.h"

namespace lenet {

// Vectors per filter pattern, np = lcm(W, Cout) / W, of the (ow, co)-in-lanes layout for
// forward and filter gradient, or 0 when it does not apply (Cin != 1, stride along w != 1,
// Cout a multiple of the vector width W) or would not help (np > 4).
long lanes_patterns(const ConvGeometry& g);

// conv2d_forward and conv2d_backward_filter in that layout. xp is the input zero-padded to
// [B, hp, wp] so that every window is in bounds; np comes from lanes_patterns(g).
void conv2d_forward_lanes(float* y, const float* xp, long hp, long wp, const float* f, const float* bias, int act,
                          const ConvGeometry& g, long np);
void conv2d_backward_filter_lanes(float* df, const float* xp, long hp, long wp, const float* dy, const ConvGeometry& g,
                                  long np);

// One input channel and stride 1 along w: conv2d_backward_input with output pixels in the lanes.
inline bool single_channel_applies(const ConvGeometry& g) { return g.in_c == 1 && g.stride_w == 1; }
void conv2d_backward_input_single_channel(float* dx, const float* dy, const float* f, const ConvGeometry& g);

}  // namespace lenet
