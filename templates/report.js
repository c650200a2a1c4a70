(function () {
  'use strict';
  // Every value from AWS or an input file is shown as data: control characters (C0 but the line
  // feed, DEL, C1), the line and paragraph separators and the bidi controls are shown as visible
  // escapes (\u{1b}, \u{202e}), as the terminal shows them, so no value can reorder the text
  // around it. The page's own text holds none of them, so every text node is checked:
  // those the page was written with, now, and those the scripts below add, as they are added
  // (before the page is painted again).
  var HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
  function visible(c) { return '\\u{' + c.charCodeAt(0).toString(16) + '}'; }
  function fixText(node) {
    var p = node.parentNode;
    if (p && (p.nodeName === 'SCRIPT' || p.nodeName === 'STYLE')) { return; }
    HIDDEN.lastIndex = 0;
    if (HIDDEN.test(node.data)) {
      HIDDEN.lastIndex = 0;
      node.data = node.data.replace(HIDDEN, visible);
    }
  }
  function fixTree(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1 || root.nodeName === 'SCRIPT' || root.nodeName === 'STYLE') { return; }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) { fixText(n); }
  }
  fixTree(document.documentElement);
  if (typeof MutationObserver === 'function') {
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === 'characterData') { fixText(r.target); return; }
        for (var i = 0; i < r.addedNodes.length; i++) { fixTree(r.addedNodes[i]); }
      });
    }).observe(document.documentElement, { childList: true, characterData: true, subtree: true });
  }
})();
(function () {
  'use strict';
  // The per-region chart is sized for its labels when it is written; if the fonts here are wider
  // than that allowed for, widen its view box so that no label is cut at the chart's edge.
  var chart = document.getElementById('region-chart');
  if (!chart || typeof chart.getBBox !== 'function') { return; }
  try {
    var box = chart.getBBox();
    var vb = chart.viewBox.baseVal;
    var left = Math.min(vb.x, Math.floor(box.x) - 4);
    var right = Math.max(vb.x + vb.width, Math.ceil(box.x + box.width) + 4);
    if (left < vb.x || right > vb.x + vb.width) {
      chart.setAttribute('data-written-viewbox', chart.getAttribute('viewBox'));
      chart.setAttribute('data-written-width', chart.getAttribute('width'));
      chart.setAttribute('viewBox', left + ' ' + vb.y + ' ' + (right - left) + ' ' + vb.height);
      chart.setAttribute('width', String(right - left));
    }
  } catch (e) { /* not rendered (print preview, hidden): keep the written size */ }
})();
(function () {
  'use strict';
  // Builds the results table from the embedded JSON report. Every value from the report is put in
  // the page with textContent, never parsed as HTML. Rows are added a page at a time so that a
  // report with tens of thousands of results stays responsive.
  var PAGE = 500;
  var STATUS_RANK = { fail: 0, error: 1, suppressed: 2, skipped: 3, pass: 4 };
  var SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var SNIPPETS = [['terraform', 'Terraform'], ['cloudformation', 'CloudFormation'], ['cli', 'AWS CLI']];

  function byId(id) { return document.getElementById(id); }
  var countEl = byId('result-count');
  var data;
  try {
    data = JSON.parse(byId('report-data').textContent);
  } catch (e) {
    countEl.textContent = 'The embedded report data could not be read: ' + e.message;
    return;
  }
  var results = Array.isArray(data.results) ? data.results : [];
  var els = {
    status: byId('f-status'), severity: byId('f-severity'), region: byId('f-region'),
    rule: byId('f-rule'), account: byId('f-account'), ou: byId('f-ou'), baseline: byId('f-baseline'),
    text: byId('f-text'),
    form: byId('filters'), tbody: document.querySelector('#results tbody'), more: byId('more'),
    rhead: document.querySelector('#resources thead'), rbody: document.querySelector('#resources tbody'),
    viewResources: byId('view-resources'), viewResults: byId('view-results'),
    resourcesWrap: byId('resources-wrap'), resultsWrap: byId('results-wrap')
  };

  function str(v) { return v === null || v === undefined ? '' : String(v); }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }
  function rank(table, key) { return has(table, key) ? table[key] : 9; }

  // The accounts of an organization scan, by id: name, the ids of the OUs above it, and the
  // text a search looks in (name, OU names, tags).
  var accounts = Object.create(null);
  (Array.isArray((data.scan || {}).account_details) ? data.scan.account_details : []).forEach(function (a) {
    if (!a || typeof a.id !== 'string') { return; }
    var path = Array.isArray(a.ou_path) ? a.ou_path : [];
    var ous = Object.create(null);
    var parts = [a.name];
    path.forEach(function (u) { ous[str((u || {}).id)] = true; parts.push((u || {}).name); });
    var tags = a.tags || {};
    Object.keys(tags).forEach(function (k) { parts.push(k, tags[k]); });
    accounts[a.id] = { name: str(a.name), ous: ous, hay: parts.map(str).join('\n').toLowerCase() };
  });

  // With --baseline: what changed for each result since the baseline, by the result's identity
  // (account, region, resource, rule, check), from the report's baseline section.
  var changeOf = Object.create(null);
  function identity(account, region, id, rule, check) {
    return [account, region, id, rule, check].map(str).join('\u0000');
  }
  ((data.baseline || {}).changes || []).forEach(function (c) {
    if (c && c.new_status) {
      changeOf[identity(c.account_id, c.region, c.resource_id, c.rule_id, c.check_id)] = str(c.change);
    }
  });
  function baselineChange(r) {
    var res = r.resource || {};
    var c = changeOf[identity(res.account_id, res.region, res.id, r.rule_id, r.check_id)];
    // A failure the baseline section does not list failed in the baseline too.
    return c || (data.baseline && r.status === 'fail' ? 'still_failing' : '');
  }

  // Lower-cased text each result is searched in, built on the first search.
  var hay = null;
  function haystack() {
    if (!hay) { hay = results.map(searchText); }
    return hay;
  }
  function searchText(r) {
    var res = r.resource || {};
    var parts = [r.rule_id, r.check_id, r.status, r.severity, r.message, res.id, res.arn, res.name,
      res.region, res.account_id, res.type];
    var tags = res.tags || {};
    Object.keys(tags).forEach(function (k) { parts.push(k, tags[k]); });
    if (r.suppression) { parts.push(r.suppression.reason); }
    var acct = accounts[str(res.account_id)];
    if (acct) { parts.push(acct.hay); }
    return parts.map(str).join('\n').toLowerCase();
  }

  // Status, severity, rule/check, then the most network interfaces first (the busiest VPC is the
  // most urgent; a resource without a count comes last), then account, region and resource. The
  // few distinct rule/checks and account/regions are ranked once, so that a comparison is of
  // numbers, and of resource ids only between results of the same rule, check, account and region.
  function ranks(keys) {
    var m = Object.create(null);
    keys.forEach(function (k) { m[k] = 0; });
    Object.keys(m).sort().forEach(function (k, i) { m[k] = i; });
    return m;
  }
  var checkKeys = results.map(function (r) { return str(r.rule_id) + '/' + str(r.check_id); });
  var placeKeys = results.map(function (r) {
    var res = r.resource || {};
    return str(res.account_id) + ' ' + str(res.region);
  });
  var checkRank = ranks(checkKeys), placeRank = ranks(placeKeys);
  var nChecks = Object.keys(checkRank).length;
  var sortKey = results.map(function (r, i) {
    return ((rank(STATUS_RANK, r.status) * 10 + rank(SEV_RANK, r.severity)) * nChecks +
      checkRank[checkKeys[i]]);
  });
  var eniKey = results.map(function (r) {
    var n = (r.resource || {}).network_interfaces;
    return typeof n === 'number' ? n : -1;
  });
  var placeKey = placeKeys.map(function (k) { return placeRank[k]; });
  checkKeys = placeKeys = null;
  var order = results.map(function (_, i) { return i; });
  order.sort(function (a, b) {
    var d = sortKey[a] - sortKey[b] || eniKey[b] - eniKey[a] || placeKey[a] - placeKey[b];
    if (d) { return d; }
    var ia = str((results[a].resource || {}).id), ib = str((results[b].resource || {}).id);
    return ia < ib ? -1 : ia > ib ? 1 : a - b;
  });

  var matches = [];
  var shown = 0;

  // The filters of the form: each names its control and tells whether a result passes for the
  // control's value; a control left at '' (all) does not filter. Both views use the same list,
  // so one more filter is one more entry here (and its control in the form).
  var FILTERS = [
    { id: 'f-status', test: function (r, v) { return r.status === v; } },
    { id: 'f-severity', test: function (r, v) { return r.severity === v; } },
    { id: 'f-region', test: function (r, v) { return (r.resource || {}).region === v; } },
    { id: 'f-rule', test: function (r, v) { return r.rule_id === v; } },
    { id: 'f-account', test: function (r, v) { return (r.resource || {}).account_id === v; } },
    { id: 'f-ou', test: function (r, v) {
      var a = accounts[str((r.resource || {}).account_id)];
      return !!a && !!a.ous[v];
    } },
    { id: 'f-baseline', test: function (r, v) { return baselineChange(r) === v; } }
  ];
  FILTERS.forEach(function (f) { f.el = byId(f.id); });

  // The test a result must pass under the filters as they are set: `null` when nothing filters.
  function currentTest() {
    var active = FILTERS.filter(function (f) { return f.el && f.el.value !== ''; })
      .map(function (f) { return { test: f.test, value: f.el.value }; });
    var terms = els.text.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!active.length && !terms.length) { return null; }
    if (terms.length) { haystack(); }
    return function (i) {
      var r = results[i];
      for (var a = 0; a < active.length; a++) {
        if (!active[a].test(r, active[a].value)) { return false; }
      }
      for (var t = 0; t < terms.length; t++) {
        if (hay[i].indexOf(terms[t]) < 0) { return false; }
      }
      return true;
    };
  }

  // The view shown: one row per resource ('resources') or one row per result ('results').
  var view = 'results';
  var passes = null;

  function apply() {
    passes = currentTest();
    if (view === 'resources') { applyResources(); return; }
    matches = passes ? order.filter(passes) : order.slice();
    els.tbody.textContent = '';
    shown = 0;
    renderMore();
  }

  function renderMore() {
    if (view === 'resources') { renderMoreResources(); return; }
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, shown + PAGE);
    for (; shown < end; shown++) {
      frag.appendChild(row(results[matches[shown]]));
    }
    els.tbody.appendChild(frag);
    countEl.textContent = 'Showing ' + shown + ' of ' + matches.length + ' matching results (' +
      results.length + ' in total)';
    els.more.hidden = shown >= matches.length;
  }

  // The per-resource view: one row per resource (account, region, type and id), one column per
  // rule with a badge per check, so the table fits the screen however many checks a rule has.
  // Resources come in the order of their most urgent result; a resource matches the filters when
  // one of its results does. Built on first use.
  var resources = null, resourceOf = null, ruleCols = null;
  var rmatches = [], rshown = 0;
  var MARK = { pass: '\u2713', fail: '\u2717', error: '!', skipped: '\u2013', suppressed: 's' };

  function checkKey(r) { return str(r.rule_id) + '/' + str(r.check_id); }

  function buildResources() {
    var index = Object.create(null);
    resources = [];
    resourceOf = new Int32Array(results.length);
    order.forEach(function (i) {
      var r = results[i], res = r.resource || {};
      var k = [res.account_id, res.region, res.type, res.id].map(str).join('\u0000');
      var e = index[k];
      if (e === undefined) {
        e = index[k] = resources.length;
        resources.push({ res: res, results: [], byCheck: Object.create(null) });
      }
      var x = resources[e];
      x.results.push(i);
      var ck = checkKey(r);
      if (!has(x.byCheck, ck)) { x.byCheck[ck] = i; }
      resourceOf[i] = e;
    });
    // The rules, in the order the report lists them, each with the checks that have a result;
    // then any other check with a result, under its rule id.
    var present = Object.create(null);
    results.forEach(function (r) { present[checkKey(r)] = true; });
    ruleCols = [];
    var byRule = Object.create(null), placed = Object.create(null);
    function col(ruleId, title) {
      if (!has(byRule, ruleId)) {
        byRule[ruleId] = { id: ruleId, title: title, checks: [] };
        ruleCols.push(byRule[ruleId]);
      }
      return byRule[ruleId];
    }
    (Array.isArray(data.rules) ? data.rules : []).forEach(function (rule) {
      ((rule || {}).checks || []).forEach(function (c) {
        var k = str(rule.id) + '/' + str((c || {}).id);
        if (present[k] && !has(placed, k)) {
          placed[k] = true;
          col(str(rule.id), str(rule.title)).checks.push({ key: k, id: str(c.id), title: str(c.title) });
        }
      });
    });
    Object.keys(present).sort().forEach(function (k) {
      if (has(placed, k)) { return; }
      placed[k] = true;
      var cut = k.indexOf('/');
      col(k.slice(0, cut), k.slice(0, cut)).checks.push({ key: k, id: k.slice(cut + 1), title: k.slice(cut + 1) });
    });
    var tr = document.createElement('tr');
    ['Account', 'Region', 'Resource', 'Name', 'Network interfaces'].forEach(function (h, n) {
      var th = document.createElement('th');
      th.textContent = h;
      if (n === 4) { th.className = 'num'; }
      tr.appendChild(th);
    });
    ruleCols.forEach(function (c) {
      var th = document.createElement('th');
      th.className = 'check';
      th.title = c.title + ': ' + c.checks.map(function (k) { return k.id; }).join(', ');
      th.textContent = c.id;
      tr.appendChild(th);
    });
    var fixTh = document.createElement('th');
    fixTh.textContent = 'Fix';
    tr.appendChild(fixTh);
    els.rhead.textContent = '';
    els.rhead.appendChild(tr);
  }

  function applyResources() {
    if (!resources) { buildResources(); }
    rmatches = [];
    var seen = new Uint8Array(resources.length);
    for (var n = 0; n < order.length; n++) {
      var i = order[n];
      if (passes && !passes(i)) { continue; }
      var e = resourceOf[i];
      if (!seen[e]) { seen[e] = 1; rmatches.push(e); }
    }
    els.rbody.textContent = '';
    rshown = 0;
    renderMoreResources();
  }

  function renderMoreResources() {
    var frag = document.createDocumentFragment();
    var end = Math.min(rmatches.length, rshown + PAGE);
    for (; rshown < end; rshown++) {
      frag.appendChild(resourceRow(resources[rmatches[rshown]]));
    }
    els.rbody.appendChild(frag);
    countEl.textContent = 'Showing ' + rshown + ' of ' + rmatches.length + ' matching resources (' +
      resources.length + ' in total, ' + results.length + ' results)';
    els.more.hidden = rshown >= rmatches.length;
  }

  // A default VPC (AWS creates one in every region) says so under its id.
  function defaultMark(td, res) {
    if (res.is_default === true) {
      var d = document.createElement('span');
      d.className = 'acct-name default-vpc';
      d.textContent = 'default VPC';
      td.appendChild(d);
    }
  }

  function resourceRow(x) {
    var res = x.res;
    var tr = document.createElement('tr');
    tr.className = 'resource';
    accountCell(tr, res);
    cell(tr, res.region, 'region');
    var idCell = cell(tr, res.id, 'rid');
    idCell.title = str(res.arn);
    defaultMark(idCell, res);
    nameCell(tr, res.name);
    cell(tr, typeof res.network_interfaces === 'number' ? res.network_interfaces : '', 'num');
    ruleCols.forEach(function (c) {
      var td = document.createElement('td');
      td.className = 'check';
      var any = false;
      c.checks.forEach(function (k) {
        var b = document.createElement('span');
        if (has(x.byCheck, k.key)) {
          var i = x.byCheck[k.key], r = results[i], st = str(r.status);
          b.className = 'mark st-' + st + (passes && !passes(i) ? ' dim' : '');
          b.textContent = has(MARK, st) ? MARK[st] : '?';
          b.setAttribute('data-status', st);
          b.title = k.id + ': ' + st + ' \u2014 ' + messageOf(r);
          any = true;
        } else {
          b.className = 'mark none';
          b.textContent = '\u00b7';
          b.title = k.id + ': no result';
        }
        b.setAttribute('data-check', k.id);
        b.setAttribute('aria-label', b.title);
        td.appendChild(b);
      });
      if (!any) { td.className += ' none'; }
      tr.appendChild(td);
    });
    var fixTd = document.createElement('td');
    var failing = x.results.filter(function (i) { return results[i].status === 'fail' && hasFix(results[i]); });
    if (failing.length) {
      var det = document.createElement('details');
      det.className = 'resfix';
      var sum = document.createElement('summary');
      sum.textContent = 'Show fix';
      det.appendChild(sum);
      det.addEventListener('toggle', function () {
        sum.textContent = det.open ? 'Hide fix' : 'Show fix';
        if (!det.open || det.built) { return; }
        det.built = true;
        failing.forEach(function (i) {
          var r = results[i];
          var h = document.createElement('h4');
          h.textContent = checkKey(r) + ': ' + str(r.message);
          det.appendChild(h);
          det.appendChild(snippetBox(r));
        });
      });
      fixTd.appendChild(det);
    }
    tr.appendChild(fixTd);
    return tr;
  }

  function setView(v) {
    view = v;
    var byResource = v === 'resources';
    els.resourcesWrap.hidden = !byResource;
    els.resultsWrap.hidden = byResource;
    els.viewResources.setAttribute('aria-pressed', String(byResource));
    els.viewResults.setAttribute('aria-pressed', String(!byResource));
    apply();
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) { td.className = cls; }
    td.textContent = str(text);
    tr.appendChild(td);
    return td;
  }

  // A name wraps between words only; a word wider than the column is cut, the whole name in
  // the tooltip.
  function nameCell(tr, name) {
    var td = document.createElement('td');
    td.className = 'name';
    var clip = document.createElement('span');
    clip.className = 'clip';
    // Breaks only between words: each word is kept whole.
    str(name).split(/( +)/).forEach(function (w) {
      if (!w) { return; }
      if (w.charAt(0) === ' ') { clip.appendChild(document.createTextNode(w)); return; }
      var word = document.createElement('span');
      word.className = 'word';
      word.textContent = w;
      clip.appendChild(word);
    });
    if (name) { td.title = str(name); }
    td.appendChild(clip);
    tr.appendChild(td);
    return td;
  }

  function pill(tr, cls, text) {
    var td = document.createElement('td');
    var span = document.createElement('span');
    span.className = cls;
    span.textContent = str(text);
    td.appendChild(span);
    tr.appendChild(td);
  }

  function hasFix(r) {
    var rem = r.remediation;
    return !!rem && SNIPPETS.some(function (s) { return typeof rem[s[0]] === 'string' && rem[s[0]] !== ''; });
  }

  function accountCell(tr, res) {
    var acctCell = cell(tr, res.account_id, 'acct');
    var acct = accounts[str(res.account_id)];
    if (acct && acct.name) {
      var nameSpan = document.createElement('span');
      nameSpan.className = 'acct-name';
      nameSpan.textContent = acct.name;
      acctCell.appendChild(nameSpan);
    }
    return acctCell;
  }

  function messageOf(r) {
    var msg = str(r.message);
    if (r.suppression) {
      msg += ' (suppressed until ' + str(r.suppression.expires) + ': ' + str(r.suppression.reason) + ')';
    }
    return msg;
  }

  function row(r) {
    var res = r.resource || {};
    var tr = document.createElement('tr');
    tr.className = 'result';
    tr.setAttribute('data-status', str(r.status));
    pill(tr, 'badge st-' + str(r.status), r.status);
    pill(tr, 'sev sev-' + str(r.severity), r.severity);
    cell(tr, str(r.rule_id) + '/' + str(r.check_id));
    accountCell(tr, res);
    cell(tr, res.region);
    var idCell = cell(tr, res.id, 'rid');
    idCell.title = str(res.arn);
    if (typeof res.network_interfaces === 'number') {
      var eni = document.createElement('span');
      eni.className = 'acct-name';
      eni.textContent = res.network_interfaces + (res.network_interfaces === 1 ? ' network interface' : ' network interfaces');
      idCell.appendChild(eni);
    }
    defaultMark(idCell, res);
    nameCell(tr, res.name);
    cell(tr, messageOf(r), 'msg');
    var fixTd = document.createElement('td');
    if (hasFix(r)) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'fixbtn';
      btn.textContent = 'Show fix';
      btn.setAttribute('aria-expanded', 'false');
      btn.addEventListener('click', function () { toggleFix(r, tr, btn); });
      fixTd.appendChild(btn);
    }
    tr.appendChild(fixTd);
    return tr;
  }

  function toggleFix(r, tr, btn) {
    if (tr.fixRow) {
      tr.fixRow.remove();
      tr.fixRow = null;
      btn.textContent = 'Show fix';
      btn.setAttribute('aria-expanded', 'false');
      return;
    }
    var d = document.createElement('tr');
    d.className = 'detail';
    var td = document.createElement('td');
    td.colSpan = 9;
    td.appendChild(snippetBox(r));
    d.appendChild(td);
    tr.after(d);
    tr.fixRow = d;
    btn.textContent = 'Hide fix';
    btn.setAttribute('aria-expanded', 'true');
  }

  // The remediation snippets of a result, each with its Copy button.
  function snippetBox(r) {
    var box = document.createElement('div');
    box.className = 'fix';
    SNIPPETS.forEach(function (s) {
      var text = r.remediation[s[0]];
      if (typeof text !== 'string' || text === '') { return; }
      var wrap = document.createElement('div');
      wrap.className = 'snippet snippet-' + s[0];
      var head = document.createElement('div');
      head.className = 'snippet-head';
      var title = document.createElement('strong');
      title.textContent = s[1];
      var copyBtn = document.createElement('button');
      copyBtn.type = 'button';
      copyBtn.className = 'copy';
      copyBtn.textContent = 'Copy';
      copyBtn.addEventListener('click', function () { copy(text, copyBtn); });
      head.appendChild(title);
      head.appendChild(copyBtn);
      var pre = document.createElement('pre');
      var code = document.createElement('code');
      code.textContent = text;
      pre.appendChild(code);
      wrap.appendChild(head);
      wrap.appendChild(pre);
      box.appendChild(wrap);
    });
    return box;
  }

  function copy(text, btn) {
    function done(ok) {
      btn.textContent = ok ? 'Copied' : 'Copy failed: select the text';
      window.setTimeout(function () { btn.textContent = 'Copy'; }, 1500);
    }
    function fallback() {
      var ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  var timer = null;
  FILTERS.forEach(function (f) {
    if (f.el) { f.el.addEventListener('change', apply); }
  });
  els.viewResources.addEventListener('click', function () { setView('resources'); });
  els.viewResults.addEventListener('click', function () { setView('results'); });
  // "Show results" in the table of accounts selects that account (and any OU) in the filters.
  Array.prototype.forEach.call(document.querySelectorAll('button.acct-show'), function (b) {
    b.addEventListener('click', function () {
      if (!els.account) { return; }
      els.account.value = b.getAttribute('data-account');
      if (els.ou) { els.ou.value = ''; }
      apply();
      byId('results-section').scrollIntoView();
    });
  });
  els.text.addEventListener('input', function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 120);
  });
  els.form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  els.form.addEventListener('reset', function () { window.setTimeout(apply, 0); });
  els.more.addEventListener('click', renderMore);
  // One row per resource is the default when there is more than one check to compare.
  var checks = Object.create(null);
  results.forEach(function (r) { checks[checkKey(r)] = true; });
  setView(Object.keys(checks).length > 1 ? 'resources' : 'results');
})();
