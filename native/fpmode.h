// Denormal floats (below 1.2e-38) appear in backpropagation on real data (saturated softmax
// and tanh, vanishing gradients) and can cost a microcode assist per operation. Kernels
// therefore run with flush-to-zero / denormals-are-zero, as TensorFlow's thread pools do,
// except the Adam update, which must round exactly like tfjs. The caller's mode is restored
// on exit (the JS thread's double arithmetic must keep IEEE semantics), and pool workers
// adopt the mode of the thread that submitted each job.
#pragma once
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace lenet {

inline uint64_t get_fp_mode() {
#if defined(__x86_64__) || defined(__i386__)
  return _mm_getcsr();
#elif defined(__aarch64__)
  uint64_t v;
  __asm__ volatile("mrs %0, fpcr" : "=r"(v));
  return v;
#else
  return 0;
#endif
}

inline void set_fp_mode(uint64_t mode) {
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr(static_cast<unsigned>(mode));
#elif defined(__aarch64__)
  __asm__ volatile("msr fpcr, %0" : : "r"(mode));
#else
  (void)mode;
#endif
}

inline uint64_t flush_denormals_mode(uint64_t mode) {
#if defined(__x86_64__) || defined(__i386__)
  return mode | 0x8040u;  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
  return mode | (uint64_t(1) << 24);  // FZ
#else
  return mode;
#endif
}

}  // namespace lenet
