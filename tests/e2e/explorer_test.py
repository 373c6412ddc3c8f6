#!/usr/bin/python3
"""The explorer page (index.html) driven in a real browser: Debian's
chromium through Selenium (chromium-driver, python3-selenium), headless,
started and stopped here. A missing browser, driver or Selenium fails this
test: it is never skipped.

What it checks, each against the history as this file's own code reads it
(a few dozen lines of Python below; nothing is taken from the page's
data or from kvsim's code):
- partition-heal at 5 instants (1ms, 9ms, 70ms, 408ms, 550ms), reached by
  typing the time into "go to time": each node's store (values and clocks),
  whether it is up or DOWN, whom a partition cuts it off from, and the ids
  of the messages in flight;
- the slider and the keyboard: End, Home, Right, "next fault" (F), each
  showing the history line the history says;
- a click on a version: the versions marked before / after / concurrent,
  who holds it since when, and its causal past in the causal graph's SVG;
- "why concurrent?" for v2@[0,1,0] and v1@[1,0,0]: the slots where each is
  ahead, slot by slot;
- stale-write.yaml's rejected write: the held version that dominated it,
  slot by slot;
- filtered views: a key filter on partition-shapes (only that key's rows;
  stepping visits only its events), a node filter, a client filter;
- no request to the network (the DevTools performance log holds only the
  page's own file), and the page still works with the network switched off;
- words: no raw JSON or field names in the checks and figures, the legends
  fit the page at 1280 px (no sideways scrolling of the page), large type;
- a run that ends with work under way (tests/data/outlasting-workload.yaml):
  summary.json's run_end recounted from the history (operations never
  sent, requests in flight, writes in flight, nodes down), and the page,
  the story and the failing converged check saying it.

    explorer_test.py KVSIM SCENARIOS TESTDATA [--screenshots DIR]
"""
import json
import pathlib
import re
import sys
import tempfile
import time
import subprocess

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "lib"))
import chromium  # noqa: E402
from checklib import check, finish, writes_in_flight  # noqa: E402

# ---- the history, read here ------------------------------------------------


def read_history(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def padded(clock, n):
    return list(clock) + [0] * (n - len(clock))


def shown_value(value):
    """How the page writes a value: a string of plain characters that does
    not read as a number or literal, without quotes; else its JSON."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_+\-.:/]+", value) and \
            not re.match(r"[0-9+\-]", value) and value not in ("true", "false", "null"):
        return value
    return json.dumps(value)


def state_at(history, upto_line):
    """Stores, nodes down, cut links and messages in flight after line
    `upto_line` (1-based), replayed from the lines alone."""
    nodes = history[0]["nodes"]
    stores = {n: {} for n in nodes}
    down, cut, flight = set(), set(), {}
    for number, e in enumerate(history, start=1):
        if number > upto_line:
            break
        kind = e["kind"]
        if kind == "siblings":
            if e["siblings"]:
                stores[e["node"]][e["key"]] = [(shown_value(v["value"]), padded(v["clock"], len(nodes)))
                                               for v in e["siblings"]]
            else:
                stores[e["node"]].pop(e["key"], None)
        elif kind == "send":
            flight[e["id"]] = 1
        elif kind == "duplicate":
            flight[e["id"]] += 1
        elif kind in ("deliver", "drop"):
            flight[e["id"]] -= 1
            if flight[e["id"]] == 0:
                del flight[e["id"]]
        elif kind == "fault":
            f = e["fault"]
            if f == "crash":
                down.add(e["node"])
            elif f == "restart":
                down.discard(e["node"])
            elif f == "heal":
                cut = set()
            elif f == "partition" and "groups" in e:
                groups = [set(g) for g in e["groups"]]
                rest = set(nodes) - set().union(*groups)
                if rest:
                    groups.append(rest)
                side = {n: i for i, g in enumerate(groups) for n in g}
                cut |= {(a, b) for a in nodes for b in nodes if side[a] != side[b]}
    return stores, down, cut, set(flight)


def last_line_at(history, t_us):
    line = 1
    for number, e in enumerate(history, start=1):
        if e["t"] <= t_us:
            line = number
    return line


def event_key(history, number, request_keys):
    e = history[number - 1]
    if "key" in e:
        return e["key"]
    sends = {x["id"]: x for x in history if x["kind"] == "send"}
    send = e if e["kind"] == "send" else sends.get(e.get("id"))
    if send is None:
        return None
    body = send["body"]
    if "key" in body:
        return body["key"]
    return request_keys.get((send["dest"], body.get("in_reply_to")))


# ---- the page ----------------------------------------------------------------

def shown_stores(driver):
    """What the page shows: node -> (up, {key: [(value, clock)]}, cut text)."""
    return driver.execute_script("""
        const out = {};
        for (const card of document.querySelectorAll('#nodes .node')) {
          const keys = {};
          for (const row of card.querySelectorAll('tr[data-key]')) {
            keys[row.dataset.key] = Array.from(row.querySelectorAll('.chip')).map((c) =>
              [c.querySelector('.value').textContent, c.querySelector('.clock').textContent]);
          }
          const cut = card.querySelector('.cutoff');
          out[card.dataset.node] = [card.querySelector('.status').textContent, keys,
                                    cut ? cut.textContent : ''];
        }
        return out;""")


def goto_time(driver, text):
    from selenium.webdriver.common.keys import Keys
    box = driver.find_element("id", "goto")
    box.clear()
    box.send_keys(text + Keys.ENTER)
    time.sleep(0.05)


def position_line(driver):
    m = re.search(r"history line #(\d+)", driver.find_element("id", "position").text)
    return int(m.group(1)) if m else None


def open_page(browser, page):
    d = browser.driver
    d.get(page.as_uri())
    start = time.time()
    while d.execute_script("return document.body.dataset.ready || ''") != "true":
        if time.time() - start > 60:
            return False
        time.sleep(0.05)
    return True


def run(kvsim, scenario, out, *args):
    return subprocess.run([kvsim, "run", str(scenario), "--out", str(out), "--quiet", *args],
                          capture_output=True, text=True, timeout=600)


# ---- the checks ----------------------------------------------------------------

def check_instants(browser, history):
    d = browser.driver
    nodes = history[0]["nodes"]
    for text, us in (("1ms", 1000), ("9ms", 9000), ("70ms", 70000), ("408ms", 408000),
                     ("550ms", 550000)):
        goto_time(d, text)
        line = last_line_at(history, us)
        check(f"go to {text}: the page shows line #{line}", position_line(d) == line,
              d.find_element("id", "position").text)
        stores, down, cut, flight = state_at(history, line)
        shown = shown_stores(d)
        check(f"{text}: a card per node", sorted(shown) == sorted(nodes), shown.keys())
        for n in nodes:
            status, keys, cut_text = shown.get(n, ("?", {}, ""))
            check(f"{text}: {n} is {'DOWN' if n in down else 'up'}",
                  status == ("DOWN" if n in down else "up"), status)
            expected = {k: [[v, "[" + ",".join(map(str, c)) + "]"] for v, c in vs]
                        for k, vs in stores[n].items()}
            check(f"{text}: {n}'s store", keys == expected, f"shown {keys}, history {expected}")
            others = sorted({b for a, b in cut if a == n})
            want = "partition: cut off from " + ", ".join(others) if others else ""
            check(f"{text}: {n}'s cut", cut_text == want, f"shown {cut_text!r}, want {want!r}")
        ids = set(d.execute_script(
            "return Array.from(document.querySelectorAll('#flight tr[data-message]'))"
            ".map((r) => Number(r.dataset.message))"))
        check(f"{text}: messages in flight", ids == flight, f"shown {sorted(ids)}, history {sorted(flight)}")


def check_moving(browser, history):
    from selenium.webdriver.common.keys import Keys
    d = browser.driver
    body = d.find_element("tag name", "body")
    body.send_keys(Keys.END)
    check("End shows the last line", position_line(d) == len(history), position_line(d))
    body.send_keys(Keys.HOME)
    check("Home shows the first line", position_line(d) == 1, position_line(d))
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    check("Right twice shows line 3", position_line(d) == 3, position_line(d))
    faults = [i for i, e in enumerate(history, start=1) if e["kind"] == "fault" and i > 3]
    body.send_keys("f")
    check("F goes to the next fault", position_line(d) == faults[0], (position_line(d), faults))
    d.execute_script("const s = document.getElementById('slider'); s.value = 99;"
                     "s.dispatchEvent(new Event('input'));")
    check("the slider at event 100 shows line 100", position_line(d) == 100, position_line(d))
    check("the current event is told in words",
          len(d.find_element("id", "now-text").text) > 10, d.find_element("id", "now-text").text)


def check_versions(browser, history):
    d = browser.driver
    goto_time(d, "300ms")
    line = last_line_at(history, 300000)
    d.execute_script("document.querySelector('#nodes .node[data-node=\"n2\"] .chip').click()")
    chips = d.execute_script("""return Array.from(document.querySelectorAll('#nodes .chip')).map((c) =>
        [c.closest('.node').dataset.node, c.querySelector('.value').textContent, c.className,
         (c.querySelector('.rel') || {}).textContent || '']);""")
    first_n2 = state_at(history, line)[0]["n2"]["x"][0][0]
    for node, value, cls, rel in chips:
        if value == first_n2:
            check(f"{node}'s {value} is the chosen version", "selected" in cls, cls)
        else:
            check(f"{node}'s {value} is marked concurrent, in words too",
                  "concurrent" in cls and rel == "concurrent", (cls, rel))
    # Who holds v2 and since when: the first siblings line of each node
    # holding it, from the history.
    since = {}
    for number, e in enumerate(history, start=1):
        if number > line:
            break
        if e["kind"] == "siblings" and any(v["value"] == first_n2 for v in e["siblings"]):
            since.setdefault(e["node"], e["t"])
    holders = d.execute_script(
        "return Array.from(document.querySelectorAll('#version-panel .holders li')).map((l) => l.textContent)")
    for node, t in since.items():
        want = f"{node} holds it since {fmt_time(t)}"
        check(f"who holds {first_n2}: {want}", want in holders, holders)
    # The resolve: v1 and v2 are in its causal past, in the list and in the
    # causal graph's SVG.
    goto_time(d, "450ms")
    d.execute_script("window.kvsimExplorer.clearSelection();"
                     "document.querySelector('#nodes .node[data-node=\"n1\"] .chip').click()")
    past = d.execute_script(
        "return document.querySelector('#version-panel .rel-before').textContent")
    check("the resolve's causal past is v2 and v1",
          "v2 @ [0,1,0]" in past and "v1 @ [1,0,0]" in past, past)
    graph = d.execute_script("""return Array.from(document.querySelectorAll('#siblings svg g.kv-past'))
        .map((g) => g.textContent.replace(/\\s+/g, ' '))""")
    check("the causal graph marks v1 and v2 as its past", len(graph) == 2 and
          any("v1 @ [1,0,0]" in g for g in graph) and any("v2 @ [0,1,0]" in g for g in graph), graph)
    d.execute_script("document.querySelector('#version-panel button').click()")


def fmt_time(us):
    """base/time_text.h's format, written here from its definition."""
    if us < 1000:
        return f"{us}us"
    for scale, unit in ((1000000, "s"), (1000, "ms")):
        if us >= scale or unit == "ms":
            whole, frac = divmod(us, scale)
            text = str(whole)
            if frac:
                text += "." + f"{frac:0{len(str(scale)) - 1}d}".rstrip("0")
            return text + unit
    return ""


def slot_rows(driver):
    return driver.execute_script("""return Array.from(document.querySelectorAll('#why-panel tr[data-slot]'))
        .map((r) => Array.from(r.cells).map((c) => c.textContent))""")


def check_why_concurrent(browser):
    d = browser.driver
    goto_time(d, "300ms")
    d.execute_script("""const chips = document.querySelectorAll('#nodes .node[data-node="n1"] .chip');
        const byValue = (v) => Array.from(chips).find((c) => c.querySelector('.value').textContent === v);
        byValue('v2').click();""")
    d.execute_script("""const chips = document.querySelectorAll('#nodes .node[data-node="n1"] .chip');
        Array.from(chips).find((c) => c.querySelector('.value').textContent === 'v1').click();""")
    panel = d.find_element("id", "why-panel")
    check("why concurrent? is shown for v2 and v1", panel.is_displayed() and
          panel.get_attribute("data-verdict") == "concurrent", panel.get_attribute("data-verdict"))
    # A = v2 [0,1,0], B = v1 [1,0,0]: B ahead at n1, A at n2, n3 equal.
    want = [["n1", "0", "1", "B"], ["n2", "1", "0", "A"], ["n3", "0", "0", "equal"]]
    check("why concurrent?: slot by slot", slot_rows(d) == want, slot_rows(d))
    check("why concurrent?: each is ahead somewhere, in words",
          "A is ahead in n2 and B is ahead in n1" in panel.text, panel.text)


def check_stale(browser, tmp, kvsim, scenarios):
    d = browser.driver
    out = tmp / "stale"
    r = run(kvsim, scenarios / "stale-write.yaml", out)
    check("stale-write runs", r.returncode == 0, r.stderr)
    history = read_history(out / "history.jsonl")
    stale = [(i, e) for i, e in enumerate(history, start=1) if e["kind"] == "apply" and e["result"] == "stale"]
    check("stale-write has a stale apply", bool(stale))
    if not stale or not open_page(browser, out / "index.html"):
        check("stale-write's page opens", False)
        return
    line, apply = stale[0]
    held = state_at(history, line - 1)[0][apply["node"]][apply["key"]]
    incoming = padded(apply["clock"], len(history[0]["nodes"]))
    dominating = [c for _, c in held if all(a >= b for a, b in zip(c, incoming)) and c != incoming]
    d.execute_script(f"window.kvsimExplorer.moveTo(window.kvsimExplorer.run.indexOfLine({line}))")
    panel = d.find_element("id", "why-panel")
    check("a stale write: why rejected? is shown", panel.is_displayed() and
          panel.get_attribute("data-verdict") == "stale", panel.get_attribute("data-verdict"))
    nodes = history[0]["nodes"]
    want = [[n, str(h), str(i), "held" if h > i else "incoming" if i > h else "equal"]
            for n, h, i in zip(nodes, dominating[0], incoming)] if dominating else None
    check("why rejected?: the held clock against the incoming one, slot by slot",
          slot_rows(d) == want, (slot_rows(d), want))


def check_filters(browser, history_heal, tmp, kvsim, scenarios):
    d = browser.driver
    out = tmp / "shapes"
    run(kvsim, scenarios / "partition-shapes.yaml", out)
    history = read_history(out / "history.jsonl")
    if not open_page(browser, out / "index.html"):
        check("partition-shapes' page opens", False)
        return
    request_keys = {}
    for e in history:
        if e["kind"] == "send" and "msg_id" in e["body"] and "key" in e["body"]:
            request_keys[(e["src"], e["body"]["msg_id"])] = e["body"]["key"]
    d.execute_script("const s = document.getElementById('filter-key');"
                     "s.value = Array.from(s.options).find((o) => o.text === 'k3').value;"
                     "s.dispatchEvent(new Event('change'));")
    goto_time(d, "1s")
    rows = d.execute_script("return Array.from(document.querySelectorAll('#nodes tr[data-key]')).map((r) => r.dataset.key)")
    check("key filter k3: only k3's rows", rows and set(rows) == {"k3"}, rows)
    d.execute_script("window.kvsimExplorer.moveTo(0)")
    visited = []
    for _ in range(6):
        d.execute_script("document.getElementById('next').click()")
        visited.append(position_line(d))
    keys = [event_key(history, line, request_keys) for line in visited]
    check("key filter k3: next visits only k3's events", all(k == "k3" for k in keys), list(zip(visited, keys)))
    d.execute_script("const s = document.getElementById('filter-key'); s.value = '';"
                     "s.dispatchEvent(new Event('change'));"
                     "const n = document.getElementById('filter-node'); n.value = 'n2';"
                     "n.dispatchEvent(new Event('change'));")
    cards = d.execute_script("return Array.from(document.querySelectorAll('#nodes .node')).map((c) => c.dataset.node)")
    check("node filter n2: only n2's card", cards == ["n2"], cards)
    ends = d.execute_script("return Array.from(document.querySelectorAll('#flight tr[data-message]'))"
                            ".map((r) => r.cells[1].textContent)")
    check("node filter n2: only n2's messages in flight", all("n2" in e.split(" \u2192 ") for e in ends), ends)
    d.execute_script("const n = document.getElementById('filter-node'); n.value = '';"
                     "n.dispatchEvent(new Event('change'));"
                     "const c = document.getElementById('filter-client'); c.value = 'c2';"
                     "c.dispatchEvent(new Event('change')); window.kvsimExplorer.moveTo(0);")
    visited = []
    for _ in range(6):
        d.execute_script("document.getElementById('next').click()")
        visited.append(position_line(d))
    sends = {e["id"]: e for e in history if e["kind"] == "send"}

    def names_c2(e):
        send = e if e["kind"] == "send" else sends.get(e.get("id")) if e["kind"] in ("deliver", "drop", "duplicate") else None
        return e.get("client") == "c2" or (send is not None and "c2" in (send["src"], send["dest"]))
    check("client filter c2: next visits only c2's events",
          all(names_c2(history[line - 1]) for line in visited), visited)


def check_words(browser):
    d = browser.driver
    text = d.execute_script("return document.getElementById('checks').innerText")
    for raw in ("holds: true", "messages_sent", "dropped_crashed", "client_ops_unsent", '{"', "null"):
        check(f"no raw {raw!r} on the page's checks and figures", raw not in text)
    wide = d.execute_script("return document.documentElement.scrollWidth")
    check("nothing makes the page wider than the 1280 px window", wide <= 1280, wide)
    legends = d.execute_script("""return Array.from(document.querySelectorAll('.pic-legend'))
        .map((l) => l.getBoundingClientRect().right)""")
    check("the legends fit at 1280 px", legends and all(r <= 1280 for r in legends), legends)
    size = lambda: d.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    before = size()
    d.find_element("tag name", "body").send_keys("l")
    check("L switches to large type", size() >= 1.4 * before, (before, size()))
    wide = d.execute_script("return document.documentElement.scrollWidth")
    check("large type still fits the 1280 px window", wide <= 1280, wide)
    d.find_element("tag name", "body").send_keys("l")


def network_requests(urls, page):
    """Requests that leave the machine or read another file: anything but
    the page itself and the browser's own chrome:, data:, blob: and about:
    resources."""
    return [u for u in urls if u != page.as_uri() and
            not u.startswith(("chrome:", "data:", "blob:", "about:", "chrome-extension:"))]


def check_network(browser, page):
    requests = browser.requests()
    check("the page was loaded", page.as_uri() in requests, requests)
    check("the page made no request to the network nor for another file",
          not network_requests(requests, page), requests)
    d = browser.driver
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.emulateNetworkConditions",
                      {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    ok = open_page(browser, page)
    goto_time(d, "70ms")
    shown = shown_stores(d)
    check("with the network off the page still opens and shows the stores",
          ok and len(shown.get("n1", ("", {}))[1].get("x", [])) == 2, shown)
    d.execute_cdp_cmd("Network.emulateNetworkConditions",
                      {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    requests = browser.requests()
    check("no request with the network off either", not network_requests(requests, page), requests)


def check_run_end(browser, tmp, kvsim, testdata):
    out = tmp / "outlasting"
    r = run(kvsim, testdata / "outlasting-workload.yaml", out, "--seed", "2")
    history = read_history(out / "history.jsonl")
    summary = json.load(open(out / "summary.json"))
    end = summary.get("run_end", {})
    # Recount from the history.
    ops = sum(1 for e in history if e["kind"] == "op")
    replied, given_up = set(), {(e["client"], e["msg_id"]) for e in history if e["kind"] == "give_up"}
    sends = {}
    for e in history:
        if e["kind"] == "send":
            sends[e["id"]] = e
        elif e["kind"] == "deliver" and "in_reply_to" in sends[e["id"]]["body"]:
            replied.add((sends[e["id"]]["dest"], sends[e["id"]]["body"]["in_reply_to"]))
    in_flight = sum(1 for e in history if e["kind"] == "op"
                    and (e["client"], e["msg_id"]) not in replied | given_up)
    writes = writes_in_flight(history)
    check("run_end: operations never sent = 400 - op lines", end.get("ops_unsent") == 400 - ops,
          (end, ops))
    check("run_end: requests in flight recounted", end.get("requests_in_flight") == in_flight, (end, in_flight))
    check("run_end: writes in flight recounted", end.get("writes_in_flight") == writes, (end, writes))
    sentence = end.get("sentence", "")
    check("run_end: it ended early and says so", end.get("early") is True and
          f"{400 - ops} operations never sent" in sentence and "outlasts run_until = 10s" in sentence, end)
    converged = summary["checks"]["converged"]
    check("the failing converged check mentions it", not converged["holds"] and sentence in converged["detail"],
          converged)
    check("kvsim run prints it beside the verdicts", "note: " + sentence in r.stderr, r.stderr[-800:])
    told = sentence[:1].upper() + sentence[1:]
    check("the story ends with it", told in open(out / "story.txt").read())
    if open_page(browser, out / "index.html"):
        shown = browser.driver.find_element("id", "run-end").text
        check("the page says it at the top", told in shown, shown)


def screenshots(browser, folder, page):
    d = browser.driver
    folder.mkdir(parents=True, exist_ok=True)
    open_page(browser, page)
    goto_time(d, "70ms")
    d.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    d.save_screenshot(str(folder / "explorer-siblings.png"))
    d.execute_script("""const chips = document.querySelectorAll('#nodes .node[data-node="n1"] .chip');
        document.activeElement.blur(); chips[1].click(); chips[0].click(); window.scrollTo(0, document.getElementById('explorer').offsetTop)""")
    d.save_screenshot(str(folder / "explorer-why-concurrent.png"))
    d.execute_script("window.kvsimExplorer.clearSelection()")
    goto_time(d, "20ms")
    d.execute_script("document.activeElement.blur(); document.getElementById('spacetime').scrollIntoView()")
    d.save_screenshot(str(folder / "explorer-spacetime.png"))


def main():
    kvsim, scenarios, testdata = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    shots = pathlib.Path(sys.argv[sys.argv.index("--screenshots") + 1]) if "--screenshots" in sys.argv else None
    try:
        browser = chromium.Browser(1280, 1000)
    except chromium.BrowserMissing as e:
        print(f"FAIL: no browser to test the page in: {e}")
        sys.exit(1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            out = tmp / "partition-heal"
            r = run(kvsim, scenarios / "partition-heal.yaml", out)
            check("partition-heal runs", r.returncode == 0, r.stderr)
            history = read_history(out / "history.jsonl")
            page = out / "index.html"
            browser.requests()
            check("the explorer starts", open_page(browser, page))
            check("no error in the browser's console", not browser.console_errors(), browser.console_errors())
            check_network(browser, page)
            open_page(browser, page)
            check_instants(browser, history)
            check_moving(browser, history)
            check_versions(browser, history)
            check_why_concurrent(browser)
            check_words(browser)
            check_stale(browser, tmp, kvsim, scenarios)
            check_filters(browser, history, tmp, kvsim, scenarios)
            check_run_end(browser, tmp, kvsim, testdata)
            check("no error in the browser's console at the end", not browser.console_errors(),
                  browser.console_errors())
            if shots:
                screenshots(browser, shots, page)
    finally:
        browser.stop()
    finish()


if __name__ == "__main__":
    main()
