#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/expr/dimension_hash.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/program.hpp"
#include "physr/expr/token.hpp"
#include "physr/expr/unit_check.hpp"
#include "support/random_program.hpp"

namespace physr {
namespace {

const Dimension kL = Dimension::FromInts({1});
const Dimension kM = Dimension::FromInts({0, 1});
const Dimension kT = Dimension::FromInts({0, 0, 1});
const Dimension kVelocity = Dimension::FromInts({1, 0, -1});
const Dimension kEnergy = Dimension::FromInts({2, 1, -2});

// Every operator; m [M], v [L T^-1], x [L], t [T], theta [1], m1 [M], x_1 [L], omega_0 [T^-1],
// mass [M], t_max [T]; c [L T^-1], literals 1, 2, 0.5, 1e-05, a third; free k [1], q [M].
Library PhysicsLibrary() {
  Library lib;
  for (OpCode op : AllOperators()) lib.AddOperator(op);
  lib.AddVariable("m", kM);
  lib.AddVariable("v", kVelocity);
  lib.AddVariable("x", kL);
  lib.AddVariable("t", kT);
  lib.AddVariable("theta", Dimension());
  lib.AddVariable("m1", kM);
  lib.AddVariable("x_1", kL);
  lib.AddVariable("omega_0", Dimension::FromInts({0, 0, -1}));
  lib.AddVariable("mass", kM);
  lib.AddVariable("t_max", kT);
  lib.AddFixedConstant("c", 299792458.0, kVelocity);
  lib.AddFixedConstant("1", 1.0, Dimension());
  lib.AddFixedConstant("2", 2.0, Dimension());
  lib.AddFixedConstant("0.5", 0.5, Dimension());
  lib.AddFixedConstant("1e-05", 1e-05, Dimension());
  lib.AddFixedConstant("third", 1.0 / 3.0, Dimension());
  lib.AddFixedConstant("pi", std::numbers::pi, Dimension());
  lib.AddFreeConstant("k", Dimension(), 1.0);
  lib.AddFreeConstant("q", kM, 2.0);
  return lib;
}

// "mul m n2 v" → the program with those tokens, constants at the library defaults.
Program P(const Library& lib, const std::string& prefix) {
  Program p;
  std::istringstream in(prefix);
  std::string name;
  while (in >> name) {
    const std::optional<TokenId> id = lib.Find(name);
    REQUIRE_MESSAGE(id.has_value(), "no token " << name);
    p.tokens.push_back(*id);
  }
  REQUIRE(IsComplete(p.tokens, lib));
  p.constants = lib.FreeConstantDefaults();
  return p;
}

std::string Names(const Program& p, const Library& lib) {
  std::string s;
  for (TokenId id : p.tokens) s += (s.empty() ? "" : " ") + lib[id].name;
  return s;
}

// Parses `text` over a copy of `lib` and returns the prefix token names.
std::string Parsed(const std::string& text, const Library& lib) {
  Library copy = lib;
  return Names(ParseFormula(text, copy), copy);
}

std::string ParseError(const std::string& text, const Library& lib) {
  Library copy = lib;
  try {
    ParseFormula(text, copy);
  } catch (const InputError& e) {
    CHECK(copy.size() == lib.size());  // a syntax error leaves the library alone
    return e.what();
  }
  return "no error";
}

// ---------------------------------------------------------------------------------------
// Unit checking

TEST_CASE("IsIdentifier accepts [A-Za-z_][A-Za-z0-9_]* and nothing else") {
  for (const char* name : {"v", "_", "x_1", "theta2", "E0", "_a9Z"}) {
    CAPTURE(name);
    CHECK(IsIdentifier(name));
  }
  for (const char* name : {"", "2x", "x-1", "(a - b)", "x y", "é", "a.b", "pi*r"}) {
    CAPTURE(name);
    CHECK_FALSE(IsIdentifier(name));
  }
}

TEST_CASE("HashTokens is FNV-1a over the ids with a final avalanche, seeded by the length") {
  // Written out: the restart streams of FitConstants (FitSeed) depend on these values.
  const auto reference = [](const std::vector<TokenId>& tokens) {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ tokens.size();
    for (const TokenId id : tokens) {
      h ^= id;
      h *= 0x100000001B3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  };
  for (const std::vector<TokenId>& tokens :
       {std::vector<TokenId>{}, std::vector<TokenId>{3}, std::vector<TokenId>{2, 0, 1, 7},
        std::vector<TokenId>{65535, 1, 40000}}) {
    CHECK(HashTokens(tokens) == reference(tokens));
  }
  CHECK(HashTokens(std::vector<TokenId>{1, 2}) != HashTokens(std::vector<TokenId>{2, 1}));
}

TEST_CASE("MixDimension mixes every exponent's numerator and denominator") {
  const Dimension root_length = Dimension::Of(units::Base::kLength, Rational(1, 2));
  std::uint64_t expected = 17;
  for (const Rational& r : root_length.exponents()) {
    expected = Mix(Mix(expected, static_cast<std::uint64_t>(std::int64_t{r.num()})),
                   static_cast<std::uint64_t>(r.den()));
  }
  CHECK(MixDimension(17, root_length) == expected);
  CHECK(MixDimension(17, kL) != MixDimension(17, root_length));
  CHECK(MixDimension(17, kL) != MixDimension(17, kT));
  CHECK(MixDimension(17, kL.Pow(Rational(-1))) != MixDimension(17, kL));
  CHECK(MixDimension(17, kVelocity) == MixDimension(17, kL / kT));
}

TEST_CASE("CheckUnits accepts correct programs and gives their dimension") {
  const Library lib = PhysicsLibrary();
  struct Case {
    const char* prefix;
    Dimension expected;
  };
  const std::vector<Case> cases = {
      {"mul m n2 v", kEnergy},
      {"mul m n2 c", kEnergy},
      {"div mul m n2 c sqrt sub 1 div n2 v n2 c", kEnergy},
      {"add x mul v t", kL},
      {"sub x neg abs x_1", kL},
      {"div x t", kVelocity},
      {"inv t", Dimension::FromInts({0, 0, -1})},
      {"n3 x", Dimension::FromInts({3})},
      {"sqrt x", Dimension::Of(units::Base::kLength, Rational(1, 2))},
      {"mul x sin theta", kL},
      {"exp div x mul v t", Dimension()},
      {"arctan tanh log cos theta", Dimension()},
      {"pow x 2", Dimension::FromInts({2})},
      {"pow x 0.5", Dimension::Of(units::Base::kLength, Rational(1, 2))},
      {"pow x third", Dimension::Of(units::Base::kLength, Rational(1, 3))},
      {"pow x div add 1 2 2", Dimension::Of(units::Base::kLength, Rational(3, 2))},  // x^(3/2)
      {"pow x neg 1", Dimension::FromInts({-1})},                                    // x^(-1)
      {"pow x inv n3 2", Dimension::Of(units::Base::kLength, Rational(1, 8))},
      {"pow theta k", Dimension()},
      {"pow theta add theta 1", Dimension()},
      {"mul q k", kM},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.prefix));
    const UnitCheckResult r = CheckUnits(P(lib, c.prefix), lib);
    CHECK(r.ok);
    CHECK(r.error.empty());
    CHECK(r.dimension == c.expected);
    CHECK(CheckUnits(P(lib, c.prefix), lib, c.expected).ok);
  }
}

TEST_CASE("CheckUnits names the rule, the dimensions and the token") {
  const Library lib = PhysicsLibrary();
  struct Case {
    const char* prefix;
    const char* error;
    int position;
  };
  const std::vector<Case> cases = {
      {"add v x", "add: cannot add L T^-1 and L at token 0", 0},
      {"mul m n2 mul t sub v x", "sub: cannot subtract L T^-1 and L at token 5", 5},
      {"mul m n2 mul t add v x", "add: cannot add L T^-1 and L at token 5", 5},
      {"add t x", "add: cannot add T and L at token 0", 0},
      {"mul x sin x", "sin: argument must be dimensionless, got L at token 2", 2},
      {"exp m", "exp: argument must be dimensionless, got M at token 0", 0},
      {"log div x t", "log: argument must be dimensionless, got L T^-1 at token 0", 0},
      {"add theta arccos v", "arccos: argument must be dimensionless, got L T^-1 at token 2", 2},
      {"pow theta x", "pow: exponent must be dimensionless, got L at token 0", 0},
      {"pow x k",
       "pow: base has dimension L, so the exponent must be a number with a simple rational "
       "value at token 0",
       0},
      {"pow x pi",
       "pow: base has dimension L, so the exponent must be a number with a simple rational "
       "value at token 0",
       0},
      {"pow x add 1 k",
       "pow: base has dimension L, so the exponent must be a number with a simple rational "
       "value at token 0",
       0},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.prefix));
    const UnitCheckResult r = CheckUnits(P(lib, c.prefix), lib);
    CHECK_FALSE(r.ok);
    CHECK(r.error == c.error);
    CHECK(r.token_position == c.position);
  }
}

TEST_CASE("CheckUnits compares the result with the required dimension") {
  const Library lib = PhysicsLibrary();
  const UnitCheckResult r = CheckUnits(P(lib, "x"), lib, kEnergy);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "result has dimension L, expected M L^2 T^-2");
  CHECK(r.token_position == 0);
  CHECK(CheckUnits(P(lib, "mul m n2 v"), lib, kEnergy).ok);
  CHECK_FALSE(CheckUnits(P(lib, "mul m v"), lib, kEnergy).ok);
  CHECK(CheckUnits(P(lib, "theta"), lib, Dimension()).ok);
}

TEST_CASE("CheckUnits reports exponent overflow instead of throwing") {
  const Library lib = PhysicsLibrary();
  std::string prefix;
  for (int i = 0; i < 25; ++i) prefix += "n3 ";
  prefix += "x";
  const UnitCheckResult r = CheckUnits(P(lib, prefix), lib);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("n3: dimension exponent overflow at token") == 0);
  // Dimensionless programs never overflow.
  CHECK(CheckUnits(P(lib, "n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 n3 theta"),
                   lib)
            .ok);
}

// The value of the subtree at pos when it is arithmetic on fixed constants only.
std::optional<double> ReferenceNumber(const Program& p, const Library& lib, std::size_t& pos) {
  const Token& t = lib[p.tokens[pos++]];
  if (t.IsTerminal()) {
    return t.kind == TokenKind::kFixedConstant ? std::optional<double>(t.value) : std::nullopt;
  }
  const std::optional<double> a = ReferenceNumber(p, lib, pos);
  std::optional<double> b;
  if (t.arity == 2) b = ReferenceNumber(p, lib, pos);
  if (!a || (t.arity == 2 && !b)) return std::nullopt;
  double v = std::nan("");
  if (t.op == OpCode::kAdd) v = *a + *b;
  if (t.op == OpCode::kSub) v = *a - *b;
  if (t.op == OpCode::kMul) v = *a * *b;
  if (t.op == OpCode::kDiv) v = *a / *b;
  if (t.op == OpCode::kNeg) v = -*a;
  if (t.op == OpCode::kInv) v = 1 / *a;
  if (t.op == OpCode::kN2) v = std::pow(*a, 2);
  if (t.op == OpCode::kN3) v = std::pow(*a, 3);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// An independent recursive reference for the unit rules, for the property test below.
std::optional<Dimension> ReferenceDimension(const Program& p, const Library& lib,
                                            std::size_t& pos) {
  const Token& t = lib[p.tokens[pos++]];
  if (t.IsTerminal()) return t.dimension;
  const std::size_t exponent_pos = [&] {
    std::size_t probe = pos;
    int open = 1;
    while (open > 0) open += lib[p.tokens[probe++]].arity - 1;
    return probe;
  }();
  const std::optional<Dimension> a = ReferenceDimension(p, lib, pos);
  std::optional<Dimension> b;
  if (t.arity == 2) b = ReferenceDimension(p, lib, pos);
  if (!a || (t.arity == 2 && !b)) return std::nullopt;
  try {
    switch (t.op) {
      case OpCode::kAdd:
      case OpCode::kSub:
        return *a == *b ? a : std::nullopt;
      case OpCode::kMul:
        return *a * *b;
      case OpCode::kDiv:
        return *a / *b;
      case OpCode::kNeg:
      case OpCode::kAbs:
        return a;
      case OpCode::kInv:
        return a->Pow(-1);
      case OpCode::kN2:
        return a->Pow(2);
      case OpCode::kN3:
        return a->Pow(3);
      case OpCode::kSqrt:
        return a->Pow(Rational(1, 2));
      case OpCode::kPow: {
        if (!b->IsDimensionless()) return std::nullopt;
        if (a->IsDimensionless()) return Dimension();
        std::size_t probe = exponent_pos;
        const std::optional<double> e = ReferenceNumber(p, lib, probe);
        if (!e) return std::nullopt;
        for (int den = 1; den <= 12; ++den) {
          const double num = std::round(*e * den);
          if (std::abs(num / den - *e) < 1e-12 * std::max(1.0, std::abs(*e)) &&
              std::abs(*e) <= 1e6) {
            return a->Pow(Rational(static_cast<std::int64_t>(num), den));
          }
        }
        return std::nullopt;
      }
      default:
        return a->IsDimensionless() ? std::optional<Dimension>(Dimension()) : std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

TEST_CASE("CheckUnits and SubtreeDimensions agree with a recursive reference on random programs") {
  Rng rng(11);
  int valid = 0;
  int invalid = 0;
  int subtrees_valid = 0;
  for (int l = 0; l < 8; ++l) {
    const Library lib = l == 0 ? testing::FullTestLibrary() : testing::RandomTestLibrary(rng);
    for (int i = 0; i < 300; ++i) {
      const Program p = testing::RandomProgram(lib, rng, 12);
      // Every subtree, checked on its own by the reference.
      const std::vector<std::optional<Dimension>> dims = SubtreeDimensions(p.tokens, lib);
      REQUIRE(dims.size() == p.tokens.size());
      const std::vector<int> ends = SubtreeEnds(p.tokens, lib);
      for (std::size_t k = 0; k < p.tokens.size(); ++k) {
        Program sub;
        sub.tokens.assign(p.tokens.begin() + static_cast<std::ptrdiff_t>(k),
                          p.tokens.begin() + ends[k]);
        std::size_t sub_pos = 0;
        const std::optional<Dimension> want = ReferenceDimension(sub, lib, sub_pos);
        REQUIRE(dims[k].has_value() == want.has_value());
        if (want) {
          CHECK(*dims[k] == *want);
          ++subtrees_valid;
        }
      }
      std::size_t pos = 0;
      const std::optional<Dimension> expected = ReferenceDimension(p, lib, pos);
      const UnitCheckResult r = CheckUnits(p, lib);
      REQUIRE(r.ok == expected.has_value());
      if (r.ok) {
        CHECK(r.dimension == *expected);
        ++valid;
      } else {
        CHECK(r.token_position >= 0);
        CHECK(r.token_position < static_cast<int>(p.tokens.size()));
        CHECK(r.error.find(" at token " + std::to_string(r.token_position)) != std::string::npos);
        ++invalid;
      }
    }
  }
  CHECK(valid > 100);
  CHECK(invalid > 100);
  CHECK(subtrees_valid > 1000);
}

// ---------------------------------------------------------------------------------------
// Printers

struct PrintCase {
  const char* prefix;
  const char* infix;
  const char* sympy;
  const char* latex;
};

TEST_CASE("printers: catalogue of programs with minimal parentheses") {
  const Library lib = PhysicsLibrary();
  const std::vector<PrintCase> cases = {
      {"mul m n2 c", "m*c^2", "m*c**2", "m c^{2}"},
      {"div mul m n2 c sqrt sub 1 div n2 v n2 c", "m*c^2/sqrt(1 - v^2/c^2)",
       "m*c**2/sqrt(1 - v**2/c**2)", "\\frac{m c^{2}}{\\sqrt{1 - \\frac{v^{2}}{c^{2}}}}"},
      {"sub x sub t theta", "x - (t - theta)", "x - (t - theta)", "x - \\left(t - \\theta\\right)"},
      {"sub sub x t theta", "x - t - theta", "x - t - theta", "x - t - \\theta"},
      {"add x add t theta", "x + (t + theta)", "x + (t + theta)", "x + \\left(t + \\theta\\right)"},
      {"div x mul t theta", "x/(t*theta)", "x/(t*theta)", "\\frac{x}{t \\theta}"},
      {"div div x t theta", "x/t/theta", "x/t/theta", "\\frac{\\frac{x}{t}}{\\theta}"},
      {"mul x div t theta", "x*(t/theta)", "x*(t/theta)", "x \\frac{t}{\\theta}"},
      {"mul div x t theta", "x/t*theta", "x/t*theta", "\\frac{x}{t} \\theta"},
      {"mul x mul t theta", "x*(t*theta)", "x*(t*theta)", "x t \\theta"},
      {"mul add x t theta", "(x + t)*theta", "(x + t)*theta", "\\left(x + t\\right) \\theta"},
      {"n2 add x t", "(x + t)^2", "(x + t)**2", "\\left(x + t\\right)^{2}"},
      {"neg add x t", "-(x + t)", "-(x + t)", "-\\left(x + t\\right)"},
      {"neg mul x t", "-(x*t)", "-(x*t)", "-x t"},
      {"mul neg x t", "-x*t", "-x*t", "-x t"},
      {"neg neg x", "-(-x)", "-(-x)", "-\\left(-x\\right)"},
      {"neg n2 x", "-x^2", "-x**2", "-x^{2}"},
      {"n2 neg x", "(-x)^2", "(-x)**2", "\\left(-x\\right)^{2}"},
      {"add neg x t", "-x + t", "-x + t", "-x + t"},
      {"add x neg t", "x + (-t)", "x + (-t)", "x + \\left(-t\\right)"},
      {"sub x neg t", "x - (-t)", "x - (-t)", "x - \\left(-t\\right)"},
      {"mul x neg 2", "x*(-2)", "x*(-2)", "x \\left(-2\\right)"},
      {"pow 2 neg 2", "2^-2", "2**-2", "2^{-2}"},
      {"pow 2 neg 1", "2^(-1)", "2**-1", "2^{-1}"},
      {"inv 2", "1/2", "1/2", "\\frac{1}{2}"},
      {"inv x", "1/x", "1/x", "\\frac{1}{x}"},
      {"inv mul x t", "1/(x*t)", "1/(x*t)", "\\frac{1}{x t}"},
      {"mul m inv x", "m*(1/x)", "m*(1/x)", "m \\frac{1}{x}"},
      {"div 1 x", "(1)/x", "1/x", "\\frac{1}{x}"},
      {"pow x 2", "x^(2)", "x**2", "x^{2}"},
      {"pow x 0.5", "x^(0.5)", "x**0.5", "x^{0.5}"},
      {"pow x neg 2", "x^-2", "x**-2", "x^{-2}"},
      {"pow x t", "x^t", "x**t", "x^{t}"},
      {"pow pow x t theta", "(x^t)^theta", "(x**t)**theta", "\\left(x^{t}\\right)^{\\theta}"},
      {"pow x pow t theta", "x^t^theta", "x**t**theta", "x^{t^{\\theta}}"},
      {"pow x add t theta", "x^(t + theta)", "x**(t + theta)", "x^{t + \\theta}"},
      {"pow x neg n2 t", "x^-t^2", "x**-t**2", "x^{-t^{2}}"},
      {"n2 n2 x", "(x^2)^2", "(x**2)**2", "\\left(x^{2}\\right)^{2}"},
      {"n3 div x t", "(x/t)^3", "(x/t)**3", "\\left(\\frac{x}{t}\\right)^{3}"},
      {"n2 sin theta", "sin(theta)^2", "sin(theta)**2", "\\sin\\left(\\theta\\right)^{2}"},
      {"sqrt x", "sqrt(x)", "sqrt(x)", "\\sqrt{x}"},
      {"exp neg theta", "exp(-theta)", "exp(-theta)", "\\exp\\left(-\\theta\\right)"},
      {"log theta", "log(theta)", "log(theta)", "\\log\\left(\\theta\\right)"},
      {"arcsin theta", "arcsin(theta)", "asin(theta)", "\\arcsin\\left(\\theta\\right)"},
      {"arccos theta", "arccos(theta)", "acos(theta)", "\\arccos\\left(\\theta\\right)"},
      {"arctan theta", "arctan(theta)", "atan(theta)", "\\arctan\\left(\\theta\\right)"},
      {"tanh theta", "tanh(theta)", "tanh(theta)", "\\tanh\\left(\\theta\\right)"},
      {"abs x", "abs(x)", "Abs(x)", "\\left|x\\right|"},
      {"mul 2 x", "2*x", "2*x", "2 x"},
      {"mul x 2", "x*2", "x*2", "x \\cdot 2"},
      {"mul 1e-05 x", "1e-05*x", "1e-05*x", "10^{-5} x"},
      {"n2 1e-05", "1e-05^2", "1e-05**2", "\\left(10^{-5}\\right)^{2}"},
      {"mul pi m1", "pi*m1", "pi*m1", "\\pi m_{1}"},
      {"add x_1 x", "x_1 + x", "x_1 + x", "x_{1} + x"},
      {"mul omega_0 t_max", "omega_0*t_max", "omega_0*t_max", "\\omega_{0} t_{\\mathrm{max}}"},
      {"mul mass k", "mass*k", "mass*k", "\\mathrm{mass} k"},
  };
  for (const PrintCase& c : cases) {
    CAPTURE(std::string(c.prefix));
    const Program p = P(lib, c.prefix);
    CHECK(ToInfix(p, lib) == c.infix);
    CHECK(ToSympy(p, lib) == c.sympy);
    CHECK(ToLatex(p, lib) == c.latex);
  }
}

TEST_CASE("SymPy text writes a power of an exponential as one exponential") {
  const Library lib = PhysicsLibrary();
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"inv sqrt exp n2 theta", "exp(-theta**2/2)"},
      {"sqrt inv exp add x t", "exp(-(x + t)/2)"},
      {"div x sqrt exp theta", "x*exp(-theta/2)"},
      {"div x exp theta", "x*exp(-theta)"},
      {"n2 exp mul x t", "exp(2*(x*t))"},
      {"n3 sqrt exp neg x", "exp(3*(-x)/2)"},
      {"sqrt n2 exp x", "exp(x)"},
      {"exp sqrt x", "exp(sqrt(x))"},
      {"sqrt add exp x t", "sqrt(exp(x) + t)"},
  };
  for (const auto& [prefix, sympy] : cases) {
    CAPTURE(std::string(prefix));
    const Program p = P(lib, prefix);
    CHECK(ToSympy(p, lib) == sympy);
  }
  // Infix and LaTeX keep the program's own shape (the infix text reads back as it).
  CHECK(ToInfix(P(lib, "inv sqrt exp n2 theta"), lib) == "1/sqrt(exp(theta^2))");
}

TEST_CASE("printers substitute free constants as numbers with the requested precision") {
  const Library lib = PhysicsLibrary();
  Program p = P(lib, "add mul k x q");
  CHECK(ToInfix(p, lib) == "k*x + q");
  p.constants = {1.0 / 3.0, 1.5e-7};
  PrintOptions opt;
  opt.substitute_constants = true;
  CHECK(ToInfix(p, lib, opt) == "0.3333333333333333*x + 1.5e-07");
  CHECK(ToSympy(p, lib, opt) == "0.3333333333333333*x + 1.5e-07");
  CHECK(ToLatex(p, lib, opt) == "0.3333333333333333 x + 1.5 \\cdot 10^{-7}");
  // One rule for every printer by default: the shortest digits that read back as the double.
  p.constants = {6.674e-11, 1.0 / 3.0};
  CHECK(ToInfix(p, lib, opt) == "6.674e-11*x + 0.3333333333333333");
  CHECK(ToSympy(p, lib, opt) == "6.674e-11*x + 0.3333333333333333");
  CHECK(ToLatex(p, lib, opt) == "6.674 \\cdot 10^{-11} x + 0.3333333333333333");
  p.constants = {1.0 / 3.0, 1.5e-7};
  opt.precision = 4;
  CHECK(ToInfix(p, lib, opt) == "0.3333*x + 1.5e-07");
  // The shortest text that round-trips is used at full precision.
  p.constants = {0.1, 2.0};
  opt.precision = 17;
  CHECK(ToInfix(p, lib, opt) == "0.1*x + 2");
  // Negative values take the place of a unary minus.
  p.constants = {-2.5, -1.0};
  CHECK(ToInfix(p, lib, opt) == "-2.5*x + (-1)");
  CHECK(ToLatex(p, lib, opt) == "-2.5 x + \\left(-1\\right)");
  const Program q = P(lib, "mul x pow k x");
  Program qc = q;
  qc.constants = {-2.5, 1.0};
  CHECK(ToInfix(qc, lib, opt) == "x*(-2.5)^x");
  CHECK(ToSympy(qc, lib, opt) == "x*(-2.5)**x");
  // Without a constants vector, names are printed.
  Program bare = P(lib, "mul k x");
  bare.constants.clear();
  CHECK(ToInfix(bare, lib, opt) == "k*x");
  // Literal tokens follow the precision too.
  const Program third_literal = [&] {
    Library copy = lib;
    Program r = ParseFormula("0.3333333333333333*x", copy);
    opt.precision = 3;
    CHECK(ToInfix(r, copy, opt) == "0.333*x");
    opt.precision = 17;
    CHECK(ToInfix(r, copy, opt) == "0.3333333333333333*x");
    return r;
  }();
  CHECK(third_literal.tokens.size() == 3);
}

TEST_CASE("exact numbers: the table, simplest first, and their tokens") {
  const std::span<const ExactNumber> table = SimpleNumbers();
  std::vector<std::string> texts;
  for (const ExactNumber& n : table) texts.push_back(n.Text());
  const auto position = [&](const std::string& text) {
    const auto it = std::find(texts.begin(), texts.end(), text);
    REQUIRE(it != texts.end());
    return it - texts.begin();
  };
  CHECK(texts.front() == "2");
  CHECK(std::find(texts.begin(), texts.end(), "1") == texts.end());
  CHECK(position("3") < position("pi"));
  CHECK(position("pi") < position("1/2"));
  CHECK(position("1/2") < position("2/3"));
  CHECK(position("3/2") < position("2*pi"));
  CHECK(position("2*pi") < position("1/(2*pi)"));
  // Lowest terms, distinct values, nothing outside the stated range.
  CHECK(std::find(texts.begin(), texts.end(), "2/4") == texts.end());
  CHECK(std::find(texts.begin(), texts.end(), "7") == texts.end());
  for (std::size_t i = 0; i < table.size(); ++i) {
    CHECK(table[i].Value() >= 1.0 / (4.0 * std::numbers::pi));
    CHECK(table[i].Value() <= 4.0 * std::numbers::pi);
    for (std::size_t j = 0; j < i; ++j) CHECK(table[i].Value() != table[j].Value());
  }
  CHECK(table[static_cast<std::size_t>(position("3*pi/4"))].Value() == 0.75 * std::numbers::pi);
  CHECK(table[static_cast<std::size_t>(position("3*pi/4"))].Latex() == "\\frac{3 \\pi}{4}");
  CHECK(table[static_cast<std::size_t>(position("1/(2*pi)"))].Latex() == "\\frac{1}{2 \\pi}");

  // AddExactNumbers keeps the library's own tokens: its "2" and "pi" carry those numbers,
  // a terminal of another value under such a name carries none.
  Library lib = PhysicsLibrary();
  const std::size_t before = lib.size();
  lib.AddFixedConstant("3/2", 1.5000001, Dimension());
  AddExactNumbers(lib);
  CHECK(lib.size() == before + table.size() - 2);
  CHECK(lib.FindTerminal("2") == PhysicsLibrary().FindTerminal("2"));
  CHECK(ExactNumberOf(lib[*lib.FindTerminal("pi")]).has_value());
  CHECK_FALSE(ExactNumberOf(lib[*lib.FindTerminal("3/2")]).has_value());
  CHECK(ExactNumberOf(lib[*lib.FindTerminal("1/2")])->q == 2);
  CHECK_FALSE(ExactNumberOf(lib[*lib.FindTerminal("third")]).has_value());
  // Beside a column named pi there are no multiples of π.
  Library with_column;
  with_column.AddVariable("pi", kL);
  AddExactNumbers(with_column);
  CHECK(with_column.FindTerminal("1/2").has_value());
  CHECK_FALSE(with_column.FindTerminal("2*pi").has_value());
  CHECK_FALSE(with_column.FindTerminal("1/pi").has_value());
}

TEST_CASE("printers write exact numbers exactly") {
  Library lib = PhysicsLibrary();
  AddExactNumbers(lib);
  const auto all = [&](const std::string& prefix) {
    const Program p = P(lib, prefix);
    return ToInfix(p, lib) + " | " + ToSympy(p, lib) + " | " + ToLatex(p, lib);
  };
  CHECK(all("mul 1/2 mul m n2 v") == "1/2*(m*v^2) | 1/2*(m*v**2) | \\frac{1}{2} m v^{2}");
  CHECK(all("mul m 3/2") == "m*(3/2) | m*(3/2) | m \\frac{3}{2}");
  CHECK(all("div m 1/2") == "m/(1/2) | m/(1/2) | \\frac{m}{\\frac{1}{2}}");
  CHECK(all("mul 2*pi x") == "2*pi*x | 2*pi*x | 2 \\pi x");
  CHECK(all("n2 pi/2") == "(pi/2)^2 | (pi/2)**2 | \\left(\\frac{\\pi}{2}\\right)^{2}");
  CHECK(all("neg 1/(2*pi)") == "-(1/(2*pi)) | -(1/(2*pi)) | -\\frac{1}{2 \\pi}");
  CHECK(all("mul 2 pi") == "2*pi | 2*pi | 2 \\pi");
  // The text reads back as the same tokens where the library has them (a saved result's).
  for (const ExactNumber& n : SimpleNumbers()) {
    for (const std::string shape :
         {"mul X m", "mul m X", "div m X", "div X m", "neg X", "n2 X", "X", "sqrt add X m"}) {
      std::string prefix = shape;
      prefix.replace(prefix.find('X'), 1, n.Text());
      Library copy = lib;
      const Program back = ParseFormula(ToInfix(P(lib, prefix), lib), copy);
      CAPTURE(prefix);
      CHECK(Names(back, copy) == prefix);
      CHECK(copy.size() == lib.size());
    }
  }
  // The same value spelled with numbers outside such a library stays arithmetic.
  Library plain = PhysicsLibrary();
  CHECK(Names(ParseFormula("1/2*m", plain), plain) == "mul inv 2 m");
  CHECK(Names(ParseFormula("(3/2)*m", plain), plain) == "mul div 3 2 m");
  // And within one, a product written in another order is not rewritten into a number.
  Library copy = lib;
  CHECK(Names(ParseFormula("m*3/2", copy), copy) == "div mul m 3 2");
}

TEST_CASE("printers handle non-finite substituted constants") {
  const Library lib = PhysicsLibrary();
  Program p = P(lib, "mul k x");
  p.constants = {std::numeric_limits<double>::infinity(), 1.0};
  PrintOptions opt;
  opt.substitute_constants = true;
  CHECK(ToSympy(p, lib, opt) == "oo*x");
  p.constants[0] = -std::numeric_limits<double>::infinity();
  CHECK(ToSympy(p, lib, opt) == "-oo*x");
  p.constants[0] = std::nan("");
  CHECK(ToInfix(p, lib, opt) == "nan*x");
}

// ---------------------------------------------------------------------------------------
// Parser

Library MvcLibrary() {
  Library lib;
  lib.AddVariable("m", kM);
  lib.AddVariable("v", kVelocity);
  lib.AddFixedConstant("c", 299792458.0, kVelocity);
  return lib;
}

TEST_CASE("parser: precedence and associativity") {
  const Library lib = PhysicsLibrary();
  CHECK(Parsed("2^3^2", lib) == "pow 2 n2 3");
  CHECK(Parsed("x^t^theta", lib) == "pow x pow t theta");
  CHECK(Parsed("x-t-theta", lib) == "sub sub x t theta");
  CHECK(Parsed("x/t/theta", lib) == "div div x t theta");
  CHECK(Parsed("x-t*theta", lib) == "sub x mul t theta");
  CHECK(Parsed("x*t+theta", lib) == "add mul x t theta");
  CHECK(Parsed("x*(t+theta)", lib) == "mul x add t theta");
  CHECK(Parsed("x/t*theta", lib) == "mul div x t theta");
  CHECK(Parsed("x - (t - theta)", lib) == "sub x sub t theta");
  CHECK(Parsed("((x))", lib) == "x");
  CHECK(Parsed("m*c^2/sqrt(1 - v^2/c^2)", lib) == "div mul m n2 c sqrt sub 1 div n2 v n2 c");
}

TEST_CASE("parser: unary minus and plus") {
  const Library lib = PhysicsLibrary();
  CHECK(Parsed("-x^2", lib) == "neg n2 x");
  CHECK(Parsed("(-x)^2", lib) == "n2 neg x");
  CHECK(Parsed("-x*t", lib) == "mul neg x t");
  CHECK(Parsed("-(x*t)", lib) == "neg mul x t");
  CHECK(Parsed("x*-2", lib) == "mul x neg 2");
  CHECK(Parsed("x*(-2)", lib) == "mul x neg 2");
  CHECK(Parsed("--x", lib) == "neg neg x");
  CHECK(Parsed("+x", lib) == "x");
  CHECK(Parsed("x - -t", lib) == "sub x neg t");
  CHECK(Parsed("2^-2", lib) == "pow 2 neg 2");
  CHECK(Parsed("x^-t^2", lib) == "pow x neg n2 t");
}

TEST_CASE("parser: powers, inverses and the folding rule") {
  const Library lib = PhysicsLibrary();
  CHECK(Parsed("x^2", lib) == "n2 x");
  CHECK(Parsed("x**2", lib) == "n2 x");
  CHECK(Parsed("x^2.0", lib) == "n2 x");
  CHECK(Parsed("x^3", lib) == "n3 x");
  CHECK(Parsed("x^0.5", lib) == "sqrt x");
  CHECK(Parsed("x^-1", lib) == "inv x");
  CHECK(Parsed("2^-1", lib) == "inv 2");
  CHECK(Parsed("1/x", lib) == "inv x");
  CHECK(Parsed("1.0/x", lib) == "inv x");
  CHECK(Parsed("1/x/t", lib) == "div inv x t");
  // Parentheses or a call keep the general form.
  CHECK(Parsed("x^(2)", lib) == "pow x 2");
  CHECK(Parsed("x^(-1)", lib) == "pow x neg 1");
  CHECK(Parsed("x^-(1)", lib) == "pow x neg 1");
  CHECK(Parsed("pow(x, 2)", lib) == "pow x 2");
  CHECK(Parsed("(1)/x", lib) == "div 1 x");
  CHECK(Parsed("x^(1/2)", lib) == "pow x inv 2");
  CHECK(Parsed("x^-2", lib) == "pow x neg 2");
  CHECK(Parsed("x^t", lib) == "pow x t");
}

TEST_CASE("parser: functions and their aliases") {
  const Library lib = PhysicsLibrary();
  CHECK(Parsed("sqrt(x)", lib) == "sqrt x");
  CHECK(Parsed("asin(theta)+arcsin(theta)", lib) == "add arcsin theta arcsin theta");
  CHECK(Parsed("acos(theta)*atan(theta)", lib) == "mul arccos theta arctan theta");
  CHECK(Parsed("Abs(x) - abs(t)", lib) == "sub abs x abs t");
  CHECK(Parsed("exp(log(tanh(tan(cos(sin(theta))))))", lib) == "exp log tanh tan cos sin theta");
  CHECK(Parsed("inv(x) + n2(x) + n3(x) + neg(x)", lib) == "add add add inv x n2 x n3 x neg x");
  CHECK(Parsed("sqrt(x)^2", lib) == "n2 sqrt x");
}

// Terminals named like operators (n2, exp, log, inv, sin) and like SymPy's objects (E, pi):
// operators and terminals are separate namespaces.
Library NamesLikeOperatorsLibrary() {
  LibrarySpec spec;
  for (const OpCode op : AllOperators()) spec.operators.emplace_back(Info(op).name);
  for (const char* name : {"n2", "exp", "log", "inv", "sin", "E", "pi"}) {
    spec.variables.push_back({name, Dimension()});
  }
  spec.fixed_constants.push_back({"1", 1.0, Dimension()});
  spec.free_constants.push_back({"k0", Dimension(), 1.0});
  return Library::Build(spec);
}

TEST_CASE("library: terminals may be named like operators, never like each other") {
  Library lib = NamesLikeOperatorsLibrary();
  const TokenId n2_var = *lib.FindTerminal("n2");
  const TokenId n2_op = *lib.FindOperator(OpCode::kN2);
  CHECK(n2_var != n2_op);
  CHECK(lib[n2_var].kind == TokenKind::kVariable);
  CHECK(lib[n2_op].kind == TokenKind::kOperator);
  CHECK(lib.Find("n2") == n2_var);  // the terminal first
  CHECK(lib.Find("add") == lib.FindOperator(OpCode::kAdd));
  CHECK_FALSE(lib.FindTerminal("add"));
  // Columns keep their order: variable i reads column i.
  CHECK(lib[*lib.FindTerminal("exp")].index == 1);
  CHECK(lib[*lib.FindTerminal("pi")].index == 6);

  CHECK_THROWS_WITH_AS(lib.AddVariable("exp", Dimension()), "duplicate token name 'exp'",
                       InputError);
  CHECK_THROWS_WITH_AS(lib.AddFixedConstant("E", 1.0, Dimension()), "duplicate token name 'E'",
                       InputError);
  CHECK_THROWS_WITH_AS(lib.AddFreeConstant("k0", Dimension()), "duplicate token name 'k0'",
                       InputError);
  CHECK(lib.AddOperator(OpCode::kExp) == *lib.FindOperator(OpCode::kExp));  // already there
}

TEST_CASE("parser and printers: terminals named like operators and SymPy names") {
  const Library lib = NamesLikeOperatorsLibrary();
  const auto op = [&](OpCode code) { return *lib.FindOperator(code); };
  const auto var = [&](const char* name) { return *lib.FindTerminal(name); };

  // `name(` is the operator, a bare name the terminal.
  Library copy = lib;
  const Program a = ParseFormula("n2*exp(n2)", copy);
  CHECK(a.tokens == std::vector<TokenId>{op(OpCode::kMul), var("n2"), op(OpCode::kExp), var("n2")});
  const Program b = ParseFormula("exp + sin(exp)", copy);
  CHECK(b.tokens ==
        std::vector<TokenId>{op(OpCode::kAdd), var("exp"), op(OpCode::kSin), var("exp")});
  const Program c = ParseFormula("inv(inv) + log(log)*n2(n2)", copy);
  CHECK(c.tokens == std::vector<TokenId>{op(OpCode::kAdd), op(OpCode::kInv), var("inv"),
                                         op(OpCode::kMul), op(OpCode::kLog), var("log"),
                                         op(OpCode::kN2), var("n2")});
  // A terminal named pi hides π; E is a name like any other.
  const Program d = ParseFormula("pi*E^2", copy);
  CHECK(d.tokens == std::vector<TokenId>{op(OpCode::kMul), var("pi"), op(OpCode::kN2), var("E")});
  CHECK(copy.size() == lib.size());  // nothing added: no pi constant, no operator twice

  // Infix prints operators as calls or symbols and terminals bare: it parses back.
  CHECK(ToInfix(a, lib) == "n2*exp(n2)");
  CHECK(ToInfix(b, lib) == "exp + sin(exp)");
  CHECK(ToInfix(c, lib) == "1/inv + log(log)*n2^2");
  CHECK(ToInfix(d, lib) == "pi*E^2");
  for (const Program* p : {&a, &b, &c, &d}) {
    Library again = lib;
    CHECK(ParseFormula(ToInfix(*p, lib), again) == *p);
    CHECK(again.size() == lib.size());
  }

  // SymPy text: names SymPy knows as its own objects are Symbol('...').
  CHECK(ToSympy(a, lib) == "n2*exp(n2)");
  CHECK(ToSympy(b, lib) == "Symbol('exp') + sin(Symbol('exp'))");
  CHECK(ToSympy(c, lib) == "1/inv + log(Symbol('log'))*n2**2");  // inv is not SymPy's
  CHECK(ToSympy(d, lib) == "Symbol('pi')*Symbol('E')**2");
  // LaTeX: the operator is \exp, the variable \mathrm{exp}.
  CHECK(ToLatex(b, lib) == "\\mathrm{exp} + \\sin\\left(\\mathrm{exp}\\right)");

  // The fixed constant pi = π stays SymPy's pi; odd names are quoted.
  Library other;
  other.AddOperator(OpCode::kMul);
  other.AddVariable("it's", Dimension());
  Library with_pi = other;
  const Program e = ParseFormula("pi*2", with_pi);
  CHECK(ToSympy(e, with_pi) == "pi*2");
  Program f;
  f.tokens = {*other.FindOperator(OpCode::kMul), *other.FindTerminal("it's"),
              *other.FindTerminal("it's")};
  CHECK(ToSympy(f, other) == "Symbol('it\\'s')*Symbol('it\\'s')");

  // Random programs over these names print and parse back.
  Rng rng(77);
  for (int i = 0; i < 300; ++i) {
    const Program p = testing::RandomProgram(lib, rng, 30);
    const std::string infix = ToInfix(p, lib);
    CAPTURE(infix);
    Library back_lib = lib;
    CHECK(ParseFormula(infix, back_lib).tokens == p.tokens);
    CHECK(back_lib.size() == lib.size());
  }
}

TEST_CASE("parser: numbers, whitespace and library additions") {
  Library lib = MvcLibrary();
  const std::size_t base = lib.size();
  Program p = ParseFormula(" m *\tc ^ 2\n", lib);
  CHECK(Names(p, lib) == "mul m n2 c");
  CHECK(lib.size() == base + 2);  // mul, n2
  CHECK(ParseFormula("m*c**2", lib) == p);
  CHECK(lib.size() == base + 2);

  const Program two = ParseFormula("2*m + 2.0*v/c*m", lib);
  CHECK(Names(two, lib) == "add mul 2 m mul div mul 2 v c m");
  REQUIRE(lib.Find("2"));
  CHECK(lib[*lib.Find("2")].value == 2.0);
  CHECK(lib[*lib.Find("2")].kind == TokenKind::kFixedConstant);
  CHECK(lib[*lib.Find("2")].dimension.IsDimensionless());

  CHECK(Names(ParseFormula("1.5e-3*m", lib), lib) == "mul 0.0015 m");
  CHECK(lib[*lib.Find("0.0015")].value == 1.5e-3);
  CHECK(Names(ParseFormula("1E3*m + .5*m + 5.*m", lib), lib) ==
        "add add mul 1000 m mul 0.5 m mul 5 m");
  CHECK(Names(ParseFormula("2.5e+2", lib), lib) == "250");

  // pi is added once when the library lacks it.
  CHECK(Names(ParseFormula("pi*m*pi", lib), lib) == "mul mul pi m pi");
  REQUIRE(lib.Find("pi"));
  CHECK(lib[*lib.Find("pi")].value == std::numbers::pi);
  CHECK(ParseFormula("pi", lib).tokens.size() == 1);

  // A literal the library spells differently is reused.
  Library spelled;
  spelled.AddVariable("x", kL);
  spelled.AddFixedConstant("2.0", 2.0, Dimension());
  CHECK(Names(ParseFormula("2*x", spelled), spelled) == "mul 2.0 x");

  // The returned constants are the library's defaults.
  Library with_free = MvcLibrary();
  with_free.AddFreeConstant("k", Dimension(), 3.5);
  CHECK(ParseFormula("k*m", with_free).constants == std::vector<double>{3.5});
}

TEST_CASE("parser: errors name the column and the offending text") {
  const Library lib = MvcLibrary();
  struct Case {
    const char* text;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"m*", "formula 'm*': expected an operand at column 3 (end of input)"},
      {"m+)", "formula 'm+)': unexpected ')' at column 3"},
      {"m)", "formula 'm)': unexpected ')' at column 2"},
      {"q*2", "formula 'q*2': unknown name 'q' at column 1 (known: m, v, c)"},
      {"m*qq", "formula 'm*qq': unknown name 'qq' at column 3 (known: m, v, c)"},
      {"(m+1", "formula '(m+1': unclosed '(' at column 1: expected ')' at column 5 (end of input)"},
      {"sqrt(m",
       "formula 'sqrt(m': unclosed '(' at column 5: expected ')' at column 7 (end of input)"},
      {"(m v)", "formula '(m v)': unexpected name 'v' at column 4"},
      {"", "formula '': empty formula"},
      {"  ", "formula '  ': empty formula"},
      {"1e", "formula '1e': bad number '1e' at column 1"},
      {"m*1e+", "formula 'm*1e+': bad number '1e+' at column 3"},
      {"1.2.3", "formula '1.2.3': bad number '1.2.3' at column 1"},
      {".", "formula '.': bad number '.' at column 1"},
      {"2m", "formula '2m': bad number '2m' at column 1"},
      {"1e999", "formula '1e999': number '1e999' out of range at column 1"},
      {"sqrt m", "formula 'sqrt m': function 'sqrt' needs parentheses at column 1"},
      {"m*sin", "formula 'm*sin': function 'sin' needs parentheses at column 3"},
      {"m(2)", "formula 'm(2)': 'm' is not a function at column 1"},
      {"m $ v", "formula 'm $ v': unexpected character '$' at column 3"},
      {"m v", "formula 'm v': unexpected name 'v' at column 3"},
      {"m 2", "formula 'm 2': unexpected number '2' at column 3"},
      {"m**", "formula 'm**': expected an operand at column 4 (end of input)"},
      {"m*/v", "formula 'm*/v': unexpected '/' at column 3"},
      {"()", "formula '()': unexpected ')' at column 2"},
      {"pow(m)", "formula 'pow(m)': function 'pow' takes 2 arguments at column 6"},
      {"sin(m, v)", "formula 'sin(m, v)': function 'sin' takes 1 argument at column 6"},
      {"m,v", "formula 'm,v': unexpected ',' at column 2"},
      {"m*\xcf\x80", "formula 'm*\xcf\x80': unexpected non-ASCII character at column 3"},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.text));
    CHECK(ParseError(c.text, lib) == c.error);
  }
}

TEST_CASE("parser: deep nesting is an error, not a crash") {
  const Library lib = MvcLibrary();
  const std::string deep_parens = std::string(600, '(') + "m" + std::string(600, ')');
  CHECK(ParseError(deep_parens, lib).find("nests deeper than 500 levels at column") !=
        std::string::npos);
  const std::string deep_minus = std::string(1000, '-') + "m";
  CHECK(ParseError(deep_minus, lib).find("nests deeper than 500 levels") != std::string::npos);
  std::string long_sum = "m";
  for (int i = 0; i < 2000; ++i) long_sum += "+m";
  CHECK(ParseError(long_sum, lib).find("nests deeper than 1000 operations") != std::string::npos);
  // Moderate nesting is fine.
  Library copy = lib;
  const std::string ok = std::string(150, '(') + "m" + std::string(150, ')');
  CHECK(ParseFormula(ok, copy).tokens.size() == 1);
  std::string sum = "m";
  for (int i = 0; i < 500; ++i) sum += "+m";
  CHECK(ParseFormula(sum, copy).tokens.size() == 1001);
}

TEST_CASE("parser: the printed form of a deep program parses back (fuzz regression)") {
  // 150 nested negations parse within the nesting limit, and ToInfix prints them as
  // "-(-(...))", two levels per negation: the limit must leave room for that.
  Library lib = MvcLibrary();
  const std::string minus = std::string(150, '-') + "m";
  const Program p = ParseFormula(minus, lib);
  CHECK(p.tokens.size() == 151);
  const std::string printed = ToInfix(p, lib);
  CHECK(ParseFormula(printed, lib).tokens == p.tokens);
  // Alternating negation and product: "-(m*(-(m*(-(...)))))", two levels per pair.
  std::string mixed = "m";
  for (int i = 0; i < 120; ++i) mixed = "-(m*" + mixed + ")";
  const Program q = ParseFormula(mixed, lib);
  CHECK(ParseFormula(ToInfix(q, lib), lib).tokens == q.tokens);
}

TEST_CASE("parser survives random byte strings") {
  const Library lib = testing::FullTestLibrary();
  Rng rng(5);
  const std::string alphabet = "xyv1234567890.e+-*/^()  ,pisqrtexp";
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng.Below(16));
    for (int k = 0; k < n; ++k)
      text += alphabet[static_cast<std::size_t>(rng.Below(alphabet.size()))];
    Library copy = lib;
    try {
      const Program p = ParseFormula(text, copy);
      CHECK(IsComplete(p.tokens, copy));
      ++parsed;
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind("formula '", 0) == 0);
    }
  }
  CHECK(parsed > 50);
}

// ---------------------------------------------------------------------------------------
// Round trip and output sanity

bool Balanced(const std::string& s, char open, char close) {
  int depth = 0;
  for (char ch : s) {
    if (ch == open) ++depth;
    if (ch == close && --depth < 0) return false;
  }
  return depth == 0;
}

TEST_CASE("ParseFormula(ToInfix(p)) gives back p for random programs") {
  Rng rng(2024);
  int checked = 0;
  for (int l = 0; l < 12; ++l) {
    const Library lib = l == 0 ? testing::FullTestLibrary() : testing::RandomTestLibrary(rng);
    for (int i = 0; i < 250; ++i) {
      const Program p = testing::RandomProgram(lib, rng, 30);
      const std::string infix = ToInfix(p, lib);
      CAPTURE(infix);
      CAPTURE(Names(p, lib));
      Library copy = lib;
      const Program back = ParseFormula(infix, copy);
      CHECK(copy.size() == lib.size());
      REQUIRE(Names(back, copy) == Names(p, lib));
      CHECK(back.tokens == p.tokens);
      CHECK(back.constants == p.constants);

      const std::string sympy = ToSympy(p, lib);
      CHECK(sympy.find('^') == std::string::npos);
      CHECK(Balanced(sympy, '(', ')'));
      const std::string latex = ToLatex(p, lib);
      CHECK(Balanced(latex, '{', '}'));
      CHECK(Balanced(infix, '(', ')'));
      ++checked;
    }
  }
  CHECK(checked == 3000);
}

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
  // A subset of ids restricts the tokens used.
  const Library full = testing::FullTestLibrary();
  const std::vector<TokenId> allowed = {*full.FindOperator(OpCode::kAdd), *full.Find("x")};
  for (int i = 0; i < 50; ++i) {
    const Program p = testing::RandomProgram(full, allowed, rng, 9);
    for (TokenId id : p.tokens)
      CHECK(std::find(allowed.begin(), allowed.end(), id) != allowed.end());
    CHECK(p.tokens.size() % 2 == 1);
  }
}

}  // namespace
}  // namespace physr
