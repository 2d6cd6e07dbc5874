#include "physr/units/unit_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "physr/units/nearest_names.hpp"
#include "si_catalogue.hpp"

namespace physr::units {
namespace {

// Error messages quote the input; keep them one short line even for fuzzed or huge inputs.
constexpr std::size_t kMaxQuotedBytes = 64;

std::string Quote(std::string_view text) {
  std::string out;
  std::size_t n = text.size();
  if (n > kMaxQuotedBytes) {
    n = kMaxQuotedBytes;
    // Do not cut a UTF-8 sequence in half: back up to the start of a character.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (n < text.size()) out += "...";
  return out;
}

// The catalogue's symbols, less lookalikes of others (the ohm sign beside Ω), for hints.
const std::vector<std::string>& ListedSymbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> out;
    for (const detail::NamedUnit& unit : detail::SiCatalogue()) {
      if (unit.listed) out.emplace_back(unit.symbol);
    }
    return out;
  }();
  return symbols;
}

std::string JoinedKnownSymbols() {
  std::string out;
  for (const std::string& symbol : ListedSymbols()) {
    if (!out.empty()) out += ", ";
    out += symbol;
  }
  return out;
}

struct Prefix {
  std::string_view symbol;
  double factor;
  std::string_view name;  // written out, for hints; "" for the other ways to write micro
};

// The SI prefixes, "da" before "d" so that "dam" is a decametre. Micro is written "u",
// "µ" (U+00B5 micro sign) or "μ" (U+03BC Greek small mu).
constexpr Prefix kSiPrefixes[] = {
    {"Q", 1e30, "quetta"},  {"R", 1e27, "ronna"}, {"Y", 1e24, "yotta"},  {"Z", 1e21, "zetta"},
    {"E", 1e18, "exa"},     {"P", 1e15, "peta"},  {"T", 1e12, "tera"},   {"G", 1e9, "giga"},
    {"M", 1e6, "mega"},     {"k", 1e3, "kilo"},   {"h", 1e2, "hecto"},   {"da", 1e1, "deca"},
    {"d", 1e-1, "deci"},    {"c", 1e-2, "centi"}, {"m", 1e-3, "milli"},  {"u", 1e-6, "micro"},
    {"\u00B5", 1e-6, ""},   {"\u03BC", 1e-6, ""}, {"n", 1e-9, "nano"},   {"p", 1e-12, "pico"},
    {"f", 1e-15, "femto"},  {"a", 1e-18, "atto"}, {"z", 1e-21, "zepto"}, {"y", 1e-24, "yocto"},
    {"q", 1e-30, "quecto"}, {"r", 1e-27, "ronto"}};

// Temperature scales with an offset: a value in them is not a multiple of the kelvin.
struct AffineUnit {
  std::string_view symbol;
  std::string_view conversion;
};
constexpr AffineUnit kAffineUnits[] = {
    {"\u00B0C", "convert to K (T[K] = T[\u00B0C] + 273.15)"},
    {"degC", "convert to K (T[K] = T[degC] + 273.15)"},
    {"\u2103", "convert to K (T[K] = T[\u2103] + 273.15)"},
    {"\u00B0F", "convert to K (T[K] = (T[\u00B0F] + 459.67) * 5/9)"},
    {"degF", "convert to K (T[K] = (T[degF] + 459.67) * 5/9)"},
    {"\u2109", "convert to K (T[K] = (T[\u2109] + 459.67) * 5/9)"},
};

// Resolves a symbol: a whole catalogue name first ("min", "cd", "Pa", "G", "mol", "kat"),
// then the longest SI prefix followed by a catalogue name that takes prefixes ("ms", "GPa",
// "keV"). Returns false when neither reads it.
bool ResolveSymbol(std::string_view symbol, ParsedUnit& out) {
  if (const detail::NamedUnit* unit = detail::FindNamedUnit(symbol)) {
    out = {unit->dimension, unit->scale};
    return true;
  }
  for (const Prefix& prefix : kSiPrefixes) {
    if (symbol.size() <= prefix.symbol.size() || !symbol.starts_with(prefix.symbol)) continue;
    const detail::NamedUnit* unit = detail::FindNamedUnit(symbol.substr(prefix.symbol.size()));
    if (unit != nullptr && unit->prefixable) {
      out = {unit->dimension, prefix.factor * unit->scale};
      return true;
    }
  }
  return false;
}

// Every symbol read as one unit: the listed catalogue symbols and their prefixed forms ("km").
const std::vector<std::string>& SymbolsWithPrefixes() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> out = ListedSymbols();
    for (const Prefix& prefix : kSiPrefixes) {
      if (prefix.name.empty()) continue;
      for (const detail::NamedUnit& unit : detail::SiCatalogue()) {
        if (unit.prefixable && unit.listed) {
          out.push_back(std::string(prefix.symbol) + std::string(unit.symbol));
        }
      }
    }
    return out;
  }();
  return symbols;
}

// The symbol of a unit written out, in any case, singular or plural, with a written-out
// prefix: "Kelvin" → "K", "metres" → "m", "kilowatts" → "kW", "sec" → "s"; "" if none.
std::string SpelledSymbol(std::string_view word) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto spelled = [](std::string_view stem, bool prefixed) -> std::string_view {
    for (const detail::SpelledUnit& unit : detail::SpelledUnits()) {
      const detail::NamedUnit* named = detail::FindNamedUnit(unit.symbol);
      if (stem == unit.name && (!prefixed || (named != nullptr && named->prefixable))) {
        return unit.symbol;
      }
    }
    return {};
  };
  std::vector<std::string_view> stems = {lower};
  if (lower.ends_with("es")) stems.push_back(std::string_view(lower).substr(0, lower.size() - 2));
  if (lower.ends_with('s')) stems.push_back(std::string_view(lower).substr(0, lower.size() - 1));
  for (std::string_view stem : stems) {
    if (std::string_view symbol = spelled(stem, false); !symbol.empty()) return std::string(symbol);
    for (const Prefix& prefix : kSiPrefixes) {
      if (prefix.name.empty() || !stem.starts_with(prefix.name)) continue;
      const std::string_view symbol = spelled(stem.substr(prefix.name.size()), true);
      if (!symbol.empty()) return std::string(prefix.symbol) + std::string(symbol);
    }
  }
  return "";
}

// The units an unknown symbol may have meant: the unit written out ("seconds" → s); else a
// symbol with a plural s ("hrs" → hr), symbols (prefixed too) that differ only in letter
// case ("kw" → kW, "Mev" → MeV or meV) and products of two symbols written without an
// operator ("Nm" → N*m); else the catalogue symbols one edit away (two for symbols of five
// bytes or more).
std::vector<std::string> UnitSuggestions(std::string_view symbol) {
  constexpr std::size_t kMaxSuggestions = 4;
  if (std::string spelled = SpelledSymbol(symbol); !spelled.empty()) return {spelled};
  std::vector<std::string> near;
  ParsedUnit unit;
  if (symbol.ends_with('s') && ResolveSymbol(symbol.substr(0, symbol.size() - 1), unit)) {
    near.emplace_back(symbol.substr(0, symbol.size() - 1));
  }
  for (const std::string& name : NearestNames(symbol, SymbolsWithPrefixes(), kMaxSuggestions, 0)) {
    near.push_back(name);
  }
  for (const std::string& first : ListedSymbols()) {
    if (!symbol.starts_with(first)) continue;
    const detail::NamedUnit* second = detail::FindNamedUnit(symbol.substr(first.size()));
    if (second != nullptr && second->listed) {
      near.push_back(first + "*" + std::string(second->symbol));
    }
  }
  if (near.size() > kMaxSuggestions) near.resize(kMaxSuggestions);
  if (near.empty()) near = NearestNames(symbol, ListedSymbols(), kMaxSuggestions);
  return near;
}

// The hint after "unknown unit 'x'": the units it may have meant, then the known symbols.
std::string UnknownUnitHint(std::string_view symbol) {
  std::string hint = " (";
  if (const std::vector<std::string> near = UnitSuggestions(symbol); !near.empty()) {
    hint += DidYouMean(near) + "; ";
  }
  hint += "known: " + JoinedKnownSymbols() + ", most with SI prefixes such as km, ns, MeV)";
  return hint;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParsedUnit Parse() {
    SkipSpace();
    if (AtEnd()) return {};
    ParsedUnit result = ParseProduct(0);
    // ParseProduct stops only at the end or at a ')' it cannot match.
    if (!AtEnd()) Fail("unbalanced ')'", pos_);
    return result;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  // Byte length of a multiplication dot (U+00B7 or U+22C5) at pos_, or 0.
  std::size_t DotLength() const {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("\u00B7")) return 2;
    if (rest.starts_with("\u22C5")) return 3;
    return 0;
  }
  // Byte length of a power operator ("^" or "**") at pos_, or 0.
  std::size_t PowerOperatorLength() const {
    if (Peek() == '^') return 1;
    if (Peek() == '*' && Peek(1) == '*') return 2;
    return 0;
  }

  [[noreturn]] void Fail(const std::string& what, std::size_t position,
                         const std::string& note = "") const {
    std::string message = "bad unit '";
    message += Quote(text_);
    message += "': ";
    message += what;
    message += " at position ";
    message += std::to_string(position);
    message += note;
    throw UnitParseError(message, position);
  }

  // Describes the byte at pos_ for "expected ... but found X" style messages.
  std::string Found() const {
    if (AtEnd()) return "the end";
    std::size_t n = 1;  // the whole UTF-8 character, not just its first byte
    while (n < 4 && pos_ + n < text_.size() &&
           (static_cast<unsigned char>(text_[pos_ + n]) & 0xC0) == 0x80) {
      ++n;
    }
    return "'" + Quote(text_.substr(pos_, n)) + "'";
  }

  // Fails unless `scale` is a finite, positive double (m^1000 of a big prefix is not).
  void CheckScale(double scale, std::size_t position) const {
    if (!(scale > 0.0) || !std::isfinite(scale)) {
      Fail("scale factor out of range", position,
           " (the unit is too large or too small for a double in SI units)");
    }
  }

  ParsedUnit ParseProduct(int depth) {
    ParsedUnit result = ParsePower(depth);
    for (;;) {
      const std::size_t before_space = pos_;
      SkipSpace();
      if (AtEnd() || Peek() == ')') return result;
      const std::size_t op_pos = pos_;
      if (PowerOperatorLength() > 0) {
        Fail("a power cannot be raised again without parentheses", op_pos, " (write '(m^2)^3')");
      }
      bool divide = false;
      if (Peek() == '*') {
        ++pos_;
      } else if (Peek() == '/') {
        divide = true;
        ++pos_;
      } else if (const std::size_t dot = DotLength(); dot > 0) {
        pos_ += dot;
      } else if (pos_ == before_space) {
        Fail("expected '*', '/' or a space before " + Found(), op_pos);
      }
      // Otherwise whitespace alone separated the factors: a product.
      SkipSpace();
      const ParsedUnit factor = ParsePower(depth);
      try {
        result.dimension =
            divide ? result.dimension / factor.dimension : result.dimension * factor.dimension;
      } catch (const std::overflow_error&) {
        Fail("exponent overflow", op_pos, " (the result's exponents are too large)");
      }
      result.scale = divide ? result.scale / factor.scale : result.scale * factor.scale;
      CheckScale(result.scale, op_pos);
    }
  }

  ParsedUnit ParsePower(int depth) {
    ParsedUnit base = ParseAtom(depth);
    const std::size_t after_atom = pos_;
    if (IsDigit(Peek())) {
      Fail("an exponent needs '^'", pos_, " (write 'm^2', not 'm2')");
    }
    SkipSpace();
    const std::size_t op_pos = pos_;
    const std::size_t op_length = PowerOperatorLength();
    if (op_length == 0) {
      pos_ = after_atom;  // the space, if any, is the product's business
      return base;
    }
    pos_ += op_length;
    SkipSpace();
    const Rational exponent = ParseExponent();
    ParsedUnit result;
    try {
      result.dimension = base.dimension.Pow(exponent);
    } catch (const std::overflow_error&) {
      Fail("exponent overflow", op_pos, " (the result's exponents are too large)");
    }
    if (base.scale != 1.0) {
      result.scale = exponent.den() == 1
                         ? std::pow(base.scale, static_cast<double>(exponent.num()))
                         : std::pow(base.scale, static_cast<double>(exponent.num()) /
                                                    static_cast<double>(exponent.den()));
      CheckScale(result.scale, op_pos);
    }
    return result;
  }

  ParsedUnit ParseAtom(int depth) {
    const std::size_t start = pos_;
    const char c = Peek();
    if (c == '(') {
      if (depth >= kMaxUnitNesting) {
        Fail("parentheses nested deeper than " + std::to_string(kMaxUnitNesting), start);
      }
      ++pos_;
      SkipSpace();
      ParsedUnit inner = ParseProduct(depth + 1);
      if (Peek() != ')') {
        Fail("expected ')' but found " + Found(), pos_,
             " (to close the '(' at position " + std::to_string(start) + ")");
      }
      ++pos_;
      return inner;
    }
    if (IsDigit(c)) {
      while (IsDigit(Peek())) ++pos_;
      const std::string_view number = text_.substr(start, pos_ - start);
      if (number != "1" || Peek() == '.') {
        Fail("the number '" + Quote(number) + "' is not a unit", start,
             " (only '1' is; write a prefixed unit such as 'km' or 'ms' for a scale, and "
             "rational exponents as 'm^(1/2)')");
      }
      return {};
    }
    if (DotLength() > 0) Fail("expected a unit before " + Found(), start);
    if (IsSymbolByte(c)) {
      while (!AtEnd() && IsSymbolByte(Peek()) && DotLength() == 0) ++pos_;
      const std::string_view symbol = text_.substr(start, pos_ - start);
      for (const AffineUnit& affine : kAffineUnits) {
        if (symbol == affine.symbol) {
          Fail(std::string(affine.symbol) + " is an affine unit", start,
               "; " + std::string(affine.conversion));
        }
      }
      ParsedUnit unit;
      if (ResolveSymbol(symbol, unit)) return unit;
      Fail("unknown unit '" + Quote(symbol) + "'", start, UnknownUnitHint(symbol));
    }
    if (AtEnd()) Fail("expected a unit", start);
    if (c == ')' || c == '*' || c == '/' || c == '^') {
      Fail("expected a unit before " + Found(), start);
    }
    Fail("unexpected character " + Found(), start);
  }

  // Letters, '_' and every non-ASCII byte (so UTF-8 symbols like "Ω" lex as one word).
  static bool IsSymbolByte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }

  Rational ParseExponent() {
    if (Peek() != '(') return Rational(ParseInteger(/*allow_sign=*/true));
    const std::size_t open = pos_;
    ++pos_;
    SkipSpace();
    const std::int64_t num = ParseInteger(/*allow_sign=*/true);
    SkipSpace();
    std::int64_t den = 1;
    if (Peek() == '/') {
      ++pos_;
      SkipSpace();
      const std::size_t den_pos = pos_;
      den = ParseInteger(/*allow_sign=*/false);
      if (den == 0) Fail("zero denominator in the exponent", den_pos);
      SkipSpace();
    }
    if (Peek() != ')') {
      Fail("expected ')' but found " + Found(), pos_,
           " (to close the exponent's '(' at position " + std::to_string(open) + ")");
    }
    ++pos_;
    return Rational(num, den);
  }

  // An integer literal with at most kMaxUnitExponent in magnitude. Digits beyond that are
  // still consumed (without overflow) so the error names the whole literal.
  std::int64_t ParseInteger(bool allow_sign) {
    const std::size_t start = pos_;
    bool negative = false;
    if (allow_sign && (Peek() == '-' || Peek() == '+')) {
      negative = Peek() == '-';
      ++pos_;
    }
    const std::size_t digits_start = pos_;
    std::int64_t value = 0;
    while (IsDigit(Peek())) {
      if (value <= kMaxUnitExponent) value = value * 10 + (Peek() - '0');
      ++pos_;
    }
    if (pos_ == digits_start) Fail("expected an exponent", pos_);
    if (Peek() == '.') {
      Fail("decimal exponents are not supported", start, " (write a fraction such as 'm^(1/2)')");
    }
    if (value > kMaxUnitExponent) {
      Fail("exponent '" + Quote(text_.substr(start, pos_ - start)) + "' out of range", start,
           " (at most " + std::to_string(kMaxUnitExponent) + " in magnitude)");
    }
    return negative ? -value : value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

ParsedUnit ParseUnitWithScale(std::string_view text) { return Parser(text).Parse(); }

Dimension ParseUnit(std::string_view text) { return Parser(text).Parse().dimension; }

const std::vector<std::string>& KnownUnitSymbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> out;
    for (const detail::NamedUnit& unit : detail::SiCatalogue()) out.emplace_back(unit.symbol);
    return out;
  }();
  return symbols;
}

}  // namespace physr::units
