// The explorer's controls: the slider and step buttons (next event, next
// on this key, next conflict, next fault, each with its way back), the
// keyboard, "go to time", the filters by key, node and client, the large
// type mode, and the chosen versions. Starts from the URL's #line=N or
// #t=300ms when given (a link to an instant), else at the first event.
//
// Keys: Left/Right previous/next event; K next on this key (Shift+K back);
// C next conflict; F next fault (Shift: back); Home/End; L large type.
// Stepping and the event list honour the filters.

class Explorer {
  constructor(run) {
    this.run = run;
    this.cursor = 0;
    this.selected = null;  // version index (A)
    this.pair = null;      // version index (B), same key as A
    this.filter = { key: null, node: null, client: null };
    this.build();
    this.view = new View(run, this);
    this.pictures = new Pictures(run);
    this.wire();
    this.moveTo(this.startIndex());
  }

  // --- the skeleton -------------------------------------------------------

  build() {
    const run = this.run;
    const root = document.getElementById('explorer');
    root.textContent = '';
    root.appendChild(el('h2', '', 'Explore the run, instant by instant'));
    if (run.window.note) root.appendChild(el('p', 'note', run.window.note));
    const controls = el('div');
    controls.id = 'controls';
    const button = (id, text, title) => {
      const b = el('button', '', text);
      b.type = 'button';
      b.id = id;
      b.title = title;
      return b;
    };
    const row1 = el('div', 'row');
    row1.append(button('first', '\u25c0\u25c0 first', 'first event (Home)'), button('prev', '\u25c0 previous', 'previous event (Left arrow)'));
    const slider = el('input');
    Object.assign(slider, { type: 'range', id: 'slider', min: 0, max: Math.max(run.events.length - 1, 0), step: 1, value: 0 });
    slider.setAttribute('aria-label', 'instant: the history event shown');
    row1.append(slider, button('next', 'next \u25b6', 'next event (Right arrow)'), button('last', 'last \u25b6\u25b6', 'last event (End)'));
    const clock = el('span');
    clock.id = 'clock';
    const position = el('span');
    position.id = 'position';
    row1.append(clock, position);
    const row2 = el('div', 'row');
    row2.append(button('prev-key', '\u25c0', 'previous event on this key (Shift+K)'),
                button('next-key', 'next on this key \u25b6', 'next event on the key of the key filter, else of the current event (K)'),
                button('prev-conflict', '\u25c0', 'previous conflict (Shift+C)'),
                button('next-conflict', 'next conflict \u25b6', 'next write stored beside siblings (C)'),
                button('prev-fault', '\u25c0', 'previous fault (Shift+F)'),
                button('next-fault', 'next fault \u25b6', 'next partition, heal, crash or restart (F)'));
    const go = el('label', '', 'go to time ');
    const goto = el('input');
    Object.assign(goto, { id: 'goto', type: 'text', placeholder: '300ms' });
    go.appendChild(goto);
    row2.append(go, el('span', 'muted'));
    row2.lastChild.id = 'goto-note';
    const row3 = el('div', 'row');
    const select = (id, label, all, options) => {
      const l = el('label', '', label + ' ');
      const s = el('select');
      s.id = id;
      s.appendChild(new Option(all, ''));
      for (const [value, text] of options) s.appendChild(new Option(text, value));
      l.appendChild(s);
      return l;
    };
    row3.append(select('filter-key', 'key', 'all keys', run.keys.map((k, i) => [String(i), k]).sort((a, b) => naturalCompare(a[1], b[1]))),
                select('filter-node', 'node', 'all nodes', run.nodes.map((n) => [n, n])),
                select('filter-client', 'client', 'all clients', run.clients.map((c) => [c, c])));
    const big = button('big', 'Large type', 'larger text for a projector (L)');
    big.setAttribute('aria-pressed', 'false');
    const follow = el('label', '', ' pictures follow');
    const check = el('input');
    Object.assign(check, { type: 'checkbox', id: 'follow', checked: true });
    follow.prepend(check);
    row3.append(big, follow, el('span', 'keys-help',
      'Keys: \u2190 \u2192 event \u00b7 K key \u00b7 C conflict \u00b7 F fault (Shift: back) \u00b7 Home End \u00b7 L large type'));
    const now = el('p');
    now.id = 'now';
    const kind = el('span', 'kind');
    kind.id = 'now-kind';
    const key = el('span', 'kind');
    key.id = 'now-key';
    const text = el('span');
    text.id = 'now-text';
    now.append(kind, key, text);
    controls.append(row1, row2, row3, now);
    // The controls and the grid follow the section, in the block that also
    // holds the pictures (report.cc), so that the controls stay in view
    // (sticky) over the pictures too.

    const grid = el('div');
    grid.id = 'grid';
    const left = el('div');
    const nodes = el('div');
    nodes.id = 'nodes';
    left.append(nodes, el('p', 'legend-line',
      'A ring marks what the current event changed. After a click on a version, the others of its ' +
      'key say how they relate: before (in its causal past), after (in its future), or concurrent; ' +
      'A and B are the pair compared.'));
    const side = el('div');
    side.id = 'side';
    const why = el('div', 'panel');
    why.id = 'why-panel';
    why.hidden = true;
    const version = el('div', 'panel');
    version.id = 'version-panel';
    const network = el('div', 'panel');
    network.id = 'network-panel';
    network.appendChild(el('h3', '', 'Network'));
    const cuts = el('p');
    cuts.id = 'cuts';
    const caption = el('p');
    caption.id = 'flight-caption';
    const flight = el('table');
    flight.id = 'flight';
    network.append(cuts, caption, flight);
    const logBox = el('div', 'panel');
    logBox.appendChild(el('h3', '', 'Events around this instant'));
    const log = el('ol');
    log.id = 'log';
    logBox.appendChild(log);
    left.appendChild(network);
    side.append(why, version, logBox);
    grid.append(left, side);
    root.after(controls, grid);
  }

  wire() {
    const on = (id, fn) => document.getElementById(id).addEventListener('click', fn);
    on('first', () => this.moveTo(0));
    on('last', () => this.moveTo(this.run.events.length - 1));
    on('prev', () => this.step(-1, () => true));
    on('next', () => this.step(1, () => true));
    on('prev-key', () => this.stepKey(-1));
    on('next-key', () => this.stepKey(1));
    on('prev-conflict', () => this.step(-1, isConflict));
    on('next-conflict', () => this.step(1, isConflict));
    on('prev-fault', () => this.step(-1, isFault));
    on('next-fault', () => this.step(1, isFault));
    on('big', () => this.toggleBig());
    document.getElementById('slider').addEventListener('input', (ev) => this.moveTo(Number(ev.target.value)));
    document.getElementById('goto').addEventListener('change', (ev) => this.gotoTime(ev.target.value));
    document.getElementById('follow').addEventListener('change', () => this.render());
    const filter = (id, field, parse) => {
      document.getElementById(id).addEventListener('change', (ev) => {
        this.filter[field] = ev.target.value === '' ? null : parse(ev.target.value);
        this.render();
      });
    };
    filter('filter-key', 'key', Number);
    filter('filter-node', 'node', String);
    filter('filter-client', 'client', String);
    document.addEventListener('keydown', (ev) => this.key(ev));
  }

  key(ev) {
    const tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' && ev.target.type !== 'range' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const back = ev.shiftKey ? -1 : 1;
    switch (ev.key) {
      case 'ArrowRight': this.step(1, () => true); break;
      case 'ArrowLeft': this.step(-1, () => true); break;
      case 'Home': this.moveTo(0); break;
      case 'End': this.moveTo(this.run.events.length - 1); break;
      case 'k': case 'K': this.stepKey(back); break;
      case 'c': case 'C': this.step(back, isConflict); break;
      case 'f': case 'F': this.step(back, isFault); break;
      case 'l': case 'L': this.toggleBig(); break;
      default: return;
    }
    ev.preventDefault();
  }

  // --- moving -------------------------------------------------------------

  startIndex() {
    const hash = decodeURIComponent(location.hash.slice(1));
    const line = /^line=(\d+)$/.exec(hash);
    if (line) return this.run.indexOfLine(Number(line[1]));
    const t = /^t=(.+)$/.exec(hash);
    if (t && parseTime(t[1]) !== null) return this.run.indexAtTime(parseTime(t[1]));
    return 0;
  }

  moveTo(i) {
    const n = this.run.events.length;
    if (n === 0) return;
    this.cursor = Math.max(0, Math.min(n - 1, i));
    this.render();
  }

  // The next (dir 1) or previous (-1) event matching `pred` and the filters.
  step(dir, pred) {
    const events = this.run.events;
    for (let i = this.cursor + dir; i >= 0 && i < events.length; i += dir) {
      if (pred(events[i]) && this.matches(events[i])) {
        this.moveTo(i);
        return true;
      }
    }
    this.say(dir > 0 ? 'No later event of that kind.' : 'No earlier event of that kind.');
    return false;
  }

  // "This key": the key filter's, else the current event's, else the
  // chosen version's.
  stepKey(dir) {
    let key = this.filter.key;
    if (key === null) key = this.run.events[this.cursor].key;
    if (key < 0 && this.selected !== null) key = this.run.versions[this.selected].key;
    if (key === null || key < 0) {
      this.say('This event is not about a key: choose one in the key filter.');
      return;
    }
    this.step(dir, (e) => e.key === key);
  }

  gotoTime(text) {
    const us = parseTime(text);
    if (us === null) {
      this.say('Write a time as 300ms, 1.5s or 250us.');
      return;
    }
    this.moveTo(this.run.indexAtTime(us));
    this.say('The last event at or before ' + formatTime(us) + '.');
  }

  say(text) { document.getElementById('goto-note').textContent = text; }

  toggleBig() {
    const on = document.body.classList.toggle('big');
    document.getElementById('big').setAttribute('aria-pressed', String(on));
  }

  // --- filters and selection ----------------------------------------------

  filtered() { return this.filter.key !== null || this.filter.node !== null || this.filter.client !== null; }

  matches(e) {
    if (this.filter.key !== null && e.key !== this.filter.key) return false;
    if (this.filter.node === null && this.filter.client === null) return true;
    const p = this.run.parties(e);
    if (this.filter.node !== null && !p.nodes.has(this.filter.node)) return false;
    if (this.filter.client !== null && !p.clients.has(this.filter.client)) return false;
    return true;
  }

  clickVersion(index) {
    const v = this.run.versions[index];
    if (this.selected === index) {
      this.clearSelection();
      return;
    }
    if (this.selected !== null && this.run.versions[this.selected].key === v.key) {
      this.pair = index;
    } else {
      this.selected = index;
      this.pair = null;
    }
    this.render();
  }

  comparePair(a, b) {
    this.selected = a;
    this.pair = b;
    this.render();
  }

  clearSelection() {
    this.selected = null;
    this.pair = null;
    this.render();
  }

  render() {
    this.say('');
    this.view.render(this.cursor);
    this.pictures.sync(this.cursor, this);
  }
}

// A write stored beside siblings: an apply that left 2 or more.
function isConflict(e) { return e.kind === 'apply' && e.result === 'applied' && e.siblings >= 2; }
function isFault(e) { return e.kind === 'fault'; }

function startExplorer() {
  const started = performance.now();
  const data = JSON.parse(document.getElementById('kvsim-data').textContent);
  const run = new Run(data);
  if (run.events.length === 0) {
    document.getElementById('explorer').textContent = 'This history has no events to explore.';
    return;
  }
  window.kvsimExplorer = new Explorer(run);
  window.kvsimExplorer.loadMs = performance.now() - started;
  document.body.dataset.ready = 'true';
}

startExplorer();
