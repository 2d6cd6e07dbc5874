// Tests of the command-line helpers: the JSON writer (escaping, numbers, structure), the
// parsing of --const / --free-const / --units / --delimiter / --ignore values, the JSON
// sidecars of datasets, and number formatting.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "physr/core/error.hpp"
#include "report.hpp"
#include "sidecar.hpp"

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

TEST_CASE("ParseDelimiter and MakeCsvOptions read the data flags") {
  CHECK(ParseDelimiter(",") == CsvDelimiter::kComma);
  CHECK(ParseDelimiter(";") == CsvDelimiter::kSemicolon);
  CHECK(ParseDelimiter("tab") == CsvDelimiter::kTab);
  CHECK(ParseDelimiter("\t") == CsvDelimiter::kTab);
  CHECK(ParseDelimiter("space") == CsvDelimiter::kWhitespace);
  CHECK(ParseDelimiter("whitespace") == CsvDelimiter::kWhitespace);
  CHECK(ParseDelimiter("") == CsvDelimiter::kAuto);
  CHECK_THROWS_AS(ParseDelimiter("|"), InputError);

  DataFlags flags;
  flags.ignore = {"a", " b "};
  flags.delimiter = ";";
  DatasetOptions dataset;
  const CsvOptions options = MakeCsvOptions(flags, dataset);
  CHECK(options.ignore == std::vector<std::string>{"a", "b"});
  CHECK(options.delimiter == CsvDelimiter::kSemicolon);
  dataset.sigma = "b";
  CHECK_THROWS_WITH_AS(MakeCsvOptions(flags, dataset), "--ignore ' b ': column 'b' is the sigma",
                       InputError);
}

TEST_CASE("ReadSidecarUnits reads the column units of a dataset's JSON file") {
  CHECK(SidecarPath("d/x.csv") == "d/x.json");
  CHECK(SidecarPath("x") == "x.json");
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "physr_cli_support_sidecar.json").string();
  const auto write = [&](const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  };
  const auto error = [&]() -> std::string {
    try {
      ReadSidecarUnits(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "<no error>";
  };
  write(R"({"name": "x", "columns": {"v": {"unit": "m/s", "description": "d"}, "n": {}}})");
  const auto units = ReadSidecarUnits(path);
  REQUIRE(units.has_value());
  CHECK(*units == std::map<std::string, std::string>{{"v", "m/s"}});
  write(R"({"best": null, "pareto": []})");  // a --json result, not a sidecar
  CHECK_FALSE(ReadSidecarUnits(path).has_value());
  write("{\n  \"columns\": {\"v\": {\"unit\": \"m\"},}\n}");
  CHECK(error().rfind(path + ":2:34: not valid JSON: ", 0) == 0);
  write(R"({"columns": {"v": {"unit": 1}}})");
  CHECK(error() == path + ": columns.\"v\".unit must be a string, like \"m/s\"");
  write(R"({"columns": ["v"]})");
  CHECK(error().rfind(path + ": \"columns\" must be an object", 0) == 0);
  write("[]");
  CHECK(error() == path + ": the top level must be a JSON object");
  std::filesystem::remove(path);
  CHECK_FALSE(ReadSidecarUnits(path).has_value());
}

TEST_CASE("FormatNumber") {
  CHECK(FormatNumber(1.0) == "1");
  CHECK(FormatNumber(1.0 / 3.0, 3) == "0.333");
  CHECK(FormatNumber(std::nan("")) == "nan");
  CHECK(FormatNumber(-std::numeric_limits<double>::infinity()) == "-inf");
}

}  // namespace
}  // namespace physr::cli
