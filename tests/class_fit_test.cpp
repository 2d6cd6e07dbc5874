#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <oneapi/tbb/global_control.h>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/data/class_dataset.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/parser.hpp"
#include "physr/fit/class_fitter.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

bool BitEqual(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

Dataset Member(int rows, double lo, double hi, const std::function<double(double)>& f,
               Rng* noise = nullptr, double sigma = 0.0) {
  Dataset d;
  d.names = {"x"};
  d.dimensions = {Dimension()};
  d.target_name = "y";
  d.X.resize(rows, 1);
  d.y.resize(rows);
  for (int i = 0; i < rows; ++i) {
    const double x = lo + (hi - lo) * i / std::max(rows - 1, 1);
    d.X(i, 0) = x;
    d.y(i) = f(x) + (noise != nullptr ? sigma * noise->Normal() : 0.0);
  }
  return d;
}

// x dimensionless; free constants named in `class_names` (class) then `specific_names`.
struct Setup {
  Library library;
  ClassConstantRoles roles;
};

Setup MakeSetup(const std::vector<std::string>& class_names,
                const std::vector<std::string>& specific_names) {
  Setup s;
  s.library.AddVariable("x", Dimension());
  for (const auto& name : class_names) {
    s.library.AddFreeConstant(name, Dimension());
    s.roles.specific.push_back(false);
  }
  for (const auto& name : specific_names) {
    s.library.AddFreeConstant(name, Dimension());
    s.roles.specific.push_back(true);
  }
  return s;
}

double SlotValue(const Setup& s, const DatasetFit& fit, const std::string& name) {
  const Token& token = s.library[*s.library.FindTerminal(name)];
  return fit.constants[static_cast<std::size_t>(token.index)];
}

double SlotError(const Setup& s, const DatasetFit& fit, const std::string& name) {
  const Token& token = s.library[*s.library.FindTerminal(name)];
  return fit.standard_errors[static_cast<std::size_t>(token.index)];
}

TEST_CASE("MakeClassDataset: errors name the dataset that differs or is empty") {
  const auto f = [](double x) { return x; };
  CHECK_THROWS_AS(MakeClassDataset({}, {}), InputError);

  std::vector<Dataset> empty_one = {Member(5, 0, 1, f), Member(0, 0, 1, f)};
  CHECK_THROWS_WITH_AS(MakeClassDataset(std::move(empty_one), {"a.csv", "b.csv"}),
                       doctest::Contains("b.csv: the dataset has no rows"), InputError);

  Dataset renamed = Member(5, 0, 1, f);
  renamed.names = {"t"};
  std::vector<Dataset> names = {Member(5, 0, 1, f), std::move(renamed)};
  CHECK_THROWS_WITH_AS(MakeClassDataset(std::move(names), {"a.csv", "b.csv"}),
                       doctest::Contains("b.csv: columns t[1] -> y[1] differ from a.csv's x[1]"),
                       InputError);

  Dataset metres = Member(5, 0, 1, f);
  metres.dimensions = {units::ParseUnit("m")};
  std::vector<Dataset> dims = {Member(5, 0, 1, f), std::move(metres)};
  CHECK_THROWS_WITH_AS(MakeClassDataset(std::move(dims), {"a.csv", "c.csv"}),
                       doctest::Contains("c.csv: columns x[m]"), InputError);

  Dataset seconds = Member(5, 0, 1, f);
  seconds.target_dimension = units::ParseUnit("s");
  std::vector<Dataset> target = {Member(5, 0, 1, f), std::move(seconds)};
  CHECK_THROWS_WITH_AS(MakeClassDataset(std::move(target), {"a.csv", "d.csv"}),
                       doctest::Contains("d.csv"), InputError);

  Dataset weighted = Member(5, 0, 1, f);
  weighted.weights = Eigen::VectorXd::Ones(5);
  std::vector<Dataset> mixed = {Member(5, 0, 1, f), std::move(weighted)};
  CHECK_THROWS_WITH_AS(MakeClassDataset(std::move(mixed), {"a.csv", "e.csv"}),
                       doctest::Contains("e.csv: weighted and unweighted"), InputError);

  std::vector<Dataset> good = {Member(5, 0, 1, f), Member(7, 0, 1, f)};
  const ClassDataset data = MakeClassDataset(std::move(good), {"a", "b"});
  CHECK(data.size() == 2);
  CHECK(data.total_rows() == 12);
}

TEST_CASE("SplitByGroup splits one table by a column's values; PoolClass stacks them back") {
  Dataset table;
  table.names = {"run", "x"};
  table.dimensions = {Dimension(), units::ParseUnit("m")};
  table.target_name = "y";
  table.X.resize(5, 2);
  table.X << 2, 0.1, 1, 0.2, 2, 0.3, 7, 0.4, 1, 0.5;
  table.y = Eigen::VectorXd::LinSpaced(5, 1.0, 5.0);
  table.weights = Eigen::VectorXd::LinSpaced(5, 0.5, 2.5);
  const ClassDataset data = SplitByGroup(table, "run", "t.csv");
  REQUIRE(data.size() == 3);  // in order of first appearance: 2, 1, 7
  CHECK(data.names == std::vector<std::string>{"t.csv:run=2", "t.csv:run=1", "t.csv:run=7"});
  const Dataset& two = data.members[0];
  CHECK(two.names == std::vector<std::string>{"x"});
  CHECK(two.dimensions == std::vector<Dimension>{units::ParseUnit("m")});
  REQUIRE(two.rows() == 2);
  CHECK(two.X(0, 0) == 0.1);
  CHECK(two.X(1, 0) == 0.3);
  CHECK(two.y(1) == 3.0);
  CHECK(two.weights(1) == 1.5);
  CHECK(data.members[1].y(1) == 5.0);
  CHECK(data.members[2].rows() == 1);

  const Dataset pooled = PoolClass(data);
  REQUIRE(pooled.rows() == 5);
  const std::vector<double> ys = {1, 3, 2, 5, 4};
  for (Eigen::Index i = 0; i < 5; ++i) CHECK(pooled.y(i) == ys[static_cast<std::size_t>(i)]);
  CHECK(pooled.weights(3) == 2.5);
  CHECK(pooled.names == std::vector<std::string>{"x"});

  CHECK_THROWS_WITH_AS(SplitByGroup(table, "dataset", "t.csv"),
                       doctest::Contains("t.csv: no input column 'dataset'"), InputError);
  table.X(3, 0) = std::nan("");
  CHECK_THROWS_WITH_AS(SplitByGroup(table, "run", "t.csv"),
                       doctest::Contains("t.csv: row 4 of the group column 'run'"), InputError);
}

// y_k = a·x + b_k with noise: linear in the parameters, so the joint least-squares solution and
// its covariance have a closed form from the design matrix [x, one-hot(dataset)].
TEST_CASE("Class fit of a linear law matches the closed-form least squares and its errors") {
  Setup s = MakeSetup({"a"}, {"b"});
  const Program program = ParseFormula("a*x + b", s.library);
  const std::vector<double> offsets = {0.5, -2.0, 3.0};
  const std::vector<int> rows = {20, 35, 11};
  Rng noise(3, 0);
  std::vector<Dataset> members;
  for (std::size_t k = 0; k < offsets.size(); ++k) {
    members.push_back(Member(
        rows[k], -1.0 + static_cast<double>(k), 2.0 + static_cast<double>(k),
        [&](double x) { return 1.7 * x + offsets[k]; }, &noise, 0.05));
  }
  const ClassDataset data = MakeClassDataset(std::move(members), {"d0", "d1", "d2"});

  const auto n = static_cast<Eigen::Index>(data.total_rows());
  const Eigen::Index p = 1 + data.size();
  Eigen::MatrixXd design = Eigen::MatrixXd::Zero(n, p);
  Eigen::VectorXd y(n);
  Eigen::Index row = 0;
  for (int k = 0; k < data.size(); ++k) {
    const Dataset& m = data.members[static_cast<std::size_t>(k)];
    for (Eigen::Index i = 0; i < m.rows(); ++i, ++row) {
      design(row, 0) = m.X(i, 0);
      design(row, 1 + k) = 1.0;
      y(row) = m.y(i);
    }
  }
  const Eigen::VectorXd beta = design.colPivHouseholderQr().solve(y);
  const Eigen::VectorXd residual = design * beta - y;
  const double s2 = residual.squaredNorm() / static_cast<double>(n - p);
  const Eigen::MatrixXd cov = s2 * (design.transpose() * design).inverse();

  const ClassFitResult fit = FitClassConstants(program, s.library, s.roles, data);
  REQUIRE(fit.finite);
  CHECK(fit.converged);
  CHECK(fit.class_slots.size() == 1);
  CHECK(fit.specific_slots.size() == 1);
  REQUIRE(fit.datasets.size() == 3);
  CHECK(fit.cost == doctest::Approx(residual.squaredNorm()).epsilon(1e-9));
  for (int k = 0; k < data.size(); ++k) {
    const DatasetFit& d = fit.datasets[static_cast<std::size_t>(k)];
    CHECK(SlotValue(s, d, "a") == doctest::Approx(beta(0)).epsilon(1e-9));
    CHECK(SlotValue(s, d, "b") == doctest::Approx(beta(1 + k)).epsilon(1e-9));
    CHECK(SlotError(s, d, "a") == doctest::Approx(std::sqrt(cov(0, 0))).epsilon(1e-7));
    CHECK(SlotError(s, d, "b") == doctest::Approx(std::sqrt(cov(1 + k, 1 + k))).epsilon(1e-7));
    // Per-dataset figures from this dataset's residuals only.
    const Eigen::Index offset = k == 0 ? 0 : (k == 1 ? 20 : 55);
    const Eigen::VectorXd r_k =
        residual.segment(offset, data.members[static_cast<std::size_t>(k)].rows());
    CHECK(d.cost == doctest::Approx(r_k.squaredNorm()).epsilon(1e-8));
    const FitMetrics metrics = ComputeMetrics(
        {data.members[static_cast<std::size_t>(k)].y.data(), static_cast<std::size_t>(r_k.size())},
        {Eigen::VectorXd(data.members[static_cast<std::size_t>(k)].y + r_k).data(),
         static_cast<std::size_t>(r_k.size())},
        {});
    CHECK(d.nrmse == doctest::Approx(metrics.nrmse).epsilon(1e-7));
  }
  double reward = 0.0;
  for (const DatasetFit& d : fit.datasets) reward += 1.0 / (1.0 + d.nrmse) / 3.0;
  CHECK(fit.reward == doctest::Approx(reward).epsilon(1e-14));
  CHECK(fit.correlation.rows() == p);
}

// y_k = A_k·sin(w·x + φ_k): the stacked Jacobian against central differences of the residuals,
// and the block normal equations against the dense JᵀJ and Jᵀr.
TEST_CASE("ClassLeastSquares: Jacobian matches finite differences, block JtJ matches dense") {
  Setup s = MakeSetup({"w"}, {"A", "phi"});
  const Program program = ParseFormula("A*sin(w*x + phi)", s.library);
  const CompiledProgram compiled = Compile(program, s.library);
  std::vector<Dataset> members;
  members.push_back(Member(9, 0.0, 2.0, [](double x) { return std::cos(x); }));
  members.push_back(Member(13, -1.0, 1.0, [](double x) { return x * x; }));
  members.push_back(Member(6, 0.5, 3.0, [](double x) { return std::exp(-x); }));
  members[1].weights = Eigen::VectorXd::LinSpaced(13, 0.5, 2.0);
  members[0].weights = Eigen::VectorXd::Ones(9);
  members[2].weights = Eigen::VectorXd::Constant(6, 3.0);
  const ClassDataset data = MakeClassDataset(std::move(members), {"p", "q", "r"});
  std::vector<Evaluator> evaluators(3);
  ClassLeastSquares problem(compiled, s.roles, data, s.library.FreeConstantDefaults(), evaluators,
                            true);
  REQUIRE(problem.num_parameters() == 1 + 3 * 2);
  REQUIRE(problem.num_residuals() == 28);

  Eigen::VectorXd p(7);
  p << 1.3, 0.7, 0.2, -1.1, 0.9, 2.0, -0.4;
  Eigen::VectorXd r(28);
  Eigen::MatrixXd jac(28, 7);
  REQUIRE(problem.Evaluate(p, r, &jac));
  for (int j = 0; j < 7; ++j) {
    const double h = 1e-6 * std::max(1.0, std::abs(p(j)));
    Eigen::VectorXd plus = p, minus = p;
    plus(j) += h;
    minus(j) -= h;
    Eigen::VectorXd r_plus(28), r_minus(28);
    REQUIRE(problem.Evaluate(plus, r_plus, nullptr));
    REQUIRE(problem.Evaluate(minus, r_minus, nullptr));
    const Eigen::VectorXd fd = (r_plus - r_minus) / (2.0 * h);
    CHECK((fd - jac.col(j)).cwiseAbs().maxCoeff() <=
          1e-7 * std::max(1.0, fd.cwiseAbs().maxCoeff()));
  }
  // Dataset 1's rows do not depend on datasets 0's and 2's specific constants.
  CHECK(jac.block(9, 1, 13, 2).isZero(0.0));
  CHECK(jac.block(9, 5, 13, 2).isZero(0.0));

  Eigen::MatrixXd block_jtj(7, 7), dense_jtj(7, 7);
  Eigen::VectorXd block_g(7), dense_g(7);
  problem.NormalEquations(jac, r, block_jtj, block_g);
  problem.LeastSquaresProblem::NormalEquations(jac, r, dense_jtj, dense_g);
  CHECK((block_jtj - dense_jtj).cwiseAbs().maxCoeff() <= 1e-12 * dense_jtj.cwiseAbs().maxCoeff());
  CHECK((block_g - dense_g).cwiseAbs().maxCoeff() <= 1e-12 * dense_g.cwiseAbs().maxCoeff());
}

ClassDataset DecayClass(double noise_sigma) {
  // y_k = y0 · exp(−x / τ_k): y0 shared, τ per dataset.
  const std::vector<double> taus = {0.5, 1.5, 4.0, 0.9};
  std::vector<Dataset> members;
  std::vector<std::string> names;
  Rng noise(11, 0);
  for (std::size_t k = 0; k < taus.size(); ++k) {
    members.push_back(Member(
        40, 0.0, 3.0, [&](double x) { return 2.5 * std::exp(-x / taus[k]); }, &noise, noise_sigma));
    names.push_back("run" + std::to_string(k));
  }
  return MakeClassDataset(std::move(members), std::move(names));
}

TEST_CASE("Class fit recovers shared and specific constants of a nonlinear law exactly") {
  Setup s = MakeSetup({"y0"}, {"tau"});
  const Program program = ParseFormula("y0*exp(-x/tau)", s.library);
  const ClassDataset data = DecayClass(0.0);
  ClassFitOptions options;
  options.fit.restarts = 8;
  const ClassFitResult fit = FitClassConstants(program, s.library, s.roles, data, options);
  REQUIRE(fit.finite);
  const std::vector<double> taus = {0.5, 1.5, 4.0, 0.9};
  for (std::size_t k = 0; k < taus.size(); ++k) {
    CHECK(SlotValue(s, fit.datasets[k], "y0") == doctest::Approx(2.5).epsilon(1e-9));
    CHECK(SlotValue(s, fit.datasets[k], "tau") == doctest::Approx(taus[k]).epsilon(1e-9));
    CHECK(fit.datasets[k].nrmse <= 1e-9);
  }
  CHECK(fit.worst_nrmse <= 1e-9);
  CHECK(fit.reward == doctest::Approx(1.0).epsilon(1e-9));

  // A law with only class constants cannot fit every dataset: the reward says so.
  Setup shared = MakeSetup({"y0", "tau"}, {});
  const Program all_class = ParseFormula("y0*exp(-x/tau)", shared.library);
  const ClassFitResult worse =
      FitClassConstants(all_class, shared.library, shared.roles, data, options);
  CHECK(worse.specific_slots.empty());
  CHECK(worse.worst_nrmse > 0.05);
  CHECK(worse.reward < fit.reward);
}

bool BitEqual(const ClassFitResult& a, const ClassFitResult& b) {
  if (a.datasets.size() != b.datasets.size()) return false;
  for (std::size_t k = 0; k < a.datasets.size(); ++k) {
    const DatasetFit& x = a.datasets[k];
    const DatasetFit& y = b.datasets[k];
    if (x.constants.size() != y.constants.size() || !BitEqual(x.nrmse, y.nrmse)) return false;
    for (std::size_t i = 0; i < x.constants.size(); ++i) {
      if (!BitEqual(x.constants[i], y.constants[i]) ||
          !BitEqual(x.standard_errors[i], y.standard_errors[i])) {
        return false;
      }
    }
  }
  return BitEqual(a.cost, b.cost) && BitEqual(a.reward, b.reward) && a.iterations == b.iterations &&
         a.starts == b.starts;
}

TEST_CASE(
    "Class fits are bit-identical: datasets in parallel or in turn, batch at any thread count") {
  Setup s = MakeSetup({"y0"}, {"tau"});
  const ClassDataset data = DecayClass(0.01);
  std::vector<Program> programs;
  for (const char* text :
       {"y0*exp(-x/tau)", "y0/(x + tau)", "y0 - x*tau", "y0*exp(-x/tau)", "tau*cos(y0*x)"}) {
    programs.push_back(ParseFormula(text, s.library));
  }
  ClassFitOptions options;
  options.fit.restarts = 2;
  ClassFitOptions serial = options;
  serial.parallel_datasets = false;
  for (const Program& program : programs) {
    CHECK(BitEqual(FitClassConstants(program, s.library, s.roles, data, options),
                   FitClassConstants(program, s.library, s.roles, data, serial)));
  }
  std::vector<ClassFitResult> one_thread, two_threads;
  {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, 1);
    one_thread = FitClassBatch(programs, s.library, s.roles, data, options);
  }
  {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, 2);
    two_threads = FitClassBatch(programs, s.library, s.roles, data, options);
  }
  REQUIRE(one_thread.size() == programs.size());
  for (std::size_t i = 0; i < programs.size(); ++i) {
    CHECK(BitEqual(one_thread[i], two_threads[i]));
    CHECK(
        BitEqual(one_thread[i], FitClassConstants(programs[i], s.library, s.roles, data, options)));
  }
  CHECK(one_thread[0].reward > one_thread[1].reward);
}

TEST_CASE("Class fit: non-finite predictions and programs without constants are results") {
  Setup s = MakeSetup({"c"}, {"d"});
  const ClassDataset data = DecayClass(0.0);
  const ClassFitResult bad =
      FitClassConstants(ParseFormula("log(x - 10)", s.library), s.library, s.roles, data);
  CHECK_FALSE(bad.finite);
  CHECK(bad.reward == 0.0);
  CHECK(std::isinf(bad.worst_nrmse));
  CHECK(bad.status == LevenbergMarquardtStatus::kNonFiniteStart);

  const ClassFitResult none =
      FitClassConstants(ParseFormula("exp(-x)", s.library), s.library, s.roles, data);
  CHECK(none.finite);
  CHECK(none.status == LevenbergMarquardtStatus::kNoParameters);
  CHECK(none.starts == 1);
  CHECK(none.reward > 0.0);
  CHECK(none.reward < 1.0);
}

}  // namespace
}  // namespace physr
