#include "physr/expr/printer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "formula_lexer.hpp"
#include "physr/core/error.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/token.hpp"
#include "physr/units/rational.hpp"
#include "sympy_names.hpp"

namespace physr {
namespace {

// Binding strength of a printed piece, Python's order: sums < products < unary minus <
// powers < atoms (names, numbers, function calls, parenthesised text).
enum Prec : int { kSum = 1, kProduct = 2, kUnary = 3, kPower = 4, kAtom = 5 };

struct Piece {
  std::string text;
  int prec = kAtom;
  // The value when the piece is a bare number, or a unary minus directly on one: the
  // parser folds such exponents (x^2 → n2) and such numerators (1/x → inv), so the infix
  // printer must parenthesise them where the program holds the general form.
  std::optional<double> bare_number;
};

std::string FormatNumber(double value, int precision) {
  std::array<char, 64> buf{};
  const std::to_chars_result r = precision >= 17
                                     ? std::to_chars(buf.data(), buf.data() + buf.size(), value)
                                     : std::to_chars(buf.data(), buf.data() + buf.size(), value,
                                                     std::chars_format::general, precision);
  PHYSR_CHECK(r.ec == std::errc(), "number formatting failed");
  return std::string(buf.data(), r.ptr);
}

enum class Style { kInfix, kSympy, kLatex };

class Printer {
 public:
  Printer(const Program& program, const Library& library, const PrintOptions& options, Style style)
      : program_(program),
        library_(library),
        options_(options),
        style_(style),
        ends_(SubtreeEnds(program.tokens, library)) {
    PHYSR_CHECK(options.precision >= 1, "PrintOptions::precision must be at least 1");
  }

  std::string Print() { return Node(0).text; }

 private:
  Piece Node(std::size_t i) {
    const Token& token = library_[program_.tokens[i]];
    if (token.IsTerminal()) return Terminal(token);
    const std::size_t first = i + 1;
    const std::size_t second = static_cast<std::size_t>(ends_[first]);
    if (style_ == Style::kSympy) {
      if (std::optional<Piece> p = SympyExpPower(i)) return *std::move(p);
      if (token.op == OpCode::kDiv && ExpPower(second, true)) {  // x/exp(u)^k = x*exp(-k*u)
        const auto [k, u] = *ExpPower(second, true);
        return Mul(Node(first), ExpOf(-k, u));
      }
    }
    switch (token.op) {
      case OpCode::kAdd:
        return Binary(Node(first), Node(second), kSum, " + ");
      case OpCode::kSub:
        return Binary(Node(first), Node(second), kSum, " - ");
      case OpCode::kMul:
        return Mul(Node(first), Node(second));
      case OpCode::kDiv:
        return Div(Node(first), Node(second), /*inverse=*/false);
      case OpCode::kInv:
        return Div(Piece{"1", kAtom, 1.0}, Node(first), /*inverse=*/true);
      case OpCode::kPow:
        return Pow(Node(first), Node(second), /*exponent_is_literal_power=*/false);
      case OpCode::kN2:
        return Pow(Node(first), Piece{"2", kAtom, 2.0}, true);
      case OpCode::kN3:
        return Pow(Node(first), Piece{"3", kAtom, 3.0}, true);
      case OpCode::kNeg:
        return Neg(Node(first));
      case OpCode::kSqrt:
        if (style_ == Style::kLatex) return {"\\sqrt{" + Node(first).text + "}", kAtom, {}};
        return Call("sqrt", Node(first));
      case OpCode::kAbs:
        if (style_ == Style::kLatex) return {"\\left|" + Node(first).text + "\\right|", kAtom, {}};
        return Call(style_ == Style::kSympy ? "Abs" : "abs", Node(first));
      case OpCode::kDefined:
        return Defined(token, first, second);
      default:
        return Call(FunctionName(token.op), Node(first));
    }
  }

  // Node i as a power of an exponential, exp(u)^k: (k, where u starts). Bare exp(u) counts
  // only with `bare`.
  std::optional<std::pair<units::Rational, std::size_t>> ExpPower(std::size_t i, bool bare) const {
    const OpCode op = library_[program_.tokens[i]].op;
    if (library_[program_.tokens[i]].IsTerminal()) return std::nullopt;
    if (op == OpCode::kExp) {
      return bare ? std::optional(std::pair(units::Rational(1), i + 1)) : std::nullopt;
    }
    units::Rational factor;
    switch (op) {
      case OpCode::kSqrt:
        factor = units::Rational(1, 2);
        break;
      case OpCode::kInv:
        factor = units::Rational(-1);
        break;
      case OpCode::kN2:
        factor = units::Rational(2);
        break;
      case OpCode::kN3:
        factor = units::Rational(3);
        break;
      default:
        return std::nullopt;
    }
    std::optional<std::pair<units::Rational, std::size_t>> inner = ExpPower(i + 1, true);
    if (inner) inner->first = inner->first * factor;
    return inner;
  }

  // SymPy text of a power of an exponential as one exponential, exp(u)^k = exp(k*u) for every
  // real u: SymPy, not knowing the symbols are real, leaves sqrt(exp(x**2)) alone, so a
  // Gaussian written 1/sqrt(exp(x**2)) would not read as exp(-x**2/2).
  std::optional<Piece> SympyExpPower(std::size_t i) {
    const auto power = ExpPower(i, false);
    if (!power) return std::nullopt;
    return ExpOf(power->first, power->second);
  }

  Piece ExpOf(units::Rational k, std::size_t u) {
    const Piece arg = Node(u);
    if (k == units::Rational(1)) return Call("exp", arg);
    std::string text = arg.prec >= kPower ? arg.text : Paren(arg.text);
    if (k.num() == -1) {
      text = "-" + text;
    } else if (k.num() != 1) {
      text = std::to_string(k.num()) + "*" + text;
    }
    if (k.den() != 1) text += "/" + std::to_string(k.den());
    return Call("exp", Piece{text, kProduct, {}});
  }

  // A defined operator, by name: `hyp(a, b)`, LaTeX `\operatorname{hyp}\left(a, b\right)`.
  Piece Defined(const Token& token, std::size_t first, std::size_t second) {
    Piece args = Node(first);
    if (token.arity == 2) args.text += ", " + Node(second).text;
    if (style_ != Style::kLatex) return Call(token.name, args);
    std::string name;
    for (const char c : token.name) name += c == '_' ? std::string("\\_") : std::string(1, c);
    return Call("\\operatorname{" + name + "}", args);
  }

  std::string_view FunctionName(OpCode op) const {
    const std::string_view name = Info(op).name;
    if (style_ == Style::kInfix) return name;
    if (style_ == Style::kSympy) {
      if (op == OpCode::kArcsin) return "asin";
      if (op == OpCode::kArccos) return "acos";
      if (op == OpCode::kArctan) return "atan";
      return name;
    }
    switch (op) {
      case OpCode::kExp:
        return "\\exp";
      case OpCode::kLog:
        return "\\log";
      case OpCode::kSin:
        return "\\sin";
      case OpCode::kCos:
        return "\\cos";
      case OpCode::kTan:
        return "\\tan";
      case OpCode::kTanh:
        return "\\tanh";
      case OpCode::kArcsin:
        return "\\arcsin";
      case OpCode::kArccos:
        return "\\arccos";
      case OpCode::kArctan:
        return "\\arctan";
      default:
        return name;
    }
  }

  Piece Terminal(const Token& token) const {
    if (token.kind == TokenKind::kFreeConstant && options_.substitute_constants &&
        !program_.constants.empty()) {
      PHYSR_CHECK(
          token.index >= 0 && static_cast<std::size_t>(token.index) < program_.constants.size(),
          "free constant '" + token.name + "' has no value in Program::constants");
      return Number(program_.constants[static_cast<std::size_t>(token.index)], std::nullopt);
    }
    // An exact number spelled with an operator (1/2, 2*pi); 2 and pi print as they are.
    if (const std::optional<ExactNumber> n = ExactNumberOf(token);
        n && n->Text().find_first_of("*/") != std::string::npos) {
      return Exact(*n);
    }
    if (token.kind == TokenKind::kFixedConstant) {
      if (const std::optional<double> v = detail::NumeralValue(token.name)) {
        return Number(
            *v, options_.precision >= 17 ? std::optional<std::string>(token.name) : std::nullopt);
      }
    }
    if (style_ == Style::kSympy) return {SympyName(token), kAtom, {}};
    return {style_ == Style::kLatex ? LatexName(token.name) : token.name, kAtom, {}};
  }

  // A name SymPy would read as its own object (exp, E, I, N, S, gamma, lambda, ...) or that
  // is no identifier prints as Symbol('name'); the fixed constant pi = π stays pi.
  static std::string SympyName(const Token& token) {
    const std::string& name = token.name;
    if (token.kind == TokenKind::kFixedConstant && name == "pi" &&
        token.value == std::numbers::pi) {
      return name;
    }
    if (IsIdentifier(name) && !detail::IsSympyName(name)) return name;
    std::string out = "Symbol('";
    for (const char c : name) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    return out + "')";
  }

  // An exact number written exactly: 1/2 and 2*pi bind as
  // products (SymPy reads them as Rational(1, 2) and 2*pi), \frac{1}{2} as a power.
  Piece Exact(const ExactNumber& n) const {
    if (style_ == Style::kLatex) {
      const std::string text = n.Latex();
      return {text, text.starts_with("\\frac") ? kPower : kProduct, {}};
    }
    return {n.Text(), kProduct, {}};
  }

  Piece Number(double value, std::optional<std::string> text) const {
    Piece p;
    if (!std::isfinite(value)) {
      const bool negative = value < 0;
      if (std::isnan(value)) {
        p.text = style_ == Style::kLatex ? "\\mathrm{NaN}" : "nan";
      } else if (style_ == Style::kSympy) {
        p.text = negative ? "-oo" : "oo";
      } else if (style_ == Style::kLatex) {
        p.text = negative ? "-\\infty" : "\\infty";
      } else {
        p.text = negative ? "-inf" : "inf";
      }
      p.prec = negative ? kUnary : kAtom;
      return p;
    }
    p.text = text ? *text : FormatNumber(value, options_.precision);
    p.bare_number = value;
    if (style_ == Style::kLatex) p.text = LatexNumber(p.text);
    if (!p.text.empty() && p.text[0] == '-') {
      p.prec = kUnary;
    } else if (style_ == Style::kLatex && p.text.find("\\cdot") != std::string::npos) {
      p.prec = kProduct;  // "1.5 \cdot 10^{-5}" needs parentheses as a base
    } else if (style_ == Style::kLatex && p.text.find('^') != std::string::npos) {
      p.prec = kPower;  // so does "10^{-5}"
    }
    return p;
  }

  std::string Paren(const std::string& text) const {
    if (style_ == Style::kLatex) return "\\left(" + text + "\\right)";
    return "(" + text + ")";
  }

  Piece Binary(const Piece& a, const Piece& b, int prec, std::string_view op) const {
    // Left-associative: the left operand may bind equally; the right must bind tighter. A
    // unary minus on the right is parenthesised for readability: a - (-b), a*(-b).
    const std::string left = a.prec < prec ? Paren(a.text) : a.text;
    const bool minus = b.prec == kUnary || (!b.text.empty() && b.text[0] == '-');
    const std::string right = b.prec <= prec || minus ? Paren(b.text) : b.text;
    return {left + std::string(op) + right, prec, {}};
  }

  Piece Mul(const Piece& a, const Piece& b) const {
    if (style_ != Style::kLatex) return Binary(a, b, kProduct, "*");
    // Products are associative on paper: only sums and a leading minus need parentheses.
    const std::string left = a.prec < kProduct ? Paren(a.text) : a.text;
    const bool minus = b.prec == kUnary || (!b.text.empty() && b.text[0] == '-');
    const std::string right = b.prec < kProduct || minus ? Paren(b.text) : b.text;
    const char c = right.empty() ? ' ' : right[0];
    const bool dot = (c >= '0' && c <= '9') || c == '.' || c == '-';
    return {left + (dot ? " \\cdot " : " ") + right, kProduct, {}};
  }

  Piece Div(const Piece& a, const Piece& b, bool inverse) const {
    if (style_ == Style::kLatex) return {"\\frac{" + a.text + "}{" + b.text + "}", kPower, {}};
    // The parser reads a bare 1 over a denominator as inv: keep div(1, x) apart as (1)/x.
    if (style_ == Style::kInfix && !inverse && a.bare_number && *a.bare_number == 1.0 &&
        a.prec == kAtom) {
      return Binary(Piece{Paren(a.text), kAtom, {}}, b, kProduct, "/");
    }
    return Binary(a, b, kProduct, "/");
  }

  Piece Pow(const Piece& base, const Piece& exponent, bool exponent_is_literal_power) const {
    const std::string b = base.prec <= kPower ? Paren(base.text) : base.text;
    if (style_ == Style::kLatex) return {b + "^{" + exponent.text + "}", kPower, {}};
    std::string e = exponent.prec < kUnary ? Paren(exponent.text) : exponent.text;
    // The parser reads x^2, x^3, x^0.5, x^-1 as n2, n3, sqrt, inv: keep pow apart as x^(2).
    if (style_ == Style::kInfix && !exponent_is_literal_power && exponent.bare_number &&
        exponent.prec >= kUnary) {
      const double v = *exponent.bare_number;
      if (v == 2.0 || v == 3.0 || v == 0.5 || v == -1.0) e = Paren(exponent.text);
    }
    return {b + (style_ == Style::kSympy ? "**" : "^") + e, kPower, {}};
  }

  Piece Neg(const Piece& a) const {
    Piece p;
    p.text = "-" + (a.prec <= kUnary ? Paren(a.text) : a.text);
    if (style_ == Style::kLatex && a.prec == kProduct && a.text[0] != '-') {
      p.text = "-" + a.text;  // -a b reads the same as -(a b) on paper
    }
    p.prec = kUnary;
    if (a.bare_number && a.prec == kAtom) p.bare_number = -*a.bare_number;
    return p;
  }

  Piece Call(std::string_view name, const Piece& arg) const {
    if (style_ == Style::kLatex) {
      return {std::string(name) + "\\left(" + arg.text + "\\right)", kAtom, {}};
    }
    return {std::string(name) + "(" + arg.text + ")", kAtom, {}};
  }

  static std::string LatexNumber(const std::string& text) {
    const std::size_t e = text.find_first_of("eE");
    if (e == std::string::npos) return text;
    std::string mantissa = text.substr(0, e);
    std::string_view exp(text);
    exp.remove_prefix(e + 1);
    bool negative = false;
    if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
      negative = exp[0] == '-';
      exp.remove_prefix(1);
    }
    while (exp.size() > 1 && exp[0] == '0') exp.remove_prefix(1);
    std::string power = "10^{" + std::string(negative ? "-" : "") + std::string(exp) + "}";
    if (mantissa == "1") return power;
    if (mantissa == "-1") return "-" + power;
    return mantissa + " \\cdot " + power;
  }

  static bool IsGreek(std::string_view s) {
    static constexpr std::array<std::string_view, 40> kGreek = {
        "alpha",  "beta",     "gamma", "delta",  "epsilon", "varepsilon", "zeta",  "eta",
        "theta",  "vartheta", "iota",  "kappa",  "lambda",  "mu",         "nu",    "xi",
        "pi",     "varpi",    "rho",   "varrho", "sigma",   "varsigma",   "tau",   "upsilon",
        "phi",    "varphi",   "chi",   "psi",    "omega",   "Gamma",      "Delta", "Theta",
        "Lambda", "Xi",       "Pi",    "Sigma",  "Upsilon", "Phi",        "Psi",   "Omega"};
    for (std::string_view g : kGreek) {
      if (g == s) return true;
    }
    return s == "hbar" || s == "ell";
  }

  static std::string LatexWord(std::string_view s) {
    if (s.empty()) return "";
    if (IsGreek(s)) return "\\" + std::string(s);
    if (s.size() == 1) return std::string(s);
    bool digits = true;
    for (char c : s) digits = digits && c >= '0' && c <= '9';
    if (digits) return std::string(s);
    std::string out = "\\mathrm{";
    for (char c : s) {
      if (c == '_' || c == '&' || c == '%' || c == '$' || c == '#' || c == '{' || c == '}') {
        out += '\\';
        out += c;
      } else if (c == '\\' || c == '^' || c == '~') {
        out += "\\textasciitilde{}";
      } else {
        out += c;
      }
    }
    return out + "}";
  }

  // theta → \theta, m1 → m_{1}, x_1 → x_{1}, t_max → t_{\mathrm{max}}, mass → \mathrm{mass}.
  static std::string LatexName(std::string_view name) {
    std::string_view base = name;
    std::string_view sub;
    if (const std::size_t u = name.find('_');
        u != std::string_view::npos && u > 0 && u + 1 < name.size()) {
      base = name.substr(0, u);
      sub = name.substr(u + 1);
    } else {
      std::size_t d = name.size();
      while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9') --d;
      if (d > 0 && d < name.size()) {
        base = name.substr(0, d);
        sub = name.substr(d);
      }
    }
    std::string out = LatexWord(base);
    if (!sub.empty()) out += "_{" + LatexWord(sub) + "}";
    return out;
  }

  const Program& program_;
  const Library& library_;
  const PrintOptions& options_;
  Style style_;
  std::vector<int> ends_;
};

}  // namespace

std::string ToInfix(const Program& program, const Library& library, const PrintOptions& options) {
  return Printer(program, library, options, Style::kInfix).Print();
}

std::string ToSympy(const Program& program, const Library& library, const PrintOptions& options) {
  return Printer(program, library, options, Style::kSympy).Print();
}

std::string ToLatex(const Program& program, const Library& library, const PrintOptions& options) {
  return Printer(program, library, options, Style::kLatex).Print();
}

}  // namespace physr
