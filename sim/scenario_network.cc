// A scenario's network delays and its replication, read from YAML: the
// `network:` section (delay, delays by role, loss, duplicate) and the
// `replication:` section (sim/scenario.h). Kept apart from scenario.cc,
// which calls these, so that the delay families and the quorum options
// live in one place.
#include "sim/scenario_network.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sim/yaml_values.h"

namespace kv::sim {

using namespace yaml;

namespace {

// A positive decimal like "10", "1.51" or "0.5" as num / den (den a power of
// ten), exactly; at most 9 digits after the point.
std::pair<uint64_t, uint64_t> read_ratio(const Field& field) {
  const std::string text = scalar_text(field);
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const bool ok = (whole.empty() || all_digits(whole)) &&
                  (fraction.empty() || all_digits(fraction)) &&
                  !(whole.empty() && fraction.empty()) && whole.size() <= 9 && fraction.size() <= 9;
  if (!ok)
    fail(field.line, prefix(field.path) + "expected a number like 1.51, got " + in_quotes(text));
  uint64_t den = 1;
  for (size_t i = 0; i < fraction.size(); ++i) den *= 10;
  const uint64_t num = *parse_decimal(whole.empty() ? "0" : whole) * den +
                       (fraction.empty() ? 0 : *parse_decimal(fraction));
  if (num == 0) fail(field.line, prefix(field.path) + "must be above 0, got " + in_quotes(text));
  return {num, den};
}

// A whole number of parts per million, maybe negative, within the bound.
int64_t read_drift(const Field& field) {
  const std::string text = scalar_text(field);
  const bool negative = !text.empty() && text[0] == '-';
  const std::optional<uint64_t> magnitude =
      parse_decimal(std::string_view(text).substr(negative ? 1 : 0));
  if (!magnitude || *magnitude > static_cast<uint64_t>(ClockSpec::kMaxDriftPpm)) {
    fail(field.line, prefix(field.path) + in_quotes(text) + " is not a whole number of parts per " +
                         "million from -" + std::to_string(ClockSpec::kMaxDriftPpm) + " to " +
                         std::to_string(ClockSpec::kMaxDriftPpm));
  }
  return negative ? -static_cast<int64_t>(*magnitude) : static_cast<int64_t>(*magnitude);
}

// One value per node, in node order.
std::vector<Field> per_node(const Field& field, uint32_t nodes) {
  std::vector<Field> items = list_items(field);
  if (items.size() != nodes) {
    fail(field.line, prefix(field.path) + "a list of " + std::to_string(items.size()) +
                         " values for " + std::to_string(nodes) + " nodes (one per node)");
  }
  return items;
}

}  // namespace

ClockSpec read_clocks(const Field& field, uint32_t nodes) {
  const MapFields fields(field, {"skew", "drift"});
  ClockSpec clocks;
  if (auto skew = fields.get("skew")) {
    if (skew->node.IsSequence()) {
      for (const Field& item : per_node(*skew, nodes)) clocks.skews_us.push_back(read_time(item));
    } else {
      clocks.skew_us = read_time(*skew);
    }
  }
  if (auto drift = fields.get("drift")) {
    if (drift->node.IsSequence()) {
      for (const Field& item : per_node(*drift, nodes))
        clocks.drifts_ppm.push_back(read_drift(item));
    } else {
      clocks.drift_ppm = read_drift(*drift);
      if (clocks.drift_ppm < 0) fail(drift->line, "drift: the bound of a range, 0 or more");
    }
  }
  return clocks;
}

DelaySpec read_delay_spec(const Field& field, int depth) {
  const MapFields fields(field,
                         {"dist", "value", "min", "max", "mean", "xm", "alpha", "of", "weight"});
  DelaySpec delay;
  const Field dist_field = fields.need("dist");
  const size_t dist =
      read_choice(dist_field, {"uniform", "constant", "exponential", "pareto", "mixture"});
  // The fields each distribution takes, in the order of the choices above.
  const std::vector<std::vector<std::string_view>> kTakes = {
      {"min", "max"}, {"value"}, {"mean"}, {"xm", "alpha"}, {"of"}};
  const char* const kTakesText[] = {"min and max", "value", "mean", "xm and alpha", "of"};
  for (std::string_view key : {"value", "min", "max", "mean", "xm", "alpha", "of"}) {
    const std::optional<Field> extra = fields.get(key);
    const auto& takes = kTakes[dist];
    if (extra && std::find(takes.begin(), takes.end(), key) == takes.end()) {
      fail(extra->key_line, extra->path + ": does not go with dist: " + dist_field.node.Scalar() +
                                " (it takes " + kTakesText[dist] + ")");
    }
  }
  if (const std::optional<Field> weight = fields.get("weight"); weight && depth == 0) {
    fail(weight->key_line, weight->path + ": only a part of a mixture has a weight");
  }
  switch (dist) {
    case 0:
      delay.dist = DelaySpec::Dist::kUniform;
      delay.min = Duration{read_time(fields.need("min"))};
      delay.max = Duration{read_time(fields.need("max"))};
      if (delay.min > delay.max) {
        fail(field.key_line, field.path + ": min (" + format_time(delay.min.us) +
                                 ") is greater than max (" + format_time(delay.max.us) + ")");
      }
      break;
    case 1:
      delay.dist = DelaySpec::Dist::kConstant;
      delay.value = Duration{read_time(fields.need("value"))};
      break;
    case 2:
      delay.dist = DelaySpec::Dist::kExponential;
      delay.mean = read_positive_duration(fields.need("mean"));
      break;
    case 3: {
      delay.dist = DelaySpec::Dist::kPareto;
      delay.xm = read_positive_duration(fields.need("xm"));
      std::tie(delay.alpha_num, delay.alpha_den) = read_ratio(fields.need("alpha"));
      break;
    }
    default: {
      delay.dist = DelaySpec::Dist::kMixture;
      if (depth > 0) fail(field.key_line, field.path + ": a mixture's part cannot be a mixture");
      const Field of = fields.need("of");
      uint64_t total = 0;
      for (const Field& item : list_items(of)) {
        DelaySpec part = read_delay_spec(item, depth + 1);
        const MapFields part_fields(
            item, {"dist", "value", "min", "max", "mean", "xm", "alpha", "weight"});
        part.weight = read_probability(part_fields.need("weight"));
        total += part.weight.ppb;
        delay.parts.push_back(std::move(part));
      }
      if (delay.parts.empty() || total != Probability::kOne) {
        fail(of.line, of.path + ": a mixture needs parts whose weights add up to 1");
      }
      break;
    }
  }
  return delay;
}

void read_network_options(const Field& field, NetworkOptions& network) {
  const MapFields fields(field, {"delay", "delays", "loss", "duplicate"});
  if (auto delay = fields.get("delay")) network.delay = read_delay_spec(*delay);
  if (auto delays = fields.get("delays")) {
    for (auto& [name, value] : map_entries(*delays, "a delay per message role")) {
      const auto role = std::find(std::begin(kRoleNames), std::end(kRoleNames), name);
      if (role == std::end(kRoleNames) || name == role_name(Role::kSetup)) {
        std::string roles;
        for (std::string_view r : kRoleNames) {
          if (r != role_name(Role::kSetup)) roles += (roles.empty() ? "" : ", ") + std::string(r);
        }
        fail(value.key_line, value.path + ": not a message role (one of " + roles + ")");
      }
      network.delays.emplace_back(static_cast<Role>(role - std::begin(kRoleNames)),
                                  read_delay_spec(value));
    }
  }
  if (auto loss = fields.get("loss")) network.loss = read_probability(*loss);
  if (auto duplicate = fields.get("duplicate")) network.duplicate = read_probability(*duplicate);
}

Replication read_replication(const Field& field, uint32_t nodes) {
  const MapFields fields(field, {"n", "r", "w", "coordinator", "sloppy", "read_repair", "timeout",
                                 "handoff_interval"});
  Replication r;
  const Field n = fields.need("n");
  if (nodes == 0) fail(n.line, prefix(n.path) + "the cluster has no nodes");
  r.n = static_cast<uint32_t>(read_uint(n, 1, nodes));
  if (auto f = fields.get("r")) r.r = static_cast<uint32_t>(read_uint(*f, 1, r.n));
  if (auto f = fields.get("w")) r.w = static_cast<uint32_t>(read_uint(*f, 1, r.n));
  if (auto f = fields.get("coordinator")) {
    r.coordinator = read_choice(*f, {"node", "client"}) == 0 ? Replication::Coordinator::kNode
                                                             : Replication::Coordinator::kClient;
  }
  if (auto f = fields.get("sloppy")) r.sloppy = read_bool(*f);
  if (auto f = fields.get("read_repair")) r.read_repair = read_bool(*f);
  if (auto f = fields.get("timeout")) r.timeout = read_positive_duration(*f);
  if (auto f = fields.get("handoff_interval")) r.handoff_interval = read_positive_duration(*f);
  // A client coordinating (PBS's model) has no node to keep hints or to
  // repair what a read saw: refused rather than run as something else.
  if (r.coordinator == Replication::Coordinator::kClient && (r.sloppy || r.read_repair)) {
    fail(field.line, prefix(field.path) +
                         "sloppy and read_repair need coordinator: node (a client coordinating "
                         "keeps no hints and repairs nothing)");
  }
  return r;
}

StalenessSpec read_staleness(const Field& field, uint32_t nodes, const Replication& replication) {
  const MapFields fields(field, {"writers", "early_read", "read_node"});
  StalenessSpec s;
  if (nodes == 0) fail(field.line, prefix(field.path) + "the cluster has no nodes");
  if (auto f = fields.get("writers")) s.writers = static_cast<uint32_t>(read_uint(*f, 1, nodes));
  if (auto f = fields.get("early_read")) s.early_read = read_bool(*f);
  if (auto f = fields.get("read_node")) {
    if (!replication.quorum() || replication.coordinator != Replication::Coordinator::kNode) {
      fail(f->line, prefix(f->path) + "read_node needs replication with coordinator: node");
    }
    s.read_node = static_cast<uint32_t>(read_uint(*f, 0, replication.n - 1));
  }
  return s;
}

}  // namespace kv::sim
