#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/data/csv.hpp"
#include "physr/data/dataset.hpp"
#include "physr/data/statistics.hpp"
#include "support/input_error.hpp"

namespace physr {
namespace {

CsvTable Read(const std::string& text, const CsvOptions& options = {}) {
  std::istringstream in(text);
  return ReadCsv(in, "data.csv", options);
}

// The message ReadCsv throws for `text`, or "<no error>".
std::string ReadError(const std::string& text, const CsvOptions& options = {}) {
  try {
    Read(text, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string DatasetError(const std::string& text, const DatasetOptions& options,
                         const CsvOptions& csv_options = {}) {
  const CsvTable table = Read(text, csv_options);
  try {
    MakeDataset(table, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

bool Contains(const std::string& haystack, const std::string& needle) {
  const bool found = haystack.find(needle) != std::string::npos;
  if (!found) MESSAGE("'" << needle << "' not in '" << haystack << "'");
  return found;
}

std::uint64_t Bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

const Dimension kSpeed = Dimension::FromInts({1, 0, -1});
const Dimension kEnergy = Dimension::FromInts({2, 1, -2});
const Dimension kMass = Dimension::FromInts({0, 1});

}  // namespace

TEST_CASE("ReadCsv reads names, units and values column by column") {
  const CsvTable t =
      Read("v[m/s],m[kg],E[kg*m^2/s^2],theta[1],x[],n\n1,2,3,4,5,6\n7,8,9,10,11,12\n");
  CHECK(t.source == "data.csv");
  REQUIRE(t.names == std::vector<std::string>{"v", "m", "E", "theta", "x", "n"});
  REQUIRE(t.units.size() == 6);
  CHECK(t.units[0] == kSpeed);
  CHECK(t.units[1] == kMass);
  CHECK(t.units[2] == kEnergy);
  CHECK(t.units[3] == Dimension::Dimensionless());
  CHECK(t.units[4] == Dimension::Dimensionless());
  CHECK_FALSE(t.units[5].has_value());
  REQUIRE(t.num_rows() == 2);
  CHECK(t.columns[0] == std::vector<double>{1, 7});
  CHECK(t.columns[5] == std::vector<double>{6, 12});
  CHECK(t.row_lines == std::vector<std::size_t>{2, 3});
  CHECK(t.dropped_rows == 0);
  CHECK(t.FindColumn("E") == std::optional<std::size_t>(2));
  CHECK_FALSE(t.FindColumn("e").has_value());
}

TEST_CASE("ReadCsv handles comments, blank lines, CRLF, BOM, quotes and whitespace") {
  const std::string text =
      "\xEF\xBB\xBF# measured 2024\r\n"
      "\r\n"
      "  # another comment\r\n"
      " \"a \"\"q\"\" b [ m / s ]\" ,\t\"w,1[kg]\" , c\r\n"
      "1 , \"2.5\" ,\t-3\r\n"
      "# between rows\r\n"
      "   \t \r\n"
      "+4,1e3,-2.5E-7\r\n"
      ".5,5.,0";  // last line without a line break
  const CsvTable t = Read(text);
  REQUIRE(t.names == std::vector<std::string>{"a \"q\" b", "w,1", "c"});
  CHECK(t.units[0] == kSpeed);
  CHECK(t.units[1] == kMass);
  CHECK_FALSE(t.units[2].has_value());
  REQUIRE(t.num_rows() == 3);
  CHECK(t.columns[0] == std::vector<double>{1, 4, 0.5});
  CHECK(t.columns[1] == std::vector<double>{2.5, 1000, 5});
  CHECK(t.columns[2] == std::vector<double>{-3, -2.5e-7, 0});
  CHECK(t.row_lines == std::vector<std::size_t>{5, 8, 9});
}

TEST_CASE("ReadCsv reads the same table from LF and CRLF input") {
  const CsvTable lf = Read("x[m],y[s]\n1,2\n3,4\n");
  const CsvTable crlf = Read("x[m],y[s]\r\n1,2\r\n3,4\r\n");
  CHECK(lf.names == crlf.names);
  CHECK(lf.columns == crlf.columns);
  CHECK(lf.units == crlf.units);
}

TEST_CASE("ReadCsv reports empty input and a missing header") {
  CHECK(ReadError("") == "data.csv: empty file (no header line)");
  CHECK(ReadError("\xEF\xBB\xBF") == "data.csv: empty file (no header line)");
  CHECK(ReadError("# only\n\n  # comments\n") == "data.csv: empty file (no header line)");
}

TEST_CASE("ReadCsv reports header problems with line and column") {
  CHECK(Contains(ReadError("a[m],b[s],a[kg]\n1,2,3\n"),
                 "data.csv:1:11: duplicate column name 'a' (columns 1 and 3)"));
  CHECK(Contains(ReadError("a[m],,b\n1,2,3\n"), "data.csv:1:6: empty column name"));
  CHECK(Contains(ReadError("# c\nx,[m]\n1,2\n"), "data.csv:2:3: empty column name"));
  CHECK(Contains(ReadError("a,b,\n1,2,3\n"), "data.csv:1:5: empty column name"));
  CHECK(Contains(ReadError("t[s],v[m/s\n1,2\n"), "data.csv:1:7: header cell 'v[m/s'"));
  CHECK(
      Contains(ReadError("t[s],v[m/s]x\n1,2\n"), "data.csv:1:12: header cell 'v[m/s]x' has text"));
  // Columns count UTF-8 characters, not bytes.
  CHECK(Contains(ReadError("\xCE\xB8[1],\xCE\xB8[1]\n1,2\n"),
                 "data.csv:1:6: duplicate column name '\xCE\xB8'"));
}

TEST_CASE("ReadCsv reports bad units at the unit's position") {
  // The column points at the character the unit parser rejects.
  CHECK(Contains(ReadError("t[s],v[m/qq]\n1,2\n"),
                 "data.csv:1:10: bad unit in column 'v': bad unit 'm/qq'"));
  CHECK(Contains(ReadError("t[s],\"v[ m/qq ]\"\n1,2\n"),
                 "data.csv:1:12: bad unit in column 'v': bad unit 'm/qq'"));
  CHECK(Contains(ReadError("t[s],v[kg*m^]\n1,2\n"), "data.csv:1:13: bad unit in column 'v': "));
  CHECK(Contains(ReadError("# units\nt[s],v[m^(1/0)]\n1,2\n"), "data.csv:2:"));
}

TEST_CASE("ReadCsv reports ragged rows with their line") {
  CHECK(ReadError("# c\na,b,c,d\n1,2,3,4\n\n1,2,3\n") ==
        "data.csv:5: row has 3 cells, header has 4");
  CHECK(ReadError("a,b\n1,2,3\n") == "data.csv:2: row has 3 cells, header has 2");
  CHECK(ReadError("a,b\n1,2,\n") == "data.csv:2: row has 3 cells, header has 2");
  // A last row cut short is ragged; a complete last row without a line break is fine.
  CHECK(ReadError("a,b,c\n1,2,3\n4,5") == "data.csv:3: row has 2 cells, header has 3");
  CHECK(Read("a,b,c\n1,2,3\n4,5,6").num_rows() == 2);
}

TEST_CASE("ReadCsv reports cells that are not numbers at their column") {
  CHECK(ReadError("a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n1,1,1\n1.0, 2.0,  abc\n") ==
        "data.csv:7:12: cell 'abc' in column 'c' is not a number");
  CHECK(Contains(ReadError("a,v\n1,\"1,5\"\n"),
                 "data.csv:2:3: cell '1,5' in column 'v' is not a number"));
  CHECK(Contains(ReadError("a,v\n1,  \n"), "data.csv:2:5: empty cell in column 'v'"));
  CHECK(Contains(ReadError("a,v\n,1\n"), "data.csv:2:1: empty cell in column 'a'"));
  CHECK(Contains(ReadError("a,v\n1,\"\"\n"), "data.csv:2:3: empty cell in column 'v'"));
  for (const char* bad : {"0x1F", "1e", "--1", "++3", "+-3", "1 2", "1_0", "- 1", "e5", "+"}) {
    CAPTURE(bad);
    CHECK(Contains(ReadError(std::string("a\n") + bad + "\n"), "data.csv:2:1: cell '"));
  }
  CHECK(
      Contains(ReadError("a,v\n1,1e999\n"), "data.csv:2:3: cell '1e999' in column 'v' is outside"));
  CHECK(Contains(ReadError("a,v\n1,\"a\"\"b\"\n"), "cell 'a\"b' in column 'v' is not a number"));
}

TEST_CASE("ReadCsv reports quoting problems") {
  CHECK(Contains(ReadError("a,\"b\n1,2\n"), "data.csv:1:3: unterminated quoted field"));
  CHECK(Contains(ReadError("a,b\n1,\"2\n"), "data.csv:2:3: unterminated quoted field"));
  CHECK(Contains(ReadError("a,b\n1,\"2\"x\n"),
                 "data.csv:2:6: unexpected 'x' after the closing quote"));
}

TEST_CASE("ReadCsv rejects non-finite values unless asked to drop them") {
  CHECK(ReadError("a,m\n1,2\n1,nan\n") ==
        "data.csv:3:3: column 'm' holds nan; pass --drop-nonfinite to drop such rows");
  CHECK(Contains(ReadError("a,m\n-inf,2\n"), "data.csv:2:1: column 'a' holds -inf"));
  CHECK(Contains(ReadError("a,m\n1,NaN\n"), "column 'm' holds NaN"));
  CHECK(Contains(ReadError("a,m\n1,+inf\n"), "column 'm' holds +inf"));

  CsvOptions drop;
  drop.drop_nonfinite = true;
  const CsvTable t = Read("a,m\n1,2\nnan,3\n4,inf\n5,6\n-inf,NaN\n7,8\n", drop);
  CHECK(t.dropped_rows == 3);
  CHECK(t.columns[0] == std::vector<double>{1, 5, 7});
  CHECK(t.columns[1] == std::vector<double>{2, 6, 8});
  CHECK(t.row_lines == std::vector<std::size_t>{2, 5, 7});
  // Dropping does not excuse other errors.
  CHECK(Contains(ReadError("a,m\nnan,x\n", drop), "data.csv:2:5: cell 'x'"));
  CHECK(ReadError("a,m\nnan,1\n1,inf\n", drop) ==
        "data.csv: no data rows left after dropping 2 rows holding nan or inf");
}

TEST_CASE("ReadCsv rejects a table without data rows") {
  CHECK(ReadError("a[m],b[s]\n") == "data.csv: no data rows after the header (line 1)");
  CHECK(ReadError("# x\na[m],b[s]\n# none\n\n") ==
        "data.csv: no data rows after the header (line 2)");
}

TEST_CASE("CsvOptions::units supplies and overrides units") {
  CsvOptions options;
  options.units = {{"v", "m/s"}, {"E", " kg*m^2/s^2 "}, {"k", ""}};
  const CsvTable t = Read("v,E[kg],k[m],z\n1,2,3,4\n", options);
  CHECK(t.units[0] == kSpeed);
  CHECK(t.units[1] == kEnergy);
  CHECK(t.units[2] == Dimension::Dimensionless());
  CHECK_FALSE(t.units[3].has_value());

  CsvOptions unknown;
  unknown.units = {{"w", "m"}};
  CHECK(Contains(ReadError("v,E\n1,2\n", unknown), "data.csv: a unit is given for column 'w'"));
  CHECK(Contains(ReadError("v,E\n1,2\n", unknown), "(columns: v, E)"));

  CsvOptions bad;
  bad.units = {{"v", "m/qq"}};
  CHECK(Contains(ReadError("v,E\n1,2\n", bad), "data.csv: bad unit given for column 'v' (v=m/qq)"));
}

TEST_CASE("Columns in scaled units are converted to coherent SI, the target too") {
  const CsvTable t = Read("d[km],t[h],v[km/h]\n36,2,18\n7.2,0.5,14.4\n");
  // The table keeps the values and unit texts as written, with each unit's scale.
  CHECK(t.unit_texts == std::vector<std::string>{"km", "h", "km/h"});
  REQUIRE(t.scales.size() == 3);
  CHECK(t.scales[0] == 1000.0);
  CHECK(t.scales[1] == 3600.0);
  CHECK(t.scales[2] == doctest::Approx(1.0 / 3.6).epsilon(1e-15));
  CHECK(t.columns[0][0] == 36);
  CHECK(t.units[0] == Dimension::Of(units::Base::kLength));

  const Dataset d = MakeDataset(t);
  CHECK(d.dimensions == std::vector<Dimension>{Dimension::Of(units::Base::kLength),
                                               Dimension::Of(units::Base::kTime)});
  CHECK(d.target_dimension == kSpeed);
  CHECK(d.X(0, 0) == 36000.0);
  CHECK(d.X(1, 0) == 7200.0);
  CHECK(d.X(0, 1) == 7200.0);
  CHECK(d.X(1, 1) == 1800.0);
  CHECK(d.y(0) == doctest::Approx(5.0).epsilon(1e-15));
  CHECK(d.y(1) == doctest::Approx(4.0).epsilon(1e-15));
  // v = d/t holds in SI.
  for (Eigen::Index r = 0; r < d.rows(); ++r) {
    CHECK(d.y(r) == doctest::Approx(d.X(r, 0) / d.X(r, 1)).epsilon(1e-15));
  }
  REQUIRE(d.source_units.size() == 2);
  CHECK(d.source_units[0].text == "km");
  CHECK(d.source_units[1].scale == 3600.0);
  CHECK(d.target_source_unit.text == "km/h");
  const std::vector<std::string> lines = DescribeConversions(d);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "converted d from km to m (\u00D7 1000)");
  CHECK(lines[1] == "converted t from h to s (\u00D7 3600)");
  CHECK(lines[2] == "converted v from km/h to m/s (\u00D7 0.277777777777778)");

  // SI columns are untouched and not reported.
  const Dataset si = MakeDataset(Read("d[m],t[s],v[m/s]\n1,2,0.5\n"));
  CHECK(DescribeConversions(si).empty());
  CHECK(si.X(0, 0) == 1.0);
  CHECK(si.y(0) == 0.5);

  // --units overrides are converted too, and a sigma column without a unit is in the target's.
  CsvOptions options;
  options.units = {{"x", "mm"}, {"y", "g"}};
  DatasetOptions sigma;
  sigma.sigma = "s";
  const Dataset o = MakeDataset(Read("x,y,s\n5,2,4\n", options), sigma);
  CHECK(o.X(0, 0) == doctest::Approx(5e-3).epsilon(1e-15));
  CHECK(o.y(0) == doctest::Approx(2e-3).epsilon(1e-15));
  REQUIRE(o.weights.size() == 1);
  CHECK(o.weights(0) == doctest::Approx(1.0 / (4e-3 * 4e-3)).epsilon(1e-12));

  // Affine units are refused with the conversion to make.
  CHECK(Contains(ReadError("T[degC],p[Pa]\n1,2\n"),
                 "degC is an affine unit at position 0; convert to K (T[K] = T[degC] + 273.15)"));
}

TEST_CASE("ReadCsv detects the delimiter from the header") {
  // ',' ';' tab and whitespace give the same table.
  const CsvTable comma = Read("x[m],y[s]\n1,2\n3,4\n");
  CHECK(comma.delimiter == CsvDelimiter::kComma);
  for (const char* text : {"x[m];y[s]\n1;2\n3;4\n", "x[m]\ty[s]\n1\t2\n3\t4\n",
                           "x[m]  y[s]\n  1 2\n3\t \t4   \n", "  x [m]  y [ s ]\n1 2\n3 4\n"}) {
    CAPTURE(text);
    const CsvTable t = Read(text);
    CHECK(t.names == comma.names);
    CHECK(t.units == comma.units);
    CHECK(t.columns == comma.columns);
  }
  CHECK(Read("x[m];y[s]\n1;2\n").delimiter == CsvDelimiter::kSemicolon);
  CHECK(Read("x[m]\ty[s]\n1\t2\n").delimiter == CsvDelimiter::kTab);
  CHECK(Read("x[m] y[s]\n1 2\n").delimiter == CsvDelimiter::kWhitespace);
  CHECK(Read("x[m]\n1\n").delimiter == CsvDelimiter::kComma);  // one column: nothing to split
  // The first ';' or ',' outside quotes and brackets decides; tabs around it are padding.
  CHECK(Read("\"a;b[m]\"\t, y\n1,2\n").delimiter == CsvDelimiter::kComma);
  CHECK(Read("\"a;b\"\t y\n1\t2\n").delimiter == CsvDelimiter::kTab);
  // Empty cells between tabs count.
  CHECK(ReadError("a\tb\tc\n1\t\t3\n") == "data.csv:2:3: empty cell in column 'b'");
  // With ';', decimal commas are not read; the message says so.
  CHECK(Contains(ReadError("a;b\n1;2,5\n"),
                 "data.csv:2:3: cell '2,5' in column 'b' is not a "
                 "number (write decimals with '.')"));
  CHECK(ReadError("a;b\n1;2;3\n") ==
        "data.csv:2: row has 3 cells, header has 2 (cells split at ';')");
}

TEST_CASE("ReadCsv reports a header split at the wrong delimiter") {
  CsvOptions comma;
  comma.delimiter = CsvDelimiter::kComma;
  CHECK(ReadError("x[m];y[s]\n1;2\n", comma) ==
        "data.csv:1:5: header cell 'x[m];y[s]' holds ';', but cells are split at ','; pass "
        "--delimiter ';' if ';' separates the columns, or quote the name");
  CHECK(Contains(ReadError("a;b,c\n1;2\n"),
                 "data.csv:1:4: header cell 'b,c' holds ',', but cells are split at ';' (detected "
                 "from the header); pass --delimiter ,"));
  CHECK(Contains(ReadError("a,b\tc\n1,2\n"), "data.csv:1:4: header cell 'b\tc' holds a tab"));
  CsvOptions tab;
  tab.delimiter = CsvDelimiter::kTab;
  CHECK(Contains(ReadError("a,b\n1,2\n", tab),
                 "holds ',', but cells are split at tabs; pass "
                 "--delimiter ,"));
  // Quoted names may hold any of them; units too.
  CHECK(Read("\"a,b\";c[kg]\n1;2\n", {}).names == std::vector<std::string>{"a,b", "c"});
  // Other header errors name a delimiter other than ','.
  CHECK(Contains(ReadError("a[m/qq];b\n1;2\n"), "(cells split at ';'; see --delimiter)"));
  CsvOptions space;
  space.delimiter = CsvDelimiter::kWhitespace;
  CHECK(Read("a b\n1 2\n", space).names == std::vector<std::string>{"a", "b"});
  CHECK(Contains(ReadError("a,b\n1 2\n", space), "header cell 'a,b' holds ','"));
}

TEST_CASE("ReadCsv reads quoted header and number cells in any delimiter") {
  const CsvTable t = Read("\"v [m/s]\"\t\"E[J]\"\t\"n\"\"\"\n\"1.5\"\t2\t\" 3 \"\n");
  REQUIRE(t.names == std::vector<std::string>{"v", "E", "n\""});
  CHECK(t.units[0] == kSpeed);
  CHECK_FALSE(t.units[2].has_value());
  CHECK(t.columns[0] == std::vector<double>{1.5});
  CHECK(t.columns[2] == std::vector<double>{3});
  CHECK(Contains(ReadError("\"a\" \"b\"x\n1 2\n"),
                 "data.csv:1:8: unexpected 'x' after the "
                 "closing quote"));
  const CsvTable w = Read("\"v [m/s]\" \"a b\"\n1 \"2\"\n");
  CHECK(w.names == std::vector<std::string>{"v", "a b"});
  CHECK(w.columns[1] == std::vector<double>{2});
}

TEST_CASE("ReadCsv reads CR line ends when the input has no LF") {
  const CsvTable t = Read("\xEF\xBB\xBF# c\rx[m],y[s]\r1,2\r\r3,4");
  CHECK(t.names == std::vector<std::string>{"x", "y"});
  CHECK(t.columns[1] == std::vector<double>{2, 4});
  CHECK(t.row_lines == std::vector<std::size_t>{3, 5});
  CHECK(ReadError("x,y\r1,2\r3,z\r") == "data.csv:3:3: cell 'z' in column 'y' is not a number");
}

TEST_CASE("CsvOptions::ignore leaves columns out unread") {
  CsvOptions options;
  options.ignore = {"name", "note"};
  const CsvTable t =
      Read("name,x[m],note,y[s]\n\"Mercury, the planet\",1,,2\nVenus,3,nan?,4\n", options);
  CHECK(t.names == std::vector<std::string>{"x", "y"});
  CHECK(t.columns[0] == std::vector<double>{1, 3});
  CHECK(t.columns[1] == std::vector<double>{2, 4});
  // Messages name the kept columns, and rows still need every cell.
  CHECK(ReadError("name,x[m],y[s]\nA,1,q\n", options) != "<no error>");
  options.ignore = {"name"};
  CHECK(ReadError("name,x[m],y[s]\nA,1,q\n", options) ==
        "data.csv:2:5: cell 'q' in column 'y' is not a number");
  CHECK(ReadError("name,x[m],y[s]\nA,1\n", options) == "data.csv:2: row has 2 cells, header has 3");
  // Units may be given for an ignored column; an unknown name is an error.
  options.units = {{"name", "m"}};
  CHECK(Read("name,x[m],y[s]\nA,1,2\n", options).names.size() == 2);
  options.units.clear();
  options.ignore = {"nope"};
  CHECK(ReadError("a,b\n1,2\n", options) ==
        "data.csv: no column 'nope' for --ignore (columns: a, b)");
  options.ignore = {"a", "b"};
  CHECK(ReadError("a,b\n1,2\n", options) == "data.csv: every column is ignored (columns: a, b)");
}

TEST_CASE("CsvOptions::fallback_units fill in units the header lacks") {
  CsvOptions options;
  options.fallback_units = {{"v", "m/s"}, {"m", "kg"}, {"k", "m"}, {"other", "s"}};
  options.fallback_source = "data.json";
  options.units = {{"k", "1"}};
  const CsvTable t = Read("v,m[kg],k,E[J]\n1,2,3,4\n", options);
  CHECK(t.units[0] == kSpeed);
  CHECK(t.units[1] == kMass);
  CHECK(t.units[2] == Dimension::Dimensionless());  // --units wins
  CHECK(t.warnings.empty());
  // The header wins over a disagreeing fallback unit, with a warning naming both.
  options.units.clear();
  options.fallback_units = {{"m", "s"}};
  const CsvTable w = Read("v[m/s],m[kg]\n1,2\n", options);
  CHECK(w.units[1] == kMass);
  REQUIRE(w.warnings.size() == 1);
  CHECK(w.warnings[0] ==
        "data.csv:1:8: column 'm' has unit kg in the header but s in data.json; "
        "the header's unit is used");
  options.fallback_units = {{"v", "m/qq"}};
  CHECK(Contains(ReadError("v,m\n1,2\n", options), "data.json: bad unit 'm/qq' for column 'v'"));
}

TEST_CASE("ReadCsvFile reads a file and names it in messages") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "physr_data_test_table.csv").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "x[m],y[s]\r\n1,2\r\n3,abc\r\n";
  }
  try {
    ReadCsvFile(path);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == path + ":3:3: cell 'abc' in column 'y' is not a number");
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << "x[m],y[s]\r\n1,2\r\n3,4\r\n";
  }
  const CsvTable t = ReadCsvFile(path);
  CHECK(t.source == path);
  CHECK(t.columns[1] == std::vector<double>{2, 4});
  std::filesystem::remove(path);

  const std::string missing = (dir / "physr_data_test_no_such_dir" / "t.csv").string();
  try {
    ReadCsvFile(missing);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(Contains(e.what(), "cannot open '" + missing + "': "));
  }
  const std::string directory = dir.string();
  try {
    ReadCsvFile(directory);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(Contains(e.what(), "it is a directory"));
  }
}

TEST_CASE("A large generated table round-trips bit-exactly through %.17g") {
  Rng rng(2024);
  const int rows = 20000;
  const int cols = 5;
  std::vector<std::vector<double>> expected(cols, std::vector<double>(rows));
  std::string text = "a[m],b[s],c[kg],d[1],e[m/s]\n";
  char buffer[40];
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      double v;
      if (c == 0) {  // arbitrary finite bit patterns, subnormals and -0 included
        do {
          const std::uint64_t b = rng();
          std::memcpy(&v, &b, sizeof v);
        } while (!std::isfinite(v));
      } else {
        v = rng.Normal() * std::pow(10.0, static_cast<double>(rng.Below(41)) - 20.0);
      }
      expected[c][r] = v;
      std::snprintf(buffer, sizeof buffer, "%.17g", v);
      if (c > 0) text += ',';
      text += buffer;
    }
    text += (r % 2 == 0) ? "\n" : "\r\n";
  }
  const CsvTable t = Read(text);
  REQUIRE(t.num_rows() == static_cast<std::size_t>(rows));
  int mismatches = 0;
  for (int c = 0; c < cols; ++c) {
    for (int r = 0; r < rows; ++r) mismatches += Bits(t.columns[c][r]) != Bits(expected[c][r]);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("MakeDataset takes the last column as target by default") {
  const CsvTable t = Read("v[m/s],m[kg],E[kg*m^2/s^2]\n1,2,1\n3,4,18\n");
  const Dataset d = MakeDataset(t);
  CHECK(d.names == std::vector<std::string>{"v", "m"});
  CHECK(d.dimensions == std::vector<Dimension>{kSpeed, kMass});
  CHECK(d.target_name == "E");
  CHECK(d.target_dimension == kEnergy);
  REQUIRE(d.rows() == 2);
  CHECK(d.num_variables() == 2);
  CHECK(d.X(0, 0) == 1);
  CHECK(d.X(1, 0) == 3);
  CHECK(d.X(0, 1) == 2);
  CHECK(d.X(1, 1) == 4);
  CHECK(d.y(0) == 1);
  CHECK(d.y(1) == 18);
  CHECK(d.weights.size() == 0);
  CHECK(d.FindVariable("m") == std::optional<int>(1));
  CHECK_FALSE(d.FindVariable("E").has_value());
}

TEST_CASE("MakeDataset honours target, ignore, sigma and weights") {
  const CsvTable t = Read(
      "v[m/s],E[kg*m^2/s^2],m[kg],s[kg*m^2/s^2],w,n\n"
      "1,10,2,0.5,1,7\n"
      "2,20,3,2,0,8\n"
      "3,30,4,4,3,9\n");
  DatasetOptions by_name;
  by_name.target = "E";
  by_name.sigma = "s";
  by_name.ignore = {"w", "n"};
  const Dataset d = MakeDataset(t, by_name);
  CHECK(d.names == std::vector<std::string>{"v", "m"});
  CHECK(d.target_name == "E");
  CHECK(d.y(2) == 30);
  REQUIRE(d.weights.size() == 3);
  CHECK(d.weights(0) == 4.0);
  CHECK(d.weights(1) == 0.25);
  CHECK(d.weights(2) == 1.0 / 16);

  // Without --target the last column that is not sigma/weights/ignored is the target.
  DatasetOptions weights;
  weights.weights = "w";
  weights.ignore = {"n"};
  const Dataset dw = MakeDataset(t, weights);
  CHECK(dw.target_name == "s");
  CHECK(dw.names == std::vector<std::string>{"v", "E", "m"});
  REQUIRE(dw.weights.size() == 3);
  CHECK(dw.weights(0) == 1);
  CHECK(dw.weights(1) == 0);
  CHECK(dw.weights(2) == 3);

  const CsvTable sigma_last = Read("x[m],y[m],s\n1,2,0.1\n2,3,0.2\n");
  DatasetOptions sigma;
  sigma.sigma = "s";
  const Dataset ds = MakeDataset(sigma_last, sigma);  // s has no unit: taken as y's
  CHECK(ds.target_name == "y");
  CHECK(ds.names == std::vector<std::string>{"x"});
  CHECK(ds.weights(0) == doctest::Approx(100.0).epsilon(1e-15));
  CHECK(ds.weights(1) == doctest::Approx(25.0).epsilon(1e-15));
}

TEST_CASE("MakeDataset reports unknown names, conflicts and missing units") {
  const std::string text = "v[m/s],m[kg],E[kg*m^2/s^2],s[kg*m^2/s^2],w\n1,2,3,0.5,1\n2,3,4,0,1\n";
  DatasetOptions o;
  o.target = "q";
  CHECK(DatasetError(text, o) == "data.csv: no column 'q' for --target (columns: v, m, E, s, w)");
  o = {};
  o.sigma = "sig";
  CHECK(Contains(DatasetError(text, o), "no column 'sig' for --sigma (columns: v, m, E, s, w)"));
  o = {};
  o.weights = "x";
  CHECK(Contains(DatasetError(text, o), "no column 'x' for --weights"));
  o = {};
  o.ignore = {"zz"};
  CHECK(Contains(DatasetError(text, o), "no column 'zz' for --ignore"));
  o = {};
  o.sigma = "s";
  o.weights = "w";
  CHECK(Contains(DatasetError(text, o), "either --sigma or --weights, not both"));
  o = {};
  o.target = "s";
  o.sigma = "s";
  CHECK(Contains(DatasetError(text, o), "column 's' is both target and sigma"));
  o = {};
  o.target = "E";
  o.ignore = {"E"};
  CHECK(Contains(DatasetError(text, o), "column 'E' is the target and ignored"));

  // w has no unit and is the default target.
  CHECK(DatasetError(text, {}) ==
        "data.csv: column 'w' has no unit: write w[<unit>] in the header (w[1] if "
        "dimensionless), or pass --units w=<unit>");
  o = {};
  o.target = "E";
  o.ignore = {"s"};
  CHECK(Contains(DatasetError(text, o), "column 'w' has no unit"));  // w is an input here
  o.ignore = {"s", "w"};
  CHECK(DatasetError(text, o) == "<no error>");
  CsvOptions units;
  units.units = {{"w", "1"}};
  o.ignore = {"s"};
  CHECK(DatasetError(text, o, units) == "<no error>");

  o = {};
  o.target = "E";
  o.ignore = {"v", "m", "s", "w"};
  CHECK(Contains(DatasetError(text, o), "no input column"));
}

TEST_CASE("MakeDataset checks sigma and weight values and units") {
  const std::string text = "x[m],y[s],s[s],w,z[kg]\n1,2,0.5,1,1\n\n2,3,0,0,1\n";
  DatasetOptions o;
  o.target = "y";
  o.ignore = {"w"};
  o.sigma = "s";
  CHECK(DatasetError(text, o) ==
        "data.csv:4: sigma column 's' holds 0; every sigma must be finite and > 0");
  o.sigma = "x";
  o.ignore = {"w", "s"};
  CHECK(Contains(DatasetError(text, o), "sigma column 'x' has unit m, but the target 'y' has s"));

  o = {};
  o.target = "y";
  o.weights = "w";
  o.ignore = {"s"};
  CHECK(DatasetError(text, o) == "<no error>");
  o.ignore.clear();
  CHECK(Contains(DatasetError("x[m],y[s],w\n1,2,0\n2,3,0\n", o),
                 "data.csv: weights column 'w' must have a positive, finite sum"));
  CHECK(Contains(DatasetError("x[m],y[s],w\n1,2,1\n2,3,-1\n", o),
                 "data.csv:3: weights column 'w' holds -1; every weight must be finite"));
  DatasetOptions neg;
  neg.sigma = "s";
  CHECK(Contains(DatasetError("x[m],y[s],s\n1,2,-0.5\n", neg),
                 "data.csv:2: sigma column 's' holds -0.5"));
}

TEST_CASE("MakeDataset names rows when the table has no line numbers") {
  CsvTable t;
  t.names = {"x", "y", "s"};
  t.units = {kMass, kMass, std::nullopt};
  t.columns = {{1, 2}, {3, 4}, {1, -1}};
  DatasetOptions o;
  o.sigma = "s";
  try {
    MakeDataset(t, o);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "row 2: sigma column 's' holds -1; every sigma must be finite and > 0");
  }
  t.columns[2] = {1, 2};
  const Dataset d = MakeDataset(t, o);
  CHECK(d.weights(1) == 0.25);
}

// ---------------------------------------------------------------------------------------
// Dataset statistics

namespace {

// x = 0, 1, ..., rows − 1 (so a row names itself), y = 3x + 1, weights 1 + x/10 when asked.
Dataset Indexed(Eigen::Index rows, bool weighted) {
  Dataset d;
  d.names = {"x"};
  d.dimensions = {Dimension::FromInts({1})};
  d.target_name = "y";
  d.target_dimension = Dimension::FromInts({0, 0, 1});
  d.X.resize(rows, 1);
  d.y.resize(rows);
  if (weighted) d.weights.resize(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    d.X(i, 0) = static_cast<double>(i);
    d.y(i) = 3.0 * static_cast<double>(i) + 1.0;
    if (weighted) d.weights(i) = 1.0 + static_cast<double>(i) / 10.0;
  }
  return d;
}

double NaiveStdDev(const Eigen::VectorXd& v) {
  double mean = 0.0;
  for (const double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double sum = 0.0;
  for (const double x : v) sum += (x - mean) * (x - mean);
  return std::sqrt(sum / static_cast<double>(v.size()));
}

}  // namespace

TEST_CASE("Spread is the population standard deviation, at any scale") {
  Rng rng(4);
  Eigen::VectorXd v(101);
  for (double& x : v) x = 5.0 + 2.0 * rng.Normal();
  const double naive = NaiveStdDev(v);
  CHECK(Spread(v) == doctest::Approx(naive).epsilon(1e-13));
  // Where the squares underflow or overflow, the scaled form still holds.
  for (const double scale : {1e-200, 1e200}) {
    CAPTURE(scale);
    const Eigen::VectorXd scaled = v * scale;
    CHECK(Spread(scaled) / scale == doctest::Approx(naive).epsilon(1e-13));
  }
  CHECK(Spread(Eigen::VectorXd()) == 0.0);
  CHECK(Spread(Eigen::VectorXd::Constant(5, 3.25)) == 0.0);
  Eigen::VectorXd bad = v;
  bad(3) = std::numeric_limits<double>::infinity();
  CHECK(std::isnan(Spread(bad)));
}

TEST_CASE("EffectiveRows is the row count for equal weights, (Σw)²/Σw² otherwise") {
  Dataset d = Indexed(12, false);
  CHECK(EffectiveRows(d) == 12.0);
  for (const double w : {1.0, 1e-300, 1e300}) {
    CAPTURE(w);
    d.weights = Eigen::VectorXd::Constant(12, w);
    CHECK(EffectiveRows(d) == 12.0);
  }
  d = Indexed(4, false);
  d.weights = Eigen::VectorXd(4);
  d.weights << 2.0, 1.0, 1.0, 0.0;
  CHECK(EffectiveRows(d) == doctest::Approx(16.0 / 6.0).epsilon(1e-15));
  d.weights.setZero();  // no usable weights: the rows count
  CHECK(EffectiveRows(d) == 4.0);
}

TEST_CASE("ExactThreshold from the digits of the target") {
  Dataset d = Indexed(4, false);
  // Ten significant digits each (shortest round-trip form d.ddddddddde+00): half a unit in
  // the last place is 0.5e-9, rms over rows and over the spread, times 100.
  d.y << 1.000000001, 2.000000002, 3.000000003, 4.000000004;
  const double expected = 100.0 * 0.5e-9 / NaiveStdDev(d.y) / std::sqrt(3.0);
  CHECK(ExactThreshold(d) == doctest::Approx(expected).epsilon(1e-9));
  d.y << 1.0, 2.0, 3.0, 4.0;  // one digit: far above the cap
  CHECK(ExactThreshold(d) == 1e-6);
  d.y << 0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, std::sqrt(2.0);  // full precision: the floor
  CHECK(ExactThreshold(d) == 1e-9);
  d.y.setConstant(7.0);
  CHECK(ExactThreshold(d) == 1e-6);
}

TEST_CASE("ExactThreshold of a reduced target keeps the digits of the data's") {
  Dataset d = Indexed(4, false);
  d.y << 1.000000001, 2.000000002, 3.000000003, 4.000000004;
  // Divided by one factor k, with weights k² (as over dimensionless groups): the same NRMSE
  // floor, though the reduced values carry every digit of a double.
  Dataset reduced = d;
  const double k = 2.997924580e8;
  reduced.y = d.y / k;
  reduced.weights = Eigen::VectorXd::Constant(4, k * k);
  CHECK(ExactThreshold(reduced) == 1e-9);
  CHECK(ExactThreshold(d, reduced) == doctest::Approx(ExactThreshold(d)).epsilon(1e-9));
  // A factor per row: each row's error scales with reduced.y / y, against reduced's own
  // weighted spread (the closed form below).
  const Eigen::Vector4d factor(1.0, 4.0, 2.0, 8.0);
  reduced.y = d.y.cwiseQuotient(factor);
  reduced.weights = factor.cwiseProduct(factor);
  const Eigen::Vector4d w = reduced.weights / reduced.weights.maxCoeff();
  const double mean = w.dot(reduced.y) / w.sum();
  double noise = 0.0;
  double total = 0.0;
  for (int i = 0; i < 4; ++i) {
    const double error = 0.5e-9 / factor(i);  // half a unit in the 10th digit, scaled
    noise += w(i) * error * error / 3.0;
    total += w(i) * (reduced.y(i) - mean) * (reduced.y(i) - mean);
  }
  const double expected = 100.0 * std::sqrt(noise / total);
  REQUIRE(expected > 1e-9);  // inside the clamp
  REQUIRE(expected < 1e-6);
  CHECK(ExactThreshold(d, reduced) == doctest::Approx(expected));
}

TEST_CASE("CheckTargetScale rejects a spread that overflows or underflows") {
  Dataset d = Indexed(3, false);
  CHECK_NOTHROW(CheckTargetScale(d));
  d.y.setConstant(1e-300);  // constant: allowed however small
  CHECK_NOTHROW(CheckTargetScale(d));
  const auto message = [&] { return testing::InputErrorOf([&] { CheckTargetScale(d); }); };
  d.y << 1e-170, 2e-170, 3e-170;
  CHECK(message().find("spread underflows to 0; rescale the target column") != std::string::npos);
  CHECK(message().find("the target 'y'") != std::string::npos);
  d.y << 1e200, -1e200, 0.0;
  CHECK(message().find("spread overflows") != std::string::npos);
}

TEST_CASE("SearchRows keeps every row or a seeded subset in file order") {
  const Dataset d = Indexed(1000, true);
  for (const Eigen::Index max_rows :
       {Eigen::Index{0}, Eigen::Index{-1}, Eigen::Index{1000}, Eigen::Index{5000}}) {
    const Dataset all = SearchRows(d, max_rows, 1);
    CHECK(all.X == d.X);
    CHECK(all.y == d.y);
    CHECK(all.weights == d.weights);
  }
  const Dataset a = SearchRows(d, 50, 7);
  REQUIRE(a.rows() == 50);
  CHECK(a.names == d.names);
  CHECK(a.dimensions == d.dimensions);
  CHECK(a.target_name == d.target_name);
  CHECK(a.target_dimension == d.target_dimension);
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    const double source = a.X(r, 0);
    if (r > 0) CHECK(source > a.X(r - 1, 0));  // file order, no repeats
    CHECK(a.y(r) == 3.0 * source + 1.0);       // whole rows
    CHECK(a.weights(r) == 1.0 + source / 10.0);
  }
  // Seeded: the same seed gives the same rows, another seed others.
  CHECK(SearchRows(d, 50, 7).X == a.X);
  CHECK(SearchRows(d, 50, 8).X != a.X);
  // Without weights none appear.
  CHECK(SearchRows(Indexed(1000, false), 50, 7).weights.size() == 0);
  CHECK(SearchRows(Indexed(1000, false), 50, 7).X == a.X);
}

}  // namespace physr
