// Drawing the state at the chosen instant: the current event, each node's
// store (siblings per key with their clocks), whether it is up, the links
// cut and the messages in flight, the events around the instant, and the
// panels about a chosen version ("who holds it", "why concurrent?", "why
// rejected?"). Everything is written with textContent: no text from the
// run is ever read as HTML.

const MAX_KEYS_SHOWN = 40;
const MAX_FLIGHT_SHOWN = 30;
const LOG_BEFORE = 6, LOG_AFTER = 8;

const TYPE_WORDS = {
  kv_put: 'put', kv_get: 'get', kv_resolve: 'resolve', kv_put_ok: 'reply to a put',
  kv_get_ok: 'reply to a get', kv_resolve_ok: 'reply to a resolve', error: 'error reply',
  replicate: 'replicate', ae_digest: 'anti-entropy digest', ae_diff: 'anti-entropy diff',
  ae_push: 'anti-entropy push',
};
const REL_WORDS = { before: 'before', after: 'after', concurrent: 'concurrent' };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class View {
  constructor(run, ui) {
    this.run = run;
    this.ui = ui;  // the controller: selection, filters, moveTo()
  }

  render(cursor) {
    const run = this.run;
    const e = run.events[cursor];
    const state = run.stateAfter(cursor);
    this.renderNow(e, cursor);
    this.renderNodes(state, e);
    this.renderNetwork(state);
    this.renderLog(cursor);
    this.renderVersionPanel(cursor);
    this.renderWhy(e, cursor);
  }

  renderNow(e, cursor) {
    const run = this.run;
    document.getElementById('clock').textContent = 't = ' + formatTime(e.t);
    document.getElementById('position').textContent = 'event ' + (cursor + 1) + ' of ' +
      run.events.length + ' \u00b7 history line #' + e.line;
    document.getElementById('now-kind').textContent = e.kind.replace('_', ' ');
    document.getElementById('now-key').textContent = e.key >= 0 ? 'key ' + run.keys[e.key] : '';
    let text = e.text;
    if (cursor === run.events.length - 1 && run.window.complete && run.runEnd) {
      text += '. ' + run.runEnd.charAt(0).toUpperCase() + run.runEnd.slice(1);
    }
    document.getElementById('now-text').textContent = text;
    const slider = document.getElementById('slider');
    if (Number(slider.value) !== cursor) slider.value = cursor;
  }

  chip(v, changed) {
    const ui = this.ui;
    const chip = el('button', 'chip');
    chip.type = 'button';
    chip.dataset.version = v.index;
    chip.dataset.value = v.value;
    chip.dataset.clock = v.clock.join(',');
    chip.appendChild(el('span', 'value', v.value));
    chip.appendChild(el('span', 'at', '@'));
    chip.appendChild(el('span', 'clock', clockText(v.clock)));
    if (changed) chip.classList.add('changed');
    const a = ui.selected !== null ? this.run.versions[ui.selected] : null;
    if (a) {
      let label = '';
      if (v.index === ui.selected) {
        chip.classList.add('selected');
        label = ui.pair !== null ? 'A' : 'chosen';
      } else if (v.index === ui.pair) {
        chip.classList.add('pair');
        label = 'B \u00b7 ';
      }
      const rel = relation(v, a);
      if (REL_WORDS[rel]) {
        chip.classList.add(rel === 'before' ? 'past' : rel === 'after' ? 'future' : 'concurrent');
        label += REL_WORDS[rel];
      }
      if (label) chip.appendChild(el('span', 'rel', label));
    }
    chip.title = 'click: who holds it, what it dominates; click a second version of the key to compare clocks';
    chip.addEventListener('click', () => ui.clickVersion(v.index));
    return chip;
  }

  renderNodes(state, e) {
    const run = this.run, ui = this.ui;
    const box = document.getElementById('nodes');
    box.textContent = '';
    const changedNode = e.kind === 'siblings' ? e.node : -1;
    for (let n = 0; n < run.nodes.length; n++) {
      if (ui.filter.node !== null && ui.filter.node !== run.nodes[n]) continue;
      const down = state.down.has(n);
      const card = el('div', 'node' + (down ? ' down' : ''));
      card.dataset.node = run.nodes[n];
      const h = el('h3');
      h.appendChild(el('span', 'name', run.nodes[n]));
      h.appendChild(el('span', 'status ' + (down ? 'down' : 'up'), down ? 'DOWN' : 'up'));
      card.appendChild(h);
      const cutText = this.cutText(state, n);
      if (cutText) card.appendChild(el('div', 'cutoff', cutText));
      const store = state.stores[n];
      let keys = Array.from(store.keys());
      if (ui.filter.key !== null) keys = keys.filter((k) => k === ui.filter.key);
      keys.sort((a, b) => naturalCompare(run.keys[a], run.keys[b]));
      if (keys.length === 0) {
        card.appendChild(el('div', 'empty', ui.filter.key !== null ? 'nothing for this key' : 'empty store'));
      } else {
        const table = el('table', 'store');
        for (const k of keys.slice(0, MAX_KEYS_SHOWN)) {
          const tr = table.insertRow();
          tr.dataset.key = run.keys[k];
          tr.insertCell().textContent = run.keys[k];
          tr.cells[0].className = 'key';
          const cell = tr.insertCell();
          const versions = store.get(k);
          for (const x of versions) cell.appendChild(this.chip(run.versions[x], n === changedNode && k === e.key));
          if (versions.length >= 2) {
            const why = el('button', 'why-siblings', 'why concurrent?');
            why.title = 'compare the first two siblings clock slot by slot';
            why.type = 'button';
            why.addEventListener('click', () => ui.comparePair(versions[0], versions[1]));
            cell.appendChild(why);
          }
        }
        card.appendChild(table);
        if (keys.length > MAX_KEYS_SHOWN) {
          card.appendChild(el('div', 'more', '\u2026 and ' + (keys.length - MAX_KEYS_SHOWN) +
            ' more keys not shown: choose one in the key filter'));
        }
      }
      box.appendChild(card);
    }
  }

  // "cut off from n2, n3", or each direction apart for a one-way cut.
  cutText(state, n) {
    const to = [], from = [];
    for (const [a, b] of state.cut) {
      if (a === n) to.push(this.run.nodes[b]);
      if (b === n) from.push(this.run.nodes[a]);
    }
    if (!to.length && !from.length) return '';
    to.sort(naturalCompare);
    from.sort(naturalCompare);
    if (to.join() === from.join()) return 'partition: cut off from ' + to.join(', ');
    const parts = [];
    if (to.length) parts.push('cannot send to ' + to.join(', '));
    if (from.length) parts.push('hears nothing from ' + from.join(', '));
    return 'partition: ' + parts.join('; ');
  }

  renderNetwork(state) {
    const run = this.run, ui = this.ui;
    const cuts = document.getElementById('cuts');
    if (state.cut.length === 0) {
      cuts.textContent = 'No links are cut.';
    } else {
      const pairs = state.cut.map(([a, b]) => run.nodes[a] + ' \u2192 ' + run.nodes[b]);
      cuts.textContent = state.cut.length + ' links cut (messages dropped on arrival): ' + pairs.join(', ');
    }
    const table = document.getElementById('flight');
    table.textContent = '';
    const shown = [];
    for (const m of state.flight.values()) {
      if (ui.filter.key !== null && m.key !== ui.filter.key) continue;
      if (ui.filter.node !== null && m.src !== ui.filter.node && m.dest !== ui.filter.node) continue;
      if (ui.filter.client !== null && m.src !== ui.filter.client && m.dest !== ui.filter.client) continue;
      shown.push(m);
    }
    const caption = document.getElementById('flight-caption');
    caption.textContent = shown.length === 0 ? 'No messages in flight' + (ui.filtered() ? ' (filtered)' : '')
      : shown.length + ' message' + (shown.length === 1 ? '' : 's') + ' in flight' + (ui.filtered() ? ' (filtered)' : '');
    if (shown.length === 0) return;
    const head = table.insertRow();
    for (const t of ['#', 'from \u2192 to', 'carrying', 'sent at']) head.appendChild(el('th', '', t));
    for (const m of shown.slice(0, MAX_FLIGHT_SHOWN)) {
      const tr = table.insertRow();
      tr.dataset.message = m.id;
      tr.insertCell().textContent = m.id;
      tr.insertCell().textContent = m.src + ' \u2192 ' + m.dest;
      let what = TYPE_WORDS[m.type] || m.type;
      // An anti-entropy diff or push: what its sentence says it carries.
      const said = /^\S+ sends \S+ an? (.*?)(?: \(message \d+\))?$/.exec(m.text);
      if ((m.type === 'ae_diff' || m.type === 'ae_push') && said) what = said[1];
      if (m.version >= 0) what += ' ' + versionText(run.versions[m.version]);
      else if (m.key >= 0) what += ' of ' + run.keys[m.key];
      if (m.copies > 1) what += ' (' + m.copies + ' copies)';
      tr.insertCell().textContent = what;
      tr.insertCell().textContent = formatTime(m.t);
    }
    if (shown.length > MAX_FLIGHT_SHOWN) {
      const tr = table.insertRow();
      const td = tr.insertCell();
      td.colSpan = 4;
      td.textContent = '\u2026 and ' + (shown.length - MAX_FLIGHT_SHOWN) + ' more';
    }
  }

  renderLog(cursor) {
    const run = this.run, ui = this.ui;
    const list = document.getElementById('log');
    list.textContent = '';
    const before = [], after = [];
    for (let i = cursor - 1; i >= 0 && before.length < LOG_BEFORE; i--) if (ui.matches(run.events[i])) before.unshift(i);
    for (let i = cursor + 1; i < run.events.length && after.length < LOG_AFTER; i++) if (ui.matches(run.events[i])) after.push(i);
    for (const i of before.concat([cursor], after)) {
      const e = run.events[i];
      const li = el('li', i === cursor ? 'current' : i > cursor ? 'later' : '');
      li.dataset.index = i;
      li.appendChild(el('span', 't', formatTime(e.t)));
      li.appendChild(document.createTextNode((e.key >= 0 && e.kind !== 'fault' ? run.keys[e.key] + ': ' : '') + e.text));
      li.addEventListener('click', () => ui.moveTo(i));
      list.appendChild(li);
    }
  }

  renderVersionPanel(cursor) {
    const run = this.run, ui = this.ui;
    const panel = document.getElementById('version-panel');
    panel.textContent = '';
    panel.appendChild(el('h3', '', 'A version'));
    if (ui.selected === null) {
      panel.appendChild(el('p', 'muted', 'Click a version in a store to see who holds it and since when, ' +
        'what is in its causal past and future, and which versions are concurrent with it. ' +
        'Then click a second version of the same key to compare their clocks slot by slot.'));
      return;
    }
    const v = run.versions[ui.selected];
    const title = el('p', 'selected-version');
    title.appendChild(el('strong', '', versionText(v)));
    title.appendChild(document.createTextNode(' \u00b7 key ' + run.keys[v.key]));
    panel.appendChild(title);
    const ul = el('ul', 'holders');
    for (const h of holders(run, v, cursor)) ul.appendChild(el('li', '', holderSentence(h)));
    panel.appendChild(el('div', 'muted', 'At t = ' + formatTime(run.events[cursor].t) + ':'));
    panel.appendChild(ul);
    const groups = { before: [], after: [], concurrent: [] };
    for (const w of run.versions) {
      if (w.key !== v.key || w.index === v.index) continue;
      const rel = relation(w, v);
      if (groups[rel]) groups[rel].push(w);
    }
    const says = [
      ['before', 'Its causal past (it dominates them): '],
      ['after', 'Its causal future (they dominate it): '],
      ['concurrent', 'Concurrent with it (siblings where held together): '],
    ];
    const rel = el('ul', 'relations');
    const written = (w) => versionText(w) +
      (run.firstSeen[w.index] > cursor ? ' (not written yet)' : '');
    for (const [k, words] of says) {
      const li = el('li', 'rel-' + k);
      li.textContent = words + (groups[k].length ? groups[k].map(written).join(', ') : 'none in this run');
      rel.appendChild(li);
    }
    panel.appendChild(rel);
    const clear = el('button', '', 'clear the selection');
    clear.type = 'button';
    clear.addEventListener('click', () => ui.clearSelection());
    panel.appendChild(clear);
  }

  // "Why concurrent?" for a chosen pair; else, at a stale write, why it
  // was rejected. Hidden otherwise.
  renderWhy(e, cursor) {
    const run = this.run, ui = this.ui;
    const panel = document.getElementById('why-panel');
    panel.textContent = '';
    if (ui.selected !== null && ui.pair !== null) {
      const a = run.versions[ui.selected], b = run.versions[ui.pair];
      const { table, cmp } = comparisonTable(run, a, b, 'A', 'B');
      panel.appendChild(el('h3', '', cmp.verdict === 'concurrent' ? 'Why concurrent?' : 'Why ordered?'));
      panel.appendChild(el('p', 'pair', 'A = ' + versionText(a) + ', B = ' + versionText(b)));
      panel.appendChild(table);
      panel.appendChild(el('p', 'conclusion', cmp.conclusion));
      panel.dataset.verdict = cmp.verdict;
      panel.hidden = false;
      return;
    }
    if (e.kind === 'apply' && e.result === 'stale') {
      const incoming = run.versions[e.version];
      const held = staleDominator(run, e);
      panel.appendChild(el('h3', '', 'Why rejected?'));
      const who = run.nodes[e.node];
      if (held === null) {
        panel.appendChild(el('p', '', who + ' held no version that dominates ' + versionText(incoming) +
          ' in this page\'s window.'));
      } else {
        panel.appendChild(el('p', 'pair', who + ' holds ' + versionText(held) + '; the write brings ' +
          versionText(incoming) + '.'));
        const { table } = comparisonTable(run, held, incoming, 'held', 'incoming');
        panel.appendChild(table);
        panel.appendChild(el('p', 'conclusion', 'The held clock is at least the incoming one in every ' +
          'slot and ahead in some: it dominates, so the incoming write is already in the past of what ' +
          who + ' holds. It is stale: rejected, nothing changes.'));
      }
      panel.dataset.verdict = 'stale';
      panel.hidden = false;
      return;
    }
    panel.hidden = true;
    delete panel.dataset.verdict;
  }
}
