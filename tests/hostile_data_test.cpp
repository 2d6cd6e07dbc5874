// Hostile data through the whole pipeline (CSV text → Dataset → RunSearch):
// degenerate targets, a single row, a million rows, magnitudes near the double
// range, non-finite and duplicate columns, unreachable target units and absurd
// unit exponents. Each case has one clear outcome: a finite result or an
// InputError whose message names the problem.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/data/csv.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/parser.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/input_error.hpp"

namespace physr {
namespace {

using testing::InputErrorOf;

CsvTable Read(const std::string& text, const CsvOptions& options = {}) {
  std::istringstream in(text);
  return ReadCsv(in, "hostile.csv", options);
}

Dataset DataOf(const std::string& text, const CsvOptions& options = {}) {
  return MakeDataset(Read(text, options));
}

// Every reported formula has finite accuracy figures and finite constants.
void CheckFinite(const SearchResult& result) {
  for (const Formula& f : result.pareto) {
    CAPTURE(f.infix);
    CHECK(std::isfinite(f.rmse));
    CHECK(std::isfinite(f.nrmse));
    CHECK_FALSE(std::isnan(f.r2));
    for (const FittedConstant& c : f.constants) CHECK(std::isfinite(c.value));
  }
}

SearchConfig TinyConfig() {
  SearchConfig config;
  config.training.batch_size = 32;
  config.stopping.max_epochs = 3;
  config.priors.max_length = 12;
  config.training.hidden_size = 16;
  config.seed = 7;
  config.threads = 1;
  config.fitting.fit.solver.max_iterations = 10;
  return config;
}

std::string Column(const std::string& header, int rows, double (*value)(int)) {
  std::ostringstream out;
  out.precision(17);
  out << header << "\n";
  for (int r = 0; r < rows; ++r) out << (r + 1) << "," << value(r) << "\n";
  return out.str();
}

}  // namespace

TEST_CASE("A constant target gives an exact constant formula, not NaN") {
  const Dataset data = DataOf(Column("x[m],y[1]", 20, [](int) { return 3.0; }));
  const SearchResult result = RunSearch(data, TinyConfig());
  CheckFinite(result);
  REQUIRE(result.best.has_value());
  CHECK(result.best->rmse < 1e-9);
}

TEST_CASE("A single row runs to a finite result") {
  const Dataset data = DataOf("x[m],y[m]\n2,4\n");
  REQUIRE(data.rows() == 1);
  SearchConfig config = TinyConfig();
  config.stopping.max_epochs = 10;
  const SearchResult result = RunSearch(data, config);
  CheckFinite(result);
  // Any fitted constant is exact on one row: found in the first epoch, the run stops the
  // default patience's floor of epochs later.
  CHECK(result.first_exact_epoch == 1);
  CHECK(result.stop_reason == StopReason::kPerfectFit);
  CHECK(result.epochs == 1 + StoppingOptions::kAutoPatienceMin);
}

TEST_CASE("A million rows read and evaluate exactly") {
  constexpr int kRows = 1000000;
  std::string text = "x[m],y[m^2]\n";
  text.reserve(static_cast<std::size_t>(kRows) * 16);
  for (int r = 0; r < kRows; ++r) {
    const int x = r % 1000;
    text += std::to_string(x) + "," + std::to_string(x * x) + "\n";
  }
  const Dataset data = DataOf(text);
  REQUIRE(data.rows() == kRows);
  CHECK(data.X(kRows - 1, 0) == 999.0);
  CHECK(data.y(kRows - 1) == 999.0 * 999.0);

  Library library;
  library.AddVariable("x", units::ParseUnit("m"));
  const Program square = ParseFormula("x^2", library);
  const CompiledProgram compiled = Compile(square, library);
  Eigen::VectorXd out(kRows);
  Evaluator evaluator;
  REQUIRE(evaluator.Evaluate(compiled, data.X, {}, std::span<double>(out.data(), kRows)));
  CHECK((out - data.y).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE(
    "Magnitudes near 1e±300: overflowing candidates are rejected, "
    "results are finite") {
  // y = x / t with x ~ 1e300 and t ~ 1e-5 would overflow; here y = x * t stays
  // in range, while n2(x), exp(...) and x / t overflow and must be dropped, not
  // reported.
  const std::string text = [] {
    std::ostringstream out;
    out.precision(17);
    out << "x[m],t[s],y[m*s]\n";
    for (int r = 1; r <= 30; ++r) {
      const double x = 1e300 * (1.0 + 0.1 * r);
      const double t = 1e-300 * (2.0 + 0.05 * r * r);
      out << x << "," << t << "," << x * t << "\n";
    }
    return out.str();
  }();
  const Dataset data = DataOf(text);
  const SearchResult result = RunSearch(data, TinyConfig());
  CheckFinite(result);
  REQUIRE(result.best.has_value());
}

TEST_CASE("Targets whose spread overflows or underflows a double are clear errors") {
  // Squares of deviations of 1e200 overflow and those of 1e-300 underflow: no
  // formula could be ranked, so the search says so instead of returning an
  // empty front.
  auto data_scaled = [](double scale) {
    std::ostringstream out;
    out.precision(17);
    out << "x[m],y[m]\n";
    for (int r = 1; r <= 30; ++r) out << r << "," << scale * (r % 7 + 1) << "\n";
    return DataOf(out.str());
  };
  const std::string overflow = InputErrorOf([&] { RunSearch(data_scaled(1e200), TinyConfig()); });
  CHECK(overflow.find("target 'y'") != std::string::npos);
  CHECK(overflow.find("overflows") != std::string::npos);
  CHECK(overflow.find("rescale") != std::string::npos);
  const std::string underflow = InputErrorOf([&] { RunSearch(data_scaled(1e-300), TinyConfig()); });
  CHECK(underflow.find("underflows") != std::string::npos);
  // 1e150 is still fine: the search runs and reports finite figures.
  const SearchResult result = RunSearch(data_scaled(1e150), TinyConfig());
  CheckFinite(result);
  CHECK(result.best.has_value());
}

TEST_CASE("All-NaN columns: an error naming the column, also after dropping rows") {
  const std::string text = "x[m],a[m],y[m]\n1,nan,2\n3,nan,4\n";
  CHECK(InputErrorOf([&] { Read(text); }).find("column 'a'") != std::string::npos);
  CsvOptions drop;
  drop.drop_nonfinite = true;
  const std::string message = InputErrorOf([&] { Read(text, drop); });
  CHECK(message.find("no data rows left") != std::string::npos);
  CHECK(message.find("'a'") != std::string::npos);
}

// A stream that cannot seek and hands out its text a few bytes at a time, like a pipe.
class TrickleBuf : public std::streambuf {
 public:
  explicit TrickleBuf(std::string text) : text_(std::move(text)) {}

 protected:
  int_type underflow() override {
    if (pos_ >= text_.size()) return traits_type::eof();
    const std::size_t n = std::min<std::size_t>(3, text_.size() - pos_);
    char* p = text_.data() + pos_;
    setg(p, p, p + n);
    pos_ += n;
    return traits_type::to_int_type(*p);
  }

 private:
  std::string text_;
  std::size_t pos_ = 0;
};

TEST_CASE("ReadCsv reads a stream that cannot tell its length, small or over a block") {
  for (const int rows : {2, 200000}) {
    std::string text = "x[m],y[m]\n";
    for (int r = 0; r < rows; ++r) text += std::to_string(r) + "," + std::to_string(2 * r) + "\n";
    TrickleBuf buf(text);
    std::istream in(&buf);
    const CsvTable table = ReadCsv(in, "pipe");
    REQUIRE(table.num_rows() == static_cast<std::size_t>(rows));
    CHECK(table.columns[1].back() == 2.0 * (rows - 1));
  }
}

TEST_CASE("Duplicate column names: an error naming the name and both positions") {
  const std::string message = InputErrorOf([] { Read("x[m],y[m],x[s]\n1,2,3\n"); });
  CHECK(message.find("duplicate column name 'x'") != std::string::npos);
  CHECK(message.find("columns 1 and 3") != std::string::npos);
}

TEST_CASE(
    "A target no expression can reach: the error says which units and "
    "the length") {
  const Dataset data = DataOf("x[m],y[kg*m^2]\n1,2\n2,3\n");
  SearchConfig config = TinyConfig();
  config.library.default_free_constants = false;
  const std::string message = InputErrorOf([&] { RunSearch(data, config); });
  CHECK(message.find("no dimensionally valid expression of length ≤ 12 gives kg*m^2") !=
        std::string::npos);
}

TEST_CASE("Absurd unit exponents are clear errors, never overflow") {
  auto error_of = [](const std::string& unit) {
    return InputErrorOf([&] { Read("x[" + unit + "],y[1]\n1,2\n"); });
  };
  CHECK(error_of("kg^1000000000000").find("out of range") != std::string::npos);
  CHECK(error_of("m^(1/0)").find("zero denominator") != std::string::npos);
  CHECK(error_of("m^(99999999999999999999/3)").find("out of range") != std::string::npos);
  CHECK(error_of("m^-9223372036854775808").find("out of range") != std::string::npos);
  // Each level is allowed alone; together they overflow the exponent type.
  CHECK(error_of("((((m^1000)^1000)^1000)^1000)").find("overflow") != std::string::npos);
  CHECK(error_of("(((m^(1/997))^(1/991))^(1/983))^(1/977)").find("overflow") != std::string::npos);
  // In range: the units prior tabulates it sparsely, and no short formula gives m from m^1000.
  const Dataset far = DataOf("x[m^1000],y[m]\n1,2\n2,3\n");
  CHECK(InputErrorOf([&] { RunSearch(far, TinyConfig()); }) ==
        "no dimensionally valid expression of length ≤ 12 gives m from these variables");
  // In range, but in all seven base dimensions too large for the units prior's table.
  const Dataset wide = DataOf("x[(m*kg*s*A*K*mol*cd)^1000],y[m]\n1,2\n2,3\n");
  const std::string message = InputErrorOf([&] { RunSearch(wide, TinyConfig()); });
  CHECK(message.find("the units use 7 base dimensions with exponents up to 1000") !=
        std::string::npos);
  CHECK(message.find("too many for the units prior's table") != std::string::npos);
}

}  // namespace physr
