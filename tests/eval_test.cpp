#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "physr/core/rng.hpp"
#include "physr/data/dataset.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/eval/scalar_ops.hpp"
#include "physr/eval/stability.hpp"
#include "physr/eval/vector_math.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Eigen::Index kTile = Evaluator::kTileRows;

// Every operator; variables x0, x1, x2; fixed constants 1, 2.5, pi; free constants k0, k1, k2
// (slots 0, 1, 2).
Library TestLibrary() {
  Library lib;
  for (OpCode op : AllOperators()) lib.AddOperator(op);
  for (int j = 0; j < 3; ++j) lib.AddVariable("x" + std::to_string(j), Dimension());
  lib.AddFixedConstant("1", 1.0, Dimension());
  lib.AddFixedConstant("2.5", 2.5, Dimension());
  lib.AddFixedConstant("pi", std::numbers::pi, Dimension());
  for (int k = 0; k < 3; ++k) lib.AddFreeConstant("k" + std::to_string(k), Dimension());
  return lib;
}

Program Prefix(const Library& lib, const std::vector<std::string>& names) {
  Program p;
  for (const std::string& name : names) {
    const auto id = lib.Find(name);
    REQUIRE_MESSAGE(id.has_value(), name);
    p.tokens.push_back(*id);
  }
  p.constants = lib.FreeConstantDefaults();
  return p;
}

// A random complete program of at most max_length tokens over `allowed` token ids: operators
// with probability 0.6 while they still fit, terminals otherwise.
Program RandomProgram(const Library& lib, const std::vector<TokenId>& allowed, Rng& rng,
                      int max_length) {
  std::vector<TokenId> ops, terminals;
  for (TokenId id : allowed) (lib[id].arity > 0 ? ops : terminals).push_back(id);
  const int target = 1 + static_cast<int>(rng.Below(static_cast<std::uint64_t>(max_length)));
  Program p;
  int open = 1;
  while (open > 0) {
    const int len = static_cast<int>(p.tokens.size());
    std::vector<TokenId> fitting;
    for (TokenId id : ops) {
      if (len + open + lib[id].arity <= target) fitting.push_back(id);
    }
    const bool use_op = !fitting.empty() && rng.Uniform01() < 0.6;
    const std::vector<TokenId>& pool = use_op ? fitting : terminals;
    const TokenId id = pool[static_cast<std::size_t>(rng.Below(pool.size()))];
    p.tokens.push_back(id);
    open += lib[id].arity - 1;
  }
  p.constants = lib.FreeConstantDefaults();
  return p;
}

std::vector<TokenId> AllTokens(const Library& lib) {
  std::vector<TokenId> ids(lib.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TokenId>(i);
  return ids;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

// Distance in units in the last place between two doubles: the number of representable doubles
// from one to the other (0 for two NaNs and for +0 vs -0; huge for NaN against a number).
double UlpDistance(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : 1e300;
  // Doubles ordered as integers: negative ones mirrored below zero.
  const auto ordered = [](double x) {
    std::int64_t i = 0;
    std::memcpy(&i, &x, sizeof x);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  };
  const std::int64_t ia = ordered(a), ib = ordered(b);
  // The difference in unsigned arithmetic: exact, where a double would round it.
  const std::uint64_t d = ia >= ib
                              ? static_cast<std::uint64_t>(ia) - static_cast<std::uint64_t>(ib)
                              : static_cast<std::uint64_t>(ib) - static_cast<std::uint64_t>(ia);
  return static_cast<double>(d);
}

// exp, sin and cos of the evaluator (vector_math.hpp) are libm's in the default build; built
// with -DPHYSR_SLEEF=ON they are SLEEF's 1.0-ULP functions, which differ from libm's by at most
// this many ulps (measured over millions of arguments by "vectorised exp, sin and cos stay
// within 1 ulp of libm").
const double kMathUlpsVsLibm = detail::MathUsesSleef() ? 1.0 : 0.0;

bool HasMathTile(const std::string& name) {
  return name == "exp" || name == "sin" || name == "cos";
}

// NaN-aware closeness: both NaN, or equal (infinities included), or within rel.
bool Close(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

Eigen::MatrixXd RandomData(Rng& rng, Eigen::Index rows, Eigen::Index cols, double lo, double hi) {
  Eigen::MatrixXd X(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = rng.Uniform(lo, hi);
  }
  return X;
}

const std::vector<double> kEdgeValues = {
    0.0,   -0.0,     1.0,       -1.0,   0.5,     -0.5, 2.0,
    -2.0,  0.999999, -0.999999, 1e-310, -1e-310, 1e-5, 3.0,
    -3.0,  1e300,    -1e300,    710.0,  -800.0,  1e10, std::numbers::pi / 2,
    100.0, kInf,     -kInf,     kNaN};

TEST_CASE("Compile turns prefix into postfix with stack depth and free-constant columns") {
  const Library lib = TestLibrary();
  // sub(mul(k1, x0), div(x2, add(k0, k1))) with a fixed constant folded in as a value.
  const Program p = Prefix(lib, {"sub", "mul", "k1", "x2", "div", "2.5", "add", "k0", "k1"});
  const CompiledProgram c = Compile(p, lib);
  std::vector<OpCode> ops;
  for (const Instruction& ins : c.code) ops.push_back(ins.op);
  const std::vector<OpCode> expected = {
      OpCode::kFreeConstant,  OpCode::kVariable,     OpCode::kMul,
      OpCode::kFixedConstant, OpCode::kFreeConstant, OpCode::kFreeConstant,
      OpCode::kAdd,           OpCode::kDiv,          OpCode::kSub};
  CHECK(ops == expected);
  CHECK(c.size() == 9);
  CHECK(c.max_stack == 4);  // mul-result, 2.5, k0, k1
  CHECK(c.free_slots == std::vector<int>{1, 0});
  CHECK(c.num_free() == 2);
  CHECK(c.num_variables_used == 3);
  CHECK(c.num_constant_slots == 2);
  CHECK(c.code[0].arg == 1);
  CHECK(c.code[0].jacobian_column == 0);
  CHECK(c.code[1].arg == 2);
  CHECK(c.code[3].value == 2.5);
  CHECK(c.code[4].jacobian_column == 1);
  CHECK(c.code[5].jacobian_column == 0);

  const CompiledProgram leaf = Compile(Prefix(lib, {"x1"}), lib);
  CHECK(leaf.size() == 1);
  CHECK(leaf.max_stack == 1);
  CHECK(leaf.num_free() == 0);
  CHECK(leaf.num_variables_used == 2);
}

TEST_CASE("every unary operator matches the standard function, edge values included") {
  const Library lib = TestLibrary();
  const std::vector<std::pair<std::string, std::function<double(double)>>> cases = {
      {"neg", [](double x) { return -x; }},
      {"inv", [](double x) { return 1.0 / x; }},
      {"n2", [](double x) { return x * x; }},
      {"n3", [](double x) { return x * x * x; }},
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"log", [](double x) { return std::log(x); }},
      {"sin", [](double x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }},
      {"tan", [](double x) { return std::tan(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"arcsin", [](double x) { return std::asin(x); }},
      {"arccos", [](double x) { return std::acos(x); }},
      {"arctan", [](double x) { return std::atan(x); }},
      {"abs", [](double x) { return std::fabs(x); }},
  };
  Evaluator ev;
  const Eigen::Index rows = static_cast<Eigen::Index>(kEdgeValues.size());
  Eigen::MatrixXd X(rows, 1);
  for (Eigen::Index i = 0; i < rows; ++i) X(i, 0) = kEdgeValues[static_cast<std::size_t>(i)];
  std::vector<double> out(static_cast<std::size_t>(rows));
  for (const auto& [name, f] : cases) {
    CAPTURE(name);
    // exp, sin and cos within kMathUlpsVsLibm of libm; every other operator bit for bit.
    const double ulps = HasMathTile(name) ? kMathUlpsVsLibm : 0.0;
    // On a tile (variable operand) and as a scalar (constant operand), and by the scalar
    // reference: the three agree bit for bit.
    const CompiledProgram on_tile = Compile(Prefix(lib, {name, "x0"}), lib);
    const CompiledProgram on_scalar = Compile(Prefix(lib, {name, "k0"}), lib);
    ev.Evaluate(on_tile, X, {}, out);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double x = kEdgeValues[i];
      CAPTURE(x);
      CHECK(UlpDistance(out[i], f(x)) <= ulps);
      CHECK((SameBits(out[i], f(x)) || (std::isnan(f(x)) && std::isnan(out[i])) || ulps > 0.0));
      std::vector<double> s(1);
      const double k[] = {x};
      ev.Evaluate(on_scalar, X.topRows(1), k, s);
      CHECK((SameBits(s[0], out[i]) || (std::isnan(s[0]) && std::isnan(out[i]))));
      const double reference = EvaluateScalar(on_tile, {&x, 1}, {});
      CHECK((SameBits(reference, out[i]) || (std::isnan(reference) && std::isnan(out[i]))));
    }
  }
}

// Arguments for one function: random ones over the ranges that matter, and special values.
std::vector<double> MathArguments(detail::MathFn fn, Rng& rng) {
  std::vector<double> xs;
  const auto uniform = [&](double lo, double hi, int count) {
    for (int i = 0; i < count; ++i) xs.push_back(rng.Uniform(lo, hi));
  };
  // ±2^e·m with e uniform in [lo, hi]: every binade weighted alike.
  const auto log_uniform = [&](int lo, int hi, bool negative_too, int count) {
    for (int i = 0; i < count; ++i) {
      const double e = rng.Uniform(static_cast<double>(lo), static_cast<double>(hi));
      const double x = std::ldexp(rng.Uniform(1.0, 2.0), static_cast<int>(std::floor(e)));
      xs.push_back(negative_too && rng.Uniform01() < 0.5 ? -x : x);
    }
  };
  constexpr int kMany = 400000;
  switch (fn) {
    case detail::MathFn::kExp:
      uniform(-1.0, 1.0, kMany);
      uniform(-745.2, 709.8, kMany);            // the whole finite range
      uniform(-745.2, -708.0, kMany / 4);       // subnormal results
      uniform(700.0, 709.78, kMany / 4);        // near overflow
      log_uniform(-1074, -1, true, kMany / 4);  // tiny: exp(x) ≈ 1 + x
      xs.insert(xs.end(), {0.0, -0.0, 709.78, 709.79, 710.0, -745.13, -745.14, -746.0, 1e300,
                           -1e300, kInf, -kInf, kNaN});
      break;
    case detail::MathFn::kSin:
    case detail::MathFn::kCos:
      uniform(-std::numbers::pi, std::numbers::pi, kMany);
      uniform(-1e3, 1e3, kMany);
      uniform(-1e9, 1e9, kMany / 4);
      log_uniform(-1074, 1023, true, kMany);  // tiny to huge |x|
      for (int k = -2000; k <= 2000; ++k) {   // next to the zeros of sin and cos
        const double z = k * std::numbers::pi / 2;
        xs.insert(xs.end(), {z, std::nextafter(z, kInf), std::nextafter(z, -kInf)});
      }
      xs.insert(xs.end(), {0.0, -0.0, 1e22, 1e300, -1e300, std::numeric_limits<double>::max(), kInf,
                           -kInf, kNaN});
      break;
  }
  return xs;
}

TEST_CASE("vectorised exp, sin and cos stay within 1 ulp of libm; tiles equal single values") {
  struct Case {
    const char* name;
    detail::MathFn fn;
    double (*libm)(double);
  };
  const Case cases[] = {
      {"exp", detail::MathFn::kExp, [](double x) { return std::exp(x); }},
      {"sin", detail::MathFn::kSin, [](double x) { return std::sin(x); }},
      {"cos", detail::MathFn::kCos, [](double x) { return std::cos(x); }},
  };
  const auto single = [](detail::MathFn fn, double x) {
    switch (fn) {
      case detail::MathFn::kExp:
        return detail::Math<detail::MathFn::kExp>(x);
      case detail::MathFn::kSin:
        return detail::Math<detail::MathFn::kSin>(x);
      case detail::MathFn::kCos:
        return detail::Math<detail::MathFn::kCos>(x);
    }
    return kNaN;
  };
  const auto tile = [](detail::MathFn fn, const double* x, double* dst, Eigen::Index n) {
    switch (fn) {
      case detail::MathFn::kExp:
        return detail::MathTile<detail::MathFn::kExp>(x, dst, n);
      case detail::MathFn::kSin:
        return detail::MathTile<detail::MathFn::kSin>(x, dst, n);
      case detail::MathFn::kCos:
        return detail::MathTile<detail::MathFn::kCos>(x, dst, n);
    }
  };
  MESSAGE("exp, sin, cos from " << std::string(detail::MathUsesSleef() ? "SLEEF" : "libm") << " ("
                                << std::string(detail::MathTileIsa()) << ")");
  Rng rng(31337);
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::vector<double> xs = MathArguments(c.fn, rng);
    // Tiles of odd lengths, so some values go through the remainder of a tile.
    std::vector<double> tiled(xs.size());
    for (std::size_t at = 0; at < xs.size();) {
      const std::size_t n = std::min<std::size_t>(xs.size() - at, 1 + (at % 257));
      tile(c.fn, xs.data() + at, tiled.data() + at, static_cast<Eigen::Index>(n));
      at += n;
    }
    double worst = 0.0, worst_x = 0.0;
    std::size_t tile_mismatches = 0, off_by_one = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double x = xs[i];
      const double value = single(c.fn, x);
      if (!SameBits(value, tiled[i])) ++tile_mismatches;
      const double ulps = UlpDistance(value, c.libm(x));
      if (ulps > 0.0) ++off_by_one;
      if (ulps > worst) {
        worst = ulps;
        worst_x = x;
      }
    }
    MESSAGE(std::string(c.name) << ": " << xs.size() << " arguments, max " << worst
                                << " ulp from libm (at x = " << worst_x << "), " << off_by_one
                                << " differ");
    CHECK(tile_mismatches == 0);
    CHECK(worst <= kMathUlpsVsLibm);
  }
}

TEST_CASE("every binary operator matches the standard operation, edge values included") {
  const Library lib = TestLibrary();
  const std::vector<std::pair<std::string, std::function<double(double, double)>>> cases = {
      {"add", [](double a, double b) { return a + b; }},
      {"sub", [](double a, double b) { return a - b; }},
      {"mul", [](double a, double b) { return a * b; }},
      {"div", [](double a, double b) { return a / b; }},
      {"pow", [](double a, double b) { return std::pow(a, b); }},
  };
  std::vector<double> as, bs;
  for (double a : kEdgeValues) {
    for (double b : kEdgeValues) {
      as.push_back(a);
      bs.push_back(b);
    }
  }
  const Eigen::Index rows = static_cast<Eigen::Index>(as.size());
  Eigen::MatrixXd X(rows, 2);
  for (Eigen::Index i = 0; i < rows; ++i) {
    X(i, 0) = as[static_cast<std::size_t>(i)];
    X(i, 1) = bs[static_cast<std::size_t>(i)];
  }
  Evaluator ev;
  std::vector<double> out(static_cast<std::size_t>(rows));
  for (const auto& [name, f] : cases) {
    CAPTURE(name);
    auto same = [&](double got, double a, double b) {
      const double want = f(a, b);
      return SameBits(got, want) || (std::isnan(got) && std::isnan(want));
    };
    ev.Evaluate(Compile(Prefix(lib, {name, "x0", "x1"}), lib), X, {}, out);
    int mismatches = 0;
    for (std::size_t i = 0; i < out.size(); ++i) mismatches += !same(out[i], as[i], bs[i]);
    CHECK(mismatches == 0);
    // Tile op scalar and scalar op tile, the constant in k0.
    const CompiledProgram tile_scalar = Compile(Prefix(lib, {name, "x0", "k0"}), lib);
    const CompiledProgram scalar_tile = Compile(Prefix(lib, {name, "k0", "x1"}), lib);
    const CompiledProgram scalar_scalar = Compile(Prefix(lib, {name, "k0", "k1"}), lib);
    for (double k : {-2.0, 0.0, 0.5, 3.0, kInf}) {
      CAPTURE(k);
      const double ks[] = {k, k / 2};
      ev.Evaluate(tile_scalar, X, ks, out);
      mismatches = 0;
      for (std::size_t i = 0; i < out.size(); ++i) mismatches += !same(out[i], as[i], k);
      CHECK(mismatches == 0);
      ev.Evaluate(scalar_tile, X, ks, out);
      mismatches = 0;
      for (std::size_t i = 0; i < out.size(); ++i) mismatches += !same(out[i], k, bs[i]);
      CHECK(mismatches == 0);
      ev.Evaluate(scalar_scalar, X, ks, out);
      mismatches = 0;
      for (std::size_t i = 0; i < out.size(); ++i) mismatches += !same(out[i], k, k / 2);
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("exact derivatives of every operator against closed forms") {
  const Library lib = TestLibrary();
  // d/dk f(k·x) at k = 1 is f'(x)·x.
  const std::vector<std::pair<std::string, std::function<double(double)>>> slopes = {
      {"neg", [](double) { return -1.0; }},
      {"inv", [](double x) { return -1.0 / (x * x); }},
      {"n2", [](double x) { return 2 * x; }},
      {"n3", [](double x) { return 3 * x * x; }},
      {"sqrt", [](double x) { return 1.0 / (2.0 * std::sqrt(x)); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"log", [](double x) { return 1.0 / x; }},
      {"sin", [](double x) { return std::cos(x); }},
      {"cos", [](double x) { return -std::sin(x); }},
      {"tan", [](double x) { return 1.0 / (std::cos(x) * std::cos(x)); }},
      {"tanh", [](double x) { return 1.0 / (std::cosh(x) * std::cosh(x)); }},
      {"arcsin", [](double x) { return 1.0 / std::sqrt(1.0 - x * x); }},
      {"arccos", [](double x) { return -1.0 / std::sqrt(1.0 - x * x); }},
      {"arctan", [](double x) { return 1.0 / (1.0 + x * x); }},
      {"abs", [](double x) { return x > 0 ? 1.0 : -1.0; }},
  };
  const std::vector<double> xs = {0.1, 0.3, 0.7, 0.95, 1.3, 2.0, -0.4, -0.8};
  Eigen::MatrixXd X(static_cast<Eigen::Index>(xs.size()), 1);
  for (std::size_t i = 0; i < xs.size(); ++i) X(static_cast<Eigen::Index>(i), 0) = xs[i];
  Evaluator ev;
  std::vector<double> out(xs.size());
  Eigen::MatrixXd J(X.rows(), 1);
  const double k[] = {1.0};
  for (const auto& [name, slope] : slopes) {
    CAPTURE(name);
    const CompiledProgram c = Compile(Prefix(lib, {name, "mul", "k0", "x0"}), lib);
    ev.EvaluateWithJacobian(c, X, k, out, J);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double want = slope(xs[i]) * xs[i];
      CAPTURE(xs[i]);
      // Where the closed form is NaN (sqrt, log, arcsin, arccos outside their domains), so is
      // the Jacobian.
      CHECK(Close(J(static_cast<Eigen::Index>(i), 0), want, 1e-13));
    }
  }
  // abs' at 0 is 0 (sign), on a scalar operand as on a tile.
  Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(3, 1);
  std::vector<double> out3(3);
  Eigen::MatrixXd J3(3, 1);
  const double k0[] = {0.0};
  ev.EvaluateWithJacobian(Compile(Prefix(lib, {"abs", "k0"}), lib), zero, k0, out3, J3);
  CHECK(J3(1, 0) == 0.0);
  ev.EvaluateWithJacobian(Compile(Prefix(lib, {"abs", "mul", "k0", "x0"}), lib), zero, k0, out3,
                          J3);
  CHECK(J3(2, 0) == 0.0);

  // Binary operators, both partials: f(k0·x0, k1·x1) at k = 1.
  const double a = 1.7, b = 0.6;
  Eigen::MatrixXd X2(1, 2);
  X2 << a, b;
  const double ones[] = {1.0, 1.0};
  std::vector<double> o1(1);
  Eigen::MatrixXd J2(1, 2);
  struct Partials {
    std::string name;
    double da, db;  // ∂f/∂a·a, ∂f/∂b·b
  };
  const std::vector<Partials> partials = {
      {"add", a, b},
      {"sub", a, -b},
      {"mul", b * a, a * b},
      {"div", a / b, -a / (b * b) * b},
      {"pow", b * std::pow(a, b - 1) * a, std::pow(a, b) * std::log(a) * b},
  };
  for (const Partials& pd : partials) {
    CAPTURE(pd.name);
    const CompiledProgram c =
        Compile(Prefix(lib, {pd.name, "mul", "k0", "x0", "mul", "k1", "x1"}), lib);
    CHECK(ev.EvaluateWithJacobian(c, X2, ones, o1, J2));
    CHECK(Close(J2(0, 0), pd.da, 1e-14));
    CHECK(Close(J2(0, 1), pd.db, 1e-14));
  }
  // pow: d/dk x^k at x = 0 has no log term when the base does not depend on k... and
  // d/dk (k·x)^2 at k·x = 0 is exactly 0.
  Eigen::MatrixXd Z(1, 1);
  Z << 0.0;
  Eigen::MatrixXd J1(1, 1);
  ev.EvaluateWithJacobian(Compile(Prefix(lib, {"pow", "mul", "k0", "x0", "2.5"}), lib), Z, ones, o1,
                          J1);
  CHECK(J1(0, 0) == 0.0);
}

TEST_CASE("random programs: tiled evaluation equals the scalar reference") {
  const Library lib = TestLibrary();
  const std::vector<TokenId> all = AllTokens(lib);
  Rng rng(20240611);
  Evaluator ev;
  const std::vector<Eigen::Index> row_counts = {1, 3, kTile - 1, kTile, kTile + 1, 2 * kTile + 37};
  int programs = 0, with_free = 0, compared = 0, bitwise = 0, non_finite_rows = 0;
  for (int t = 0; t < 1500; ++t) {
    const Program p = RandomProgram(lib, all, rng, 25);
    const CompiledProgram c = Compile(p, lib);
    const Eigen::Index rows = row_counts[static_cast<std::size_t>(rng.Below(row_counts.size()))];
    const Eigen::MatrixXd X = RandomData(rng, rows, 3, -3.0, 3.0);
    const std::vector<double> k = {rng.Uniform(-2, 2), rng.Uniform(-2, 2), rng.Uniform(-2, 2)};
    std::vector<double> out(static_cast<std::size_t>(rows));
    const bool finite = ev.Evaluate(c, X, k, out);
    Eigen::MatrixXd J(rows, c.num_free());
    std::vector<double> out_j(out.size());
    const bool finite_j = ev.EvaluateWithJacobian(c, X, k, out_j, J);
    ++programs;
    with_free += c.num_free() > 0;
    bool all_finite = true;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const std::vector<double> row = {X(i, 0), X(i, 1), X(i, 2)};
      const double want = EvaluateScalar(c, row, k);
      const double got = out[static_cast<std::size_t>(i)];
      CAPTURE(t);
      CAPTURE(i);
      CHECK(Close(got, want, 1e-14));
      CHECK(Close(out_j[static_cast<std::size_t>(i)], want, 1e-14));
      ++compared;
      bitwise += SameBits(got, want) || (std::isnan(got) && std::isnan(want));
      all_finite = all_finite && std::isfinite(want);
      non_finite_rows += !std::isfinite(want);
    }
    CHECK(finite == all_finite);
    if (!all_finite) CHECK_FALSE(finite_j);
  }
  MESSAGE("programs ", programs, " (", with_free, " with free constants), rows compared ", compared,
          ", bit-identical ", bitwise, ", non-finite rows ", non_finite_rows);
  CHECK(with_free > 500);
  CHECK(non_finite_rows > 0);
  CHECK(bitwise == compared);
}

TEST_CASE("data with an outer stride is read in place at the right offsets") {
  const Library lib = TestLibrary();
  Rng rng(7);
  const Eigen::MatrixXd big = RandomData(rng, 3 * kTile, 6, 0.5, 2.0);
  const Eigen::Index rows = 2 * kTile + 5;
  const auto block = big.block(4, 1, rows, 3);
  const CompiledProgram c =
      Compile(Prefix(lib, {"add", "mul", "x0", "k0", "div", "x2", "sin", "x1"}), lib);
  Evaluator ev;
  std::vector<double> out(static_cast<std::size_t>(rows));
  const std::vector<double> k = {1.5, 0.0, 0.0};
  CHECK(ev.Evaluate(c, block, k, out));
  Eigen::MatrixXd J(rows, 1);
  std::vector<double> out_j(out.size());
  CHECK(ev.EvaluateWithJacobian(c, block, k, out_j, J));
  for (Eigen::Index i = 0; i < rows; ++i) {
    const double x0 = big(4 + i, 1), x1 = big(4 + i, 2), x2 = big(4 + i, 3);
    CHECK(out[static_cast<std::size_t>(i)] == x0 * 1.5 + x2 / UnaryValue<OpCode::kSin>(x1));
    CHECK(out_j[static_cast<std::size_t>(i)] == out[static_cast<std::size_t>(i)]);
    CHECK(J(i, 0) == x0);
  }
}

TEST_CASE("random programs: Jacobian matches central finite differences") {
  const Library lib = TestLibrary();
  const std::vector<TokenId> all = AllTokens(lib);
  Rng rng(99);
  Evaluator ev;
  const Eigen::Index rows = 12;
  int programs = 0, compared = 0, skipped = 0;
  while (programs < 400) {
    const Program p = RandomProgram(lib, all, rng, 20);
    const CompiledProgram c = Compile(p, lib);
    if (c.num_free() == 0) continue;
    ++programs;
    const Eigen::MatrixXd X = RandomData(rng, rows, 3, 0.2, 1.5);
    std::vector<double> k = {rng.Uniform(0.5, 1.5), rng.Uniform(0.5, 1.5), rng.Uniform(0.5, 1.5)};
    std::vector<double> f(static_cast<std::size_t>(rows));
    Eigen::MatrixXd J(rows, c.num_free());
    ev.EvaluateWithJacobian(c, X, k, f, J);
    for (int col = 0; col < c.num_free(); ++col) {
      const std::size_t slot =
          static_cast<std::size_t>(c.free_slots[static_cast<std::size_t>(col)]);
      // Central differences with steps h and 2h; their disagreement measures how well the
      // point is conditioned.
      const double h = 1e-5 * std::max(1.0, std::fabs(k[slot]));
      auto at = [&](double step) {
        std::vector<double> kk = k;
        kk[slot] += step;
        std::vector<double> v(f.size());
        ev.Evaluate(c, X, kk, v);
        return v;
      };
      const std::vector<double> p1 = at(h), m1 = at(-h), p2 = at(2 * h), m2 = at(-2 * h);
      for (std::size_t i = 0; i < f.size(); ++i) {
        const double fd1 = (p1[i] - m1[i]) / (2 * h);
        const double fd2 = (p2[i] - m2[i]) / (4 * h);
        const double jac = J(static_cast<Eigen::Index>(i), col);
        const double scale = std::max({std::fabs(fd1), std::fabs(f[i]), 1.0});
        const bool usable = std::isfinite(f[i]) && std::isfinite(jac) && std::isfinite(fd1) &&
                            std::isfinite(fd2) && std::fabs(fd1 - fd2) <= 1e-7 * scale &&
                            std::fabs(f[i]) < 1e8;
        if (!usable) {
          ++skipped;
          continue;
        }
        ++compared;
        CAPTURE(programs);
        CAPTURE(i);
        CHECK(std::fabs(jac - fd1) <= 1e-6 * scale);
      }
    }
  }
  MESSAGE("finite-difference points compared ", compared, ", skipped ", skipped);
  CHECK(compared > 2000);
}

TEST_CASE("non-finite results are reported, not trapped") {
  const Library lib = TestLibrary();
  Evaluator ev;
  Eigen::MatrixXd X(5, 1);
  X << 1.0, -1.0, 0.0, 2.0, 4.0;
  std::vector<double> out(5);
  const std::vector<double> k = {1.0, 1.0, 1.0};
  CHECK_FALSE(ev.Evaluate(Compile(Prefix(lib, {"log", "x0"}), lib), X, k, out));
  CHECK(std::isnan(out[1]));
  CHECK(out[2] == -kInf);
  CHECK_FALSE(ev.Evaluate(Compile(Prefix(lib, {"div", "1", "x0"}), lib), X, k, out));
  CHECK(out[2] == kInf);
  CHECK(out[4] == 0.25);
  CHECK_FALSE(ev.Evaluate(Compile(Prefix(lib, {"sqrt", "x0"}), lib), X, k, out));
  CHECK(std::isnan(out[1]));
  // A constant subtree: log(-1) computed once as a scalar.
  CHECK_FALSE(ev.Evaluate(Compile(Prefix(lib, {"add", "x0", "log", "neg", "1"}), lib), X, k, out));
  CHECK(std::isnan(out[0]));
  // Finite values but an infinite derivative: d/dk sqrt(k·x) at x = 0.
  Eigen::MatrixXd J(5, 1);
  CHECK_FALSE(ev.EvaluateWithJacobian(Compile(Prefix(lib, {"sqrt", "mul", "k0", "x0"}), lib), X, k,
                                      out, J));
  CHECK(out[2] == 0.0);
  CHECK(std::isnan(J(2, 0)));  // 0.5/sqrt(0) · 0
  // All finite.
  CHECK(ev.Evaluate(Compile(Prefix(lib, {"exp", "x0"}), lib), X, k, out));
  X(1, 0) = 0.5;
  X(2, 0) = 3.0;
  CHECK(ev.EvaluateWithJacobian(Compile(Prefix(lib, {"sqrt", "mul", "k0", "n2", "x0"}), lib), X, k,
                                out, J));
}

TEST_CASE("a program without free constants has a 0-column Jacobian") {
  const Library lib = TestLibrary();
  const CompiledProgram c = Compile(Prefix(lib, {"mul", "x0", "add", "x1", "pi"}), lib);
  CHECK(c.num_free() == 0);
  CHECK(c.num_constant_slots == 0);
  Rng rng(3);
  const Eigen::MatrixXd X = RandomData(rng, kTile + 3, 2, -1.0, 1.0);
  Evaluator ev;
  std::vector<double> out(static_cast<std::size_t>(X.rows()));
  Eigen::MatrixXd J(X.rows(), 0);
  CHECK(ev.EvaluateWithJacobian(c, X, {}, out, J));
  CHECK(J.cols() == 0);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    CHECK(out[static_cast<std::size_t>(i)] == X(i, 0) * (X(i, 1) + std::numbers::pi));
  }
}

TEST_CASE("programs without variables and single terminals fill every row") {
  const Library lib = TestLibrary();
  Evaluator ev;
  Eigen::MatrixXd X = Eigen::MatrixXd::Constant(kTile + 2, 1, 4.0);
  X(kTile + 1, 0) = 9.0;
  std::vector<double> out(static_cast<std::size_t>(X.rows()));
  const std::vector<double> k = {3.0, 0.0, 0.0};
  Eigen::MatrixXd J(X.rows(), 1);
  CHECK(ev.EvaluateWithJacobian(Compile(Prefix(lib, {"mul", "k0", "k0"}), lib), X, k, out, J));
  CHECK(std::all_of(out.begin(), out.end(), [](double v) { return v == 9.0; }));
  CHECK((J.array() == 6.0).all());
  CHECK(ev.EvaluateWithJacobian(Compile(Prefix(lib, {"k0"}), lib), X, k, out, J));
  CHECK((J.array() == 1.0).all());
  CHECK(ev.Evaluate(Compile(Prefix(lib, {"2.5"}), lib), X, k, out));
  CHECK(out.back() == 2.5);
  CHECK(ev.Evaluate(Compile(Prefix(lib, {"x0"}), lib), X, k, out));
  CHECK(out.back() == 9.0);
  CHECK(out.front() == 4.0);
}

// ---------------------------------------------------------------------------------------
// Numerical stability

// x0 from 1 to 2 over `rows` rows, y = f(x0).
Dataset StabilityData(Eigen::Index rows, const std::function<double(double)>& f) {
  Dataset d;
  d.names = {"x0", "x1", "x2"};
  d.dimensions.assign(3, Dimension());
  d.X = Eigen::MatrixXd::Ones(rows, 3);
  d.y.resize(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    d.X(i, 0) =
        1.0 + static_cast<double>(i) / static_cast<double>(std::max<Eigen::Index>(rows - 1, 1));
    d.y(i) = f(d.X(i, 0));
  }
  return d;
}

TEST_CASE("NumericallyStable: formulas of the data pass, rounding residues fail") {
  const Library lib = TestLibrary();
  const Dataset square = StabilityData(50, [](double x) { return x * x; });
  CHECK(NumericallyStable(Prefix(lib, {"mul", "x0", "x0"}), lib, square));
  CHECK(NumericallyStable(Prefix(lib, {"exp", "mul", "2.5", "log", "x0"}), lib, square));

  // (x0 + k0·x0 − x0) with k0 = 1e-15 is k0·x0 rounded to x0's last place: in long double
  // it moves by a good part of its own size, far beyond 1e-6 of the target's spread.
  const Dataset tiny = StabilityData(50, [](double x) { return 1e-15 * x; });
  Program residue = Prefix(lib, {"sub", "add", "x0", "mul", "k0", "x0", "x0"});
  residue.constants[0] = 1e-15;
  Program direct = Prefix(lib, {"mul", "k0", "x0"});
  direct.constants[0] = 1e-15;
  if (sizeof(long double) > sizeof(double)) CHECK_FALSE(NumericallyStable(residue, lib, tiny));
  CHECK(NumericallyStable(direct, lib, tiny));

  // Non-finite values fail; data without rows pass.
  Dataset with_zero = square;
  with_zero.X(0, 0) = 0.0;
  CHECK_FALSE(NumericallyStable(Prefix(lib, {"div", "1", "x0"}), lib, with_zero));
  const Dataset empty = StabilityData(0, [](double) { return 0.0; });
  CHECK(NumericallyStable(Prefix(lib, {"div", "1", "x0"}), lib, empty));

  // A constant target is measured against its size instead of its (zero) spread.
  const Dataset constant = StabilityData(20, [](double) { return 2.5; });
  CHECK(NumericallyStable(Prefix(lib, {"2.5"}), lib, constant));
  Program near_constant = Prefix(lib, {"add", "2.5", "sub", "add", "x0", "mul", "k0", "x0", "x0"});
  near_constant.constants[0] = 1e-12;
  // Its rounding residue, about 1e-16, is far within 1e-6 of 2.5.
  CHECK(NumericallyStable(near_constant, lib, constant));
}

TEST_CASE("NumericallyStable checks evenly spaced rows of large data") {
  const Library lib = TestLibrary();
  // 25 000 rows: every third is checked; an infinite value on an unchecked row goes unseen,
  // on a checked row it does not.
  Dataset d = StabilityData(25000, [](double x) { return x; });
  const Program inverse = Prefix(lib, {"div", "1", "x0"});
  d.X(1, 0) = 0.0;
  CHECK(NumericallyStable(inverse, lib, d));
  d.X(3, 0) = 0.0;
  CHECK_FALSE(NumericallyStable(inverse, lib, d));
}

}  // namespace
}  // namespace physr
