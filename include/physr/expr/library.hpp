// Library: the tokens one run may use, with dense ids. Built once from the user's choices
// (operators, data columns with units, fixed and free constants), then read-only and safe to
// share across threads. Not here: which token is allowed where (priors).
//
// Names live in two namespaces: operators (named as in Info(op).name) and terminals
// (variables, fixed and free constants). A name is unique within its namespace only, so a
// data column may be called n2, exp, log, inv or sin next to the operators of those names;
// the formula text tells them apart (parser.hpp: `n2(x)` is the operator, a bare `n2` the
// terminal).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "physr/expr/token.hpp"

namespace physr {

using TokenId = std::uint16_t;

struct OperatorDefinition;  // definition.hpp

struct VariableSpec {
  std::string name;
  Dimension dimension;
};
struct FixedConstantSpec {
  std::string name;
  double value = 0.0;
  Dimension dimension;
};
struct FreeConstantSpec {
  std::string name;
  Dimension dimension;
  double initial_value = 1.0;
};

// An operator's complexity (Token::complexity), e.g. {"sin", 2}: `--complexity sin=2`.
struct OperatorComplexity {
  std::string name;
  double complexity = 1.0;
};

struct LibrarySpec {
  // Names as in Info(op).name, or of an operator in `definitions`.
  std::vector<std::string> operators;
  // Defined operators, `NAME(x)=BODY` or `NAME(x,y)=BODY` (definition.hpp). Each joins the
  // library, after the listed operators unless `operators` names it.
  std::vector<std::string> definitions;
  std::vector<OperatorComplexity> complexity;  // applied last, by SetComplexity
  std::vector<VariableSpec> variables;         // in data-column order: variable i reads column i
  std::vector<FixedConstantSpec> fixed_constants;
  std::vector<FreeConstantSpec> free_constants;
};

class Library {
 public:
  Library() = default;
  // Throws InputError for an unknown operator name, a bad definition, an empty token name,
  // two terminals of the same name, a non-finite fixed-constant value or a bad complexity; the
  // message names the offending token. A terminal may share its name with an operator.
  static Library Build(const LibrarySpec& spec);

  // Adders used by Build and by the formula parser. Each throws InputError on a duplicate
  // name within its namespace (terminals or operators) and returns the new token's id. Variables
  // get consecutive column indices, free constants consecutive slots, in the order they are added.
  TokenId AddOperator(OpCode op);
  TokenId AddVariable(std::string name, Dimension dimension);
  TokenId AddFixedConstant(std::string name, double value, Dimension dimension);
  TokenId AddFreeConstant(std::string name, Dimension dimension, double initial_value = 1.0);
  // A defined operator (ParseDefinition); throws InputError when an operator of its name is
  // already there.
  TokenId AddDefined(std::shared_ptr<const OperatorDefinition> definition);
  // Sets the complexity of the operators named (built-in or defined). Throws InputError for a
  // name that is no operator at all, or a complexity that is not a finite number > 0; a
  // valid name the library lacks is passed over (the formula or search does not use it).
  void SetComplexity(std::span<const OperatorComplexity> complexity);

  std::size_t size() const { return tokens_.size(); }
  const Token& operator[](TokenId id) const { return tokens_[id]; }
  std::span<const Token> tokens() const { return tokens_; }
  // The terminal (variable, fixed or free constant) named `name`, if any.
  std::optional<TokenId> FindTerminal(std::string_view name) const;
  // The id of the operator token for `op`, if the library has it (not for kDefined).
  std::optional<TokenId> FindOperator(OpCode op) const;
  // The defined operator named `name`, if any.
  std::optional<TokenId> FindDefined(std::string_view name) const;
  // The definitions of the defined operators, indexed by their Token::index.
  std::span<const std::shared_ptr<const OperatorDefinition>> definitions() const {
    return definitions_;
  }
  // The token named `name`: the terminal of that name if there is one, else the operator
  // (so a column n2 hides the operator n2 here; use FindOperator to reach the operator).
  std::optional<TokenId> Find(std::string_view name) const;

  int num_variables() const { return num_variables_; }
  int num_free_constants() const { return num_free_constants_; }
  // Start values of the free constants, indexed by Token::index.
  std::vector<double> FreeConstantDefaults() const;

 private:
  TokenId Push(Token token);

  std::vector<Token> tokens_;
  std::vector<std::shared_ptr<const OperatorDefinition>> definitions_;
  int num_variables_ = 0;
  int num_free_constants_ = 0;
};

}  // namespace physr
