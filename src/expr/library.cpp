#include "physr/expr/library.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "physr/core/error.hpp"
#include "physr/expr/definition.hpp"

namespace physr {

namespace {

// "add, sub, ..., abs, pow" and the defined names: what --ops accepts.
std::string ValidOperatorNames(const std::vector<std::shared_ptr<const OperatorDefinition>>& defs) {
  std::string names = BuiltinOperatorNames();
  for (const auto& d : defs) names += ", " + d->name;
  return names;
}

}  // namespace

Library Library::Build(const LibrarySpec& spec) {
  std::vector<std::shared_ptr<const OperatorDefinition>> defs;
  for (const std::string& text : spec.definitions) {
    auto d = std::make_shared<const OperatorDefinition>(ParseDefinition(text));
    for (const auto& other : defs) {
      if (other->name == d->name) throw InputError("operator '" + d->name + "' defined twice");
    }
    defs.push_back(std::move(d));
  }
  auto defined = [&](const std::string& name) {
    return std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d->name == name; });
  };
  Library library;
  for (const std::string& name : spec.operators) {
    if (const std::optional<OpCode> op = OperatorByName(name)) {
      library.AddOperator(*op);
    } else if (const auto d = defined(name); d != defs.end()) {
      if (!library.FindDefined(name)) library.AddDefined(*d);
    } else {
      throw InputError("unknown operator '" + name + "' (valid: " + ValidOperatorNames(defs) + ")");
    }
  }
  for (const auto& d : defs) {
    if (!library.FindDefined(d->name)) library.AddDefined(d);
  }
  for (const VariableSpec& v : spec.variables) library.AddVariable(v.name, v.dimension);
  for (const FixedConstantSpec& c : spec.fixed_constants) {
    library.AddFixedConstant(c.name, c.value, c.dimension);
  }
  for (const FreeConstantSpec& c : spec.free_constants) {
    library.AddFreeConstant(c.name, c.dimension, c.initial_value);
  }
  library.SetComplexity(spec.complexity);
  return library;
}

TokenId Library::Push(Token token) {
  if (token.name.empty()) throw InputError("a token needs a non-empty name");
  // Operators and terminals are separate namespaces: a column may be named like an operator.
  const bool terminal = token.IsTerminal();
  for (const Token& t : tokens_) {
    if (t.IsTerminal() == terminal && t.name == token.name) {
      throw InputError("duplicate token name '" + token.name + "'");
    }
  }
  if (tokens_.size() >= std::numeric_limits<TokenId>::max()) {
    throw InputError("too many tokens in the library");
  }
  tokens_.push_back(std::move(token));
  return static_cast<TokenId>(tokens_.size() - 1);
}

TokenId Library::AddOperator(OpCode op) {
  const OperatorInfo& info = Info(op);
  PHYSR_CHECK(info.arity > 0, "AddOperator needs an operator opcode");
  if (const auto existing = FindOperator(op)) return *existing;
  Token t;
  t.name = std::string(info.name);
  t.op = op;
  t.kind = TokenKind::kOperator;
  t.arity = info.arity;
  t.rule = info.rule;
  t.power = info.power;
  return Push(std::move(t));
}

TokenId Library::AddDefined(std::shared_ptr<const OperatorDefinition> definition) {
  PHYSR_CHECK(definition != nullptr, "AddDefined needs a definition");
  Token t;
  t.name = definition->name;
  t.op = OpCode::kDefined;
  t.kind = TokenKind::kOperator;
  t.arity = definition->arity();
  t.rule = definition->rule;
  t.power = definition->power;
  t.index = static_cast<int>(definitions_.size());
  const TokenId id = Push(std::move(t));
  definitions_.push_back(std::move(definition));
  return id;
}

void Library::SetComplexity(std::span<const OperatorComplexity> complexity) {
  for (const OperatorComplexity& c : complexity) {
    if (!OperatorByName(c.name) && !FindDefined(c.name)) {
      throw InputError("complexity of unknown operator '" + c.name +
                       "' (valid: " + ValidOperatorNames(definitions_) + ")");
    }
    if (!(c.complexity > 0.0) || !std::isfinite(c.complexity)) {
      throw InputError("complexity of '" + c.name + "' must be a finite number > 0");
    }
    for (Token& t : tokens_) {
      if (t.kind == TokenKind::kOperator && t.name == c.name) t.complexity = c.complexity;
    }
  }
}

TokenId Library::AddVariable(std::string name, Dimension dimension) {
  Token t;
  t.name = std::move(name);
  t.op = OpCode::kVariable;
  t.kind = TokenKind::kVariable;
  t.dimension = dimension;
  t.index = num_variables_;
  const TokenId id = Push(std::move(t));
  ++num_variables_;
  return id;
}

TokenId Library::AddFixedConstant(std::string name, double value, Dimension dimension) {
  if (!std::isfinite(value)) {
    throw InputError("constant '" + name + "' must have a finite value");
  }
  Token t;
  t.name = std::move(name);
  t.op = OpCode::kFixedConstant;
  t.kind = TokenKind::kFixedConstant;
  t.dimension = dimension;
  t.value = value;
  return Push(std::move(t));
}

TokenId Library::AddFreeConstant(std::string name, Dimension dimension, double initial_value) {
  if (!std::isfinite(initial_value)) {
    throw InputError("free constant '" + name + "' must have a finite start value");
  }
  Token t;
  t.name = std::move(name);
  t.op = OpCode::kFreeConstant;
  t.kind = TokenKind::kFreeConstant;
  t.dimension = dimension;
  t.value = initial_value;
  t.index = num_free_constants_;
  const TokenId id = Push(std::move(t));
  ++num_free_constants_;
  return id;
}

std::optional<TokenId> Library::FindTerminal(std::string_view name) const {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].IsTerminal() && tokens_[i].name == name) return static_cast<TokenId>(i);
  }
  return std::nullopt;
}

std::optional<TokenId> Library::Find(std::string_view name) const {
  if (const std::optional<TokenId> id = FindTerminal(name)) return id;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].name == name) return static_cast<TokenId>(i);
  }
  return std::nullopt;
}

std::optional<TokenId> Library::FindDefined(std::string_view name) const {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].op == OpCode::kDefined && tokens_[i].name == name) {
      return static_cast<TokenId>(i);
    }
  }
  return std::nullopt;
}

std::optional<TokenId> Library::FindOperator(OpCode op) const {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].kind == TokenKind::kOperator && tokens_[i].op == op) {
      return static_cast<TokenId>(i);
    }
  }
  return std::nullopt;
}

std::vector<double> Library::FreeConstantDefaults() const {
  std::vector<double> values(static_cast<std::size_t>(num_free_constants_), 1.0);
  for (const Token& t : tokens_) {
    if (t.kind == TokenKind::kFreeConstant) values[static_cast<std::size_t>(t.index)] = t.value;
  }
  return values;
}

}  // namespace physr
