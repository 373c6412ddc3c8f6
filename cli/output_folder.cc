#include "cli/output_folder.h"

#include <filesystem>
#include <fstream>
#include <string_view>

#include "base/file.h"
#include "base/json_text.h"

namespace kv::cli {

namespace {

namespace fs = std::filesystem;

bool starts_with(const fs::path& file, std::string_view prefix) {
  std::ifstream in(file, std::ios::binary);
  std::string head(prefix.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in.gcount() == static_cast<std::streamsize>(prefix.size()) && head == prefix;
}

// A summary.json is a run's or a sweep's by its fields; anything else
// (unreadable, not JSON, too big for a summary) is neither.
FolderHolds summary_kind(const fs::path& file) {
  constexpr size_t kMaxSummaryBytes = size_t{1} << 20;
  const Result<std::string> read = read_file(file.string(), kMaxSummaryBytes);
  if (!read.ok()) return FolderHolds::kNothing;
  try {
    const json::Json j = json::Json::parse(*read);
    if (!j.is_object()) return FolderHolds::kNothing;
    if (j.contains("fingerprint") && j.contains("checks")) return FolderHolds::kRun;
    if (j.contains("seeds") && j.contains("runs")) return FolderHolds::kSweep;
  } catch (const nlohmann::json::exception&) {
  }
  return FolderHolds::kNothing;
}

const char* what(FolderHolds holds) {
  return holds == FolderHolds::kRun ? "a run's output (history.jsonl, summary.json)"
                                    : "a sweep's results (sweep.jsonl, summary.json)";
}

}  // namespace

FolderHolds folder_holds(const std::string& dir) {
  std::error_code ec;
  const fs::path d(dir);
  if (fs::is_regular_file(d / "sweep.jsonl", ec)) return FolderHolds::kSweep;
  if (starts_with(d / "history.jsonl", R"({"t": 0, "kind": "start")")) return FolderHolds::kRun;
  return fs::is_regular_file(d / "summary.json", ec) ? summary_kind(d / "summary.json")
                                                     : FolderHolds::kNothing;
}

Status check_output_folder(const std::string& dir, FolderHolds writes, const std::string& command) {
  const FolderHolds holds = folder_holds(dir);
  if (holds == FolderHolds::kNothing || holds == writes) return Status();
  return Status::bad_input(dir + " holds " + what(holds) + ": " + command + " writes " +
                           (writes == FolderHolds::kRun ? "a run" : "a sweep") +
                           " and will not write over it; give another --out folder");
}

Status check_not_an_input(const std::string& out, const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (fs::equivalent(out, input, ec)) {
      return Status::bad_input("--out " + out + " is " + input +
                               ", one of the folders being merged: merging into it would "
                               "overwrite that shard; give another --out folder");
    }
  }
  return Status();
}

}  // namespace kv::cli
