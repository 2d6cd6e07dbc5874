// Tests of the command-line helpers: the JSON writer (escaping, numbers, structure), the
// parsing of --const / --free-const / --units values, and number formatting.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "physr/core/error.hpp"
#include "report.hpp"

namespace physr::cli {
namespace {

TEST_CASE("JsonString escapes quotes, backslashes and control characters") {
  CHECK(JsonString("plain") == "\"plain\"");
  CHECK(JsonString("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(JsonString("line\nnext\ttab\r") == "\"line\\nnext\\ttab\\r\"");
  CHECK(JsonString(std::string("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
  CHECK(JsonString(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
}

TEST_CASE("JsonString keeps valid UTF-8 and replaces invalid bytes") {
  CHECK(JsonString("\u00b1 \u03a9 \U0001F600") == "\"\u00b1 \u03a9 \U0001F600\"");
  CHECK(JsonString("a\xff"
                   "b") == "\"a\\ufffdb\"");                         // not a lead byte
  CHECK(JsonString("\xc3") == "\"\\ufffd\"");                        // truncated sequence
  CHECK(JsonString("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong '/'
  CHECK(JsonString("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
}

TEST_CASE("JsonNumber round-trips doubles and writes non-finite values as null") {
  const std::vector<double> values = {
      0.0,         1.0,       -2.5,  0.1,       1.0 / 3.0,
      299792458.0, 6.674e-11, 1e300, -4.9e-324, std::numeric_limits<double>::max()};
  for (const double x : values) {
    const std::string text = JsonNumber(x);
    CAPTURE(text);
    double back = 0.0;  // from_chars: strtod would flag subnormals as out of range
    const auto result = std::from_chars(text.data(), text.data() + text.size(), back);
    CHECK(result.ec == std::errc());
    CHECK(result.ptr == text.data() + text.size());
    CHECK(back == x);
  }
  CHECK(JsonNumber(0.1) == "0.1");
  CHECK(JsonNumber(3.0) == "3");
  CHECK(JsonNumber(std::nan("")) == "null");
  CHECK(JsonNumber(std::numeric_limits<double>::infinity()) == "null");
  CHECK(JsonNumber(-std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("JsonWriter writes nested objects and arrays with commas and indentation") {
  std::ostringstream out;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("name", "E");
  w.Field("r2", 1.0);
  w.Key("list");
  w.BeginArray();
  w.Integer(1);
  w.Null();
  w.Bool(false);
  w.EndArray();
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  CHECK(w.done());
  CHECK(out.str() ==
        "{\n"
        "  \"name\": \"E\",\n"
        "  \"r2\": 1,\n"
        "  \"list\": [\n"
        "    1,\n"
        "    null,\n"
        "    false\n"
        "  ],\n"
        "  \"empty\": {}\n"
        "}\n");
}

TEST_CASE("ParseFixedConstant reads NAME[UNIT]=VALUE") {
  const FixedConstantSpec c = ParseFixedConstant("c[m/s]=2.998e8");
  CHECK(c.name == "c");
  CHECK(c.value == 2.998e8);
  CHECK(c.dimension == Dimension::FromInts({1, 0, -1}));

  const FixedConstantSpec k = ParseFixedConstant(" k = +2 ");
  CHECK(k.name == "k");
  CHECK(k.value == 2.0);
  CHECK(k.dimension.IsDimensionless());

  CHECK(ParseFixedConstant("h[]=-1").dimension.IsDimensionless());
  CHECK(ParseFixedConstant("G[m^3/(kg*s^2)]=6.674e-11").dimension ==
        Dimension::FromInts({3, -1, -2}));
}

TEST_CASE("Constants given in scaled units are converted to coherent SI") {
  const FixedConstantSpec c = ParseFixedConstant("c[km/s]=3e5");
  CHECK(c.value == doctest::Approx(3e8).epsilon(1e-15));
  CHECK(c.dimension == Dimension::FromInts({1, 0, -1}));
  CHECK(ParseFixedConstant("E[keV]=2").value == doctest::Approx(3.204353268e-16).epsilon(1e-15));
  const FreeConstantSpec m = ParseFreeConstant("m[g]=5");
  CHECK(m.initial_value == doctest::Approx(5e-3).epsilon(1e-15));
  CHECK(m.dimension == Dimension::FromInts({0, 1}));
  CHECK(ParseFreeConstant("m[g]").initial_value == 1.0);  // the default start is not scaled
}

TEST_CASE("ParseFixedConstant rejects bad syntax with a message quoting the flag value") {
  const auto message = [](const std::string& text) {
    try {
      ParseFixedConstant(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("c[m/s]").find("--const 'c[m/s]': missing '=VALUE'") == 0);
  CHECK(message("c[m/s=3").find("--const 'c[m/s=3': missing ']'") == 0);
  CHECK(message("c[m/s]x=3").find("unexpected text after ']'") != std::string::npos);
  CHECK(message("c=").find("missing value") != std::string::npos);
  CHECK(message("c=1,5").find("'1,5' is not a number") != std::string::npos);
  CHECK(message("c=++1").find("is not a number") != std::string::npos);
  CHECK(message("c=nan").find("finite") != std::string::npos);
  CHECK(message("=3").find("missing constant name") != std::string::npos);
  CHECK(message("2c=3").find("'2c' is not a valid name") != std::string::npos);
  CHECK(message("c[furlong]=3").find("--const 'c[furlong]=3': bad unit") == 0);
}

TEST_CASE("ParseFreeConstant reads NAME[UNIT] with an optional start value") {
  const FreeConstantSpec k = ParseFreeConstant("k[kg]");
  CHECK(k.name == "k");
  CHECK(k.dimension == Dimension::FromInts({0, 1}));
  CHECK(k.initial_value == 1.0);
  CHECK(ParseFreeConstant("w=0.5").initial_value == 0.5);
  CHECK(ParseFreeConstant("w").dimension.IsDimensionless());
  CHECK_THROWS_AS(ParseFreeConstant("k[kg"), InputError);
  CHECK_THROWS_AS(ParseFreeConstant("k=abc"), InputError);
  CHECK_THROWS_AS(ParseFreeConstant(""), InputError);
}

TEST_CASE("ParseUnitOverrides splits NAME=UNIT lists") {
  const auto units = ParseUnitOverrides("v=m/s, E = kg*m^2/s^2,theta=");
  REQUIRE(units.size() == 3);
  CHECK(units.at("v") == "m/s");
  CHECK(units.at("E") == "kg*m^2/s^2");
  CHECK(units.at("theta").empty());
  CHECK_THROWS_AS(ParseUnitOverrides("v"), InputError);
  CHECK_THROWS_AS(ParseUnitOverrides("=m"), InputError);
  CHECK_THROWS_AS(ParseUnitOverrides("v=m/s,v=m"), InputError);
  CHECK_THROWS_AS(ParseUnitOverrides("v=m/"), InputError);
  CHECK_THROWS_AS(ParseUnitOverrides("v=m,"), InputError);
}

TEST_CASE("FormatNumber") {
  CHECK(FormatNumber(1.0) == "1");
  CHECK(FormatNumber(1.0 / 3.0, 3) == "0.333");
  CHECK(FormatNumber(std::nan("")) == "nan");
  CHECK(FormatNumber(-std::numeric_limits<double>::infinity()) == "-inf");
}

}  // namespace
}  // namespace physr::cli
