// The AVX tile loops of vector_math.cpp, in a file of their own because it is compiled with
// -mavx: it includes nothing but the intrinsics and sleef.h, so no inline function of a shared
// header is emitted here with AVX instructions (the linker could pick that copy for callers on
// machines without AVX). vector_math.cpp calls these only where the CPU has AVX.
#include <immintrin.h>
#include <sleef.h>

namespace physr::detail {

namespace {

// Four doubles at a time; the last 1–3 values of a tile go through a padded vector, so every
// value comes out of the same function whatever its position.
template <auto kFn>
void Tile(const double* x, double* dst, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(dst + i, kFn(_mm256_loadu_pd(x + i)));
  if (i < n) {
    alignas(32) double in[4] = {0.0, 0.0, 0.0, 0.0};
    alignas(32) double out[4];
    for (long j = 0; j < n - i; ++j) in[j] = x[i + j];
    _mm256_store_pd(out, kFn(_mm256_load_pd(in)));
    for (long j = 0; j < n - i; ++j) dst[i + j] = out[j];
  }
}

}  // namespace

void ExpTileAvx(const double* x, double* dst, long n) { Tile<Sleef_cinz_expd4_u10avx>(x, dst, n); }
void SinTileAvx(const double* x, double* dst, long n) { Tile<Sleef_cinz_sind4_u10avx>(x, dst, n); }
void CosTileAvx(const double* x, double* dst, long n) { Tile<Sleef_cinz_cosd4_u10avx>(x, dst, n); }

}  // namespace physr::detail
