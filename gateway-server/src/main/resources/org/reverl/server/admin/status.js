// Reverl status page: renders GET /backends every second. No library, nothing from elsewhere.
// With a token, open the page as /#token=<token>: the fragment never leaves the browser.
'use strict';
(function () {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const $ = (id) => document.getElementById(id);

  function cell(row, name, text, numeric) {
    const td = document.createElement('td');
    td.className = name + (numeric ? ' num' : '');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(data) {
    $('version').textContent = data.version;
    const ready = $('ready');
    ready.textContent = data.ready ? 'ready' : 'not ready';
    ready.className = 'pill ' + (data.ready ? 'ready' : 'not-ready');
    const body = $('backends');
    const rows = [];
    for (const b of data.backends) {
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
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    $('empty').hidden = rows.length > 0;
    $('problem').hidden = true;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  function problem(text) {
    const p = $('problem');
    p.textContent = text;
    p.hidden = false;
  }

  async function refresh() {
    try {
      const r = await fetch('/backends', { headers, cache: 'no-store' });
      if (r.status === 401) {
        problem('The admin API needs a token: open this page as /#token=<token>.');
        return;
      }
      if (!r.ok) {
        problem('GET /backends: ' + r.status);
        return;
      }
      render(await r.json());
    } catch (e) {
      problem('The admin API does not answer: ' + e);
    }
  }

  refresh();
  setInterval(refresh, 1000);
})();
