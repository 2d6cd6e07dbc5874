#include "physr/search/saved_result.hpp"

#include <limits>

#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/expr/definition.hpp"
#include "physr/expr/parser.hpp"
#include "physr/search/config.hpp"
#include "search_internal.hpp"

namespace physr {

LibrarySpec SpecOfLibrary(const Library& library) {
  LibrarySpec spec;
  for (const auto& definition : library.definitions()) spec.definitions.push_back(definition->text);
  for (const Token& t : library.tokens()) {
    switch (t.kind) {
      case TokenKind::kOperator:
        // A defined operator comes back from its definition, which adds it.
        if (t.op != OpCode::kDefined) spec.operators.emplace_back(t.name);
        if (t.complexity != 1.0) spec.complexity.push_back({t.name, t.complexity});
        break;
      case TokenKind::kVariable:
        spec.variables.push_back({t.name, t.dimension});
        break;
      case TokenKind::kFixedConstant:
        spec.fixed_constants.push_back({t.name, t.value, t.dimension});
        break;
      case TokenKind::kFreeConstant:
        spec.free_constants.push_back({t.name, t.dimension, t.value});
        break;
    }
  }
  return spec;
}

std::uint64_t DataFingerprint(const Dataset& data) {
  return Avalanche(MixData(0x5048595344415441ULL, data));
}

Program RestoreProgram(Library& library, const std::string& expression,
                       const std::vector<std::pair<std::string, double>>& constants) {
  Program program = ParseFormula(expression, library);
  program.constants = library.FreeConstantDefaults();
  std::vector<bool> given(program.constants.size(), false);
  for (const auto& [name, value] : constants) {
    const auto id = library.FindTerminal(name);
    if (!id) throw InputError("formula '" + expression + "': unknown constant '" + name + "'");
    const Token& token = library[*id];
    if (token.kind != TokenKind::kFreeConstant) continue;  // fixed: the library has its value
    const auto slot = static_cast<std::size_t>(token.index);
    program.constants[slot] = value;
    given[slot] = true;
  }
  for (const TokenId id : program.tokens) {
    const Token& token = library[id];
    if (token.kind == TokenKind::kFreeConstant && !given[static_cast<std::size_t>(token.index)]) {
      throw InputError("formula '" + expression + "': no value for the constant '" + token.name +
                       "'");
    }
  }
  return program;
}

Formula RestoreFormula(Library& library, const std::string& expression,
                       const std::vector<std::pair<std::string, double>>& constants,
                       const std::vector<std::pair<std::string, double>>& standard_errors,
                       const SavedMetrics& metrics) {
  const Program program = RestoreProgram(library, expression, constants);
  FitResult fit;
  fit.constants = program.constants;
  fit.standard_errors.assign(fit.constants.size(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& [name, error] : standard_errors) {
    const auto id = library.FindTerminal(name);
    if (id && library[*id].kind == TokenKind::kFreeConstant) {
      fit.standard_errors[static_cast<std::size_t>(library[*id].index)] = error;
    }
  }
  fit.rmse = metrics.rmse;
  fit.nrmse = metrics.nrmse;
  fit.r2 = metrics.r2;
  return MakeFormula(program, library, fit);
}

}  // namespace physr
