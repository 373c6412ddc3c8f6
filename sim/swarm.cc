// Swarm draws: see sim/swarm.h.
#include "sim/swarm.h"

#include <algorithm>

#include "base/json_text.h"
#include "history/format.h"
#include "node/names.h"
#include "sim/scenario.h"

namespace kv::sim {

namespace {

// Each dimension draws from its own stream: switching one off, or changing
// its bounds, leaves every other dimension's draw as it was.
enum Dimension : uint64_t {
  kNodes,
  kLoss,
  kDuplicate,
  kDelay,
  kPartitions,
  kCrashes,
  kAntiEntropy,
  kWorkload,
  kShortClocks
};

Rng stream(uint64_t seed, Dimension dimension) {
  return Rng::derive(seed, "swarm", dimension);
}

// Whether a dimension is on in this seed. Always one draw (Rng::chance
// draws nothing for 0 and 1), so a chance of 1 draws what follows as any
// other chance does.
bool coin(Rng& rng, Probability chance) {
  return rng.below(Probability::kOne) < chance.ppb;
}

Duration draw_duration(Rng& rng, Duration min, Duration max) {
  return Duration{rng.between(min.us, max.us)};
}

// A rate: 0 when the coin says off, else uniform in [min, max] in steps of
// 0.001 (or min itself when no step lies between them).
Probability draw_rate(Rng& rng, const SwarmSpec::Rate& rate) {
  constexpr uint64_t kStep = Probability::kOne / 1000;
  const bool on = coin(rng, rate.chance);
  const uint64_t lo = (rate.min.ppb + kStep - 1) / kStep;
  const uint64_t hi = rate.max.ppb / kStep;
  const Probability value =
      lo > hi ? rate.min
              : Probability{static_cast<uint64_t>(
                                rng.between(static_cast<int64_t>(lo), static_cast<int64_t>(hi))) *
                            kStep};
  return on ? value : Probability{0};
}

// Slot i of `count` equal slots of [0, window_us].
struct Slot {
  int64_t start_us;
  int64_t end_us;
};
Slot slot(int64_t window_us, uint32_t i, uint32_t count) {
  return {window_us * i / count, window_us * (i + 1) / count};
}

// A fault inside slot `s`, lasting uniform in [min, max] (at most the
// slot): its start and its end.
std::pair<SimTime, SimTime> draw_span(Rng& rng, Slot s, Duration min, std::optional<Duration> max) {
  const Duration room{s.end_us - s.start_us};
  const Duration longest = std::min(max.value_or(room), room);
  const Duration length = draw_duration(rng, std::min(min, longest), longest);
  const SimTime at{rng.between(s.start_us, s.end_us - length.us)};
  return {at, at + length};
}

DelaySpec delay_of(DelaySpec::Dist dist, Duration scale) {
  DelaySpec delay;
  delay.dist = dist;
  delay.value = scale;
  delay.min = Duration{scale.us / 10};
  delay.max = scale;
  delay.mean = Duration{std::max<int64_t>(1, scale.us / 2)};
  return delay;
}

PartitionSpec partition_of(Rng& rng, PartitionSpec::Shape shape, uint32_t nodes) {
  PartitionSpec spec;
  spec.shape = shape;
  // Drawn for every shape, used by two: the draws stay in step.
  spec.isolate = static_cast<NodeIndex>(rng.below(nodes));
  std::vector<NodeIndex> order(nodes);
  for (NodeIndex i = 0; i < nodes; ++i) order[i] = i;
  for (size_t i = nodes; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  const auto split = static_cast<size_t>(rng.between(1, nodes - 1));
  if (shape == PartitionSpec::Shape::kOneWay) {
    spec.from.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(split));
    spec.to.assign(order.begin() + static_cast<std::ptrdiff_t>(split), order.end());
    std::sort(spec.from.begin(), spec.from.end());
    std::sort(spec.to.begin(), spec.to.end());
  }
  return spec;
}

bool scripts(const Scenario& s, std::initializer_list<TimelineEvent::Kind> kinds) {
  return std::any_of(s.events.begin(), s.events.end(), [&](const TimelineEvent& e) {
    return std::find(kinds.begin(), kinds.end(), e.kind) != kinds.end();
  });
}

std::string_view shape_name(PartitionSpec::Shape shape) {
  namespace shapes = history::format::shape;
  switch (shape) {
    case PartitionSpec::Shape::kGroups:
      return shapes::kGroups;
    case PartitionSpec::Shape::kIsolate:
      return shapes::kIsolate;
    case PartitionSpec::Shape::kHalves:
      return shapes::kHalves;
    case PartitionSpec::Shape::kMajoritiesRing:
      return shapes::kMajoritiesRing;
    case PartitionSpec::Shape::kOneWay:
      return shapes::kOneWay;
  }
  return shapes::kGroups;
}

double as_fraction(Probability p) {
  return static_cast<double>(p.ppb) / static_cast<double>(Probability::kOne);
}

}  // namespace

std::pair<Scenario, SwarmDraw> draw_swarm(const Scenario& scenario, uint64_t seed) {
  KV_ASSERT(scenario.swarm.has_value());
  const SwarmSpec& spec = *scenario.swarm;
  using Kind = TimelineEvent::Kind;
  Scenario s = scenario;
  s.swarm.reset();
  SwarmDraw draw;

  if (spec.nodes.on && scenario.events.empty()) {
    Rng rng = stream(seed, kNodes);
    const uint32_t min = spec.nodes.min.value_or(scenario.nodes);
    const uint32_t max = spec.nodes.max.value_or(std::min(scenario.nodes + 2, kMaxNodes));
    s.nodes = static_cast<uint32_t>(rng.between(min, max));
    draw.nodes = s.nodes;
  }
  if (spec.loss.on) {
    Rng rng = stream(seed, kLoss);
    s.network.loss = draw_rate(rng, spec.loss);
    draw.loss = s.network.loss;
  }
  if (spec.duplicate.on) {
    Rng rng = stream(seed, kDuplicate);
    s.network.duplicate = draw_rate(rng, spec.duplicate);
    draw.duplicate = s.network.duplicate;
  }
  if (spec.delay.on) {
    Rng rng = stream(seed, kDelay);
    const DelaySpec::Dist dist = spec.delay.dists[rng.below(spec.delay.dists.size())];
    const Duration scale = draw_duration(rng, spec.delay.min, spec.delay.max);
    s.network.delay = delay_of(dist, scale);
    draw.delay = s.network.delay;
    draw.delay_scale = scale;
  }

  const int64_t window_us = static_cast<int64_t>(static_cast<uint128>(scenario.run_until.us) *
                                                 spec.faults_end.ppb / Probability::kOne);
  std::vector<TimelineEvent> drawn;
  if (spec.partitions.on && s.nodes >= 2 && !scripts(scenario, {Kind::kPartition, Kind::kHeal})) {
    Rng rng = stream(seed, kPartitions);
    const bool on = coin(rng, spec.partitions.chance);
    const auto count = static_cast<uint32_t>(rng.between(1, spec.partitions.max));
    draw.partitions.emplace();
    for (uint32_t i = 0; on && i < count; ++i) {
      const PartitionSpec::Shape shape =
          spec.partitions.shapes[rng.below(spec.partitions.shapes.size())];
      TimelineEvent cut;
      cut.kind = Kind::kPartition;
      cut.partition = partition_of(rng, shape, s.nodes);
      const auto [at, heal] = draw_span(rng, slot(window_us, i, count),
                                        spec.partitions.min_duration, spec.partitions.max_duration);
      cut.at = at;
      TimelineEvent healed;
      healed.kind = Kind::kHeal;
      healed.at = heal;
      drawn.push_back(cut);
      drawn.push_back(healed);
      draw.partitions->push_back({shape, at, heal});
    }
  }
  if (spec.crashes.on && !scripts(scenario, {Kind::kCrash, Kind::kRestart})) {
    Rng rng = stream(seed, kCrashes);
    const bool on = coin(rng, spec.crashes.chance);
    const auto count = static_cast<uint32_t>(rng.between(1, spec.crashes.max));
    draw.crashes.emplace();
    for (uint32_t i = 0; on && i < count; ++i) {
      TimelineEvent crash;
      crash.kind = Kind::kCrash;
      crash.node = static_cast<NodeIndex>(rng.below(s.nodes));
      // Drawn whether or not amnesia is allowed, so that allowing it keeps
      // every crash where it was.
      crash.amnesia = rng.below(2) == 0 && spec.crashes.amnesia;
      const auto [at, restart_at] =
          draw_span(rng, slot(window_us, i, count), spec.crashes.min_down, spec.crashes.max_down);
      crash.at = at;
      TimelineEvent restart;
      restart.kind = Kind::kRestart;
      restart.node = crash.node;
      restart.at = restart_at;
      drawn.push_back(crash);
      drawn.push_back(restart);
      draw.crashes->push_back({crash.node, at, restart_at, crash.amnesia});
    }
  }
  if (!drawn.empty()) {
    // After the scripted events at equal times; in slot order among
    // themselves, so a heal (restart) comes before the next slot's fault.
    s.events.insert(s.events.end(), drawn.begin(), drawn.end());
    std::stable_sort(s.events.begin(), s.events.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  }

  if (spec.anti_entropy.on && scenario.anti_entropy_interval) {
    Rng rng = stream(seed, kAntiEntropy);
    s.anti_entropy_interval = draw_duration(rng, spec.anti_entropy.min, spec.anti_entropy.max);
    draw.anti_entropy_interval = s.anti_entropy_interval;
  }
  if (spec.workload.on && scenario.workload) {
    Rng rng = stream(seed, kWorkload);
    WorkloadSpec& w = *s.workload;
    const Duration max = spec.workload.max_interval.value_or(w.interval);
    const Duration min =
        spec.workload.min_interval.value_or(Duration{std::max<int64_t>(1, w.interval.us / 2)});
    w.interval = draw_duration(rng, min, max);
    draw.workload_interval = w.interval;
    const auto put = static_cast<uint32_t>(rng.between(1, 4));
    const auto get = static_cast<uint32_t>(rng.between(0, 4));
    const auto resolve = static_cast<uint32_t>(rng.between(0, 4));
    if (spec.workload.mix && !w.colocated) {
      w.put_weight = put;
      w.get_weight = get;
      w.resolve_weight = resolve;
      draw.workload_mix = std::vector<uint32_t>{put, get, resolve};
    }
  }
  if (spec.short_clocks.on) {
    Rng rng = stream(seed, kShortClocks);
    s.clients.short_clocks = coin(rng, spec.short_clocks.chance);
    draw.short_clocks = s.clients.short_clocks;
  }
  s.swarm_draw_json = draw.json_text();
  return {std::move(s), std::move(draw)};
}

std::string SwarmDraw::json_text() const {
  using json::Json;
  Json j = Json::object();
  if (nodes) j["nodes"] = *nodes;
  if (loss) j["loss"] = as_fraction(*loss);
  if (duplicate) j["duplicate"] = as_fraction(*duplicate);
  if (delay) {
    Json& d = j["delay"];
    switch (delay->dist) {
      case DelaySpec::Dist::kConstant:
        d = Json{
            {"dist", "constant"}, {"scale_us", delay_scale->us}, {"value_us", delay->value.us}};
        break;
      case DelaySpec::Dist::kUniform:
        d = Json{{"dist", "uniform"},
                 {"scale_us", delay_scale->us},
                 {"min_us", delay->min.us},
                 {"max_us", delay->max.us}};
        break;
      case DelaySpec::Dist::kExponential:
        d = Json{
            {"dist", "exponential"}, {"scale_us", delay_scale->us}, {"mean_us", delay->mean.us}};
        break;
      case DelaySpec::Dist::kPareto:
      case DelaySpec::Dist::kMixture:
        break;  // a swarm draws none of these
    }
  }
  if (anti_entropy_interval) j["anti_entropy_us"] = anti_entropy_interval->us;
  if (short_clocks) j["short_clocks"] = *short_clocks;
  if (workload_interval || workload_mix) {
    Json& w = j["workload"];
    w = Json::object();
    if (workload_interval) w["interval_us"] = workload_interval->us;
    if (workload_mix) {
      w["mix"] = Json{{"put", (*workload_mix)[0]},
                      {"get", (*workload_mix)[1]},
                      {"resolve", (*workload_mix)[2]}};
    }
  }
  if (partitions) {
    Json& list = j["partitions"];
    list = Json::array();
    for (const Partition& p : *partitions) {
      list.push_back(Json{
          {"shape", std::string(shape_name(p.shape))}, {"at_us", p.at.us}, {"heal_us", p.heal.us}});
    }
  }
  if (crashes) {
    Json& list = j["crashes"];
    list = Json::array();
    for (const Crash& c : *crashes) {
      list.push_back(Json{{"node", node_name(c.node)},
                          {"at_us", c.at.us},
                          {"restart_us", c.restart.us},
                          {"amnesia", c.amnesia}});
    }
  }
  return json::dump(j);
}

}  // namespace kv::sim
