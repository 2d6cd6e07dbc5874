#include "physr/expr/canonical.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "formula_lexer.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/unit_check.hpp"

namespace physr {
namespace {

using units::Rational;
using Tokens = std::vector<TokenId>;

// Thrown to give up: the canonical form cannot be written with the library's tokens.
struct Unwritable {};

// A number: its value and, when it holds fitted (free) constants, the dimension of the free
// constant it will be written as and the free constant it came from (-1: none).
struct Coef {
  double value = 1.0;
  bool fitted = false;
  Dimension dim;
  int origin = -1;
};

struct Term;
using Poly = std::vector<Term>;  // a sum of terms in canonical order; empty is 0

// What a factor raises to a power: a terminal, a sum (or a product a power cannot be
// distributed over: sqrt(x*y)), or a call of an operator on canonical arguments.
struct Base {
  enum class Kind : std::uint8_t { kAtom, kPoly, kCall };
  Kind kind = Kind::kAtom;
  OpCode op = OpCode::kVariable;  // kCall: the operator (compared before the token)
  TokenId token = 0;              // kAtom: the terminal; kCall: the operator token
  std::vector<Poly> args;         // kCall: the arguments; kPoly: args[0]
  // kAtom: a free constant kept as a symbol, written before the other terminals, beside the
  // coefficient it stands for (C1*m1 + C1*m2, C1*a*sqrt(a/GM)).
  bool constant = false;
};

struct Factor {
  Base base;
  Rational exp = 1;
};

// coef × Π base^exp, factors sorted by base, bases distinct, no zero exponent.
struct Term {
  Coef coef;
  std::vector<Factor> factors;
};

template <class T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int ComparePoly(const Poly& a, const Poly& b);

int CompareBase(const Base& a, const Base& b) {
  if (int c = Cmp(a.kind, b.kind)) return c;
  if (int c = Cmp(!a.constant, !b.constant)) return c;
  if (int c = Cmp(a.op, b.op)) return c;
  if (int c = Cmp(a.token, b.token)) return c;
  if (int c = Cmp(a.args.size(), b.args.size())) return c;
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    if (int c = ComparePoly(a.args[i], b.args[i])) return c;
  }
  return 0;
}

int CompareFactors(const std::vector<Factor>& a, const std::vector<Factor>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (int c = CompareBase(a[i].base, b[i].base)) return c;
    if (int c = Cmp(a[i].exp, b[i].exp)) return c;
  }
  return Cmp(a.size(), b.size());
}

int CompareTerm(const Term& a, const Term& b) {
  if (int c = CompareFactors(a.factors, b.factors)) return c;
  if (int c = Cmp(a.coef.value, b.coef.value)) return c;
  return Cmp(a.coef.fitted, b.coef.fitted);
}

int ComparePoly(const Poly& a, const Poly& b) {
  if (int c = Cmp(a.size(), b.size())) return c;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (int c = CompareTerm(a[i], b[i])) return c;
  }
  return 0;
}

// The order terms are written in: positive before negative (a - b, not -b + a), within a
// sign the constant term last (3*t + 0.4), then by factors.
bool TermBefore(const Term& a, const Term& b) {
  const bool na = a.coef.value < 0.0, nb = b.coef.value < 0.0;
  if (na != nb) return !na;
  const bool ca = a.factors.empty(), cb = b.factors.empty();
  if (ca != cb) return !ca;
  return CompareTerm(a, b) < 0;
}

Coef MulCoef(const Coef& a, const Coef& b) {
  Coef c{a.value * b.value, a.fitted || b.fitted, a.dim * b.dim, -1};
  for (const Coef* x : {&a, &b}) {
    if (c.origin < 0 && x->fitted && x->dim == c.dim) c.origin = x->origin;
  }
  if (c.origin < 0) c.origin = a.origin >= 0 ? a.origin : b.origin;
  return c;
}

Coef PowCoef(const Coef& a, Rational e) {
  const double value = e.IsInteger() ? std::pow(a.value, e.num()) : std::pow(a.value, e.ToDouble());
  if (!std::isfinite(value)) throw Unwritable{};
  return {value, a.fitted, a.fitted ? a.dim.Pow(e) : Dimension(), a.origin};
}

void NormalizeTerm(Term& t) {
  std::stable_sort(t.factors.begin(), t.factors.end(), [](const Factor& a, const Factor& b) {
    return CompareBase(a.base, b.base) < 0;
  });
  std::vector<Factor> merged;
  for (Factor& f : t.factors) {
    if (!merged.empty() && CompareBase(merged.back().base, f.base) == 0) {
      merged.back().exp = merged.back().exp + f.exp;  // x^a·x^b = x^(a+b)
    } else {
      merged.push_back(std::move(f));
    }
  }
  std::erase_if(merged, [](const Factor& f) { return f.exp.IsZero(); });
  t.factors = std::move(merged);
}

Poly Pow(const Poly& p, Rational e, bool radical = true);

// Whether `p` is one term whose factors have exponents of both signs: a ratio like V1/V2.
bool IsRatio(const Poly& p) {
  if (p.size() != 1) return false;
  bool up = false;
  bool down = false;
  for (const Factor& f : p[0].factors) (f.exp > Rational(0) ? up : down) = true;
  return up && down;
}

// −c·log(a/b)·… = c·log(b/a)·… for c > 0: true wherever the log is defined, and one sign less
// to write (n*T*(-log(V1/V2)) → n*T*log(V2/V1)).
void FlipLogOfRatio(Term& t) {
  if (!(t.coef.value < 0.0)) return;
  for (Factor& f : t.factors) {
    if (f.exp == Rational(1) && f.base.kind == Base::Kind::kCall && f.base.op == OpCode::kLog &&
        IsRatio(f.base.args[0])) {
      f.base.args[0] = Pow(f.base.args[0], Rational(-1));
      t.coef.value = -t.coef.value;
      NormalizeTerm(t);
      return;
    }
  }
}

// Like terms added, zero terms dropped, terms in writing order.
Poly Normalize(Poly p) {
  for (Term& t : p) FlipLogOfRatio(t);
  std::stable_sort(p.begin(), p.end(), [](const Term& a, const Term& b) {
    return CompareFactors(a.factors, b.factors) < 0;
  });
  Poly out;
  for (Term& t : p) {
    if (!out.empty() && CompareFactors(out.back().factors, t.factors) == 0) {
      Coef& c = out.back().coef;
      if (t.coef.fitted && !c.fitted) {
        c.dim = t.coef.dim;
        c.origin = t.coef.origin;
      }
      c.value += t.coef.value;
      c.fitted = c.fitted || t.coef.fitted;
    } else {
      out.push_back(std::move(t));
    }
  }
  std::erase_if(out, [](const Term& t) { return t.coef.value == 0.0; });
  std::stable_sort(out.begin(), out.end(), TermBefore);
  return out;
}

Poly Number(const Coef& c) {
  if (c.value == 0.0) return {};
  return {Term{c, {}}};
}

Base PolyBase(Poly p) {
  Base b;
  b.kind = Base::Kind::kPoly;
  b.args.push_back(std::move(p));
  return b;
}

Poly FromBase(Base b, Rational exp = 1) { return {Term{Coef{}, {Factor{std::move(b), exp}}}}; }

bool IsNumber(const Poly& p) { return p.empty() || (p.size() == 1 && p[0].factors.empty()); }
double ValueOf(const Poly& p) { return p.empty() ? 0.0 : p[0].coef.value; }

Poly Add(Poly a, const Poly& b) {
  a.insert(a.end(), b.begin(), b.end());
  return Normalize(std::move(a));
}

Poly Negate(Poly a) {
  for (Term& t : a) t.coef.value = -t.coef.value;
  return Normalize(std::move(a));
}

Term MulTerms(const Term& a, const Term& b) {
  Term t{MulCoef(a.coef, b.coef), a.factors};
  t.factors.insert(t.factors.end(), b.factors.begin(), b.factors.end());
  NormalizeTerm(t);
  return t;
}

// A nonempty sum as one term: itself when it has one term, else the factor (sum)^1.
Term AsTerm(const Poly& p) {
  if (p.size() == 1) return p[0];
  return Term{Coef{}, {Factor{PolyBase(p), 1}}};
}

Poly Mul(const Poly& a, const Poly& b) {
  if (a.empty() || b.empty()) return {};
  return Normalize({MulTerms(AsTerm(a), AsTerm(b))});
}

// Every term of a times every term of b.
Poly ExpandMul(const Poly& a, const Poly& b) {
  Poly out;
  for (const Term& x : a) {
    for (const Term& y : b) out.push_back(MulTerms(x, y));
  }
  return Normalize(std::move(out));
}

// A term with its sums raised to small positive whole powers multiplied out.
Poly Expand(const Term& t) {
  Term rest{t.coef, {}};
  std::vector<const Factor*> sums;
  for (const Factor& f : t.factors) {
    const bool expand = f.base.kind == Base::Kind::kPoly && f.exp.IsInteger() && f.exp.num() > 0 &&
                        f.exp.num() <= 4;
    if (expand) {
      sums.push_back(&f);
    } else {
      rest.factors.push_back(f);
    }
  }
  Poly out{rest};
  for (const Factor* s : sums) {
    for (int k = 0; k < s->exp.num(); ++k) out = ExpandMul(out, s->base.args[0]);
  }
  return out;
}

// Whether a factor is ≥ 0 wherever it is defined: an even or fractional power, or exp, abs.
bool NonNegative(const Factor& f) {
  if (!f.exp.IsInteger() || f.exp.num() % 2 == 0) return true;
  return f.base.kind == Base::Kind::kCall &&
         (f.base.op == OpCode::kExp || f.base.op == OpCode::kAbs);
}

// t^e. A whole power distributes over the factors; a fractional one only when the coefficient
// is positive and at most one factor may be negative (sqrt(x*y) ≠ sqrt(x)*sqrt(y) for x, y < 0),
// and (x^2)^(1/2) = |x| stays as written.
Term PowTerm(const Term& t, Rational e) {
  const bool whole = e.IsInteger();
  if (!whole) {
    const auto unknown = std::count_if(t.factors.begin(), t.factors.end(),
                                       [](const Factor& f) { return !NonNegative(f); });
    if (t.coef.value <= 0.0 || unknown > 1) return Term{Coef{}, {Factor{PolyBase({t}), e}}};
  }
  Term r{PowCoef(t.coef, e), {}};
  for (const Factor& f : t.factors) {
    const Rational ae = f.exp * e;
    const bool even = f.exp.IsInteger() && f.exp.num() % 2 == 0;
    if (!whole && even && !(ae.IsInteger() && ae.num() % 2 == 0)) {
      r.factors.push_back({PolyBase({Term{Coef{}, {f}}}), e});
    } else {
      r.factors.push_back({f.base, ae});
    }
  }
  NormalizeTerm(r);
  return r;
}

// (N/D)^e = (D/N)^(−e) for a half-integer e: a radicand whose terms share denominators (sums
// raised to negative powers) brought over one denominator; when the numerator is a single
// term, the power is written of D/N multiplied out (1/((c/v)^2 - 1) + 1 = (c/v)^2/((c/v)^2 - 1),
// so its square root is 1/sqrt(1 - v^2/c^2)). nullopt when that does not apply.
std::optional<Poly> RadicalForm(const Poly& p, Rational e) {
  std::vector<Factor> dens;  // each denominator sum with its highest power
  for (const Term& t : p) {
    for (const Factor& f : t.factors) {
      if (f.base.kind != Base::Kind::kPoly || !f.exp.IsInteger() || f.exp.num() >= 0) continue;
      const auto it = std::find_if(dens.begin(), dens.end(), [&](const Factor& d) {
        return CompareBase(d.base, f.base) == 0;
      });
      if (it == dens.end()) {
        dens.push_back({f.base, -f.exp});
      } else {
        it->exp = std::max(it->exp, -f.exp);
      }
    }
  }
  if (dens.empty() || dens.size() > 2) return std::nullopt;
  Poly numerator;
  for (const Term& t : p) {
    Term m = t;
    m.factors.insert(m.factors.end(), dens.begin(), dens.end());
    NormalizeTerm(m);
    numerator = Add(std::move(numerator), Expand(m));
  }
  if (numerator.size() != 1) return std::nullopt;
  Poly denominator{Term{}};
  for (const Factor& d : dens) {
    if (d.exp.num() > 4) return std::nullopt;
    for (int k = 0; k < d.exp.num(); ++k) denominator = ExpandMul(denominator, d.base.args[0]);
  }
  return Pow(ExpandMul(denominator, {PowTerm(numerator[0], -1)}), -e, false);
}

Poly Pow(const Poly& p, Rational e, bool radical) {
  if (e == Rational(1)) return p;
  if (p.empty()) {
    if (e > Rational(0)) return {};
    throw Unwritable{};
  }
  if (p.size() == 1) return Normalize({PowTerm(p[0], e)});
  if (radical && e.den() == 2) {
    if (std::optional<Poly> r = RadicalForm(p, e)) return *r;
  }
  return FromBase(PolyBase(p), e);
}

// f(x) for a foldable operator, NaN for the others.
double Fold(OpCode op, double x) {
  switch (op) {
    case OpCode::kExp:
      return std::exp(x);
    case OpCode::kLog:
      return std::log(x);
    case OpCode::kSin:
      return std::sin(x);
    case OpCode::kCos:
      return std::cos(x);
    case OpCode::kTan:
      return std::tan(x);
    case OpCode::kTanh:
      return std::tanh(x);
    case OpCode::kArcsin:
      return std::asin(x);
    case OpCode::kArccos:
      return std::acos(x);
    case OpCode::kArctan:
      return std::atan(x);
    case OpCode::kAbs:
      return std::fabs(x);
    default:
      return std::nan("");
  }
}

// Program → Poly: numbers (literals, exact numbers and, with `merge`, free constants used
// once) become coefficients; variables, named constants and the other free constants stay
// symbols.
class Reader {
 public:
  Reader(const Program& program, const Library& library, bool merge)
      : program_(program), library_(library), ends_(SubtreeEnds(program.tokens, library)) {
    uses_.assign(library.size(), 0);
    for (TokenId id : program.tokens) ++uses_[id];
    if (!merge) {
      for (TokenId id = 0; id < library.size(); ++id) {
        if (library[id].kind == TokenKind::kFreeConstant && uses_[id] == 1) uses_[id] = 2;
      }
    }
  }

  Poly Read(std::size_t i) {
    const Token& t = library_[program_.tokens[i]];
    if (t.IsTerminal()) return Terminal(program_.tokens[i]);
    const std::size_t a = i + 1;
    const std::size_t b = static_cast<std::size_t>(ends_[a]);
    switch (t.op) {
      case OpCode::kAdd:
        return Add(Read(a), Read(b));
      case OpCode::kSub:
        return Add(Read(a), Negate(Read(b)));
      case OpCode::kMul:
        return Mul(Read(a), Read(b));
      case OpCode::kDiv:
        return Mul(Read(a), Pow(Read(b), -1));
      case OpCode::kNeg:
        return Negate(Read(a));
      case OpCode::kInv:
        return Pow(Read(a), -1);
      case OpCode::kN2:
        return Pow(Read(a), 2);
      case OpCode::kN3:
        return Pow(Read(a), 3);
      case OpCode::kSqrt:
        return Pow(Read(a), Rational(1, 2));
      case OpCode::kPow:
        return PowCall(i, Read(a), Read(b));
      default:
        break;
    }
    std::vector<Poly> args{Read(a)};
    if (t.arity == 2) args.push_back(Read(b));
    return Call(program_.tokens[i], std::move(args));
  }

 private:
  Poly Terminal(TokenId id) const {
    const Token& t = library_[id];
    const bool number = t.kind == TokenKind::kFixedConstant && t.dimension.IsDimensionless() &&
                        (ExactNumberOf(t) || detail::NumeralValue(t.name) ||
                         (t.name == "pi" && t.value == std::numbers::pi));
    if (number) return Number(Coef{t.value, false, Dimension(), -1});
    if (t.kind == TokenKind::kFreeConstant && uses_[id] == 1 &&
        static_cast<std::size_t>(t.index) < program_.constants.size()) {
      return Number(Coef{program_.constants[static_cast<std::size_t>(t.index)], true, t.dimension,
                         static_cast<int>(id)});
    }
    Base b;
    b.token = id;
    b.constant = t.kind == TokenKind::kFreeConstant;
    return FromBase(std::move(b));
  }

  // x^k with a constant exponent that is a whole or half number is a power like x^2 or sqrt(x).
  Poly PowCall(std::size_t i, Poly base, Poly exponent) {
    if (IsNumber(exponent) && (exponent.empty() || !exponent[0].coef.fitted)) {
      const double twice = 2.0 * ValueOf(exponent);
      if (std::abs(twice) <= 64.0 && twice == std::round(twice)) {
        return Pow(base, Rational(static_cast<std::int64_t>(twice), 2));
      }
    }
    return Call(program_.tokens[i], {std::move(base), std::move(exponent)});
  }

  Poly Call(TokenId id, std::vector<Poly> args) {
    const Token& t = library_[id];
    if (args.size() == 1 && IsNumber(args[0])) {
      const Coef c = args[0].empty() ? Coef{0.0, false, Dimension(), -1} : args[0][0].coef;
      const double value = Fold(t.op, c.value);
      if (std::isfinite(value)) {
        const bool keeps_dimension = t.op == OpCode::kAbs;
        return Number(Coef{value, c.fitted, keeps_dimension ? c.dim : Dimension(), c.origin});
      }
    }
    if ((t.op == OpCode::kSin || t.op == OpCode::kCos) && args.size() == 1) {
      return Trig(id, std::move(args[0]));
    }
    if (t.op == OpCode::kLog && args.size() == 1) {
      if (std::optional<Poly> u = LogOfExp(args[0])) return *std::move(u);
    }
    if (t.op == OpCode::kExp && args.size() == 1) {
      if (std::optional<Poly> p = ExpOfShiftedSum(id, args[0])) return *std::move(p);
    }
    Base b;
    b.kind = Base::Kind::kCall;
    b.op = t.op;
    b.token = id;
    b.args = std::move(args);
    return FromBase(std::move(b));
  }

  // log(exp(u)^e) = e·u, for every real u; nullopt for another argument.
  static std::optional<Poly> LogOfExp(const Poly& arg) {
    if (arg.size() != 1 || arg[0].factors.size() != 1) return std::nullopt;
    const Term& term = arg[0];
    const Factor& f = term.factors[0];
    if (term.coef.fitted || term.coef.value != 1.0 || f.base.kind != Base::Kind::kCall ||
        f.base.op != OpCode::kExp) {
      return std::nullopt;
    }
    if (f.exp == Rational(1)) return f.base.args[0];
    return Mul(Number(Coef{f.exp.ToDouble(), false, Dimension(), -1}), f.base.args[0]);
  }

  // exp(u + c) = e^c·exp(u) for a number c: the factor joins the term's coefficient
  // (0.3679*exp(1 - 0.4*t) → exp(-0.4*t)); nullopt when the argument has no constant term.
  static std::optional<Poly> ExpOfShiftedSum(TokenId id, Poly arg) {
    if (arg.size() < 2) return std::nullopt;
    const auto constant =
        std::find_if(arg.begin(), arg.end(), [](const Term& t) { return t.factors.empty(); });
    if (constant == arg.end()) return std::nullopt;
    const Coef c = constant->coef;
    const double factor = std::exp(c.value);
    if (!std::isfinite(factor) || factor == 0.0) return std::nullopt;
    arg.erase(constant);
    Base b;
    b.kind = Base::Kind::kCall;
    b.op = OpCode::kExp;
    b.token = id;
    b.args.push_back(std::move(arg));
    return Mul(Number(Coef{factor, c.fitted, Dimension(), c.origin}), FromBase(std::move(b)));
  }

  // sin(u + φ), cos(u + φ): φ reduced to [−π, π], and sin(u + φ) written cos(u + φ − π/2)
  // (cos(u + φ) as sin(u + φ + π/2)) when that phase is smaller and the library has the other.
  Poly Trig(TokenId id, Poly arg) {
    OpCode op = library_[id].op;
    const auto constant =
        std::find_if(arg.begin(), arg.end(), [](const Term& t) { return t.factors.empty(); });
    if (constant != arg.end()) {
      double phase = std::remainder(constant->coef.value, 2.0 * std::numbers::pi);
      const OpCode other_op = op == OpCode::kSin ? OpCode::kCos : OpCode::kSin;
      const double shift = op == OpCode::kSin ? -std::numbers::pi / 2.0 : std::numbers::pi / 2.0;
      const double other = std::remainder(phase + shift, 2.0 * std::numbers::pi);
      const std::optional<TokenId> other_id = library_.FindOperator(other_op);
      if (other_id && std::abs(other) < std::abs(phase)) {
        phase = other;
        id = *other_id;
        op = other_op;
      }
      constant->coef.value = phase;
      arg = Normalize(std::move(arg));
    }
    Base b;
    b.kind = Base::Kind::kCall;
    b.op = op;
    b.token = id;
    b.args.push_back(std::move(arg));
    return FromBase(std::move(b));
  }

  const Program& program_;
  const Library& library_;
  std::vector<int> ends_;
  std::vector<int> uses_;
};

// Poly → Program over `library` (which gains literal numbers with add_numbers).
class Writer {
 public:
  Writer(const Program& program, const Library& original, Library& library, bool add_numbers,
         bool merge)
      : library_(library), add_numbers_(add_numbers) {
    constants_ = program.constants;
    constants_.resize(static_cast<std::size_t>(library.num_free_constants()), 1.0);
    // Free constants that stay symbols (used more than once, or any without `merge`) keep
    // their slots.
    std::vector<int> uses(original.size(), 0);
    for (TokenId id : program.tokens) ++uses[id];
    taken_.assign(library.size(), false);
    for (TokenId id = 0; id < original.size(); ++id) {
      taken_[id] =
          original[id].kind == TokenKind::kFreeConstant && (uses[id] > 1 || (!merge && uses[id]));
    }
  }

  Program Write(const Poly& p) {
    Program out;
    WritePoly(p, out.tokens);
    out.constants = constants_;
    return out;
  }

 private:
  TokenId Op(OpCode op) const {
    const std::optional<TokenId> id = library_.FindOperator(op);
    if (!id) throw Unwritable{};
    return *id;
  }

  static void Append(Tokens& out, const Tokens& more) {
    out.insert(out.end(), more.begin(), more.end());
  }

  Tokens Apply(OpCode op, const Tokens& a, const Tokens& b = {}) const {
    Tokens out{Op(op)};
    Append(out, a);
    Append(out, b);
    return out;
  }

  void WritePoly(const Poly& p, Tokens& out) {
    if (p.empty()) throw Unwritable{};  // 0: the search has no zero token
    Tokens sum;
    for (std::size_t i = 0; i < p.size(); ++i) {
      Term t = p[i];
      const bool negative = t.coef.value < 0.0 && !(i == 0 && t.coef.fitted);
      if (negative) t.coef.value = -t.coef.value;
      if (i == 0) {
        sum = WriteTerm(t, negative);
      } else {
        const Tokens term = WriteTerm(t, false);
        sum = Apply(negative ? OpCode::kSub : OpCode::kAdd, sum, term);
      }
    }
    Append(out, sum);
  }

  Tokens Product(const std::vector<Tokens>& pieces) const {
    Tokens out;
    for (const Tokens& piece : pieces) out = out.empty() ? piece : Apply(OpCode::kMul, out, piece);
    return out;
  }

  // coefficient × numerator factors / denominator factors; `negative`: the first numerator
  // factor negated (-0.4*t, -x/2, -1/x).
  Tokens WriteTerm(const Term& t, bool negative) {
    std::vector<Tokens> num, den;
    WriteCoef(t.coef, num, den);
    for (const Factor& f : t.factors) {
      const Rational e = f.exp > Rational(0) ? f.exp : -f.exp;
      (f.exp > Rational(0) ? num : den).push_back(WritePower(f.base, e));
    }
    if (negative) {
      if (num.empty()) num.push_back({One()});
      num[0] = Apply(OpCode::kNeg, num[0]);
    }
    const Tokens n = Product(num);
    const Tokens d = Product(den);
    if (d.empty()) return n.empty() ? Tokens{One()} : n;
    if (!n.empty() && !library_.FindOperator(OpCode::kDiv)) {
      return Apply(OpCode::kMul, n, Apply(OpCode::kInv, d));  // x*(1/y) without div
    }
    if (!n.empty()) return Apply(OpCode::kDiv, n, d);
    if (library_.FindOperator(OpCode::kInv)) return Apply(OpCode::kInv, d);
    return Apply(OpCode::kDiv, Tokens{One()}, d);
  }

  void WriteCoef(const Coef& c, std::vector<Tokens>& num, std::vector<Tokens>& den) {
    if (c.fitted) {
      WriteFitted(c, num, den);
      return;
    }
    if (c.value == 1.0) return;
    const double inverse = 1.0 / c.value;
    if (inverse == std::round(inverse) && inverse >= 2.0 && inverse <= 16.0 &&
        library_.FindOperator(OpCode::kDiv)) {
      // x/2 rather than 0.5*x or 1/2*x
      if (const std::optional<TokenId> id = NumberToken(inverse, add_numbers_)) {
        den.push_back({*id});
        return;
      }
    }
    if (const std::optional<TokenId> id = NumberToken(c.value, add_numbers_)) {
      num.push_back({*id});
      return;
    }
    WriteFitted(Coef{c.value, true, Dimension(), -1}, num, den);
  }

  // A free constant of the coefficient's dimension (in the numerator) or of its inverse (in
  // the denominator), its origin first, set to the coefficient's value.
  void WriteFitted(const Coef& c, std::vector<Tokens>& num, std::vector<Tokens>& den) {
    for (const bool inverse : {false, true}) {
      const Dimension want = inverse ? Dimension() / c.dim : c.dim;
      std::vector<TokenId> order;
      if (c.origin >= 0) order.push_back(static_cast<TokenId>(c.origin));
      for (TokenId id = 0; id < library_.size(); ++id) order.push_back(id);
      for (TokenId id : order) {
        const Token& t = library_[id];
        if (t.kind != TokenKind::kFreeConstant || taken_[id] || t.dimension != want) continue;
        taken_[id] = true;
        constants_[static_cast<std::size_t>(t.index)] = inverse ? 1.0 / c.value : c.value;
        (inverse ? den : num).push_back({id});
        return;
      }
    }
    throw Unwritable{};
  }

  // The token of the dimensionless number `value`: an exact number or a literal the library has
  // (within rounding of the folding), else with `add` a new literal; nullopt otherwise.
  std::optional<TokenId> NumberToken(double value, bool add) {
    for (TokenId id = 0; id < library_.size(); ++id) {
      const Token& t = library_[id];
      if (t.kind != TokenKind::kFixedConstant || !t.dimension.IsDimensionless()) continue;
      const bool number = ExactNumberOf(t) || detail::NumeralValue(t.name);
      if (number && std::abs(t.value - value) <= 4e-16 * std::abs(value)) return id;
    }
    if (!add || !std::isfinite(value) || value <= 0.0) return std::nullopt;
    const std::string name = detail::ShortestNumeral(value);
    if (library_.FindTerminal(name)) return std::nullopt;
    const TokenId id = library_.AddFixedConstant(name, value, Dimension());
    taken_.push_back(false);
    return id;
  }

  TokenId One() {
    const std::optional<TokenId> id = NumberToken(1.0, add_numbers_);
    if (!id) throw Unwritable{};
    return *id;
  }

  Tokens WritePower(const Base& base, Rational e) {
    Tokens b = WriteBase(base);
    if (e.den() == 2) {
      b = Apply(OpCode::kSqrt, b);
      e = e * 2;
    } else if (e.den() != 1) {
      throw Unwritable{};
    }
    return IntPower(b, e.num());
  }

  // x^k for k ≥ 1 by n2, n3 and products.
  Tokens IntPower(const Tokens& x, int k) const {
    if (k == 1) return x;
    if (k % 2 == 0 && library_.FindOperator(OpCode::kN2))
      return Apply(OpCode::kN2, IntPower(x, k / 2));
    if (k % 3 == 0 && library_.FindOperator(OpCode::kN3))
      return Apply(OpCode::kN3, IntPower(x, k / 3));
    return Apply(OpCode::kMul, IntPower(x, k - 1), x);
  }

  Tokens WriteBase(const Base& b) {
    Tokens out;
    switch (b.kind) {
      case Base::Kind::kAtom:
        out.push_back(b.token);
        break;
      case Base::Kind::kPoly:
        WritePoly(b.args[0], out);
        break;
      case Base::Kind::kCall:
        out.push_back(b.token);
        for (const Poly& a : b.args) WritePoly(a, out);
        break;
    }
    return out;
  }

  Library& library_;
  bool add_numbers_;
  std::vector<double> constants_;
  std::vector<bool> taken_;
};

// One rewrite of `program`: free constants used once merged into coefficients with `merge`,
// all kept as symbols without.
std::optional<Program> CanonicalForm(const Program& program, Library& library, bool add_numbers,
                                     bool merge) {
  const UnitCheckResult before = CheckUnits(program, library);
  Library work = library;
  Program out;
  try {
    const Poly p = Reader(program, library, merge).Read(0);
    out = Writer(program, library, work, add_numbers, merge).Write(p);
  } catch (const Unwritable&) {
    return std::nullopt;
  } catch (const std::exception&) {  // a Rational or Dimension exponent out of range
    return std::nullopt;
  }
  if (out.tokens == program.tokens) return std::nullopt;
  if (Complexity(out.tokens, work) > Complexity(program.tokens, library)) return std::nullopt;
  if (before.ok) {
    const UnitCheckResult after = CheckUnits(out, work);
    if (!after.ok || after.dimension != before.dimension) return std::nullopt;
  }
  for (std::size_t id = library.size(); id < work.size(); ++id) {
    const Token& t = work[static_cast<TokenId>(id)];
    library.AddFixedConstant(t.name, t.value, t.dimension);
  }
  return out;
}

// Whether a free constant used more than once in `before` is used once in `after`: its uses
// became one power (c*c → c^2), which a further rewrite merges into one constant.
bool RepeatMerged(const Program& before, const Program& after, const Library& library) {
  for (TokenId id = 0; id < library.size(); ++id) {
    if (library[id].kind != TokenKind::kFreeConstant) continue;
    if (std::count(before.tokens.begin(), before.tokens.end(), id) > 1 &&
        std::count(after.tokens.begin(), after.tokens.end(), id) == 1) {
      return true;
    }
  }
  return false;
}

// The merged rewrite, else the rewrite with every free constant kept; then, while a rewrite
// turned a repeated free constant into one use, the rewrite of that (bounded: each round
// leaves fewer uses).
std::optional<Program> CanonicalForms(const Program& program, Library& library, bool add_numbers) {
  std::optional<Program> out = CanonicalForm(program, library, add_numbers, true);
  if (!out) out = CanonicalForm(program, library, add_numbers, false);
  if (!out) return std::nullopt;
  Program previous = program;
  for (int round = 0; round < 8 && RepeatMerged(previous, *out, library); ++round) {
    std::optional<Program> next = CanonicalForm(*out, library, add_numbers, true);
    if (!next) break;
    previous = std::move(*out);
    out = std::move(next);
  }
  return out;
}

}  // namespace

std::optional<Program> Canonicalize(const Program& program, Library& library,
                                    const CanonicalOptions& options) {
  return CanonicalForms(program, library, options.add_numbers);
}

std::optional<Program> Canonicalize(const Program& program, const Library& library) {
  Library copy = library;
  return CanonicalForms(program, copy, false);
}

}  // namespace physr
