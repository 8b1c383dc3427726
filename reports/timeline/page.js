// nsrsim timeline report: the page's only script (its SHA-256 is in the page's
// Content-Security-Policy, so no other script can run; SPEC V-5). It reads the report's
// data from the JSON block, never builds HTML from data (text goes in with textContent)
// and draws on canvases so that a window of 50,000 records stays fluid (SPEC V-1).
// Layout: lanes down the page, time across; zoom and pan on the time axis, a linear and
// an event-step axis, filters by session and subsystem, text search; the violations
// panel comes first (SPEC V-2), and every record opens in the details panel (V-3).
(function () {
  'use strict';

  const D = JSON.parse(document.getElementById('report-data').textContent);
  const R = D.rec;
  const N = R.t.length;
  const FIRST = D.window.firstId;
  const A = D.arrows;
  const NA = A.send.length;

  const GUTTER = 210;
  const AXIS_H = 26;
  const LANE_H = 18;
  const STRIP_H = 14;
  const GROUP_H = 17;
  const COUNTER_ROW_H = 30;
  const COUNTER_HEAD_H = 18;
  const OVERVIEW_H = 34;
  const MIN_SPAN_NS = 2000;

  const CAT_COLOR = {
    fault: '#b71c1c',
    violation: '#d50000',
    drop: '#e53935',
    error: '#8e24aa',
    retransmit: '#ef6c00',
    nack: '#c49000',
    state: '#1565c0',
    normal: '#78909c',
  };
  const CATS = Object.keys(CAT_COLOR);
  const STATE_COLOR = {
    master: '#2e7d32',
    backup: '#64b5f6',
    syncing: '#fbc02d',
    down: '#c62828',
    pending: '#fbc02d',
    active: '#43a047',
    failed: '#e53935',
    none: '#cfd8dc',
  };
  const ARROW_CLASSES = [
    { name: 'packet on a peer wire', color: '#1e88e5' },
    { name: 'packet PFE ↔ RE', color: '#00897b' },
    { name: 'between the REs', color: '#7b1fa2' },
    { name: 'inside a box', color: '#9e9e9e' },
    { name: 'other message', color: '#546e7a' },
    { name: 'lost or dropped', color: '#e53935' },
    { name: 'held by a link', color: '#ef6c00' },
  ];
  const FATE_DELIVERED = D.fates.indexOf('delivered');
  const FATE_HELD = D.fates.indexOf('held');

  // ---- small helpers -------------------------------------------------------------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function byId(id) {
    return document.getElementById(id);
  }
  function fmtTime(ns, digits) {
    return (ns / 1e9).toFixed(digits === undefined ? 9 : digits) + ' s';
  }
  function fmtDur(ns) {
    const a = Math.abs(ns);
    if (a >= 1e9) return (ns / 1e9).toFixed(3) + ' s';
    if (a >= 1e6) return (ns / 1e6).toFixed(3) + ' ms';
    if (a >= 1e3) return (ns / 1e3).toFixed(3) + ' µs';
    return ns + ' ns';
  }
  function fmtNum(v) {
    return Math.round(v).toLocaleString('en-US');
  }
  function kindOf(i) {
    return D.kinds[R.kind[i]];
  }
  function idxOf(id) {
    const i = id - FIRST;
    return i >= 0 && i < N ? i : -1;
  }
  function lowerBound(arr, v, lo, hi) {
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (arr[m] < v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  // ---- indexes -------------------------------------------------------------------

  // Effects of each record (what it caused), as offsets into one array.
  const effStart = new Int32Array(N + 1);
  for (let i = 0; i < N; i++) {
    const c = idxOf(R.cause[i]);
    if (c >= 0) effStart[c + 1]++;
  }
  for (let i = 0; i < N; i++) effStart[i + 1] += effStart[i];
  const effList = new Int32Array(effStart[N]);
  {
    const fill = effStart.slice(0, N);
    for (let i = 0; i < N; i++) {
      const c = idxOf(R.cause[i]);
      if (c >= 0) effList[fill[c]++] = i;
    }
  }
  function effectsOf(i) {
    return effList.subarray(effStart[i], effStart[i + 1]);
  }

  const isSend = new Uint8Array(N);
  const sendKind = D.kinds.findIndex(function (k) {
    return k.name === 'send';
  });
  const catOf = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    isSend[i] = R.kind[i] === sendKind ? 1 : 0;
    catOf[i] = CATS.indexOf(D.kinds[R.kind[i]].cat);
  }

  // Arrows: their positions on the event-step axis and their colour class.
  const arrowOf = new Int32Array(N).fill(-1);
  const arrowS0 = new Float64Array(NA);
  const arrowS1 = new Float64Array(NA);
  const arrowClass = new Uint8Array(NA);
  const laneGroup = D.lanes.map(function (l) {
    return l.group;
  });
  function classify(k) {
    if (A.fate[k] === FATE_HELD) return 6;
    if (A.fate[k] !== FATE_DELIVERED) return 5;
    const g0 = laneGroup[A.from[k]];
    const g1 = laneGroup[A.to[k]];
    if (g0.indexOf('peer ') === 0 || g1.indexOf('peer ') === 0) return 0;
    if (g0 === g1) return 3;
    if ((g0 === 'PFE' || g1 === 'PFE') && (g0.indexOf('RE') === 0 || g1.indexOf('RE') === 0))
      return 1;
    if (g0.indexOf('RE') === 0 && g1.indexOf('RE') === 0) return 2;
    return 4;
  }
  for (let k = 0; k < NA; k++) {
    const s = idxOf(A.send[k]);
    if (s >= 0 && arrowOf[s] < 0) arrowOf[s] = k;
    const v = idxOf(A.via[k]);
    if (v >= 0 && arrowOf[v] < 0) arrowOf[v] = k;
    arrowS0[k] = s >= 0 ? s : stepOfTime(A.t0[k]);
    // On the step axis a message ends at the first record its delivery caused.
    const at = idxOf(A.end[k] >= 0 ? A.end[k] : A.via[k] >= 0 ? A.via[k] : A.send[k]);
    const eff = at >= 0 && A.end[k] < 0 ? effectsOf(at) : null;
    if (A.end[k] >= 0 && at >= 0) arrowS1[k] = at;
    else if (eff && eff.length > 0 && R.t[eff[0]] === A.t1[k]) arrowS1[k] = eff[0];
    else arrowS1[k] = Math.max(arrowS0[k], stepOfTime(A.t1[k]));
    arrowClass[k] = classify(k);
  }

  // ---- view state ----------------------------------------------------------------

  const fromNs = D.window.fromNs;
  const toNs = Math.max(D.window.toNs, fromNs + MIN_SPAN_NS);
  const view = { mode: 'time', v0: fromNs, v1: toNs };
  const state = {
    selected: -1,
    chain: new Set(),
    chainOrder: [],
    matches: [],
    matchAt: -1,
    session: -1,
    hidden: new Set(),
    violation: -1,
  };

  function stepOfTime(t) {
    if (N === 0) return 0;
    const i = lowerBound(R.t, t, 0, N);
    if (i >= N) return N - 1;
    if (R.t[i] === t || i === 0) return i;
    const t0 = R.t[i - 1];
    return i - 1 + (t - t0) / (R.t[i] - t0);
  }
  function timeOfStep(s) {
    if (N === 0) return fromNs;
    const i = Math.max(0, Math.min(N - 1, Math.floor(s)));
    return R.t[i];
  }
  function axisOfTime(t) {
    return view.mode === 'time' ? t : stepOfTime(t);
  }
  function axisOfRec(i) {
    return view.mode === 'time' ? R.t[i] : i;
  }
  function domain() {
    return view.mode === 'time' ? [fromNs, toNs] : [0, Math.max(1, N - 1)];
  }

  // ---- layout --------------------------------------------------------------------

  const laneHasRecords = new Uint8Array(D.lanes.length);
  for (let i = 0; i < N; i++) laneHasRecords[R.lane[i]] = 1;
  for (let k = 0; k < NA; k++) {
    laneHasRecords[A.from[k]] = 1;
    laneHasRecords[A.to[k]] = 1;
  }
  const stripOfLane = new Map();
  D.strips.forEach(function (s) {
    stripOfLane.set(s.laneIndex, s);
  });

  let layout = { rows: [], laneY: new Float64Array(D.lanes.length).fill(-1), height: 0 };
  function computeLayout() {
    const rows = [];
    const laneY = new Float64Array(D.lanes.length).fill(-1);
    let y = AXIS_H;
    let group = null;
    D.lanes.forEach(function (l, i) {
      if (state.hidden.has(l.filter)) return;
      const optional = l.key === 'other' || l.key === 'checks';
      if (optional && !laneHasRecords[i]) return;
      if (l.strip && !stripOfLane.has(i)) return;
      if (l.group !== group) {
        group = l.group;
        rows.push({ kind: 'group', y: y, label: l.group });
        y += GROUP_H;
      }
      const h = l.strip ? STRIP_H : LANE_H;
      rows.push({ kind: 'lane', y: y, h: h, lane: i, label: l.label });
      laneY[i] = y + h / 2;
      y += h;
    });
    layout = { rows: rows, laneY: laneY, height: y + 8 };
  }

  // ---- canvases ------------------------------------------------------------------

  const diagram = byId('diagram');
  const counters = byId('counters');
  const overview = byId('overview-canvas');
  const tip = byId('tip');

  function sizeCanvas(c, h) {
    const dpr = window.devicePixelRatio || 1;
    const w = c.parentElement.clientWidth;
    c.style.height = h + 'px';
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx: ctx, w: w, h: h };
  }
  // The plot's width, read from the layout once per frame (reading it per record would
  // force a layout each time).
  let plotWidth = 50;
  function measurePlot() {
    plotWidth = Math.max(50, diagram.parentElement.clientWidth - GUTTER - 10);
  }
  function plotW() {
    return plotWidth;
  }
  function xOf(a) {
    return GUTTER + ((a - view.v0) / (view.v1 - view.v0)) * plotW();
  }
  function axisOfX(x) {
    return view.v0 + ((x - GUTTER) / plotW()) * (view.v1 - view.v0);
  }

  // Visible record index range [lo, hi).
  function visibleRange() {
    if (view.mode === 'step') {
      return [Math.max(0, Math.floor(view.v0)), Math.min(N, Math.ceil(view.v1) + 1)];
    }
    return [lowerBound(R.t, view.v0, 0, N), lowerBound(R.t, view.v1 + 1, 0, N)];
  }

  function faded(sessionIdx) {
    return state.session >= 0 && sessionIdx !== state.session;
  }

  // ---- drawing: the diagram --------------------------------------------------------

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      drawAll();
    });
  }
  function drawAll() {
    measurePlot();
    drawDiagram();
    drawCounters();
    drawOverview();
    diagram.dataset.viewFrom = String(Math.round(timeOfAxis(view.v0)));
    diagram.dataset.viewTo = String(Math.round(timeOfAxis(view.v1)));
    diagram.dataset.mode = view.mode;
  }
  function timeOfAxis(a) {
    return view.mode === 'time' ? a : timeOfStep(a);
  }

  function drawDiagram() {
    const c = sizeCanvas(diagram, layout.height);
    const ctx = c.ctx;
    ctx.clearRect(0, 0, c.w, c.h);
    drawLanes(ctx, c.w);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, 0, c.w - GUTTER, c.h);
    ctx.clip();
    drawGrid(ctx, c.h);
    drawBands(ctx, c.h);
    drawStrips(ctx);
    const range = visibleRange();
    const vis = visibleArrows();
    drawArrows(ctx, vis);
    drawMarks(ctx, range);
    drawLabels(ctx, range, vis);
    drawViolations(ctx, c.h);
    drawHighlights(ctx, range);
    ctx.restore();
    drawAxis(ctx, c.w);
  }

  function drawLanes(ctx, w) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    layout.rows.forEach(function (r, n) {
      if (r.kind === 'group') {
        ctx.fillStyle = '#e8ecf2';
        ctx.fillRect(0, r.y, w, GROUP_H);
        ctx.fillStyle = '#1d2330';
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.fillText(r.label, 6, r.y + GROUP_H / 2);
        ctx.font = '12px system-ui, sans-serif';
        return;
      }
      ctx.fillStyle = n % 2 ? '#ffffff' : '#f7f9fb';
      ctx.fillRect(0, r.y, w, r.h);
      ctx.fillStyle = '#3c4557';
      ctx.fillText(r.label, 16, r.y + r.h / 2);
    });
    ctx.strokeStyle = '#c9d0db';
    ctx.beginPath();
    ctx.moveTo(GUTTER - 0.5, AXIS_H);
    ctx.lineTo(GUTTER - 0.5, layout.height);
    ctx.stroke();
  }

  function niceStep(span, target) {
    const raw = span / target;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
  function ticks() {
    const w = plotW();
    const out = [];
    if (view.mode === 'time') {
      const step = Math.max(1, niceStep(view.v1 - view.v0, w / 110));
      const digits = Math.max(0, Math.min(9, Math.ceil(-Math.log10(step / 1e9))));
      for (let t = Math.ceil(view.v0 / step) * step; t <= view.v1; t += step)
        out.push({ a: t, label: fmtTime(t, digits) });
      return out;
    }
    const step = Math.max(1, niceStep(view.v1 - view.v0, w / 200));
    for (let s = Math.ceil(view.v0 / step) * step; s <= view.v1; s += step)
      out.push({ a: s, label: '#' + (FIRST + Math.round(s)) + ' ' + fmtTime(timeOfStep(s), 6) });
    return out;
  }
  function drawGrid(ctx, h) {
    ctx.strokeStyle = 'rgba(0,0,0,0.06)';
    ctx.beginPath();
    ticks().forEach(function (t) {
      const x = Math.round(xOf(t.a)) + 0.5;
      ctx.moveTo(x, AXIS_H);
      ctx.lineTo(x, h);
    });
    ctx.stroke();
  }
  function drawAxis(ctx, w) {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, AXIS_H);
    ctx.fillStyle = '#5b6475';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillText(view.mode === 'time' ? 'time (linear)' : 'record (event steps)', 6, AXIS_H / 2);
    ctx.strokeStyle = '#9aa3b2';
    ctx.beginPath();
    ticks().forEach(function (t) {
      const x = Math.round(xOf(t.a)) + 0.5;
      if (x < GUTTER) return;
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, AXIS_H);
      ctx.fillText(t.label, x + 3, AXIS_H / 2 - 2);
    });
    ctx.moveTo(GUTTER, AXIS_H - 0.5);
    ctx.lineTo(w, AXIS_H - 0.5);
    ctx.stroke();
  }

  function drawBands(ctx, h) {
    ctx.font = '11px system-ui, sans-serif';
    D.bands.forEach(function (b) {
      const x0 = xOf(axisOfTime(b.t0));
      const x1 = Math.max(x0 + 2, xOf(axisOfTime(b.t1)));
      ctx.fillStyle = 'rgba(229,57,53,0.10)';
      ctx.fillRect(x0, AXIS_H, x1 - x0, h - AXIS_H);
      ctx.fillStyle = '#c62828';
      ctx.fillRect(x0, AXIS_H, 2, h - AXIS_H);
      // The label stays in view while any of the band is.
      ctx.fillText('fault: ' + b.label + ' (#' + b.id + ')', Math.max(x0, GUTTER) + 4, AXIS_H + 8);
    });
  }

  function drawStrips(ctx) {
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    D.strips.forEach(function (s) {
      const y = layout.laneY[s.laneIndex];
      if (y < 0) return;
      const dim =
        s.lane.indexOf('repl|') === 0 &&
        state.session >= 0 &&
        D.sessions[state.session] !== s.lane.slice(5);
      ctx.globalAlpha = dim ? 0.25 : 1;
      s.segs.forEach(function (g) {
        const x0 = Math.max(GUTTER, xOf(axisOfTime(g.t0)));
        const x1 = xOf(axisOfTime(g.t1));
        if (x1 < GUTTER || x1 - x0 <= 0) return;
        ctx.fillStyle = STATE_COLOR[g.state] || '#999';
        ctx.fillRect(x0, y - STRIP_H / 2 + 2, Math.max(1, x1 - x0), STRIP_H - 4);
        if (x1 - x0 > 60) {
          ctx.fillStyle = g.state === 'master' || g.state === 'down' ? '#fff' : '#1d2330';
          ctx.fillText(g.state, x0 + 4, y);
        }
      });
      ctx.globalAlpha = 1;
    });
  }

  function arrowVisible(k, a0, a1) {
    const y0 = layout.laneY[A.from[k]];
    const y1 = layout.laneY[A.to[k]];
    return y0 >= 0 && y1 >= 0 && a1 >= view.v0 && a0 <= view.v1;
  }
  function arrowAxis(k) {
    return view.mode === 'time' ? [A.t0[k], A.t1[k]] : [arrowS0[k], arrowS1[k]];
  }
  function pathArrow(ctx, k, heads) {
    const ax = arrowAxis(k);
    const x0 = xOf(ax[0]);
    const x1 = xOf(ax[1]);
    const y0 = layout.laneY[A.from[k]];
    const y1 = layout.laneY[A.to[k]];
    if (y0 === y1) {
      // A message to itself (a KKCM wake-up): a small hook on its lane.
      ctx.moveTo(x0, y0);
      ctx.lineTo(x0, y0 - 5);
      ctx.lineTo(Math.max(x1, x0 + 3), y0 - 5);
      ctx.lineTo(Math.max(x1, x0 + 3), y0);
      return;
    }
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    if (A.fate[k] !== FATE_DELIVERED) {
      ctx.moveTo(x1 - 4, y1 - 4);
      ctx.lineTo(x1 + 4, y1 + 4);
      ctx.moveTo(x1 - 4, y1 + 4);
      ctx.lineTo(x1 + 4, y1 - 4);
      return;
    }
    if (!heads) return;
    const ang = Math.atan2(y1 - y0, x1 - x0);
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 6 * Math.cos(ang - 0.4), y1 - 6 * Math.sin(ang - 0.4));
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 6 * Math.cos(ang + 0.4), y1 - 6 * Math.sin(ang + 0.4));
  }
  let maxArrowSpan = { time: 0, step: 0 };
  for (let k = 0; k < NA; k++) {
    maxArrowSpan.time = Math.max(maxArrowSpan.time, A.t1[k] - A.t0[k]);
    maxArrowSpan.step = Math.max(maxArrowSpan.step, arrowS1[k] - arrowS0[k]);
  }
  function visibleArrows() {
    const out = [];
    const span = maxArrowSpan[view.mode];
    const starts = view.mode === 'time' ? A.t0 : arrowS0;
    for (let k = lowerBound(starts, view.v0 - span, 0, NA); k < NA; k++) {
      const ax = arrowAxis(k);
      if (ax[0] > view.v1) break;
      if (arrowVisible(k, ax[0], ax[1])) out.push(k);
    }
    return out;
  }
  // Labels at a close zoom: placed only where they overlap no other label.
  let placed = [];
  function tryLabel(ctx, text, x, y, color) {
    const w = ctx.measureText(text).width;
    const r = { x0: x - 1, x1: x + w + 2, y0: y - 6, y1: y + 6 };
    for (let n = 0; n < placed.length; n++) {
      const p = placed[n];
      if (r.x0 < p.x1 && r.x1 > p.x0 && r.y0 < p.y1 && r.y1 > p.y0) return;
    }
    placed.push(r);
    ctx.fillStyle = 'rgba(255,255,255,0.8)';
    ctx.fillRect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
  }
  function drawLabels(ctx, range, vis) {
    placed = [];
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    if (range[1] - range[0] <= 400) {
      for (let i = range[0]; i < range[1]; i++) {
        if (isSend[i]) continue;
        const y = layout.laneY[R.lane[i]];
        if (y >= 0)
          tryLabel(ctx, kindOf(i).name, xOf(axisOfRec(i)) + 5, y, CAT_COLOR[CATS[catOf[i]]]);
      }
    }
    if (vis.length > 160) return;
    vis.forEach(function (k) {
      const ax = arrowAxis(k);
      const y0 = layout.laneY[A.from[k]];
      const y1 = layout.laneY[A.to[k]];
      const x = (xOf(ax[0]) + xOf(ax[1])) / 2 + 3;
      const y = (y0 + y1) / 2 - (y0 === y1 ? 8 : 0);
      tryLabel(ctx, D.types[A.type[k]] + ' #' + A.send[k], x, y, '#37474f');
    });
  }
  // Zoomed out, many arrows and marks fall on the same pixels: each pixel-identical one is
  // drawn once (a level of detail that changes nothing on screen), so a window of 50,000
  // records redraws in a few tens of milliseconds.
  function pixelKey(a, b, c, d) {
    return ((a * 64 + b) * 4096 + (c & 4095)) * 4096 + (d & 4095);
  }
  function drawArrows(ctx, vis) {
    const heads = vis.length < 6000;
    const dedupe = vis.length > 2000;
    ctx.lineWidth = vis.length > 15000 ? 0.6 : 1;
    for (let pass = 0; pass < 2; pass++) {
      ctx.globalAlpha = pass === 0 ? 0.14 : 0.85;
      ARROW_CLASSES.forEach(function (cls, ci) {
        const seen = new Set();
        ctx.strokeStyle = cls.color;
        ctx.beginPath();
        for (let n = 0; n < vis.length; n++) {
          const k = vis[n];
          if (arrowClass[k] !== ci || faded(A.session[k]) !== (pass === 0)) continue;
          if (dedupe) {
            const ax = arrowAxis(k);
            const key = pixelKey(
              A.from[k],
              A.to[k],
              Math.round(xOf(ax[0])) + 1024,
              Math.round(xOf(ax[1])) + 1024,
            );
            if (seen.has(key)) continue;
            seen.add(key);
          }
          pathArrow(ctx, k, heads);
        }
        ctx.stroke();
      });
    }
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1;
  }

  function drawMarks(ctx, range) {
    const dedupe = range[1] - range[0] > 2000;
    for (let pass = 0; pass < 2; pass++) {
      ctx.globalAlpha = pass === 0 ? 0.15 : 1;
      for (let ci = 0; ci < CATS.length; ci++) {
        const seen = new Set();
        ctx.fillStyle = CAT_COLOR[CATS[ci]];
        for (let i = range[0]; i < range[1]; i++) {
          if (isSend[i] || catOf[i] !== ci || faded(R.session[i]) !== (pass === 0)) continue;
          const y = layout.laneY[R.lane[i]];
          if (y < 0) continue;
          const x = xOf(axisOfRec(i));
          if (dedupe) {
            const key = R.lane[i] * 8192 + Math.round(x);
            if (seen.has(key)) continue;
            seen.add(key);
          }
          const big = ci <= 2;
          ctx.fillRect(x - (big ? 2 : 1), y - (big ? 7 : 5), big ? 4 : 3, big ? 14 : 10);
        }
      }
    }
    ctx.globalAlpha = 1;
  }

  function drawViolations(ctx, h) {
    D.violations.forEach(function (v, n) {
      if (!v.inWindow) return;
      const i = idxOf(v.recordId);
      const x = xOf(axisOfRec(i));
      ctx.strokeStyle = n === state.violation ? '#d50000' : 'rgba(213,0,0,0.45)';
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(x, AXIS_H);
      ctx.lineTo(x, h);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#d50000';
      ctx.beginPath();
      ctx.moveTo(x - 6, AXIS_H);
      ctx.lineTo(x + 6, AXIS_H);
      ctx.lineTo(x, AXIS_H + 9);
      ctx.fill();
    });
  }

  function ring(ctx, i, color, r) {
    const y = layout.laneY[R.lane[i]];
    if (y < 0) return;
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.arc(xOf(axisOfRec(i)), y, r, 0, 2 * Math.PI);
    ctx.stroke();
  }
  function drawHighlights(ctx, range) {
    ctx.lineWidth = 2;
    state.matches.forEach(function (i) {
      if (i >= range[0] && i < range[1]) ring(ctx, i, '#f9a825', 6);
    });
    // The chain: each record joined to its cause, thick.
    ctx.strokeStyle = '#ff6d00';
    ctx.beginPath();
    state.chainOrder.forEach(function (i, n) {
      const j = state.chainOrder[n + 1];
      if (j === undefined) return;
      const y0 = layout.laneY[R.lane[i]];
      const y1 = layout.laneY[R.lane[j]];
      if (y0 < 0 || y1 < 0) return;
      ctx.moveTo(xOf(axisOfRec(i)), y0);
      ctx.lineTo(xOf(axisOfRec(j)), y1);
    });
    ctx.stroke();
    state.chainOrder.forEach(function (i) {
      ring(ctx, i, '#ff6d00', 5);
    });
    if (state.selected >= 0) {
      const k = arrowOf[state.selected];
      if (k >= 0 && isSend[state.selected]) {
        ctx.strokeStyle = '#0d47a1';
        ctx.lineWidth = 3;
        ctx.beginPath();
        pathArrow(ctx, k, true);
        ctx.stroke();
      } else ring(ctx, state.selected, '#0d47a1', 8);
    }
    ctx.lineWidth = 1;
  }

  // ---- drawing: counters and overview ---------------------------------------------

  function counterBlocks() {
    return D.counters.filter(function (c, n) {
      return (state.session < 0 || state.session === n) && c.series.length > 0;
    });
  }
  function countersHeight() {
    let h = 4;
    counterBlocks().forEach(function (c) {
      h += COUNTER_HEAD_H + c.series.length * COUNTER_ROW_H;
    });
    return Math.max(h, 24);
  }
  function seriesMax(s) {
    if (s.max === undefined) {
      let m = 0;
      s.pts.forEach(function (p) {
        m = Math.max(m, p[1]);
      });
      s.max = m || 1;
    }
    return s.max;
  }
  function drawCounters() {
    const c = sizeCanvas(counters, countersHeight());
    const ctx = c.ctx;
    ctx.clearRect(0, 0, c.w, c.h);
    ctx.textBaseline = 'middle';
    let y = 4;
    const totals = new Map(
      D.meta.sessions.map(function (s) {
        return [s.session, s];
      }),
    );
    const blocks = counterBlocks();
    if (blocks.length === 0) {
      ctx.fillStyle = '#5b6475';
      ctx.fillText('No counters in this window.', 6, 12);
      return;
    }
    blocks.forEach(function (blk) {
      ctx.fillStyle = '#e8ecf2';
      ctx.fillRect(0, y, c.w, COUNTER_HEAD_H);
      ctx.fillStyle = '#1d2330';
      ctx.font = 'bold 12px system-ui, sans-serif';
      const t = totals.get(blk.session);
      const read = t
        ? '   application read (end of run): peer ' +
          fmtNum(t.peerRead) +
          ' B, router ' +
          (t.routerRead === undefined || t.routerRead === null ? '—' : fmtNum(t.routerRead) + ' B')
        : '';
      ctx.fillText('session ' + blk.session + read, 6, y + COUNTER_HEAD_H / 2);
      y += COUNTER_HEAD_H;
      blk.series.forEach(function (s) {
        drawSeries(ctx, s, y, c.w);
        y += COUNTER_ROW_H;
      });
    });
  }
  function drawSeries(ctx, s, y, w) {
    const max = seriesMax(s);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, y, GUTTER - 4, COUNTER_ROW_H);
    ctx.clip();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#3c4557';
    ctx.fillText(s.name, 16, y + 9);
    ctx.fillStyle = '#8a93a3';
    ctx.fillText(
      s.label ||
        (s.label = 'max ' + fmtNum(max) + (s.unit === 'bytes' ? ' B' : '') + ' · ' + s.source),
      16,
      y + 21,
    );
    ctx.restore();
    ctx.strokeStyle = '#edf0f4';
    ctx.beginPath();
    ctx.moveTo(GUTTER, y + COUNTER_ROW_H - 0.5);
    ctx.lineTo(w, y + COUNTER_ROW_H - 0.5);
    ctx.stroke();
    const yOf = function (v) {
      return y + COUNTER_ROW_H - 3 - (v / max) * (COUNTER_ROW_H - 7);
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, y, w - GUTTER, COUNTER_ROW_H);
    ctx.clip();
    ctx.strokeStyle = '#1565c0';
    ctx.beginPath();
    let started = false;
    let shown = 0;
    s.pts.forEach(function (p, n) {
      const x = xOf(axisOfTime(p[0]));
      const next = s.pts[n + 1];
      if (!started) ctx.moveTo(x, yOf(p[1]));
      else ctx.lineTo(x, yOf(p[1]));
      started = true;
      ctx.lineTo(next ? xOf(axisOfTime(next[0])) : w, yOf(p[1]));
      if (x >= GUTTER && x <= w) shown++;
    });
    ctx.stroke();
    if (shown < 300) {
      ctx.fillStyle = '#1565c0';
      s.pts.forEach(function (p) {
        ctx.fillRect(xOf(axisOfTime(p[0])) - 1.5, yOf(p[1]) - 1.5, 3, 3);
      });
    }
    ctx.restore();
  }

  function drawOverview() {
    const c = sizeCanvas(overview, OVERVIEW_H);
    const ctx = c.ctx;
    const runNs = Math.max(D.density.ns, toNs);
    const xr = function (t) {
      return GUTTER + (t / runNs) * (c.w - GUTTER - 10);
    };
    ctx.clearRect(0, 0, c.w, c.h);
    ctx.fillStyle = '#5b6475';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillText('whole run: ' + fmtDur(runNs), 6, 10);
    ctx.fillText('records / time', 6, 24);
    ctx.fillStyle = 'rgba(31,95,191,0.10)';
    ctx.fillRect(xr(fromNs), 0, Math.max(2, xr(toNs) - xr(fromNs)), c.h);
    const counts = D.density.counts;
    let max = 1;
    counts.forEach(function (n) {
      max = Math.max(max, n);
    });
    const bw = (c.w - GUTTER - 10) / counts.length;
    ctx.fillStyle = '#90a4ae';
    counts.forEach(function (n, b) {
      const h = (n / max) * (c.h - 6);
      ctx.fillRect(GUTTER + b * bw, c.h - h, Math.max(1, bw - 0.5), h);
    });
    ctx.fillStyle = '#c62828';
    D.bands.forEach(function (b) {
      ctx.fillRect(xr(b.t0), 0, Math.max(2, xr(b.t1) - xr(b.t0)), 4);
    });
    D.violations.forEach(function (v) {
      ctx.fillRect(xr(v.timeNs) - 1, 0, 2, c.h);
    });
    ctx.strokeStyle = '#1f5fbf';
    ctx.lineWidth = 2;
    const a = xr(timeOfAxis(view.v0));
    ctx.strokeRect(a, 1, Math.max(3, xr(timeOfAxis(view.v1)) - a), c.h - 2);
    ctx.lineWidth = 1;
  }

  // ---- hit testing ---------------------------------------------------------------

  function distToSegment(px, py, x0, y0, x1, y1) {
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len = dx * dx + dy * dy;
    const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len));
    return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
  }
  /** The record under (x, y) of the diagram: a mark, else an arrow's send record. */
  function hit(x, y) {
    const range = visibleRange();
    let best = -1;
    let bestD = 7;
    for (let i = range[0]; i < range[1]; i++) {
      if (isSend[i]) continue;
      const ly = layout.laneY[R.lane[i]];
      if (ly < 0 || Math.abs(ly - y) > 8) continue;
      const d = Math.abs(xOf(axisOfRec(i)) - x);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) return best;
    bestD = 5;
    visibleArrows().forEach(function (k) {
      const ax = arrowAxis(k);
      const d = distToSegment(
        x,
        y,
        xOf(ax[0]),
        layout.laneY[A.from[k]],
        xOf(ax[1]),
        layout.laneY[A.to[k]],
      );
      const s = idxOf(A.send[k]);
      if (d < bestD && s >= 0) {
        bestD = d;
        best = s;
      }
    });
    return best;
  }

  // ---- details panel (SPEC V-3) --------------------------------------------------------

  /** A link-like reference to a record (inline text, so a story reads as a sentence). */
  function refButton(id, label) {
    const b = el('a', 'ref', label);
    b.setAttribute('role', 'button');
    b.tabIndex = 0;
    b.dataset.record = String(id);
    const go = function (e) {
      e.stopPropagation();
      const i = idxOf(id);
      if (i >= 0) {
        select(i);
        centreOn(i, null);
      }
    };
    b.addEventListener('click', go);
    b.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') go(e);
    });
    return b;
  }
  function describe(i) {
    return '#' + (FIRST + i) + ' ' + kindOf(i).name + ' · ' + D.actors[R.actor[i]];
  }
  function fieldText(v) {
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  function showDetails(i) {
    const box = byId('detail');
    box.textContent = '';
    if (i < 0) {
      box.appendChild(el('p', null, 'Click a record or an arrow in the diagram.'));
      return;
    }
    const id = FIRST + i;
    box.appendChild(el('h3', null, '#' + id + ' ' + kindOf(i).name));
    const dl = el('dl');
    const add = function (k, v) {
      dl.appendChild(el('dt', null, k));
      dl.appendChild(el('dd', null, v));
    };
    add('time', fmtTime(R.t[i]));
    add('actor', D.actors[R.actor[i]]);
    add('lane', D.lanes[R.lane[i]].group + ' · ' + D.lanes[R.lane[i]].label);
    const f = R.fields[i];
    if (f.session === undefined)
      add('session (derived)', R.session[i] >= 0 ? D.sessions[R.session[i]] : '—');
    Object.keys(f).forEach(function (k) {
      add(k, fieldText(f[k]));
    });
    box.appendChild(dl);
    messageDetails(box, i);
    causeDetails(box, i);
    const chainBtn = el('button', null, 'highlight its chain of causes');
    chainBtn.type = 'button';
    chainBtn.addEventListener('click', function () {
      setChain(chainFrom(i));
      redraw();
    });
    box.appendChild(chainBtn);
  }
  function messageDetails(box, i) {
    const k = arrowOf[i];
    if (k < 0) return;
    const p = el('p');
    const fate = D.fates[A.fate[k]];
    p.textContent =
      D.types[A.type[k]] +
      ' from ' +
      D.lanes[A.from[k]].group +
      ' (' +
      D.lanes[A.from[k]].label +
      ') to ' +
      D.lanes[A.to[k]].group +
      ' (' +
      D.lanes[A.to[k]].label +
      '), ' +
      fate +
      ' at ' +
      fmtTime(A.t1[k]) +
      ' (after ' +
      fmtDur(A.t1[k] - A.t0[k]) +
      ')';
    box.appendChild(p);
    const ids = el('p');
    ids.appendChild(el('span', null, 'records: '));
    ids.appendChild(refButton(A.send[k], '#' + A.send[k] + ' send'));
    if (A.via[k] >= 0) {
      ids.appendChild(el('span', null, ', '));
      ids.appendChild(refButton(A.via[k], '#' + A.via[k] + ' link forward'));
    }
    if (A.end[k] >= 0) {
      ids.appendChild(el('span', null, ', '));
      ids.appendChild(refButton(A.end[k], '#' + A.end[k] + ' ' + fate));
    }
    box.appendChild(ids);
  }
  function causeDetails(box, i) {
    box.appendChild(el('h4', null, 'cause'));
    const cause = R.cause[i];
    const ci = idxOf(cause);
    if (cause < 0) box.appendChild(el('p', null, 'none: a root record (scenario set-up)'));
    else if (ci < 0) box.appendChild(el('p', null, '#' + cause + ' (outside this window)'));
    else {
      const p = el('p');
      p.appendChild(refButton(cause, describe(ci)));
      box.appendChild(p);
    }
    const effects = effectsOf(i);
    box.appendChild(el('h4', null, 'effects (' + effects.length + ')'));
    const ul = el('ul');
    Array.prototype.slice.call(effects, 0, 60).forEach(function (j) {
      const li = el('li');
      li.appendChild(refButton(FIRST + j, describe(j)));
      ul.appendChild(li);
    });
    if (effects.length > 60) ul.appendChild(el('li', null, '… ' + (effects.length - 60) + ' more'));
    if (effects.length === 0) ul.appendChild(el('li', null, 'none in this window'));
    box.appendChild(ul);
  }

  // ---- selection, chains, centring -----------------------------------------------------

  function chainFrom(i) {
    const out = [];
    let cur = i;
    while (cur >= 0 && out.length < 2000) {
      out.push(cur);
      cur = idxOf(R.cause[cur]);
    }
    return out;
  }
  function setChain(order) {
    state.chainOrder = order;
    state.chain = new Set(order);
  }
  function select(i) {
    state.selected = i;
    diagram.dataset.selected = i >= 0 ? String(FIRST + i) : '';
    showDetails(i);
    redraw();
  }
  /** Centres the view on record i; `span` (ns) or the current zoom; scrolls to its lane. */
  function centreOn(i, spanNs, noScroll) {
    const scroll = !noScroll;
    const t = R.t[i];
    if (view.mode === 'time') {
      const span = Math.max(MIN_SPAN_NS, spanNs || view.v1 - view.v0);
      view.v0 = t - span / 2;
      view.v1 = t + span / 2;
    } else {
      const span = spanNs
        ? Math.max(40, stepOfTime(t + spanNs / 2) - stepOfTime(t - spanNs / 2))
        : view.v1 - view.v0;
      view.v0 = i - span / 2;
      view.v1 = i + span / 2;
    }
    diagram.dataset.centredRecord = String(FIRST + i);
    // Bring the record's lane into view, unless it is already there.
    const y = layout.laneY[R.lane[i]];
    const top = diagram.getBoundingClientRect().top + y;
    if (y >= 0 && scroll && (top < 40 || top > window.innerHeight - 40))
      window.scrollTo(window.scrollX, Math.max(0, window.scrollY + top - window.innerHeight / 2));
    redraw();
  }

  // ---- violations panel (SPEC V-2) ---------------------------------------------------

  function suggestWindow(v) {
    const a = Math.max(0, v.timeNs - 200e6);
    return (a / 1e9).toFixed(3) + 's..' + ((v.timeNs + 50e6) / 1e9).toFixed(3) + 's';
  }
  function violationItem(v, n) {
    const li = el('li');
    li.dataset.check = v.check;
    li.dataset.record = String(v.recordId);
    li.tabIndex = 0;
    const where = v.recordId >= 0 ? ' (record #' + v.recordId + ')' : ' (end of run)';
    li.appendChild(el('div', 'vhead', v.check + ' at ' + fmtTime(v.timeNs, 6) + where));
    const story = el('div', 'story');
    v.story.forEach(function (p) {
      story.appendChild(typeof p === 'string' ? el('span', null, p) : refButton(p.id, p.text));
    });
    li.appendChild(story);
    const chain = el('div', 'chain');
    if (!v.inWindow) {
      li.classList.add('outside');
      chain.textContent =
        v.recordId >= 0
          ? 'Record #' +
            v.recordId +
            ' is outside this window: write the report again with --window ' +
            suggestWindow(v) +
            '.'
          : 'Judged at the end of the run; no single record. Evidence: ' +
            JSON.stringify(v.evidence || {});
    } else {
      chain.appendChild(el('span', null, 'chain of ' + v.chain.length + ' records: '));
      v.chain.slice(0, 6).forEach(function (id, k) {
        if (k > 0) chain.appendChild(el('span', null, ' ← '));
        chain.appendChild(refButton(id, '#' + id));
      });
      if (v.chain.length > 6)
        chain.appendChild(el('span', null, ' ← … ← #' + v.chain[v.chain.length - 1]));
      if (v.chainBeyond >= 0)
        chain.appendChild(
          el('span', null, ' (continues before the window at #' + v.chainBeyond + ')'),
        );
    }
    li.appendChild(chain);
    const open = function () {
      openViolation(n);
    };
    li.addEventListener('click', open);
    li.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') open();
    });
    return li;
  }
  function openViolation(n, noScroll) {
    const v = D.violations[n];
    state.violation = n;
    document.querySelectorAll('#violations li').forEach(function (li, k) {
      li.classList.toggle('selected', k === n);
    });
    if (!v.inWindow) {
      if (v.recordId < 0 && v.timeNs >= fromNs && v.timeNs <= toNs) {
        centreOnTime(v.timeNs);
      }
      redraw();
      return;
    }
    const i = idxOf(v.recordId);
    setChain(
      v.chain.map(idxOf).filter(function (j) {
        return j >= 0;
      }),
    );
    let earliest = R.t[i];
    v.related.forEach(function (id) {
      const j = idxOf(id);
      if (j >= 0) earliest = Math.min(earliest, R.t[j]);
    });
    select(i);
    centreOn(i, Math.max(200000, 2.4 * (R.t[i] - earliest)), noScroll);
  }
  function centreOnTime(t) {
    const span = view.v1 - view.v0;
    const a = axisOfTime(t);
    view.v0 = a - span / 2;
    view.v1 = a + span / 2;
  }
  /** Without a violation, the page opens on the first fault in the window (its band and after). */
  function focusFault() {
    const b = D.bands.find(function (x) {
      return x.t0 >= fromNs && x.t0 <= toNs;
    });
    if (!b) return;
    const len = Math.max(b.t1 - b.t0, 20e6);
    const a0 = Math.max(fromNs, b.t0 - 0.15 * len);
    const a1 = Math.min(toNs, b.t1 + 0.6 * len);
    view.v0 = axisOfTime(a0);
    view.v1 = Math.max(view.v0 + MIN_SPAN_NS, axisOfTime(a1));
    redraw();
  }
  function buildViolations() {
    const list = byId('violations');
    list.textContent = '';
    byId('violation-count').textContent = String(D.violations.length);
    if (D.violations.length === 0) {
      list.appendChild(el('li', 'none', 'No checker fired.'));
      return;
    }
    D.violations.forEach(function (v, n) {
      list.appendChild(violationItem(v, n));
    });
  }

  // ---- toolbar: zoom, axis mode, filters, search ----------------------------------------

  function zoom(factor, atX) {
    const a = atX === undefined ? (view.v0 + view.v1) / 2 : axisOfX(atX);
    const dom = domain();
    const minSpan = view.mode === 'time' ? MIN_SPAN_NS : 8;
    const span = Math.min((dom[1] - dom[0]) * 1.5, Math.max(minSpan, (view.v1 - view.v0) * factor));
    const f = (a - view.v0) / (view.v1 - view.v0);
    view.v0 = a - f * span;
    view.v1 = view.v0 + span;
    redraw();
  }
  function pan(dx) {
    const d = (dx / plotW()) * (view.v1 - view.v0);
    view.v0 -= d;
    view.v1 -= d;
    redraw();
  }
  function fit() {
    const dom = domain();
    const pad = (dom[1] - dom[0]) * 0.01;
    view.v0 = dom[0] - pad;
    view.v1 = dom[1] + pad;
    redraw();
  }
  function setMode(mode) {
    if (mode === view.mode) return;
    const t0 = timeOfAxis(view.v0);
    const t1 = timeOfAxis(view.v1);
    view.mode = mode;
    view.v0 = axisOfTime(t0);
    view.v1 = Math.max(view.v0 + (mode === 'time' ? MIN_SPAN_NS : 8), axisOfTime(t1));
    redraw();
  }

  let searchText = null;
  function search(q) {
    q = q.trim().toLowerCase();
    state.matches = [];
    state.matchAt = -1;
    const status = byId('status');
    if (q === '') {
      status.textContent = '';
      redraw();
      return;
    }
    const idm = /^#?(\d+)$/.exec(q);
    if (idm) {
      const i = idxOf(Number(idm[1]));
      status.textContent =
        i >= 0 ? 'record #' + idm[1] : 'record #' + idm[1] + ' is not in this window';
      if (i >= 0) {
        select(i);
        centreOn(i, null);
      }
      return;
    }
    if (searchText === null) {
      searchText = new Array(N);
      for (let i = 0; i < N; i++)
        searchText[i] = (
          D.actors[R.actor[i]] +
          ' ' +
          kindOf(i).name +
          ' ' +
          JSON.stringify(R.fields[i])
        ).toLowerCase();
    }
    for (let i = 0; i < N; i++) if (searchText[i].indexOf(q) >= 0) state.matches.push(i);
    status.textContent = state.matches.length + ' match' + (state.matches.length === 1 ? '' : 'es');
    step(1);
  }
  function step(dir) {
    const m = state.matches;
    if (m.length === 0) {
      redraw();
      return;
    }
    state.matchAt = (state.matchAt + dir + m.length) % m.length;
    byId('status').textContent = 'match ' + (state.matchAt + 1) + ' of ' + m.length;
    select(m[state.matchAt]);
    centreOn(m[state.matchAt], null);
  }

  function buildToolbar() {
    byId('zoom-in').addEventListener('click', function () {
      zoom(0.5);
    });
    byId('zoom-out').addEventListener('click', function () {
      zoom(2);
    });
    byId('zoom-fit').addEventListener('click', fit);
    byId('axis-time').addEventListener('change', function () {
      setMode('time');
    });
    byId('axis-step').addEventListener('change', function () {
      setMode('step');
    });
    const sel = byId('session');
    D.sessions.forEach(function (s, n) {
      const o = el('option', null, s);
      o.value = String(n);
      sel.appendChild(o);
    });
    sel.addEventListener('change', function () {
      state.session = Number(sel.value);
      redraw();
    });
    const filters = byId('filters');
    const seen = [];
    D.lanes.forEach(function (l) {
      if (seen.indexOf(l.filter) < 0) seen.push(l.filter);
    });
    seen.forEach(function (f) {
      const label = el('label');
      const box = el('input');
      box.type = 'checkbox';
      box.checked = true;
      box.dataset.filter = f;
      box.addEventListener('change', function () {
        if (box.checked) state.hidden.delete(f);
        else state.hidden.add(f);
        computeLayout();
        redraw();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + f));
      filters.appendChild(label);
    });
    const input = byId('search');
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') search(input.value);
    });
    byId('search-next').addEventListener('click', function () {
      if (state.matches.length === 0) search(input.value);
      else step(1);
    });
    byId('search-prev').addEventListener('click', function () {
      step(-1);
    });
  }

  function buildLegend() {
    const lg = byId('legend');
    const add = function (color, text) {
      const s = el('span');
      const sw = el('span', 'swatch');
      sw.style.background = color;
      s.appendChild(sw);
      s.appendChild(document.createTextNode(text));
      lg.appendChild(s);
    };
    CATS.forEach(function (c) {
      add(CAT_COLOR[c], c);
    });
    ARROW_CLASSES.forEach(function (c) {
      add(c.color, '→ ' + c.name);
    });
    ['master', 'backup', 'syncing', 'down'].forEach(function (s) {
      add(STATE_COLOR[s], 'RE ' + s);
    });
    ['pending', 'active', 'failed', 'none'].forEach(function (s) {
      add(STATE_COLOR[s], 'replication ' + s);
    });
  }

  // ---- mouse and keyboard ----------------------------------------------------------------

  function local(c, e) {
    const r = c.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }
  function bindDiagram() {
    let drag = null;
    diagram.addEventListener('mousedown', function (e) {
      drag = { x: e.clientX, moved: false };
    });
    window.addEventListener('mousemove', function (e) {
      if (drag) {
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 2) drag.moved = true;
        if (drag.moved) {
          diagram.classList.add('dragging');
          drag.x = e.clientX;
          pan(dx);
        }
        return;
      }
      if (e.target === diagram) hover(e);
      else tip.style.display = 'none';
    });
    window.addEventListener('mouseup', function (e) {
      if (drag && !drag.moved && e.target === diagram) {
        const p = local(diagram, e);
        const i = hit(p.x, p.y);
        if (i >= 0) select(i);
      }
      drag = null;
      diagram.classList.remove('dragging');
    });
    diagram.addEventListener(
      'wheel',
      function (e) {
        e.preventDefault();
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) pan(-(e.deltaX || e.deltaY));
        else zoom(Math.pow(1.0015, e.deltaY), local(diagram, e).x);
      },
      { passive: false },
    );
    counters.addEventListener('click', function (e) {
      const i = counterHit(local(counters, e));
      if (i >= 0) select(i);
    });
    overview.addEventListener('click', function (e) {
      const p = local(overview, e);
      const runNs = Math.max(D.density.ns, toNs);
      const t = ((p.x - GUTTER) / (overview.clientWidth - GUTTER - 10)) * runNs;
      if (t >= fromNs && t <= toNs) {
        centreOnTime(t);
        redraw();
      }
    });
    window.addEventListener('keydown', function (e) {
      const tag = e.target && e.target.tagName;
      if (tag === 'INPUT' || tag === 'SELECT') return;
      if (e.key === '+' || e.key === '=') zoom(0.5);
      else if (e.key === '-') zoom(2);
      else if (e.key === '0') fit();
      else if (e.key === 'ArrowLeft') pan(plotW() / 4);
      else if (e.key === 'ArrowRight') pan(-plotW() / 4);
    });
    window.addEventListener('resize', redraw);
  }
  function hover(e) {
    const p = local(diagram, e);
    const i = p.x > GUTTER ? hit(p.x, p.y) : -1;
    if (i < 0) {
      tip.style.display = 'none';
      return;
    }
    tip.textContent = describe(i) + '\n' + fmtTime(R.t[i]);
    tip.style.display = 'block';
    tip.style.left = e.clientX + 12 + 'px';
    tip.style.top = e.clientY + 12 + 'px';
  }
  function counterHit(p) {
    let y = 4;
    let found = -1;
    counterBlocks().forEach(function (blk) {
      y += COUNTER_HEAD_H;
      blk.series.forEach(function (s) {
        if (found < 0 && p.y >= y && p.y < y + COUNTER_ROW_H) {
          let best = 6;
          s.pts.forEach(function (pt) {
            const d = Math.abs(xOf(axisOfTime(pt[0])) - p.x);
            if (d < best) {
              best = d;
              found = idxOf(pt[2]);
            }
          });
        }
        y += COUNTER_ROW_H;
      });
    });
    return found;
  }

  // ---- start -------------------------------------------------------------------------------

  computeLayout();
  measurePlot();
  buildToolbar();
  buildLegend();
  buildViolations();
  showDetails(-1);
  bindDiagram();
  fit();
  // Violations first (SPEC V-2): the page opens on the first one in the window.
  const firstShown = D.violations.findIndex(function (v) {
    return v.inWindow;
  });
  if (firstShown >= 0) openViolation(firstShown, true);
  else focusFault();
  document.body.dataset.ready = '1';
})();
