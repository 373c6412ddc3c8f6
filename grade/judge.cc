#include "grade/judge.h"

#include <algorithm>
#include <utility>

#include "base/json_text.h"
#include "base/limits.h"
#include "grade/explain.h"

namespace kv::grade {

namespace {

using Loose = nlohmann::json;  // replies: objects compared whatever their key order

constexpr uint64_t kTwoTo53 = uint64_t{1} << 53;

// Parses a line the program or the reference wrote; discarded on failure
// (and refused unread when nested past the protocol's limit).
Loose parse_loose(std::string_view text) {
  if (json::nesting_depth(text, kMaxNestingDepth) > kMaxNestingDepth)
    return Loose::value_t::discarded;
  return Loose::parse(text, nullptr, /*allow_exceptions=*/false);
}

// The order a program that ignores missing slots would find: slots compared
// only as far as the shorter clock goes.
Order compare_truncated(const Clock& a, const Clock& b) {
  bool a_ahead = false, b_ahead = false;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    a_ahead |= a.at(i) > b.at(i);
    b_ahead |= b.at(i) > a.at(i);
  }
  if (a_ahead && b_ahead) return Order::kConcurrent;
  if (a_ahead) return Order::kDominates;
  if (b_ahead) return Order::kDominated;
  return Order::kEqual;
}

Case write_case(const std::vector<HeldVersion>& before, const Clock& c, const std::string& value,
                bool& padded) {
  padded = false;
  for (const HeldVersion& v : before) {
    padded |= v.clock.size() != c.size() && compare(c, v.clock) != compare_truncated(c, v.clock);
  }
  auto any = [&](auto pred) { return std::any_of(before.begin(), before.end(), pred); };
  if (any([&](const HeldVersion& v) { return compare(v.clock, c) == Order::kDominates; })) {
    return Case::kStale;
  }
  if (any([&](const HeldVersion& v) {
        return v.value == value && compare(v.clock, c) == Order::kEqual;
      })) {
    return Case::kDuplicate;
  }
  if (any([&](const HeldVersion& v) { return compare(v.clock, c) == Order::kEqual; })) {
    return Case::kEqualClock;
  }
  if (before.empty()) return Case::kEmpty;
  if (!any([&](const HeldVersion& v) { return compare(c, v.clock) != Order::kDominates; })) {
    return Case::kOverwrite;
  }
  return Case::kConcurrent;
}

// A read's values as sorted {value, clock} pairs; with `trim`, clocks without
// their trailing zeros (equal under padding).
std::vector<std::pair<Loose, Loose>> value_set(const Loose& values, bool trim) {
  std::vector<std::pair<Loose, Loose>> set;
  if (!values.is_array()) return set;
  for (const Loose& v : values) {
    if (!v.is_object()) {
      set.emplace_back(v, Loose());
      continue;
    }
    Loose clock = v.contains("clock") ? v["clock"] : Loose();
    if (trim && clock.is_array()) {
      while (!clock.empty() && clock.back().is_number() && clock.back() == 0)
        clock.erase(clock.size() - 1);
    }
    set.emplace_back(v.contains("value") ? v["value"] : Loose(), std::move(clock));
  }
  std::sort(set.begin(), set.end());
  return set;
}

const Loose& field(const Loose& body, const char* name) {
  static const Loose kNull;
  if (!body.is_object()) return kNull;
  auto it = body.find(name);
  return it == body.end() ? kNull : *it;
}

}  // namespace

Situation situation_before(const std::string& line, size_t index, const Node& reference) {
  Situation s;
  s.index = index;
  s.line = line;
  s.initialized = reference.initialized();
  if (json::nesting_depth(line, kMaxNestingDepth) > kMaxNestingDepth) return s;
  const json::Json message = json::Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return s;
  s.json = true;
  if (!message.is_object() || !message.contains("body") || !message["body"].is_object()) return s;
  const json::Json& body = message["body"];
  auto get = [&](const char* name) -> const json::Json* {
    auto it = body.find(name);
    return it == body.end() ? nullptr : &*it;
  };
  if (auto* t = get("type"); t && t->is_string()) s.type = t->get<std::string>();
  if (auto* m = get("msg_id"); m && (m->is_number_integer() || m->is_number_unsigned())) {
    s.msg_id = json::dump(*m);
  }
  if (auto* k = get("key"); k && k->is_string()) s.key = k->get<std::string>();
  if (auto* v = get("value")) s.value = json::dump(*v);
  if (auto* c = get("clock"); c && c->is_array()) {
    std::vector<uint64_t> slots;
    bool all_unsigned = true;
    for (const json::Json& e : *c) {
      if (e.is_number_unsigned()) {
        slots.push_back(e.get<uint64_t>());
        s.big_number |= slots.back() > kTwoTo53;
      } else {
        all_unsigned = false;
        s.past_uint64 |= e.is_number_float() && e.get<double>() >= 18446744073709551616.0;
      }
    }
    if (all_unsigned) s.clock = std::move(slots);
  }
  const bool store_request = s.type == "kv_put" || s.type == "kv_resolve" || s.type == "kv_get";
  if (s.initialized && s.key && store_request) {
    for (const VersionPtr& v : reference.get(*s.key)) s.before.push_back({v->value, v->clock});
  }
  if (s.initialized && s.key && s.clock && get("value") && s.type != "kv_get" && store_request) {
    s.write_case = write_case(s.before, Clock(*s.clock), s.value, s.padded);
  }
  return s;
}

void settle(Situation& s, std::string_view expected_reply) {
  while (!expected_reply.empty() && expected_reply.back() == '\n') expected_reply.remove_suffix(1);
  s.expected = std::string(expected_reply);
  if (s.expected.empty()) {
    s.rule = Rule::kChoices;
    s.choice = Choice::kNoReplyLine;
    return;
  }
  const Loose reply = parse_loose(s.expected);
  const Loose& body = field(reply, "body");
  const std::string type =
      field(body, "type").is_string() ? field(body, "type").get<std::string>() : "";
  auto choose = [&](Choice c) {
    s.rule = Rule::kChoices;
    s.choice = c;
  };
  if (type == "error") {
    const Loose& code = field(body, "code");
    if (code == 11) return choose(Choice::kBeforeInit);
    if (code == 14) return choose(Choice::kSiblingBound);
    if (s.past_uint64) return choose(Choice::kBigNumber);
    s.rule = Rule::kErrors;
    return;
  }
  if (type == "init_ok") {
    s.rule = Rule::kProtocol;
    return;
  }
  if (type == "kv_get_ok") {
    s.rule = Rule::kReads;
    return;
  }
  if (s.big_number) return choose(Choice::kBigNumber);
  const bool resolving = s.type == "kv_resolve";
  switch (s.write_case) {
    case Case::kStale:
      s.rule = Rule::kStaleWrites;
      return;
    case Case::kDuplicate:
      return choose(Choice::kDuplicate);
    case Case::kEqualClock:
      s.rule = Rule::kEqualClocks;
      return;
    case Case::kEmpty:
    case Case::kOverwrite:
      s.rule = resolving ? Rule::kResolves : Rule::kWrites;
      return;
    case Case::kConcurrent:
    case Case::kNone:
      s.rule = resolving ? Rule::kResolves : Rule::kConflicts;
      return;
  }
}

bool failing(const Difference& d, bool strict) {
  return d.rule != Rule::kChoices || strict;
}

bool answers_another(const Situation& s, std::string_view got) {
  const Loose reply = parse_loose(got);
  if (!field(reply, "body").is_object()) return false;  // not a reply at all: judged as such
  const Loose& in_reply_to = field(field(reply, "body"), "in_reply_to");
  return s.msg_id.empty() || in_reply_to != Loose::parse(s.msg_id);
}

Rule failure_rule(const Situation& s, bool unanswerable_since_last_reply) {
  if (unanswerable_since_last_reply || s.rule == Rule::kErrors) return Rule::kErrors;
  if (s.rule == Rule::kChoices) return Rule::kErrors;  // no line may stop the program
  return s.rule;
}

std::string describe(const Situation& s) {
  if (!s.json) return "a line that is not JSON";
  if (s.type.empty()) return "a message without a type";
  std::string text = s.type;
  if (s.key) text += " " + value_text(json::dump(json::Json(*s.key)));
  if (!s.value.empty() && s.type != "kv_get") text += " " + value_text(s.value);
  if (s.clock) text += " " + clock_text(Clock(*s.clock));
  return text;
}

void judge_reply(const Situation& s, std::string_view got, SessionJudging& judging,
                 std::vector<Difference>& out) {
  auto difference = [&](Rule rule, std::string what, std::string why) {
    Difference d;
    d.rule = rule;
    if (rule == Rule::kChoices) d.choice = s.choice;
    d.what = std::move(what);
    d.request = s.index;
    d.expected = s.expected;
    d.got = std::string(got);
    d.why = std::move(why);
    d.padded = s.padded;
    return d;
  };
  RuleScore& protocol = judging.score[static_cast<size_t>(Rule::kProtocol)];
  ++protocol.judged;
  const Loose reply = parse_loose(got);
  const Loose expected = parse_loose(s.expected);
  const Loose& gb = field(reply, "body");
  const Loose& eb = field(expected, "body");
  if (reply.is_discarded() || !gb.is_object()) {
    ++protocol.wrong;
    out.push_back(difference(
        Rule::kProtocol, reply.is_discarded() ? "not JSON" : "no body",
        std::string(reply.is_discarded() ? "the program wrote a line that is not JSON"
                                         : "the program wrote a line without a \"body\" object") +
            " where the reply to request " + std::to_string(s.index + 1) + " (" + describe(s) +
            ") belongs: stdout carries replies only, one JSON message a line (print "
            "anything else on stderr)"));
    return;
  }
  const Loose& got_type = field(gb, "type");
  const Loose& exp_type = field(eb, "type");
  const bool got_error = got_type == "error";
  const bool exp_error = exp_type == "error";
  if (got_error == exp_error && got_type != exp_type) {
    ++protocol.wrong;
    out.push_back(difference(
        Rule::kProtocol, "type",
        "the reply to " + s.type + " has type " + exp_type.dump() + "; got " + got_type.dump()));
    return;
  }
  if (field(gb, "in_reply_to") != field(eb, "in_reply_to")) {
    ++protocol.wrong;
    out.push_back(
        difference(Rule::kProtocol, "in_reply_to",
                   "a reply names the request it answers: expected in_reply_to " +
                       field(eb, "in_reply_to").dump() + " (the request's msg_id); got " +
                       (field(gb, "in_reply_to").is_null() ? std::string("none")
                                                           : field(gb, "in_reply_to").dump())));
    return;
  }

  // The content, under the request's rule.
  Rule rule = s.rule;
  std::optional<Choice> choice = s.choice;
  if (rule == Rule::kReads && s.key && judging.big_keys.count(*s.key)) {
    rule = Rule::kChoices;
    choice = Choice::kBigNumber;
  }
  const bool about_store = rule != Rule::kErrors && rule != Rule::kProtocol;
  if (about_store && s.key && judging.set_aside.count(*s.key)) return;  // not judged
  RuleScore& score = choice ? judging.choices[static_cast<size_t>(*choice)]
                            : judging.score[static_cast<size_t>(rule)];
  if (rule != Rule::kProtocol) ++score.judged;  // init_ok: its type was all there was
  // A difference under the request's rule. Under a choice, the program may
  // now hold something else for the key: it is set aside.
  auto differ = [&](std::string what, std::string why) {
    ++score.wrong;
    Difference d = difference(rule, std::move(what), std::move(why));
    d.choice = choice;
    if (choice) {
      d.why = explain_choice(s, *choice) + ": " + d.why;
      if (s.key) judging.set_aside.insert(*s.key);
    }
    out.push_back(std::move(d));
  };
  // A difference in a detail that is kvsim's choice, the rest being right.
  auto differ_in_choice = [&](Choice c, std::string what, std::string why) {
    RuleScore& counts = judging.choices[static_cast<size_t>(c)];
    ++counts.judged;
    if (why.empty()) return;
    ++counts.wrong;
    Difference d = difference(Rule::kChoices, std::move(what), explain_choice(s, c) + ": " + why);
    d.choice = c;
    out.push_back(std::move(d));
  };
  // "expected status conflict with 2 siblings; got written"
  const std::string expected_says = summarize(eb);
  std::string got_says = summarize(gb);
  if (expected_says.rfind("status ", 0) == 0 && got_says.rfind("status ", 0) == 0) {
    got_says.erase(0, 7);
  }
  const std::string outcome = "expected " + expected_says + "; got " + got_says;
  if (exp_error && !got_error) {
    differ("served", rule == Rule::kErrors ? explain_unservable(s, eb) + ": " + outcome : outcome);
  } else if (!exp_error && got_error) {
    differ("type",
           (s.type == "kv_get" ? explain_read(s, field(eb, "values"), Loose()) : explain_write(s)) +
               ": " + outcome);
  } else if (exp_error) {
    const bool same = field(gb, "code") == field(eb, "code");
    differ_in_choice(Choice::kErrorCode, "code", same ? "" : outcome);
  } else if (exp_type == "kv_get_ok") {
    const Loose& ev = field(eb, "values");
    const Loose& gv = field(gb, "values");
    if (value_set(ev, /*trim=*/true) != value_set(gv, true)) {
      differ("values", explain_read(s, ev, gv));
    } else {
      const bool same = value_set(ev, false) == value_set(gv, false);
      differ_in_choice(Choice::kClockLength, "clock length",
                       same ? "" : "expected " + ev.dump() + "; got " + gv.dump());
    }
  } else if (exp_type == "kv_put_ok" || exp_type == "kv_resolve_ok") {
    if (field(gb, "status") != field(eb, "status")) {
      differ("status", explain_write(s) + ": " + outcome);
    } else if (field(eb, "status") == "conflict" &&
               field(gb, "siblings") != field(eb, "siblings")) {
      differ("siblings", explain_write(s) + ": " + outcome);
    }
  }
  if (s.big_number && s.key && !exp_error && field(eb, "status") != "rejected") {
    judging.big_keys.insert(*s.key);
  }
  const bool failed = !out.empty() && failing(out.back(), judging.strict);
  if (judging.exact && !failed && got != s.expected) {
    ++judging.score[static_cast<size_t>(Rule::kExact)].wrong;
    out.push_back(difference(Rule::kExact, "bytes",
                             "--exact: the reply byte for byte as kvsim node writes it"));
  }
  if (judging.exact) ++judging.score[static_cast<size_t>(Rule::kExact)].judged;
}

}  // namespace kv::grade
