// Reading a JSON document from a file with errors that name the file: "path:line:column:
// not valid JSON: ..." for a syntax error (a truncated file included), "cannot read 'path'"
// when it cannot be opened. Used for the datasets' sidecars and for result files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace physr::cli {

// The document in `path`; `what` says what the file is, for messages ("the sidecar of the
// data"). Throws InputError.
nlohmann::json ReadJsonDocument(const std::string& path, std::string_view what);

}  // namespace physr::cli
