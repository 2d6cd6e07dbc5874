#include "physr/expr/parser.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "formula_lexer.hpp"
#include "physr/core/error.hpp"
#include "physr/expr/exact_number.hpp"

namespace physr {
namespace {

using detail::Lex;
using detail::Lexeme;

// Recursion guard: parentheses, unary minus and exponents nest the parser's own calls.
// ToInfix spends at most two such levels per tree level (a parenthesis and a sign or an
// exponent, as in "-(-(x))" or "a*(-(b*(-c)))"), so this is twice kMaxRoundTripDepth: the
// printed form of every program up to that depth parses back. About 4 KiB of stack per
// level in sanitizer builds, 2 MiB at the limit.
constexpr int kMaxRoundTripDepth = 250;
constexpr int kMaxNesting = 2 * kMaxRoundTripDepth;
// Tree depth guard: long chains such as a+b+c+... nest the program without nesting the
// parser; later recursive passes (printing, emission) stay within this depth.
constexpr int kMaxTreeDepth = 1000;

// One parsed node. Literals stay values until emission, so that the folds below do not
// leave unused literal tokens in the library.
struct Node {
  enum class Kind { kOperator, kTerminal, kLiteral, kPi } kind = Kind::kTerminal;
  OpCode op = OpCode::kVariable;
  TokenId id = 0;
  double value = 0.0;
  int column = 0;
  int depth = 1;
  bool parenthesized = false;  // written inside its own parentheses: never folded
  std::array<int, 2> children{-1, -1};
};

struct FunctionName {
  std::string_view name;
  OpCode op;
};
constexpr std::array<FunctionName, 23> kFunctions = {{
    {"sqrt", OpCode::kSqrt},     {"exp", OpCode::kExp},       {"log", OpCode::kLog},
    {"sin", OpCode::kSin},       {"cos", OpCode::kCos},       {"tan", OpCode::kTan},
    {"tanh", OpCode::kTanh},     {"arcsin", OpCode::kArcsin}, {"asin", OpCode::kArcsin},
    {"arccos", OpCode::kArccos}, {"acos", OpCode::kArccos},   {"arctan", OpCode::kArctan},
    {"atan", OpCode::kArctan},   {"abs", OpCode::kAbs},       {"Abs", OpCode::kAbs},
    {"inv", OpCode::kInv},       {"n2", OpCode::kN2},         {"n3", OpCode::kN3},
    {"neg", OpCode::kNeg},       {"pow", OpCode::kPow},       {"sq", OpCode::kN2},
    {"cube", OpCode::kN3},       {"ln", OpCode::kLog},
}};

std::optional<OpCode> FunctionByName(std::string_view name) {
  for (const FunctionName& f : kFunctions) {
    if (f.name == name) return f.op;
  }
  return std::nullopt;
}

}  // namespace

bool IsBuiltinFunctionName(std::string_view name) { return FunctionByName(name).has_value(); }

namespace {

class Parser {
 public:
  Parser(std::string_view text, Library& library)
      : text_(text),
        library_(library),
        lexer_(text),
        has_exact_numbers_(HasExactNumbers(library)) {}

  Program Parse() {
    lexer_.Advance();
    if (lexer_.current().kind == Lex::kEnd) Fail("empty formula");
    const int root = ParseSum();
    if (lexer_.current().kind != Lex::kEnd) Unexpected();
    Program program;
    Emit(root, program.tokens);
    program.constants = library_.FreeConstantDefaults();
    return program;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { detail::ThrowFormulaError(text_, what); }
  [[noreturn]] void FailAt(const std::string& what, int column) const {
    detail::ThrowFormulaError(text_, what, column);
  }
  [[noreturn]] void Unexpected() const {
    switch (lexer_.current().kind) {
      case Lex::kEnd:
        FailAt("unexpected end", lexer_.current().column);
      case Lex::kNumber:
        FailAt("unexpected number '" + std::string(lexer_.current().text) + "'",
               lexer_.current().column);
      case Lex::kName:
        FailAt("unexpected name '" + std::string(lexer_.current().text) + "'",
               lexer_.current().column);
      default:
        FailAt("unexpected '" + std::string(lexer_.current().text) + "'", lexer_.current().column);
    }
  }

  // --- grammar -------------------------------------------------------------------------
  //   sum     := product (('+' | '-') product)*
  //   product := unary (('*' | '/') unary)*
  //   unary   := ('-' | '+') unary | power
  //   power   := primary (('^' | '**') unary)?
  //   primary := number | name | function '(' sum (',' sum)? ')' | '(' sum ')'
  int ParseSum() {
    int left = ParseProduct();
    while (lexer_.current().kind == Lex::kPlus || lexer_.current().kind == Lex::kMinus) {
      const OpCode op = lexer_.current().kind == Lex::kPlus ? OpCode::kAdd : OpCode::kSub;
      const int column = lexer_.current().column;
      lexer_.Advance();
      left = MakeOperator(op, column, left, ParseProduct());
    }
    return left;
  }

  int ParseProduct() {
    int left = ParseUnary();
    while (lexer_.current().kind == Lex::kStar || lexer_.current().kind == Lex::kSlash) {
      const bool divide = lexer_.current().kind == Lex::kSlash;
      const int column = lexer_.current().column;
      lexer_.Advance();
      const int right = ParseUnary();
      // A bare literal 1 over a denominator is the inverse: 1/x → inv(x); (1)/x stays div.
      const Node& l = nodes_[static_cast<std::size_t>(left)];
      if (divide && l.kind == Node::Kind::kLiteral && !l.parenthesized && l.value == 1.0) {
        left = MakeOperator(OpCode::kInv, column, right);
      } else {
        left = MakeOperator(divide ? OpCode::kDiv : OpCode::kMul, column, left, right);
      }
    }
    return left;
  }

  int ParseUnary() {
    if (++nesting_ > kMaxNesting) {
      FailAt("formula nests deeper than " + std::to_string(kMaxNesting) + " levels",
             lexer_.current().column);
    }
    int result;
    if (lexer_.current().kind == Lex::kMinus) {
      const int column = lexer_.current().column;
      lexer_.Advance();
      result = MakeOperator(OpCode::kNeg, column, ParseUnary());
    } else if (lexer_.current().kind == Lex::kPlus) {
      lexer_.Advance();
      result = ParseUnary();
    } else {
      result = ParsePower();
    }
    --nesting_;
    return result;
  }

  int ParsePower() {
    const int base = ParsePrimary();
    if (lexer_.current().kind != Lex::kCaret) return base;
    const int column = lexer_.current().column;
    lexer_.Advance();
    const int exponent = ParseUnary();
    // x^2, x^3, x^0.5, x^-1 with a bare literal exponent are the library's power operators.
    if (const std::optional<double> v = BareNumber(exponent)) {
      if (*v == 2.0) return MakeOperator(OpCode::kN2, column, base);
      if (*v == 3.0) return MakeOperator(OpCode::kN3, column, base);
      if (*v == 0.5) return MakeOperator(OpCode::kSqrt, column, base);
      if (*v == -1.0) return MakeOperator(OpCode::kInv, column, base);
    }
    return MakeOperator(OpCode::kPow, column, base, exponent);
  }

  // The value of an unparenthesised literal, or of a unary minus written directly on one.
  std::optional<double> BareNumber(int index) const {
    const Node& n = nodes_[static_cast<std::size_t>(index)];
    if (n.parenthesized) return std::nullopt;
    if (n.kind == Node::Kind::kLiteral) return n.value;
    if (n.kind == Node::Kind::kOperator && n.op == OpCode::kNeg) {
      const Node& c = nodes_[static_cast<std::size_t>(n.children[0])];
      if (c.kind == Node::Kind::kLiteral && !c.parenthesized) return -c.value;
    }
    return std::nullopt;
  }

  int ParsePrimary() {
    const Lexeme lexeme = lexer_.current();
    switch (lexeme.kind) {
      case Lex::kNumber: {
        lexer_.Advance();
        Node n;
        n.kind = Node::Kind::kLiteral;
        n.value = lexeme.value;
        n.column = lexeme.column;
        return Push(n);
      }
      case Lex::kLParen: {
        lexer_.Advance();
        const int inner = ParseSum();
        Expect(Lex::kRParen, lexeme.column);
        nodes_[static_cast<std::size_t>(inner)].parenthesized = true;
        return inner;
      }
      case Lex::kName:
        return ParseName();
      case Lex::kEnd:
        FailAt("expected an operand", lexeme.column);
      default:
        Unexpected();
    }
  }

  void Expect(Lex closing, int open_column) {
    if (lexer_.current().kind == closing) {
      lexer_.Advance();
      return;
    }
    if (lexer_.current().kind == Lex::kEnd) {
      FailAt("unclosed '(' at column " + std::to_string(open_column) + ": expected ')'",
             lexer_.current().column);
    }
    Unexpected();
  }

  int ParseName() {
    const Lexeme name = lexer_.current();
    lexer_.Advance();
    const std::optional<OpCode> function = FunctionByName(name.text);
    // A flag and a plain id rather than the optional itself: GCC's -Wmaybe-uninitialized
    // misreads the optional's engaged state once this is inlined into ParsePower.
    const std::optional<TokenId> found = function ? std::nullopt : library_.FindDefined(name.text);
    const bool defined = found.has_value();
    const TokenId defined_id = found.value_or(TokenId{});
    if (lexer_.current().kind == Lex::kLParen) {
      if (!function && !defined) {
        FailAt("'" + std::string(name.text) + "' is not a function", name.column);
      }
      const int open_column = lexer_.current().column;
      lexer_.Advance();
      const int arity = defined ? library_[defined_id].arity : Info(*function).arity;
      const int first = ParseSum();
      int second = -1;
      if (lexer_.current().kind == Lex::kComma) {
        if (arity != 2) {
          FailAt("function '" + std::string(name.text) + "' takes 1 argument",
                 lexer_.current().column);
        }
        lexer_.Advance();
        second = ParseSum();
      } else if (arity == 2 && lexer_.current().kind == Lex::kRParen) {
        FailAt("function '" + std::string(name.text) + "' takes 2 arguments",
               lexer_.current().column);
      }
      Expect(Lex::kRParen, open_column);
      const int node =
          MakeOperator(defined ? OpCode::kDefined : *function, name.column, first, second);
      if (defined) nodes_[static_cast<std::size_t>(node)].id = defined_id;
      // Written as a call, the node is already delimited: pow(x, 2) stays pow.
      nodes_[static_cast<std::size_t>(node)].parenthesized = true;
      return node;
    }
    // A bare name is a terminal, even one named like an operator (a column n2 or exp).
    if (const std::optional<TokenId> id = library_.FindTerminal(name.text)) {
      Node n;
      n.kind = Node::Kind::kTerminal;
      n.id = *id;
      n.column = name.column;
      return Push(n);
    }
    if (name.text == "pi") {
      Node n;
      n.kind = Node::Kind::kPi;
      n.column = name.column;
      return Push(n);
    }
    if (function || defined) {
      FailAt("function '" + std::string(name.text) + "' needs parentheses", name.column);
    }
    FailAt("unknown name '" + std::string(name.text) + "'", name.column, KnownNames());
  }

  [[noreturn]] void FailAt(const std::string& what, int column, const std::string& note) const {
    Fail(what + " at column " + std::to_string(column) + " " + note);
  }

  std::string KnownNames() const {
    std::string known;
    int count = 0;
    for (const Token& t : library_.tokens()) {
      if (!t.IsTerminal() ||
          (t.kind == TokenKind::kFixedConstant && detail::NumeralValue(t.name))) {
        continue;
      }
      if (count == 20) {
        known += ", ...";
        break;
      }
      known += (count++ == 0 ? "" : ", ") + t.name;
    }
    return count == 0 ? "(the library has no named tokens)" : "(known: " + known + ")";
  }

  int Push(const Node& node) {
    nodes_.push_back(node);
    return static_cast<int>(nodes_.size()) - 1;
  }

  int MakeOperator(OpCode op, int column, int first, int second = -1) {
    Node n;
    n.kind = Node::Kind::kOperator;
    n.op = op;
    n.column = column;
    n.children = {first, second};
    for (int child : n.children) {
      if (child >= 0)
        n.depth = std::max(n.depth, nodes_[static_cast<std::size_t>(child)].depth + 1);
    }
    if (n.depth > kMaxTreeDepth) {
      FailAt("formula nests deeper than " + std::to_string(kMaxTreeDepth) + " operations", column);
    }
    return Push(n);
  }

  // --- emission ------------------------------------------------------------------------
  // Prefix order; adds to the library the operators and literals the formula uses.
  void Emit(int index, std::vector<TokenId>& out) {
    const Node& n = nodes_[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case Node::Kind::kTerminal:
        out.push_back(n.id);
        return;
      case Node::Kind::kPi:
        if (const std::optional<TokenId> id = library_.FindTerminal("pi")) {
          out.push_back(*id);  // added by an earlier pi in this formula
        } else {
          out.push_back(library_.AddFixedConstant("pi", std::numbers::pi, Dimension()));
        }
        return;
      case Node::Kind::kLiteral:
        out.push_back(LiteralToken(n));
        return;
      case Node::Kind::kOperator:
        if (const std::optional<TokenId> id = ExactNumberToken(index)) {
          out.push_back(*id);
          return;
        }
        out.push_back(n.op == OpCode::kDefined ? n.id : library_.AddOperator(n.op));
        for (int child : n.children) {
          if (child >= 0) Emit(child, out);
        }
        return;
    }
  }

  // The library's exact-number token (exact_number.hpp: "1/2", "3*pi/4", "1/(2*pi)", as a
  // saved result's library carries them) for an operator subtree spelled as that token's
  // text, so that a printed formula reads back as the program it was printed from; nullopt
  // for any other subtree, and always when the library has no such token. Cost: the
  // subtree's size.
  std::optional<TokenId> ExactNumberToken(int index) const {
    if (!has_exact_numbers_) return std::nullopt;
    const std::optional<std::string> text = NumberText(index);
    if (!text) return std::nullopt;
    const std::optional<TokenId> id = library_.FindTerminal(*text);
    if (!id || !ExactNumberOf(library_[*id])) return std::nullopt;
    return id;
  }

  // The text ExactNumber::Text() would give a subtree of literals and pi under products,
  // quotients and inverses (inv(2) → "1/2", inv(2*pi) → "1/(2*pi)"); nullopt when it holds
  // anything else.
  std::optional<std::string> NumberText(int index) const {
    const Node& n = nodes_[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case Node::Kind::kLiteral:
        return detail::ShortestNumeral(n.value);
      case Node::Kind::kPi:
        return "pi";
      case Node::Kind::kTerminal:
        return library_[n.id].name == "pi" ? std::optional<std::string>("pi") : std::nullopt;
      case Node::Kind::kOperator:
        break;
    }
    if (n.op != OpCode::kMul && n.op != OpCode::kDiv && n.op != OpCode::kInv) return std::nullopt;
    const bool binary = n.op != OpCode::kInv;
    const std::optional<std::string> a = NumberText(n.children[0]);
    const std::optional<std::string> b = binary ? NumberText(n.children[1]) : "";
    if (!a || !b) return std::nullopt;
    const auto denominator = [this](int child, const std::string& text) {
      const Node& d = nodes_[static_cast<std::size_t>(child)];
      return d.kind == Node::Kind::kOperator ? "(" + text + ")" : text;
    };
    if (n.op == OpCode::kMul) return *a + "*" + *b;
    if (n.op == OpCode::kInv) return "1/" + denominator(n.children[0], *a);
    return *a + "/" + denominator(n.children[1], *b);
  }

  static bool HasExactNumbers(const Library& library) {
    for (const Token& t : library.tokens()) {
      if (ExactNumberOf(t)) return true;
    }
    return false;
  }

  TokenId LiteralToken(const Node& n) {
    const std::string name = detail::ShortestNumeral(n.value);
    if (const std::optional<TokenId> id = library_.FindTerminal(name)) {
      const Token& t = library_[*id];
      if (t.kind != TokenKind::kFixedConstant || t.value != n.value) {
        FailAt("number '" + name + "' clashes with the library token of the same name", n.column);
      }
      return *id;
    }
    // A literal the library spells differently ("2.0", "1.5e-3") is the same token.
    for (std::size_t i = 0; i < library_.size(); ++i) {
      const Token& t = library_[static_cast<TokenId>(i)];
      if (t.kind != TokenKind::kFixedConstant || !t.dimension.IsDimensionless()) continue;
      if (const std::optional<double> v = detail::NumeralValue(t.name); v && *v == n.value) {
        return static_cast<TokenId>(i);
      }
    }
    return library_.AddFixedConstant(name, n.value, Dimension());
  }

  std::string_view text_;
  Library& library_;
  detail::FormulaLexer lexer_;
  std::vector<Node> nodes_;
  bool has_exact_numbers_ = false;
  int nesting_ = 0;
};

}  // namespace

Program ParseFormula(std::string_view text, Library& library) {
  return Parser(text, library).Parse();
}

}  // namespace physr
