#include "grade/grader.h"

#include <deque>
#include <memory>
#include <utility>

#include "grade/explain.h"
#include "grade/process.h"
#include "grade/shrink.h"
#include "node/protocol.h"

namespace kv::grade {

namespace {

// How long a program that closed its stdout may take to exit before it is
// killed (its exit status is part of the report).
constexpr int64_t kExitWaitUs = 500'000;

std::string seconds_text(int64_t us) {
  if (us % 1'000'000 == 0) return std::to_string(us / 1'000'000) + "s";
  return std::to_string(us / 1000) + "ms";
}

void add(Score& into, const Score& from) {
  for (size_t r = 0; r < kRuleCount; ++r) {
    into[r].judged += from[r].judged;
    into[r].wrong += from[r].wrong;
  }
}
void add(ChoiceCounts& into, const ChoiceCounts& from) {
  for (size_t c = 0; c < kChoiceCount; ++c) {
    into[c].judged += from[c].judged;
    into[c].wrong += from[c].wrong;
  }
}

}  // namespace

Result<SessionRun> run_session(const GradeOptions& options, const Session& session) {
  SessionRun run;
  run.judging.strict = options.strict;
  run.judging.exact = options.exact;
  Result<std::unique_ptr<Process>> started = Process::start(options.command);
  if (!started.ok()) return started.status();
  Process& program = **started;
  LineServer reference;
  std::deque<Situation> unanswered;  // lines sent since the last reply that get none
  size_t replies = 0;

  // The program stopped answering `s`: silent past the timeout, or gone.
  auto stopped = [&](const Situation& s, bool silent, const std::string& how) {
    Difference d;
    d.rule = failure_rule(s, /*unanswerable_since_last_reply=*/!unanswered.empty());
    RuleScore& score = run.judging.score[static_cast<size_t>(d.rule)];
    ++score.judged;
    ++score.wrong;
    d.what = silent ? "no reply" : "exited";
    d.request = s.index;
    d.expected = s.expected;
    d.why = how;
    const nlohmann::json expected = nlohmann::json::parse(s.expected, nullptr, false);
    if (expected.is_object() && expected.contains("body") && expected["body"].is_object() &&
        expected["body"].value("type", "") == "error") {
      d.why += "; kvsim answers it with " + summarize(expected["body"]) + " and goes on";
    }
    if (!unanswered.empty()) {
      d.why += " (after " + std::to_string(unanswered.size()) +
               (unanswered.size() == 1 ? " line" : " lines") +
               " that get no reply: a program must survive any line)";
    }
    if (silent && replies == 0) {
      d.why +=
          "; is each reply flushed as it is written? (Python: print(..., flush=True); C: "
          "fflush(stdout); Java: System.out.flush(); Go, Rust: flush the buffered writer)";
    }
    d.stderr_tail = program.stderr_tail();
    run.differences.push_back(std::move(d));
    run.failed = true;
    run.silent = silent;
    run.stopped = true;
  };

  for (size_t i = 0; i < session.lines.size(); ++i) {
    const std::string& line = session.lines[i];
    Situation s = situation_before(line, i, reference.node());
    std::string expected, diagnostics;
    reference.handle_line(line, i + 1, expected, diagnostics);
    if (i < session.expected.size()) expected = session.expected[i];
    settle(s, expected);
    const int64_t deadline = Process::now_us() + options.timeout_us;
    if (!program.send(line, deadline)) {
      // It no longer reads: gone, or not reading for a whole timeout.
      const std::string how = program.wait_exit(kExitWaitUs);
      stopped(s, false,
              "the program " + how + " before reading request " + std::to_string(i + 1) + " (" +
                  describe(s) + ")");
      break;
    }
    if (s.expected.empty()) {
      unanswered.push_back(std::move(s));
      continue;
    }
    // The reply to s. After lines that get no reply, a line that answers
    // something else may be the program's reply to one of them: it is, if
    // another line follows before the deadline; else it is its (wrong)
    // reply to s.
    std::string got, next;
    bool held = false;  // `got` was read ahead of its judging
    for (bool done = false; !done;) {
      const Process::Read read = held ? Process::Read::kLine : program.read_line(got, deadline);
      held = false;
      if (read == Process::Read::kTimeout) {
        stopped(s, true,
                "no reply within " + seconds_text(options.timeout_us) + " to request " +
                    std::to_string(i + 1) + " (" + describe(s) + ")");
        break;
      }
      if (read == Process::Read::kClosed) {
        const std::string how = program.wait_exit(kExitWaitUs);
        stopped(s, false,
                "the program " + how + " before answering request " + std::to_string(i + 1) + " (" +
                    describe(s) + ")");
        break;
      }
      if (!unanswered.empty() && answers_another(s, got) &&
          program.read_line(next, deadline) == Process::Read::kLine) {
        // A reply to a line kvsim leaves unanswered: counted, not judged.
        const Situation& u = unanswered.front();
        auto& counts = run.judging.choices[static_cast<size_t>(Choice::kNoReplyLine)];
        ++counts.judged;
        ++counts.wrong;
        Difference d;
        d.rule = Rule::kChoices;
        d.choice = Choice::kNoReplyLine;
        d.what = "reply";
        d.request = u.index;
        d.got = got;
        d.why = "kvsim's own choice where the task is silent (" +
                std::string(choice_info(Choice::kNoReplyLine).words) +
                "): expected no reply to request " + std::to_string(u.index + 1) + " (" +
                describe(u) + "); got one";
        run.differences.push_back(std::move(d));
        unanswered.pop_front();
        got.swap(next);
        held = true;
        if (failing(run.differences.back(), options.strict)) break;
        continue;
      }
      judge_reply(s, got, run.judging, run.differences);
      ++replies;
      done = true;
      // A line that is not a reply: nothing after it can be trusted.
      run.stopped |= !run.differences.empty() && run.differences.back().what == "not JSON";
    }
    if (run.stopped) {
      run.failed = true;
      break;
    }
    run.judging.choices[static_cast<size_t>(Choice::kNoReplyLine)].judged += unanswered.size();
    unanswered.clear();
    if (!run.differences.empty() && failing(run.differences.back(), options.strict)) {
      run.failed = true;
      break;
    }
  }
  program.stop();
  return run;
}

Result<Report> grade(const GradeOptions& options,
                     const std::function<void(const Report&)>& progress) {
  Report report;
  report.options = options;
  const int64_t start = Process::now_us();

  // Keeps what a session's run adds to the report; false when grading stops.
  auto take = [&](const Session& session, const SessionRun& run) {
    add(report.score, run.judging.score);
    add(report.choices, run.judging.choices);
    for (const Difference& d : run.differences) {
      if (d.rule != Rule::kChoices || !d.choice) continue;
      bool seen = false;
      for (const auto& [name, e] : report.choice_examples) seen |= e.choice == d.choice;
      if (seen) continue;
      report.choice_examples.emplace_back(session.name, d);
      report.choice_example_lines.emplace_back(session.lines.begin(),
                                               session.lines.begin() + d.request + 1);
    }
    if (run.failed && !report.first) {
      FirstDifference first;
      first.session = session;
      first.difference = run.differences.back();
      report.first = std::move(first);
    }
  };

  for (const Session& sample : samples()) {
    Result<SessionRun> run = run_session(options, sample);
    if (!run.ok()) return run.status();
    report.sample_names.push_back(sample.name);
    report.sample_passed.push_back(!run->failed);
    take(sample, *run);
    if (run->stopped) {
      report.stopped = sample.name + ": " + run->differences.back().why + "; nothing more was run";
      break;
    }
  }
  for (uint64_t i = 1; i <= options.sessions && report.stopped.empty(); ++i) {
    const Session session = generate_session(options.seed, i);
    Result<SessionRun> run = run_session(options, session);
    if (!run.ok()) return run.status();
    ++report.sessions_run;
    if (!run->failed) ++report.sessions_passed;
    take(session, *run);
    if (run->silent) {
      report.stopped = session.name +
                       ": a reply was missing past the timeout, and every "
                       "session would wait as long";
    } else if (run->failed && options.fail_fast) {
      report.stopped = session.name + ": --fail-fast stops at the first failing session";
    }
    if (progress) {
      report.seconds = static_cast<double>(Process::now_us() - start) / 1e6;
      progress(report);
    }
  }
  report.seconds = static_cast<double>(Process::now_us() - start) / 1e6;

  if (report.first) {
    FirstDifference& first = *report.first;
    first.shrunk = first.session;
    first.shrunk_difference = first.difference;
    // A program gone silent would cost a timeout per candidate: the session
    // is cut after the request it did not answer instead.
    if (first.difference.what == "no reply") {
      first.shrunk.lines.resize(first.difference.request + 1);
      first.shrunk.expected.clear();
    } else if (options.shrink) {
      const int64_t shrink_start = Process::now_us();
      Shrunk shrunk = shrink_session(options, first.session, first.difference);
      first.shrunk = std::move(shrunk.session);
      first.shrunk_difference = std::move(shrunk.difference);
      first.shrink_runs = shrunk.runs;
      first.shrunk_ok = true;
      first.shrink_seconds = static_cast<double>(Process::now_us() - shrink_start) / 1e6;
    }
  }
  return report;
}

}  // namespace kv::grade
