// Internal to the evaluator: exp, sin and cos of one double or of a tile, one definition for
// both, so tiled and scalar evaluation agree bit for bit. Built with -DPHYSR_SLEEF=ON (off by
// default), these are SLEEF's deterministic 1.0-ULP functions (Sleef_cinz_*_u10): each lane is
// computed on its own, without FMA, so a value does not depend on its neighbours or on the
// instruction set; vectorised two doubles at a time with SSE2, four where the CPU has AVX
// (the tests check that both give the same bits), within 1 ulp of libm (measured by
// tests/eval_test.cpp; docs/decisions.md states the figure). log is not here: SLEEF's 1.0-ULP
// log is slower than glibc's. Without SLEEF (the default), and in long double everywhere, libm.
// Not a public interface.
#pragma once

#include <Eigen/Core>

namespace physr::detail {

enum class MathFn { kExp, kSin, kCos };

// f(x). Cost: one call, ≈ what libm's costs.
template <MathFn kFn>
double Math(double x);

// dst[i] = Math<kFn>(x[i]) bit for bit, i < n; dst may equal x. Cost: n/2 (SSE2) or n/4
// (AVX) vector calls, each ≈ one libm call (sin, cos: less).
template <MathFn kFn>
void MathTile(const double* x, double* dst, Eigen::Index n);

// True when the functions above are SLEEF's, false when they are libm's.
bool MathUsesSleef();
// The instruction set MathTile runs on: "avx", "sse2", "scalar" (SLEEF's portable C) or
// "libm".
const char* MathTileIsa();

}  // namespace physr::detail
