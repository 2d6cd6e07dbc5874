// "Did you mean" hints: the names closest to a mistyped word, by letter case and edit
// distance. Used for unknown unit symbols and for the command-line tool's unknown options;
// not a fuzzy matcher for long texts (quadratic in the lengths).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace physr::units {

// Levenshtein distance between two byte strings: the fewest single-byte insertions,
// deletions and substitutions that turn one into the other. O(|a|·|b|) time.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The names closest to `word`: those equal to it but for ASCII letter case; if none, those
// one edit away; if none and `word` has five bytes or more, those two edits away (never more
// than `max_edits`). At most `max_count` of them, in the order of `names`; none for a word
// over 32 bytes.
std::vector<std::string> NearestNames(std::string_view word, const std::vector<std::string>& names,
                                      std::size_t max_count = 4, std::size_t max_edits = 2);

// "did you mean 'a'?", "did you mean 'a' or 'b'?", "did you mean 'a', 'b' or 'c'?"; "" for
// no names.
std::string DidYouMean(const std::vector<std::string>& names);

}  // namespace physr::units
