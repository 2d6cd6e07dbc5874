// The one random engine of physr: xoshiro256** with splitmix64 seeding, plus the few
// distributions the engine needs, implemented here so results do not depend on the
// standard library's distribution code. Streams: Rng(seed, stream) gives independent,
// reproducible sequences for per-task parallel work, whatever the thread count.
// Not thread-safe: one Rng per thread or task.
#pragma once

#include <array>
#include <cstdint>

namespace physr {

class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed = 0, std::uint64_t stream = 0);

  std::uint64_t operator()();  // 64 random bits
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  double Uniform01();  // in [0, 1), 53 random bits
  double Uniform(double lo, double hi);
  std::uint64_t Below(std::uint64_t n);  // uniform in [0, n), unbiased; n > 0
  double Normal();                       // standard normal (Marsaglia polar method)

  // The full state, for checkpoints. SetState(State()) continues the same sequence.
  struct State {
    std::array<std::uint64_t, 4> s;
    double spare_normal;
    bool has_spare;
  };
  State GetState() const;
  void SetState(const State& state);

 private:
  std::array<std::uint64_t, 4> s_{};
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace physr
