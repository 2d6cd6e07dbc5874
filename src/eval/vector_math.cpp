#include "physr/eval/vector_math.hpp"

#include <cmath>

#ifndef PHYSR_SLEEF
#define PHYSR_SLEEF 0
#endif
#ifndef PHYSR_SLEEF_AVX
#define PHYSR_SLEEF_AVX 0
#endif
#if PHYSR_SLEEF
#include <sleef.h>
#endif

namespace physr::detail {

#if PHYSR_SLEEF_AVX
void ExpTileAvx(const double* x, double* dst, long n);
void SinTileAvx(const double* x, double* dst, long n);
void CosTileAvx(const double* x, double* dst, long n);
#endif

namespace {

using Eigen::Index;

#if PHYSR_SLEEF && defined(__SSE2__)
// Two doubles at a time; a single value is a vector of two copies, so a value never depends on
// where it sits in a tile (the deterministic functions compute each lane on its own anyway).
template <MathFn kFn>
inline __m128d Sse2(__m128d x) {
  if constexpr (kFn == MathFn::kExp) {
    return Sleef_cinz_expd2_u10sse2(x);
  } else if constexpr (kFn == MathFn::kSin) {
    return Sleef_cinz_sind2_u10sse2(x);
  } else {
    return Sleef_cinz_cosd2_u10sse2(x);
  }
}

template <MathFn kFn>
double Scalar(double x) {
  return _mm_cvtsd_f64(Sse2<kFn>(_mm_set1_pd(x)));
}

// Where the CPU has AVX (and the OS saves its registers), four at a time
// (vector_math_avx.cpp): the same deterministic functions, the same bits.
bool HaveAvx() {
#if PHYSR_SLEEF_AVX
  static const bool have = [] {
    __builtin_cpu_init();  // may run before libgcc's own initialisation otherwise
    return __builtin_cpu_supports("avx") != 0;
  }();
  return have;
#else
  return false;
#endif
}

template <MathFn kFn>
void Tile(const double* x, double* dst, Index n) {
#if PHYSR_SLEEF_AVX
  if (HaveAvx()) {
    if constexpr (kFn == MathFn::kExp) return ExpTileAvx(x, dst, n);
    if constexpr (kFn == MathFn::kSin) return SinTileAvx(x, dst, n);
    if constexpr (kFn == MathFn::kCos) return CosTileAvx(x, dst, n);
  }
#endif
  Index i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(dst + i, Sse2<kFn>(_mm_loadu_pd(x + i)));
  if (i < n) dst[i] = Scalar<kFn>(x[i]);
}

const char* Isa() { return HaveAvx() ? "avx" : "sse2"; }
#elif PHYSR_SLEEF
// Other architectures: SLEEF's portable C functions, one value at a time.
template <MathFn kFn>
double Scalar(double x) {
  if constexpr (kFn == MathFn::kExp) {
    return Sleef_cinz_expd1_u10purec(x);
  } else if constexpr (kFn == MathFn::kSin) {
    return Sleef_cinz_sind1_u10purec(x);
  } else {
    return Sleef_cinz_cosd1_u10purec(x);
  }
}

template <MathFn kFn>
void Tile(const double* x, double* dst, Index n) {
  for (Index i = 0; i < n; ++i) dst[i] = Scalar<kFn>(x[i]);
}

const char* Isa() { return "scalar"; }
#else
template <MathFn kFn>
double Scalar(double x) {
  if constexpr (kFn == MathFn::kExp) {
    return std::exp(x);
  } else if constexpr (kFn == MathFn::kSin) {
    return std::sin(x);
  } else {
    return std::cos(x);
  }
}

template <MathFn kFn>
void Tile(const double* x, double* dst, Index n) {
  for (Index i = 0; i < n; ++i) dst[i] = Scalar<kFn>(x[i]);
}

const char* Isa() { return "libm"; }
#endif

}  // namespace

template <MathFn kFn>
double Math(double x) {
  return Scalar<kFn>(x);
}

template <MathFn kFn>
void MathTile(const double* x, double* dst, Index n) {
  Tile<kFn>(x, dst, n);
}

bool MathUsesSleef() { return PHYSR_SLEEF != 0; }
const char* MathTileIsa() { return Isa(); }

template double Math<MathFn::kExp>(double);
template double Math<MathFn::kSin>(double);
template double Math<MathFn::kCos>(double);
template void MathTile<MathFn::kExp>(const double*, double*, Index);
template void MathTile<MathFn::kSin>(const double*, double*, Index);
template void MathTile<MathFn::kCos>(const double*, double*, Index);

}  // namespace physr::detail
