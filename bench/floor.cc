// The practical floor for BENCHMARKS.md's W1 on one core: a hand-written,
// special-purpose event loop (binary heap, hash map of sibling vectors, no
// history, no checks), for comparison with `kvsim bench fanout` in the same
// session. It shares no code with kvsim on purpose.
//
// Usage: floor [N] [K] [P] [SEED]   prints one JSON line like kvsim bench.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct Rng {
  uint64_t s;
  uint64_t below(uint64_t n) {
    __extension__ typedef unsigned __int128 u128;
    return static_cast<uint64_t>((static_cast<u128>(splitmix(s)) * n) >> 64);
  }
};

struct Write {
  uint64_t value;
  std::vector<uint64_t> clock;
};

struct Delivery {
  int64_t t;
  uint64_t seq;
  uint32_t node;
  uint32_t key;
  uint32_t write;
  bool operator>(const Delivery& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

// -1 a<b, 1 a>b, 0 equal, 2 concurrent.
int order(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  bool ag = false, bg = false;
  for (size_t i = 0; i < a.size(); ++i) {
    ag |= a[i] > b[i];
    bg |= b[i] > a[i];
  }
  return ag && bg ? 2 : ag ? 1 : bg ? -1 : 0;
}

void apply(std::vector<uint32_t>& siblings, uint32_t w, const std::vector<Write>& writes) {
  for (uint32_t s : siblings) {
    const int o = order(writes[s].clock, writes[w].clock);
    if (o == 1 || (o == 0 && writes[s].value == writes[w].value)) return;
  }
  std::erase_if(siblings, [&](uint32_t s) { return order(writes[w].clock, writes[s].clock) == 1; });
  siblings.push_back(w);
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t n = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 5;
  const uint32_t k = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[2])) : 1000;
  const uint64_t p = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 200000;
  Rng rng{argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1};
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::unordered_map<uint32_t, std::vector<uint32_t>>> stores(n);
  std::vector<Write> writes;
  writes.reserve(p);
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> queue;
  uint64_t seq = 0, events = 0;
  for (uint64_t i = 0; i <= p; ++i) {
    const int64_t now = static_cast<int64_t>(i) * 50;
    while (!queue.empty() && (i == p || queue.top().t <= now)) {
      const Delivery d = queue.top();
      queue.pop();
      apply(stores[d.node][d.key], d.write, writes);
      ++events;
    }
    if (i == p) break;
    const uint32_t node = static_cast<uint32_t>(i % n);
    const uint32_t key = static_cast<uint32_t>(rng.below(k));
    std::vector<uint32_t>& siblings = stores[node][key];
    std::vector<uint64_t> clock(n, 0);
    for (uint32_t s : siblings) {
      for (uint32_t j = 0; j < n; ++j) clock[j] = std::max(clock[j], writes[s].clock[j]);
    }
    ++clock[node];
    writes.push_back({i, std::move(clock)});
    const uint32_t w = static_cast<uint32_t>(writes.size() - 1);
    apply(siblings, w, writes);
    ++events;
    for (uint32_t peer = 0; peer < n; ++peer) {
      if (peer == node) continue;
      queue.push({now + 1000 + static_cast<int64_t>(rng.below(9001)), seq++, peer, key, w});
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t multi = 0;
  for (uint32_t key = 0; key < k; ++key) {
    bool all = true;
    for (uint32_t node = 0; node < n && all; ++node) {
      auto it = stores[node].find(key);
      all = it != stores[node].end() && it->second.size() > 1;
    }
    multi += all;
  }
  std::printf(
      "{\"workload\": \"fanout-floor\", \"nodes\": %u, \"keys\": %u, \"puts\": %llu, \"events\": "
      "%llu, \"wall_s\": %.6f, \"events_per_s\": %.0f, \"keys_multi_sibling_all_nodes\": %llu}\n",
      n, k, static_cast<unsigned long long>(p), static_cast<unsigned long long>(events), wall,
      static_cast<double>(events) / wall, static_cast<unsigned long long>(multi));
}
