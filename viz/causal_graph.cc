// Building the causal graph of sibling creation (build_causal_graph); its
// DOT is written by viz/causal_graph_dot.cc.
//
// One pass over the history collects vertices, arrivals, sibling links and
// rejections per key; dominance edges are computed at the end, once every
// version is known, for the keys that fit in the picture.
#include "viz/causal_graph.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "viz/text.h"
#include "viz/truth_labels.h"
#include "viz/write_fates.h"

namespace kv::viz {
namespace {

// A version's identity: its value text and what makes it itself under the
// run's mechanism (Causality::identity; client-vv: its clock without trailing
// zeros). Two versions are the same exactly when their identities are.
using VersionKey = std::pair<std::string, std::vector<uint64_t>>;

VersionKey identity(const Causality& rules, const history::VersionText& v) {
  VersionKey key{v.value, {}};
  rules.identity(v, key.second);
  return key;
}

// A sibling box holds at most this many versions (pairwise checks stay cheap;
// Riak's sibling explosion needs 99).
constexpr size_t kMaxSiblingBox = 128;

struct Rejection {
  std::string node;
  std::optional<size_t> dominator;
};

// Everything gathered for one key while reading the history.
struct KeyBuild {
  explicit KeyBuild(const Causality& rules) : rules(rules) {}
  const Causality& rules;  // the run's mechanism
  KeyGraph graph;
  std::map<VersionKey, size_t> index;
  std::map<std::string, std::vector<size_t>> current;  // node -> siblings now
  std::vector<std::set<std::string>> arrived;          // per vertex: nodes reached
  std::set<std::pair<size_t, size_t>> linked;
  // Links drawn as lines: those between versions not in one sibling box
  // when first seen (a box implies the links inside it).
  size_t loose_links = 0;
  // Candidate sibling boxes (checked against the edges at the end), and the
  // candidate each vertex is in (npos: none).
  std::vector<std::vector<size_t>> rank_groups;
  std::vector<size_t> group_of;
  std::map<size_t, std::vector<Rejection>> rejections;
  // Resolve vertex -> the versions it faced (see causal_graph.h).
  std::map<size_t, std::vector<size_t>> faced;
  bool over_budget = false;

  // What the picture would draw: versions, and sibling links not implied
  // by a box (a box only grows, so a link counted stays counted).
  size_t items() const { return graph.vertices.size() + loose_links; }

  size_t vertex(const history::VersionText& v, const std::string& node, int64_t t_us, size_t line,
                WriteOp op) {
    auto [it, inserted] = index.emplace(identity(rules, v), graph.vertices.size());
    if (!inserted) return it->second;
    GraphVertex& g = graph.vertices.emplace_back();
    g.version = v;
    g.fate = GraphVertex::Fate::kUnwritten;
    g.node = node;
    g.op = op;
    g.t_us = t_us;
    g.line = line;
    arrived.emplace_back();
    group_of.push_back(std::string::npos);
    if (items() > kMaxGraphItems) over_budget = true;
    return it->second;
  }
};

// A sibling set joins the boxes: a new box if it shares no version with
// one; else merged with the boxes it overlaps when every two versions of the
// union are concurrent (they could all be siblings at once); else left out.
void add_to_boxes(KeyBuild& k, const std::vector<size_t>& set) {
  // Already one box: nothing changes (the common case of a set seen again).
  const size_t first = k.group_of[set.front()];
  if (first != std::string::npos &&
      std::all_of(set.begin(), set.end(), [&](size_t v) { return k.group_of[v] == first; })) {
    return;
  }
  std::vector<size_t> overlapping;  // box indices, ascending
  for (const size_t v : set) {
    const size_t g = k.group_of[v];
    if (g != std::string::npos &&
        std::find(overlapping.begin(), overlapping.end(), g) == overlapping.end()) {
      overlapping.push_back(g);
    }
  }
  std::sort(overlapping.begin(), overlapping.end());
  std::vector<size_t> merged;
  for (const size_t g : overlapping) {
    merged.insert(merged.end(), k.rank_groups[g].begin(), k.rank_groups[g].end());
  }
  for (const size_t v : set) {
    if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
  }
  if (merged.size() > kMaxSiblingBox) return;
  if (!overlapping.empty()) {
    for (size_t i = 0; i < merged.size(); ++i) {
      for (size_t j = i + 1; j < merged.size(); ++j) {
        const Order o =
            k.rules.order(k.graph.vertices[merged[i]].version, k.graph.vertices[merged[j]].version);
        if (o == Order::kDominates || o == Order::kDominated) return;
      }
    }
  }
  if (overlapping.empty()) {
    k.rank_groups.push_back(merged);
  } else {
    // The union takes the place of the first box it overlaps.
    k.rank_groups[overlapping.front()] = merged;
    for (size_t i = overlapping.size(); i-- > 1;) {
      k.rank_groups.erase(k.rank_groups.begin() + static_cast<std::ptrdiff_t>(overlapping[i]));
    }
  }
  std::fill(k.group_of.begin(), k.group_of.end(), std::string::npos);
  for (size_t g = 0; g < k.rank_groups.size(); ++g) {
    for (const size_t v : k.rank_groups[g]) k.group_of[v] = g;
  }
}

class Builder {
 public:
  explicit Builder(const history::History& history) : history_(history) {}
  CausalGraph build();

 private:
  void on_apply(const history::Event& e, const history::ApplyEvent& a);
  void on_resolve(KeyBuild& k, size_t v, const history::Event& e, const history::ApplyEvent& a);
  void on_send(const history::SendEvent& s);
  void on_deliver(const history::DeliverEvent& d);
  void on_siblings(const history::Event& e, const history::SiblingsEvent& s);
  void on_final(const history::Event& e, const history::FinalEvent& f);
  void finish_key(KeyBuild& k);

  KeyBuild& key_build(const std::string& key) {
    return keys_.try_emplace(key, history_.rules()).first->second;
  }

  const history::History& history_;
  std::map<std::string, KeyBuild> keys_;
  WriteFates fates_;
  TruthLabels truth_;
  std::map<std::string, std::vector<const WriteFate*>> fates_by_key_;
  bool saw_final_ = false;
  std::vector<std::string> final_live_;  // live nodes, in `final` order

  // What each client read, to know what its resolves faced. Requests are
  // (client, msg_id); the values point into history_.
  using Request = std::pair<std::string, uint64_t>;
  std::map<Request, std::string> gets_;  // a client's reads -> their key
  std::set<Request> completed_;          // reads answered (first reply) or given up
  // (client, key) -> the values of the client's last completed read of it.
  std::map<std::pair<std::string, std::string>, const std::vector<history::VersionText>*>
      last_read_;
  // A write request -> what its client had read of the key when it first
  // sent it (absent: nothing).
  std::map<Request, const std::vector<history::VersionText>*> read_before_;
};

void Builder::on_send(const history::SendEvent& s) {
  const history::MessageBody& b = s.body;
  if (!b.msg_id) return;
  const Request id{s.src, *b.msg_id};
  if (b.type == MsgType::kGet) {
    gets_.emplace(id, b.key);
  } else if (b.type == MsgType::kPut || b.type == MsgType::kResolve) {
    auto read = last_read_.find({s.src, b.key});
    if (read != last_read_.end()) read_before_.emplace(id, read->second);
  }
}

void Builder::on_deliver(const history::DeliverEvent& d) {
  static const std::vector<history::VersionText> kNothing;
  const history::SendEvent* s = history_.find_send(d.id);
  if (s == nullptr || s->body.type != MsgType::kGetOk || !s->body.in_reply_to) return;
  const Request id{d.dest, *s->body.in_reply_to};
  auto get = gets_.find(id);
  // Only the first reply counts, and none after the client gave up.
  if (get == gets_.end() || !completed_.insert(id).second) return;
  last_read_[{d.dest, get->second}] = s->body.values ? &*s->body.values : &kNothing;
}

// The first accepted write of resolve vertex v: what it faced, its reply.
void Builder::on_resolve(KeyBuild& k, size_t v, const history::Event& e,
                         const history::ApplyEvent& a) {
  const std::vector<history::VersionText>* read = nullptr;
  if (const history::SendEvent* s = a.msg != 0 ? history_.find_send(a.msg) : nullptr;
      s != nullptr && s->body.msg_id) {
    auto it = read_before_.find({s->src, *s->body.msg_id});
    if (it != read_before_.end()) read = it->second;
  }
  std::vector<size_t> faced;
  if (read != nullptr) {
    for (const history::VersionText& r : *read) {
      const size_t u = k.vertex(r, a.node, e.t_us, e.line, WriteOp::kReplicate);
      if (std::find(faced.begin(), faced.end(), u) == faced.end()) faced.push_back(u);
    }
  } else {
    faced = k.current[a.node];
  }
  GraphVertex& g = k.graph.vertices[v];  // after k.vertex(), which may grow the list
  g.faced_from_read = read != nullptr;
  g.merge_basis_node = read != nullptr ? a.client : a.node;
  g.reply_status = a.status;
  g.reply_siblings = a.siblings;
  k.faced[v] = std::move(faced);
}

void Builder::on_apply(const history::Event& e, const history::ApplyEvent& a) {
  KeyBuild& k = key_build(a.key);
  const size_t v = k.vertex(a.version, a.node, e.t_us, e.line, a.op);
  GraphVertex& g = k.graph.vertices[v];
  bool first_resolve = false;
  if (a.client_write()) {
    // A stale write is rejected; one past the sibling bound is refused.
    // Neither is accepted; only a stale one has a version that dominates it.
    const bool accepted = a.result != ApplyResult::kStale && a.result != ApplyResult::kRefused;
    const bool first_write = g.fate == GraphVertex::Fate::kUnwritten;
    const bool first_acceptance = accepted && g.fate == GraphVertex::Fate::kRejected;
    if (first_write || first_acceptance) {
      // The label tells of the first client write, or of the first one that
      // was accepted if earlier ones were refused.
      g.fate = accepted ? GraphVertex::Fate::kAccepted : GraphVertex::Fate::kRejected;
      g.node = a.node;
      g.client = a.client;
      g.op = a.op;
      g.t_us = e.t_us;
      g.line = e.line;
      first_resolve = accepted && a.op == WriteOp::kResolve;
      g.refused = a.result == ApplyResult::kRefused;
      g.siblings_after = a.siblings;
      if (!accepted) g.reply_status = a.status;  // lww answers a stale write "written"
    }
    if (a.result == ApplyResult::kStale) {
      // The sibling on that node that made the write stale, if we know it.
      Rejection r{a.node, std::nullopt};
      for (const size_t s : k.current[a.node]) {
        if (k.rules.supersedes(k.graph.vertices[s].version, a.version)) {
          r.dominator = s;
          break;
        }
      }
      k.rejections[v].push_back(std::move(r));
    }
  }
  if (a.result == ApplyResult::kApplied && k.arrived[v].insert(a.node).second) {
    g.arrivals.push_back(Arrival{a.node, e.t_us, a.op});
  }
  // Last: it may add vertices, which moves `g`.
  if (first_resolve) on_resolve(k, v, e, a);
}

void Builder::on_siblings(const history::Event& e, const history::SiblingsEvent& s) {
  KeyBuild& k = key_build(s.key);
  std::vector<size_t> now;
  for (const history::VersionText& v : s.siblings) {
    const size_t index = k.vertex(v, s.node, e.t_us, e.line, WriteOp::kReplicate);
    if (std::find(now.begin(), now.end(), index) == now.end()) now.push_back(index);
  }
  if (now.size() >= 2) {
    for (const size_t v : now) {
      GraphVertex& g = k.graph.vertices[v];
      if (!g.ever_sibling) {
        g.conflict_node = s.node;
        g.conflict_t_us = e.t_us;
      }
      g.ever_sibling = true;
    }
    if (!k.over_budget) add_to_boxes(k, now);
    for (size_t i = 0; i < now.size() && !k.over_budget; ++i) {
      for (size_t j = i + 1; j < now.size() && !k.over_budget; ++j) {
        const size_t a = std::min(now[i], now[j]), b = std::max(now[i], now[j]);
        if (!k.linked.insert({a, b}).second) continue;
        k.graph.links.push_back(SiblingLink{a, b, s.node, e.t_us});
        if (k.group_of[a] == std::string::npos || k.group_of[a] != k.group_of[b]) ++k.loose_links;
        if (k.items() > kMaxGraphItems) k.over_budget = true;
      }
    }
  }
  k.current[s.node] = std::move(now);
}

void Builder::on_final(const history::Event& e, const history::FinalEvent& f) {
  saw_final_ = true;
  if (f.live && std::find(final_live_.begin(), final_live_.end(), f.node) == final_live_.end()) {
    final_live_.push_back(f.node);
  }
  for (const auto& [key, versions] : f.store) {
    KeyBuild& k = key_build(key);
    for (const history::VersionText& v : versions) {
      const size_t index = k.vertex(v, f.node, e.t_us, e.line, WriteOp::kReplicate);
      GraphVertex& g = k.graph.vertices[index];
      std::vector<std::string>& on = f.live ? g.final_on : g.kept_on;
      if (std::find(on.begin(), on.end(), f.node) == on.end()) on.push_back(f.node);
    }
  }
}

// Would ranking every group in `groups` level with its members contradict
// an edge (make a cycle once the members of a group are merged into one)?
bool ranks_consistent(size_t vertex_count, const std::vector<GraphEdge>& edges,
                      const std::vector<std::vector<size_t>>& groups) {
  std::vector<size_t> component(vertex_count);
  for (size_t v = 0; v < vertex_count; ++v) component[v] = v;
  for (const auto& group : groups) {
    for (const size_t v : group) component[v] = group.front();
  }
  std::vector<std::vector<size_t>> out(vertex_count);
  std::vector<size_t> indegree(vertex_count, 0);
  for (const GraphEdge& edge : edges) {
    // A rejected write is drawn below the version that refused it (see
    // causal_graph_dot), so its edge constrains ranks the other way.
    const bool down = edge.kind != GraphEdge::Kind::kRejected;
    const size_t a = component[down ? edge.from : edge.to];
    const size_t b = component[down ? edge.to : edge.from];
    if (a == b) return false;
    out[a].push_back(b);
    ++indegree[b];
  }
  // Kahn's algorithm over the components: a cycle leaves some unvisited.
  std::vector<size_t> ready;
  size_t roots = 0, visited = 0;
  for (size_t v = 0; v < vertex_count; ++v) {
    if (component[v] != v) continue;
    ++roots;
    if (indegree[v] == 0) ready.push_back(v);
  }
  while (!ready.empty()) {
    const size_t v = ready.back();
    ready.pop_back();
    ++visited;
    for (const size_t w : out[v]) {
      if (--indegree[w] == 0) ready.push_back(w);
    }
  }
  return visited == roots;
}

// The versions resolve w merged: those it faced that its clock dominates,
// when it faced two or more (else it merged nothing: it overwrote one
// version, or none). Records the counts on the vertex.
std::vector<size_t> merged_by(KeyBuild& k, size_t w) {
  auto faced = k.faced.find(w);
  if (faced == k.faced.end()) return {};
  GraphVertex& target = k.graph.vertices[w];
  std::vector<size_t> merged;
  for (const size_t u : faced->second) {
    const GraphVertex& x = k.graph.vertices[u];
    if (x.fate != GraphVertex::Fate::kRejected && k.rules.supersedes(target.version, x.version)) {
      merged.push_back(u);
    }
  }
  target.faced = faced->second.size();
  target.merged = merged.size();
  if (target.faced < 2) merged.clear();
  return merged;
}

void Builder::finish_key(KeyBuild& k) {
  KeyGraph& g = k.graph;
  const size_t n = g.vertices.size();
  // Accepted versions (and those nodes held without a client writing them)
  // in topological order of dominance.
  std::vector<size_t> held;
  for (size_t v = 0; v < n; ++v) {
    if (g.vertices[v].fate != GraphVertex::Fate::kRejected) held.push_back(v);
  }
  // The mechanism's rank grows along its order: sorting by it is a
  // topological order.
  std::vector<Rank> ranks(n);
  for (size_t v = 0; v < n; ++v) ranks[v] = k.rules.rank(g.vertices[v].version);
  std::sort(held.begin(), held.end(),
            [&](size_t a, size_t b) { return ranks[a] != ranks[b] ? ranks[a] > ranks[b] : a < b; });
  // Transitive reduction: walking the versions below w from the largest
  // rank down, u is a direct predecessor iff no direct predecessor found so
  // far is above it (anything between u and w has a larger rank).
  for (const size_t w : held) {
    const history::VersionText& wv = g.vertices[w].version;
    std::vector<size_t> direct;
    for (const size_t u : held) {
      if (!k.rules.supersedes(wv, g.vertices[u].version)) continue;
      const history::VersionText& uv = g.vertices[u].version;
      const bool covered = std::any_of(direct.begin(), direct.end(), [&](size_t d) {
        return k.rules.supersedes(g.vertices[d].version, uv);
      });
      if (!covered) direct.push_back(u);
    }
    const std::vector<size_t> merged = merged_by(k, w);
    for (const size_t u : direct) {
      const bool m = std::find(merged.begin(), merged.end(), u) != merged.end();
      g.edges.push_back(
          GraphEdge{u, w, m ? GraphEdge::Kind::kMerged : GraphEdge::Kind::kSupersedes, ""});
    }
    for (const size_t u : merged) {
      if (std::find(direct.begin(), direct.end(), u) == direct.end()) {
        g.edges.push_back(GraphEdge{u, w, GraphEdge::Kind::kMerged, ""});
      }
    }
  }
  for (const auto& [v, rejections] : k.rejections) {
    if (g.vertices[v].fate != GraphVertex::Fate::kRejected) continue;
    std::set<size_t> seen;
    for (const Rejection& r : rejections) {
      std::optional<size_t> to = r.dominator;
      if (!to) {
        // No sibling on record at that node: point at the first version
        // written that dominates it.
        for (const size_t u : held) {
          if (k.rules.supersedes(g.vertices[u].version, g.vertices[v].version) &&
              (!to || u < *to)) {
            to = u;
          }
        }
      }
      if (to && seen.insert(*to).second) {
        g.edges.push_back(GraphEdge{v, *to, GraphEdge::Kind::kRejected, r.node});
      }
    }
  }
  // Lost and unavailable writes: the one definition (viz/write_fates.h).
  for (const WriteFate* f : fates_by_key_[g.key]) {
    auto it = k.index.find(identity(k.rules, f->version));
    if (it == k.index.end()) continue;
    GraphVertex& x = g.vertices[it->second];
    x.lost = f->kind == WriteFate::Kind::kLost;
    x.unavailable = f->kind == WriteFate::Kind::kUnavailable;
    x.fate_reason = fate_reason(*f);
  }
  // False siblings and lost updates: against the truth (viz/truth_labels.h).
  for (const FalseSiblingLabel& f : truth_.false_siblings_found) {
    if (f.key != g.key) continue;
    auto it = k.index.find(identity(k.rules, f.version));
    if (it == k.index.end()) continue;
    GraphVertex& x = g.vertices[it->second];
    x.false_sibling_on.push_back(f.node);
    if (x.false_sibling_why.empty()) {
      x.false_sibling_why = "beside " + version_text(f.above.value, f.above.clock) + ": " + f.why;
    }
  }
  for (const LostUpdateLabel& l : truth_.lost_updates_found) {
    if (l.key != g.key) continue;
    auto it = k.index.find(identity(k.rules, l.version));
    if (it == k.index.end()) continue;
    g.vertices[it->second].lost_update = true;
    g.vertices[it->second].lost_update_why = l.why;
  }
  std::sort(g.edges.begin(), g.edges.end(), [](const GraphEdge& a, const GraphEdge& b) {
    return std::tie(a.from, a.to, a.kind) < std::tie(b.from, b.to, b.kind);
  });
  for (const auto& group : k.rank_groups) {
    g.same_rank.push_back(group);
    if (!ranks_consistent(n, g.edges, g.same_rank)) g.same_rank.pop_back();
  }
  fold_key(g);
}

CausalGraph Builder::build() {
  fates_ = find_write_fates(history_);
  truth_ = find_truth_labels(history_);
  for (const WriteFate& f : fates_.writes) fates_by_key_[f.key].push_back(&f);
  for (const history::Event& e : history_.events) {
    if (const auto* a = std::get_if<history::ApplyEvent>(&e.data)) {
      on_apply(e, *a);
    } else if (const auto* s = std::get_if<history::SiblingsEvent>(&e.data)) {
      on_siblings(e, *s);
    } else if (const auto* f = std::get_if<history::FinalEvent>(&e.data)) {
      on_final(e, *f);
    } else if (const auto* send = std::get_if<history::SendEvent>(&e.data)) {
      on_send(*send);
    } else if (const auto* d = std::get_if<history::DeliverEvent>(&e.data)) {
      on_deliver(*d);
    } else if (const auto* give_up = std::get_if<history::GiveUpEvent>(&e.data)) {
      completed_.insert({give_up->client, give_up->msg_id});
    }
  }
  if (!saw_final_) {
    // A run cut short: the last sibling sets stand for the final state.
    for (auto& [key, k] : keys_) {
      for (const auto& [node, siblings] : k.current) {
        if (std::find(final_live_.begin(), final_live_.end(), node) == final_live_.end()) {
          final_live_.push_back(node);
        }
        for (const size_t v : siblings) k.graph.vertices[v].final_on.push_back(node);
      }
    }
  }
  for (auto& [key, k] : keys_) {
    // Replicas agree when every version is held by all of them or by none.
    for (const GraphVertex& v : k.graph.vertices) {
      if (!v.final_on.empty() && v.final_on.size() != final_live_.size()) k.graph.diverged = true;
    }
  }
  CausalGraph graph;
  if (history_.start) {
    graph.title = "scenario " + history_.start->scenario;
    if (history_.start->seed) graph.title += ", seed " + std::to_string(*history_.start->seed);
  } else {
    graph.title = history_.path;
  }
  if (!history_.complete) graph.title += "\n" + history_.partial_note();
  size_t items = 0;
  for (auto& [key, k] : keys_) {
    if (k.over_budget || items + k.items() > kMaxGraphItems) {
      graph.omitted_keys.push_back(key);
      graph.omitted_items += k.items();
      continue;
    }
    items += k.items();
    k.graph.key = key;
    finish_key(k);
    graph.keys.push_back(std::move(k.graph));
  }
  return graph;
}

}  // namespace

CausalGraph build_causal_graph(const history::History& history) {
  return Builder(history).build();
}

}  // namespace kv::viz
