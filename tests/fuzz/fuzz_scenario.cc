// Fuzz target: scenario files (kv::sim::load_scenario_text, yaml-cpp).
//
// Two modes, chosen by the first byte:
//   - anything else: the bytes are the YAML text, as a user could write it
//     (the corpus starts from scenarios/*.yaml, so mutations of real files are
//     covered as well as noise);
//   - 0x01: the rest drives a generator (FuzzedDataProvider) that writes a
//     valid-looking scenario — every field the loader knows, with values that
//     are mostly right and sometimes just past a limit — so the fuzzer reaches
//     the loader's semantic checks and not only the YAML syntax.
// On every input: the result is a scenario or one clean error line
// "PATH:LINE: ..." (or "PATH: larger than ..."), never both. A loaded scenario
// must keep scenario.h's promises (nodes, times, probabilities, clocks within
// their limits), and when it is small enough to run in a few milliseconds it
// is simulated, its history read back by the viz reader (which must accept
// what the simulator writes) and drawn, and the run repeated to check it is
// deterministic.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/json_text.h"
#include "history/history.h"
#include "history/writer.h"
#include "node/protocol.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "viz/causal_graph.h"
#include "viz/spacetime.h"
#include "viz/story.h"

namespace {

using kv::sim::Scenario;
using kv::sim::TimelineEvent;

constexpr uint8_t kGeneratorMagic = 0x01;
constexpr char kPath[] = "fuzz.yaml";
// Runs estimated above this many events are loaded and checked, not simulated
// (a simulated run is also read back and drawn: keep each input fast).
constexpr uint64_t kMaxSimulatedCost = 3000;

[[noreturn]] void fail(const std::string& what, const std::string& text) {
  std::fprintf(stderr, "fuzz_scenario: %s\n--- scenario ---\n%.*s\n", what.c_str(),
               static_cast<int>(std::min<size_t>(text.size(), 4000)), text.data());
  std::abort();
}

// ---- the generator -----------------------------------------------------------

class Generator {
 public:
  explicit Generator(FuzzedDataProvider& p) : p_(p) {}

  std::string scenario() {
    std::string out;
    if (pick(10) != 0) out += "name: fz" + std::to_string(pick(9)) + "\n";
    if (pick(3) == 0) out += "description: a generated scenario\n";
    if (pick(2) == 0) out += "seed: " + uint_text() + "\n";
    nodes_ = 1 + pick(6);
    if (pick(20) == 0) {
      out += "nodes: " + one_of({"0", "1000", "1001", "-1", "3.5", "x", "[1]"}) + "\n";
    } else {
      out += "nodes: " + std::to_string(nodes_) + "\n";
    }
    out += "run_until: " + (pick(10) == 0 ? time() : std::to_string(1 + pick(500)) + "ms") + "\n";
    if (pick(2) == 0) out += "network: " + network() + "\n";
    if (pick(2) == 0) out += "anti_entropy: {interval: " + time() + "}\n";
    if (pick(3) == 0) {
      out += "clients: {timeout: " + time() + ", retries: " + std::to_string(pick(5)) +
             ", retry: " + one_of({"same", "next", "other"}) + "}\n";
    }
    const int events = pick(12);
    if (events > 0 || pick(4) == 0) {
      out += "events:\n";
      for (int i = 0; i < events; ++i) out += "  - " + event() + "\n";
    }
    if (pick(3) == 0) out += "workload: " + workload() + "\n";
    if (pick(3) == 0) out += "expect: " + expect() + "\n";
    if (pick(30) == 0) out += one_of({"extra: 1\n", "nodes: 2\n", "---\nname: b\n", "...\n"});
    return out;
  }

 private:
  int pick(int n) { return p_.ConsumeIntegralInRange<int>(0, n); }

  std::string one_of(std::initializer_list<const char*> choices) {
    const size_t i = p_.ConsumeIntegralInRange<size_t>(0, choices.size() - 1);
    return *(choices.begin() + i);
  }

  std::string uint_text() {
    switch (pick(6)) {
      case 0:
        return "18446744073709551615";
      case 1:
        return "18446744073709551616";
      case 2:
        return "-1";
      default:
        return std::to_string(p_.ConsumeIntegral<uint32_t>());
    }
  }

  std::string time() {
    switch (pick(16)) {
      case 0:
        return "0us";
      case 1:
        return "86400000000000us";  // kMaxRunUntilUs
      case 2:
        return "86400000000001us";
      case 3:
        return one_of({"1.5ms", "1.0001ms", "0.5us", "1e3ms", "-1ms", "5", "", "1.s", ".5s"});
      case 4:
        return std::to_string(p_.ConsumeIntegral<uint64_t>()) + one_of({"us", "ms", "s"});
      case 5:
        return std::to_string(1 + pick(100)) + "us";
      case 6:
      case 7:
        return std::to_string(1 + pick(20)) + "s";
      default:
        return std::to_string(1 + pick(200)) + "ms";
    }
  }

  std::string node() {
    if (pick(15) == 0) return one_of({"n0", "n01", "n1001", "x", "n", "[n1]", "n-1"});
    if (pick(15) == 0) return "n" + std::to_string(nodes_ + 1);
    return "n" + std::to_string(1 + pick(static_cast<int>(nodes_) - 1));
  }

  std::string node_list() {
    std::string out = "[";
    const int count = pick(4);
    for (int i = 0; i < count; ++i) out += (i ? ", " : "") + node();
    return out + "]";
  }

  std::string probability() {
    if (pick(8) == 0) {
      return one_of({"1", "1.0", "1.0000000001", "1.5", "-0", "-0.1", ".5", "0.", "5e-1", "x"});
    }
    return "0." + std::to_string(pick(30));
  }

  std::string network() {
    std::string delay;
    switch (pick(3)) {
      case 0:
        delay = "{dist: constant, value: " + time() + "}";
        break;
      case 1:
        delay = "{dist: exponential, mean: " + time() + "}";
        break;
      default:
        delay = "{dist: uniform, min: " + time() + ", max: " + time() + "}";
        break;
    }
    if (pick(20) == 0) delay = "{dist: normal, value: 1ms}";
    return "{delay: " + delay + ", loss: " + probability() + ", duplicate: " + probability() + "}";
  }

  std::string value(int depth) {
    switch (pick(depth > 3 ? 5 : 8)) {
      case 0:
        return one_of({"v1",   "'quoted'",    "\"dq\"",
                       "null", "~",           "true",
                       "1",    "-1",          "1.5",
                       "0x1f", "0o17",        "1e400",
                       ".inf", ".nan",        "18446744073709551616",
                       "''",   "!!int 3",     "!!str x",
                       "é",    "\"\\u0000\"", "-9223372036854775809"});
      case 1:
      case 2:
      case 3:
        return "v" + std::to_string(pick(9));
      case 4:
        return std::to_string(p_.ConsumeIntegral<int64_t>());
      case 5:
        return "[" + value(depth + 1) + ", " + value(depth + 1) + "]";
      case 6:
        return "{a: " + value(depth + 1) + ", " + one_of({"b", "1", "null", "a"}) + ": " +
               value(depth + 1) + "}";
      default: {
        // Deep: just under or just past kMaxValueDepth.
        const int levels = pick(1) == 0 ? 100 : 101;
        return std::string(static_cast<size_t>(levels), '[') + "1" +
               std::string(static_cast<size_t>(levels), ']');
      }
    }
  }

  std::string clock() {
    switch (pick(12)) {
      case 0:
      case 1:
      case 2:
        return "auto";
      case 3:
        return one_of({"[]", "[-1]", "[1.5]", "['1']", "[18446744073709551616]",
                       "[18446744073709551615]", "x", "{a: 1}", "[[1]]"});
      case 4: {
        // Just past kMaxClockSlots.
        std::string out = "[";
        for (size_t i = 0; i <= kv::kMaxClockSlots; ++i) out += i ? ",0" : "0";
        return out + "]";
      }
      default: {
        std::string out = "[";
        const int slots = pick(static_cast<int>(nodes_) + 1);
        for (int i = 0; i < slots; ++i) out += (i ? ", " : "") + std::to_string(pick(3));
        return out + "]";
      }
    }
  }

  std::string key() { return pick(10) == 0 ? one_of({"'k 1'", "1", "null", "[x]", "''"}) : "x"; }

  std::string event() {
    std::string at = "at: " + (pick(8) == 0 ? time() : std::to_string(pick(100)) + "ms");
    switch (pick(9)) {
      case 0:
        return "{" + at + ", partition: " + partition() + "}";
      case 1:
        return "{" + at + ", heal: " + one_of({"true", "false", "yes"}) + "}";
      case 2:
        return "{" + at + ", crash: " + node() + (pick(1) ? ", amnesia: true" : "") + "}";
      case 3:
        return "{" + at + ", restart: " + node() + (pick(10) ? "" : ", amnesia: true") + "}";
      case 4:
        return "{" + at +
               one_of({"", ", heal: true, crash: n1", ", client: c1, node: n1",
                       ", client: c1, node: n1, get: {key: x}, put: {key: x}"}) +
               "}";
      default: {
        std::string client = pick(12) == 0
                                 ? one_of({"c0", "c01", "x1", "c4294967297", "c100001", "c", "c-1"})
                                 : "c" + std::to_string(1 + pick(3));
        std::string op;
        switch (pick(2)) {
          case 0:
            op = "get: {key: " + key() + "}";
            break;
          case 1:
            op = "put: {key: " + key() + ", value: " + value(0) + ", clock: " + clock() + "}";
            break;
          default:
            op = "resolve: {key: " + key() + ", value: " + value(0) + ", clock: " + clock() + "}";
            break;
        }
        return "{" + at + ", client: " + client + ", node: " + node() + ", " + op + "}";
      }
    }
  }

  std::string partition() {
    switch (pick(5)) {
      case 0:
        return "{isolate: " + node() + "}";
      case 1:
        return "{shape: " + one_of({"halves", "majorities-ring", "thirds"}) + "}";
      case 2:
        return "{from: " + node_list() + ", to: " + node_list() + "}";
      case 3:
        return one_of({"[]", "[[]]", "{}", "{isolate: n1, shape: halves}", "x"});
      default: {
        std::string out = "[";
        const int groups = 1 + pick(2);
        for (int g = 0; g < groups; ++g) out += (g ? ", " : "") + node_list();
        return out + "]";
      }
    }
  }

  std::string workload() {
    std::string out = "{ops: " + (pick(10) == 0 ? one_of({"0", "1000000000", "1000000001", "x"})
                                                : std::to_string(1 + pick(30)));
    if (pick(1)) out += ", clients: " + (pick(10) ? std::to_string(1 + pick(4)) : "100001");
    if (pick(1)) out += ", keys: " + std::to_string(1 + pick(5));
    if (pick(1)) out += ", start: " + std::to_string(pick(50)) + "ms";
    if (pick(1)) out += ", interval: " + (pick(6) ? std::to_string(1 + pick(20)) + "ms" : time());
    if (pick(1)) {
      out += ", mix: {put: " + std::to_string(pick(3)) + ", get: " + std::to_string(pick(3)) +
             ", resolve: " + std::to_string(pick(3)) + "}";
    }
    if (pick(1)) out += ", target: " + one_of({"random", "round-robin", "first"});
    if (pick(3) == 0) out += ", colocated: " + one_of({"true", "false"});
    return out + "}";
  }

  std::string expect() {
    std::string out = "{converged: " + one_of({"true", "false"});
    if (pick(1)) out += ", lost_writes: false";
    if (pick(1)) out += ", maximal: true";
    if (pick(1)) out += ", siblings: {x: " + std::to_string(pick(3)) + "}";
    if (pick(1)) out += ", values: {x: [" + value(0) + "]}";
    return out + "}";
  }

  FuzzedDataProvider& p_;
  uint32_t nodes_ = 3;
};

// ---- checks ------------------------------------------------------------------

void check_error(const std::string& error, const std::string& text) {
  if (error.empty()) fail("neither a scenario nor an error", text);
  const std::string prefix = std::string(kPath) + ":";
  if (error.compare(0, prefix.size(), prefix) != 0) fail("error without the path: " + error, text);
  for (char c : error) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) fail("error with a control character: " + error, text);
  }
  // "fuzz.yaml:LINE: ..." with a line number in the text, or "fuzz.yaml: ...".
  size_t i = prefix.size();
  if (error.size() > i && error[i] == ' ') return;
  size_t digits = 0;
  int64_t line = 0;
  while (i < error.size() && error[i] >= '0' && error[i] <= '9' && digits < 12) {
    line = line * 10 + (error[i] - '0');
    ++i, ++digits;
  }
  if (digits == 0 || i + 1 >= error.size() || error[i] != ':' || error[i + 1] != ' ') {
    fail("error not of the form PATH:LINE: ...: " + error, text);
  }
  // yaml-cpp also breaks lines at '\r'.
  const int64_t lines =
      std::count(text.begin(), text.end(), '\n') + std::count(text.begin(), text.end(), '\r') + 1;
  if (line < 1 || line > lines + 1) fail("error names a line outside the text: " + error, text);
}

// What scenario.h promises of a loaded scenario.
void check_scenario(const Scenario& s, const std::string& text) {
  using namespace kv::sim;
  auto need = [&](bool ok, const char* what) {
    if (!ok) fail(std::string("loaded scenario breaks: ") + what, text);
  };
  auto time_ok = [&](int64_t us) { return us >= 0 && us <= kMaxRunUntilUs; };
  need(s.nodes >= 1 && s.nodes <= kMaxNodes, "1 <= nodes <= kMaxNodes");
  need(s.run_until.us > 0 && time_ok(s.run_until.us), "0 < run_until <= kMaxRunUntilUs");
  need(!s.name.empty() && s.name.size() <= kMaxNameLength, "a name of at most kMaxNameLength");
  need(s.network.loss.ppb <= kv::Probability::kOne &&
           s.network.duplicate.ppb <= kv::Probability::kOne,
       "probabilities in [0, 1]");
  const DelaySpec& d = s.network.delay;
  need(time_ok(d.value.us) && time_ok(d.min.us) && time_ok(d.max.us) && time_ok(d.mean.us),
       "delays within the time limit");
  need(d.min <= d.max, "delay min <= max");
  need(d.dist != DelaySpec::Dist::kExponential || d.mean.us > 0, "exponential mean > 0");
  if (s.anti_entropy_interval) {
    need(s.anti_entropy_interval->us > 0 && time_ok(s.anti_entropy_interval->us),
         "anti-entropy interval in (0, limit]");
  }
  need(s.clients.timeout.us > 0 && time_ok(s.clients.timeout.us), "client timeout in (0, limit]");
  need(s.events.size() <= kMaxTimelineEvents, "at most kMaxTimelineEvents events");
  for (size_t i = 0; i < s.events.size(); ++i) {
    const TimelineEvent& e = s.events[i];
    need(e.at.us >= 0 && e.at <= s.run_until, "every event within run_until");
    need(i == 0 || s.events[i - 1].at <= e.at, "events sorted by time");
    need(e.node < s.nodes, "event node in range");
    for (const auto& group : e.partition.groups) {
      for (auto node : group) need(node < s.nodes, "partition node in range");
    }
    for (auto node : e.partition.from) need(node < s.nodes, "partition node in range");
    for (auto node : e.partition.to) need(node < s.nodes, "partition node in range");
    need(e.partition.isolate < s.nodes, "isolated node in range");
    if (e.kind != TimelineEvent::Kind::kClient) continue;
    need(e.client.size() >= 2 && e.client[0] == 'c', "a client name c<N>");
    if (e.op.clock) need(e.op.clock->size() <= kv::kMaxClockSlots, "clock within kMaxClockSlots");
    if (e.op.kind != MsgType::kGet) {
      try {
        const kv::json::Json value = kv::json::Json::parse(e.op.value_json);
        need(kv::json::dump(value) == e.op.value_json, "value text in json.dumps form");
      } catch (const kv::json::Json::exception&) {
        need(false, "value text is JSON");
      }
    }
  }
  if (s.workload) {
    const WorkloadSpec& w = *s.workload;
    need(w.clients >= 1 && w.clients <= kMaxClients, "1 <= workload clients <= kMaxClients");
    need(w.keys >= 1, "workload keys >= 1");
    need(w.ops >= 1 && w.ops <= kMaxWorkloadOps, "1 <= workload ops <= kMaxWorkloadOps");
    need(w.interval.us > 0, "workload interval > 0");
    need(w.put_weight + uint64_t{w.get_weight} + w.resolve_weight > 0, "some weight > 0");
    const uint64_t last =
        static_cast<uint64_t>(w.start.us) + (w.ops - 1) * static_cast<uint64_t>(w.interval.us);
    need(w.start.us >= 0 && last <= static_cast<uint64_t>(s.run_until.us),
         "the last workload operation within run_until");
  }
}

// A rough upper bound on the events a run makes; only cheap runs are simulated.
uint64_t cost(const Scenario& s) {
  const uint64_t n = s.nodes;
  const uint64_t until = static_cast<uint64_t>(s.run_until.us);
  uint64_t total = s.events.size();
  if (s.anti_entropy_interval) {
    total += n * (until / static_cast<uint64_t>(s.anti_entropy_interval->us) + 1) * (n + 4);
  }
  uint64_t ops = s.workload ? s.workload->ops : 0;
  for (const TimelineEvent& e : s.events) ops += e.kind == TimelineEvent::Kind::kClient;
  const uint64_t attempts =
      std::min<uint64_t>(s.clients.retries, until / static_cast<uint64_t>(s.clients.timeout.us)) +
      1;
  // Saturating enough: each factor is small once the ones above are bounded.
  if (ops > 1000000 || attempts > 1000000 || n > 64) return UINT64_MAX;
  total += ops * attempts * (n + 2) * 2;
  return total;
}

std::string history_path() {
  return "/tmp/kvsim_fuzz_scenario_" + std::to_string(::getpid()) + ".jsonl";
}

// Runs the scenario with a history, reads it back and draws it.
kv::sim::RunStats simulate(const Scenario& s, const std::string& text) {
  const std::string path = history_path();
  kv::sim::RunStats stats;
  {
    kv::history::HistoryWriter history;
    if (const kv::Status opened = history.open(path); !opened.ok()) {
      fail("cannot open the history file: " + opened.message(), text);
    }
    kv::sim::Simulation sim(s, s.seed.value_or(1), history);
    sim.run();
    sim.check();
    stats = sim.stats();
    if (const kv::Status closed = history.close(); !closed.ok()) {
      fail("cannot write the history file: " + closed.message(), text);
    }
  }
  const kv::history::ReadResult read = kv::history::read_history_file(path);
  std::remove(path.c_str());
  if (!read.ok()) {
    fail("the viz reader refuses the simulator's history: " + read.error(), text);
  }
  const kv::history::History& h = *read;
  if (!h.warnings.empty())
    fail("the viz reader warns on the simulator's history: " + h.warnings.front(), text);
  kv::viz::causal_graph_dot(kv::viz::build_causal_graph(h));
  kv::viz::SpacetimeOptions options;
  const kv::viz::SpacetimeResult picture = kv::viz::spacetime_dot(h, options);
  if (!picture.ok) fail("spacetime refuses the whole run: " + picture.error, text);
  kv::viz::tell_story(h);
  return stats;
}

void run_twice(const Scenario& s, const std::string& text) {
  const kv::sim::RunStats a = simulate(s, text);
  kv::history::HistoryWriter disabled;
  kv::sim::Simulation again(s, s.seed.value_or(1), disabled);
  again.run();
  const kv::sim::RunStats& b = again.stats();
  if (a.events != b.events || a.messages_sent != b.messages_sent ||
      a.messages_delivered != b.messages_delivered || a.writes_accepted != b.writes_accepted ||
      a.client_ops != b.client_ops || a.anti_entropy_rounds != b.anti_entropy_rounds) {
    fail("the same scenario and seed ran differently (with and without a history)", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text;
  if (size > 0 && data[0] == kGeneratorMagic) {
    FuzzedDataProvider provider(data + 1, size - 1);
    text = Generator(provider).scenario();
  } else {
    text.assign(reinterpret_cast<const char*>(data), size);
  }
  const kv::sim::LoadResult result = kv::sim::load_scenario_text(text, kPath);
  if (!result.ok()) {
    check_error(result.error(), text);
    return 0;
  }
  if (!result.error().empty()) fail("both a scenario and an error: " + result.error(), text);
  check_scenario(*result, text);
  if (cost(*result) <= kMaxSimulatedCost) run_twice(*result, text);
  return 0;
}
