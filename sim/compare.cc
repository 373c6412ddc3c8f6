#include "sim/compare.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "base/json_text.h"
#include "history/writer.h"
#include "sim/simulation.h"

namespace kv::sim {

namespace {

// Bytes of `v` as an LEB128 varint: 7 bits a byte.
uint64_t varint_bytes(uint64_t v) {
  uint64_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

bool same_fate(const SentMessage& a, const SentMessage& b) {
  return a.sent == b.sent && a.from == b.from && a.to == b.to && a.type == b.type &&
         a.lost == b.lost && a.delay == b.delay && a.duplicated == b.duplicated &&
         a.duplicate_delay == b.duplicate_delay;
}

// One mechanism's run of one seed; `messages` gets what it sent.
CompareRun run_mechanism(const Scenario& scenario, uint64_t seed,
                         std::vector<SentMessage>& messages) {
  history::HistoryWriter no_history;  // disabled: the counts come from the simulation itself
  Simulation simulation(scenario, seed, no_history);
  simulation.keep_messages();
  simulation.run();
  CompareRun r;
  r.seed = seed;
  for (const CheckResult& c : simulation.check()) r.checks_ok = r.checks_ok && c.ok();
  const history::Truth::Figures truth = simulation.truth_figures();
  r.true_siblings = truth.true_siblings;
  r.false_siblings = truth.false_siblings;
  r.lost_updates = truth.lost_updates;
  const RunStats& s = simulation.stats();
  r.stale_rejections = s.writes_rejected;
  r.messages = s.messages_sent;
  r.dropped = s.dropped_loss + s.dropped_partition + s.dropped_crashed;
  for (NodeIndex i = 0; i < simulation.node_count(); ++i) {
    if (!simulation.live(i)) continue;
    const Node& node = simulation.node(i);
    for (std::string_view key : node.store().sorted_keys()) {
      const Siblings& held = node.get(key);
      if (held.empty()) continue;
      ++r.key_copies;
      r.versions_held += held.size();
      r.max_siblings = std::max<uint64_t>(r.max_siblings, held.size());
      for (const VersionPtr& v : held) {
        const Metadata m = metadata_of(scenario.mechanism, *v);
        r.metadata_entries += m.entries;
        r.metadata_bytes += m.bytes;
      }
    }
  }
  messages = simulation.messages();
  return r;
}

void add(CompareRun& total, const CompareRun& r) {
  total.true_siblings += r.true_siblings;
  total.false_siblings += r.false_siblings;
  total.lost_updates += r.lost_updates;
  total.stale_rejections += r.stale_rejections;
  total.key_copies += r.key_copies;
  total.versions_held += r.versions_held;
  total.max_siblings = std::max(total.max_siblings, r.max_siblings);
  total.metadata_entries += r.metadata_entries;
  total.metadata_bytes += r.metadata_bytes;
  total.messages += r.messages;
  total.dropped += r.dropped;
  total.shared_fates += r.shared_fates;
}

json::Json counts_json(const CompareRun& r) {
  json::Json j = json::Json::object();
  j["true_siblings"] = r.true_siblings;
  j["false_siblings"] = r.false_siblings;
  j["lost_updates"] = r.lost_updates;
  j["stale_rejections"] = r.stale_rejections;
  j["key_copies"] = r.key_copies;
  j["versions_held"] = r.versions_held;
  j["max_siblings"] = r.max_siblings;
  j["metadata_entries"] = r.metadata_entries;
  j["metadata_bytes"] = r.metadata_bytes;
  j["messages"] = r.messages;
  j["dropped"] = r.dropped;
  j["shared_fates"] = r.shared_fates;
  return j;
}

// a / b rounded to 4 decimals (0 when b is 0): for the reader, never for an event.
double ratio(uint64_t a, uint64_t b) {
  if (b == 0) return 0;
  return static_cast<double>(static_cast<int64_t>(
             static_cast<double>(a) * 10000.0 / static_cast<double>(b) + 0.5)) /
         10000.0;
}

}  // namespace

Metadata metadata_of(Mechanism mechanism, const Version& version) {
  Metadata m;
  if (mechanism != Mechanism::kLww) {  // lww's rules read no clock
    const std::span<const uint64_t> slots = version.clock.slots();
    for (size_t slot = 0; slot < slots.size(); ++slot) {
      if (slots[slot] == 0) continue;
      ++m.entries;
      m.bytes += varint_bytes(slot) + varint_bytes(slots[slot]);
    }
  }
  // The dot (dvv) or the timestamp (lww); server-vv's dot only names the
  // coordinator of a write (its counter is 0) and is not counted.
  if (version.dot.set() && mechanism != Mechanism::kServerVv) {
    ++m.entries;
    m.bytes += varint_bytes(version.dot.node) + varint_bytes(version.dot.counter);
  }
  return m;
}

Status check_mechanisms(const Scenario& scenario, std::span<const Mechanism> mechanisms) {
  if (mechanisms.empty()) {
    return Status::bad_input("--mechanisms: name at least one of " + mechanism_list());
  }
  for (size_t i = 0; i < mechanisms.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (mechanisms[i] == mechanisms[j]) {
        return Status::bad_input("--mechanisms: " + std::string(mechanism_name(mechanisms[i])) +
                                 " is named twice");
      }
    }
    Scenario s = scenario;
    s.mechanism = mechanisms[i];
    if (Status refused = mechanism_fits(s); !refused.ok()) {
      return Status::bad_input("--mechanisms: " + refused.message());
    }
  }
  return Status();
}

Comparison run_compare(const Scenario& scenario, std::span<const Mechanism> mechanisms,
                       uint64_t first, uint64_t last, unsigned jobs) {
  KV_ASSERT(first <= last && !mechanisms.empty());
  const uint64_t count = last - first + 1;
  std::vector<Scenario> variants;
  for (Mechanism m : mechanisms) {
    variants.push_back(scenario);
    variants.back().mechanism = m;
  }
  // runs[i][m]: seed first + i under mechanisms[m].
  std::vector<std::vector<CompareRun>> runs(count);
  std::vector<std::vector<bool>> identical(count);
  std::atomic<uint64_t> next{0};
  const auto work = [&] {
    std::vector<SentMessage> reference, messages;
    for (uint64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      for (size_t m = 0; m < variants.size(); ++m) {
        CompareRun r = run_mechanism(variants[m], first + i, m == 0 ? reference : messages);
        const std::vector<SentMessage>& mine = m == 0 ? reference : messages;
        size_t shared = 0;
        while (shared < mine.size() && shared < reference.size() &&
               same_fate(mine[shared], reference[shared])) {
          ++shared;
        }
        r.shared_fates = shared;
        identical[i].push_back(shared == mine.size() && shared == reference.size());
        runs[i].push_back(r);
      }
    }
  };
  jobs = static_cast<unsigned>(std::clamp<uint64_t>(jobs, 1, count));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();

  Comparison c;
  c.scenario = scenario.name;
  c.first_seed = first;
  c.last_seed = last;
  for (size_t m = 0; m < mechanisms.size(); ++m) {
    MechanismResult result;
    result.mechanism = mechanisms[m];
    for (uint64_t i = 0; i < count; ++i) {
      const CompareRun& r = runs[i][m];
      result.runs.push_back(r);
      add(result.total, r);
      if (!r.checks_ok) ++result.checks_failed;
      if (identical[i][m]) ++result.same_network;
    }
    c.mechanisms.push_back(std::move(result));
  }
  return c;
}

std::string compare_json(const Comparison& c) {
  json::Json j = json::Json::object();
  j["scenario"] = c.scenario;
  j["seeds"] = json::Json::array({c.first_seed, c.last_seed});
  j["runs_per_mechanism"] = c.last_seed - c.first_seed + 1;
  j["network_reference"] =
      c.mechanisms.empty() ? "" : std::string(mechanism_name(c.mechanisms[0].mechanism));
  json::Json all = json::Json::array();
  for (const MechanismResult& m : c.mechanisms) {
    json::Json e = json::Json::object();
    e["mechanism"] = std::string(mechanism_name(m.mechanism));
    e["totals"] = counts_json(m.total);
    const uint64_t runs = m.runs.size();
    json::Json means = json::Json::object();
    means["true_siblings_per_run"] = ratio(m.total.true_siblings, runs);
    means["false_siblings_per_run"] = ratio(m.total.false_siblings, runs);
    means["lost_updates_per_run"] = ratio(m.total.lost_updates, runs);
    means["stale_rejections_per_run"] = ratio(m.total.stale_rejections, runs);
    means["messages_per_run"] = ratio(m.total.messages, runs);
    means["siblings_per_key"] = ratio(m.total.versions_held, m.total.key_copies);
    means["metadata_entries_per_key"] = ratio(m.total.metadata_entries, m.total.key_copies);
    means["metadata_bytes_per_key"] = ratio(m.total.metadata_bytes, m.total.key_copies);
    means["shared_fates_fraction"] = ratio(m.total.shared_fates, m.total.messages);
    e["means"] = std::move(means);
    e["runs_with_a_failed_check"] = m.checks_failed;
    e["runs_with_the_same_network"] = m.same_network;
    json::Json per_run = json::Json::array();
    for (const CompareRun& r : m.runs) {
      json::Json one = json::Json::object();
      one["seed"] = r.seed;
      one["checks_ok"] = r.checks_ok;
      const json::Json counts = counts_json(r);
      for (auto& [k, v] : counts.items()) one[k] = v;
      per_run.push_back(std::move(one));
    }
    e["runs"] = std::move(per_run);
    all.push_back(std::move(e));
  }
  j["mechanisms"] = std::move(all);
  return json::dump(j) + "\n";
}

}  // namespace kv::sim
