// Fuzz harness: CSV bytes → ReadCsv → MakeDataset. The first input byte picks
// options (drop_nonfinite, a target, a sigma or weights column; both sigma and
// weights: read again with one column ignored and the detected delimiter forced),
// the rest is the file. Only InputError may escape the reader; a table or
// dataset that comes back must be consistent.
#include <sstream>
#include <string>
#include <utility>

#include "fuzz_targets.hpp"
#include "physr/core/error.hpp"
#include "physr/data/csv.hpp"

namespace {

constexpr const char* kHarness = "csv_fuzz";

void Check(bool ok, const char* what) {
  if (!ok) physr::fuzz::Fail(kHarness, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::istringstream in(text);
  physr::CsvOptions csv_options;
  csv_options.drop_nonfinite = (flags & 1) != 0;
  physr::CsvTable table;
  try {
    table = physr::ReadCsv(in, "fuzz.csv", csv_options);
  } catch (const physr::InputError&) {
    return 0;
  }
  Check(!table.names.empty(), "a table without columns");
  Check(table.units.size() == table.names.size(), "units and names differ in size");
  Check(table.columns.size() == table.names.size(), "columns and names differ in size");
  Check(table.num_rows() > 0, "a table without rows");
  Check(table.row_lines.size() == table.num_rows(), "row_lines and rows differ in size");
  for (const auto& column : table.columns) {
    Check(column.size() == table.num_rows(), "ragged columns");
  }
  for (std::size_t c = 0; c < table.names.size(); ++c) {
    Check(!table.names[c].empty(), "an empty column name");
    Check(table.FindColumn(table.names[c]) == c, "a duplicate column name");
  }

  physr::DatasetOptions options;
  const std::size_t n = table.names.size();
  if ((flags & 12) == 12) {
    // Ignoring a column removes one and can only remove reasons to reject or drop a row.
    physr::CsvOptions again = csv_options;
    const std::string ignored = table.names[(flags >> 5) % n];
    again.ignore = {ignored};
    again.delimiter = table.delimiter;
    std::istringstream in_again(text);
    physr::CsvTable fewer;
    try {
      fewer = physr::ReadCsv(in_again, "fuzz.csv", again);
    } catch (const physr::InputError&) {
      Check(n == 1, "ignoring a column rejects a table that was read");
      return 0;
    }
    Check(fewer.names.size() == n - 1, "an ignored column kept or another lost");
    Check(!fewer.FindColumn(ignored).has_value(), "the ignored column is in the table");
    Check(fewer.num_rows() >= table.num_rows(), "ignoring a column lost rows");
    Check(fewer.delimiter == table.delimiter, "the forced delimiter differs");
    table = std::move(fewer);
  } else {
    if ((flags & 4) != 0) options.sigma = table.names[(flags >> 6) % n];
    if ((flags & 8) != 0) options.weights = table.names[(flags >> 5) % n];
  }
  if ((flags & 2) != 0) options.target = table.names[(flags >> 4) % table.names.size()];
  physr::Dataset dataset;
  try {
    dataset = physr::MakeDataset(table, options);
  } catch (const physr::InputError&) {
    return 0;
  }
  Check(dataset.rows() == static_cast<Eigen::Index>(table.num_rows()), "rows lost");
  Check(dataset.num_variables() >= 1, "a dataset without inputs");
  Check(dataset.names.size() == static_cast<std::size_t>(dataset.num_variables()),
        "names and X columns differ");
  Check(dataset.dimensions.size() == dataset.names.size(), "dimensions and names differ");
  Check(dataset.y.size() == dataset.rows(), "target and X rows differ");
  Check(dataset.weights.size() == 0 || dataset.weights.size() == dataset.rows(),
        "weights and rows differ");
  if (!csv_options.drop_nonfinite || table.dropped_rows == 0) {
    Check(dataset.X.allFinite() && dataset.y.allFinite(), "non-finite values kept");
  }
  if (dataset.weights.size() > 0) {
    Check(dataset.weights.allFinite() && (dataset.weights.array() >= 0.0).all(),
          "a negative or non-finite weight");
  }
  return 0;
}
