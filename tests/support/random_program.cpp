#include "support/random_program.hpp"

#include <numbers>
#include <string>
#include <vector>

#include "physr/core/error.hpp"

namespace physr::testing {
namespace {

Dimension RandomSmallDimension(Rng& rng) {
  // Exponents of L, M, T in [-2, 2], with a good chance of dimensionless.
  if (rng.Below(3) == 0) return Dimension::Dimensionless();
  auto e = [&rng] { return static_cast<int>(rng.Below(5)) - 2; };
  const int l = e();
  const int m = e();
  const int t = e();
  return Dimension::FromInts({l, m, t});
}

template <typename T>
void Shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng.Below(i));
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace

Library FullTestLibrary() {
  Library library;
  for (OpCode op : AllOperators()) library.AddOperator(op);
  library.AddVariable("x", Dimension::FromInts({1}));
  library.AddVariable("y", Dimension::FromInts({0, 0, 1}));
  library.AddVariable("v", Dimension::FromInts({1, 0, -1}));
  library.AddVariable("m1", Dimension::FromInts({0, 1}));
  library.AddVariable("theta", Dimension::Dimensionless());
  library.AddFixedConstant("1", 1.0, Dimension::Dimensionless());
  library.AddFixedConstant("2", 2.0, Dimension::Dimensionless());
  library.AddFixedConstant("0.5", 0.5, Dimension::Dimensionless());
  library.AddFixedConstant("3", 3.0, Dimension::Dimensionless());
  library.AddFixedConstant("1e-05", 1e-05, Dimension::Dimensionless());
  library.AddFixedConstant("pi", std::numbers::pi, Dimension::Dimensionless());
  library.AddFixedConstant("c", 299792458.0, Dimension::FromInts({1, 0, -1}));
  library.AddFreeConstant("k0", Dimension::Dimensionless(), 1.0);
  library.AddFreeConstant("k1", Dimension::FromInts({0, 1}), 2.5);
  return library;
}

Library RandomTestLibrary(Rng& rng) {
  Library library;
  std::vector<OpCode> ops(AllOperators().begin(), AllOperators().end());
  Shuffle(ops, rng);
  const std::size_t num_ops = 3 + static_cast<std::size_t>(rng.Below(ops.size() - 2));
  ops.resize(num_ops);
  bool has_binary = false;
  for (OpCode op : ops) has_binary = has_binary || Info(op).arity == 2;
  if (!has_binary) ops.push_back(rng.Below(2) == 0 ? OpCode::kAdd : OpCode::kMul);
  for (OpCode op : ops) library.AddOperator(op);

  std::vector<std::string> names = {"x",     "y",   "z",     "v",   "m1",
                                    "theta", "t_0", "omega", "x_1", "alpha"};
  Shuffle(names, rng);
  const int num_vars = 1 + static_cast<int>(rng.Below(4));
  for (int i = 0; i < num_vars; ++i) {
    library.AddVariable(names[static_cast<std::size_t>(i)], RandomSmallDimension(rng));
  }

  struct Fixed {
    const char* name;
    double value;
    Dimension dimension;
  };
  std::vector<Fixed> fixed = {
      {"1", 1.0, {}},
      {"2", 2.0, {}},
      {"0.5", 0.5, {}},
      {"3", 3.0, {}},
      {"1.5", 1.5, {}},
      {"1e-05", 1e-05, {}},
      {"pi", std::numbers::pi, {}},
      {"c", 299792458.0, Dimension::FromInts({1, 0, -1})},
      {"g", 9.81, Dimension::FromInts({1, 0, -2})},
  };
  Shuffle(fixed, rng);
  const int num_fixed = 1 + static_cast<int>(rng.Below(4));
  for (int i = 0; i < num_fixed; ++i) {
    const Fixed& f = fixed[static_cast<std::size_t>(i)];
    library.AddFixedConstant(f.name, f.value, f.dimension);
  }

  const int num_free = static_cast<int>(rng.Below(4));
  for (int i = 0; i < num_free; ++i) {
    library.AddFreeConstant("k" + std::to_string(i), RandomSmallDimension(rng),
                            rng.Uniform(-3.0, 3.0));
  }
  return library;
}

Program RandomProgram(const Library& library, std::span<const TokenId> allowed, Rng& rng,
                      int max_length) {
  PHYSR_CHECK(max_length >= 1, "RandomProgram needs max_length >= 1");
  std::vector<TokenId> operators;
  std::vector<TokenId> terminals;
  for (TokenId id : allowed) {
    (library[id].IsTerminal() ? terminals : operators).push_back(id);
  }
  PHYSR_CHECK(!terminals.empty(), "RandomProgram needs at least one terminal");

  const int target = 1 + static_cast<int>(rng.Below(static_cast<std::uint64_t>(max_length)));
  Program program;
  int open = 1;  // slots still to fill
  std::vector<TokenId> fitting;
  while (open > 0) {
    // The shortest final length is length + open; an operator of arity a raises it by a.
    const int room = target - static_cast<int>(program.tokens.size()) - open;
    fitting.clear();
    if (room > 0 && rng.Uniform01() < 0.8) {
      for (TokenId id : operators) {
        if (library[id].arity <= room) fitting.push_back(id);
      }
    }
    const std::vector<TokenId>& pool = fitting.empty() ? terminals : fitting;
    const TokenId id = pool[static_cast<std::size_t>(rng.Below(pool.size()))];
    program.tokens.push_back(id);
    open += library[id].arity - 1;
  }
  program.constants = library.FreeConstantDefaults();
  return program;
}

Program RandomProgram(const Library& library, Rng& rng, int max_length) {
  std::vector<TokenId> all(library.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<TokenId>(i);
  return RandomProgram(library, all, rng, max_length);
}

}  // namespace physr::testing
