#include "physr/units/unit_parser.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

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

std::string JoinedKnownSymbols() {
  std::string out;
  for (const std::string& symbol : KnownUnitSymbols()) {
    if (!out.empty()) out += ", ";
    out += symbol;
  }
  return out;
}

// SI prefixes, for the hint on "km", "ms", "µs", ...: physr units carry no scale.
constexpr std::string_view kSiPrefixes[] = {"da", "Y", "Z", "E", "P", "T", "G", "M",
                                            "k",  "h", "d", "c", "m", "u", "\u00B5",
                                            "\u03BC", "n", "p", "f", "a", "z", "y"};

bool LooksPrefixed(std::string_view symbol) {
  for (std::string_view prefix : kSiPrefixes) {
    if (symbol.size() > prefix.size() && symbol.starts_with(prefix) &&
        detail::FindNamedUnit(symbol.substr(prefix.size())) != nullptr) {
      return true;
    }
  }
  return false;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Dimension Parse() {
    SkipSpace();
    if (AtEnd()) return Dimension::Dimensionless();
    Dimension result = ParseProduct(0);
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

  Dimension ParseProduct(int depth) {
    Dimension result = ParsePower(depth);
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
      const Dimension factor = ParsePower(depth);
      try {
        result = divide ? result / factor : result * factor;
      } catch (const std::overflow_error&) {
        Fail("exponent overflow", op_pos, " (the result's exponents are too large)");
      }
    }
  }

  Dimension ParsePower(int depth) {
    Dimension base = ParseAtom(depth);
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
    try {
      return base.Pow(exponent);
    } catch (const std::overflow_error&) {
      Fail("exponent overflow", op_pos, " (the result's exponents are too large)");
    }
  }

  Dimension ParseAtom(int depth) {
    const std::size_t start = pos_;
    const char c = Peek();
    if (c == '(') {
      if (depth >= kMaxUnitNesting) {
        Fail("parentheses nested deeper than " + std::to_string(kMaxUnitNesting), start);
      }
      ++pos_;
      SkipSpace();
      Dimension inner = ParseProduct(depth + 1);
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
             " (only '1' is; physr units carry no scale factors, and rational exponents are "
             "written 'm^(1/2)')");
      }
      return Dimension::Dimensionless();
    }
    if (DotLength() > 0) Fail("expected a unit before " + Found(), start);
    if (IsSymbolByte(c)) {
      while (!AtEnd() && IsSymbolByte(Peek()) && DotLength() == 0) ++pos_;
      const std::string_view symbol = text_.substr(start, pos_ - start);
      if (const detail::NamedUnit* unit = detail::FindNamedUnit(symbol)) return unit->dimension;
      const std::string known = "known: " + JoinedKnownSymbols() + ")";
      Fail("unknown unit '" + Quote(symbol) + "'", start,
           LooksPrefixed(symbol) ? " (physr units have no prefixes; " + known : " (" + known);
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
      Fail("decimal exponents are not supported", start,
           " (write a fraction such as 'm^(1/2)')");
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

Dimension ParseUnit(std::string_view text) { return Parser(text).Parse(); }

const std::vector<std::string>& KnownUnitSymbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> out;
    for (const detail::NamedUnit& unit : detail::SiCatalogue()) out.emplace_back(unit.symbol);
    return out;
  }();
  return symbols;
}

}  // namespace physr::units
