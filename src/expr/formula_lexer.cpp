#include "formula_lexer.hpp"

#include <array>
#include <charconv>

#include "physr/core/error.hpp"

namespace physr::detail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

}  // namespace

void ThrowFormulaError(std::string_view text, const std::string& what) {
  throw InputError("formula '" + std::string(text) + "': " + what);
}

void ThrowFormulaError(std::string_view text, const std::string& what, int column) {
  std::string message = what + " at column " + std::to_string(column);
  if (column > static_cast<int>(text.size())) message += " (end of input)";
  ThrowFormulaError(text, message);
}

std::optional<double> NumeralValue(std::string_view name) {
  if (name.empty()) return std::nullopt;
  const char c = name[0];
  if (!(c == '-' || c == '.' || IsDigit(c))) return std::nullopt;
  double value = 0.0;
  const auto r = std::from_chars(name.data(), name.data() + name.size(), value);
  if (r.ec != std::errc() || r.ptr != name.data() + name.size()) return std::nullopt;
  return value;
}

std::string ShortestNumeral(double value) {
  std::array<char, 64> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  PHYSR_CHECK(r.ec == std::errc(), "number formatting failed");
  return std::string(buf.data(), r.ptr);
}

void FormulaLexer::Advance() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                 text_[pos_] == '\r')) {
    ++pos_;
  }
  current_ = Lexeme{};
  current_.column = static_cast<int>(pos_) + 1;
  if (pos_ >= text_.size()) {
    current_.kind = Lex::kEnd;
    current_.text = "end of input";
    return;
  }
  const std::size_t start = pos_;
  const char c = text_[pos_];
  if (IsDigit(c) || c == '.') {
    LexNumber();
    return;
  }
  if (IsNameStart(c)) {
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    current_.kind = Lex::kName;
    current_.text = text_.substr(start, pos_ - start);
    return;
  }
  ++pos_;
  switch (c) {
    case '+':
      current_.kind = Lex::kPlus;
      break;
    case '-':
      current_.kind = Lex::kMinus;
      break;
    case '*':
      current_.kind = Lex::kStar;
      if (pos_ < text_.size() && text_[pos_] == '*') {
        ++pos_;
        current_.kind = Lex::kCaret;
      }
      break;
    case '/':
      current_.kind = Lex::kSlash;
      break;
    case '^':
      current_.kind = Lex::kCaret;
      break;
    case '(':
      current_.kind = Lex::kLParen;
      break;
    case ')':
      current_.kind = Lex::kRParen;
      break;
    case ',':
      current_.kind = Lex::kComma;
      break;
    default:
      if (static_cast<unsigned char>(c) >= 0x80) {
        ThrowFormulaError(text_, "unexpected non-ASCII character", current_.column);
      }
      ThrowFormulaError(text_, "unexpected character '" + std::string(1, c) + "'", current_.column);
  }
  current_.text = text_.substr(start, pos_ - start);
}

// digits and dots, then optionally e/E, a sign and digits; validated as a whole so that
// "1e", "1.2.3" and "." are reported as one bad number.
void FormulaLexer::LexNumber() {
  const std::size_t start = pos_;
  while (pos_ < text_.size() && (IsDigit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  }
  current_.kind = Lex::kNumber;
  current_.text = text_.substr(start, pos_ - start);
  const std::string_view t = current_.text;
  const std::size_t e = t.find_first_of("eE");
  const std::string_view mantissa = t.substr(0, e);
  int dots = 0;
  int digits = 0;
  for (char ch : mantissa) (ch == '.' ? dots : digits) += 1;
  bool ok = dots <= 1 && digits > 0;
  if (e != std::string_view::npos) {
    std::string_view exponent = t.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
      exponent.remove_prefix(1);
    }
    ok = ok && !exponent.empty();
  }
  if (!ok) ThrowFormulaError(text_, "bad number '" + std::string(t) + "'", current_.column);
  const auto r = std::from_chars(t.data(), t.data() + t.size(), current_.value);
  if (r.ec == std::errc::result_out_of_range) {
    ThrowFormulaError(text_, "number '" + std::string(t) + "' out of range", current_.column);
  }
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) {
    ThrowFormulaError(text_, "bad number '" + std::string(t) + "'", current_.column);
  }
  if (pos_ < text_.size() && IsNameStart(text_[pos_])) {
    ThrowFormulaError(text_, "bad number '" + std::string(t) + std::string(1, text_[pos_]) + "'",
                      current_.column);
  }
}

}  // namespace physr::detail
