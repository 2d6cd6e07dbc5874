// Lexer for infix formulas, and the numeral helpers that the parser and the printers share
// (a numeral token such as "2" or "1e-05" is a fixed constant named by its value). Private
// to src/expr; the public entry points are ParseFormula and the printers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace physr::detail {

enum class Lex {
  kNumber,
  kName,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kCaret,
  kLParen,
  kRParen,
  kComma,
  kEnd
};

struct Lexeme {
  Lex kind = Lex::kEnd;
  std::string_view text;  // a view into the formula; "end of input" at the end
  int column = 0;         // 1-based
  double value = 0.0;     // kNumber only
};

// Throws InputError "formula '<text>': <what>", or with a column
// "formula '<text>': <what> at column N", adding " (end of input)" past the last character.
[[noreturn]] void ThrowFormulaError(std::string_view text, const std::string& what);
[[noreturn]] void ThrowFormulaError(std::string_view text, const std::string& what, int column);

// Splits a formula into lexemes: unsigned numbers (1, 2.5, .5, 1.5e-3), identifiers
// [A-Za-z_][A-Za-z0-9_]*, + - * / ^ (and ** as ^), parentheses and commas; whitespace is
// skipped. Advance throws InputError (via ThrowFormulaError) on an unknown character or a
// malformed or out-of-range number. Keeps a view of `text`, which must outlive it.
class FormulaLexer {
 public:
  explicit FormulaLexer(std::string_view text) : text_(text) {}
  const Lexeme& current() const { return current_; }
  void Advance();

 private:
  void LexNumber();

  std::string_view text_;
  std::size_t pos_ = 0;
  Lexeme current_;
};

// The value of a name that is a complete numeral ("2", "0.5", "1e-05", "-1"), else nullopt.
std::optional<double> NumeralValue(std::string_view name);
// The shortest text that reads back as exactly `value` ("2", "0.1", "1e-05").
std::string ShortestNumeral(double value);

}  // namespace physr::detail
