#include "physr/core/rng.hpp"

#include <cmath>

#include "physr/core/error.hpp"

namespace physr {
namespace {

std::uint64_t SplitMix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

__extension__ using Uint128 = unsigned __int128;

std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  // Mix the stream into the seed through a second splitmix pass so that nearby
  // (seed, stream) pairs give unrelated states.
  std::uint64_t x = seed;
  std::uint64_t mixed = SplitMix64(x);
  std::uint64_t y = mixed ^ (stream * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL);
  for (auto& word : s_) word = SplitMix64(y);
}

std::uint64_t Rng::operator()() {
  const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform01() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

double Rng::Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform01(); }

std::uint64_t Rng::Below(std::uint64_t n) {
  PHYSR_CHECK(n > 0, "Rng::Below needs n > 0");
  // Lemire's nearly-divisionless method with rejection for exact uniformity.
  Uint128 m = static_cast<Uint128>((*this)()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>((*this)()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * Uniform01() - 1.0;
    v = 2.0 * Uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

Rng::State Rng::GetState() const { return {s_, spare_normal_, has_spare_}; }

void Rng::SetState(const State& state) {
  s_ = state.s;
  spare_normal_ = state.spare_normal;
  has_spare_ = state.has_spare;
}

}  // namespace physr
