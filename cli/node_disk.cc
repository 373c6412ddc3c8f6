#include "cli/node_disk.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/json_text.h"
#include "node/request.h"
#include "node/version_text.h"

namespace kv::cli {

namespace {

constexpr size_t kMaxSaveBytes = size_t{1} << 32;
// The log is rewritten whole when it is this many times its live state.
constexpr size_t kRewriteRatio = 4;
constexpr size_t kRewriteAtLeast = size_t{1} << 20;

std::string key_line(std::string_view key, const std::string& versions) {
  std::string line = "{\"key\": ";
  json::dump_string(key, line);
  line += ", \"versions\": ";
  line += versions;
  line += "}\n";
  return line;
}

std::string versions_text(const Siblings& siblings) {
  std::string text;
  write_siblings(siblings, text);
  return text;
}

}  // namespace

NodeDisk::~NodeDisk() {
  if (log_ != nullptr) std::fclose(log_);
}

Status NodeDisk::load(LineServer& server) {
  std::error_code missing;
  if (!std::filesystem::exists(path_, missing) && !missing) return {};  // nothing saved yet
  Result<std::string> read = read_file(path_, kMaxSaveBytes, "a node's saved state");
  if (!read.ok()) return read.status();
  auto bad = [&](size_t line, std::string_view why) {
    return Status::bad_input(path_ + ":" + std::to_string(line) + ": " + std::string(why));
  };
  std::string_view text = *read;
  std::string id;
  std::vector<std::string> names;
  uint64_t next_msg_id = 0;
  std::vector<KeyVersions> store;
  std::map<std::string, size_t, std::less<>> where;  // key -> index in store
  for (size_t line_no = 1; !text.empty(); ++line_no) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) break;  // a line cut short: never acknowledged
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    json::Json j = json::Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return bad(line_no, "not a JSON object");
    if (line_no == 1) {
      if (!j.contains("node_id") || !j["node_id"].is_string() || !j.contains("node_ids") ||
          !j["node_ids"].is_array()) {
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
    }
    if (j.contains("next_msg_id")) {
      if (!j["next_msg_id"].is_number_unsigned()) return bad(line_no, "bad next_msg_id");
      next_msg_id = j["next_msg_id"].get<uint64_t>();
      continue;
    }
    if (line_no == 1) return bad(line_no, "no next_msg_id");
    if (!j.contains("key") || !j["key"].is_string() || !j.contains("versions") ||
        !j["versions"].is_array()) {
      return bad(line_no, "expected {\"key\", \"versions\"} or {\"next_msg_id\"}");
    }
    std::string key = j["key"].get<std::string>();
    auto [at, added] = where.emplace(key, store.size());
    if (added) store.push_back({std::move(key), {}});
    KeyVersions& kv = store[at->second];
    kv.versions.clear();
    for (const json::Json& v : j["versions"]) {
      std::string problem;
      VersionPtr version;
      if (!v.is_object() || !read_version(v, version, problem)) return bad(line_no, problem);
      kv.versions.push_back(std::move(version));
    }
  }
  if (id.empty()) return {};  // nothing saved yet
  server.restore(std::move(id), std::move(names), next_msg_id, store);
  return rewrite(server);  // compact, and open for appending
}

Status NodeDisk::rewrite(const LineServer& server) {
  if (log_ != nullptr) std::fclose(log_);
  log_ = nullptr;
  saved_.clear();
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
    std::string versions = versions_text(siblings);
    out += key_line(key, versions);
    saved_.emplace(std::string(key), std::move(versions));
  }
  if (Status written = write_file(path_, out); !written.ok()) return written;
  live_bytes_ = log_bytes_ = out.size();
  next_msg_id_ = server.next_msg_id();
  log_ = std::fopen(path_.c_str(), "ab");
  if (log_ == nullptr) return Status::io_error(path_ + ": " + std::strerror(errno));
  return {};
}

Status NodeDisk::save(const LineServer& server) {
  if (!server.node().initialized()) return {};
  if (log_ == nullptr) return rewrite(server);
  std::string lines;
  for (const std::string& key : server.synced_keys()) {
    const Siblings& siblings = server.node().get(key);
    auto it = saved_.find(key);
    if (siblings.empty() && it == saved_.end()) continue;
    std::string versions = versions_text(siblings);
    if (it != saved_.end() && it->second == versions) continue;
    std::string line = key_line(key, versions);
    live_bytes_ += line.size();
    if (it != saved_.end()) {
      live_bytes_ -= key_line(key, it->second).size();
      it->second = std::move(versions);
    } else {
      saved_.emplace(key, std::move(versions));
    }
    lines += line;
  }
  if (server.next_msg_id() != next_msg_id_) {
    next_msg_id_ = server.next_msg_id();
    lines += "{\"next_msg_id\": " + std::to_string(next_msg_id_) + "}\n";
  }
  if (lines.empty()) return {};
  if (log_bytes_ + lines.size() > kRewriteAtLeast &&
      log_bytes_ + lines.size() > kRewriteRatio * live_bytes_) {
    return rewrite(server);
  }
  log_bytes_ += lines.size();
  if (std::fwrite(lines.data(), 1, lines.size(), log_) != lines.size() || std::fflush(log_) != 0) {
    return Status::io_error(path_ + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace kv::cli
