#include "physr/expr/definition.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "physr/core/error.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/token.hpp"
#include "physr/expr/unit_check.hpp"

namespace physr {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Whether `body` calls `name`: the identifier `name` followed (after blanks) by '('.
bool CallsItself(std::string_view body, std::string_view name) {
  for (std::size_t at = body.find(name); at != std::string_view::npos;
       at = body.find(name, at + 1)) {
    const bool starts =
        at == 0 || !(std::isalnum(static_cast<unsigned char>(body[at - 1])) || body[at - 1] == '_');
    std::size_t next = at + name.size();
    if (!starts || (next < body.size() &&
                    (std::isalnum(static_cast<unsigned char>(body[next])) || body[next] == '_'))) {
      continue;
    }
    while (next < body.size() && std::isspace(static_cast<unsigned char>(body[next]))) ++next;
    if (next < body.size() && body[next] == '(') return true;
  }
  return false;
}

// The body's dimension when its parameters have `dims`, or nullopt where a rule fails.
std::optional<Dimension> BodyDimension(const OperatorDefinition& d, std::string_view body,
                                       std::span<const Dimension> dims) {
  Library library;
  for (std::size_t i = 0; i < d.parameters.size(); ++i)
    library.AddVariable(d.parameters[i], dims[i]);
  const UnitCheckResult check = CheckUnits(ParseFormula(body, library), library);
  if (!check.ok) return std::nullopt;
  return check.dimension;
}

// Sets d.rule and d.power from the body's units under probe dimensions; false when they
// follow none of the rules the search knows.
bool DeriveUnitRule(OperatorDefinition& d, std::string_view body) {
  const Dimension length = Dimension::Of(units::Base::kLength);
  const Dimension time = Dimension::Of(units::Base::kTime);
  const Dimension other = Dimension::Of(units::Base::kMass, 3) / time;
  auto at = [&](std::initializer_list<Dimension> dims) {
    return BodyDimension(d, body, std::vector<Dimension>(dims));
  };
  if (d.arity() == 1) {
    const std::optional<Dimension> on_length = at({length});
    if (!on_length) {
      d.rule = UnitRule::kDimensionless;
      const std::optional<Dimension> plain = at({Dimension()});
      return plain && plain->IsDimensionless();
    }
    const Rational p = (*on_length)[units::Base::kLength];
    if (p.IsZero() || std::abs(p.num()) > 12 || p.den() > 12) return false;
    if (*on_length != length.Pow(p) || at({other}) != other.Pow(p)) return false;
    d.rule = p == Rational(1) ? UnitRule::kPreserve : UnitRule::kPower;
    d.power = p;
    return true;
  }
  if (const std::optional<Dimension> mixed = at({length, time})) {
    if (*mixed == length * time && at({other, length}) == other * length) {
      d.rule = UnitRule::kProduct;
      return true;
    }
    if (*mixed == length / time && at({other, length}) == other / length) {
      d.rule = UnitRule::kQuotient;
      return true;
    }
    return false;
  }
  d.rule = UnitRule::kSame;
  return at({length, length}) == length && at({other, other}) == other;
}

}  // namespace

OperatorDefinition ParseDefinition(std::string_view text) {
  OperatorDefinition d;
  d.text = std::string(Trim(text));
  auto fail = [&](const std::string& what) {
    throw InputError("definition '" + d.text + "': " + what);
  };
  const std::size_t eq = d.text.find('=');
  if (eq == std::string::npos) fail("expected NAME(x)=BODY or NAME(x,y)=BODY");
  const std::string_view head = Trim(std::string_view(d.text).substr(0, eq));
  const std::string_view body = Trim(std::string_view(d.text).substr(eq + 1));
  const std::size_t open = head.find('(');
  if (open == std::string_view::npos || head.back() != ')') {
    fail("expected NAME(x)=BODY or NAME(x,y)=BODY, got '" + std::string(head) + "' before '='");
  }
  d.name = std::string(Trim(head.substr(0, open)));
  if (!IsIdentifier(d.name)) fail("bad operator name '" + d.name + "'");
  if (IsBuiltinFunctionName(d.name)) fail("'" + d.name + "' is a built-in operator");
  std::string_view params = head.substr(open + 1, head.size() - open - 2);
  while (true) {
    const std::size_t comma = params.find(',');
    const std::string param(Trim(params.substr(0, comma)));
    if (!IsIdentifier(param)) fail("bad parameter '" + param + "' of '" + d.name + "'");
    if (std::find(d.parameters.begin(), d.parameters.end(), param) != d.parameters.end()) {
      fail("parameter '" + param + "' named twice");
    }
    d.parameters.push_back(param);
    if (comma == std::string_view::npos) break;
    params.remove_prefix(comma + 1);
  }
  if (d.arity() > 2) {
    fail("'" + d.name + "' takes " + std::to_string(d.arity()) +
         " arguments; an operator takes 1 or 2");
  }
  if (CallsItself(body, d.name)) fail("'" + d.name + "' calls itself");
  try {
    for (const std::string& p : d.parameters) d.library.AddVariable(p, Dimension());
    d.body = ParseFormula(body, d.library);
    if (!DeriveUnitRule(d, body)) {
      fail("the units of '" + d.name +
           "' follow no rule the search knows (a dimensionless argument, any argument to a "
           "power, equal units, a product or a quotient)");
    }
  } catch (const InputError& e) {
    const std::string what = e.what();
    if (what.starts_with("definition '")) throw;
    fail(what);
  }
  return d;
}

namespace {

void ExpandInto(std::span<const TokenId> tokens, std::size_t& pos, const Library& library,
                std::vector<const Token*>& out) {
  const Token& t = library[tokens[pos++]];
  if (t.op != OpCode::kDefined) {
    out.push_back(&t);
    for (int k = 0; k < t.arity; ++k) ExpandInto(tokens, pos, library, out);
    return;
  }
  std::vector<std::vector<const Token*>> arguments(static_cast<std::size_t>(t.arity));
  for (std::vector<const Token*>& argument : arguments) ExpandInto(tokens, pos, library, argument);
  const OperatorDefinition& d = *library.definitions()[static_cast<std::size_t>(t.index)];
  for (const TokenId id : d.body.tokens) {
    const Token& b = d.library[id];
    if (b.kind == TokenKind::kVariable) {
      const std::vector<const Token*>& argument = arguments[static_cast<std::size_t>(b.index)];
      out.insert(out.end(), argument.begin(), argument.end());
    } else {
      out.push_back(&b);
    }
  }
}

}  // namespace

std::vector<const Token*> ExpandDefinitions(std::span<const TokenId> tokens,
                                            const Library& library) {
  std::vector<const Token*> out;
  out.reserve(tokens.size());
  std::size_t pos = 0;
  if (!tokens.empty()) ExpandInto(tokens, pos, library, out);
  PHYSR_CHECK(pos == tokens.size(), "ExpandDefinitions needs a complete program");
  return out;
}

}  // namespace physr
