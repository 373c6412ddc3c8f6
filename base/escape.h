// Escaping text for the places it is shown: a terminal line (errors and
// warnings quoting a file's bytes) and HTML (the report).
#pragma once

#include <string>
#include <string_view>

namespace kv {

// Control characters (below 0x20, and 0x7f) written as \xNN, so that a
// message quoting any bytes stays one clean line on a terminal. Other bytes,
// UTF-8 included, are kept.
std::string escape_control(std::string_view text);

// Text safe inside HTML elements and attribute values: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace kv
