// The run as the explorer holds it: the page's JSON (viz/explorer_data.h
// gives its layout) decoded into events with named fields, and the state
// of the cluster after any event, replayed from the window's initial state.
//
// State after event i: every node's store (key -> sibling version indices,
// from the `siblings` lines), the nodes down, the directed links cut, and
// the messages in flight (sent, not every copy arrived or dropped). It is
// kept at a checkpoint every CHECKPOINT events, so any instant costs at
// most CHECKPOINT events of replay.

const CHECKPOINT = 256;

// "250us", "12.4ms", "1.5s": base/time_text.h's format, in JavaScript.
function formatTime(us) {
  const fixed = (n, d) => {
    let s = (n / d).toFixed(String(d).length - 1);
    if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s;
  };
  if (us < 0) return '-' + formatTime(-us);
  if (us < 1000) return us + 'us';
  if (us < 1000000) return fixed(us, 1000) + 'ms';
  return fixed(us, 1000000) + 's';
}

// "300ms", "1.5s", "250us" -> microseconds; null when not a time.
function parseTime(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)\s*$/.exec(text);
  if (!m) return null;
  const scale = { us: 1, ms: 1000, s: 1000000 }[m[2]];
  return Math.round(parseFloat(m[1]) * scale);
}

function naturalCompare(a, b) {
  const ma = /^([a-z]*)(\d+)$/.exec(a), mb = /^([a-z]*)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

// One event: its common fields, then those of its kind (explorer_data.h).
function decodeEvent(raw, index) {
  const [line, t, kind, key, text] = raw;
  const f = raw.slice(5);
  const e = { index, line, t, kind, key, text };
  switch (kind) {
    case 'op': Object.assign(e, { client: f[0], req: f[1], op: f[2], node: f[3] }); break;
    case 'send':
      Object.assign(e, { id: f[0], src: f[1], dest: f[2], type: f[3], version: f[4], values: f[5] || null });
      break;
    case 'duplicate': case 'deliver': e.id = f[0]; break;
    case 'drop': Object.assign(e, { id: f[0], reason: f[1] }); break;
    case 'siblings': Object.assign(e, { node: f[0], versions: f[1] }); break;
    case 'apply':
      Object.assign(e, { node: f[0], version: f[1], op: f[2], result: f[3], siblings: f[4],
                         status: f[5], client: f[6] });
      break;
    case 'fault': Object.assign(e, { fault: f[0], node: f[1], amnesia: !!f[2], cut: f[3] }); break;
    case 'timeout': Object.assign(e, { client: f[0], req: f[1], attempt: f[2], node: f[3] }); break;
    case 'give_up': Object.assign(e, { client: f[0], req: f[1] }); break;
    case 'final': Object.assign(e, { node: f[0], live: !!f[1] }); break;
    default: break;
  }
  return e;
}

class ClusterState {
  constructor(nodeCount) {
    this.stores = [];
    for (let i = 0; i < nodeCount; i++) this.stores.push(new Map());
    this.down = new Set();
    this.cut = [];            // [from, to] pairs
    this.flight = new Map();  // message id -> {id, src, dest, type, key, version, copies, t, text}
  }
  clone() {
    const c = new ClusterState(0);
    c.stores = this.stores.map((m) => new Map(m));
    c.down = new Set(this.down);
    c.cut = this.cut;  // replaced, never changed in place
    c.flight = new Map();
    for (const [id, m] of this.flight) c.flight.set(id, Object.assign({}, m));
    return c;
  }
  apply(e) {
    switch (e.kind) {
      case 'send':
        this.flight.set(e.id, { id: e.id, src: e.src, dest: e.dest, type: e.type, key: e.key,
                                version: e.version, copies: 1, t: e.t, text: e.text });
        break;
      case 'duplicate': {
        const m = this.flight.get(e.id);
        if (m) m.copies += 1;
        break;
      }
      case 'deliver': case 'drop': {
        const m = this.flight.get(e.id);
        if (m && --m.copies <= 0) this.flight.delete(e.id);
        break;
      }
      case 'siblings':
        if (e.versions.length === 0) this.stores[e.node].delete(e.key);
        else this.stores[e.node].set(e.key, e.versions);
        break;
      case 'fault':
        if (e.fault === 'crash') this.down.add(e.node);
        if (e.fault === 'restart') this.down.delete(e.node);
        if (e.fault === 'partition' || e.fault === 'heal') this.cut = e.cut;
        break;
      default: break;
    }
  }
}

class Run {
  constructor(data) {
    this.nodes = data.nodes;
    this.keys = data.keys;
    this.versions = data.versions.map((v, i) => ({ index: i, key: v[0], value: v[1], clock: v[2], gid: v[3] }));
    this.events = data.events.map(decodeEvent);
    this.window = data.window;
    this.runEnd = data.run_end;
    this.clients = this.findClients();
    this.initial = this.initialState(data.initial);
    this.checkpoints = [];
    this.buildCheckpoints();
    this.firstSeen = this.versionsFirstSeen();
  }

  // The event index at which each version first appears in the window
  // (-1: held before it).
  versionsFirstSeen() {
    const run = this;
    const first = new Array(run.versions.length).fill(Infinity);
    for (const store of run.initial.stores) for (const vs of store.values()) for (const x of vs) first[x] = -1;
    for (const e of run.events) {
      const seen = [];
      if (e.version !== undefined && e.version >= 0) seen.push(e.version);
      if (e.versions) seen.push(...e.versions);
      for (const x of seen) if (first[x] > e.index) first[x] = e.index;
    }
    return first;
  }

  findClients() {
    const seen = new Set();
    for (const e of this.events) {
      if (e.client) seen.add(e.client);
      if (e.kind === 'send') {
        for (const end of [e.src, e.dest]) if (this.nodes.indexOf(end) < 0) seen.add(end);
      }
    }
    return Array.from(seen).sort(naturalCompare);
  }

  initialState(init) {
    const s = new ClusterState(this.nodes.length);
    for (const [node, key, versions] of init.stores) s.stores[node].set(key, versions);
    for (const node of init.down) s.down.add(node);
    s.cut = init.cut;
    for (const [id, src, dest, type, key, version, copies, t, text] of init.flight) {
      s.flight.set(id, { id, src, dest, type, key, version, copies, t, text });
    }
    return s;
  }

  // checkpoints[j]: the state after events 0 .. j*CHECKPOINT - 1 (j = 0:
  // the initial state).
  buildCheckpoints() {
    let s = this.initial.clone();
    this.checkpoints.push(s.clone());
    for (let i = 0; i < this.events.length; i++) {
      s.apply(this.events[i]);
      if ((i + 1) % CHECKPOINT === 0) this.checkpoints.push(s.clone());
    }
    this.last = s;
  }

  // The state after event `i` (-1: before the first event of the window).
  stateAfter(i) {
    if (i >= this.events.length - 1) return this.last;
    const j = Math.floor((i + 1) / CHECKPOINT);
    const s = this.checkpoints[j].clone();
    for (let k = j * CHECKPOINT; k <= i; k++) s.apply(this.events[k]);
    return s;
  }

  // The last event at or before time `us` (0 if none).
  indexAtTime(us) {
    let lo = 0, hi = this.events.length - 1, found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].t <= us) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  indexOfLine(line) {
    let lo = 0, hi = this.events.length - 1, found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].line <= line) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  // The send event of message `id` in the window, or null.
  sendOf(id) {
    if (!this.sendIndex) {
      this.sendIndex = new Map();
      for (const e of this.events) if (e.kind === 'send') this.sendIndex.set(e.id, e);
    }
    return this.sendIndex.get(id) || null;
  }

  // Who an event concerns: the nodes and clients it names.
  parties(e) {
    const nodes = new Set(), clients = new Set();
    const add = (name) => {
      if (name === undefined || name === null || name === -1) return;
      if (typeof name === 'number') nodes.add(this.nodes[name]);
      else if (this.nodes.indexOf(name) >= 0) nodes.add(name);
      else clients.add(name);
    };
    let send = null;
    if (e.kind === 'send') send = e;
    if (e.kind === 'deliver' || e.kind === 'drop' || e.kind === 'duplicate') send = this.sendOf(e.id);
    if (send) { add(send.src); add(send.dest); }
    add(e.node);
    add(e.client);
    if (e.kind === 'fault' && (e.fault === 'partition' || e.fault === 'heal')) {
      for (const n of this.nodes) nodes.add(n);
    }
    return { nodes, clients };
  }
}
