#include <doctest/doctest.h>

#include "physr/core/rng.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "support/random_program.hpp"

namespace physr {
namespace {

TEST_CASE("RandomProgram gives complete programs within the length bound") {
  Rng rng(7);
  int max_seen = 0;
  for (int lib = 0; lib < 20; ++lib) {
    const Library library = testing::RandomTestLibrary(rng);
    for (int i = 0; i < 100; ++i) {
      const Program p = testing::RandomProgram(library, rng, 20);
      REQUIRE(IsComplete(p.tokens, library));
      REQUIRE(p.tokens.size() <= 20);
      CHECK(p.constants.size() == static_cast<std::size_t>(library.num_free_constants()));
      max_seen = std::max(max_seen, static_cast<int>(p.tokens.size()));
    }
  }
  CHECK(max_seen >= 15);
}

}  // namespace
}  // namespace physr
