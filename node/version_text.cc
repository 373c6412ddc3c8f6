#include "node/version_text.h"

#include "node/json_text.h"

namespace kv {

void write_clock(const Clock& clock, std::string& out) {
  out += '[';
  const auto& slots = clock.slots();
  for (size_t i = 0; i < slots.size(); ++i) {
    if (i > 0) out += ", ";
    json::dump_uint(slots[i], out);
  }
  out += ']';
}

void write_version(const Version& version, std::string& out) {
  out += "{\"value\": ";
  out += version.value;  // already JSON text
  out += ", \"clock\": ";
  write_clock(version.clock, out);
  out += '}';
}

void write_siblings(const Siblings& siblings, std::string& out) {
  out += '[';
  for (size_t i = 0; i < siblings.size(); ++i) {
    if (i > 0) out += ", ";
    write_version(*siblings[i], out);
  }
  out += ']';
}

}  // namespace kv
