#include "viz/explorer_data.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "base/json_text.h"
#include "viz/event_words.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

// The history's records, read by this file throughout.
using namespace kv::history;

using Link = std::pair<size_t, size_t>;  // (from node, to node)

// The directed links a partition cuts, on top of those cut before.
void add_cuts(const FaultEvent& f, const std::vector<std::string>& nodes, std::set<Link>& cut) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i]] = i;
  auto both = [&](const std::string& a, const std::string& b) {
    auto ia = index.find(a), ib = index.find(b);
    if (ia == index.end() || ib == index.end() || a == b) return;
    cut.insert({ia->second, ib->second});
    cut.insert({ib->second, ia->second});
  };
  if (!f.groups.empty()) {
    std::map<std::string, size_t> group;  // nodes not listed are one more group
    for (size_t g = 0; g < f.groups.size(); ++g) {
      for (const std::string& n : f.groups[g]) group[n] = g;
    }
    for (const std::string& a : nodes) {
      for (const std::string& b : nodes) {
        const size_t ga = group.count(a) ? group[a] : f.groups.size();
        const size_t gb = group.count(b) ? group[b] : f.groups.size();
        if (ga != gb) both(a, b);
      }
    }
  } else if (!f.ring.empty()) {
    const size_t n = f.ring.size(), reach = f.ring_reach();
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (std::min((i + n - j) % n, (j + n - i) % n) > reach) both(f.ring[i], f.ring[j]);
      }
    }
  } else {
    for (const std::string& a : f.from) {
      for (const std::string& b : f.to) {
        auto ia = index.find(a), ib = index.find(b);
        if (ia != index.end() && ib != index.end() && a != b) cut.insert({ia->second, ib->second});
      }
    }
  }
}

// A message in flight: sent, and not every copy has arrived or been dropped.
struct Flight {
  const Event* send = nullptr;
  int copies = 1;
};

class Builder {
 public:
  explicit Builder(const ExplorerInput& in) : in_(in), h_(*in.history), nodes_(h_.nodes()) {
    for (size_t i = 0; i < nodes_.size(); ++i) node_index_[nodes_[i]] = i;
    if (in.graph != nullptr) {
      for (size_t k = 0; k < in.graph->keys.size(); ++k) {
        const KeyGraph& g = in.graph->keys[k];
        for (size_t v = 0; v < g.vertices.size(); ++v) {
          // A folded version has no box of its own in the picture.
          if (!g.fold_of.empty() && g.fold_of[v] != kNotFolded) continue;
          graph_ids_[{g.key, g.vertices[v].version.value, padded(g.vertices[v].version.clock)}] =
              "k" + std::to_string(k) + "_v" + std::to_string(v);
        }
      }
    }
  }

  std::string build();

 private:
  std::vector<uint64_t> padded(const Clock& c) const {
    std::vector<uint64_t> slots(c.slots().begin(), c.slots().end());
    if (slots.size() < nodes_.size()) slots.resize(nodes_.size(), 0);
    return slots;
  }
  // An event's key: -1 when it concerns none.
  int event_key(const std::string& k) { return k.empty() ? -1 : key(k); }
  int key(const std::string& k) {
    auto [it, added] = key_index_.emplace(k, static_cast<int>(keys_.size()));
    if (added) keys_.push_back(k);
    return it->second;
  }
  // REQUIRES: `k` is not empty (every version belongs to a key).
  int version(const std::string& k, const VersionText& v) {
    std::vector<uint64_t> clock = padded(v.clock);
    auto id = std::make_tuple(key(k), v.value, clock);
    auto [it, added] = version_index_.emplace(id, static_cast<int>(versions_.size()));
    if (added) versions_.push_back(id);
    return it->second;
  }
  int node(const std::string& name) const {
    auto it = node_index_.find(name);
    return it == node_index_.end() ? -1 : static_cast<int>(it->second);
  }
  void str(const std::string& s) { json::dump_string(s, out_); }
  void num(int64_t n) { json::dump_int(n, out_); }
  // [[from, to], ...]: cut links as node indexes.
  void links(const std::set<Link>& cut) {
    out_ += '[';
    bool first = true;
    for (const Link& l : cut) {
      out_ += first ? "[" : ",[";
      first = false;
      num(static_cast<int64_t>(l.first));
      out_ += ',';
      num(static_cast<int64_t>(l.second));
      out_ += ']';
    }
    out_ += ']';
  }
  void versions_array(const std::string& k, const std::vector<VersionText>& vs) {
    out_ += '[';
    for (size_t i = 0; i < vs.size(); ++i) {
      if (i) out_ += ',';
      num(version(k, vs[i]));
    }
    out_ += ']';
  }

  // The state before the window: replays events [0, first).
  void replay(size_t first);
  void write_event(size_t i);
  void write_initial();
  void write_tables(std::string& out) const;
  std::pair<size_t, size_t> window(std::string& note) const;

  const ExplorerInput& in_;
  const History& h_;
  std::vector<std::string> nodes_;
  std::map<std::string, size_t> node_index_;
  std::map<std::tuple<std::string, std::string, std::vector<uint64_t>>, std::string> graph_ids_;
  std::vector<std::string> keys_;
  std::map<std::string, int> key_index_;
  std::vector<std::tuple<int, std::string, std::vector<uint64_t>>> versions_;
  std::map<std::tuple<int, std::string, std::vector<uint64_t>>, int> version_index_;
  std::vector<EventWords> words_;  // of the window's events, from first_
  size_t first_ = 0;
  std::string out_;  // the events, then `initial`

  // Replayed state.
  std::map<std::pair<size_t, std::string>, std::vector<VersionText>> stores_;
  std::set<size_t> down_;
  std::set<Link> cut_;
  std::map<uint64_t, Flight> flight_;
  std::set<Link> event_cut_;  // the links cut as write_event goes
};

std::pair<size_t, size_t> Builder::window(std::string& note) const {
  const std::vector<Event>& ev = h_.events;
  size_t first = 0, last = ev.size();  // [first, last)
  const Window& w = in_.window;
  if (w.kind != Window::Kind::kAll) {
    auto at = [&](const Event& e) {
      return w.kind == Window::Kind::kLines ? static_cast<int64_t>(e.line) : e.t_us;
    };
    while (first < ev.size() && at(ev[first]) < w.from) ++first;
    last = first;
    while (last < ev.size() && at(ev[last]) <= w.to) ++last;
  }
  if (last - first > in_.max_events) {
    const size_t cut_at = first + in_.max_events;
    note = "This page holds history lines #" + std::to_string(ev[first].line) + "..#" +
           std::to_string(ev[cut_at - 1].line) + " (t=" + format_time(ev[first].t_us) + ".." +
           format_time(ev[cut_at - 1].t_us) + ") of the " + std::to_string(last - first) + " in " +
           (w.kind == Window::Kind::kAll ? "the run" : "the window") + ": at most " +
           std::to_string(in_.max_events) +
           " keep it quick to open. The state at its first line is replayed from the lines "
           "before it. kvsim render " +
           in_.history_name + " --from #" + std::to_string(ev[cut_at].line) +
           " writes a page of the next lines.";
    last = cut_at;
  } else if (first > 0 || last < ev.size()) {
    note =
        "This page holds history lines #" +
        (first < last ? std::to_string(ev[first].line) + "..#" + std::to_string(ev[last - 1].line)
                      : std::string("(none)")) +
        " of the " + std::to_string(ev.size()) +
        " in the run (the window asked for); the state at its first line is replayed from "
        "the lines before it.";
  }
  return {first, last};
}

void Builder::replay(size_t first) {
  for (size_t i = 0; i < first; ++i) {
    const Event& e = h_.events[i];
    const EventData& d = e.data;
    if (const auto* s = std::get_if<SendEvent>(&d)) {
      flight_[s->id] = Flight{&e, 1};
    } else if (const auto* dup = std::get_if<DuplicateEvent>(&d)) {
      if (auto it = flight_.find(dup->id); it != flight_.end()) ++it->second.copies;
    } else if (const auto* dl = std::get_if<DeliverEvent>(&d)) {
      if (auto it = flight_.find(dl->id); it != flight_.end() && --it->second.copies <= 0)
        flight_.erase(it);
    } else if (const auto* dr = std::get_if<DropEvent>(&d)) {
      if (auto it = flight_.find(dr->id); it != flight_.end() && --it->second.copies <= 0)
        flight_.erase(it);
    } else if (const auto* sib = std::get_if<SiblingsEvent>(&d)) {
      const int n = node(sib->node);
      if (n >= 0) stores_[{static_cast<size_t>(n), sib->key}] = sib->siblings;
    } else if (const auto* f = std::get_if<FaultEvent>(&d)) {
      const int n = node(f->node);
      if (f->kind == FaultEvent::Kind::kPartition) add_cuts(*f, nodes_, cut_);
      if (f->kind == FaultEvent::Kind::kHeal) cut_.clear();
      if (f->kind == FaultEvent::Kind::kCrash && n >= 0) down_.insert(static_cast<size_t>(n));
      if (f->kind == FaultEvent::Kind::kRestart && n >= 0) down_.erase(static_cast<size_t>(n));
    }
  }
}

void Builder::write_initial() {
  out_ += "\"initial\":{\"stores\":[";
  bool first = true;
  for (const auto& [where, versions] : stores_) {
    if (versions.empty()) continue;
    out_ += first ? "[" : ",[";
    first = false;
    num(static_cast<int64_t>(where.first));
    out_ += ',';
    num(key(where.second));
    out_ += ',';
    versions_array(where.second, versions);
    out_ += ']';
  }
  out_ += "],\"down\":[";
  first = true;
  for (size_t n : down_) {
    if (!first) out_ += ',';
    first = false;
    num(static_cast<int64_t>(n));
  }
  out_ += "],\"cut\":";
  links(cut_);
  out_ += ",\"flight\":[";
  first = true;
  for (const auto& [id, f] : flight_) {
    const auto& s = std::get<SendEvent>(f.send->data);
    out_ += first ? "[" : ",[";
    first = false;
    num(static_cast<int64_t>(id));
    out_ += ',';
    str(s.src);
    out_ += ',';
    str(s.dest);
    out_ += ',';
    str(std::string(type_name(s.body.type)));
    out_ += ',';
    num(event_key(s.body.key));
    out_ += ',';
    num(s.body.value && s.body.clock ? version(s.body.key, {*s.body.value, *s.body.clock}) : -1);
    out_ += ',';
    num(f.copies);
    out_ += ',';
    num(f.send->t_us);
    out_ += ',';
    str(send_sentence(s));
    out_ += ']';
  }
  out_ += "]}";
}

void Builder::write_event(size_t i) {
  const Event& e = h_.events[i];
  const EventData& d = e.data;
  const EventWords& w = words_[i - first_];
  static_assert(std::variant_size_v<EventData> == 13, "a name for every kind of event");
  static const char* const kKinds[] = {"start", "send",     "duplicate", "deliver", "drop",
                                       "apply", "siblings", "fault",     "timeout", "give_up",
                                       "op",    "final",    "end"};
  out_ += '[';
  num(static_cast<int64_t>(e.line));
  out_ += ',';
  num(e.t_us);
  out_ += ",\"";
  out_ += kKinds[d.index()];
  out_ += "\",";
  num(event_key(w.key));
  out_ += ',';
  str(w.text);
  auto field = [&](const auto& value) {
    out_ += ',';
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      str(value);
    } else {
      num(static_cast<int64_t>(value));
    }
  };
  if (const auto* op = std::get_if<OpEvent>(&d)) {
    field(op->client), field(op->msg_id), field(op->op), field(node(op->node));
  } else if (const auto* s = std::get_if<SendEvent>(&d)) {
    field(s->id), field(s->src), field(s->dest), field(std::string(type_name(s->body.type)));
    field(s->body.value && s->body.clock ? version(s->body.key, {*s->body.value, *s->body.clock})
                                         : -1);
    if (s->body.values) {
      out_ += ',';
      versions_array(w.key, *s->body.values);  // a read reply: its request's key
    }
  } else if (const auto* dup = std::get_if<DuplicateEvent>(&d)) {
    field(dup->id);
  } else if (const auto* dl = std::get_if<DeliverEvent>(&d)) {
    field(dl->id);
  } else if (const auto* dr = std::get_if<DropEvent>(&d)) {
    field(dr->id), field(dr->reason);
  } else if (const auto* sib = std::get_if<SiblingsEvent>(&d)) {
    field(node(sib->node));
    out_ += ',';
    versions_array(sib->key, sib->siblings);
  } else if (const auto* a = std::get_if<ApplyEvent>(&d)) {
    field(node(a->node)), field(version(a->key, a->version)), field(std::string(op_name(a->op)));
    field(std::string(to_string(a->result))), field(a->siblings), field(a->status);
    field(a->client);
  } else if (const auto* f = std::get_if<FaultEvent>(&d)) {
    static const char* const kFaults[] = {"partition", "heal", "crash", "restart"};
    field(std::string(kFaults[static_cast<int>(f->kind)])), field(node(f->node));
    field(f->amnesia ? 1 : 0);
    if (f->kind == FaultEvent::Kind::kPartition) add_cuts(*f, nodes_, event_cut_);
    if (f->kind == FaultEvent::Kind::kHeal) event_cut_.clear();
    out_ += ',';
    links(event_cut_);
  } else if (const auto* t = std::get_if<TimeoutEvent>(&d)) {
    field(t->client), field(t->msg_id), field(t->attempt), field(node(t->node));
  } else if (const auto* g = std::get_if<GiveUpEvent>(&d)) {
    field(g->client), field(g->msg_id);
  } else if (const auto* fin = std::get_if<FinalEvent>(&d)) {
    field(node(fin->node)), field(fin->live ? 1 : 0);
  }
  out_ += ']';
}

void Builder::write_tables(std::string& out) const {
  out += "\"nodes\":[";
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i) out += ',';
    json::dump_string(nodes_[i], out);
  }
  out += "],\"keys\":[";
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (i) out += ',';
    json::dump_string(key_text(keys_[i]), out);
  }
  out += "],\"versions\":[";
  for (size_t i = 0; i < versions_.size(); ++i) {
    const auto& [k, value, clock] = versions_[i];
    out += i ? ",[" : "[";
    json::dump_int(k, out);
    out += ',';
    json::dump_string(readable(value_text(value, 40)), out);
    out += ",[";
    for (size_t s = 0; s < clock.size(); ++s) {
      if (s) out += ',';
      json::dump_uint(clock[s], out);
    }
    out += "],";
    auto id = graph_ids_.find({keys_[static_cast<size_t>(k)], value, clock});
    json::dump_string(id == graph_ids_.end() ? std::string() : id->second, out);
    out += ']';
  }
  out += "]";
}

std::string Builder::build() {
  std::string note;
  const auto [first, last] = window(note);
  words_ = event_sentences(h_, first, last);
  first_ = first;
  replay(first);
  event_cut_ = cut_;
  out_ = "\"events\":[";
  for (size_t i = first; i < last; ++i) {
    if (i > first) out_ += ",\n";
    write_event(i);
  }
  out_ += "],";
  write_initial();

  std::string out = "{\"format\":1,";
  write_tables(out);
  out += ",\n" + out_ + ",\"window\":{\"first_line\":";
  json::dump_int(first < last ? static_cast<int64_t>(h_.events[first].line) : 0, out);
  out += ",\"last_line\":";
  json::dump_int(first < last ? static_cast<int64_t>(h_.events[last - 1].line) : 0, out);
  out += ",\"lines\":";
  json::dump_uint(h_.events.size(), out);
  out += ",\"complete\":";
  out += h_.complete ? "true" : "false";
  out += ",\"note\":";
  json::dump_string(note, out);
  out += "},\"run_end\":";
  json::dump_string(in_.run_end, out);
  out += "}";
  // Safe inside <script>: no "</script>" or "<!--" can appear.
  std::string safe;
  safe.reserve(out.size());
  for (char c : out) {
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe += c;
    }
  }
  return safe;
}

}  // namespace

std::string explorer_data_json(const ExplorerInput& input) {
  return Builder(input).build();
}

}  // namespace kv::viz
