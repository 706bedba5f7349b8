// Reverl status page: renders GET /backends (or, with a pool chosen, GET /pools/<pool>/backends) every second and
// GET /history (GET /pools/<pool>/history) every two, and acts through the admin API.
// No library, nothing from elsewhere. With a token, open the page as /#token=<token>: the fragment never leaves the
// browser; the page sends it as a bearer token.
'use strict';
(function () {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const auth = token ? { Authorization: 'Bearer ' + token } : {};
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  // one actions cell per backend, kept across refreshes so a weight being typed is not lost
  const actionCells = new Map();
  // the backends of the default pool, or of the pool chosen in the header (shown when there are several)
  let base = '/backends';

  function cell(row, name, text, numeric) {
    const td = document.createElement('td');
    td.className = name + (numeric ? ' num' : '');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function button(label, action, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = action;
    b.addEventListener('click', onClick);
    return b;
  }

  async function call(method, path, body) {
    const r = await fetch(path, {
      method,
      headers: Object.assign({ 'Content-Type': 'application/json' }, auth),
      body: body === undefined ? '' : JSON.stringify(body),
      cache: 'no-store',
    });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      problem(method + ' ' + path + ': ' + r.status + ' ' + (answer.error || ''));
    } else {
      const done = $('done');
      done.textContent = method + ' ' + path + ': ' + r.status;
      done.hidden = false;
    }
    refresh();
  }

  function actionsFor(id) {
    let td = actionCells.get(base + '/' + id);
    if (td) return td;
    td = document.createElement('td');
    td.className = 'actions';
    const path = base + '/' + encodeURIComponent(id);
    td.append(
      button('drain', 'drain', () => call('POST', path + '/drain')),
      button('maintenance', 'maintenance', () => call('POST', path + '/maintenance')),
      button('enable', 'enable', () => call('POST', path + '/enable')));
    const weight = document.createElement('input');
    weight.type = 'number';
    weight.min = '1';
    weight.max = '10000';
    weight.dataset.field = 'weight';
    weight.setAttribute('aria-label', 'weight of ' + id);
    td.append(weight, button('set weight', 'weight', () => {
      const w = Number(weight.value);
      if (!Number.isInteger(w) || w < 1) { problem('weight: "' + weight.value + '" (expected: 1-10000)'); return; }
      call('PATCH', path, { weight: w });
    }));
    actionCells.set(base + '/' + id, td);
    return td;
  }

  function render(data) {
    $('version').textContent = data.version;
    const ready = $('ready');
    ready.textContent = data.ready ? 'ready' : 'not ready';
    ready.className = 'pill ' + (data.ready ? 'ready' : 'not-ready');
    const rows = [];
    const seen = new Set();
    for (const b of data.backends) {
      seen.add(b.id);
      const tr = document.createElement('tr');
      tr.id = 'backend-' + b.id;
      tr.dataset.state = b.state;
      if (b.errors > 0) tr.classList.add('has-errors');
      cell(tr, 'id', b.id);
      cell(tr, 'address', b.address);
      const state = document.createElement('span');
      state.className = 'state state-' + b.state.toLowerCase();
      state.textContent = b.state + (b.state === 'DRAINING' ? (b.drained ? ' (drained)' : ' …') : '');
      cell(tr, 'state', '').appendChild(state);
      cell(tr, 'weight', b.effectiveWeight === b.weight ? String(b.weight) : b.effectiveWeight + '/' + b.weight, true);
      cell(tr, 'inFlight', String(b.inFlight), true);
      cell(tr, 'requests', String(b.requests), true);
      cell(tr, 'errors', String(b.errors), true).title =
          '5xx ' + b.errorsByKind['5xx'] + ', connect ' + b.errorsByKind.connect + ', timeout ' +
          b.errorsByKind.timeout + ', reset ' + b.errorsByKind.reset + '; retried elsewhere ' + b.retries;
      cell(tr, 'p50', b.latencyMs.p50.toFixed(1), true);
      cell(tr, 'p99', b.latencyMs.p99.toFixed(1), true);
      cell(tr, 'mean', b.latencyMs.mean.toFixed(1), true);
      tr.appendChild(actionsFor(b.id));
      rows.push(tr);
    }
    for (const id of [...actionCells.keys()]) if (!seen.has(id)) actionCells.delete(id);
    $('backends').replaceChildren(...rows);
    $('empty').hidden = rows.length > 0;
    $('problem').hidden = true;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  // one sparkline: the series scaled to its own maximum, newest on the right
  function sparkline(kind, values, width, height) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.dataset.kind = kind;
    const max = Math.max(1e-9, ...values);
    const step = values.length > 1 ? width / (values.length - 1) : 0;
    const points = values.map((v, i) =>
        (i * step).toFixed(1) + ',' + (height - 2 - (v / max) * (height - 4)).toFixed(1));
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', kind);
    line.setAttribute('points', points.join(' '));
    line.dataset.count = String(values.length);
    line.dataset.max = String(values.length ? Math.max(...values) : 0);
    svg.appendChild(line);
    return svg;
  }

  function renderHistory(data) {
    const cards = [];
    for (const [id, s] of Object.entries(data.backends)) {
      const card = document.createElement('div');
      card.className = 'chart';
      card.id = 'chart-' + id;
      const title = document.createElement('h3');
      title.textContent = id;
      card.appendChild(title);
      for (const [kind, values, unit] of [['rps', s.rps, 'requests/s'], ['eps', s.eps, 'errors/s'], ['p99', s.p99, 'ms p99']]) {
        card.appendChild(sparkline(kind, values, 240, 40));
        const label = document.createElement('div');
        label.className = 'label';
        const last = values.length ? values[values.length - 1] : 0;
        label.textContent = last.toFixed(kind === 'p99' ? 1 : 2) + ' ' + unit + ' now, max ' +
            (values.length ? Math.max(...values) : 0).toFixed(kind === 'p99' ? 1 : 2);
        card.appendChild(label);
      }
      cards.push(card);
    }
    $('charts').replaceChildren(...cards);
  }

  function problem(text) {
    const p = $('problem');
    p.textContent = text;
    p.hidden = false;
  }

  async function refresh() {
    try {
      const r = await fetch(base, { headers: auth, cache: 'no-store' });
      if (r.status === 401) {
        problem('The admin API needs a token: open this page as /#token=<token>.');
        return;
      }
      if (!r.ok) {
        problem('GET ' + base + ': ' + r.status);
        return;
      }
      render(await r.json());
    } catch (e) {
      problem('The admin API does not answer: ' + e);
    }
  }

  async function refreshHistory() {
    try {
      // the default pool's at /history, a chosen pool's beside its backends
      const r = await fetch(base === '/backends' ? '/history' : base.replace(/\/backends$/, '/history'), {
        headers: auth,
        cache: 'no-store',
      });
      if (r.ok) renderHistory(await r.json());
    } catch (e) {
      // the table reports an API that does not answer
    }
  }

  async function refreshPools() {
    try {
      const r = await fetch('/pools', { headers: auth, cache: 'no-store' });
      if (!r.ok) return;
      const data = await r.json();
      const select = $('pool');
      const names = data.pools.map((p) => p.name);
      if (names.join() !== Array.from(select.options, (o) => o.value).join()) {
        select.replaceChildren(...names.map((n) => new Option(n + (n === data.defaultPool ? ' (default)' : ''), n)));
        select.value = base === '/backends' ? data.defaultPool : decodeURIComponent(base.split('/')[2]);
      }
      select.hidden = names.length < 2;
    } catch (e) {
      // the table reports an API that does not answer
    }
  }

  $('pool').addEventListener('change', (e) => {
    base = '/pools/' + encodeURIComponent(e.target.value) + '/backends';
    refresh();
    refreshHistory();
  });

  refreshPools();
  setInterval(refreshPools, 5000);
  refresh();
  refreshHistory();
  setInterval(refresh, 1000);
  setInterval(refreshHistory, 2000);
})();
