// The two pictures follow the slider. Graphviz keeps the DOT ids in its SVG
// (viz/spacetime.cc and viz/causal_graph_dot.cc set them):
//   space-time   st_line<L>: a row's time label, L the history line of its
//                first event; st_msg<id>, st_msg<id>_<k>: message <id>'s
//                arrows; st_legend: the legend
//   causal graph k<k>_v<v>: a version's box; cg_legend: the legend
// The space-time diagram gets a line under the current row, the current
// message's arrow is marked, and messages sent later are faded; in the
// causal graph versions not yet written are faded, the current event's
// version is marked, and the chosen version's past and future are
// coloured (the same words as the stores: before, after, concurrent).

class Pictures {
  constructor(run) {
    this.run = run;
    this.st = document.querySelector('#spacetime .pic svg');
    this.cg = document.querySelector('#siblings .pic svg');
    for (const svg of [this.st, this.cg]) {
      if (!svg) continue;
      for (const id of ['st_legend', 'cg_legend']) {
        const legend = svg.getElementById(id);
        if (legend) legend.classList.add('kv-hide');
      }
    }
    this.rows = [];
    this.edges = [];
    if (this.st) this.indexSpacetime();
    this.marked = [];
  }

  indexSpacetime() {
    for (const g of this.st.querySelectorAll('g.node[id^="st_line"]')) {
      const text = g.querySelector('text');
      if (!text) continue;
      this.rows.push({ line: Number(g.id.slice(7)), y: Number(text.getAttribute('y')) });
    }
    this.rows.sort((a, b) => a.line - b.line);
    for (const g of this.st.querySelectorAll('g.edge[id^="st_msg"]')) {
      const id = Number(g.id.slice(6).split('_')[0]);
      const send = this.run.sendOf(id);
      this.edges.push({ g, id, line: send ? send.line : 0 });
    }
    this.edges.sort((a, b) => a.line - b.line);
    this.byMessage = new Map();
    for (const edge of this.edges) {
      if (!this.byMessage.has(edge.id)) this.byMessage.set(edge.id, []);
      this.byMessage.get(edge.id).push(edge.g);
    }
    // Every arrow sent in the window starts faded (line 0: sent before
    // it); sync() unfades those sent up to the line shown, touching only
    // the arrows between the old line and the new.
    for (const edge of this.edges) if (edge.line > 0) edge.g.classList.add('kv-later');
    this.shownLine = 0;
    this.laneNames();
    const graph = this.st.querySelector('g.graph');
    if (graph && this.rows.length) {
      const box = this.st.viewBox && this.st.viewBox.baseVal;
      this.nowLine = document.createElementNS('http://www.w3.org/2000/svg', 'line');
      this.nowLine.setAttribute('class', 'kv-nowline');
      this.nowLine.setAttribute('x1', '0');
      this.nowLine.setAttribute('x2', String(box && box.width ? box.width : 4000));
      graph.appendChild(this.nowLine);
    }
  }

  // The lifelines' names in a strip that stays at the top of the picture
  // as it scrolls (st_lane<i>: a lifeline's head). Positions come from the
  // SVG's own coordinates (Graphviz writes points at scale 1, 4/3 pixels
  // each), so that nothing forces the picture to be laid out early.
  laneNames() {
    const box = this.st.closest('.pic');
    const heads = this.st.querySelectorAll('g.node[id^="st_lane"]');
    if (!box || !heads.length) return;
    const strip = el('div', 'lanes');
    strip.setAttribute('aria-hidden', 'true');
    const graph = this.st.querySelector('g.graph');
    const shift = graph ? /translate\(([-\d.]+)/.exec(graph.getAttribute('transform') || '') : null;
    const x0 = shift ? Number(shift[1]) : 0;
    const pad = parseFloat(getComputedStyle(box).paddingLeft) || 0;
    for (const g of heads) {
      const text = g.querySelector('text');
      if (!text) continue;
      const name = el('span', '', text.textContent.trim());
      name.style.left = (pad + (Number(text.getAttribute('x')) + x0) * 4 / 3) + 'px';
      strip.appendChild(name);
    }
    box.prepend(strip);
  }

  // The index of the first arrow sent after `line` (arrows by send line).
  firstEdgeAfter(line) {
    let lo = 0, hi = this.edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.edges[mid].line <= line) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  sync(cursor, ui) {
    for (const g of this.marked) g.classList.remove('kv-now');
    this.marked = [];
    const e = this.run.events[cursor];
    if (this.st) this.syncSpacetime(e);
    if (this.cg) this.syncGraph(e, cursor, ui);
  }

  syncSpacetime(e) {
    let row = null;
    for (const r of this.rows) {  // rows are few (a picture holds 2000 messages)
      if (r.line > e.line) break;
      row = r;
    }
    if (this.nowLine) {
      const y = row ? row.y + 10 : (this.rows.length ? this.rows[0].y - 20 : 0);
      this.nowLine.setAttribute('y1', String(y));
      this.nowLine.setAttribute('y2', String(y));
    }
    const msg = e.kind === 'send' || e.kind === 'deliver' || e.kind === 'drop' || e.kind === 'duplicate' ? e.id : null;
    const lo = Math.min(this.shownLine, e.line), hi = Math.max(this.shownLine, e.line);
    for (let i = this.firstEdgeAfter(lo); i < this.edges.length && this.edges[i].line <= hi; i++) {
      this.edges[i].g.classList.toggle('kv-later', this.edges[i].line > e.line);
    }
    this.shownLine = e.line;
    for (const g of this.byMessage.get(msg) || []) {
      g.classList.add('kv-now');
      this.marked.push(g);
    }
    // Follow only while the picture is on the screen: scrolling it lays it out.
    const box = this.st.closest('.pic');
    const view = box.getBoundingClientRect();
    if (this.nowLine && document.getElementById('follow').checked &&
        view.bottom > 0 && view.top < window.innerHeight) {
      const at = this.nowLine.getBoundingClientRect();
      if (at.top < view.top + 20 || at.top > view.bottom - 20) {
        box.scrollTop += at.top - view.top - box.clientHeight / 2;
      }
    }
  }

  syncGraph(e, cursor, ui) {
    const run = this.run;
    const a = ui.selected !== null ? run.versions[ui.selected] : null;
    for (const v of run.versions) {
      if (!v.gid) continue;
      const g = this.cg.getElementById(v.gid);
      if (!g) continue;
      g.classList.toggle('kv-later', this.run.firstSeen[v.index] > cursor);
      const rel = a ? relation(v, a) : null;
      g.classList.toggle('kv-selected', rel === 'same');
      g.classList.toggle('kv-past', rel === 'before');
      g.classList.toggle('kv-future', rel === 'after');
      g.classList.toggle('kv-concurrent', rel === 'concurrent');
      if (e.version === v.index || (e.kind === 'siblings' && e.versions.indexOf(v.index) >= 0 && e.versions.length === 1)) {
        g.classList.add('kv-now');
        this.marked.push(g);
      }
    }
  }
}
