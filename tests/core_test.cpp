#include <doctest/doctest.h>

#include <cmath>
#include <vector>

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

}  // namespace physr
