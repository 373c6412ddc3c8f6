#include "viz/story.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "base/json_text.h"
#include "node/placement.h"
#include "viz/event_words.h"
#include "viz/text.h"
#include "viz/truth_labels.h"
#include "viz/write_fates.h"

namespace kv::viz {
namespace {

std::string list(const std::vector<const history::VersionText*>& versions) {
  std::string out;
  for (size_t i = 0; i < versions.size(); ++i) {
    out += (i == 0 ? "" : ", ") + version_words(*versions[i]);
  }
  return out;
}

std::string siblings_count(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " sibling" : " siblings");
}

std::string names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

// A client's request, for sentences about its timeouts and replies.
struct SentRequest {
  MsgType type = MsgType::kPut;  // kPut, kGet or kResolve
  const history::MessageBody* body = nullptr;
};

std::string request_text(const SentRequest& r) {
  const history::MessageBody& b = *r.body;
  std::string out(describe(r.type).noun);
  if (b.value && b.clock) out += " of " + readable(version_text(*b.value, *b.clock));
  if (r.type == MsgType::kGet) out += " of " + key_text(b.key);
  return out;
}

class Teller {
 public:
  explicit Teller(const history::History& h) : h_(h) {}
  // Reads the history once: every sentence below comes from this pass.
  void read();
  std::string tell(const std::string& run_end);
  // The story's sentences about events [first, last), "" where it has none.
  std::vector<StorySentence> by_event(size_t first, size_t last) const;

 private:
  void say(const std::string& key, const history::Event& e, const std::string& sentence) {
    keys_[key].push_back("t=" + format_time(e.t_us) + " " + sentence);
    said_.push_back({static_cast<size_t>(&e - h_.events.data()), key, sentence});
  }
  // The fault, timeout or give-up `e` in a sentence; "" for other events.
  std::string fault_sentence(const history::Event& e) const;
  void on_apply(const history::Event& e, const history::ApplyEvent& a);
  void on_deliver(const history::Event& e, const history::DeliverEvent& d);
  void on_request_sent(const history::Event& e, const history::OpEvent& op,
                       const history::MessageBody& body);
  void on_drop(const history::Event& e, const history::DropEvent& d);
  const SentRequest* request(const std::string& client, uint64_t msg_id) const {
    auto it = requests_.find({client, msg_id});
    return it == requests_.end() ? nullptr : &it->second;
  }
  std::string header() const;
  std::string faults() const;
  std::string endings();

  const history::History& h_;
  std::map<std::string, std::vector<std::string>> keys_;  // key -> sentences
  // (node, key) -> its siblings, as the last `siblings` line said.
  std::map<std::pair<std::string, std::string>, std::vector<history::VersionText>> current_;
  std::map<std::pair<std::string, uint64_t>, SentRequest> requests_;  // (client, msg_id)
  // `op` lines waiting for their request's first send, and when each read's
  // first reply reached its client; both by (client, msg_id).
  std::map<std::pair<std::string, uint64_t>, const history::OpEvent*> ops_;
  std::map<std::pair<std::string, uint64_t>, int64_t> read_at_;
  struct Said {
    size_t event;
    std::string key, sentence;
  };
  std::vector<Said> said_;
};

// Said only of operations that waited for their client, and of clock: auto
// writes: how the clock was built, from the `op` line and the clock sent.
void Teller::on_request_sent(const history::Event& e, const history::OpEvent& op,
                             const history::MessageBody& body) {
  const bool waited = op.due_us < e.t_us;
  if (!waited && !op.auto_read) return;
  std::string s =
      op.client + " sends " + request_text(SentRequest{body.type, &body}) + " to " + op.node;
  if (waited) s += " (due at " + format_time(op.due_us) + ", it waited for its previous request)";
  if (op.auto_read && op.auto_context && body.clock) {
    const std::vector<std::string> nodes = h_.nodes();
    const auto slot =
        static_cast<size_t>(std::find(nodes.begin(), nodes.end(), op.node) - nodes.begin());
    Clock context = Clock::zeros(nodes.size());
    context.merge(*op.auto_context);
    s += "; clock: auto from ";
    if (*op.auto_read == 0) {
      s += "nothing (" + op.client + " had not read " + key_text(op.key) + ")";
    } else {
      s += op.client + "'s read of " + key_text(op.key);
      auto at = read_at_.find({op.client, *op.auto_read});
      s += at != read_at_.end() ? " at " + format_time(at->second)
                                : " (msg_id " + std::to_string(*op.auto_read) + ")";
    }
    s += ": " + clock_text(context);
    const auto sent = body.clock->slots();
    const auto had = context.slots();
    if (slot < sent.size() && slot < had.size() && sent[slot] == had[slot] + 1) {
      s += " -> " + op.node + "'s slot +1";
    } else if (slot < sent.size() && slot < had.size() && sent[slot] == had[slot]) {
      s += " -> " + op.node + "'s slot at its maximum, not incremented";
    }
    s += " -> " + clock_text(*body.clock);
  }
  say(op.key, e, s);
}

void Teller::on_apply(const history::Event& e, const history::ApplyEvent& a) {
  const std::vector<history::VersionText>& before = current_[{a.node, a.key}];
  std::string s;
  const std::string v = version_words(a.version);
  if (a.client_write()) {
    const char* verb = a.result == ApplyResult::kStale       ? " rejected "
                       : a.result == ApplyResult::kRefused   ? " refused "
                       : a.result == ApplyResult::kDuplicate ? " already had "
                                                             : " accepted ";
    s = a.node + verb + std::string(op_name(a.op)) + " " + v + " from " + a.client;
  } else {
    s = a.node + " received " + v;
    const history::SendEvent* send = a.msg != 0 ? h_.find_send(a.msg) : nullptr;
    if (send != nullptr) s += " from " + send->src;
    if (a.op == WriteOp::kAntiEntropy) s += " by anti-entropy";
    // Under quorums a coordinator's read repair is a replicate (or, on the
    // coordinator itself, an apply with no message).
    const bool repairs = h_.start && h_.start->read_repair && h_.start->coordinator == "node";
    if (send != nullptr && send->body.type == MsgType::kStore && !send->body.hint.empty()) {
      s += " as a stand-in for " + send->body.hint +
           " (sloppy quorum: it keeps a hint to hand it "
           "back)";
    } else if (send != nullptr && send->body.type == MsgType::kHandoff) {
      s += ", handed off: " + send->src + " kept it for " + a.node + " while " + a.node +
           " was out of reach";
    } else if (repairs && a.op == WriteOp::kReplicate &&
               (send == nullptr || send->body.type == MsgType::kReplicate)) {
      s += " by read repair";
    }
  }
  s += ": ";
  if (a.result == ApplyResult::kDuplicate) {
    s += "a duplicate, nothing changes";
  } else if (a.result == ApplyResult::kRefused) {
    s += "the key already has " + siblings_count(a.siblings) +
         ", the most a client write may leave; read and resolve first";
  } else if (a.result == ApplyResult::kStale) {
    const history::VersionText* by = nullptr;
    for (const history::VersionText& b : before) {
      if (h_.rules().supersedes(b, a.version)) {
        by = &b;
        break;
      }
    }
    s += by != nullptr ? "stale, dominated by " + version_words(*by) : std::string("stale");
    s += ", nothing changes";
  } else {
    std::vector<const history::VersionText*> removed, kept;
    for (const history::VersionText& b : before) {
      (h_.rules().supersedes(a.version, b) ? removed : kept).push_back(&b);
    }
    if (before.empty()) {
      s += "the first version here";
    } else if (!removed.empty()) {
      s += (a.op == WriteOp::kResolve && removed.size() >= 2 ? "merges " : "supersedes ") +
           list(removed);
    }
    if (!kept.empty()) s += (removed.empty() ? "" : "; ") + ("concurrent with " + list(kept));
    s += " -> " + siblings_count(a.siblings);
  }
  if (a.client_write()) s += " (reply: " + a.status + ")";
  say(a.key, e, s);
}

void Teller::on_deliver(const history::Event& e, const history::DeliverEvent& d) {
  const history::SendEvent* send = h_.find_send(d.id);
  if (send == nullptr || send->body.type != MsgType::kGetOk || !send->body.in_reply_to) return;
  const SentRequest* r = request(d.dest, *send->body.in_reply_to);
  if (r == nullptr || r->type != MsgType::kGet) return;
  read_at_.emplace(std::make_pair(d.dest, *send->body.in_reply_to), e.t_us);
  std::string s = d.dest + " read " + key_text(r->body->key) + " from " + d.src + ": ";
  if (!send->body.values || send->body.values->empty()) {
    s += "nothing";
  } else {
    std::vector<const history::VersionText*> values;
    for (const history::VersionText& v : *send->body.values) values.push_back(&v);
    s += list(values);
    if (values.size() >= 2) s += " (" + siblings_count(values.size()) + ")";
  }
  say(r->body->key, e, s);
}

void Teller::on_drop(const history::Event& e, const history::DropEvent& d) {
  // Lost writes explain why replicas diverge and why clients retry.
  const history::SendEvent* send = h_.find_send(d.id);
  if (send == nullptr || send->body.key.empty() || !send->body.value || !send->body.clock) return;
  const std::string v = readable(version_text(*send->body.value, *send->body.clock));
  const MsgType type = send->body.type;
  // A message carrying a version: a client's write, or one to a replica.
  const Role role = role_of(type);
  if (role != Role::kClientRequest && role != Role::kWrite) return;
  say(send->body.key, e,
      d.src + "'s " + std::string(describe(type).noun) + " of " + v + " to " + d.dest +
          " is lost (" + d.reason + ")");
}

std::string Teller::header() const {
  std::string out;
  if (h_.start) {
    out += "Run \"" + h_.start->scenario + "\"";
    if (h_.start->seed) out += " (seed " + std::to_string(*h_.start->seed) + ")";
    std::string description = h_.start->description;
    while (!description.empty() && (description.back() == '\n' || description.back() == ' ')) {
      description.pop_back();
    }
    out += description.empty() ? "." : ": " + description;
    out += "\n";
  } else {
    out += "Run from " + h_.path + " (no start line).\n";
  }
  if (!h_.complete) out += h_.partial_note() + ".\n";
  out += "Nodes: " + names(h_.nodes()) + ".";
  const std::vector<std::string> clients = h_.clients();
  if (!clients.empty()) out += " Clients: " + names(clients) + ".";
  out += "\n";
  size_t sent = 0, delivered = 0, duplicated = 0, lost = 0;
  std::map<std::string, size_t> reasons;
  for (const history::Event& e : h_.events) {
    if (std::holds_alternative<history::SendEvent>(e.data)) ++sent;
    if (std::holds_alternative<history::DeliverEvent>(e.data)) ++delivered;
    if (std::holds_alternative<history::DuplicateEvent>(e.data)) ++duplicated;
    if (const auto* d = std::get_if<history::DropEvent>(&e.data)) {
      ++lost;
      ++reasons[d->reason];
    }
  }
  out += "Messages: " + std::to_string(sent) + " sent, " + std::to_string(delivered) +
         " deliveries, " + std::to_string(lost) + " lost";
  if (!reasons.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [reason, n] : reasons) {
      out += (first ? "" : ", ") + reason + " " + std::to_string(n);
      first = false;
    }
    out += ")";
  }
  out += ", " + std::to_string(duplicated) + " duplicated.\n";
  return out;
}

std::string Teller::faults() const {
  std::string out;
  for (const history::Event& e : h_.events) {
    const std::string s = fault_sentence(e);
    if (!s.empty()) out += "  t=" + format_time(e.t_us) + " " + s + "\n";
  }
  return out.empty() ? "" : "Faults and timeouts:\n" + out;
}

std::string Teller::fault_sentence(const history::Event& e) const {
  std::string s;
  if (const auto* f = std::get_if<history::FaultEvent>(&e.data)) {
    switch (f->kind) {
      case history::FaultEvent::Kind::kPartition:
        if (!f->groups.empty()) {
          s = "partition:";
          std::set<std::string> listed;
          for (size_t g = 0; g < f->groups.size(); ++g) {
            s += (g == 0 ? " " : " | ") + names(f->groups[g]);
            listed.insert(f->groups[g].begin(), f->groups[g].end());
          }
          std::vector<std::string> rest;
          for (const std::string& n : h_.nodes()) {
            if (listed.count(n) == 0) rest.push_back(n);
          }
          if (!rest.empty()) s += " | " + names(rest);
        } else if (!f->ring.empty()) {
          const size_t reach = f->ring_reach();
          s = "partition on the ring " + names(f->ring) + ": each node keeps its links to the " +
              std::to_string(reach) + " nearest on each side";
        } else {
          s = "one-way partition: " + names(f->from) + " cannot reach " + names(f->to);
        }
        if (!f->shape.empty() && f->shape != "groups" && f->shape != "one-way" &&
            f->shape != "majorities-ring") {
          s += " (" + f->shape + ")";
        }
        break;
      case history::FaultEvent::Kind::kHeal:
        s = "the network heals";
        break;
      case history::FaultEvent::Kind::kCrash:
        s = f->node + " crashes" + (f->amnesia ? " and loses its store" : "");
        break;
      case history::FaultEvent::Kind::kRestart:
        s = f->node + " restarts";
        break;
    }
  } else if (const auto* t = std::get_if<history::TimeoutEvent>(&e.data)) {
    const SentRequest* r = request(t->client, t->msg_id);
    s = t->client + "'s " + (r != nullptr ? request_text(*r) : "request") + " (msg_id " +
        std::to_string(t->msg_id) + ") got no reply in time; retry " + std::to_string(t->attempt) +
        " goes to " + t->node;
  } else if (const auto* g = std::get_if<history::GiveUpEvent>(&e.data)) {
    const SentRequest* r = request(g->client, g->msg_id);
    if (!g->node.empty()) {
      s = g->client + "'s colocated put on " + g->node + " is not made: " + g->node + " is " +
          (g->reason == "crashed" ? "down" : g->reason);
    } else {
      s = g->client + " gives up on its " + (r != nullptr ? request_text(*r) : "request") +
          " (msg_id " + std::to_string(g->msg_id) + ")";
    }
  }
  return s;
}

std::string Teller::endings() {
  // Per key, the live nodes grouped by the set of versions they hold (the
  // order of siblings does not matter for convergence); groups in the order
  // of their first node in the `final` lines.
  struct Group {
    std::string canonical;  // sorted version texts
    std::string text;       // as the group's first node lists them
    std::vector<std::string> nodes;
  };
  std::map<std::string, std::vector<Group>> live;
  std::map<std::string, std::vector<std::string>> down;  // key -> "n2 (down) holds ..."
  // Under quorums a key is judged on its preference list; the other nodes'
  // copies (a stand-in's after its handoff) are listed apart.
  std::map<std::string, std::vector<std::string>> outside;
  std::optional<Placement> placement;
  if (h_.start && h_.start->replicas) {
    placement = Placement::ring(h_.start->nodes, *h_.start->replicas);
  }
  auto replica_of = [&](const std::string& key, const std::string& node) {
    if (!placement) return true;
    const auto& nodes = h_.start->nodes;
    const auto it = std::find(nodes.begin(), nodes.end(), node);
    return it == nodes.end() || placement->holds(key, static_cast<Endpoint>(it - nodes.begin()));
  };
  std::vector<const history::FinalEvent*> finals;
  for (const history::Event& e : h_.events) {
    if (const auto* f = std::get_if<history::FinalEvent>(&e.data)) finals.push_back(f);
  }
  if (finals.empty()) return "";
  std::set<std::string> all_keys;
  for (const auto& [key, sentences] : keys_) all_keys.insert(key);
  for (const history::FinalEvent* f : finals) {
    for (const auto& [key, versions] : f->store) all_keys.insert(key);
  }
  for (const history::FinalEvent* f : finals) {
    for (const std::string& key : all_keys) {
      std::vector<const history::VersionText*> held;
      for (const auto& [k, versions] : f->store) {
        if (k != key) continue;
        for (const history::VersionText& v : versions) held.push_back(&v);
      }
      const std::string text = held.empty() ? "nothing" : list(held);
      if (!replica_of(key, f->node)) {
        if (!held.empty()) outside[key].push_back(f->node + " holds " + text);
        continue;
      }
      if (!f->live) {
        if (!held.empty()) down[key].push_back(f->node + " (down) holds " + text);
        continue;
      }
      std::vector<std::string> sorted;
      for (const history::VersionText* v : held) sorted.push_back(version_words(*v));
      std::sort(sorted.begin(), sorted.end());
      std::string canonical;
      for (const std::string& v : sorted) canonical += v + "\n";
      std::vector<Group>& groups = live[key];
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const Group& g) { return g.canonical == canonical; });
      if (it == groups.end()) {
        groups.push_back(Group{canonical, text, {f->node}});
      } else {
        it->nodes.push_back(f->node);
      }
    }
  }
  // Lost and unavailable writes, by the definition the pictures and the
  // run's checks use (viz/write_fates.h).
  const WriteFates fates = find_write_fates(h_);
  std::map<std::string, std::vector<const WriteFate*>> fates_by_key;
  for (const WriteFate& f : fates.writes) fates_by_key[f.key].push_back(&f);
  // False siblings and lost updates, against what the clients had observed
  // (viz/truth_labels.h).
  const TruthLabels truth = find_truth_labels(h_);
  std::map<std::string, std::vector<std::string>> truth_by_key;
  for (const FalseSiblingLabel& f : truth.false_siblings_found) {
    truth_by_key[f.key].push_back("FALSE SIBLING on " + f.node + ": " + version_words(f.version) +
                                  " is still held beside " + version_words(f.above) + " although " +
                                  f.why);
  }
  for (const LostUpdateLabel& l : truth.lost_updates_found) {
    truth_by_key[l.key].push_back("LOST UPDATE: " + version_words(l.version) + " (" + l.client +
                                  "'s write, accepted): no held version follows it; " + l.why);
  }
  std::string out;
  for (const std::string& key : all_keys) {
    std::string s;
    const std::vector<Group>& groups = live[key];
    for (const Group& g : groups) {
      s += (s.empty() ? "" : "; ") + names(g.nodes) + (g.nodes.size() == 1 ? " holds " : " hold ") +
           g.text;
    }
    for (const std::string& d : down[key]) s += (s.empty() ? "" : "; ") + d;
    if (!groups.empty()) s += groups.size() == 1 ? " (converged)" : " (not converged)";
    if (placement) {
      std::string replicas;
      for (const Endpoint e : placement->replicas_of(key)) {
        replicas += (replicas.empty() ? "" : " ") + h_.start->nodes[e];
      }
      s = "its replicas " + replicas + ": " + s;
      std::string others;
      for (const std::string& o : outside[key]) others += (others.empty() ? "" : "; ") + o;
      if (!others.empty()) s += "; not among its replicas: " + others;
    }
    if (s.empty()) s = "no node holds anything (no node is live)";
    out += "  " + key_text(key) + ": " + s + "\n";
    for (const WriteFate* f : fates_by_key[key]) {
      out += std::string("    ") + (f->kind == WriteFate::Kind::kLost ? "LOST" : "UNAVAILABLE") +
             ": " + version_words(f->version) + ", accepted by " + f->node +
             " at t=" + format_time(f->t_us) + " (" + f->client + "'s write): " + fate_reason(*f) +
             "\n";
    }
    for (const std::string& t : truth_by_key[key]) out += "    " + t + "\n";
  }
  out += "Writes lost: " + std::to_string(fates.lost) +
         " (no node holds them, live or down); unavailable: " + std::to_string(fates.unavailable) +
         " (only nodes that are down hold them).\n";
  out += "Against what the clients had observed: " + std::to_string(truth.true_siblings) +
         " true sibling(s), " + std::to_string(truth.false_siblings) +
         " false sibling(s) (held beside a version that follows them), " +
         std::to_string(truth.lost_updates) +
         " lost update(s) (accepted, and followed by nothing held).\n";
  return "At the end:\n" + out;
}

void Teller::read() {
  for (const history::Event& e : h_.events) {
    if (const auto* s = std::get_if<history::SendEvent>(&e.data)) {
      const MsgType t = s->body.type;
      if (is_client_request(t) && s->body.msg_id) {
        const auto id = std::make_pair(s->src, *s->body.msg_id);
        const bool first = requests_.emplace(id, SentRequest{t, &s->body}).second;
        auto op = ops_.find(id);
        if (first && op != ops_.end()) on_request_sent(e, *op->second, s->body);
        if (op != ops_.end()) ops_.erase(op);
      }
    } else if (const auto* op = std::get_if<history::OpEvent>(&e.data)) {
      ops_[{op->client, op->msg_id}] = op;
    } else if (const auto* a = std::get_if<history::ApplyEvent>(&e.data)) {
      on_apply(e, *a);
    } else if (const auto* sib = std::get_if<history::SiblingsEvent>(&e.data)) {
      current_[{sib->node, sib->key}] = sib->siblings;
    } else if (const auto* d = std::get_if<history::DeliverEvent>(&e.data)) {
      on_deliver(e, *d);
    } else if (const auto* dr = std::get_if<history::DropEvent>(&e.data)) {
      on_drop(e, *dr);
    }
  }
}

std::vector<StorySentence> Teller::by_event(size_t first, size_t last) const {
  last = std::min(last, h_.events.size());
  std::vector<StorySentence> out(first < last ? last - first : 0);
  for (const Said& s : said_) {
    if (s.event < first || s.event >= last) continue;
    out[s.event - first].key = s.key;
    out[s.event - first].text = s.sentence;
  }
  for (size_t i = first; i < last; ++i) {
    if (out[i - first].text.empty()) out[i - first].text = fault_sentence(h_.events[i]);
  }
  return out;
}

std::string Teller::tell(const std::string& run_end) {
  std::string out = header();
  const std::string f = faults();
  if (!f.empty()) out += "\n" + f;
  for (const auto& [key, sentences] : keys_) {
    out += "\nKey " + key_text(key) + ":\n";
    for (const std::string& s : sentences) out += "  " + s + "\n";
  }
  if (keys_.empty()) out += "\nNo client wrote anything.\n";
  const std::string end = endings();
  out += "\n" + (end.empty() ? "The history has no final state (the run was cut short).\n" : end);
  if (!run_end.empty()) {
    std::string sentence = run_end;
    sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
    out += sentence + ".\n";
  }
  return out;
}

}  // namespace

std::string tell_story(const history::History& history, const std::string& run_end) {
  Teller teller(history);
  teller.read();
  return teller.tell(run_end);
}

std::vector<StorySentence> story_sentences(const history::History& history, size_t first,
                                           size_t last) {
  Teller teller(history);
  teller.read();
  return teller.by_event(first, last);
}

}  // namespace kv::viz
