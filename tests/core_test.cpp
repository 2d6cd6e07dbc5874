#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "physr/core/hash.hpp"
#include "physr/core/rng.hpp"

namespace physr {

TEST_CASE("Rng is reproducible per (seed, stream) and streams differ") {
  Rng a(42, 0), b(42, 0), c(42, 1), d(43, 0);
  for (int i = 0; i < 100; ++i) {
    const auto x = a();
    CHECK(x == b());
    CHECK(x != c());
    CHECK(x != d());
  }
}

TEST_CASE("Rng uniform and normal moments match their distributions") {
  Rng rng(7);
  const int n = 200000;
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.Uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum2 += u * u;
    const double z = rng.Normal();
    nsum += z;
    nsum2 += z * z;
  }
  CHECK(sum / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sum2 / n - (sum / n) * (sum / n) == doctest::Approx(1.0 / 12).epsilon(0.02));
  CHECK(std::abs(nsum / n) < 0.01);
  CHECK(nsum2 / n == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("Rng::Below covers its range without bias and state round-trips") {
  Rng rng(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[rng.Below(7)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  const auto state = rng.GetState();
  const double x = rng.Normal(), y = rng.Normal();
  rng.SetState(state);
  CHECK(rng.Normal() == x);
  CHECK(rng.Normal() == y);
}

TEST_CASE("Mix is the combine-and-multiply step, and its helpers feed it in order") {
  // The step written out: checkpoint fingerprints depend on these exact values.
  const auto step = [](std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
  };
  const std::uint64_t hashes[] = {0, 1, 0x243f6a8885a308d3ULL};
  const std::uint64_t values[] = {0, 7, ~std::uint64_t{0}};
  for (const std::uint64_t h : hashes) {
    for (const std::uint64_t v : values) {
      CHECK(Mix(h, v) == step(h, v));
    }
  }
  static_assert(Mix(1, 2) != Mix(2, 1));

  const std::vector<double> doubles{1.5, -0.0, 0.0, 1e300, -2.25};
  std::uint64_t expected = 11;
  for (const double x : doubles) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    expected = step(expected, bits);
  }
  CHECK(MixDoubles(11, doubles) == expected);
  CHECK(MixDouble(0, 0.0) != MixDouble(0, -0.0));  // bit patterns, not values

  const std::vector<std::int32_t> ints{3, -1, 0, 1 << 30};
  expected = 5;
  for (const std::int32_t x : ints) {
    expected = step(expected, static_cast<std::uint64_t>(std::int64_t{x}));
  }
  CHECK(MixIntegers(5, std::span<const std::int32_t>(ints)) == expected);
  const std::vector<std::int32_t> swapped{-1, 3, 0, 1 << 30};
  CHECK(MixIntegers(5, std::span<const std::int32_t>(swapped)) != expected);

  // Strings carry their length, so the split between two strings matters.
  CHECK(MixString(MixString(0, "ab"), "c") != MixString(MixString(0, "a"), "bc"));
  CHECK(MixString(0, "") != 0);
  CHECK(MixString(9, "xy") == step(step(step(9, 2), 'x'), 'y'));
}

TEST_CASE("Fnv1a and Avalanche are 64-bit FNV-1a and the fmix64 half") {
  const std::vector<std::uint16_t> ids{0, 5, 65535, 12};
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::uint16_t id : ids) {
    h ^= id;
    h *= 0x100000001B3ULL;
  }
  CHECK(Fnv1a(kFnv1aOffset, std::span<const std::uint16_t>(ids)) == h);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  CHECK(Avalanche(Fnv1a(kFnv1aOffset, std::span<const std::uint16_t>(ids))) == h);
}

TEST_CASE("Mix keeps distinct short inputs distinct") {
  std::unordered_set<std::uint64_t> seen;
  int inserted = 0;
  for (std::uint64_t a = 0; a < 64; ++a) {
    for (std::uint64_t b = 0; b < 64; ++b) {
      inserted += seen.insert(Mix(Mix(0x5048595352434b50ULL, a), b)).second ? 1 : 0;
    }
  }
  CHECK(inserted == 64 * 64);
}

}  // namespace physr
