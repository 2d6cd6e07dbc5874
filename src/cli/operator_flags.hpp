// The operator flags of `physr fit` and `physr eval`: `--ops` (fit), `--complexity NAME=N,...`
// and `--define 'NAME(x)=BODY'` (repeatable), checked right after the command line is parsed,
// before any data is read; and the `define` lines and `definitions` JSON field that record
// the defined operators a result uses. Not here: what a definition means (expr/definition.hpp).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "json.hpp"
#include "physr/expr/library.hpp"

namespace physr::cli {

struct OperatorFlags {
  std::string ops;                       // --ops add,mul,sinc (fit only)
  std::vector<std::string> complexity;   // --complexity sin=2,exp=2 (repeatable)
  std::vector<std::string> definitions;  // --define 'sinc(x)=sin(x)/x' (repeatable)
};

// What the flags choose: the operators (nullopt without --ops), the definitions' texts and
// the complexities.
struct OperatorChoices {
  std::optional<std::vector<std::string>> operators;
  std::vector<std::string> definitions;
  std::vector<OperatorComplexity> complexity;
};

// Adds --complexity and --define to `cmd`, and --ops when `with_ops`; the help lists the
// valid operator names.
void AddOperatorFlags(CLI::App* cmd, OperatorFlags& flags, bool with_ops);

// Checks and parses the flags. Throws InputError naming the flag and the bad token: an
// operator name that is neither built in nor defined (with the valid names), a complexity
// that is not NAME=NUMBER with a finite NUMBER > 0, a bad definition (ParseDefinition), an
// operator defined twice.
OperatorChoices ParseOperatorFlags(const OperatorFlags& flags);

// `define      sinc(x)=sin(x)/x`, one line per defined operator of `library`.
void PrintDefinitions(std::ostream& out, const Library& library);
// `"definitions": ["sinc(x)=sin(x)/x"]`, only when `library` has defined operators.
void WriteDefinitions(JsonWriter& w, const Library& library);

}  // namespace physr::cli
