// The convolution and pooling explorer of d2l_ch6, in plain JavaScript for the offline site.
//
// The same explorer as the notebook widget (d2l_ch6/explorer.py, conv_explorer): sliders for
// n, k, p (per side, Gluon's padding), s and d, the switch between cross-correlation, max and
// average pooling, the book's integer grid or a Fashion-MNIST test image; it draws the padded
// input with the window of the chosen output cell (the kernel's weights in its corners), the
// kernel, the output, formula (6.3.3) with the numbers and the equivalent Gluon line. The
// controls, their bounds and the image come from explorer.site_description() (explorer-data.js);
// the texts and the numbers are computed here as explorer_view computes them, and
// tests/test_explorer.py checks both against Python and Gluon's layers.
// No network, no framework; every element is built with the DOM (no inline script or HTML).
(function () {
  'use strict';
  var D = window.D2L_EXPLORER;

  function effK(k, d) { return d * (k - 1) + 1; }

  function gluonLine(st) {
    if (st.mode === 'corr') {
      return 'nn.Conv2D(1, kernel_size=' + st.k + ', padding=' + st.p + ', strides=' + st.s +
        ', dilation=' + st.d + ')';
    }
    var name = st.mode === 'max' ? 'MaxPool2D' : 'AvgPool2D';
    return 'nn.' + name + '(pool_size=' + st.k + ', strides=' + st.s + ', padding=' + st.p + ')';
  }

  function impossible(st) {
    var kEff = effK(st.k, st.d), side = st.n + 2 * st.p;
    if (st.mode !== 'corr' && st.d !== 1) {
      return "Gluon's pooling layers have no dilation (got d = " + st.d + '): set d = 1';
    }
    if (kEff > side) {
      var what = 'the ' + (st.d > 1 ? 'dilated ' : '') + 'window (' + kEff + 'x' + kEff + ')';
      return what + ' is larger than the padded input (' + side + 'x' + side +
        '): make k or d smaller, or n or p larger';
    }
    if (st.mode !== 'corr' && st.p >= st.k) {
      return "Gluon's pooling needs padding p < k (got p = " + st.p + ', k = ' + st.k +
        '): with more, a window could hold only padding';
    }
    return '';
  }

  function outputSide(st) {
    return Math.floor((st.n - effK(st.k, st.d) + 2 * st.p + st.s) / st.s);
  }

  function formula(st) {
    var kEff = effK(st.k, st.d), total = 2 * st.p;
    var head = st.d > 1 ? "k' = d(k - 1) + 1 = " + st.d + '(' + st.k + ' - 1) + 1 = ' + kEff + '; '
      : '';
    var kname = st.d > 1 ? "k'" : 'k';
    var expr = head + 'floor((n - ' + kname + ' + p_h + s) / s) with p_h = 2p = ' + total +
      ': floor((' + st.n + ' - ' + kEff + ' + ' + total + ' + ' + st.s + ') / ' + st.s + ')';
    var problem = impossible(st);
    if (problem) { return expr + ': not defined, ' + problem; }
    return expr + ' = floor(' + (st.n - kEff + total + st.s) + ' / ' + st.s + ') = ' +
      outputSide(st);
  }

  function matrix(rows, cols, f) {
    var A = [];
    for (var i = 0; i < rows; i++) {
      var row = [];
      for (var j = 0; j < cols; j++) { row.push(f(i, j)); }
      A.push(row);
    }
    return A;
  }

  function edgeKernel(k) {  // explorer._edge_kernel: -1 left of the centre column, +1 right
    if (k === 1) { return [[1]]; }
    return matrix(k, k, function (i, j) {
      return j < Math.floor(k / 2) ? -1 : (j >= Math.floor((k + 1) / 2) ? 1 : 0);
    });
  }

  // What the explorer shows for one setting: explorer.explorer_view, in JavaScript.
  function view(st) {
    var message = '', X = null;
    if (st.source === 'image') {
      if (D.images && D.images[String(st.n)]) {
        var flat = D.images[String(st.n)];
        X = matrix(st.n, st.n, function (i, j) { return flat[i * st.n + j]; });
      } else {
        message = 'no Fashion-MNIST image (' + (D.imageError || 'not in this site') +
          '); showing the integer grid. ';
      }
    }
    if (X === null) { X = matrix(st.n, st.n, function (i, j) { return i * st.n + j; }); }
    var K = null;
    if (st.mode === 'corr') {
      K = st.source === 'grid' ? matrix(st.k, st.k, function (i, j) { return i * st.k + j; })
        : edgeKernel(st.k);
    }
    var side = st.n + 2 * st.p, fill = st.mode === 'max' ? NaN : 0;
    var padded = matrix(side, side, function (i, j) {
      var r = i - st.p, c = j - st.p;
      return (r >= 0 && c >= 0 && r < st.n && c < st.n) ? X[r][c] : fill;
    });
    var v = {settings: st, X: X, K: K, padded: padded, Y: null, window: [],
             formula: formula(st), gluon: gluonLine(st), message: ''};
    var problem = impossible(st);
    if (problem) {
      v.message = message + problem.charAt(0).toUpperCase() + problem.slice(1) + '.';
      return v;
    }
    var h = outputSide(st), kk = st.k * st.k;
    v.Y = matrix(h, h, function (r, c) {
      var acc = st.mode === 'max' ? -Infinity : 0;
      for (var a = 0; a < st.k; a++) {
        for (var b = 0; b < st.k; b++) {
          var x = padded[r * st.s + a * st.d][c * st.s + b * st.d];
          if (st.mode === 'corr') { acc += x * K[a][b]; }
          else if (st.mode === 'max') { if (!isNaN(x) && x > acc) { acc = x; } }
          else { acc += x; }
        }
      }
      return st.mode === 'avg' ? acc / kk : acc;
    });
    var row = Math.min(st.row, h - 1), col = Math.min(st.col, h - 1);
    for (var i = 0; i < st.k; i++) {
      for (var j = 0; j < st.k; j++) {
        v.window.push([row * st.s + i * st.d, col * st.s + j * st.d, i, j]);
      }
    }
    v.cell = [row, col];
    v.message = message.trim();
    return v;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var name in (attrs || {})) { e.setAttribute(name, attrs[name]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // One grid as a table of coloured cells, as the widget's _grid_html draws it.
  function grid(A, opts) {
    var n = A.length, m = A[0].length, px = Math.max(n, m) <= 12 ? 26 : 11;
    var numbers = px > 11, finite = [];
    A.forEach(function (row) { row.forEach(function (x) { if (isFinite(x)) { finite.push(x); } }); });
    var lo = finite.length ? Math.min.apply(null, finite) : 0;
    var hi = finite.length ? Math.max.apply(null, finite) : 1;
    var integers = finite.length > 0 && finite.every(function (x) {
      return Math.abs(x - Math.round(x)) <= 1e-8 + 1e-5 * Math.abs(x);
    });
    var marked = {}, weights = {};
    (opts.highlight || []).forEach(function (w) {
      marked[w[0] + ',' + w[1]] = true;
      if (opts.K) { weights[w[0] + ',' + w[1]] = opts.K[w[2]][w[3]]; }
    });
    var box = el('div', {'class': opts.cls});
    box.appendChild(el('div', {'class': 'd2l-ex-title'}, opts.title));
    var table = el('table');
    for (var i = 0; i < n; i++) {
      var tr = el('tr');
      for (var j = 0; j < m; j++) {
        var x = A[i][j], p = opts.padding || 0;
        var pad = i < p || j < p || i >= n - p || j >= m - p;
        var td = el('td', {'data-i': i, 'data-j': j, 'data-value': String(x)});
        td.style.width = td.style.height = td.style.minWidth = px + 'px';
        if (!isFinite(x) || pad) {
          td.style.background = '#e8e8e8';
        } else {
          var t = hi > lo ? (x - lo) / (hi - lo) : 0, shade = Math.floor(245 - 190 * t);
          td.style.background = 'rgb(' + shade + ',' + (shade < 250 ? shade + 5 : 250) + ',255)';
          if (t > 0.6) { td.style.color = 'white'; }
        }
        if (numbers && isFinite(x)) {
          td.appendChild(document.createTextNode(integers ? x.toFixed(0) : x.toFixed(2)));
        }
        var key = i + ',' + j;
        if (marked[key]) {
          td.classList.add(opts.chosen ? 'd2l-ex-chosen' : 'd2l-ex-win');
          if (key in weights && numbers) {
            td.appendChild(el('sub', {'class': 'd2l-ex-w'}, '\u00d7' + weights[key]));
          }
        }
        tr.appendChild(td);
      }
      table.appendChild(tr);
    }
    box.appendChild(table);
    return box;
  }

  function build(root) {
    var start = {};
    try { start = JSON.parse(root.getAttribute('data-settings') || '{}'); } catch (e) { start = {}; }
    var st = {n: 5, k: 3, p: 0, s: 1, d: 1, mode: 'corr', source: 'grid', row: 0, col: 0};
    // The page's settings are clamped to the sliders' ranges (n = 3000 overflowed the stack).
    D.controls.forEach(function (c) {
      var v = start[c.name];
      if (typeof v === 'number' && isFinite(v)) {
        st[c.name] = Math.min(c.max, Math.max(c.min, Math.round(v)));
      }
    });
    ['mode', 'source'].forEach(function (key) {
      if (typeof start[key] === 'string') { st[key] = start[key]; }
    });
    var own = function (o, key) { return Object.prototype.hasOwnProperty.call(o, key); };
    if (!own(D.modes, st.mode)) { st.mode = 'corr'; }   // not 'toString', which `in` finds
    if (!own(D.sources, st.source)) { st.source = 'grid'; }
    while (root.firstChild) { root.removeChild(root.firstChild); }

    var modes = el('div', {'class': 'd2l-ex-modes', role: 'group'});
    var buttons = {};
    Object.keys(D.modes).forEach(function (mode) {
      var b = el('button', {type: 'button', 'data-mode': mode}, D.modes[mode]);
      b.addEventListener('click', function () { st.mode = mode; update(); });
      buttons[mode] = b;
      modes.appendChild(b);
    });
    root.appendChild(modes);
    var controls = el('div', {'class': 'd2l-ex-controls'});
    var sliders = {}, shown = {}, labels = {};
    D.controls.forEach(function (c) {
      var label = el('label', {'data-name': c.name});
      label.appendChild(el('span', {}, c.label));
      var input = el('input', {type: 'range', min: c.min, max: c.max,
                               step: 1, 'data-name': c.name, 'aria-label': c.label});
      input.value = st[c.name];
      var out = el('output', {}, String(st[c.name]));
      input.addEventListener('input', function () { st[c.name] = Number(input.value); update(); });
      label.appendChild(input);
      label.appendChild(out);
      controls.appendChild(label);
      sliders[c.name] = input; shown[c.name] = out; labels[c.name] = label;
    });
    var sourceLabel = el('label', {'data-name': 'source'});
    sourceLabel.appendChild(el('span', {}, 'input'));
    var source = el('select', {'data-name': 'source', 'aria-label': 'input'});
    Object.keys(D.sources).forEach(function (key) {
      var option = el('option', {value: key}, D.sources[key]);
      if (key === 'image' && !D.images) {
        option.disabled = true;
        option.textContent += ' (not in this site: ' + (D.imageError || 'no data') + ')';
      }
      source.appendChild(option);
    });
    source.value = st.source;
    source.addEventListener('change', function () {
      st.source = source.value;
      // the whole image when switching to it; a grid small enough for its numbers back
      st.n = st.source === 'image' ? D.maxN : Math.min(st.n, D.gridN);
      update();
    });
    sourceLabel.appendChild(source);
    controls.appendChild(sourceLabel);
    root.appendChild(controls);
    var formulaLine = el('div', {'class': 'd2l-ex-text'});
    formulaLine.appendChild(el('b', {}, 'output side'));
    formulaLine.appendChild(document.createTextNode(' = '));
    var formulaCode = el('code', {'class': 'd2l-ex-formula'});
    formulaLine.appendChild(formulaCode);
    var gluon = el('div', {'class': 'd2l-ex-text'});
    gluon.appendChild(el('b', {}, 'Gluon'));
    gluon.appendChild(document.createTextNode(': '));
    var gluonCode = el('code', {'class': 'd2l-ex-gluon'});
    gluon.appendChild(gluonCode);
    var shape = el('div', {'class': 'd2l-ex-text d2l-ex-shape'});
    var message = el('div', {'class': 'd2l-ex-text d2l-ex-message', role: 'status'});
    var grids = el('div', {'class': 'd2l-ex-grids'});
    [formulaLine, gluon, shape, message, grids].forEach(function (e) { root.appendChild(e); });

    function update() {
      var v = view(st);
      if (v.Y) {  // keep the chosen output cell inside the output (the widget clamps its sliders)
        var h = v.Y.length;
        ['row', 'col'].forEach(function (name) {
          sliders[name].max = h - 1;
          if (st[name] > h - 1) { st[name] = h - 1; }
        });
        v = view(st);
      }
      Object.keys(sliders).forEach(function (name) {
        sliders[name].value = st[name];
        shown[name].textContent = String(st[name]);
      });
      sliders.d.disabled = st.mode !== 'corr';
      labels.d.classList.toggle('d2l-ex-off', st.mode !== 'corr');
      source.value = st.source;
      Object.keys(buttons).forEach(function (mode) {
        buttons[mode].setAttribute('aria-pressed', String(mode === st.mode));
      });
      formulaCode.textContent = v.formula;
      gluonCode.textContent = v.gluon;
      message.textContent = v.message;
      message.style.color = v.Y ? '#060' : '#b00';
      shape.textContent = v.Y ? 'output ' + v.Y.length + 'x' + v.Y[0].length
        : 'no output: this setting cannot run';
      while (grids.firstChild) { grids.removeChild(grids.firstChild); }
      var side = v.padded.length;
      grids.appendChild(grid(v.padded, {cls: 'd2l-ex-input', highlight: v.window, K: v.K,
        padding: st.p, title: 'padded input ' + side + 'x' + side + ' (p = ' + st.p + ' per side)'}));
      if (v.K) {
        grids.appendChild(grid(v.K, {cls: 'd2l-ex-kernel', title: 'kernel ' + st.k + 'x' + st.k +
          (st.d > 1 ? ', dilation ' + st.d : '')}));
      }
      if (v.Y) {
        grids.appendChild(grid(v.Y, {cls: 'd2l-ex-output', highlight: [v.cell], chosen: true,
          title: "output " + v.Y.length + 'x' + v.Y[0].length}));
      }
      root.d2lView = v;
    }
    update();
  }

  window.d2lExplorer = {view: view, formula: formula, gluonLine: gluonLine, build: build};
  function init() {
    if (!D) { return; }
    var roots = document.querySelectorAll('div.d2l-explorer');
    for (var i = 0; i < roots.length; i++) { build(roots[i]); }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
