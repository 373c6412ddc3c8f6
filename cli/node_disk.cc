#include "cli/node_disk.h"

#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/json_text.h"
#include "node/request.h"
#include "node/version_text.h"

namespace kv::cli {

namespace {

constexpr size_t kMaxSaveBytes = size_t{1} << 32;

std::string state_text(const LineServer& server) {
  const Node& node = server.node();
  std::string out = "{\"node_id\": ";
  json::dump_string(node.id(), out);
  out += ", \"node_ids\": [";
  for (size_t i = 0; i < node.node_ids().size(); ++i) {
    if (i > 0) out += ", ";
    json::dump_string(node.node_ids()[i], out);
  }
  out += "], \"next_msg_id\": ";
  json::dump_uint(server.next_msg_id(), out);
  out += "}\n";
  const KeyIndex& keys = node.store().key_index();
  for (uint32_t id = 0; id < keys.size(); ++id) {
    const std::string_view key = keys.key(id);
    const Siblings& siblings = node.get(key);
    if (siblings.empty()) continue;
    out += "{\"key\": ";
    json::dump_string(key, out);
    out += ", \"versions\": ";
    write_siblings(siblings, out);
    out += "}\n";
  }
  return out;
}

}  // namespace

Status NodeDisk::load(LineServer& server) {
  FileRead read = read_file(path_, kMaxSaveBytes, "a node's saved state");
  if (read.status == FileStatus::kCannotOpen && read.error_number == ENOENT) return {};
  if (!read.ok()) return to_status(read);
  auto bad = [&](size_t line, std::string_view why) {
    return Status::bad_input(path_ + ":" + std::to_string(line) + ": " + std::string(why));
  };
  std::string_view text = read.text;
  std::string id;
  std::vector<std::string> names;
  uint64_t next_msg_id = 0;
  std::vector<KeyVersions> store;
  for (size_t line_no = 1; !text.empty(); ++line_no) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    json::Json j = json::Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return bad(line_no, "not a JSON object");
    if (line_no == 1) {
      if (!j.contains("node_id") || !j["node_id"].is_string() || !j.contains("node_ids") ||
          !j["node_ids"].is_array() || !j.contains("next_msg_id") ||
          !j["next_msg_id"].is_number_unsigned()) {
        return bad(line_no, "expected {\"node_id\", \"node_ids\", \"next_msg_id\"}");
      }
      id = j["node_id"].get<std::string>();
      for (const json::Json& n : j["node_ids"]) {
        if (!n.is_string()) return bad(line_no, "node_ids must be strings");
        names.push_back(n.get<std::string>());
      }
      bool found = false;
      for (const std::string& n : names) found |= n == id;
      if (!found) return bad(line_no, "node_id is not in node_ids");
      next_msg_id = j["next_msg_id"].get<uint64_t>();
      continue;
    }
    if (!j.contains("key") || !j["key"].is_string() || !j.contains("versions") ||
        !j["versions"].is_array()) {
      return bad(line_no, "expected {\"key\", \"versions\"}");
    }
    KeyVersions& kv = store.emplace_back();
    kv.key = j["key"].get<std::string>();
    for (const json::Json& v : j["versions"]) {
      std::string problem;
      VersionPtr version;
      if (!v.is_object() || !read_version(v, version, problem)) return bad(line_no, problem);
      kv.versions.push_back(std::move(version));
    }
  }
  if (id.empty()) return {};  // an empty file: nothing saved yet
  server.restore(std::move(id), std::move(names), next_msg_id, store);
  saved_ = true;
  digest_ = server.node().digest();
  next_msg_id_ = server.next_msg_id();
  return {};
}

Status NodeDisk::save(const LineServer& server) {
  if (!server.node().initialized()) return {};
  if (saved_ && server.node().digest() == digest_ && server.next_msg_id() == next_msg_id_) {
    return {};
  }
  Status status = write_file(path_, state_text(server));
  if (!status.ok()) return status;
  saved_ = true;
  digest_ = server.node().digest();
  next_msg_id_ = server.next_msg_id();
  return {};
}

}  // namespace kv::cli
