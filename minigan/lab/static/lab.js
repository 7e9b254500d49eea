// minigan lab: draws the frames the server streams (/events) and sends commands (/command).
// Plain JavaScript on canvases: no library, no network beyond this page's own server.
'use strict';
const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const requestedPreset = params.get('preset');
const REAL = '#f58518', FAKE = '#4c78a8', ARROW = '#2ca02c';
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ sliders
// Each slider moves over a list of values (log-spaced where the setting spans decades).
const SLIDERS = [
  { name: 'gp_weight', label: 'λ', values: [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100],
    active: (s) => s.lipschitz === 'gp' },
  { name: 'clip_value', label: 'c', values: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    active: (s) => s.lipschitz === 'clip' },
  { name: 'n_critic', label: 'n_critic', values: [1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 20] },
  { name: 'lr', label: 'lr', values: [1e-5, 3e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2] },
  { name: 'generator_lr', label: 'G lr', values: [null, 1e-5, 3e-5, 5e-5, 1e-4, 1.5e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2] },
  { name: 'batch_size', label: 'batch', values: [16, 32, 64, 128, 256, 512, 1024, 2048] },
];
const touched = {};  // name -> time of the user's last move: the server's echo must not undo a drag

function nearest(values, value) {
  let best = 0;
  values.forEach((v, i) => {
    if (v === null || value === null) { if (v === value) best = i; return; }
    if (values[best] === null || Math.abs(Math.log(v + 1e-12) - Math.log(value + 1e-12)) <
        Math.abs(Math.log(values[best] + 1e-12) - Math.log(value + 1e-12))) best = i;
  });
  return best;
}
function show(value) {
  if (value === null || value === undefined) return 'same';
  if (value === 0) return '0';
  return Math.abs(value) >= 0.01 && Math.abs(value) < 1000 ? String(+value.toPrecision(3)) : value.toExponential(1);
}
for (const slider of SLIDERS) {
  const label = document.createElement('label');
  label.id = 'label-' + slider.name;
  label.innerHTML = `${slider.label} <input type="range" id="${slider.name}" min="0" max="${slider.values.length - 1}"
    step="1" value="0" aria-label="${slider.name}"><output id="${slider.name}-value"></output>`;
  $('sliders').appendChild(label);
  const input = label.querySelector('input');
  input.addEventListener('input', () => {
    touched[slider.name] = performance.now();
    $(slider.name + '-value').textContent = show(slider.values[+input.value]);
  });
  input.addEventListener('change', () => {
    touched[slider.name] = performance.now();
    send({ action: 'set', settings: { [slider.name]: slider.values[+input.value] } });
  });
}

// ------------------------------------------------------------------ selects and buttons
for (const [name, preset] of Object.entries(LAB.presets)) {
  const option = new Option(preset.lesson === null ? name : `${name} (lesson ${preset.lesson})`, name);
  $('preset').add(option);
}
for (const name of LAB.datasets) $('data').add(new Option(name, name));
$('preset').addEventListener('change', () => send({ action: 'preset', name: $('preset').value }));
$('data').addEventListener('change', () => send({ action: 'set', settings: { data: $('data').value } }));
$('method').addEventListener('change', () => {
  const [loss, lipschitz] = $('method').value.split('/');
  send({ action: 'set', settings: { loss, lipschitz } });
});
let playing = false;
$('play').addEventListener('click', () => send({ action: playing ? 'pause' : 'play' }));
$('reset').addEventListener('click', () => send({ action: 'reset' }));
$('step-critic').addEventListener('click', () => send({ action: 'step', what: 'critic' }));
$('step-generator').addEventListener('click', () => send({ action: 'step', what: 'generator' }));
$('step-both').addEventListener('click', () => send({ action: 'step', what: 'both' }));
$('save').addEventListener('click', () => send({ action: 'save' }));
document.addEventListener('keydown', (event) => {
  if (event.target.tagName === 'INPUT' || event.target.tagName === 'SELECT') return;
  if (event.key === ' ') { event.preventDefault(); $('play').click(); }
});
for (const id of ['layer-surface', 'layer-real', 'layer-generated', 'layer-arrows', 'layer-optimal']) {
  $(id).addEventListener('change', () => { if (latest) drawField(latest); });
}

async function send(command) {
  $('error').textContent = '';
  try {
    const response = await fetch('/command?token=' + encodeURIComponent(token), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(command) });
    const reply = await response.json();
    if (!response.ok) $('error').textContent = reply.error || ('error ' + response.status);
    else if (reply.folder) $('message').textContent = 'saving to ' + reply.folder + ' …';
    return reply;
  } catch (error) {
    $('error').textContent = 'the lab is not answering: ' + error;
    return null;
  }
}

// ------------------------------------------------------------------ colours
// A diverging scale: blue below the centre, white at it, red above (as RdBu reversed).
const STOPS = [[33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247], [253, 219, 199],
  [239, 138, 98], [178, 24, 43]];
function diverging(t) {  // t in [-1, 1]
  const x = (Math.max(-1, Math.min(1, t)) + 1) / 2 * (STOPS.length - 1);
  const i = Math.min(Math.floor(x), STOPS.length - 2), f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
}
const sigmoid = (v) => 1 / (1 + Math.exp(-Math.max(-50, Math.min(50, v))));

// The surface's scale: σ(D) around ½ for a GAN; D around its median over the grid for a critic
// (a critic is defined up to a constant: only its differences mean something).
function surfaceScale(frame) {
  const flat = frame.dim === 2 ? frame.grid_values.flat() : frame.grid_values.slice();
  if (frame.discriminator) return { centre: 0.5, half: 0.5, map: sigmoid, label: 'σ(D(x))' };
  const sorted = flat.filter((v) => v !== null).sort((a, b) => a - b);
  const centre = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  const half = Math.max(1e-9, ...sorted.map((v) => Math.abs(v - centre)));
  return { centre, half, map: (v) => v, label: 'D(x)' };
}

// ------------------------------------------------------------------ the field
function drawField(frame) {
  const canvas = $('field'), ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, r = frame.plot_range;
  ctx.clearRect(0, 0, W, H);
  const scale = surfaceScale(frame);
  drawColorbar(scale);
  if (frame.dim === 1) { drawLine(frame, ctx, W, H, r, scale); return; }
  const px = (x) => (x + r) / (2 * r) * W, py = (y) => H - (y + r) / (2 * r) * H;
  if ($('layer-surface').checked) {
    const G = frame.grid_values.length;
    const image = new ImageData(G, G);
    for (let i = 0; i < G; i++) {
      for (let j = 0; j < G; j++) {
        const value = frame.grid_values[i][j];
        const [red, green, blue] = value === null ? [200, 200, 200] : diverging((scale.map(value) - scale.centre) / scale.half);
        const at = ((G - 1 - i) * G + j) * 4;  // row i is y = grid_x[i]: the top row is the largest y
        image.data.set([red, green, blue, 255], at);
      }
    }
    const off = document.createElement('canvas');
    off.width = off.height = G;
    off.getContext('2d').putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.85;
    const cell = W / (G - 1) / 2;  // grid points are cell centres: stretch half a cell past each edge
    ctx.drawImage(off, -cell, -cell, W + 2 * cell, H + 2 * cell);
    ctx.globalAlpha = 1;
  }
  const dots = (points, colour, radius, alpha) => {
    ctx.fillStyle = colour; ctx.globalAlpha = alpha;
    for (const [x, y] of points) { ctx.beginPath(); ctx.arc(px(x), py(y), radius, 0, 2 * Math.PI); ctx.fill(); }
    ctx.globalAlpha = 1;
  };
  if ($('layer-real').checked) dots(frame.real, REAL, 3, 0.45);
  if ($('layer-generated').checked) dots(frame.generated, FAKE, 2.4, 0.9);
  if ($('layer-arrows').checked) {
    const norms = frame.arrow_vectors.map(([a, b]) => Math.hypot(a, b));
    const top = Math.max(1e-12, ...norms);
    ctx.strokeStyle = ARROW; ctx.fillStyle = ARROW; ctx.lineWidth = 1.6;
    frame.arrow_points.forEach(([x, y], k) => {
      const n = norms[k];
      if (!(n > 0)) return;
      const length = 10 + 26 * Math.sqrt(n / top);  // pixels; longer where ∇ₓD is steeper
      const ux = frame.arrow_vectors[k][0] / n, uy = -frame.arrow_vectors[k][1] / n;
      const x0 = px(x), y0 = py(y), x1 = x0 + ux * length, y1 = y0 + uy * length;
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 6 * ux + 3 * uy, y1 - 6 * uy - 3 * ux); ctx.lineTo(x1 - 6 * ux - 3 * uy, y1 - 6 * uy + 3 * ux);
      ctx.closePath(); ctx.fill();
    });
  }
  ctx.fillStyle = '#333'; ctx.font = '12px system-ui';
  ctx.fillText(`[−${r}, ${r}]²`, 6, H - 6);
}

// 1-D: densities of real and generated points, with the critic f and the exact optimal f*.
function drawLine(frame, ctx, W, H, r, scale) {
  const bins = 60, width = 2 * r / bins;
  const count = (points) => {
    const c = new Array(bins).fill(0);
    for (const [x] of points) { const b = Math.floor((x + r) / width); if (b >= 0 && b < bins) c[b]++; }
    return c.map((v) => v / points.length / width);
  };
  const real = count(frame.real), fake = count(frame.generated);
  const top = Math.max(0.05, ...real, ...fake) * 1.1;
  const base = H - 24, px = (x) => (x + r) / (2 * r) * W;
  const bars = (c, colour, show) => {
    if (!show) return;
    ctx.fillStyle = colour; ctx.globalAlpha = 0.45;
    c.forEach((v, b) => ctx.fillRect(px(-r + b * width), base - v / top * (base * 0.5), W / bins, v / top * (base * 0.5)));
    ctx.globalAlpha = 1;
  };
  bars(real, REAL, $('layer-real').checked);
  bars(fake, FAKE, $('layer-generated').checked);
  // f and f* shifted to mean 0 over the grid (both are defined up to a constant), on one scale
  const centred = (values) => { const m = values.reduce((a, b) => a + b, 0) / values.length; return values.map((v) => v - m); };
  const f = centred(frame.grid_values.map(scale.map));
  const curves = [];
  if ($('layer-surface').checked) curves.push([f, '#000', []]);
  if (frame.optimal_critic && $('layer-optimal').checked && !frame.discriminator) curves.push([centred(frame.optimal_critic), '#9467bd', [6, 4]]);
  const span = Math.max(1e-9, ...curves.flatMap(([v]) => v.map(Math.abs)));
  const mid = base * 0.3;
  for (const [values, colour, dash] of curves) {
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash(dash); ctx.beginPath();
    values.forEach((v, k) => {
      const x = px(frame.grid_x[k]), y = mid - v / span * (base * 0.27);
      if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(0, base); ctx.lineTo(W, base); ctx.stroke();
  ctx.fillStyle = '#333'; ctx.font = '12px system-ui';
  ctx.fillText(`x ∈ [−${r}, ${r}]   black: the critic ${frame.discriminator ? 'σ(D)' : 'f'}` +
    (frame.discriminator ? '' : '   dashed: the exact optimal critic f*'), 6, H - 6);
}

function drawColorbar(scale) {
  const canvas = $('colorbar'), ctx = canvas.getContext('2d');
  const H = canvas.height, top = 20, bottom = H - 20, x = 6, w = 16;
  ctx.clearRect(0, 0, canvas.width, H);
  for (let y = top; y <= bottom; y++) {
    const t = 1 - 2 * (y - top) / (bottom - top);
    ctx.fillStyle = `rgb(${diverging(t).join(',')})`;
    ctx.fillRect(x, y, w, 1);
  }
  ctx.strokeStyle = '#888'; ctx.strokeRect(x, top, w, bottom - top);
  ctx.fillStyle = '#222'; ctx.font = '11px system-ui';
  for (let k = 0; k <= 4; k++) {
    const t = 1 - k / 2, y = top + (bottom - top) * k / 4;
    ctx.fillText(show(+(scale.centre + t * scale.half).toPrecision(3)), x + w + 4, y + 4);
  }
  ctx.fillText(scale.label, 2, 12);
}

// ------------------------------------------------------------------ charts
let series = [], seriesRun = -1;
function lineChart(canvas, lines, xmax) {
  const ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height, L = 44, B = 22, T = 8, R = 8;
  ctx.clearRect(0, 0, W, H);
  const ys = lines.flatMap((l) => l.points.map((p) => p[1])).filter((v) => v !== null && isFinite(v));
  const ymax = Math.max(1e-6, ...ys) * 1.08, ymin = Math.min(0, ...ys);
  const X = (s) => L + (W - L - R) * s / Math.max(1, xmax), Y = (v) => H - B - (H - B - T) * (v - ymin) / (ymax - ymin);
  ctx.strokeStyle = '#ccc'; ctx.strokeRect(L, T, W - L - R, H - B - T);
  ctx.fillStyle = '#333'; ctx.font = '11px system-ui';
  for (let k = 0; k <= 3; k++) {
    const v = ymin + (ymax - ymin) * k / 3;
    ctx.fillText(show(+v.toPrecision(2)), 2, Y(v) + 4);
  }
  ctx.fillText('step ' + xmax, W - R - 60, H - 6);
  for (const line of lines) {
    ctx.strokeStyle = line.colour; ctx.fillStyle = line.colour; ctx.lineWidth = 1.6; ctx.setLineDash(line.dash || []);
    if (line.dots) {
      for (const [s, v] of line.points) if (v !== null) { ctx.beginPath(); ctx.arc(X(s), Y(v), 3, 0, 2 * Math.PI); ctx.fill(); }
    } else {
      ctx.beginPath(); let started = false;
      for (const [s, v] of line.points) {
        if (v === null || !isFinite(v)) { started = false; continue; }
        if (started) ctx.lineTo(X(s), Y(v)); else { ctx.moveTo(X(s), Y(v)); started = true; }
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
}

function histogram(canvas, h, marks, colour) {
  const ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height, B = 18;
  ctx.clearRect(0, 0, W, H);
  const top = Math.max(1, ...h.counts), n = h.counts.length;
  const X = (v) => 6 + (W - 12) * (v - h.low) / (h.high - h.low);
  ctx.fillStyle = colour;
  h.counts.forEach((c, k) => {
    const x0 = X(h.low + (h.high - h.low) * k / n), x1 = X(h.low + (h.high - h.low) * (k + 1) / n);
    const height = (H - B - 6) * c / top;
    ctx.fillRect(x0, H - B - height, Math.max(1, x1 - x0 - 1), height);
  });
  ctx.strokeStyle = '#d62728'; ctx.lineWidth = 2;
  for (const m of marks) {
    if (m < h.low || m > h.high) continue;
    ctx.beginPath(); ctx.moveTo(X(m), 4); ctx.lineTo(X(m), H - B); ctx.stroke();
  }
  ctx.fillStyle = '#333'; ctx.font = '11px system-ui';
  ctx.fillText(show(+h.low.toPrecision(2)), 4, H - 4);
  ctx.fillText(show(+h.high.toPrecision(2)), W - 44, H - 4);
  ctx.fillText('mean ' + show(h.mean) + ', max |·| ' + show(h.max), W / 2 - 60, H - 4);
}

// ------------------------------------------------------------------ frames
let latest = null, presetAsked = false;
function render(frame) {
  latest = frame;
  const s = frame.settings;
  playing = frame.playing;
  $('play').innerHTML = playing ? '&#10074;&#10074; pause' : '&#9654; play';
  $('step').textContent = frame.step;
  $('critic-steps').textContent = frame.critic_steps;
  $('rate').textContent = frame.steps_per_second ? frame.steps_per_second.toFixed(1) : (playing ? '…' : '–');
  $('w1').textContent = frame.w1_exact === null ? '–' : frame.w1_exact.toFixed(3);
  const clip = s.lipschitz === 'clip';
  const estimate = frame.discriminator ? null : (clip ? frame.w1_critic_per_slope : frame.w1_critic);
  $('estimate').textContent = estimate === null ? '–' : estimate.toFixed(3);
  $('estimate-label').textContent = frame.discriminator ? "no estimate (a GAN's D is not a critic)"
    : clip ? "critic's estimate ÷ measured slope" : "critic's estimate";
  $('bound').textContent = frame.lipschitz_bound === null ? '–' : show(frame.lipschitz_bound);
  $('w1-points').textContent = frame.w1_points;
  $('message').textContent = frame.message || '';
  const preset = LAB.presets[frame.preset];
  $('preset-title').textContent = preset ? preset.title : '';
  $('watch').textContent = preset ? preset.watch : '';
  if (document.activeElement !== $('preset')) $('preset').value = frame.preset;
  if (document.activeElement !== $('data')) $('data').value = s.data;
  if (document.activeElement !== $('method')) $('method').value = s.loss + '/' + s.lipschitz;
  const now = performance.now();
  for (const slider of SLIDERS) {
    const input = $(slider.name);
    if (!(touched[slider.name] > now - 1500) && document.activeElement !== input) {
      input.value = nearest(slider.values, s[slider.name]);
      $(slider.name + '-value').textContent = show(s[slider.name]);
    }
    $('label-' + slider.name).classList.toggle('inactive', slider.active ? !slider.active(s) : false);
  }
  if (frame.run_id !== seriesRun || (series.length && frame.step < series[series.length - 1].step)) {
    series = []; seriesRun = frame.run_id;
  }
  if (!series.length || series[series.length - 1].step !== frame.step || frame.w1_exact_full !== null) {
    series.push({ step: frame.step, w1: frame.w1_exact, estimate, floor: frame.sampling_floor, full: frame.w1_exact_full });
    if (series.length > 3000) series = series.filter((_, k) => k % 2 === 0);
  }
  drawField(frame);
  const xmax = Math.max(10, frame.step);
  lineChart($('w1chart'), [
    { colour: '#888', dash: [4, 4], points: series.map((p) => [p.step, p.floor]) },
    { colour: '#1f77b4', points: series.map((p) => [p.step, p.estimate]) },
    { colour: '#000', points: series.map((p) => [p.step, p.w1]) },
    { colour: '#000', dots: true, points: series.filter((p) => p.full !== null).map((p) => [p.step, p.full]) },
  ], xmax);
  histogram($('gradhist'), frame.grad_norms, [1], s.lipschitz === 'gp' ? '#4c78a8' : '#9db4cf');
  histogram($('weighthist'), frame.weights, clip ? [-s.clip_value, s.clip_value] : [], clip ? '#4c78a8' : '#9db4cf');
  if (requestedPreset && !presetAsked) {
    presetAsked = true;
    if (frame.preset !== requestedPreset) send({ action: 'preset', name: requestedPreset });
  }
}

const source = new EventSource('/events?token=' + encodeURIComponent(token));
source.onopen = () => { $('connection').textContent = 'live'; };
source.onmessage = (event) => { $('connection').textContent = 'live'; render(JSON.parse(event.data)); };
source.onerror = () => { $('connection').textContent = 'reconnecting…'; };
