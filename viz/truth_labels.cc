#include "viz/truth_labels.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "base/hash.h"
#include "history/truth.h"
#include "node/names.h"
#include "viz/text.h"

namespace kv::viz {

namespace {

using history::Truth;
using history::VersionText;

// A version's identity for the truth: its value and clock, trailing zeros
// dropped.
uint64_t identity(std::string_view value, const Clock& clock, const VersionText* dotted = nullptr) {
  uint64_t h = stable_hash(value.data(), value.size());
  if (dotted != nullptr && dotted->has_dot) {
    h = mix64(h ^ mix64(dotted->dot_node + 1) ^ (dotted->dot_counter * 0x9e3779b97f4a7c15ull));
  }
  size_t len = clock.size();
  while (len > 0 && clock.at(len - 1) == 0) --len;
  for (size_t i = 0; i < len; ++i) h = mix64(h ^ (clock.at(i) + 0x9e3779b97f4a7c15ull * (i + 1)));
  return mix64(h ^ len);
}

std::string text_of(const VersionText& v) {
  return version_text(v.value, v.clock, v.dot);
}

class Reader {
 public:
  explicit Reader(const history::History& h) : h_(h), server_side_(h.rules().server_side()) {}

  TruthLabels read() {
    std::vector<const history::FinalEvent*> finals;
    for (const history::Event& e : h_.events) {
      if (const auto* op = std::get_if<history::OpEvent>(&e.data)) {
        waiting_[{op->client, op->msg_id}] = true;
        if (op->op != "get") pending_.insert({op->client, op->msg_id});
      } else if (const auto* s = std::get_if<history::SendEvent>(&e.data)) {
        on_send(*s);
      } else if (const auto* d = std::get_if<history::DeliverEvent>(&e.data)) {
        on_deliver(*d);
      } else if (const auto* g = std::get_if<history::GiveUpEvent>(&e.data)) {
        waiting_[{g->client, g->msg_id}] = false;
      } else if (const auto* sib = std::get_if<history::SiblingsEvent>(&e.data)) {
        holding_[{sib->node, sib->key}] = sib->siblings;
      } else if (const auto* a = std::get_if<history::ApplyEvent>(&e.data)) {
        on_apply(*a);
      } else if (const auto* f = std::get_if<history::FinalEvent>(&e.data)) {
        finals.push_back(f);
      }
    }
    TruthLabels labels;
    if (!finals.empty()) count(finals, labels);
    return labels;
  }

 private:
  using Request = std::pair<std::string, uint64_t>;  // client, msg_id

  uint32_t client_id(const std::string& name) {
    auto [it, added] = clients_.emplace(name, static_cast<uint32_t>(client_names_.size()));
    if (added) client_names_.push_back(name);
    return it->second;
  }
  uint32_t version_of(const std::string& key, const VersionText& v) const {
    return truth_.version_of(key, identity(v.value, v.clock, &v));
  }

  void on_send(const history::SendEvent& s) {
    const history::MessageBody& b = s.body;
    if (!b.msg_id) return;
    const Request request{s.src, *b.msg_id};
    if (b.type == MsgType::kGet || b.type == MsgType::kPut || b.type == MsgType::kResolve) {
      request_keys_.emplace(request, b.key);
    }
    if (server_side_ && (b.type == MsgType::kPutOk || b.type == MsgType::kResolveOk) &&
        b.in_reply_to) {
      // Riak's return_body: the reply gives the client what the node holds.
      auto key = request_keys_.find({s.dest, *b.in_reply_to});
      if (key != request_keys_.end()) returned_[s.id] = holding_[{s.src, key->second}];
      return;
    }
    if ((b.type != MsgType::kPut && b.type != MsgType::kResolve) || !pending_.erase(request))
      return;
    if (!b.value || !b.clock) return;
    // Under a server-side mechanism the node stamps the write: its identity
    // is the stamped version's, known at its apply (alias).
    const uint64_t id =
        server_side_ ? mix64(~uint64_t{truth_.writes()}) : identity(*b.value, *b.clock);
    const uint32_t w = truth_.write(client_id(s.src), b.key, id);
    write_of_[request] = w;
    texts_.emplace(w, VersionText{*b.value, *b.clock});
  }

  void on_deliver(const history::DeliverEvent& d) {
    const history::SendEvent* s = h_.find_send(d.id);
    if (s == nullptr || !s->body.in_reply_to) return;
    const Request request{d.dest, *s->body.in_reply_to};
    auto it = waiting_.find(request);
    if (it == waiting_.end() || !it->second) return;
    it->second = false;
    auto key = request_keys_.find(request);
    if (key == request_keys_.end()) return;
    const uint32_t client = client_id(d.dest);
    if (auto returned = returned_.find(d.id); returned != returned_.end()) {
      for (const VersionText& v : returned->second)
        truth_.observe(client, version_of(key->second, v));
      return;
    }
    if (s->body.type != MsgType::kGetOk || !s->body.values) return;
    for (const VersionText& v : *s->body.values) truth_.observe(client, version_of(key->second, v));
  }

  void on_apply(const history::ApplyEvent& a) {
    if (!a.client_write() || a.client.empty()) return;
    uint32_t w = Truth::kNone;
    if (a.msg == 0) {
      const uint32_t client = client_id(a.client);
      for (const VersionText& v : holding_[{a.node, a.key}]) {
        truth_.observe(client, version_of(a.key, v));
      }
      w = truth_.write(client, a.key, identity(a.version.value, a.version.clock, &a.version));
      texts_.emplace(w, a.version);
    } else if (const history::SendEvent* s = h_.find_send(a.msg); s && s->body.msg_id) {
      auto it = write_of_.find({s->src, *s->body.msg_id});
      if (it != write_of_.end()) w = it->second;
      if (w != Truth::kNone && server_side_) {
        truth_.alias(truth_.version_of_write(w),
                     identity(a.version.value, a.version.clock, &a.version));
        texts_.insert_or_assign(w, a.version);
      }
    }
    if (w != Truth::kNone &&
        (a.status == "written" || a.status == "conflict" || a.status == "resolved")) {
      truth_.accept(w);
    }
  }

  std::string writer(uint32_t version) const {
    return client_names_[truth_.write_at(truth_.first_write(version)).client];
  }
  const VersionText& text(uint32_t version) const { return texts_.at(truth_.first_write(version)); }

  std::string why_false(uint32_t x, uint32_t y) const {
    const Truth::Reason r = truth_.why_precedes(x, y);
    const std::string by = writer(y);
    const std::string before = " before writing " + text_of(text(y));
    if (r.via == Truth::kNone) return by + " had written it itself" + before;
    if (r.via == x) return by + " had read it" + before;
    return by + " had read " + text_of(text(r.via)) + ", which follows it," + before;
  }

  // Under lww, why write `w` (version text `v`) was lost: the held version
  // with the greatest timestamp beat it, and whether its writer had
  // observed that version (then it lost a causally later write, and the
  // nodes' clocks say why) or not (concurrent writes).
  std::string lost_by_timestamp(uint32_t w, const VersionText& v,
                                const std::vector<Truth::NodeHeld>& held,
                                const std::vector<std::vector<const VersionText*>>& held_text) {
    const VersionText* winner = nullptr;
    uint32_t winner_version = Truth::kNone;
    for (size_t i = 0; i < held.size(); ++i) {
      for (size_t j = 0; j < held[i].versions.size(); ++j) {
        if (winner == nullptr || h_.rules().supersedes(*held_text[i][j], *winner)) {
          winner = held_text[i][j];
          winner_version = held[i].versions[j];
        }
      }
    }
    if (winner == nullptr) return "no node holds it or a version that follows it";
    const std::string client = client_names_[truth_.write_at(w).client];
    std::string why = "it lost to " + text_of(*winner) + ", the greater timestamp";
    if (winner_version == Truth::kNone ||
        !truth_.precedes(winner_version, truth_.version_of_write(w))) {
      return why + "; " + client + " had not observed " + value_text(winner->value) +
             " (concurrent writes), and nothing told it its write lost";
    }
    why += ", although " + client + " had observed " + value_text(winner->value) +
           " before writing it";
    if (!h_.start || winner->dot.node == v.dot.node) return why;
    // The nodes' clocks when v was stamped (its timestamp less its node's
    // skew: drift aside).
    const size_t mine = v.dot.node, theirs = winner->dot.node;
    const int64_t skew = mine < h_.start->clocks.size() ? h_.start->clocks[mine].skew_us : 0;
    const int64_t ahead =
        h_.start->clock_ahead_us(theirs, mine, static_cast<int64_t>(v.dot.counter) - skew);
    if (ahead <= 0) return why;
    return why + ": " + node_name(theirs) + "'s clock ran " + format_time(ahead) + " ahead of " +
           node_name(mine) + "'s";
  }

  void count(const std::vector<const history::FinalEvent*>& finals, TruthLabels& labels) {
    // Keys in byte order.
    std::vector<std::string> keys;
    for (uint32_t k = 0; k < truth_.keys().size(); ++k) {
      keys.emplace_back(truth_.keys().key(k));
    }
    std::sort(keys.begin(), keys.end());
    Truth::Figures figures;
    std::vector<Truth::NodeHeld> held(finals.size());
    for (const std::string& key : keys) {
      std::vector<std::vector<const VersionText*>> held_text(finals.size());
      for (size_t i = 0; i < finals.size(); ++i) {
        held[i] = {static_cast<uint32_t>(i), finals[i]->live, {}};
        for (const auto& [k, versions] : finals[i]->store) {
          if (k != key) continue;
          for (const VersionText& v : versions) {
            held[i].versions.push_back(version_of(key, v));
            held_text[i].push_back(&v);
          }
        }
      }
      std::vector<Truth::FalseSibling> false_siblings;
      std::vector<uint32_t> lost;
      const uint32_t key_id = truth_.keys().find(key, stable_hash(key.data(), key.size()));
      truth_.count_key(key_id, held, figures, &false_siblings, &lost);
      for (const Truth::FalseSibling& f : false_siblings) {
        labels.false_siblings_found.push_back({key, finals[f.node]->node, text(f.version),
                                               text(f.above), why_false(f.version, f.above)});
      }
      for (uint32_t w : lost) {
        const VersionText& v = texts_.at(w);
        const std::string client = client_names_[truth_.write_at(w).client];
        std::string why = "no node holds it or a version that follows it";
        if (h_.rules().mechanism() == Mechanism::kLww)
          why = lost_by_timestamp(w, v, held, held_text);
        for (size_t i = 0; i < finals.size() && why.front() == 'n'; ++i) {
          for (size_t j = 0; j < held[i].versions.size(); ++j) {
            const uint32_t y = held[i].versions[j];
            if (y == Truth::kNone || compare(held_text[i][j]->clock, v.clock) != Order::kDominates)
              continue;
            const std::string by = writer(y);
            why = text_of(*held_text[i][j]) + " (" + by + "'s write) dominates its clock, but " +
                  by + " never observed it";
            break;
          }
        }
        labels.lost_updates_found.push_back({key, v, client, why});
      }
    }
    labels.true_siblings = figures.true_siblings;
    labels.false_siblings = figures.false_siblings;
    labels.lost_updates = figures.lost_updates;
  }

  const history::History& h_;
  Truth truth_{/*explain=*/true};
  std::map<std::string, uint32_t> clients_;
  std::vector<std::string> client_names_;
  std::map<Request, bool> waiting_;  // true while a request is unanswered
  std::set<Request> pending_;        // writes whose first send makes them
  std::map<Request, uint32_t> write_of_;
  std::map<Request, std::string> request_keys_;
  std::map<uint64_t, std::vector<VersionText>> returned_;  // by reply send id: return_body
  bool server_side_ = false;
  std::map<std::pair<std::string, std::string>, std::vector<VersionText>> holding_;
  std::map<uint32_t, VersionText> texts_;  // by write
};

}  // namespace

TruthLabels find_truth_labels(const history::History& history) {
  return Reader(history).read();
}

}  // namespace kv::viz
