// Defined operators (`sinc(x)=sin(x)/x`): parsing, unit rules, the library, evaluation with
// the Jacobian, printing and reading back.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/definition.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/input_error.hpp"

namespace physr {
namespace {

using testing::InputErrorOf;

std::string DefinitionError(const std::string& text) {
  return InputErrorOf([&] { (void)ParseDefinition(text); });
}

// x [m], t [s], u [1], then sinc and hyp; free constants k0, k1 (dimensionless).
Library TestLibrary() {
  LibrarySpec spec;
  spec.operators = {"add", "mul"};
  spec.definitions = {"sinc(x)=sin(x)/x", "hyp(x, y) = sqrt(x^2 + y^2)"};
  spec.variables = {{"x", units::ParseUnit("m")}, {"t", units::ParseUnit("s")}, {"u", Dimension()}};
  spec.free_constants = {{"k0", Dimension(), 1.0}, {"k1", Dimension(), 1.0}};
  return Library::Build(spec);
}

}  // namespace

TEST_CASE("definitions: parameters, body and the unit rule derived from the body") {
  const OperatorDefinition sinc = ParseDefinition(" sinc(x)=sin(x)/x ");
  CHECK(sinc.name == "sinc");
  CHECK(sinc.text == "sinc(x)=sin(x)/x");
  CHECK(sinc.arity() == 1);
  CHECK(sinc.rule == UnitRule::kDimensionless);
  CHECK(ParseDefinition("hyp(x,y)=sqrt(x^2+y^2)").rule == UnitRule::kSame);
  CHECK(ParseDefinition("twice(x)=2*x").rule == UnitRule::kPreserve);
  const OperatorDefinition cube_root = ParseDefinition("f(x)=x^(1/3)*pi");
  CHECK(cube_root.rule == UnitRule::kPower);
  CHECK(cube_root.power == Rational(1, 3));
  const OperatorDefinition square = ParseDefinition("sq2(x)=x*x/2");
  CHECK(square.rule == UnitRule::kPower);
  CHECK(square.power == Rational(2));
  CHECK(ParseDefinition("p(x,y)=3*x*y").rule == UnitRule::kProduct);
  CHECK(ParseDefinition("q(a,b)=a/(2*b)").rule == UnitRule::kQuotient);
}

TEST_CASE("definitions: bad ones are refused with the offending token named") {
  CHECK(DefinitionError("sinc(x)") ==
        "definition 'sinc(x)': expected NAME(x)=BODY or NAME(x,y)=BODY");
  CHECK(DefinitionError("sin(x)=x") == "definition 'sin(x)=x': 'sin' is a built-in operator");
  CHECK(DefinitionError("ln(x)=log(x)").find("'ln' is a built-in") != std::string::npos);
  CHECK(DefinitionError("f(x)=2*f(x)") == "definition 'f(x)=2*f(x)': 'f' calls itself");
  CHECK(DefinitionError("f(x,y,z)=x").find("'f' takes 3 arguments") != std::string::npos);
  CHECK(DefinitionError("f()=1").find("bad parameter ''") != std::string::npos);
  CHECK(DefinitionError("f(x,x)=x").find("parameter 'x' named twice") != std::string::npos);
  CHECK(DefinitionError("2f(x)=x").find("bad operator name '2f'") != std::string::npos);
  CHECK(DefinitionError("f(x)=cosh(x)").find("'cosh' is not a function") != std::string::npos);
  CHECK(DefinitionError("f(x)=x+z").find("unknown name 'z'") != std::string::npos);
  CHECK(DefinitionError("f(x)=sin(x").find("unclosed '('") != std::string::npos);
  CHECK(DefinitionError("f(x,y)=x^2+y^2").find("follow no rule") != std::string::npos);
  CHECK(DefinitionError("f(x)=x/x").find("follow no rule") != std::string::npos);
}

TEST_CASE("definitions: the library holds them, --ops may name them, complexities apply") {
  const Library library = TestLibrary();
  const std::optional<TokenId> sinc = library.FindDefined("sinc");
  REQUIRE(sinc.has_value());
  CHECK(library[*sinc].op == OpCode::kDefined);
  CHECK(library[*sinc].arity == 1);
  CHECK(library.definitions().size() == 2);

  LibrarySpec spec;
  spec.operators = {"sinc", "mul"};
  spec.definitions = {"sinc(x)=sin(x)/x"};
  spec.complexity = {{"sinc", 2.5}, {"tan", 3.0}};  // tan is not in the library: passed over
  const Library named = Library::Build(spec);
  CHECK(named[0].name == "sinc");
  CHECK(named[0].complexity == 2.5);
  CHECK(named[1].complexity == 1.0);

  spec.operators = {"cosh"};
  CHECK(InputErrorOf([&] {
          (void)Library::Build(spec);
        }).find("unknown operator 'cosh' (valid: ") != std::string::npos);
  spec.operators = {"mul"};
  spec.complexity = {{"sinc", 0.0}};
  CHECK(InputErrorOf([&] { (void)Library::Build(spec); }) ==
        "complexity of 'sinc' must be a finite number > 0");
  spec.complexity = {{"cosh", 2.0}};
  CHECK(InputErrorOf([&] { (void)Library::Build(spec); }).find("unknown operator 'cosh'") !=
        std::string::npos);
  spec.complexity = {};
  spec.definitions = {"g(x)=x", "g(x)=2*x"};
  CHECK(InputErrorOf([&] { (void)Library::Build(spec); }) == "operator 'g' defined twice");
}

TEST_CASE("definitions: units follow the rule derived from the body") {
  Library library = TestLibrary();
  auto check = [&](const std::string& text) {
    return CheckUnits(ParseFormula(text, library), library);
  };
  CHECK(check("sinc(u)").ok);
  CHECK(check("sinc(x/x)").ok);
  const UnitCheckResult bad = check("sinc(x)");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == "sinc: argument must be dimensionless, got L at token 0");
  const UnitCheckResult hyp = check("hyp(x, x*u)");
  REQUIRE(hyp.ok);
  CHECK(hyp.dimension == units::ParseUnit("m"));
  const UnitCheckResult mixed = check("hyp(x, t)");
  CHECK_FALSE(mixed.ok);
  CHECK(mixed.error == "hyp: arguments must have equal units, got L and T at token 0");
  CHECK(Complexity(ParseFormula("hyp(x, t)", library).tokens, library) == 3.0);
}

TEST_CASE("definitions: values and the Jacobian of the free constants are the body's") {
  Library library = TestLibrary();
  Program program = ParseFormula("sinc(k0*u) + hyp(u, k1)", library);
  program.constants = {0.7, 1.9};
  const CompiledProgram compiled = Compile(program, library);
  REQUIRE(compiled.num_free() == 2);

  Eigen::MatrixXd X(50, 3);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    X(i, 0) = 0.0;
    X(i, 1) = 0.0;
    X(i, 2) = 0.1 + 0.2 * static_cast<double>(i);
  }
  auto direct = [](double u, double k0, double k1) {
    return std::sin(k0 * u) / (k0 * u) + std::sqrt(u * u + k1 * k1);
  };
  std::vector<double> out(50);
  Eigen::MatrixXd jacobian(50, 2);
  REQUIRE(Evaluator().EvaluateWithJacobian(compiled, X, program.constants, out, jacobian));
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double u = X(i, 2);
    const auto row = static_cast<std::size_t>(i);
    CHECK(out[row] == doctest::Approx(direct(u, 0.7, 1.9)).epsilon(1e-13));
    // Free-constant slots k0 and k1 are Jacobian columns 0 and 1 (order of appearance).
    const double d0 = (direct(u, 0.7 + h, 1.9) - direct(u, 0.7 - h, 1.9)) / (2 * h);
    const double d1 = (direct(u, 0.7, 1.9 + h) - direct(u, 0.7, 1.9 - h)) / (2 * h);
    CHECK(jacobian(i, 0) == doctest::Approx(d0).epsilon(1e-6));
    CHECK(jacobian(i, 1) == doctest::Approx(d1).epsilon(1e-6));
  }
}

TEST_CASE("definitions: printed by name, read back to the same program") {
  Library library = TestLibrary();
  const Program program = ParseFormula("sinc(k0*u) + hyp(x, t*k1)", library);
  const std::string infix = ToInfix(program, library);
  CHECK(infix == "sinc(k0*u) + hyp(x, t*k1)");
  CHECK(ParseFormula(infix, library) == program);
  CHECK(ToSympy(program, library) == "sinc(k0*u) + hyp(x, t*k1)");
  CHECK(ToLatex(program, library).find("\\operatorname{sinc}\\left(") != std::string::npos);
  CHECK(InputErrorOf([&] { (void)ParseFormula("hyp(x)", library); }).find("takes 2 arguments") !=
        std::string::npos);
  CHECK(InputErrorOf([&] {
          (void)ParseFormula("sinc", library);
        }).find("'sinc' needs parentheses") != std::string::npos);
}

}  // namespace physr
