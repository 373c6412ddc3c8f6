// The scenario loader: YAML text in, a valid Scenario or "FILE:LINE: what is
// wrong" out (the format, its fields, defaults and bounds: docs/SCENARIOS.md).
//
// yaml-cpp parses the text into nodes; a syntax error is the first possible
// error. Then one pass walks the nodes, checking each field as it converts
// it. The first problem ends the load: a check throws LoadError, which
// load_scenario_text turns into the LoadResult, so no exception leaves this
// file (yaml-cpp's own are caught there too).
//
// Lines: yaml-cpp's marks count from 0, messages from 1. An empty value
// ("key:" and nothing after it) has no trustworthy mark, so it is reported on
// its key's line. Fields are named by their path ("network.loss"); fields of
// an event by their path inside the event ("put.clock"), the line saying which
// event.
//
// The pieces: sim/yaml_fields.h (fields, lines, did-you-mean, yaml-cpp
// workarounds), sim/yaml_values.h (numbers, times, probabilities, values as
// JSON); this file is the schema.
#include "sim/scenario.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "base/escape.h"
#include "base/file.h"
#include "base/json_text.h"
#include "base/limits.h"
#include "node/names.h"
#include "sim/scenario_network.h"
#include "sim/scenario_search.h"
#include "sim/sweep.h"
#include "sim/yaml_fields.h"
#include "sim/yaml_values.h"

namespace kv::sim {
namespace {

using json::Json;
using namespace yaml;

// Everything a scenario needs while it is read.
class Loader {
 public:
  Scenario load(const Field& root);

 private:
  void read_name(const Field& field);
  void read_clients(const Field& field);
  void read_events(const Field& field);
  void check_crashes() const;
  TimelineEvent read_event(const Field& field);
  void read_client_op(const MapFields& event, TimelineEvent& out);
  MessageFate read_fate(const Field& field, bool delay);
  std::string read_endpoint(const Field& field);
  ClientOp read_op(const Field& field, MsgType kind);
  PartitionSpec read_partition(const Field& field);
  PartitionSpec read_groups(const Field& field);
  std::vector<NodeIndex> read_node_list(const Field& field);
  NodeIndex read_node(const Field& field);
  std::string read_client_name(const Field& field);
  std::string read_key(const Field& field);
  std::optional<std::vector<uint64_t>> read_clock(const Field& field);
  void read_workload(const Field& field);
  void read_expect(const Field& field);

  std::string value_text(const Field& field) { return values_.value_text(field); }

  Scenario scenario_;
  JsonFromYaml values_;
};

Scenario Loader::load(const Field& root) {
  if (!root.node.IsMap()) {
    fail(root.line, "a scenario is a map of fields (name: ..., nodes: ..., run_until: ...), got " +
                        describe(root.node));
  }
  const MapFields fields(root, {"name", "description", "seed", "nodes", "mechanism", "clocks",
                                "network", "replication", "anti_entropy", "staleness", "clients",
                                "events", "workload", "run_until", "expect", "sweep", "swarm"});
  read_name(fields.need("name"));
  if (auto field = fields.get("description")) {
    scenario_.description = field->node.IsNull() ? "" : scalar_text(*field);
  }
  if (auto field = fields.get("seed")) scenario_.seed = read_uint(*field, 0, UINT64_MAX);
  scenario_.nodes = static_cast<uint32_t>(read_uint(fields.need("nodes"), 1, kMaxNodes));
  const Field run_until = fields.need("run_until");
  scenario_.run_until = SimTime{read_positive_duration(run_until).us};
  if (auto field = fields.get("mechanism")) {
    const std::string name = scalar_text(*field);
    const std::optional<Mechanism> m = mechanism_by_name(name);
    if (!m) {
      fail(field->line, "mechanism: " + in_quotes(name) + " is not one of " + mechanism_list());
    }
    scenario_.mechanism = *m;
  }
  if (auto field = fields.get("clocks")) scenario_.clocks = read_clocks(*field, scenario_.nodes);
  if (auto field = fields.get("network")) read_network_options(*field, scenario_.network);
  if (auto field = fields.get("replication")) {
    scenario_.replication = read_replication(*field, scenario_.nodes);
    if (const Status refused = mechanism_fits(scenario_); !refused.ok()) {
      fail(field->line, refused.message());
    }
  }
  if (auto field = fields.get("anti_entropy")) {
    const MapFields anti_entropy(*field, {"interval"});
    scenario_.anti_entropy_interval = read_positive_duration(anti_entropy.need("interval"));
  }
  if (auto field = fields.get("staleness")) {
    scenario_.staleness = read_staleness(*field, scenario_.nodes, scenario_.replication);
  }
  if (auto field = fields.get("clients")) read_clients(*field);
  if (auto field = fields.get("events")) read_events(*field);
  if (auto field = fields.get("workload")) read_workload(*field);
  if (auto field = fields.get("expect")) read_expect(*field);
  if (auto field = fields.get("sweep")) scenario_.sweep = read_sweep(*field);
  if (auto field = fields.get("swarm")) scenario_.swarm = read_swarm(*field, scenario_);
  return std::move(scenario_);
}

void Loader::read_name(const Field& field) {
  const std::string name = scalar_text(field);
  const bool allowed_chars = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (!allowed_chars) {
    fail(field.line, "name: " + in_quotes(name) +
                         " may use only letters, digits, '.', '_' and '-' (it names the output "
                         "folder)");
  }
  if (name == "." || name == "..") {
    fail(field.line, "name: " + in_quotes(name) + " cannot name a folder");
  }
  if (name.size() > kMaxNameLength) {
    fail(field.line, "name: longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  scenario_.name = name;
}

void Loader::read_clients(const Field& field) {
  const MapFields fields(field, {"timeout", "retries", "retry", "short_clocks"});
  ClientSpec& clients = scenario_.clients;
  if (auto timeout = fields.get("timeout")) clients.timeout = read_positive_duration(*timeout);
  if (auto retries = fields.get("retries")) {
    clients.retries = static_cast<uint32_t>(read_uint(*retries, 0, UINT32_MAX));
  }
  if (auto retry = fields.get("retry")) {
    clients.retry_next_node = read_choice(*retry, {"same", "next"}) == 1;
  }
  if (auto short_clocks = fields.get("short_clocks")) {
    clients.short_clocks = read_bool(*short_clocks);
  }
}

void Loader::read_events(const Field& field) {
  if (field.node.IsSequence() && field.node.size() > kMaxTimelineEvents) {
    fail(field.key_line, "events: " + std::to_string(field.node.size()) + " events; at most " +
                             std::to_string(kMaxTimelineEvents) + " are allowed");
  }
  for (const Field& item : list_items(field)) {
    scenario_.events.push_back(read_event(Field{item.node, "", item.line, item.line}));
  }
  std::stable_sort(scenario_.events.begin(), scenario_.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  check_crashes();
}

// In time order (file order for equal times), a node alternates: crash,
// restart, crash... A second crash of a node that is down, or a restart of
// one that is up, is refused: it would do nothing, and says the author
// meant something else.
void Loader::check_crashes() const {
  std::vector<const TimelineEvent*> last(scenario_.nodes, nullptr);  // crash or restart
  for (const TimelineEvent& e : scenario_.events) {
    const bool crash = e.kind == TimelineEvent::Kind::kCrash;
    if (!crash && e.kind != TimelineEvent::Kind::kRestart) continue;
    const TimelineEvent* before = last[e.node];
    const bool down = before != nullptr && before->kind == TimelineEvent::Kind::kCrash;
    const std::string node = node_name(e.node);
    if (crash && down) {
      fail(e.line, "crash: " + node + " is already down at " + format_time(e.at.us) +
                       " (it crashed at " + format_time(before->at.us) + ", line " +
                       std::to_string(before->line) + "); restart it first" +
                       (e.amnesia ? ", or give that crash amnesia: true" : ""));
    }
    if (!crash && !down) {
      fail(e.line, "restart: " + node + " is running at " + format_time(e.at.us) +
                       (before == nullptr ? std::string(" (no crash before it)")
                                          : " (it restarted at " + format_time(before->at.us) +
                                                ", line " + std::to_string(before->line) + ")") +
                       "; a restart follows a crash");
    }
    last[e.node] = &e;
  }
}

TimelineEvent Loader::read_event(const Field& field) {
  const MapFields fields(field,
                         {"at", "partition", "heal", "crash", "amnesia", "restart", "drop", "delay",
                          "client", "node", "put", "get", "resolve"},
                         "event");
  TimelineEvent event;
  event.line = field.line;
  const Field at = fields.need("at");
  event.at = SimTime{read_time(at)};
  if (event.at > scenario_.run_until) {
    fail(at.line, "at: " + format_time(event.at.us) + " is after run_until (" +
                      format_time(scenario_.run_until.us) + ")");
  }
  std::vector<std::string_view> actions;
  for (std::string_view key : {"partition", "heal", "crash", "restart", "drop", "delay"}) {
    if (fields.has(key)) actions.push_back(key);
  }
  for (std::string_view key : {"client", "node", "put", "get", "resolve"}) {
    if (fields.has(key)) {
      actions.push_back(key);
      break;
    }
  }
  if (actions.empty()) {
    fail(field.line,
         "event: no action (partition, heal, crash, restart, drop, delay, or client with node and "
         "put, get or resolve)");
  }
  if (actions.size() > 1) {
    fail(field.line, "event: more than one action ('" + std::string(actions[0]) + "' and '" +
                         std::string(actions[1]) + "'); give each its own event");
  }
  if (auto amnesia = fields.get("amnesia")) {
    if (actions[0] != "crash") fail(amnesia->key_line, "amnesia: goes only with crash");
    event.amnesia = read_bool(*amnesia);
  }
  const std::string_view action = actions[0];
  if (action == "partition") {
    event.kind = TimelineEvent::Kind::kPartition;
    event.partition = read_partition(fields.need("partition"));
  } else if (action == "heal") {
    event.kind = TimelineEvent::Kind::kHeal;
    const Field heal = fields.need("heal");
    if (!read_bool(heal)) fail(heal.line, "heal: must be true (heal: true ends every partition)");
  } else if (action == "crash") {
    event.kind = TimelineEvent::Kind::kCrash;
    event.node = read_node(fields.need("crash"));
  } else if (action == "restart") {
    event.kind = TimelineEvent::Kind::kRestart;
    event.node = read_node(fields.need("restart"));
  } else if (action == "drop" || action == "delay") {
    event.kind = action == "drop" ? TimelineEvent::Kind::kDrop : TimelineEvent::Kind::kDelay;
    event.fate = read_fate(fields.need(action), action == "delay");
  } else {
    event.kind = TimelineEvent::Kind::kClient;
    read_client_op(fields, event);
  }
  return event;
}

void Loader::read_client_op(const MapFields& event, TimelineEvent& out) {
  out.client = read_client_name(event.need("client"));
  out.node = read_node(event.need("node"));
  std::vector<std::string_view> ops;
  for (std::string_view key : {"put", "get", "resolve"}) {
    if (event.has(key)) ops.push_back(key);
  }
  const int line = event.map().line;
  if (ops.empty()) fail(line, "event: a client operation needs one of put, get or resolve");
  if (ops.size() > 1) {
    fail(line, "event: a client operation takes one of put, get or resolve, not both '" +
                   std::string(ops[0]) + "' and '" + std::string(ops[1]) + "'");
  }
  const MsgType kind = ops[0] == "put"   ? MsgType::kPut
                       : ops[0] == "get" ? MsgType::kGet
                                         : MsgType::kResolve;
  out.op = read_op(event.need(ops[0]), kind);
}

MessageFate Loader::read_fate(const Field& field, bool delay) {
  std::vector<std::string_view> allowed = {"from", "to", "type"};
  if (delay) {
    allowed.push_back("by");
    allowed.push_back("again");
  }
  const MapFields fields(field, allowed);
  MessageFate fate;
  fate.from = read_endpoint(fields.need("from"));
  fate.to = read_endpoint(fields.need("to"));
  if (fate.from == fate.to) fail(field.line, field.path + ": from and to are the same endpoint");
  const Field type = fields.need("type");
  const std::string name = scalar_text(type);
  const std::optional<MsgType> t = simulated_type_by_name(name);
  if (!t) {
    std::string names;
    for (const MessageDescriptor& d : kMessageTypes) {
      if (d.simulated) names += (names.empty() ? "" : ", ") + std::string(d.name);
    }
    fail(type.line,
         prefix(type.path) + "unknown message type " + in_quotes(name) + " (one of " + names + ")");
  }
  fate.type = *t;
  if (delay) fate.by = Duration{read_time(fields.need("by"))};
  if (auto again = fields.get("again")) fate.again = Duration{read_time(*again)};
  return fate;
}

// A node (n1..nN) or a client (c1..) by name.
std::string Loader::read_endpoint(const Field& field) {
  const std::string name = scalar_text(field);
  if (!name.empty() && name[0] == 'c') return read_client_name(field);
  return node_name(read_node(field));
}

ClientOp Loader::read_op(const Field& field, MsgType kind) {
  ClientOp op;
  op.kind = kind;
  if (kind == MsgType::kGet) {
    const MapFields fields(field, {"key"});
    op.key = read_key(fields.need("key"));
    return op;
  }
  const MapFields fields(field, {"key", "value", "clock"});
  op.key = read_key(fields.need("key"));
  op.value_json = value_text(fields.need("value"));
  op.clock = read_clock(fields.need("clock"));
  return op;
}

PartitionSpec Loader::read_partition(const Field& field) {
  if (field.node.IsSequence()) return read_groups(field);
  if (!field.node.IsMap()) {
    fail(field.line,
         "partition: expected a list of groups or a map (isolate, shape, from/to), got " +
             describe(field.node));
  }
  const MapFields fields(field, {"isolate", "shape", "from", "to"});
  const int forms = int{fields.has("isolate")} + int{fields.has("shape")} +
                    int{fields.has("from") || fields.has("to")};
  if (forms != 1) {
    fail(field.line, "partition: give exactly one of isolate, shape, or from and to");
  }
  PartitionSpec partition;
  if (auto isolate = fields.get("isolate")) {
    partition.shape = PartitionSpec::Shape::kIsolate;
    partition.isolate = read_node(*isolate);
  } else if (auto shape = fields.get("shape")) {
    partition.shape = read_choice(*shape, {"halves", "majorities-ring"}) == 0
                          ? PartitionSpec::Shape::kHalves
                          : PartitionSpec::Shape::kMajoritiesRing;
  } else {
    partition.shape = PartitionSpec::Shape::kOneWay;
    partition.from = read_node_list(fields.need("from"));
    partition.to = read_node_list(fields.need("to"));
    for (NodeIndex node : partition.from) {
      if (std::find(partition.to.begin(), partition.to.end(), node) != partition.to.end()) {
        fail(field.line, "partition: " + node_name(node) + " is in both from and to");
      }
    }
  }
  return partition;
}

PartitionSpec Loader::read_groups(const Field& field) {
  PartitionSpec partition;
  partition.shape = PartitionSpec::Shape::kGroups;
  const std::vector<Field> groups = list_items(field);
  if (groups.empty()) fail(field.line, "partition: needs at least one group");
  std::vector<bool> placed(scenario_.nodes, false);
  for (size_t i = 0; i < groups.size(); ++i) {
    std::vector<NodeIndex> group;
    for (const Field& item : list_items(groups[i])) {
      const NodeIndex node = read_node(item);
      if (placed[node]) {
        fail(item.line, "partition: " + node_name(node) + " is in more than one group");
      }
      placed[node] = true;
      group.push_back(node);
    }
    if (group.empty()) {
      fail(groups[i].line, "partition: group " + std::to_string(i + 1) + " is empty");
    }
    partition.groups.push_back(std::move(group));
  }
  return partition;
}

std::vector<NodeIndex> Loader::read_node_list(const Field& field) {
  std::vector<NodeIndex> nodes;
  for (const Field& item : list_items(field)) {
    const NodeIndex node = read_node(item);
    if (std::find(nodes.begin(), nodes.end(), node) != nodes.end()) {
      fail(item.line, field.path + ": " + node_name(node) + " is listed twice");
    }
    nodes.push_back(node);
  }
  if (nodes.empty()) fail(field.line, field.path + ": needs at least one node");
  return nodes;
}

NodeIndex Loader::read_node(const Field& field) {
  const std::string name = scalar_text(field);
  const std::string_view digits = std::string_view(name).substr(std::min<size_t>(1, name.size()));
  const std::optional<uint64_t> number =
      (name.size() > 1 && name[0] == 'n' && name[1] != '0') ? parse_decimal(digits) : std::nullopt;
  if (!number || *number > scenario_.nodes) {
    const std::string nodes =
        scenario_.nodes == 1 ? "n1" : "n1..n" + std::to_string(scenario_.nodes);
    fail(field.line, prefix(field.path) + "unknown node " + in_quotes(name) +
                         " (this scenario has " + nodes + ")");
  }
  return static_cast<NodeIndex>(*number - 1);
}

std::string Loader::read_client_name(const Field& field) {
  const std::string name = scalar_text(field);
  const bool ok = name.size() > 1 && name[0] == 'c' && name[1] != '0' &&
                  all_digits(std::string_view(name).substr(1));
  if (!ok) {
    fail(field.line, prefix(field.path) + "expected a client name like c1, got " + in_quotes(name));
  }
  // The simulator numbers workload clients after the highest scripted one.
  const std::optional<uint64_t> number = parse_decimal(std::string_view(name).substr(1));
  if (!number || *number > kMaxClients) {
    fail(field.line, prefix(field.path) + "client numbers go up to c" +
                         std::to_string(kMaxClients) + ", got " + in_quotes(name));
  }
  return name;
}

// A key is any single value, taken as its text.
std::string Loader::read_key(const Field& field) {
  return scalar_text(field);
}

std::optional<std::vector<uint64_t>> Loader::read_clock(const Field& field) {
  const std::string where = prefix(field.path) + "malformed clock: ";
  if (field.node.IsScalar() && field.node.Scalar() == "auto") return std::nullopt;
  if (!field.node.IsSequence()) {
    fail(field.line,
         where + "expected a list of non-negative integers or auto, got " + describe(field.node));
  }
  if (field.node.size() > kMaxClockSlots) {
    fail(field.line, where + std::to_string(field.node.size()) + " entries, at most " +
                         std::to_string(kMaxClockSlots));
  }
  std::vector<uint64_t> clock;
  for (const Field& item : list_items(field)) {
    const std::string entry = "entry " + std::to_string(clock.size() + 1);
    if (item.node.IsScalar() && item.node.Tag() != "?") {
      fail(item.line, where + entry + " is the quoted string " + describe(item.node) +
                          ", not a non-negative integer");
    }
    if (!item.node.IsScalar() || !all_digits(item.node.Scalar())) {
      fail(item.line,
           where + entry + " is " + describe(item.node) + ", not a non-negative integer");
    }
    const std::optional<uint64_t> value = parse_decimal(item.node.Scalar());
    if (!value) {
      fail(item.line,
           where + entry + " (" + shortened(item.node.Scalar()) + ") does not fit in 64 bits");
    }
    clock.push_back(*value);
  }
  return clock;
}

void Loader::read_workload(const Field& field) {
  const MapFields fields(
      field, {"clients", "keys", "ops", "start", "interval", "mix", "target", "colocated"});
  WorkloadSpec workload;
  if (auto clients = fields.get("clients")) {
    workload.clients = static_cast<uint32_t>(read_uint(*clients, 1, kMaxClients));
  }
  if (auto keys = fields.get("keys")) {
    workload.keys = static_cast<uint32_t>(read_uint(*keys, 1, UINT32_MAX));
  }
  workload.ops = read_uint(fields.need("ops"), 1, kMaxWorkloadOps);
  if (auto start = fields.get("start")) workload.start = SimTime{read_time(*start)};
  if (auto interval = fields.get("interval")) workload.interval = read_positive_duration(*interval);
  if (auto mix = fields.get("mix")) {
    const MapFields weights(*mix, {"put", "get", "resolve"});
    auto weight = [&](std::string_view kind) -> uint32_t {
      auto field = weights.get(kind);
      return field ? static_cast<uint32_t>(read_uint(*field, 0, UINT32_MAX)) : 0;
    };
    workload.put_weight = weight("put");
    workload.get_weight = weight("get");
    workload.resolve_weight = weight("resolve");
    if (workload.put_weight == 0 && workload.get_weight == 0 && workload.resolve_weight == 0) {
      fail(mix->line, "workload.mix: at least one weight must be greater than 0");
    }
  }
  if (auto target = fields.get("target")) {
    workload.target = read_choice(*target, {"random", "round-robin"}) == 0
                          ? WorkloadSpec::Target::kRandom
                          : WorkloadSpec::Target::kRoundRobin;
  }
  if (auto colocated = fields.get("colocated")) {
    workload.colocated = read_bool(*colocated);
    if (workload.colocated && (workload.get_weight > 0 || workload.resolve_weight > 0)) {
      fail(colocated->line,
           "workload.colocated: colocated clients only put, but mix has get or resolve weights");
    }
  }
  // start + (ops - 1) * interval <= run_until, without overflow.
  const int64_t run_until = scenario_.run_until.us;
  const bool fits = workload.start.us <= run_until &&
                    workload.ops - 1 <= static_cast<uint64_t>(run_until - workload.start.us) /
                                            static_cast<uint64_t>(workload.interval.us);
  if (!fits) {
    fail(field.key_line, "workload: the last of " + std::to_string(workload.ops) +
                             " operations (every " + format_time(workload.interval.us) + " from " +
                             format_time(workload.start.us) + ") comes after run_until (" +
                             format_time(run_until) + ")");
  }
  scenario_.workload = workload;
}

void Loader::read_expect(const Field& field) {
  const MapFields fields(field, {"converged", "lost_writes", "maximal", "siblings", "values"});
  Expectations& expect = scenario_.expect;
  expect.line = field.key_line;
  if (auto converged = fields.get("converged")) expect.converged = read_bool(*converged);
  if (auto lost_writes = fields.get("lost_writes")) expect.lost_writes = read_bool(*lost_writes);
  if (auto maximal = fields.get("maximal")) expect.maximal = read_bool(*maximal);
  if (auto siblings = fields.get("siblings")) {
    for (const auto& [key, count] : map_entries(*siblings, siblings->path)) {
      expect.siblings[key] = read_uint(count, 0, UINT64_MAX);
    }
  }
  if (auto values = fields.get("values")) {
    for (const auto& [key, list] : map_entries(*values, values->path)) {
      std::vector<std::string> texts;
      for (const Field& item : list_items(list)) texts.push_back(value_text(item));
      expect.values[key] = std::move(texts);
    }
  }
}

std::string located(const std::string& path, int line, const std::string& message) {
  return path + ":" + std::to_string(line) + ": " + message;
}

// Control characters (from the file, or in yaml-cpp's messages) are written
// as \xNN, so that an error is one clean line on a terminal.
std::string printable(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  return escape_control(text);
}

// Bad input, its message made printable.
Status failure(const std::string& error) {
  return Status::bad_input(printable(error));
}

std::string too_big(const std::string& path) {
  return path + ": larger than " + std::to_string(kMaxScenarioBytes) +
         " bytes, the limit for a scenario";
}

}  // namespace

Status mechanism_fits(const Scenario& scenario) {
  if (scenario.mechanism != Mechanism::kClientVv && scenario.replication.quorum()) {
    return Status::bad_input(
        "mechanism: " + std::string(mechanism_name(scenario.mechanism)) +
        " cannot run with a replication: section (a quorum's coordinator sends a client's write "
        "to the replicas unstamped); use mechanism: client-vv, or remove replication:");
  }
  return {};
}

LoadResult load_scenario_text(const std::string& raw_text, const std::string& path) {
  if (raw_text.size() > kMaxScenarioBytes) return failure(too_big(path));
  const std::string text = lone_cr_as_lf(raw_text);
  YAML::Node root;
  try {
    if (auto problem = check_documents(text))
      return failure(located(path, problem->line, problem->message));
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return failure(located(path, yaml_line(e), "YAML syntax error: " + e.msg));
  }
  try {
    const int line = line_of(root, 1);
    Scenario scenario = Loader().load(Field{root, "", line, line});
    scenario.path = path;
    return scenario;
  } catch (const LoadError& e) {
    return failure(located(path, e.line, e.message));
  } catch (const YAML::Exception& e) {
    // Reading parsed nodes is not expected to throw; if yaml-cpp does, the
    // scenario is still refused cleanly.
    return failure(located(path, yaml_line(e), "cannot read the YAML: " + e.msg));
  }
}

LoadResult load_scenario_file(const std::string& path) {
  const Result<std::string> file = read_file(path, kMaxScenarioBytes, "a scenario");
  if (!file.ok()) return file.status();
  return load_scenario_text(*file, path);
}

}  // namespace kv::sim
