#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/units/dimension.hpp"
#include "physr/units/nearest_names.hpp"
#include "physr/units/rational.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr::units {
namespace {

// Exponents in Base order: L M T I Θ N J.
Dimension Dim(int l, int m, int t, int i = 0, int theta = 0, int n = 0, int j = 0) {
  return Dimension::FromInts({l, m, t, i, theta, n, j});
}

// Parses `text`, expecting a UnitParseError at `position` whose message contains `part`.
void CheckParseError(std::string_view text, std::size_t position, std::string_view part) {
  CAPTURE(text);
  try {
    const Dimension d = ParseUnit(text);
    FAIL(("parsed to " + d.ToUnitString()));
  } catch (const UnitParseError& e) {
    const std::string message = e.what();
    CAPTURE(message);
    CHECK(e.position() == position);
    CHECK(message.find(part) != std::string::npos);
    CHECK(message.find(" at position " + std::to_string(position)) != std::string::npos);
    CHECK(message.starts_with("bad unit '"));
  }
}

Rational RandomExponent(Rng& rng) {
  // Integers, halves and thirds in [-4, 4], zero half the time.
  if (rng.Below(2) == 0) return 0;
  const std::int64_t den = std::int64_t{1} + static_cast<std::int64_t>(rng.Below(3));
  return {static_cast<std::int64_t>(rng.Below(17)) - 8, den};
}

}  // namespace

TEST_CASE("Rational normalises to lowest terms with a positive denominator") {
  CHECK(Rational(2, 4) == Rational(1, 2));
  CHECK(Rational(2, 4).num() == 1);
  CHECK(Rational(2, 4).den() == 2);
  CHECK(Rational(-1, -2) == Rational(1, 2));
  CHECK(Rational(3, -6).num() == -1);
  CHECK(Rational(3, -6).den() == 2);
  CHECK(Rational(0, 5).num() == 0);
  CHECK(Rational(0, 5).den() == 1);
  CHECK(Rational(0, -7) == Rational());
  CHECK(Rational(6, 3).IsInteger());
  CHECK_FALSE(Rational(1, 3).IsInteger());
  CHECK(Rational(-3, 4).ToDouble() == doctest::Approx(-0.75));
  CHECK_THROWS_AS(Rational(1, 0), std::invalid_argument);
}

TEST_CASE("Rational arithmetic matches cross-multiplied integer arithmetic") {
  Rng rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::int64_t an = static_cast<std::int64_t>(rng.Below(41)) - 20;
    const std::int64_t ad = 1 + static_cast<std::int64_t>(rng.Below(12));
    const std::int64_t bn = static_cast<std::int64_t>(rng.Below(41)) - 20;
    const std::int64_t bd = 1 + static_cast<std::int64_t>(rng.Below(12));
    const Rational a(an, ad), b(bn, bd);
    // p/q == x/y  <=>  p*y == x*q, with the reference result unreduced.
    auto equals = [](Rational r, std::int64_t x, std::int64_t y) {
      CHECK(r.den() > 0);
      CHECK(std::gcd(std::int64_t{r.num()}, std::int64_t{r.den()}) == 1);
      CHECK(std::int64_t{r.num()} * y == x * std::int64_t{r.den()});
    };
    equals(a + b, an * bd + bn * ad, ad * bd);
    equals(a - b, an * bd - bn * ad, ad * bd);
    equals(a * b, an * bn, ad * bd);
    equals(-a, -an, ad);
    if (bn != 0) {
      const std::int64_t sign = bn < 0 ? -1 : 1;
      equals(a / b, sign * an * bd, sign * ad * bn);
    } else {
      CHECK_THROWS_AS(a / b, std::domain_error);
    }
    CHECK((a < b) == (an * bd < bn * ad));
    CHECK((a == b) == (an * bd == bn * ad));
  }
}

TEST_CASE("Rational throws on int32 overflow instead of wrapping") {
  const std::int64_t max32 = std::numeric_limits<std::int32_t>::max();
  CHECK_NOTHROW(Rational{max32});
  CHECK_THROWS_AS(Rational(max32 + 1), std::overflow_error);
  CHECK_THROWS_AS(Rational(1, max32 + 1), std::overflow_error);
  CHECK_THROWS_AS(Rational(max32) + Rational(1), std::overflow_error);
  CHECK_THROWS_AS(Rational(1 << 20) * Rational(1 << 20), std::overflow_error);
  CHECK_THROWS_AS(Rational(1, 1 << 20) * Rational(1, 1 << 12), std::overflow_error);
  CHECK_THROWS_AS(-Rational(std::numeric_limits<std::int32_t>::min()), std::overflow_error);
  CHECK_THROWS_AS(Rational(std::numeric_limits<std::int64_t>::min()), std::overflow_error);
  CHECK_THROWS_AS(Rational(1, std::numeric_limits<std::int64_t>::min()), std::overflow_error);
  // Large values whose reduced form fits are fine.
  CHECK(Rational(std::int64_t{1} << 40, std::int64_t{1} << 39) == Rational(2));
}

TEST_CASE("Rational prints integers and fractions") {
  CHECK(Rational(2).ToString() == "2");
  CHECK(Rational(-1).ToString() == "-1");
  CHECK(Rational(1, 2).ToString() == "1/2");
  CHECK(Rational(3, -2).ToString() == "-3/2");
  CHECK(Rational().ToString() == "0");
}

TEST_CASE("Dimension construction, products, quotients and powers") {
  const Dimension velocity = Dim(1, 0, -1);
  CHECK(velocity[Base::kLength] == Rational(1));
  CHECK(velocity[Base::kTime] == Rational(-1));
  CHECK(velocity[Base::kMass] == Rational(0));
  CHECK(Dimension::Of(Base::kTime, -1) * Dimension::Of(Base::kLength) == velocity);
  CHECK(Dimension::Of(Base::kLuminousIntensity).exponents()[6] == Rational(1));
  CHECK(Dimension().IsDimensionless());
  CHECK(Dimension::Dimensionless().IsDimensionless());
  CHECK_FALSE(velocity.IsDimensionless());
  CHECK((velocity / velocity).IsDimensionless());
  CHECK(velocity * velocity == velocity.Pow(2));
  CHECK(Dim(2, 0, 0).Pow(Rational(1, 2)) == Dim(1, 0, 0));
  CHECK(Dim(1, 0, 0).Pow(Rational(1, 2)).Pow(Rational(1, 3)) ==
        Dimension::Of(Base::kLength, Rational(1, 6)));
  CHECK(Dim(1, 2, 3).Pow(0).IsDimensionless());
  CHECK(Dim(1, 1, -2) / Dim(0, 1, 0) == Dim(1, 0, -2));
  CHECK_THROWS_AS(Dimension::FromInts({1, 2, 3, 4, 5, 6, 7, 8}), std::invalid_argument);
  CHECK_THROWS_AS(Dimension::Of(Base::kLength, 1 << 20).Pow(1 << 20), std::overflow_error);

  // Order and hash are consistent with equality.
  CHECK(Dim(0, 0, 1) < Dim(1, 0, 0));
  CHECK_FALSE(Dim(1, 0, 0) < Dim(1, 0, 0));
  CHECK(Dim(1, 0, -1) < Dim(1, 0, 0));
  const DimensionHash hash;
  CHECK(hash(Dim(1, 0, -1)) == hash(velocity));
  std::unordered_set<Dimension, DimensionHash> seen;
  for (int l = -2; l <= 2; ++l) {
    for (int t = -2; t <= 2; ++t) seen.insert(Dim(l, 0, t));
  }
  CHECK(seen.size() == 25);
}

TEST_CASE("Dimension prints unit strings and symbol strings") {
  const Dimension joule = Dim(2, 1, -2);
  CHECK(joule.ToUnitString() == "kg*m^2/s^2");
  CHECK(joule.ToSymbolString() == "M L^2 T^-2");
  CHECK(Dim(1, 0, -1).ToUnitString() == "m/s");
  CHECK(Dim(1, 0, -1).ToSymbolString() == "L T^-1");
  CHECK(Dim(0, 0, -1).ToUnitString() == "1/s");
  CHECK(Dimension().ToUnitString() == "1");
  CHECK(Dimension().ToSymbolString() == "1");
  CHECK(Dim(2, 1, -3, -1).ToUnitString() == "kg*m^2/(s^3*A)");
  CHECK(Dim(0, 0, 0, 0, 1, -1).ToUnitString() == "K/mol");
  CHECK(Dim(0, 0, 0, 0, 1, -1, 1).ToSymbolString() == "Θ N^-1 J");
  CHECK(Dimension::Of(Base::kLength, Rational(1, 2)).ToUnitString() == "m^(1/2)");
  CHECK(Dimension::Of(Base::kLength, Rational(-3, 2)).ToUnitString() == "1/m^(3/2)");
  CHECK(Dimension::Of(Base::kLength, Rational(-3, 2)).ToSymbolString() == "L^(-3/2)");
  CHECK(Dimension::Of(Base::kLuminousIntensity).ToUnitString() == "cd");
}

TEST_CASE("ParseUnit reads every named unit with its SI dimension") {
  struct Expected {
    const char* symbol;
    Dimension dimension;
  };
  // Written from the SI brochure, independently of the Boost-derived catalogue.
  const Expected expected[] = {
      {"m", Dim(1, 0, 0)},
      {"kg", Dim(0, 1, 0)},
      {"s", Dim(0, 0, 1)},
      {"A", Dim(0, 0, 0, 1)},
      {"K", Dim(0, 0, 0, 0, 1)},
      {"mol", Dim(0, 0, 0, 0, 0, 1)},
      {"cd", Dim(0, 0, 0, 0, 0, 0, 1)},
      {"N", Dim(1, 1, -2)},
      {"J", Dim(2, 1, -2)},
      {"W", Dim(2, 1, -3)},
      {"Pa", Dim(-1, 1, -2)},
      {"C", Dim(0, 0, 1, 1)},
      {"V", Dim(2, 1, -3, -1)},
      {"ohm", Dim(2, 1, -3, -2)},
      {"\u03A9", Dim(2, 1, -3, -2)},
      {"\u2126", Dim(2, 1, -3, -2)},
      {"F", Dim(-2, -1, 4, 2)},
      {"H", Dim(2, 1, -2, -2)},
      {"T", Dim(0, 1, -2, -1)},
      {"Wb", Dim(2, 1, -2, -1)},
      {"Hz", Dim(0, 0, -1)},
      {"S", Dim(-2, -1, 3, 2)},
      {"Gy", Dim(2, 0, -2)},
      {"Sv", Dim(2, 0, -2)},
      {"Bq", Dim(0, 0, -1)},
      {"lm", Dim(0, 0, 0, 0, 0, 0, 1)},
      {"lx", Dim(-2, 0, 0, 0, 0, 0, 1)},
      {"kat", Dim(0, 0, -1, 0, 0, 1)},
      {"rad", Dimension()},
      {"sr", Dimension()},
  };
  for (const Expected& e : expected) {
    CAPTURE(e.symbol);
    CHECK(ParseUnit(e.symbol) == e.dimension);
  }
  // The catalogue lists these symbols first, base units first, each with scale 1; the units
  // outside the SI follow.
  const std::vector<std::string>& known = KnownUnitSymbols();
  REQUIRE(known.size() > std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    CHECK(known[i] == expected[i].symbol);
    CHECK(ParseUnitWithScale(expected[i].symbol).scale == 1.0);
  }
}

TEST_CASE("Equivalent spellings of a unit parse to the same dimension") {
  const Dimension joule = Dim(2, 1, -2);
  for (const char* text : {"J", "kg*m^2/s^2", "N*m", "N m", "kg m^2 s^-2", "kg*m**2*s**-2",
                           "m^2 kg / s^2", "W*s", "V*C", "Pa*m^3", "kg\u00B7m^2/s^2", "N\u22C5m",
                           "(kg*m/s)^2/kg", "( kg ) ( m^2 ) ( s^-2 )"}) {
    CAPTURE(text);
    CHECK(ParseUnit(text) == joule);
  }
  CHECK(ParseUnit("W/A") == ParseUnit("V"));
  CHECK(ParseUnit("V/A") == ParseUnit("ohm"));
  CHECK(ParseUnit("1/ohm") == ParseUnit("S"));
  CHECK(ParseUnit("C/s") == ParseUnit("A"));
  CHECK(ParseUnit("Wb/m^2") == ParseUnit("T"));
  CHECK(ParseUnit("V*s") == ParseUnit("Wb"));
  CHECK(ParseUnit("C/V") == ParseUnit("F"));
  CHECK(ParseUnit("Wb/A") == ParseUnit("H"));
  CHECK(ParseUnit("J/kg") == ParseUnit("Gy"));
  CHECK(ParseUnit("mol/s") == ParseUnit("kat"));
  CHECK(ParseUnit("cd*sr") == ParseUnit("lm"));
  CHECK(ParseUnit("lm/m^2") == ParseUnit("lx"));
  CHECK(ParseUnit("rad/s") == ParseUnit("Hz"));
}

TEST_CASE("ParseUnit grammar: dimensionless, spaces, associativity, powers") {
  for (const char* text : {"", " ", "\t\n", "1", " 1 ", "(1)", "1^5", "rad", "m/m", "1*1"}) {
    CAPTURE(text);
    CHECK(ParseUnit(text).IsDimensionless());
  }
  CHECK(ParseUnit("1/s") == Dim(0, 0, -1));
  CHECK(ParseUnit(" m  s^-1 ") == Dim(1, 0, -1));
  CHECK(ParseUnit("m\ts^-1") == Dim(1, 0, -1));
  CHECK(ParseUnit("m ^ 2") == Dim(2, 0, 0));
  CHECK(ParseUnit("m^+2") == Dim(2, 0, 0));
  CHECK(ParseUnit("m ** -1") == Dim(-1, 0, 0));
  // Left to right, equal precedence: a/b*c = (a/b)*c, a/b/c = a/(b*c).
  CHECK(ParseUnit("m/s*kg") == Dim(1, 1, -1));
  CHECK(ParseUnit("m/s kg") == Dim(1, 1, -1));
  CHECK(ParseUnit("m/s/kg") == Dim(1, -1, -1));
  CHECK(ParseUnit("J/(kg*K)") == Dim(2, 0, -2, 0, -1));
  CHECK(ParseUnit("J/kg K") == Dim(2, 0, -2, 0, 1));
  // Powers bind tighter than products; parentheses group.
  CHECK(ParseUnit("kg*m^2") == Dim(2, 1, 0));
  CHECK(ParseUnit("(m/s)^2") == Dim(2, 0, -2));
  CHECK(ParseUnit("(m^2)^3") == Dim(6, 0, 0));
  CHECK(ParseUnit("((m))") == Dim(1, 0, 0));
  // Rational exponents.
  CHECK(ParseUnit("m^(1/2)") == Dimension::Of(Base::kLength, Rational(1, 2)));
  CHECK(ParseUnit("m^(-3/2)") == Dimension::Of(Base::kLength, Rational(-3, 2)));
  CHECK(ParseUnit("m^( -3 / 2 )") == Dimension::Of(Base::kLength, Rational(-3, 2)));
  CHECK(ParseUnit("m^(2/4)") == Dimension::Of(Base::kLength, Rational(1, 2)));
  CHECK(ParseUnit("m^(-2)") == Dim(-2, 0, 0));
  CHECK(ParseUnit("m**(1/3)") == Dimension::Of(Base::kLength, Rational(1, 3)));
  CHECK(ParseUnit("(m^2)^(1/2)") == Dim(1, 0, 0));
  CHECK(ParseUnit("kg^(1/2) m^(3/2) / s") == Dimension::FromInts({0, 0, -1}) *
                                                 Dimension::Of(Base::kMass, Rational(1, 2)) *
                                                 Dimension::Of(Base::kLength, Rational(3, 2)));
  CHECK(ParseUnit("m^1000") == Dim(1000, 0, 0));
  CHECK(ParseUnit("m^(1/1000)") == Dimension::Of(Base::kLength, Rational(1, 1000)));
  CHECK(ParseUnit("m^0") == Dimension());
  // Nesting up to the limit is fine.
  const std::string deep =
      std::string(kMaxUnitNesting, '(') + "m" + std::string(kMaxUnitNesting, ')');
  CHECK(ParseUnit(deep) == Dim(1, 0, 0));
}

TEST_CASE("ToUnitString round-trips through ParseUnit for random dimensions") {
  Rng rng(2024);
  for (int trial = 0; trial < 1000; ++trial) {
    Dimension::Exponents e;
    for (Rational& r : e) r = RandomExponent(rng);
    const Dimension d(e);
    CAPTURE(d.ToUnitString());
    CHECK(ParseUnit(d.ToUnitString()) == d);
  }
}

TEST_CASE("ParseUnit errors name the problem and its position") {
  // The exact message, once.
  try {
    ParseUnit("kg*m^");
    FAIL("no error");
  } catch (const UnitParseError& e) {
    CHECK(std::string(e.what()) == "bad unit 'kg*m^': expected an exponent at position 5");
    CHECK(e.position() == 5);
  }
  // UnitParseError is an std::invalid_argument, as the error policy asks.
  CHECK_THROWS_AS(ParseUnit("?"), std::invalid_argument);

  SUBCASE("unknown symbols") {
    CheckParseError("xyz", 0, "unknown unit 'xyz' at position 0 (known: m, kg, s, A, K, mol,");
    CheckParseError("xyz", 0, "most with SI prefixes such as km, ns, MeV)");
    CheckParseError("kg*foo", 3, "unknown unit 'foo' at position 3 (known: m, kg");
    CheckParseError("Ohm", 0, "unknown unit 'Ohm' at position 0 (did you mean 'ohm'?; known:");
    CheckParseError("hz", 0, "(did you mean 'Hz'?; known:");
    CheckParseError("angstroem", 0, "(did you mean 'angstrom'?; known:");
    CheckParseError("kkg", 0, "unknown unit 'kkg'");
    CheckParseError("kmin", 0, "unknown unit 'kmin'");
    CheckParseError("m_s", 0, "unknown unit 'm_s'");
  }
  SUBCASE("unknown symbols: the units they may have meant") {
    // Prefixed symbols in another letter case.
    CheckParseError("kw", 0, "(did you mean 'kW'?; known:");
    CheckParseError("KM", 0, "(did you mean 'km'?; known:");
    CheckParseError("Mev", 0, "(did you mean 'MeV' or 'meV'?; known:");
    CheckParseError("ml", 0, "(did you mean 'ML' or 'mL'?; known:");
    // Units written out, in any case, plural, with a written-out prefix.
    CheckParseError("sec", 0, "(did you mean 's'?; known:");
    CheckParseError("Kelvin", 0, "(did you mean 'K'?; known:");
    CheckParseError("metres", 0, "(did you mean 'm'?; known:");
    CheckParseError("kilometers", 0, "(did you mean 'km'?; known:");
    CheckParseError("m/Hours", 2, "(did you mean 'h'?; known:");
    // A plural s, and two symbols run together.
    CheckParseError("hrs", 0, "(did you mean 'hr' or 'hr*s'?; known:");
    CheckParseError("kgm", 0, "(did you mean 'kg*m'?; known:");
    CheckParseError("Nm", 0, "(did you mean 'nm' or 'N*m'?; known:");
  }
  SUBCASE("the known symbols list each unit once, not its lookalikes") {
    try {
      ParseUnit("xyz");
      FAIL("no error");
    } catch (const UnitParseError& e) {
      const std::string message = e.what();
      CHECK(message.find(", \u03A9,") != std::string::npos);  // Greek capital omega
      CHECK(message.find("\u2126") == std::string::npos);     // ohm sign
      CHECK(message.find(", \u00C5,") != std::string::npos);  // A with ring above
      CHECK(message.find("\u212B") == std::string::npos);     // angstrom sign
    }
    // Both still read.
    CHECK(ParseUnit("\u2126") == ParseUnit("ohm"));
    CHECK(ParseUnit("\u212B") == ParseUnit("m"));
  }
  SUBCASE("parentheses") {
    CheckParseError("(m", 2, "expected ')' but found the end at position 2 (to close the '(' at");
    CheckParseError("((m)", 4, "expected ')'");
    CheckParseError("m)", 1, "unbalanced ')'");
    CheckParseError("(m))", 3, "unbalanced ')'");
    CheckParseError("()", 1, "expected a unit before ')'");
    CheckParseError(")", 0, "expected a unit before ')'");
  }
  SUBCASE("operators without operands") {
    CheckParseError("m*", 2, "expected a unit");
    CheckParseError("m/", 2, "expected a unit");
    CheckParseError("m / ", 4, "expected a unit");
    CheckParseError("*m", 0, "expected a unit before '*'");
    CheckParseError("m//s", 2, "expected a unit before '/'");
    CheckParseError("m*/s", 2, "expected a unit before '/'");
    CheckParseError("m \u00B7", 4, "expected a unit");
    CheckParseError("\u00B7m", 0, "expected a unit before '\u00B7'");
    CheckParseError("m^", 2, "expected an exponent");
    CheckParseError("m **", 4, "expected an exponent");
  }
  SUBCASE("exponents") {
    CheckParseError("m^()", 3, "expected an exponent");
    CheckParseError("m^(1/)", 5, "expected an exponent");
    CheckParseError("m^-", 3, "expected an exponent");
    CheckParseError("m^(1/0)", 5, "zero denominator");
    CheckParseError("m^(1/-2)", 5, "expected an exponent");
    CheckParseError("m^(1/2", 6, "(to close the exponent's '(' at position 2)");
    CheckParseError("m^(1 2)", 5, "expected ')'");
    CheckParseError("m^-3/2", 5, "the number '2' is not a unit");
    CheckParseError("m^1/2", 4, "the number '2' is not a unit");
    CheckParseError("m^0.5", 2, "decimal exponents are not supported");
    CheckParseError("m^(1.5)", 3, "decimal exponents");
    CheckParseError("m^2^3", 3, "cannot be raised again");
    CheckParseError("m^2**3", 3, "cannot be raised again");
    CheckParseError("m2", 1, "an exponent needs '^'");
    CheckParseError("(m/s)2", 5, "an exponent needs '^'");
    CheckParseError("m^x", 2, "expected an exponent");
  }
  SUBCASE("absurd exponents and overflow") {
    CheckParseError("m^1001", 2, "exponent '1001' out of range at position 2 (at most 1000");
    CheckParseError("m^-1001", 2, "out of range");
    CheckParseError("m^(1/1001)", 5, "out of range");
    CheckParseError("m^99999999999999999999999999999", 2, "out of range");
    CheckParseError("(((m^1000)^1000)^1000)^1000", 22, "exponent overflow");
    CheckParseError("m^(1/997)*m^(1/991)*m^(1/983)*m^(1/977)", 29, "exponent overflow");
  }
  SUBCASE("numbers and stray characters") {
    CheckParseError("10", 0, "the number '10' is not a unit");
    CheckParseError("2*m", 0, "the number '2' is not a unit");
    CheckParseError("1.0", 0, "is not a unit");
    CheckParseError("$", 0, "unexpected character '$'");
    CheckParseError("m$", 1, "expected '*', '/' or a space before '$'");
    CheckParseError("m s%", 3, "before '%'");
    CheckParseError("1m", 1, "expected '*', '/' or a space before 'm'");
    CheckParseError("m(s)", 1, "expected '*', '/' or a space");
  }
  SUBCASE("deep nesting is refused, not recursed into") {
    const std::string too_deep =
        std::string(kMaxUnitNesting + 1, '(') + "m" + std::string(kMaxUnitNesting + 1, ')');
    CheckParseError(too_deep, kMaxUnitNesting, "nested deeper than 64");
    CheckParseError(std::string(1000000, '('), kMaxUnitNesting, "nested deeper");
  }
}

TEST_CASE("ParseUnit error messages stay one short line") {
  const std::string long_text = "m*" + std::string(10000, 'x');
  try {
    ParseUnit(long_text);
    FAIL("no error");
  } catch (const UnitParseError& e) {
    const std::string message = e.what();
    CHECK(e.position() == 2);
    CHECK(message.size() < 600);
    CHECK(message.find("...") != std::string::npos);
  }
  try {
    ParseUnit(std::string("m\x01", 2));
    FAIL("no error");
  } catch (const UnitParseError& e) {
    const std::string message = e.what();
    CHECK(e.position() == 1);
    CHECK(message.find("\\x01") != std::string::npos);
    for (char c : message) CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
}

TEST_CASE("ParseUnit never fails other than by UnitParseError on random text") {
  // Fragments of the grammar, so random strings reach deep into the parser.
  const std::vector<std::string> pieces = {
      "m",      "kg",   "s",    "J", "ohm", "\u03A9", "1",   "0",      "2",   "1000", "1001", "(",
      ")",      "((",   "))",   "*", "/",   "^",      "**",  "-",      "+",   " ",    "\t",   ".",
      "\u00B7", "\xC2", "\xFF", "x", "$",   "^(",     "/2)", "^(1/2)", "^-1", "^1000"};
  Rng rng(99);
  int parsed = 0, rejected = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string text;
    const auto length = rng.Below(12);
    for (std::uint64_t k = 0; k < length; ++k) text += pieces[rng.Below(pieces.size())];
    try {
      ParseUnit(text);
      ++parsed;
    } catch (const UnitParseError& e) {
      CHECK(e.position() <= text.size());
      ++rejected;
    }
  }
  // Both outcomes occur, so the loop really exercised both paths.
  CHECK(parsed > 100);
  CHECK(rejected > 100);
}

// Checks that `text` parses to `dimension` with a scale within a few ulps of `scale`.
void CheckScaled(std::string_view text, const Dimension& dimension, double scale) {
  CAPTURE(text);
  const ParsedUnit unit = ParseUnitWithScale(text);
  CHECK(unit.dimension == dimension);
  CHECK(unit.scale == doctest::Approx(scale).epsilon(1e-14));
}

TEST_CASE("ParseUnitWithScale: every SI prefix on the metre") {
  const Dimension length = Dim(1, 0, 0);
  const std::pair<const char*, double> prefixes[] = {
      {"Q", 1e30},  {"R", 1e27},  {"Y", 1e24},  {"Z", 1e21},  {"E", 1e18},      {"P", 1e15},
      {"T", 1e12},  {"G", 1e9},   {"M", 1e6},   {"k", 1e3},   {"h", 1e2},       {"da", 1e1},
      {"d", 1e-1},  {"c", 1e-2},  {"m", 1e-3},  {"u", 1e-6},  {"\u00B5", 1e-6}, {"\u03BC", 1e-6},
      {"n", 1e-9},  {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21},     {"y", 1e-24},
      {"r", 1e-27}, {"q", 1e-30}};
  for (const auto& [prefix, factor] : prefixes) {
    CheckScaled(std::string(prefix) + "m", length, factor);
  }
  CHECK(ParseUnitWithScale("m").scale == 1.0);
  // Both code points for micro give the same micrometre.
  CHECK(ParseUnitWithScale("\u00B5m").scale == ParseUnitWithScale("\u03BCm").scale);
  CHECK(ParseUnitWithScale("\u00B5m").scale == ParseUnitWithScale("um").scale);
}

TEST_CASE("ParseUnitWithScale: units outside the SI and compounds") {
  CheckScaled("km/h", Dim(1, 0, -1), 1.0 / 3.6);
  CHECK(ParseUnitWithScale("eV").scale == 1.602176634e-19);
  CHECK(ParseUnitWithScale("eV").dimension == Dim(2, 1, -2));
  CheckScaled("keV", Dim(2, 1, -2), 1.602176634e-16);
  CheckScaled("GeV", Dim(2, 1, -2), 1.602176634e-10);
  CheckScaled("kJ/(mol*K)", Dim(2, 1, -2, 0, -1, -1), 1e3);
  CheckScaled("g", Dim(0, 1, 0), 1e-3);
  CheckScaled("mg", Dim(0, 1, 0), 1e-6);
  CheckScaled("ug", Dim(0, 1, 0), 1e-9);
  CheckScaled("kg", Dim(0, 1, 0), 1.0);
  CheckScaled("g/cm^3", Dim(-3, 1, 0), 1e3);
  CheckScaled("\u00C5", Dim(1, 0, 0), 1e-10);
  CheckScaled("\u212B", Dim(1, 0, 0), 1e-10);
  CheckScaled("angstrom", Dim(1, 0, 0), 1e-10);
  CheckScaled("AU", Dim(1, 0, 0), 149597870700.0);
  CheckScaled("au", Dim(1, 0, 0), 149597870700.0);
  CheckScaled("ly", Dim(1, 0, 0), 9460730472580800.0);
  CheckScaled("pc", Dim(1, 0, 0), 3.0856775814913673e16);
  CheckScaled("Mpc", Dim(1, 0, 0), 3.0856775814913673e22);
  CheckScaled("L", Dim(3, 0, 0), 1e-3);
  CheckScaled("mL", Dim(3, 0, 0), 1e-6);
  CheckScaled("bar", Dim(-1, 1, -2), 1e5);
  CheckScaled("atm", Dim(-1, 1, -2), 101325.0);
  CheckScaled("GPa", Dim(-1, 1, -2), 1e9);
  CheckScaled("MHz", Dim(0, 0, -1), 1e6);
  CheckScaled("ns", Dim(0, 0, 1), 1e-9);
  CheckScaled("min", Dim(0, 0, 1), 60.0);
  CheckScaled("h", Dim(0, 0, 1), 3600.0);
  CheckScaled("d", Dim(0, 0, 1), 86400.0);
  CheckScaled("yr", Dim(0, 0, 1), 31557600.0);
  CheckScaled("Gyr", Dim(0, 0, 1), 31557600.0e9);
  CheckScaled("deg", Dimension(), std::numbers::pi / 180.0);
  CheckScaled("\u00B0", Dimension(), std::numbers::pi / 180.0);
  CheckScaled("cal", Dim(2, 1, -2), 4.184);
  CheckScaled("kcal/mol", Dim(2, 1, -2, 0, 0, -1), 4184.0);
  CheckScaled("Da", Dim(0, 1, 0), 1.66053906660e-27);
  CheckScaled("kDa", Dim(0, 1, 0), 1.66053906660e-24);
  CheckScaled("u", Dim(0, 1, 0), 1.66053906660e-27);
  CheckScaled("G", Dim(0, 1, -2, -1), 1e-4);
  CheckScaled("kWh", Dim(2, 1, -2), 3.6e6);
  CheckScaled("m^(1/2)", Dim(0, 0, 0) * Dimension::Of(Base::kLength, Rational(1, 2)), 1.0);
  CheckScaled("km^(1/2)", Dimension::Of(Base::kLength, Rational(1, 2)), std::sqrt(1e3));
  CheckScaled("(km/ms)^2", Dim(2, 0, -2), 1e12);
  CheckScaled("1/ns", Dim(0, 0, -1), 1e9);
  // A scale out of the range of a double is an error, not inf or 0.
  CheckParseError("Qm^1000", 2, "scale factor out of range");
  CheckParseError("qm^20", 2, "scale factor out of range");
}

TEST_CASE("ParseUnitWithScale: whole names come before prefixes") {
  CheckScaled("min", Dim(0, 0, 1), 60.0);          // minute, not milli-inch
  CheckScaled("cd", Dim(0, 0, 0, 0, 0, 0, 1), 1);  // candela, not centi-day
  CheckScaled("Pa", Dim(-1, 1, -2), 1.0);          // pascal, not peta-annum
  CheckScaled("h", Dim(0, 0, 1), 3600.0);          // hour
  CheckScaled("hPa", Dim(-1, 1, -2), 100.0);       // hecto-pascal
  CheckScaled("T", Dim(0, 1, -2, -1), 1.0);        // tesla
  CheckScaled("TeV", Dim(2, 1, -2), 1.602176634e-7);
  CheckScaled("G", Dim(0, 1, -2, -1), 1e-4);  // gauss
  CheckScaled("Gy", Dim(2, 0, -2), 1.0);      // gray
  CheckScaled("mGy", Dim(2, 0, -2), 1e-3);
  CheckScaled("mol", Dim(0, 0, 0, 0, 0, 1), 1.0);  // mole
  CheckScaled("mmol", Dim(0, 0, 0, 0, 0, 1), 1e-3);
  CheckScaled("ms", Dim(0, 0, 1), 1e-3);  // millisecond
  CheckScaled("m*s", Dim(1, 0, 1), 1.0);
  CheckScaled("m", Dim(1, 0, 0), 1.0);
  CheckScaled("d", Dim(0, 0, 1), 86400.0);  // day
  CheckScaled("dm", Dim(1, 0, 0), 0.1);     // decimetre
  CheckScaled("dam", Dim(1, 0, 0), 10.0);   // decametre
  CheckScaled("kat", Dim(0, 0, -1, 0, 0, 1), 1.0);
  CheckScaled("u", Dim(0, 1, 0), 1.66053906660e-27);  // dalton
  CheckScaled("um", Dim(1, 0, 0), 1e-6);              // micrometre
  CheckScaled("S", Dim(-2, -1, 3, 2), 1.0);
  CheckScaled("mS", Dim(-2, -1, 3, 2), 1e-3);
  CheckScaled("k\u03A9", Dim(2, 1, -3, -2), 1e3);
  // Units without prefixes.
  CheckParseError("kkg", 0, "unknown unit");
  CheckParseError("kmin", 0, "unknown unit");
  CheckParseError("kAU", 0, "unknown unit");
  CheckParseError("mdeg", 0, "unknown unit");
}

TEST_CASE("ParseUnit refuses affine temperature units and says how to convert") {
  CheckParseError("\u00B0C", 0,
                  "\u00B0C is an affine unit at position 0; convert to K (T[K] = "
                  "T[\u00B0C] + 273.15)");
  CheckParseError("degC", 0, "degC is an affine unit");
  CheckParseError("\u2103", 0, "affine unit");
  CheckParseError("\u00B0F", 0, "459.67");
  CheckParseError("degF", 0, "convert to K");
  CheckParseError("J/degC", 2, "affine unit");
  // "C" is the coulomb and "°" a degree of angle.
  CHECK(ParseUnit("C") == Dim(0, 0, 1, 1));
}

TEST_CASE("The dimension text of a scaled unit parses back with scale 1") {
  for (const char* text : {"km/h", "keV", "kJ/(mol*K)", "g/cm^3", "MHz", "Mpc", "deg", "L"}) {
    CAPTURE(text);
    const ParsedUnit unit = ParseUnitWithScale(text);
    const ParsedUnit back = ParseUnitWithScale(unit.dimension.ToUnitString());
    CHECK(back.dimension == unit.dimension);
    CHECK(back.scale == 1.0);
  }
}

TEST_CASE("NearestNames: letter case first, then one edit, then two for longer words") {
  CHECK(EditDistance("", "") == 0);
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("--time-limt", "--time-limit") == 1);
  CHECK(EditDistance("ab", "ba") == 2);
  const std::vector<std::string> names = {"--epochs", "--time-limit", "--seed", "--Seed", "-q"};
  CHECK(NearestNames("--SEED", names) == std::vector<std::string>{"--seed", "--Seed"});
  CHECK(NearestNames("--epoch", names) == std::vector<std::string>{"--epochs"});
  CHECK(NearestNames("--time-limt", names) == std::vector<std::string>{"--time-limit"});
  CHECK(NearestNames("--tme-limt", names) == std::vector<std::string>{"--time-limit"});
  CHECK(NearestNames("--tme-limt", names, 4, 1).empty());
  CHECK(NearestNames("-x", names, 4, 0).empty());
  CHECK(NearestNames("--seeds", names, 1) == std::vector<std::string>{"--seed"});
  CHECK(NearestNames("--frobnicate", names).empty());
  CHECK(DidYouMean({}).empty());
  CHECK(DidYouMean({"a"}) == "did you mean 'a'?");
  CHECK(DidYouMean({"a", "b", "c"}) == "did you mean 'a', 'b' or 'c'?");
}

}  // namespace physr::units
