#include "sim/scenario_writer.h"

#include "base/json_text.h"
#include "base/time_text.h"
#include "node/names.h"

namespace kv::sim {

namespace {

std::string node_list(const std::vector<NodeIndex>& nodes) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) out += (i > 0 ? ", " : "") + node_name(nodes[i]);
  return out + "]";
}

std::string json_quoted(std::string_view text) {
  std::string out;
  json::dump_string(text, out);
  return out;
}

std::string time_text(int64_t us) {
  return format_time(us);
}

// `clocks: {skew: ..., drift: ...}`, each a bound or a list per node.
std::string clocks_text(const ClockSpec& c) {
  auto list = [](const std::vector<int64_t>& values, auto text) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i > 0 ? ", " : "") + text(values[i]);
    return out + "]";
  };
  auto drift = [](int64_t ppm) { return std::to_string(ppm); };
  std::string out = "clocks: {skew: ";
  out += c.skews_us.empty() ? time_text(c.skew_us) : list(c.skews_us, time_text);
  out += ", drift: ";
  out += c.drifts_ppm.empty() ? drift(c.drift_ppm) : list(c.drifts_ppm, drift);
  return out + "}\n";
}

// A Pareto shape num/den (den a power of ten, as the loader reads it) as
// the decimal it was written as.
std::string ratio_text(uint64_t num, uint64_t den) {
  std::string out = std::to_string(num / den);
  std::string fraction = std::to_string(den + num % den).substr(1);  // zero-padded
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? out : out + "." + fraction;
}

// The fields of a delay after `{`, without the closing `}`.
std::string delay_fields(const DelaySpec& d) {
  switch (d.dist) {
    case DelaySpec::Dist::kConstant:
      return "dist: constant, value: " + time_text(d.value.us);
    case DelaySpec::Dist::kUniform:
      return "dist: uniform, min: " + time_text(d.min.us) + ", max: " + time_text(d.max.us);
    case DelaySpec::Dist::kExponential:
      return "dist: exponential, mean: " + time_text(d.mean.us);
    case DelaySpec::Dist::kPareto:
      return "dist: pareto, xm: " + time_text(d.xm.us) +
             ", alpha: " + ratio_text(d.alpha_num, d.alpha_den);
    case DelaySpec::Dist::kMixture: {
      std::string out = "dist: mixture, of: [";
      for (size_t i = 0; i < d.parts.size(); ++i) {
        out += (i ? ", {weight: " : "{weight: ") + probability_text(d.parts[i].weight) + ", " +
               delay_fields(d.parts[i]) + "}";
      }
      return out + "]";
    }
  }
  return "";
}

std::string delay_text(const DelaySpec& d) {
  std::string out(1, '{');
  out += delay_fields(d);
  out += '}';
  return out;
}

std::string partition_text(const PartitionSpec& p) {
  switch (p.shape) {
    case PartitionSpec::Shape::kGroups: {
      std::string out = "[";
      for (size_t i = 0; i < p.groups.size(); ++i) {
        out += (i > 0 ? ", " : "") + node_list(p.groups[i]);
      }
      return out + "]";
    }
    case PartitionSpec::Shape::kIsolate:
      return "{isolate: " + node_name(p.isolate) + "}";
    case PartitionSpec::Shape::kHalves:
      return "{shape: halves}";
    case PartitionSpec::Shape::kMajoritiesRing:
      return "{shape: majorities-ring}";
    case PartitionSpec::Shape::kOneWay:
      return "{from: " + node_list(p.from) + ", to: " + node_list(p.to) + "}";
  }
  return "";
}

std::string op_text(const ClientOp& op) {
  const std::string key = "key: " + json_quoted(op.key);
  if (op.kind == MsgType::kGet) return "get: {" + key + "}";
  std::string clock = "auto";
  if (op.clock) {
    clock = "[";
    for (size_t i = 0; i < op.clock->size(); ++i) {
      clock += (i > 0 ? ", " : "") + std::to_string((*op.clock)[i]);
    }
    clock += "]";
  }
  return std::string(op.kind == MsgType::kPut ? "put" : "resolve") + ": {" + key +
         ", value: " + op.value_json + ", clock: " + clock + "}";
}

std::string fate_text(const TimelineEvent& e) {
  const MessageFate& f = e.fate;
  std::string out = std::string(e.kind == TimelineEvent::Kind::kDrop ? "drop" : "delay") +
                    ": {from: " + f.from + ", to: " + f.to +
                    ", type: " + std::string(type_name(f.type));
  if (e.kind == TimelineEvent::Kind::kDelay) out += ", by: " + time_text(f.by.us);
  if (e.kind == TimelineEvent::Kind::kDelay && f.again) out += ", again: " + time_text(f.again->us);
  return out + "}";
}

std::string action_text(const TimelineEvent& e) {
  using Kind = TimelineEvent::Kind;
  switch (e.kind) {
    case Kind::kClient:
      return "client: " + e.client + ", node: " + node_name(e.node) + ", " + op_text(e.op);
    case Kind::kPartition:
      return "partition: " + partition_text(e.partition);
    case Kind::kHeal:
      return "heal: true";
    case Kind::kCrash:
      return "crash: " + node_name(e.node) + (e.amnesia ? ", amnesia: true" : "");
    case Kind::kRestart:
      return "restart: " + node_name(e.node);
    case Kind::kDrop:
    case Kind::kDelay:
      return fate_text(e);
  }
  return "";
}

std::string workload_text(const WorkloadSpec& w) {
  std::string out = "workload:\n";
  out += "  clients: " + std::to_string(w.clients) + "\n";
  out += "  keys: " + std::to_string(w.keys) + "\n";
  out += "  ops: " + std::to_string(w.ops) + "\n";
  out += "  start: " + time_text(w.start.us) + "\n";
  out += "  interval: " + time_text(w.interval.us) + "\n";
  out += "  mix: {put: " + std::to_string(w.put_weight) + ", get: " + std::to_string(w.get_weight) +
         ", resolve: " + std::to_string(w.resolve_weight) + "}\n";
  out += std::string("  target: ") +
         (w.target == WorkloadSpec::Target::kRandom ? "random" : "round-robin") + "\n";
  if (w.colocated) out += "  colocated: true\n";
  return out;
}

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

std::string expect_text(const Expectations& e) {
  std::string out;
  if (e.converged) out += "  converged: " + bool_text(*e.converged) + "\n";
  if (e.lost_writes) out += "  lost_writes: " + bool_text(*e.lost_writes) + "\n";
  if (e.maximal) out += "  maximal: " + bool_text(*e.maximal) + "\n";
  if (!e.siblings.empty()) {
    out += "  siblings: {";
    bool first = true;
    for (const auto& [key, count] : e.siblings) {
      out += (first ? "" : ", ") + json_quoted(key) + ": " + std::to_string(count);
      first = false;
    }
    out += "}\n";
  }
  if (!e.values.empty()) {
    out += "  values: {";
    bool first = true;
    for (const auto& [key, values] : e.values) {
      out += (first ? "" : ", ") + json_quoted(key) + ": [";
      for (size_t i = 0; i < values.size(); ++i) out += (i > 0 ? ", " : "") + values[i];
      out += "]";
      first = false;
    }
    out += "}\n";
  }
  return out.empty() ? "" : "expect:\n" + out;
}

}  // namespace

std::string probability_text(Probability p) {
  if (p.ppb == 0) return "0";
  if (p.ppb >= Probability::kOne) return "1";
  std::string digits = std::to_string(p.ppb);
  digits.insert(0, 9 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return "0." + digits;
}

std::string event_text(const TimelineEvent& event) {
  return "{at: " + time_text(event.at.us) + ", " + action_text(event) + "}";
}

std::string write_scenario(const Scenario& s, const std::string& header) {
  std::string out;
  size_t begin = 0;
  while (begin < header.size()) {
    size_t end = header.find('\n', begin);
    if (end == std::string::npos) end = header.size();
    out += "# " + header.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  out += "name: " + s.name + "\n";
  out += "description: " + json_quoted(s.description) + "\n";
  if (s.seed) out += "seed: " + std::to_string(*s.seed) + "\n";
  out += "nodes: " + std::to_string(s.nodes) + "\n";
  if (s.mechanism != Mechanism::kClientVv) {
    out += "mechanism: " + std::string(mechanism_name(s.mechanism)) + "\n";
  }
  if (s.clocks.any()) out += clocks_text(s.clocks);
  out += "network:\n";
  out += "  delay: " + delay_text(s.network.delay) + "\n";
  out += "  loss: " + probability_text(s.network.loss) + "\n";
  out += "  duplicate: " + probability_text(s.network.duplicate) + "\n";
  if (!s.network.delays.empty()) {
    out += "  delays:\n";
    for (const auto& [role, delay] : s.network.delays) {
      out += "    " + std::string(role_name(role)) + ": " + delay_text(delay) + "\n";
    }
  }
  if (s.replication.quorum()) {
    const Replication& r = s.replication;
    out += "replication: {n: " + std::to_string(r.n) + ", r: " + std::to_string(r.r) +
           ", w: " + std::to_string(r.w) + ", coordinator: " +
           (r.coordinator == Replication::Coordinator::kClient ? "client" : "node") +
           (r.sloppy ? ", sloppy: true" : "") + (r.read_repair ? ", read_repair: true" : "") +
           ", timeout: " + time_text(r.timeout.us) +
           ", handoff_interval: " + time_text(r.handoff_interval.us) + "}\n";
  }
  if (s.anti_entropy_interval) {
    out += "anti_entropy: {interval: " + time_text(s.anti_entropy_interval->us) + "}\n";
  }
  if (s.staleness != StalenessSpec{}) {
    out += "staleness: {writers: " + std::to_string(s.staleness.writers) +
           ", early_read: " + (s.staleness.early_read ? "true" : "false") +
           (s.staleness.read_node ? ", read_node: " + std::to_string(s.staleness.read_node) : "") +
           "}\n";
  }
  out += "clients: {timeout: " + time_text(s.clients.timeout.us) +
         ", retries: " + std::to_string(s.clients.retries) +
         ", retry: " + (s.clients.retry_next_node ? "next" : "same") +
         (s.clients.short_clocks ? ", short_clocks: true" : "") + "}\n";
  if (!s.events.empty()) {
    out += "events:\n";
    for (const TimelineEvent& e : s.events) out += "  - " + event_text(e) + "\n";
  }
  if (s.workload) out += workload_text(*s.workload);
  out += "run_until: " + time_text(s.run_until.us) + "\n";
  out += expect_text(s.expect);
  return out;
}

}  // namespace kv::sim
