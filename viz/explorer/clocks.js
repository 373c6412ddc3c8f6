// Versions and their clocks: how two versions of a key are ordered (the
// store's rule: compare the clocks slot by slot, zero-padded), the
// slot-by-slot comparison the "why?" panels show, and who holds a version
// at an instant and since when.
//
// A dominates B when A's clock is >= B's in every slot and > in at least
// one: B is in A's causal past. Equal clocks with the same value are the
// same version; equal clocks with different values, or clocks where each is
// ahead somewhere, are concurrent: the store keeps both as siblings.

// 'same', 'before' (a is in b's past), 'after' (a dominates b) or
// 'concurrent'.
function relation(a, b) {
  if (a.index === b.index) return 'same';
  if (a.key !== b.key) return 'unrelated';
  let aAhead = false, bAhead = false;
  const n = Math.max(a.clock.length, b.clock.length);
  for (let i = 0; i < n; i++) {
    const x = a.clock[i] || 0, y = b.clock[i] || 0;
    if (x > y) aAhead = true;
    if (y > x) bAhead = true;
  }
  if (aAhead && !bAhead) return 'after';
  if (bAhead && !aAhead) return 'before';
  return 'concurrent';
}

function clockText(clock) { return '[' + clock.join(',') + ']'; }
function versionText(v) { return v.value + ' @ ' + clockText(v.clock); }

// The rows of a slot-by-slot comparison of `a` and `b`, and what they add
// up to, in words. Slot i is node i's counter.
function compareSlots(run, a, b) {
  const n = Math.max(a.clock.length, b.clock.length);
  const rows = [];
  const aheadA = [], aheadB = [];
  for (let i = 0; i < n; i++) {
    const x = a.clock[i] || 0, y = b.clock[i] || 0;
    const slot = run.nodes[i] || ('slot ' + (i + 1));
    const ahead = x > y ? 'a' : y > x ? 'b' : '';
    if (ahead === 'a') aheadA.push(slot);
    if (ahead === 'b') aheadB.push(slot);
    rows.push({ slot, a: x, b: y, ahead });
  }
  const list = (names) => names.join(', ');
  let verdict, conclusion;
  if (aheadA.length && aheadB.length) {
    verdict = 'concurrent';
    conclusion = 'A is ahead in ' + list(aheadA) + ' and B is ahead in ' + list(aheadB) +
      ': neither clock dominates the other, so the writes are concurrent and a node that ' +
      'holds both keeps them as siblings.';
  } else if (aheadA.length) {
    verdict = 'after';
    conclusion = 'A is at least B in every slot and ahead in ' + list(aheadA) +
      ': A dominates B, so B is in A\'s causal past and a store holding A drops B.';
  } else if (aheadB.length) {
    verdict = 'before';
    conclusion = 'B is at least A in every slot and ahead in ' + list(aheadB) +
      ': B dominates A, so A is in B\'s causal past and a store holding B drops A.';
  } else if (a.value === b.value) {
    verdict = 'same';
    conclusion = 'The clocks are equal and so are the values: one version.';
  } else {
    verdict = 'concurrent';
    conclusion = 'The clocks are equal in every slot but the values differ: neither ' +
      'dominates, so they are concurrent (equal clocks never decide between two values).';
  }
  return { rows, verdict, conclusion };
}

// A table element of a comparison, with the slots where one side is ahead
// marked by a bold cell and a "◀" (not by colour alone).
function comparisonTable(run, a, b, labelA, labelB) {
  const cmp = compareSlots(run, a, b);
  const table = document.createElement('table');
  table.className = 'slots';
  const head = table.insertRow();
  for (const text of ['slot (node)', labelA, labelB, 'who is ahead']) {
    const th = document.createElement('th');
    th.textContent = text;
    head.appendChild(th);
  }
  for (const r of cmp.rows) {
    const tr = table.insertRow();
    tr.dataset.slot = r.slot;
    tr.insertCell().textContent = r.slot;
    const ca = tr.insertCell(), cb = tr.insertCell();
    ca.textContent = r.a;
    cb.textContent = r.b;
    ca.className = 'num' + (r.ahead === 'a' ? ' ahead' : '');
    cb.className = 'num' + (r.ahead === 'b' ? ' ahead' : '');
    tr.insertCell().textContent = r.ahead === 'a' ? labelA : r.ahead === 'b' ? labelB : 'equal';
  }
  return { table, cmp };
}

// Who holds version `v` after event `upto`, and since when: per node, the
// time it entered the node's siblings and stayed (or when it left, and
// what replaced it). Scans the window's `siblings` lines.
function holders(run, v, upto) {
  const result = [];
  const init = run.initial;
  for (let n = 0; n < run.nodes.length; n++) {
    const held = init.stores[n].get(v.key);
    result.push({ node: run.nodes[n], since: held && held.indexOf(v.index) >= 0 ? 'before' : null,
                  until: null, replacedBy: null });
  }
  for (let i = 0; i <= upto && i < run.events.length; i++) {
    const e = run.events[i];
    if (e.kind !== 'siblings' || e.key !== v.key) continue;
    const r = result[e.node];
    const has = e.versions.indexOf(v.index) >= 0;
    if (has && (r.since === null || r.until !== null)) {
      r.since = e.t;
      r.until = null;
      r.replacedBy = null;
    } else if (!has && r.since !== null && r.until === null) {
      r.until = e.t;
      r.replacedBy = e.versions.map((x) => run.versions[x]);
    }
  }
  return result;
}

// The sentence for one node of holders().
function holderSentence(h) {
  if (h.since === null) return h.node + ' has never held it';
  const since = h.since === 'before' ? 'from before this page\'s first line' : 'since ' + formatTime(h.since);
  if (h.until === null) return h.node + ' holds it ' + since;
  const what = h.replacedBy.length === 0 ? 'it lost the key (amnesia)'
    : 'replaced by ' + h.replacedBy.map(versionText).join(', ');
  return h.node + ' held it ' + (h.since === 'before' ? since : 'from ' + formatTime(h.since)) +
    ' until ' + formatTime(h.until) + ': ' + what;
}

// For a stale write (an apply whose result is "stale"): the version the
// node held just before that dominates the incoming one.
function staleDominator(run, e) {
  const before = run.stateAfter(e.index - 1);
  const held = before.stores[e.node].get(e.key) || [];
  const incoming = run.versions[e.version];
  for (const x of held) {
    if (relation(run.versions[x], incoming) === 'after') return run.versions[x];
  }
  return null;
}
