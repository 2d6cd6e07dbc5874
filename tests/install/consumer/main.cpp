// Uses the installed physr library: builds a small dataset in memory (free fall, x = g·t²/2),
// parses a formula with one free constant, checks its units and fits the constant. Exits 0
// when g comes out as the value the data were made with, 1 otherwise.
#include <cmath>
#include <cstdio>
#include <exception>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/units/unit_parser.hpp"

int main() try {
  using physr::units::ParseUnit;
  constexpr double kG = 9.80665;
  constexpr int kRows = 8;

  physr::Dataset data;
  data.names = {"t"};
  data.dimensions = {ParseUnit("s")};
  data.target_name = "x";
  data.target_dimension = ParseUnit("m");
  data.X.resize(kRows, 1);
  data.y.resize(kRows);
  for (int i = 0; i < kRows; ++i) {
    const double t = 0.25 * (i + 1);
    data.X(i, 0) = t;
    data.y(i) = 0.5 * kG * t * t;
  }

  physr::Library library;
  library.AddVariable("t", ParseUnit("s"));
  library.AddFreeConstant("g", ParseUnit("m/s^2"));
  const physr::Program program = physr::ParseFormula("g*t^2/2", library);

  const physr::UnitCheckResult units = physr::CheckUnits(program, library, data.target_dimension);
  if (!units.ok) {
    std::fprintf(stderr, "consumer: units: %s\n", units.error.c_str());
    return 1;
  }

  const physr::FitResult fit = physr::FitConstants(program, library, data);
  const double g = fit.constants.at(0);
  std::printf("%s: g = %.9g (rmse %.3g, %d iterations)\n", physr::ToInfix(program, library).c_str(),
              g, fit.rmse, fit.iterations);
  if (!fit.converged || std::abs(g - kG) > 1e-9 * kG) {
    std::fprintf(stderr, "consumer: expected g = %.9g\n", kG);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "consumer: %s\n", e.what());
  return 1;
}
