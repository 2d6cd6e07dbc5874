// Fuzz harness: bytes → units::ParseUnitWithScale. Only UnitParseError may escape;
// a parsed scale is finite and positive; a parsed dimension whose exponents are within
// the literal range must print (ToUnitString, coherent SI) to text that parses back to
// the same dimension with scale 1.
#include <cmath>
#include <string_view>

#include "fuzz_targets.hpp"
#include "physr/units/unit_parser.hpp"

namespace {

constexpr const char* kHarness = "unit_fuzz";

bool PrintableExponents(const physr::units::Dimension& d) {
  for (int i = 0; i < physr::units::kNumBaseDimensions; ++i) {
    const physr::units::Rational r = d.exponents()[static_cast<std::size_t>(i)];
    if (r.num() > physr::units::kMaxUnitExponent || r.num() < -physr::units::kMaxUnitExponent ||
        r.den() > physr::units::kMaxUnitExponent) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  physr::units::Dimension dimension;
  try {
    const physr::units::ParsedUnit parsed = physr::units::ParseUnitWithScale(text);
    if (!(parsed.scale > 0.0) || !std::isfinite(parsed.scale)) {
      physr::fuzz::Fail(kHarness, "a parsed scale is not finite and positive");
    }
    dimension = parsed.dimension;
  } catch (const physr::units::UnitParseError& e) {
    if (e.position() > size) physr::fuzz::Fail(kHarness, "error position past the input");
    return 0;
  }
  if (!PrintableExponents(dimension)) return 0;
  const std::string printed = dimension.ToUnitString();
  physr::units::ParsedUnit again;
  try {
    again = physr::units::ParseUnitWithScale(printed);
  } catch (const physr::units::UnitParseError&) {
    physr::fuzz::Fail(kHarness, "ToUnitString printed text ParseUnit rejects");
  }
  if (!(again.dimension == dimension)) {
    physr::fuzz::Fail(kHarness, "unit round trip changed the dimension");
  }
  if (again.scale != 1.0) physr::fuzz::Fail(kHarness, "printed SI text has a scale other than 1");
  return 0;
}
