// Screening of wide data: before a search over many candidate columns, each input column is
// scored by how much of the target it can explain on its own, and only the best K are
// searched (SearchConfig::screen; docs/algorithms.md, "Screening"). Not here: the search
// itself (RunSearch applies the screening and writes the result back over all columns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "physr/data/dataset.hpp"

namespace physr {

// SearchConfig::screen: kScreenAuto screens when the data has more than kScreenAutoAbove
// inputs and keeps kScreenAutoKeep; kScreenOff never screens; a positive K keeps the K best
// (all of them when K ≥ the number of inputs).
inline constexpr int kScreenAuto = -1;
inline constexpr int kScreenOff = 0;
inline constexpr int kScreenAutoAbove = 20;
inline constexpr int kScreenAutoKeep = 15;

// "auto", "off" or the number K; ParseScreen reads them back ("auto", "off", a positive
// integer) and throws InputError naming the text otherwise (K ≤ 0 included).
std::string ScreenToString(int screen);
int ParseScreen(std::string_view text);

// How many of `columns` inputs a search with `screen` keeps (columns when it does not screen).
int ScreenedColumns(int screen, int columns);

struct ColumnScore {
  std::string name;
  int column = 0;      // in the data
  double score = 0.0;  // in [0, 1]: the share of what was left of the target that it explains
};

// The `keep` input columns of `data` (all, if keep ≥ their number) that explain most of the
// target, chosen one at a time, in the order chosen (docs/algorithms.md, "Screening"). The
// target is taken as log|y| when it keeps one sign (a product of powers is then a sum), else
// as y. Each step picks the column with the highest score against what is left of it, the
// larger of two shares of that remainder's variance: the squared correlation with the
// column's ranks (a monotone dependence: a power, a logarithm, an exponential, whatever the
// column's scale) and the correlation ratio η² over ten quantile bins of the column, less
// its expected value (B − 1)/(n − 1) under independence (a dependence that is not monotone:
// sin, cos, a square over both signs); then removes from the remainder what the column
// explains (a line in its ranks, then the means over its bins). So a column whose effect a
// stronger one hides on its own (y = x1²·x2 with x1 spread widely) is found once the
// stronger one is taken out. Ties go to the first column. Uses at most 2000 rows, evenly
// spaced. Deterministic; O(keep · columns · rows + columns · rows · log rows). Requires
// finite values (PHYSR_CHECK) and at least 2 rows.
std::vector<ColumnScore> RankColumns(const Dataset& data, int keep);

// `kept` (columns of `data`), followed, when the target's dimension is not a product of
// powers of the dimensions of those columns and of `constants`, by the first other columns
// (in the data's order) that bring it closer, until it is one: so that the units prior can
// still write the target. Unchanged when no column helps.
std::vector<int> CompleteUnits(const Dataset& data, std::vector<int> kept,
                               const std::vector<Dimension>& constants);

// `data` with only the input columns listed (in the data's order whatever the list's order):
// names, dimensions, values and source units; target and weights unchanged.
Dataset KeepColumns(const Dataset& data, const std::vector<int>& columns);

// What a screened search kept (SearchResult::screening): the kept columns with their scores,
// best first, out of `columns` inputs.
struct Screening {
  std::vector<ColumnScore> kept;
  int columns = 0;
};

}  // namespace physr
