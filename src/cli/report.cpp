#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "options.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/token.hpp"
#include "physr/expr/unit_check.hpp"

namespace physr::cli {

FormulaReport MakeFormulaReport(const Program& program, const Library& library,
                                const FitMetrics& metrics,
                                std::span<const double> standard_errors) {
  FormulaReport report;
  PrintOptions names;
  PrintOptions values;
  values.substitute_constants = true;
  report.infix = ToInfix(program, library, names);
  report.infix_values = ToInfix(program, library, values);
  report.sympy = ToSympy(program, library, values);
  report.latex = ToLatex(program, library, values);
  const UnitCheckResult units = CheckUnits(program, library);
  report.dimension = units.dimension;
  if (!units.ok) report.unit_error = units.error;
  report.complexity = Complexity(program.tokens, library);
  report.metrics = metrics;
  std::vector<bool> seen(library.size(), false);
  for (const TokenId id : program.tokens) {
    const Token& token = library[id];
    if (seen[id]) continue;
    seen[id] = true;
    if (token.kind == TokenKind::kFixedConstant && IsIdentifier(token.name)) {
      report.constants.push_back(
          {token.name, token.value, std::nullopt, token.dimension.ToUnitString(), true});
    } else if (token.kind == TokenKind::kFreeConstant) {
      const auto slot = static_cast<std::size_t>(token.index);
      ConstantReport c{token.name, token.value, std::nullopt, token.dimension.ToUnitString(),
                       false};
      if (slot < program.constants.size()) c.value = program.constants[slot];
      if (slot < standard_errors.size() && std::isfinite(standard_errors[slot])) {
        c.standard_error = standard_errors[slot];
      }
      report.constants.push_back(std::move(c));
    }
  }
  return report;
}

std::string FormatNumber(double x, int digits) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

void PrintFormulaReport(std::ostream& out, const FormulaReport& report,
                        const std::string& target_unit) {
  const auto line = [&](std::string_view label, const std::string& value) {
    out << label;
    for (std::size_t i = label.size(); i < 12; ++i) out << ' ';
    out << value << '\n';
  };
  line("formula", report.infix);
  if (!report.unit_error.empty()) {
    line("units", "dimensionally invalid: " + report.unit_error);
  } else {
    line("units", report.dimension.ToUnitString() + "  (" +
                      (report.dimension.IsDimensionless() ? std::string("dimensionless")
                                                          : report.dimension.ToSymbolString()) +
                      ")");
  }
  line("complexity", FormatNumber(report.complexity));
  line("RMSE", FormatNumber(report.metrics.rmse) +
                   (target_unit == "1" ? std::string() : " " + target_unit));
  line("NRMSE", FormatNumber(report.metrics.nrmse));
  line("R2", FormatNumber(report.metrics.r2, 12));
  if (!report.constants.empty()) {
    out << "constants\n";
    for (const ConstantReport& c : report.constants) {
      // A given constant prints exactly as it reads back; a fitted one to 10 digits.
      out << "  " << c.name << " = " << (c.fixed ? JsonNumber(c.value) : FormatNumber(c.value, 10));
      if (c.standard_error) out << " \u00b1 " << FormatNumber(*c.standard_error, 3);
      out << " [" << c.unit << "]";
      if (c.fixed) {
        out << "  (given)";
      }
      out << '\n';
    }
  }
}

void WriteFormulaFields(JsonWriter& w, const FormulaReport& report) {
  w.Field("infix", report.infix_values);
  w.Field("sympy", report.sympy);
  w.Field("latex", report.latex);
  if (report.unit_error.empty()) {
    w.Field("units", report.dimension.ToUnitString());
  } else {
    w.Key("units");
    w.Null();
    w.Field("unit_error", report.unit_error);
  }
  w.Field("complexity", report.complexity);
  w.Field("rmse", report.metrics.rmse);
  w.Field("nrmse", report.metrics.nrmse);
  w.Field("r2", report.metrics.r2);
  w.Key("constants");
  w.BeginObject();
  for (const ConstantReport& c : report.constants) {
    w.Key(c.name);
    w.BeginObject();
    w.Field("value", c.value);
    w.Key("stderr");
    if (c.standard_error) {
      w.Number(*c.standard_error);
    } else {
      w.Null();
    }
    w.Field("unit", c.unit);
    if (c.fixed) {
      w.Key("fixed");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace physr::cli
