#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <oneapi/tbb/global_control.h>

#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/library.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/fit/least_squares.hpp"
#include "physr/fit/metrics.hpp"
#include "physr/fit/periodic_scan.hpp"
#include "physr/fit/program_problem.hpp"
#include "support/random_program.hpp"

namespace physr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool Near(double a, double b, double rel) {
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

// A least-squares problem from a residual function and its Jacobian, for solver-only tests.
class FunctionProblem final : public LeastSquaresProblem {
 public:
  using Residuals = std::function<bool(const Eigen::VectorXd&, Eigen::VectorXd&, Eigen::MatrixXd*)>;
  FunctionProblem(int k, int n, Residuals f) : k_(k), n_(n), f_(std::move(f)) {}
  int num_parameters() const override { return k_; }
  int num_residuals() const override { return n_; }
  bool Evaluate(const Eigen::VectorXd& p, Eigen::VectorXd& r, Eigen::MatrixXd* j) override {
    return f_(p, r, j);
  }

 private:
  int k_, n_;
  Residuals f_;
};

// A program from space-separated prefix tokens; unknown operator names are added to the
// library, other names must already be tokens of it.
Program Prefix(Library& library, const std::string& text) {
  Program program;
  std::istringstream in(text);
  std::string name;
  while (in >> name) {
    if (auto id = library.Find(name)) {
      program.tokens.push_back(*id);
    } else {
      const auto op = OperatorByName(name);
      REQUIRE_MESSAGE(op.has_value(), "unknown token " << name);
      program.tokens.push_back(library.AddOperator(*op));
    }
  }
  program.constants = library.FreeConstantDefaults();
  return program;
}

// Library with variable x and free constants named in `constants`.
Library XLibrary(const std::vector<std::string>& constants) {
  Library library;
  library.AddVariable("x", Dimension());
  for (const auto& c : constants) library.AddFreeConstant(c, Dimension());
  return library;
}

std::span<const double> Span(const Eigen::VectorXd& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

struct Data {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Eigen::VectorXd w;
};

FitResult Fit(const Program& program, const Library& library, const Data& data,
              std::vector<double> start, const FitOptions& options = {}) {
  const CompiledProgram compiled = Compile(program, library);
  Evaluator evaluator;
  return FitConstants(compiled, start, data.X, Span(data.y), Span(data.w), evaluator, options);
}

Data Linspace(double lo, double hi, int n, const std::function<double(double)>& f) {
  Data d;
  d.X.resize(n, 1);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) {
    const double x = lo + (hi - lo) * i / (n - 1);
    d.X(i, 0) = x;
    d.y(i) = f(x);
  }
  return d;
}

bool BitEqual(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool BitEqual(const FitResult& a, const FitResult& b) {
  if (a.constants.size() != b.constants.size()) return false;
  for (std::size_t i = 0; i < a.constants.size(); ++i) {
    if (!BitEqual(a.constants[i], b.constants[i])) return false;
    if (!BitEqual(a.standard_errors[i], b.standard_errors[i])) return false;
  }
  return BitEqual(a.cost, b.cost) && BitEqual(a.nrmse, b.nrmse) && a.status == b.status &&
         a.iterations == b.iterations && a.starts == b.starts;
}

// ---------------------------------------------------------------------------------------
// The solver alone.

TEST_CASE("LM solves Rosenbrock's least-squares form from the classic start") {
  FunctionProblem problem(2, 2,
                          [](const Eigen::VectorXd& p, Eigen::VectorXd& r, Eigen::MatrixXd* j) {
                            r << 10.0 * (p(1) - p(0) * p(0)), 1.0 - p(0);
                            if (j) *j << -20.0 * p(0), 10.0, -1.0, 0.0;
                            return true;
                          });
  Eigen::VectorXd p(2);
  p << -1.2, 1.0;
  LevenbergMarquardtOptions options;
  options.max_iterations = 200;
  const auto summary = SolveLevenbergMarquardt(problem, p, options);
  CHECK(IsConverged(summary.status));
  CHECK(p(0) == doctest::Approx(1.0).epsilon(1e-10));
  CHECK(p(1) == doctest::Approx(1.0).epsilon(1e-10));
  CHECK(summary.cost < 1e-20);
}

TEST_CASE("LM rejects trial points with non-finite residuals and raises the damping") {
  // r = sqrt(p) − 0.1 from p = 4: the Gauss–Newton step lands at p < 0, where sqrt is NaN.
  int non_finite_trials = 0;
  FunctionProblem problem(1, 1,
                          [&](const Eigen::VectorXd& p, Eigen::VectorXd& r, Eigen::MatrixXd* j) {
                            if (p(0) <= 0.0) {
                              ++non_finite_trials;
                              r(0) = kNaN;
                              return false;
                            }
                            r(0) = std::sqrt(p(0)) - 0.1;
                            if (j) (*j)(0, 0) = 0.5 / std::sqrt(p(0));
                            return true;
                          });
  Eigen::VectorXd p(1);
  p << 4.0;
  LevenbergMarquardtOptions options;
  options.initial_damping = 1e-8;
  options.max_iterations = 100;
  const auto summary = SolveLevenbergMarquardt(problem, p, options);
  CHECK(non_finite_trials >= 1);
  CHECK(IsConverged(summary.status));
  CHECK(p(0) == doctest::Approx(0.01).epsilon(1e-9));
}

TEST_CASE("LM reports a non-finite start and zero parameters as values") {
  FunctionProblem bad(1, 3, [](const Eigen::VectorXd&, Eigen::VectorXd& r, Eigen::MatrixXd*) {
    r.setConstant(kNaN);
    return false;
  });
  Eigen::VectorXd p = Eigen::VectorXd::Ones(1);
  auto summary = SolveLevenbergMarquardt(bad, p, {});
  CHECK(summary.status == LevenbergMarquardtStatus::kNonFiniteStart);
  CHECK(summary.cost == kInf);
  CHECK(p(0) == 1.0);

  int calls = 0;
  FunctionProblem none(0, 2, [&](const Eigen::VectorXd&, Eigen::VectorXd& r, Eigen::MatrixXd* j) {
    ++calls;
    CHECK(j == nullptr);
    r << 3.0, 4.0;
    return true;
  });
  Eigen::VectorXd empty(0);
  summary = SolveLevenbergMarquardt(none, empty, {});
  CHECK(summary.status == LevenbergMarquardtStatus::kNoParameters);
  CHECK(calls == 1);
  CHECK(summary.cost == 25.0);
}

TEST_CASE("EstimateCovariance: singular JᵀJ gives NaN, scaling options differ by s²") {
  Eigen::MatrixXd j(3, 2);
  j << 1, 2, 2, 4, 3, 6;  // parallel columns
  Eigen::VectorXd r(3);
  r << 0.1, -0.2, 0.1;
  auto cov = EstimateCovariance(r, j);
  CHECK(cov.singular);
  CHECK(std::isnan(cov.standard_errors(0)));
  CHECK(std::isnan(cov.correlation(0, 1)));

  j << 1, 0, 1, 1, 1, 2;
  cov = EstimateCovariance(r, j, CovarianceScaling::kNone);
  const Eigen::MatrixXd expected = (j.transpose() * j).inverse();
  CHECK(!cov.singular);
  CHECK(Near(cov.covariance(0, 1), expected(0, 1), 1e-12));
  const auto scaled = EstimateCovariance(r, j, CovarianceScaling::kResidualVariance);
  const double s2 = r.squaredNorm() / (3 - 2);
  CHECK(Near(scaled.standard_errors(1), std::sqrt(s2 * expected(1, 1)), 1e-12));
  CHECK(Near(scaled.correlation(0, 1), expected(0, 1) / std::sqrt(expected(0, 0) * expected(1, 1)),
             1e-12));
  CHECK(scaled.correlation(0, 0) == doctest::Approx(1.0));
}

// ---------------------------------------------------------------------------------------
// Programs.

TEST_CASE("Known laws: constants recovered from noiseless data to 1e-8") {
  SUBCASE("y = a*x + b from 1.0") {
    Library lib = XLibrary({"a", "b"});
    const Program p = Prefix(lib, "add mul a x b");
    const Data d = Linspace(-2, 3, 40, [](double x) { return 2.5 * x - 1.3; });
    const FitResult r = Fit(p, lib, d, {1.0, 1.0});
    CHECK(r.converged);
    CHECK(Near(r.constants[0], 2.5, 1e-8));
    CHECK(Near(r.constants[1], -1.3, 1e-8));
    CHECK(r.nrmse < 1e-10);
    CHECK(r.r2 == doctest::Approx(1.0));
  }
  SUBCASE("y = a*exp(-x/b) from 1.0") {
    Library lib = XLibrary({"a", "b"});
    const Program p = Prefix(lib, "mul a exp neg div x b");
    const Data d = Linspace(0, 5, 50, [](double x) { return 3.0 * std::exp(-x / 2.0); });
    const FitResult r = Fit(p, lib, d, {1.0, 1.0});
    CHECK(r.converged);
    CHECK(Near(r.constants[0], 3.0, 1e-8));
    CHECK(Near(r.constants[1], 2.0, 1e-8));
  }
  SUBCASE("damped oscillation A*exp(-t/tau)*cos(omega*t + phi), starts within ~15%") {
    Library lib = XLibrary({"A", "tau", "omega", "phi"});
    const Program p = Prefix(lib, "mul mul A exp neg div x tau cos add mul omega x phi");
    const Data d = Linspace(
        0, 10, 200, [](double t) { return 2.0 * std::exp(-t / 3.0) * std::cos(2.5 * t + 0.4); });
    const FitResult r = Fit(p, lib, d, {2.3, 2.6, 2.3, 0.46});
    CHECK(r.converged);
    CHECK(Near(r.constants[0], 2.0, 1e-8));
    CHECK(Near(r.constants[1], 3.0, 1e-8));
    CHECK(Near(r.constants[2], 2.5, 1e-8));
    CHECK(Near(r.constants[3], 0.4, 1e-8));
  }
}

TEST_CASE("Linear least squares with noise: LM equals the normal equations and their errors") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "add mul a x b");
  Rng rng(11);
  Data d = Linspace(0, 4, 25, [](double x) { return 0.7 * x + 2.0; });
  for (Eigen::Index i = 0; i < d.y.size(); ++i) d.y(i) += 0.3 * rng.Normal();
  const FitResult r = Fit(p, lib, d, {1.0, 1.0});

  Eigen::MatrixXd A(d.y.size(), 2);
  A.col(0) = d.X.col(0);
  A.col(1).setOnes();
  const Eigen::MatrixXd ata_inv = (A.transpose() * A).inverse();
  const Eigen::Vector2d beta = ata_inv * A.transpose() * d.y;
  const double s2 = (A * beta - d.y).squaredNorm() / static_cast<double>(d.y.size() - 2);
  CHECK(r.converged);
  CHECK(Near(r.constants[0], beta(0), 1e-8));
  CHECK(Near(r.constants[1], beta(1), 1e-8));
  CHECK(Near(r.standard_errors[0], std::sqrt(s2 * ata_inv(0, 0)), 1e-8));
  CHECK(Near(r.standard_errors[1], std::sqrt(s2 * ata_inv(1, 1)), 1e-8));
  CHECK(Near(r.correlation(0, 1), ata_inv(0, 1) / std::sqrt(ata_inv(0, 0) * ata_inv(1, 1)), 1e-8));
  CHECK(Near(r.cost, s2 * static_cast<double>(d.y.size() - 2), 1e-10));
  const double var_y = (d.y.array() - d.y.mean()).square().mean();
  CHECK(Near(r.rmse, std::sqrt(r.cost / static_cast<double>(d.y.size())), 1e-12));
  CHECK(Near(r.nrmse, r.rmse / std::sqrt(var_y), 1e-12));
}

TEST_CASE("Weights (σ column) give the closed-form weighted least-squares solution") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "add mul a x b");
  Rng rng(5);
  Data d = Linspace(0, 4, 30, [](double x) { return 1.5 * x - 0.5; });
  Eigen::VectorXd sigma(d.y.size());
  for (Eigen::Index i = 0; i < d.y.size(); ++i) {
    sigma(i) = 0.05 + 0.5 * static_cast<double>(i % 3);
    d.y(i) += sigma(i) * rng.Normal();
  }
  d.w = sigma.array().square().inverse();
  FitOptions options;
  options.covariance_scaling = CovarianceScaling::kNone;
  const FitResult r = Fit(p, lib, d, {1.0, 1.0}, options);

  Eigen::MatrixXd A(d.y.size(), 2);
  A.col(0) = d.X.col(0);
  A.col(1).setOnes();
  const Eigen::MatrixXd atwa_inv = (A.transpose() * d.w.asDiagonal() * A).inverse();
  const Eigen::Vector2d beta = atwa_inv * A.transpose() * d.w.asDiagonal() * d.y;
  const Eigen::Vector2d ols = (A.transpose() * A).ldlt().solve(A.transpose() * d.y);
  CHECK(std::abs(beta(0) - ols(0)) > 1e-4);  // the weights matter here
  CHECK(Near(r.constants[0], beta(0), 1e-8));
  CHECK(Near(r.constants[1], beta(1), 1e-8));
  CHECK(Near(r.standard_errors[0], std::sqrt(atwa_inv(0, 0)), 1e-8));
  CHECK(Near(r.standard_errors[1], std::sqrt(atwa_inv(1, 1)), 1e-8));
  const double wsum = d.w.sum();
  const double ybar = d.w.dot(d.y) / wsum;
  const double ss_tot = (d.w.array() * (d.y.array() - ybar).square()).sum();
  const double chi2 = (d.w.array() * (A * beta - d.y).array().square()).sum();
  CHECK(Near(r.cost, chi2, 1e-10));
  CHECK(Near(r.r2, 1.0 - chi2 / ss_tot, 1e-10));
  CHECK(Near(r.rmse, std::sqrt(chi2 / wsum), 1e-10));
}

// ---------------------------------------------------------------------------------------
// Goodness-of-fit figures.

TEST_CASE("ComputeMetrics matches direct computations, with and without weights") {
  const std::vector<double> y = {1.0, 2.0, 4.0, 7.0};
  const std::vector<double> p = {1.5, 2.0, 3.0, 7.5};
  // Unweighted: mean 3.5, SS_tot = 6.25 + 2.25 + 0.25 + 12.25 = 21, SS_res = 0.25 + 0 + 1 +
  // 0.25 = 1.5.
  const FitMetrics m = ComputeMetrics(y, p, {});
  CHECK(m.rmse == doctest::Approx(std::sqrt(1.5 / 4)).epsilon(1e-15));
  CHECK(m.nrmse == doctest::Approx(std::sqrt(1.5 / 21)).epsilon(1e-15));
  CHECK(m.r2 == doctest::Approx(1.0 - 1.5 / 21).epsilon(1e-15));

  // Integer weights equal repeating rows: weights (2, 1, 1, 0) = rows {1, 1, 2, 4}.
  const std::vector<double> w = {2.0, 1.0, 1.0, 0.0};
  const std::vector<double> y_rep = {1.0, 1.0, 2.0, 4.0};
  const std::vector<double> p_rep = {1.5, 1.5, 2.0, 3.0};
  const FitMetrics weighted = ComputeMetrics(y, p, w);
  const FitMetrics repeated = ComputeMetrics(y_rep, p_rep, {});
  CHECK(weighted.rmse == doctest::Approx(repeated.rmse).epsilon(1e-14));
  CHECK(weighted.nrmse == doctest::Approx(repeated.nrmse).epsilon(1e-14));
  CHECK(weighted.r2 == doctest::Approx(repeated.r2).epsilon(1e-14));
}

TEST_CASE("ComputeMetrics on a constant target") {
  const std::vector<double> y(3, 2.0);
  const FitMetrics exact = ComputeMetrics(y, std::vector<double>{2.0, 2.0, 2.0}, {});
  CHECK(exact.rmse == 0.0);
  CHECK(exact.nrmse == 0.0);
  CHECK(exact.r2 == 1.0);
  const FitMetrics off = ComputeMetrics(y, std::vector<double>{2.0, 2.0, 3.0}, {});
  CHECK(off.rmse == doctest::Approx(std::sqrt(1.0 / 3)));
  CHECK(off.nrmse == kInf);
  CHECK(off.r2 == -kInf);
  CHECK(NrmseFromCost(0.0, ComputeTargetStats(y, {})) == 0.0);
  CHECK(NrmseFromCost(1.0, ComputeTargetStats(y, {})) == kInf);
  CHECK(NrmseFromCost(kNaN, ComputeTargetStats(std::vector<double>{1.0, 2.0}, {})) == kInf);
}

TEST_CASE("FitConstants reports the figures MetricsFromCost gives for its cost, bit for bit") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "add mul a x b");
  // A line with a wiggle, so the fit leaves residuals.
  Data d = Linspace(0, 4, 20, [](double x) { return 0.3 * x + 1.0 + 0.1 * std::sin(7.0 * x); });
  for (const bool weighted : {false, true}) {
    CAPTURE(weighted);
    d.w = weighted ? Eigen::VectorXd::LinSpaced(d.y.size(), 0.5, 2.0) : Eigen::VectorXd();
    const FitResult r = Fit(p, lib, d, {1.0, 1.0});
    REQUIRE(r.finite);
    const TargetStats stats = ComputeTargetStats(Span(d.y), Span(d.w));
    const FitMetrics m = MetricsFromCost(r.cost, stats);
    CHECK(BitEqual(r.rmse, m.rmse));
    CHECK(BitEqual(r.nrmse, m.nrmse));
    CHECK(BitEqual(r.r2, m.r2));
    CHECK(BitEqual(NrmseFromCost(r.cost, stats), m.nrmse));
    // The same figures from the prediction, up to the order of the residual sums.
    std::vector<double> prediction(static_cast<std::size_t>(d.y.size()));
    for (Eigen::Index i = 0; i < d.y.size(); ++i) {
      prediction[static_cast<std::size_t>(i)] = r.constants[0] * d.X(i, 0) + r.constants[1];
    }
    const FitMetrics direct = ComputeMetrics(Span(d.y), prediction, Span(d.w));
    CHECK(Near(direct.rmse, r.rmse, 1e-12));
    CHECK(Near(direct.nrmse, r.nrmse, 1e-12));
    CHECK(Near(direct.r2, r.r2, 1e-12));
  }
}

TEST_CASE("Coverage: true values within 2 standard errors in about 95% of noisy trials") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "mul a exp neg div x b");
  const CompiledProgram compiled = Compile(p, lib);
  Evaluator evaluator;
  int inside_a = 0, inside_b = 0, converged = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    Rng rng(1234, static_cast<std::uint64_t>(t));
    Data d = Linspace(0, 6, 30, [](double x) { return 3.0 * std::exp(-x / 2.0); });
    for (Eigen::Index i = 0; i < d.y.size(); ++i) d.y(i) += 0.05 * rng.Normal();
    const std::vector<double> start{1.0, 1.0};
    const FitResult r =
        FitConstants(compiled, start, d.X, Span(d.y), Span(d.w), evaluator, FitOptions{});
    converged += r.converged ? 1 : 0;
    inside_a += std::abs(r.constants[0] - 3.0) <= 2.0 * r.standard_errors[0] ? 1 : 0;
    inside_b += std::abs(r.constants[1] - 2.0) <= 2.0 * r.standard_errors[1] ? 1 : 0;
  }
  MESSAGE("2-sigma coverage over " << trials << " trials: a " << inside_a << ", b " << inside_b);
  CHECK(converged == trials);
  CHECK(inside_a >= 176);  // 88 %
  CHECK(inside_a <= 198);  // 99 %
  CHECK(inside_b >= 176);
  CHECK(inside_b <= 198);
}

TEST_CASE("Adapter Jacobian matches central finite differences, weights included") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "add mul a sin mul b x exp neg x");
  const CompiledProgram compiled = Compile(p, lib);
  Data d = Linspace(-2, 2, 17, [](double x) { return std::cos(x); });
  d.w = Eigen::VectorXd::LinSpaced(d.y.size(), 0.5, 2.0);
  Evaluator evaluator;
  const std::vector<double> constants{1.3, 0.7};
  ProgramLeastSquares problem(compiled, d.X, Span(d.y), Span(d.w), constants, evaluator);
  REQUIRE(problem.num_parameters() == 2);
  REQUIRE(problem.num_residuals() == 17);
  const Eigen::VectorXd p0 = problem.Parameters();
  Eigen::VectorXd r(17), rp(17), rm(17);
  Eigen::MatrixXd j(17, 2);
  REQUIRE(problem.Evaluate(p0, r, &j));
  for (Eigen::Index i = 0; i < 17; ++i) {
    const double x = d.X(i, 0);
    const double f = 1.3 * std::sin(0.7 * x) + std::exp(-x);
    CHECK(Near(r(i), std::sqrt(d.w(i)) * (f - d.y(i)), 1e-12));
  }
  for (int k = 0; k < 2; ++k) {
    const double h = 1e-6;
    Eigen::VectorXd pp = p0, pm = p0;
    pp(k) += h;
    pm(k) -= h;
    REQUIRE(problem.Evaluate(pp, rp, nullptr));
    REQUIRE(problem.Evaluate(pm, rm, nullptr));
    const Eigen::VectorXd fd = (rp - rm) / (2 * h);
    for (Eigen::Index i = 0; i < 17; ++i) {
      CHECK(std::abs(j(i, k) - fd(i)) <= 1e-7 * (1.0 + std::abs(fd(i))));
    }
  }
}

TEST_CASE("Non-finite starts and non-finite programs are values, not crashes") {
  Library lib = XLibrary({"a", "b"});
  const Program linear = Prefix(lib, "add mul a x b");
  const Data d = Linspace(1, 3, 20, [](double x) { return 4.0 * x + 1.0; });
  // NaN and inf start values fall back to 1.0.
  FitResult r = Fit(linear, lib, d, {kNaN, kInf});
  CHECK(r.converged);
  CHECK(Near(r.constants[0], 4.0, 1e-8));

  // log(a*x) with a = −1 is NaN everywhere: the start is non-finite.
  const Program logp = Prefix(lib, "log mul a x");
  const Data dl = Linspace(1, 3, 20, [](double x) { return std::log(2.0 * x); });
  r = Fit(logp, lib, dl, {-1.0, 1.0});
  CHECK(r.status == LevenbergMarquardtStatus::kNonFiniteStart);
  CHECK(!r.finite);
  CHECK(!r.converged);
  CHECK(r.nrmse == kInf);
  CHECK(r.constants[0] == -1.0);
  // Random restarts find a finite start and the truth.
  FitOptions options;
  options.restarts = 8;
  options.seed = 3;
  r = Fit(logp, lib, dl, {-1.0, 1.0}, options);
  CHECK(r.finite);
  CHECK(r.converged);
  CHECK(Near(r.constants[0], 2.0, 1e-8));
  CHECK(r.starts >= 2);
}

TEST_CASE("Singular JᵀJ (y = a*b*x): finite fit, NaN standard errors") {
  Library lib = XLibrary({"a", "b"});
  const Program p = Prefix(lib, "mul mul a b x");
  const Data d = Linspace(0, 2, 15, [](double x) { return 6.0 * x; });
  const FitResult r = Fit(p, lib, d, {1.0, 1.0});
  CHECK(r.finite);
  CHECK(Near(r.constants[0] * r.constants[1], 6.0, 1e-8));
  CHECK(r.covariance_singular);
  CHECK(std::isnan(r.standard_errors[0]));
  CHECK(std::isnan(r.standard_errors[1]));
}

TEST_CASE("A program without free constants is evaluated once") {
  Library lib = XLibrary({"a"});
  const Program p = Prefix(lib, "mul x x");
  const Data d = Linspace(0, 2, 10, [](double x) { return x * x + 0.5; });
  const FitResult r = Fit(p, lib, d, {1.0});
  CHECK(r.status == LevenbergMarquardtStatus::kNoParameters);
  CHECK(r.residual_evaluations == 1);
  CHECK(r.jacobian_evaluations == 0);
  CHECK(r.rmse == doctest::Approx(0.5));
  CHECK(r.constants == std::vector<double>{1.0});
  CHECK(std::isnan(r.standard_errors[0]));
}

// Every field of two results, bit for bit (NaN entries of the correlation included).
bool IdenticalResults(const FitResult& a, const FitResult& b) {
  const auto same = [](const std::vector<double>& u, const std::vector<double>& v) {
    return u.size() == v.size() &&
           (u.empty() || std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) == 0);
  };
  return same(a.constants, b.constants) && same(a.standard_errors, b.standard_errors) &&
         a.free_slots == b.free_slots && a.correlation.rows() == b.correlation.rows() &&
         a.correlation.cols() == b.correlation.cols() &&
         (a.correlation.size() == 0 ||
          std::memcmp(a.correlation.data(), b.correlation.data(),
                      static_cast<std::size_t>(a.correlation.size()) * sizeof(double)) == 0) &&
         a.covariance_singular == b.covariance_singular && a.status == b.status &&
         a.converged == b.converged && a.starts == b.starts && a.iterations == b.iterations &&
         a.residual_evaluations == b.residual_evaluations &&
         a.jacobian_evaluations == b.jacobian_evaluations && a.finite == b.finite &&
         BitEqual(a.cost, b.cost) && BitEqual(a.rmse, b.rmse) && BitEqual(a.nrmse, b.nrmse) &&
         BitEqual(a.r2, b.r2);
}

TEST_CASE("Programs without free constants skip the solver with the solver's result, bit for bit") {
  const Library lib = testing::FullTestLibrary();
  Rng rng(2718);
  const int rows = 37;
  Eigen::MatrixXd X(rows, lib.num_variables());
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.Uniform(-2.0, 3.0);
  const Eigen::VectorXd y = 1.3 * X.col(0).array() * X.col(1).array().cos() + 0.2;
  Eigen::VectorXd w(rows);
  for (Eigen::Index i = 0; i < rows; ++i) w(i) = rng.Uniform(0.0, 2.0);
  const Eigen::VectorXd constant_y = Eigen::VectorXd::Constant(rows, 2.0);
  FitOptions options;
  options.restarts = 2;
  Evaluator evaluator;
  int constant_free = 0, non_finite = 0;
  for (int i = 0; i < 3000; ++i) {
    const Program p = testing::RandomProgram(lib, rng, 10);
    const CompiledProgram c = Compile(p, lib);
    CAPTURE(i);
    // Start values with a non-finite entry now and then, and of other lengths.
    std::vector<double> start = p.constants;
    if (i % 7 == 3) start.push_back(kNaN);
    if (i % 11 == 5 && !start.empty()) start[0] = kInf;
    if (i % 13 == 6) start.clear();
    const std::span<const double> weights = i % 2 == 0 ? Span(w) : std::span<const double>{};
    const Eigen::VectorXd& target = i % 17 == 8 ? constant_y : y;
    const FitResult direct = FitConstants(c, start, X, Span(target), weights, evaluator, options);
    const FitResult solver =
        detail::FitConstantsWithSolver(c, start, X, Span(target), weights, evaluator, options);
    CHECK(IdenticalResults(direct, solver));
    if (c.num_free() == 0) {
      ++constant_free;
      non_finite += direct.finite ? 0 : 1;
    }
  }
  // Enough of each kind to mean something.
  CHECK(constant_free > 1000);
  CHECK(non_finite > 20);
}

TEST_CASE("FitConstants on a Dataset uses its weights and the program's start values") {
  Library lib = XLibrary({"a", "b"});
  Program p = Prefix(lib, "add mul a x b");
  const Data d = Linspace(0, 3, 12, [](double x) { return -2.0 * x + 0.25; });
  Dataset data;
  data.X = d.X;
  data.y = d.y;
  data.y(0) += 1.0;  // one outlier, down-weighted below
  data.weights = Eigen::VectorXd::Ones(12);
  data.weights(0) = 1e-6;
  p.constants = {-1.5, 0.5};
  const FitResult r = FitConstants(p, lib, data);
  CHECK(r.converged);
  CHECK(std::abs(r.constants[0] + 2.0) < 1e-5);
  data.weights(0) = 1.0;
  const FitResult unweighted = FitConstants(p, lib, data);
  CHECK(std::abs(unweighted.constants[0] + 2.0) > 1e-2);
}

// ---------------------------------------------------------------------------------------
// Batches.

struct RandomBatch {
  Library library;
  std::vector<Program> programs;
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};

RandomBatch MakeRandomBatch(int count) {
  RandomBatch b{testing::FullTestLibrary(), {}, {}, {}};
  Rng rng(99);
  const int rows = 40;
  b.X.resize(rows, b.library.num_variables());
  for (Eigen::Index i = 0; i < b.X.size(); ++i) b.X.data()[i] = rng.Uniform(0.5, 2.0);
  b.y = 1.7 * b.X.col(0).array() * b.X.col(1).array().sin() + 0.3;
  for (int i = 0; i < count; ++i) {
    b.programs.push_back(testing::RandomProgram(b.library, rng, 12));
    if (i % 5 == 4) b.programs.push_back(b.programs[static_cast<std::size_t>(i / 2)]);
  }
  return b;
}

TEST_CASE("BatchFitter: 1 and 2 threads give bit-identical results") {
  const RandomBatch b = MakeRandomBatch(120);
  BatchFitOptions options;
  options.fit.restarts = 1;
  options.fit.seed = 8;
  std::vector<FitResult> serial, parallel;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    BatchFitter fitter(b.library, options);
    serial = fitter.FitAll(b.programs, b.X, Span(b.y), {});
  }
  {
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    BatchFitter fitter(b.library, options);
    parallel = fitter.FitAll(b.programs, b.X, Span(b.y), {});
  }
  REQUIRE(serial.size() == b.programs.size());
  int with_constants = 0;
  for (std::size_t i = 0; i < serial.size(); ++i) {
    CHECK(BitEqual(serial[i], parallel[i]));
    with_constants += serial[i].free_slots.empty() ? 0 : 1;
  }
  CHECK(with_constants > 10);
}

TEST_CASE("BatchFitter: duplicates fitted once, cache serves later batches, LRU cap holds") {
  const RandomBatch b = MakeRandomBatch(60);
  BatchFitter fitter(b.library);
  const auto first = fitter.FitAll(b.programs, b.X, Span(b.y), {});
  const BatchFitStats s1 = fitter.last_stats();
  CHECK(s1.programs == b.programs.size());
  CHECK(s1.duplicates >= 12);
  CHECK(s1.cache_hits == 0);
  CHECK(s1.fitted + s1.duplicates == b.programs.size());
  // Duplicates equal their original.
  for (std::size_t i = 0; i < b.programs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (b.programs[i] == b.programs[j]) CHECK(BitEqual(first[i], first[j]));
    }
  }
  // Identical to a direct fit.
  {
    const CompiledProgram c = Compile(b.programs[3], b.library);
    Evaluator evaluator;
    FitOptions o;
    o.seed = FitSeed(HashTokens(b.programs[3].tokens), 0);
    const FitResult direct =
        FitConstants(c, b.programs[3].constants, b.X, Span(b.y), {}, evaluator, o);
    CHECK(BitEqual(direct, first[3]));
  }

  const auto second = fitter.FitAll(b.programs, b.X, Span(b.y), {});
  const BatchFitStats s2 = fitter.last_stats();
  CHECK(s2.fitted == 0);
  CHECK(s2.cache_hits == s1.fitted);
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(BitEqual(first[i], second[i]));

  // Other data: no hits.
  const Eigen::VectorXd y2 = b.y * 2.0;
  (void)fitter.FitAll(b.programs, b.X, Span(y2), {});
  CHECK(fitter.last_stats().cache_hits == 0);
}

TEST_CASE("BatchFitter cache evicts the least recently used entry") {
  Library lib = XLibrary({"a", "b"});
  const std::vector<Program> p{Prefix(lib, "mul a x"), Prefix(lib, "add x b"),
                               Prefix(lib, "mul a exp x")};
  const Data d = Linspace(0, 1, 8, [](double x) { return 2.0 * x; });
  BatchFitOptions small;
  small.cache_capacity = 2;
  BatchFitter fitter(lib, small);
  const auto hits = [&](std::initializer_list<int> which) {
    std::vector<Program> batch;
    for (int i : which) batch.push_back(p[static_cast<std::size_t>(i)]);
    (void)fitter.FitAll(batch, d.X, Span(d.y), {});
    return fitter.last_stats().cache_hits;
  };
  CHECK(hits({0, 1}) == 0);
  CHECK(fitter.cache_size() == 2);
  CHECK(hits({0}) == 1);  // touches 0: now 1 is the least recently used
  CHECK(hits({2}) == 0);  // evicts 1
  CHECK(fitter.cache_size() == 2);
  CHECK(hits({0}) == 1);
  CHECK(hits({2}) == 1);
  CHECK(hits({1}) == 0);
  fitter.ClearCache();
  CHECK(fitter.cache_size() == 0);
  BatchFitOptions off;
  off.cache_capacity = 0;
  BatchFitter uncached(lib, off);
  (void)uncached.FitAll(p, d.X, Span(d.y), {});
  CHECK(uncached.cache_size() == 0);
}

// ---------------------------------------------------------------------------------------
// Constants inside periodic functions: the scan's starts.

std::vector<int> FrequencyColumns(const std::string& prefix, const std::vector<std::string>& c) {
  Library lib = XLibrary(c);
  return FrequencyConstantColumns(Compile(Prefix(lib, prefix), lib));
}

FitOptions WithoutScan() {
  FitOptions options;
  options.periodic_scan = false;
  return options;
}

TEST_CASE("FrequencyConstantColumns: constants that scale a variable inside sin, cos or tan") {
  CHECK(FrequencyColumns("n2 sin mul a x", {"a"}) == std::vector<int>{0});
  CHECK(FrequencyColumns("cos div x a", {"a"}) == std::vector<int>{0});
  CHECK(FrequencyColumns("sin n2 mul a x", {"a"}) == std::vector<int>{0});
  CHECK(FrequencyColumns("cos neg sqrt mul x inv a", {"a"}) == std::vector<int>{0});
  // ω t + φ: the frequency, not the phase (every period's minimum in φ is the same law).
  CHECK(FrequencyColumns("sin add mul a x b", {"a", "b"}) == std::vector<int>{0});
  CHECK(FrequencyColumns("mul a tan add x mul b x", {"a", "b"}) == std::vector<int>{1});
  // Jacobian columns follow first appearance: b (column 0) sits outside, a (1) inside.
  CHECK(FrequencyColumns("add b sin mul a x", {"a", "b"}) == std::vector<int>{1});
  // A product with a sum that reads the variable: a scales it.
  CHECK(FrequencyColumns("cos mul a add x b", {"a", "b"}) == std::vector<int>{0});
  // Not frequencies: no variable beside them, a phase, another function between.
  CHECK(FrequencyColumns("mul x sin a", {"a"}).empty());
  CHECK(FrequencyColumns("sin mul a b", {"a", "b"}).empty());
  CHECK(FrequencyColumns("sin add x a", {"a"}).empty());
  CHECK(FrequencyColumns("sin exp mul a x", {"a"}).empty());
  CHECK(FrequencyColumns("exp mul a x", {"a"}).empty());
  CHECK(FrequencyColumns("sin x", {}).empty());
  // A constant used twice, once as a frequency: listed once.
  CHECK(FrequencyColumns("mul a sin mul a x", {"a"}) == std::vector<int>{0});
}

TEST_CASE("The periodic scan finds a frequency that the start's period misses") {
  // y = sin(2πx)² on x in [0.25, 4]: from C = 1 Levenberg–Marquardt settles at C ≈ 0.82.
  Library lib = XLibrary({"C"});
  const Program p = Prefix(lib, "n2 sin mul C x");
  const double two_pi = 2.0 * std::acos(-1.0);
  const Data d =
      Linspace(0.25, 4.0, 400, [&](double x) { return std::pow(std::sin(two_pi * x), 2); });
  const FitResult plain = Fit(p, lib, d, {1.0}, WithoutScan());
  CHECK(plain.nrmse > 0.5);
  const FitResult scanned = Fit(p, lib, d, {1.0});
  CHECK(scanned.nrmse < 1e-10);
  CHECK(Near(std::abs(scanned.constants[0]), two_pi, 1e-9));
  CHECK(scanned.starts >= 2);
}

TEST_CASE("The periodic scan sees past an amplitude fitted to nearly zero") {
  // y = 3 sin(5x) + 1 over about two periods, fitted as A*sin(w*x) + B from 1.
  Library lib = XLibrary({"A", "w", "B"});
  const Program p = Prefix(lib, "add mul A sin mul w x B");
  const Data d = Linspace(0.0, 3.0, 300, [](double x) { return 3.0 * std::sin(5.0 * x) + 1.0; });
  const FitResult plain = Fit(p, lib, d, {1.0, 1.0, 1.0}, WithoutScan());
  CHECK(plain.nrmse > 0.5);
  const FitResult scanned = Fit(p, lib, d, {1.0, 1.0, 1.0});
  CHECK(scanned.nrmse < 1e-10);
  // sin is odd: (A, w) and (−A, −w) are the same law.
  CHECK(Near(scanned.constants[0] * scanned.constants[1], 15.0, 1e-9));
  CHECK(Near(scanned.constants[2], 1.0, 1e-9));
}

TEST_CASE("An oscillation sampled in time order, from every constant at 1") {
  // y = 2.5 cos(ωt + 0.4) on t in [0, 10]: from ω = 1 the first start ends far off for each
  // of these frequencies (up to 13 periods in the data).
  Library lib = XLibrary({"A", "omega", "phi"});
  const Program p = Prefix(lib, "mul A cos add mul omega x phi");
  for (const double omega : {3.0, 5.0, 8.0}) {
    CAPTURE(omega);
    const Data d = Linspace(0, 10, 300, [&](double t) { return 2.5 * std::cos(omega * t + 0.4); });
    CHECK(Fit(p, lib, d, {1.0, 1.0, 1.0}, WithoutScan()).nrmse > 0.9);
    const FitResult r = Fit(p, lib, d, {1.0, 1.0, 1.0});
    CHECK(r.nrmse < 1e-10);
    CHECK(Near(std::abs(r.constants[1]), omega, 1e-9));  // cos(−ωt + φ) is the same law
  }
}

TEST_CASE("The periodic scan leaves alone a fit that no grid value beats") {
  Library lib = XLibrary({"C"});
  const Program p = Prefix(lib, "n2 sin mul C x");
  const CompiledProgram compiled = Compile(p, lib);
  const Data d = Linspace(0.25, 4.0, 400, [](double x) { return std::pow(std::sin(1.3 * x), 2); });
  const PeriodicScanSample sample = MakePeriodicScanSample(d.X, Span(d.y), Span(d.w));
  CHECK(sample.X.rows() == PeriodicScan::kMaxRows);
  Evaluator evaluator;
  const std::vector<double> truth{1.3};
  CHECK(PeriodicScanStarts(compiled, truth, sample, evaluator).empty());
  // From a wrong period the truth's neighbourhood is the first start.
  const std::vector<double> wrong{4.0};
  const std::vector<PeriodicStart> starts = PeriodicScanStarts(compiled, wrong, sample, evaluator);
  REQUIRE(!starts.empty());
  CHECK(starts.size() <= static_cast<std::size_t>(PeriodicScan::kMaxStarts));
  CHECK(starts.front().column == 0);
  CHECK(std::abs(std::abs(starts.front().value) - 1.3) < 0.1 * 1.3);
  // No periodic constant, no scan.
  const Program q = Prefix(lib, "mul C x");
  CHECK(PeriodicScanStarts(Compile(q, lib), wrong, sample, evaluator).empty());
}

}  // namespace
}  // namespace physr
