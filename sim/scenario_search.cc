// Reading a scenario's `sweep:` and `swarm:` sections (docs/SCENARIOS.md,
// docs/SWEEPS.md): a sweep's seeds and coverage requirements; the swarm's
// dimensions, each off, on with its defaults, or a map of bounds, checked
// against the scenario read so far (a drawn fault must fit in its slot of
// the fault window, a drawn workload rate must fit its operations in
// run_until). Errors throw the YAML kit's LoadError (sim/yaml_fields.h), as
// the rest of the loader does.
#include "sim/scenario_search.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/limits.h"
#include "sim/sweep.h"
#include "sim/yaml_values.h"

namespace kv::sim {

using namespace yaml;

namespace {

// A dimension of `swarm:`: `off` (or false) switches it off, `on` (or
// true) or an empty value keeps its defaults, a map sets its bounds.
// Returns the map's fields, or nothing when there is no map to read.
std::optional<MapFields> swarm_dimension(const Field& field, std::vector<std::string_view> allowed,
                                         bool& on) {
  on = true;
  if (field.node.IsNull()) return std::nullopt;
  if (field.node.IsScalar()) {
    const std::string word = field.node.Scalar();
    for (std::string_view off : {"off", "false", "False", "FALSE"}) {
      if (word == off) {
        on = false;
        return std::nullopt;
      }
    }
    for (std::string_view yes : {"on", "true", "True", "TRUE"}) {
      if (word == yes) return std::nullopt;
    }
  }
  if (!field.node.IsMap()) {
    std::string names;
    for (std::string_view name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
    fail(field.line,
         field.path + ": expected off, on, or a map (" + names + "), got " + describe(field.node));
  }
  return MapFields(field, std::move(allowed));
}

// A map's `min` and `max` times, each optional (the defaults given), min <= max.
std::pair<Duration, Duration> read_duration_bounds(const MapFields& fields, Duration min,
                                                   Duration max) {
  const Field& field = fields.map();
  if (auto f = fields.get("min")) min = read_positive_duration(*f);
  if (auto f = fields.get("max")) max = read_positive_duration(*f);
  if (min > max) {
    fail(field.line, field.path + ": min (" + format_time(min.us) + ") is greater than max (" +
                         format_time(max.us) + ")");
  }
  return {min, max};
}

// The shortest partition (downtime) fits in the slot each of `count` gets of
// the fault window, so that every drawn one can end by faults_end.
void check_fits_slot(const Field& field, Duration min, uint32_t count, int64_t window_us) {
  const int64_t slot_us = window_us / count;
  if (min.us > slot_us) {
    fail(field.key_line, field.path + ": the shortest fault (" + format_time(min.us) +
                             ") does not fit: the fault window (faults_end x run_until = " +
                             format_time(window_us) + ") cut into max = " + std::to_string(count) +
                             " slots gives each " + format_time(slot_us));
  }
}

void read_swarm_delay(const Field& field, SwarmSpec::Delay& delay) {
  auto fields = swarm_dimension(field, {"dists", "min", "max"}, delay.on);
  if (!fields) return;
  if (auto dists = fields->get("dists")) {
    const DelaySpec::Dist kDists[] = {DelaySpec::Dist::kConstant, DelaySpec::Dist::kUniform,
                                      DelaySpec::Dist::kExponential};
    delay.dists.clear();
    for (const Field& item : list_items(*dists)) {
      const DelaySpec::Dist dist =
          kDists[read_choice(item, {"constant", "uniform", "exponential"})];
      if (std::find(delay.dists.begin(), delay.dists.end(), dist) == delay.dists.end()) {
        delay.dists.push_back(dist);
      }
    }
    if (delay.dists.empty()) fail(dists->line, "swarm.delay.dists: needs a distribution");
  }
  std::tie(delay.min, delay.max) = read_duration_bounds(*fields, delay.min, delay.max);
}

void read_swarm_nodes(const Field& field, SwarmSpec::Nodes& nodes) {
  auto fields = swarm_dimension(field, {"min", "max"}, nodes.on);
  if (!fields) return;
  const Field min = fields->need("min");
  const Field max = fields->need("max");
  nodes.min = static_cast<uint32_t>(read_uint(min, 1, kMaxNodes));
  nodes.max = static_cast<uint32_t>(read_uint(max, 1, kMaxNodes));
  if (*nodes.min > *nodes.max) {
    fail(min.line, "swarm.nodes: min (" + std::to_string(*nodes.min) + ") is greater than max (" +
                       std::to_string(*nodes.max) + ")");
  }
}

void read_swarm_rate(const Field& field, SwarmSpec::Rate& rate) {
  auto fields = swarm_dimension(field, {"chance", "min", "max"}, rate.on);
  if (!fields) return;
  if (auto chance = fields->get("chance")) rate.chance = read_probability(*chance);
  if (auto min = fields->get("min")) rate.min = read_probability(*min);
  if (auto max = fields->get("max")) rate.max = read_probability(*max);
  if (rate.min.ppb > rate.max.ppb) {
    fail(field.line, field.path + ": min is greater than max");
  }
}

void read_swarm_partitions(const Field& field, SwarmSpec::Partitions& partitions) {
  auto fields = swarm_dimension(field, {"chance", "max", "shapes", "duration"}, partitions.on);
  if (!fields) return;
  if (auto chance = fields->get("chance")) partitions.chance = read_probability(*chance);
  if (auto max = fields->get("max"))
    partitions.max = static_cast<uint32_t>(read_uint(*max, 1, 100));
  if (auto shapes = fields->get("shapes")) {
    partitions.shapes.clear();
    const PartitionSpec::Shape kShapes[] = {
        PartitionSpec::Shape::kIsolate, PartitionSpec::Shape::kHalves,
        PartitionSpec::Shape::kMajoritiesRing, PartitionSpec::Shape::kOneWay};
    for (const Field& item : list_items(*shapes)) {
      const PartitionSpec::Shape shape =
          kShapes[read_choice(item, {"isolate", "halves", "majorities-ring", "one-way"})];
      if (std::find(partitions.shapes.begin(), partitions.shapes.end(), shape) ==
          partitions.shapes.end()) {
        partitions.shapes.push_back(shape);
      }
    }
    if (partitions.shapes.empty()) fail(shapes->line, "swarm.partitions.shapes: needs a shape");
  }
  if (auto duration = fields->get("duration")) {
    const Duration no_max{kMaxRunUntilUs};
    auto [min, max] =
        read_duration_bounds(MapFields(*duration, {"min", "max"}), partitions.min_duration,
                             partitions.max_duration.value_or(no_max));
    partitions.min_duration = min;
    if (max < no_max) partitions.max_duration = max;
  }
}

void read_swarm_crashes(const Field& field, SwarmSpec::Crashes& crashes) {
  auto fields = swarm_dimension(field, {"chance", "max", "downtime", "amnesia"}, crashes.on);
  if (!fields) return;
  if (auto chance = fields->get("chance")) crashes.chance = read_probability(*chance);
  if (auto max = fields->get("max")) crashes.max = static_cast<uint32_t>(read_uint(*max, 1, 100));
  if (auto downtime = fields->get("downtime")) {
    const Duration no_max{kMaxRunUntilUs};
    auto [min, max] = read_duration_bounds(MapFields(*downtime, {"min", "max"}), crashes.min_down,
                                           crashes.max_down.value_or(no_max));
    crashes.min_down = min;
    if (max < no_max) crashes.max_down = max;
  }
  if (auto amnesia = fields->get("amnesia")) crashes.amnesia = read_bool(*amnesia);
}

void read_swarm_workload(const Field& field, const Scenario& scenario,
                         SwarmSpec::Workload& workload) {
  auto fields = swarm_dimension(field, {"interval", "mix"}, workload.on);
  if (!fields) return;
  if (auto mix = fields->get("mix")) workload.mix = read_bool(*mix);
  const auto interval = fields->get("interval");
  if (!interval) return;
  const MapFields bounds(*interval, {"min", "max"});
  const Field min = bounds.need("min");
  const Field max = bounds.need("max");
  workload.min_interval = read_positive_duration(min);
  workload.max_interval = read_positive_duration(max);
  if (*workload.min_interval > *workload.max_interval) {
    fail(interval->line, interval->path + ": min (" + format_time(workload.min_interval->us) +
                             ") is greater than max (" + format_time(workload.max_interval->us) +
                             ")");
  }
  // The slowest drawn rate still fits the scenario's operations in run_until.
  if (const auto& w = scenario.workload) {
    const uint64_t span = static_cast<uint64_t>(scenario.run_until.us - w->start.us);
    if (w->ops - 1 > span / static_cast<uint64_t>(workload.max_interval->us)) {
      fail(max.line, "swarm.workload.interval.max: the last of the workload's " +
                         std::to_string(w->ops) + " operations, every " +
                         format_time(workload.max_interval->us) + " from " +
                         format_time(w->start.us) + ", would come after run_until (" +
                         format_time(scenario.run_until.us) + ")");
    }
  }
}

}  // namespace

SweepSpec read_sweep(const Field& field) {
  const MapFields fields(field, {"require", "seeds"});
  SweepSpec sweep;
  if (auto seeds = fields.get("seeds")) sweep.seeds = read_seed_range(*seeds);
  if (auto require = fields.get("require")) {
    std::vector<std::string_view> names;
    for (const CoverageCounter& c : kCoverage) names.push_back(c.name);
    for (const auto& [name, percent] : map_entries(*require, require->path)) {
      if (!coverage_index(name)) {
        std::string all;
        for (std::string_view n : names) all += (all.empty() ? "" : ", ") + std::string(n);
        const auto close = suggest(name, names);
        fail(percent.key_line, prefix(require->path) + "no coverage counter " + in_quotes(name) +
                                   (close ? " (did you mean " + in_quotes(*close) + "?)" : "") +
                                   "; the counters: " + all);
      }
      sweep.require.emplace_back(name, read_percent(percent));
    }
  }
  return sweep;
}

SwarmSpec read_swarm(const Field& field, const Scenario& scenario) {
  SwarmSpec swarm;
  // `swarm:` with no value: every default.
  std::optional<MapFields> fields;
  if (!field.node.IsNull()) {
    fields.emplace(field, std::vector<std::string_view>{"faults_end", "loss", "duplicate", "delay",
                                                        "partitions", "crashes", "anti_entropy",
                                                        "workload", "nodes", "short_clocks"});
  }
  const auto get = [&](std::string_view key) {
    return fields ? fields->get(key) : std::optional<Field>();
  };
  if (auto end = get("faults_end")) {
    swarm.faults_end = read_probability(*end);
    if (swarm.faults_end.never()) {
      fail(end->line,
           "swarm.faults_end: must be greater than 0 (the fraction of run_until by "
           "which every drawn fault ends)");
    }
  }
  if (auto loss = get("loss")) read_swarm_rate(*loss, swarm.loss);
  if (auto duplicate = get("duplicate")) read_swarm_rate(*duplicate, swarm.duplicate);
  if (auto delay = get("delay")) read_swarm_delay(*delay, swarm.delay);
  if (auto partitions = get("partitions")) read_swarm_partitions(*partitions, swarm.partitions);
  if (auto crashes = get("crashes")) read_swarm_crashes(*crashes, swarm.crashes);
  if (auto field_ae = get("anti_entropy")) {
    if (auto ae = swarm_dimension(*field_ae, {"min", "max"}, swarm.anti_entropy.on)) {
      std::tie(swarm.anti_entropy.min, swarm.anti_entropy.max) =
          read_duration_bounds(*ae, swarm.anti_entropy.min, swarm.anti_entropy.max);
    }
  }
  if (auto workload = get("workload")) read_swarm_workload(*workload, scenario, swarm.workload);
  if (auto nodes = get("nodes")) read_swarm_nodes(*nodes, swarm.nodes);
  if (auto field_short = get("short_clocks")) {
    if (auto short_clocks = swarm_dimension(*field_short, {"chance"}, swarm.short_clocks.on)) {
      if (auto chance = short_clocks->get("chance")) {
        swarm.short_clocks.chance = read_probability(*chance);
      }
    }
  }
  const int64_t window_us = static_cast<int64_t>(static_cast<uint128>(scenario.run_until.us) *
                                                 swarm.faults_end.ppb / Probability::kOne);
  if (swarm.partitions.on) {
    check_fits_slot(get("partitions").value_or(field), swarm.partitions.min_duration,
                    swarm.partitions.max, window_us);
  }
  if (swarm.crashes.on) {
    check_fits_slot(get("crashes").value_or(field), swarm.crashes.min_down, swarm.crashes.max,
                    window_us);
  }
  return swarm;
}

}  // namespace kv::sim
