#include "operator_flags.hpp"

#include <algorithm>
#include <cmath>

#include "options.hpp"
#include "physr/core/error.hpp"
#include "physr/expr/definition.hpp"
#include "physr/search/config.hpp"

namespace physr::cli {
namespace {

std::vector<std::string> SplitAtCommas(const std::string& text) {
  std::vector<std::string> parts(1);
  for (const char c : text) {
    if (c == ',') {
      parts.emplace_back();
    } else if (c != ' ') {
      parts.back().push_back(c);
    }
  }
  return parts;
}

// Throws for `name` that is neither a built-in operator nor one of `defined`.
void CheckOperatorName(const std::string& flag, const std::string& name,
                       const std::vector<std::string>& defined) {
  if (OperatorByName(name) || std::find(defined.begin(), defined.end(), name) != defined.end()) {
    return;
  }
  std::string valid = BuiltinOperatorNames();
  for (const std::string& d : defined) valid += ", " + d;
  throw InputError(flag + ": unknown operator '" + name + "' (valid: " + valid + ")");
}

OperatorComplexity ParseComplexityItem(const std::string& item,
                                       const std::vector<std::string>& defined) {
  const std::size_t eq = item.find('=');
  if (eq == std::string::npos) {
    throw InputError("--complexity: expected NAME=NUMBER, got '" + item + "'");
  }
  OperatorComplexity c{item.substr(0, eq), 0.0};
  CheckOperatorName("--complexity", c.name, defined);
  const std::string number = item.substr(eq + 1);
  if (!ParseDouble(number, c.complexity) || !std::isfinite(c.complexity) || !(c.complexity > 0)) {
    throw InputError("--complexity: the complexity of '" + c.name +
                     "' must be a number > 0, got '" + number + "'");
  }
  return c;
}

}  // namespace

void AddOperatorFlags(CLI::App* cmd, OperatorFlags& flags, bool with_ops) {
  if (with_ops) {
    std::string defaults;
    for (const std::string& n : DefaultOperators()) defaults += (defaults.empty() ? "" : ",") + n;
    cmd->add_option("--ops", flags.ops,
                    "Operators to use, replacing the defaults (" + defaults +
                        "); valid: " + BuiltinOperatorNames() + ", and the names --define gives")
        ->type_name("OP,...");
  }
  cmd->add_option("--complexity", flags.complexity,
                  "Complexity of operators (default 1 each), e.g. sin=2,exp=2 (repeatable)")
      ->type_name("OP=N,...")
      ->allow_extra_args(false);
  cmd->add_option("--define", flags.definitions,
                  "Define an operator over built-in ones, e.g. 'sinc(x)=sin(x)/x' or "
                  "'hyp(x,y)=sqrt(x^2+y^2)' (repeatable; used by the search like a built-in)")
      ->type_name("NAME(x[,y])=BODY")
      ->allow_extra_args(false);
}

OperatorChoices ParseOperatorFlags(const OperatorFlags& flags) {
  OperatorChoices choices;
  std::vector<std::string> defined;
  for (const std::string& text : flags.definitions) {
    const OperatorDefinition d = ParseDefinition(text);
    if (std::find(defined.begin(), defined.end(), d.name) != defined.end()) {
      throw InputError("--define: operator '" + d.name + "' defined twice");
    }
    defined.push_back(d.name);
    choices.definitions.push_back(d.text);
  }
  if (!flags.ops.empty()) {
    choices.operators = SplitAtCommas(flags.ops);
    for (const std::string& name : *choices.operators) CheckOperatorName("--ops", name, defined);
  }
  for (const std::string& text : flags.complexity) {
    for (const std::string& item : SplitAtCommas(text)) {
      choices.complexity.push_back(ParseComplexityItem(item, defined));
    }
  }
  return choices;
}

void PrintDefinitions(std::ostream& out, const Library& library) {
  for (const auto& d : library.definitions()) out << "define      " << d->text << "\n";
}

void WriteDefinitions(JsonWriter& w, const Library& library) {
  if (library.definitions().empty()) return;
  w.Key("definitions");
  w.BeginArray();
  for (const auto& d : library.definitions()) w.String(d->text);
  w.EndArray();
}

}  // namespace physr::cli
