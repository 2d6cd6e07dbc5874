// The canonical form (expr/canonical.hpp): a list of rewrites with their expected text, each
// checked for equal values before and after on random points and for unchanged units; the
// rules that must not fire; and random programs whose canonical form must compute the same.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/canonical.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "support/random_program.hpp"

namespace physr {
namespace {

const Dimension kL = Dimension::FromInts({1});
const Dimension kM = Dimension::FromInts({0, 1});
const Dimension kT = Dimension::FromInts({0, 0, 1});
const Dimension kVelocity = Dimension::FromInts({1, 0, -1});

// Variables with their dimensions and the range their random values are drawn from.
struct Variable {
  std::string name;
  Dimension dimension;
  double lo = 0.5;
  double hi = 2.0;
};

// x, y, z, w, a, b, t, phi (dimensionless); m [M], v and c [L/T] (v < c), m1, m2 [M], r [L].
std::vector<Variable> Variables() {
  return {{"x", {}},
          {"y", {}},
          {"z", {}},
          {"w", {}},
          {"a", {}},
          {"b", {}},
          {"t", {}},
          {"phi", {}},
          {"m", kM},
          {"v", kVelocity},
          {"c", kVelocity, 3.0, 5.0},
          {"m1", kM},
          {"m2", kM},
          {"r", kL},
          {"tau", kT}};
}

Library TestLibrary(std::vector<std::string> operators = {}) {
  LibrarySpec spec;
  spec.operators = operators.empty()
                       ? std::vector<std::string>{"add", "sub",  "mul", "div", "neg", "inv", "n2",
                                                  "n3",  "sqrt", "exp", "log", "sin", "cos", "pow"}
                       : operators;
  for (const Variable& v : Variables()) spec.variables.push_back({v.name, v.dimension});
  spec.fixed_constants.push_back({"1", 1.0, Dimension()});
  return Library::Build(spec);
}

// Values of `program` at `rows` random points of Variables().
std::vector<double> Values(const Program& program, const Library& library, int rows) {
  Rng rng(7);
  const std::vector<Variable> vars = Variables();
  const CompiledProgram compiled = Compile(program, library);
  std::vector<double> out;
  for (int i = 0; i < rows; ++i) {
    std::vector<double> row;
    for (const Variable& v : vars) row.push_back(rng.Uniform(v.lo, v.hi));
    out.push_back(EvaluateScalar(compiled, row, program.constants));
  }
  return out;
}

void CheckSameValues(const Program& a, const Program& b, const Library& library) {
  const std::vector<double> x = Values(a, library, 200);
  const std::vector<double> y = Values(b, library, 200);
  for (std::size_t i = 0; i < x.size(); ++i) {
    REQUIRE(std::isfinite(x[i]));
    CHECK(std::abs(x[i] - y[i]) <= 1e-12 * std::abs(x[i]));
  }
}

struct Rewrite {
  const char* input;
  const char* expected;  // printed with 12 significant digits
};

// Each rewrite: the expected text, the same values on random points, the same units.
TEST_CASE("canonical: the rewrite list") {
  const std::vector<Rewrite> rewrites = {
      {"(x*(1/y))/(1/(z*w))", "x*z*w/y"},
      {"-(-(a)*b)", "a*b"},
      {"m2*(m1/(r^2/6.674000000000005e-11))", "6.674e-11*m1*m2/r^2"},
      {"sqrt(1/((c/v)^2 - 1) + 1)*m*c^2", "m*c^2/sqrt(1 - v^2/c^2)"},
      {"sin(t*3 + 8.253981633974483)*exp(-0.1333333333333333*(3*t))", "exp(-0.4*t)*cos(3*t + 0.4)"},
      {"m*c*c", "m*c^2"},
      {"(sqrt(c)^2)^2*m", "m*c^2"},
      {"c*m*c", "m*c^2"},
      {"x*2*3", "6*x"},
      {"x/2 + x/2", "x"},
      {"x - (y - x)", "2*x - y"},
      {"-y + x", "x - y"},
      {"sin(x + pi/2)", "cos(x)"},
      {"cos(x - pi/2)", "sin(x)"},
      {"sin(x + 2*pi)", "sin(x)"},
      {"exp(log(2)*x)*y", "y*exp(0.69314718056*x)"},
      {"m*c^2/log(exp(sqrt(1 - v^2/c^2)))", "m*c^2/sqrt(1 - v^2/c^2)"},
      {"log(1/exp(x*y))", "-x*y"},
      {"log(sqrt(exp(x)))", "x/2"},
      {"0.36787944117144233*exp(1 - 0.4*x)*y", "y*exp(-0.4*x)"},
      {"exp(x*y + 2)/exp(2)", "exp(x*y)"},
      {"-log(x/y)", "log(y/x)"},
      {"x*(1 - log(x/y))", "x*(log(y/x) + 1)"},
      {"x*y - log(x/y)", "x*y + log(y/x)"},
      {"-log(x)", "-log(x)"},
      {"-log(x + y)", "-log(x + y)"},
      {"1/(x*y)", "1/(x*y)"},
      {"y*(1/x)*x*x", "x*y"},
      {"(x + y)*(y + x)", "(x + y)^2"},
      {"m*v*v/2", "m*v^2/2"},
      {"0.5*m*v^2", "m*v^2/2"},
      {"x*x*x/(x^2)", "x"},
      {"sqrt(x)*sqrt(x)*y", "x*y"},
      {"1 + x", "x + 1"},
      {"-(x*0.5)", "-x/2"},
      {"-(1/x)", "-(1/x)"},  // -1/x would be one token longer
      {"-(x + y)", "-x - y"},
      {"(-3)*x", "-3*x"},
  };
  for (const Rewrite& r : rewrites) {
    CAPTURE(r.input);
    Library library = TestLibrary();
    const Program program = ParseFormula(r.input, library);
    const std::optional<Program> canonical =
        Canonicalize(program, library, CanonicalOptions{.add_numbers = true});
    const Program& out = canonical ? *canonical : program;
    PrintOptions print;
    print.precision = 12;
    CHECK(ToInfix(out, library, print) == r.expected);
    CheckSameValues(program, out, library);
    const UnitCheckResult before = CheckUnits(program, library);
    const UnitCheckResult after = CheckUnits(out, library);
    REQUIRE(before.ok);
    CHECK(after.ok);
    CHECK(after.dimension == before.dimension);
    CHECK(Complexity(out.tokens, library) <= Complexity(program.tokens, library));
    // Canonical is a fixed point.
    CHECK_FALSE(Canonicalize(out, library, CanonicalOptions{.add_numbers = true}));
  }
}

// Forms that are not identities everywhere, or that would be longer, stay as written.
TEST_CASE("canonical: what is left as written") {
  for (const char* text : {"sqrt(x^2)", "sqrt(x*y)", "x^5", "sqrt(x^2)*x", "log(x*y)"}) {
    CAPTURE(text);
    Library library = TestLibrary();
    const Program program = ParseFormula(text, library);
    const std::optional<Program> canonical = Canonicalize(program, library);
    if (canonical) {
      CheckSameValues(program, *canonical, library);
      // sqrt(x^2) is |x|, never x; sqrt(x*y) is not sqrt(x)*sqrt(y) for x, y < 0.
      const std::string text_out = ToInfix(*canonical, library);
      CHECK(text_out.find("sqrt") != std::string::npos);
    }
  }
  // A rewrite that needs an operator the library lacks is not made: x - (y + x) is -y, and
  // the library has no neg.
  Library library = TestLibrary({"add", "sub"});
  const Program program = ParseFormula("x - (y + x)", library);
  CHECK_FALSE(Canonicalize(program, library).has_value());
  // Without div a quotient is written with inv; the library gains no operator.
  Library no_div = TestLibrary({"mul", "inv"});
  const Program product = ParseFormula("x*(1/y)*1", no_div);
  const std::size_t size = no_div.size();
  const std::optional<Program> canonical = Canonicalize(product, no_div);
  REQUIRE(canonical);
  CHECK(ToInfix(*canonical, no_div) == "x*(1/y)");
  CHECK(no_div.size() == size);
}

// Merged free constants: one coefficient per product, its dimension that of a free constant of
// the library; values preserved; a free constant used twice stays a symbol.
TEST_CASE("canonical: free constants merged") {
  LibrarySpec spec;
  spec.operators = {"add", "sub", "mul", "div", "n2", "sqrt"};
  spec.variables = {{"m1", kM}, {"m2", kM}, {"r", kL}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  const Dimension g_dim = Dimension::FromInts({3, -1, -2});
  spec.free_constants = {{"C1", Dimension(), 1.0}, {"C2", Dimension(), 1.0}, {"G", g_dim, 1.0}};
  Library library = Library::Build(spec);
  Program program = ParseFormula("m2*(m1/(r^2/G))*C1", library);
  program.constants = {2.5, 1.0, 6.674e-11};
  const std::optional<Program> canonical = Canonicalize(program, library);
  REQUIRE(canonical);
  CHECK(ToInfix(*canonical, library) == "G*m1*m2/r^2");
  CHECK(canonical->constants[2] == doctest::Approx(2.5 * 6.674e-11).epsilon(1e-15));
  CHECK(CheckUnits(*canonical, library).dimension == CheckUnits(program, library).dimension);

  // A number not in the library goes into an unused dimensionless free constant.
  program = ParseFormula("C1*m1 + C2*m1", library);
  program.constants = {2.0, 3.0, 1.0};
  const std::optional<Program> merged = Canonicalize(program, library);
  REQUIRE(merged);
  CHECK(ToInfix(*merged, library, {.substitute_constants = true}) == "5*m1");

  // C1 used twice is a symbol: C1*m1 + C1*m2 keeps both.
  program = ParseFormula("m1*C1 + C1*m2", library);
  program.constants = {2.0, 3.0, 1.0};
  const std::optional<Program> shared = Canonicalize(program, library);
  REQUIRE(shared);
  CHECK(ToInfix(*shared, library) == "C1*m1 + C1*m2");
}

TEST_CASE("canonical: constants that cannot merge kept, repeated constants merged") {
  LibrarySpec spec;
  spec.operators = {"add", "sub", "mul", "div", "n2", "sqrt"};
  spec.variables = {{"t", kT}, {"z", kL}, {"a", kL}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  const Dimension gm_dim = Dimension::FromInts({3, 0, -2});
  spec.free_constants = {
      {"C1", Dimension(), 1.0}, {"L", kL, 1.0}, {"tau", kT, 1.0}, {"GM", gm_dim, 1.0}};
  Library library = Library::Build(spec);

  // L*tau has no free constant of its dimension (m*s): the constants stay as they are and the
  // rest is written in canonical form, values unchanged.
  Program program = ParseFormula("L/(1/(1/(t/tau)))", library);
  program.constants = {1.0, 2.0, 3.0, 1.0};
  std::optional<Program> kept = Canonicalize(program, library);
  REQUIRE(kept);
  CHECK(ToInfix(*kept, library) == "L*tau/t");
  CHECK(kept->constants == program.constants);
  CheckSameValues(program, *kept, library);

  // A constant used twice as a factor becomes its square, which is one constant: C1*C1*z is
  // C1*z with C1 = 3.4506^2.
  program = ParseFormula("z*C1*C1", library);
  program.constants = {3.4506, 1.0, 1.0, 1.0};
  const std::optional<Program> square = Canonicalize(program, library);
  REQUIRE(square);
  CHECK(ToInfix(*square, library) == "C1*z");
  CHECK(square->constants[0] == doctest::Approx(3.4506 * 3.4506).epsilon(1e-15));
  CheckSameValues(program, *square, library);

  // Not where the square has no free constant of its dimension (L^2), nor where the uses
  // stay apart.
  program = ParseFormula("z*L*L", library);
  program.constants = {1.0, 2.0, 1.0, 1.0};
  const std::optional<Program> l2 = Canonicalize(program, library);
  REQUIRE(l2);
  CHECK(ToInfix(*l2, library) == "L^2*z");
  program = ParseFormula("z*C1 + a*C1", library);
  program.constants = {2.0, 1.0, 1.0, 1.0};
  const std::optional<Program> apart = Canonicalize(program, library);
  REQUIRE(apart);
  CHECK(ToInfix(*apart, library) == "C1*z + C1*a");

  // Kepler's law: C1/sqrt(GM) has no constant of its dimension; both kept, written first.
  program = ParseFormula("sqrt(a/GM)*(a*C1)", library);
  program.constants = {6.28, 1.0, 1.0, 1.3e20};
  const std::optional<Program> kepler = Canonicalize(program, library);
  REQUIRE(kepler);
  CHECK(ToInfix(*kepler, library) == "C1*a*sqrt(a/GM)");
  CHECK(kepler->constants == program.constants);
  CHECK_FALSE(Canonicalize(*kepler, library));
}

// Random programs over every operator: the canonical form computes the same values wherever
// the original is finite (relative 1e-9: folding reorders rounding), with the same units.
TEST_CASE("canonical: random programs keep their values") {
  const Library library = testing::FullTestLibrary();
  Rng rng(11);
  int rewritten = 0;
  for (int n = 0; n < 2000; ++n) {
    const Program program = testing::RandomProgram(library, rng, 16);
    const std::optional<Program> canonical = Canonicalize(program, library);
    if (!canonical) continue;
    ++rewritten;
    CAPTURE(ToInfix(program, library));
    CAPTURE(ToInfix(*canonical, library));
    CHECK(Complexity(canonical->tokens, library) <= Complexity(program.tokens, library));
    const UnitCheckResult before = CheckUnits(program, library);
    if (before.ok) CHECK(CheckUnits(*canonical, library).dimension == before.dimension);
    const CompiledProgram a = Compile(program, library);
    const CompiledProgram b = Compile(*canonical, library);
    Rng values(3);
    for (int i = 0; i < 20; ++i) {
      std::vector<double> row;
      for (int k = 0; k < library.num_variables(); ++k) row.push_back(values.Uniform(-2.0, 2.0));
      const double x = EvaluateScalar(a, row, program.constants);
      const double y = EvaluateScalar(b, row, canonical->constants);
      if (!std::isfinite(x) || std::abs(x) > 1e12) continue;
      CHECK(std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(x)));
    }
  }
  CHECK(rewritten > 200);
}

}  // namespace
}  // namespace physr
