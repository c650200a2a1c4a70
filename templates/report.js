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
  // Builds the tables of results from the page's data (see src/report/html/page_data.rs): every
  // failing, error and suppressed result in full; passing and skipped results as the status
  // cells of their resource (one character per check). Every value is put in the page with
  // textContent, never parsed as HTML. The tables show a page of rows at a time, so a report of
  // any size builds no more rows than that. The data is read after the summary is painted.
  var PAGE = 200;
  var STATUS_RANK = { fail: 0, error: 1, suppressed: 2, skipped: 3, pass: 4 };
  var SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var STATUS_OF = { F: 'fail', E: 'error', S: 'suppressed', K: 'skipped', P: 'pass' };
  var SNIPPETS = [['terraform', 'Terraform'], ['cloudformation', 'CloudFormation'], ['cli', 'AWS CLI']];
  var MARK = { pass: '\u2713', fail: '\u2717', error: '!', skipped: '\u2013', suppressed: 's' };
  var root = document.documentElement;
  // The organization's page of a report written one page per account has no table of results.
  if (!document.getElementById('results-section')) { return; }

  function byId(id) { return document.getElementById(id); }
  function str(v) { return v === null || v === undefined ? '' : String(v); }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }
  function rank(table, key) { return has(table, key) ? table[key] : 9; }
  var countEl = byId('result-count');

  function later(f) {
    if (typeof window.requestAnimationFrame === 'function') {
      window.requestAnimationFrame(function () { window.setTimeout(f, 0); });
    } else {
      window.setTimeout(f, 0);
    }
  }
  root.setAttribute('data-state', 'loading');
  later(function () {
    try {
      start();
      root.setAttribute('data-state', 'ready');
    } catch (e) {
      countEl.textContent = 'The embedded report data could not be read: ' + e.message;
      root.setAttribute('data-state', 'error');
    }
  });

  function start() {
  var data = JSON.parse(byId('report-data').textContent);
  function list(v) { return Array.isArray(v) ? v : []; }
  var RES = list(data.resources), DET = list(data.results), TPL = list(data.templates);
  var CHECKS = list(data.checks), ACC = list(data.accounts), REG = list(data.regions), TYPES = list(data.types);
  var COMPLIANCE = list(data.compliance);
  var nR = RES.length, nD = DET.length, nC = CHECKS.length;
  var total = typeof data.total === 'number' ? data.total : nD;

  // A resource: [account, region, type, id, name, network interfaces, default, tags, arn, cells].
  function resAccount(x) { return str(ACC[RES[x][0]]); }
  function resRegion(x) { return str(REG[RES[x][1]]); }
  function resId(x) { return str(RES[x][3]); }
  function resCells(x) { return str(RES[x][9]); }
  // A template's text for resource x: its parts, with 0, 1, 2 and 3 the resource's id, account
  // id, region and name, and 4 on the result's own values (`own`).
  function expand(t, x, own) {
    var parts = TPL[t];
    if (!Array.isArray(parts)) { return ''; }
    var vals = [resId(x), resAccount(x), resRegion(x), str(RES[x][4])].concat(list(own));
    var s = '';
    for (var i = 0; i < parts.length; i++) {
      s += typeof parts[i] === 'number' ? str(vals[parts[i]]) : str(parts[i]);
    }
    return s;
  }
  // The resource as the JSON report writes it.
  var resObjs = [];
  function resource(x) {
    if (!resObjs[x]) {
      var r = RES[x];
      var o = { type: str(TYPES[r[2]]), id: resId(x), arn: expand(r[8], x), region: resRegion(x),
        account_id: resAccount(x), name: r[4], tags: r[7] || {} };
      if (typeof r[5] === 'number') { o.network_interfaces = r[5]; }
      if (typeof r[6] === 'boolean') { o.is_default = r[6]; }
      resObjs[x] = o;
    }
    return resObjs[x];
  }
  // A result of the data: [resource, check, status, severity, message, compliance, remediation,
  // suppression, own values], as the JSON report writes it (built when shown).
  function result(d) {
    var a = DET[d], c = CHECKS[a[1]] || [];
    var rem = null;
    if (a[6]) {
      rem = {};
      SNIPPETS.forEach(function (s) { rem[s[0]] = has(a[6], s[0]) ? expand(a[6][s[0]], a[0], a[8]) : null; });
    }
    var comp = {};
    try { comp = JSON.parse(str(COMPLIANCE[a[5]]) || '{}'); } catch (e) { comp = {}; }
    return { rule_id: str(c[0]), check_id: str(c[1]), status: str(a[2]), severity: str(a[3]),
      resource: resource(a[0]), message: expand(a[4], a[0], a[8]), compliance: comp,
      remediation: rem, suppression: a[7] || null };
  }
  window.flowauditResult = function (d) { return d >= 0 && d < nD ? result(d) : null; };

  // The severity of a check's passing and skipped results: its rule's.
  var ruleSev = Object.create(null), ruleTitle = Object.create(null);
  list(data.rules).forEach(function (r) {
    if (r && typeof r.id === 'string') { ruleSev[r.id] = str(r.severity); ruleTitle[r.id] = str(r.title); }
  });
  var checkSev = CHECKS.map(function (c) { return ruleSev[str(c[0])] || 'info'; });
  var checkKeys = CHECKS.map(function (c) { return str(c[0]) + '/' + str(c[1]); });
  var checkRank = ranksOf(checkKeys);

  function ranksOf(keys) {
    var m = Object.create(null);
    keys.forEach(function (k) { m[k] = 0; });
    Object.keys(m).sort().forEach(function (k, i) { m[k] = i; });
    return keys.map(function (k) { return m[k]; });
  }

  // The accounts of an organization scan, by id: name, the ids of the OUs above it, and the
  // text a search looks in (name, OU names, tags).
  var accounts = Object.create(null);
  list(data.account_details).forEach(function (a) {
    if (!a || typeof a.id !== 'string') { return; }
    var ous = Object.create(null);
    var parts = [a.name];
    list(a.ou_path).forEach(function (u) { ous[str((u || {}).id)] = true; parts.push((u || {}).name); });
    var tags = a.tags || {};
    Object.keys(tags).forEach(function (k) { parts.push(k, tags[k]); });
    accounts[a.id] = { name: str(a.name), ous: ous, hay: parts.map(str).join('\n').toLowerCase() };
  });

  // An entry of the table of results: a result of the data (0 .. nD-1), or a passing or skipped
  // result of a status cell (nD + resource * nC + check).
  function entRes(e) { return e < nD ? DET[e][0] : Math.floor((e - nD) / nC); }
  function entCheck(e) { return e < nD ? DET[e][1] : (e - nD) % nC; }
  function entStatus(e) {
    if (e < nD) { return str(DET[e][2]); }
    var c = e - nD;
    return STATUS_OF[resCells(Math.floor(c / nC)).charAt(c % nC)] || '';
  }
  function entSeverity(e) { return e < nD ? str(DET[e][3]) : checkSev[(e - nD) % nC]; }
  function entMessage(e) { return e < nD ? expand(DET[e][4], DET[e][0], DET[e][8]) : ''; }

  // With --baseline: what changed for each result since the baseline, by the result's identity.
  var changeOf = Object.create(null);
  function identity(account, region, id, rule, check) {
    return [account, region, id, rule, check].map(str).join('\u0000');
  }
  list((data.baseline || {}).changes).forEach(function (c) {
    if (c && c.new_status) {
      changeOf[identity(c.account_id, c.region, c.resource_id, c.rule_id, c.check_id)] = str(c.change);
    }
  });
  function baselineChange(e) {
    var x = entRes(e), c = CHECKS[entCheck(e)] || [];
    var ch = changeOf[identity(resAccount(x), resRegion(x), resId(x), c[0], c[1])];
    // A failure the baseline section does not list failed in the baseline too.
    return ch || (data.baseline && entStatus(e) === 'fail' ? 'still_failing' : '');
  }

  // Resources in the order of their network interfaces (most first), account and region, id.
  var placeKey = ranksOf(RES.map(function (r, x) { return resAccount(x) + ' ' + resRegion(x); }));
  function eni(x) { return typeof RES[x][5] === 'number' ? RES[x][5] : -1; }
  function byResource(a, b) {
    var d = eni(b) - eni(a) || placeKey[a] - placeKey[b];
    if (d) { return d; }
    var ia = resId(a), ib = resId(b);
    return ia < ib ? -1 : ia > ib ? 1 : a - b;
  }
  var resOrder = [];
  for (var x0 = 0; x0 < nR; x0++) { resOrder.push(x0); }
  resOrder.sort(byResource);
  var resPos = new Int32Array(nR);
  resOrder.forEach(function (x, i) { resPos[x] = i; });
  // Status, severity, rule/check first.
  function urgency(status, sev, check) {
    return (rank(STATUS_RANK, status) * 10 + rank(SEV_RANK, sev)) * (nC + 1) + checkRank[check];
  }

  // Every entry in the table's order: the results of the data, then the skipped and the passing
  // results of the cells, check by check.
  var detOrder = [];
  for (var d0 = 0; d0 < nD; d0++) { detOrder.push(d0); }
  var detKey = DET.map(function (a) { return urgency(str(a[2]), str(a[3]), a[1]); });
  detOrder.sort(function (a, b) {
    return detKey[a] - detKey[b] || resPos[DET[a][0]] - resPos[DET[b][0]] || a - b;
  });
  var cellChecks = [];
  for (var c0 = 0; c0 < nC; c0++) { cellChecks.push(c0); }
  var order = detOrder.slice();
  ['K', 'P'].forEach(function (m) {
    cellChecks.slice().sort(function (a, b) {
      return urgency(STATUS_OF[m], checkSev[a], a) - urgency(STATUS_OF[m], checkSev[b], b);
    }).forEach(function (c) {
      for (var i = 0; i < nR; i++) {
        var x = resOrder[i];
        if (resCells(x).charAt(c) === m) { order.push(nD + x * nC + c); }
      }
    });
  });
  // The result of the data for each cell (its first), -1 if none.
  var detAt = new Int32Array(nR * nC).fill(-1);
  var detsOf = Object.create(null);
  detOrder.forEach(function (d) {
    var k = DET[d][0] * nC + DET[d][1];
    if (detAt[k] < 0) { detAt[k] = d; }
    (detsOf[DET[d][0]] = detsOf[DET[d][0]] || []).push(d);
  });
  function entryAt(x, c) {
    var m = resCells(x).charAt(c);
    if (m === 'P' || m === 'K') { return nD + x * nC + c; }
    return detAt[x * nC + c];
  }

  // Lower-cased text searched: each resource's, each result's of the data; a passing or skipped
  // result is searched in its resource's text, its rule/check, status and severity.
  var resHay = null, detHay = null, cellHay = null;
  function buildHay() {
    if (resHay) { return; }
    resHay = RES.map(function (r, x) {
      var o = resource(x);
      var parts = [o.id, o.arn, o.name, o.region, o.account_id, o.type];
      Object.keys(o.tags).forEach(function (k) { parts.push(k, o.tags[k]); });
      var acct = accounts[o.account_id];
      if (acct) { parts.push(acct.hay); }
      return parts.map(str).join('\n').toLowerCase();
    });
    detHay = DET.map(function (a, d) {
      var parts = [checkKeys[a[1]], a[2], a[3], entMessage(d)];
      if (a[7]) { parts.push(a[7].reason); }
      return parts.map(str).join('\n').toLowerCase();
    });
    cellHay = Object.create(null);
    ['K', 'P'].forEach(function (m) {
      cellHay[m] = checkKeys.map(function (k, c) { return [k, STATUS_OF[m], checkSev[c]].join('\n').toLowerCase(); });
    });
  }
  function hasTerm(e, t) {
    var x = entRes(e);
    if (resHay[x].indexOf(t) >= 0) { return true; }
    if (e < nD) { return detHay[e].indexOf(t) >= 0; }
    var c = (e - nD) % nC;
    return cellHay[resCells(x).charAt(c)][c].indexOf(t) >= 0;
  }

  // The filters of the form: each names its control and tells whether an entry passes for the
  // control's value; a control left at '' (all) does not filter.
  var FILTERS = [
    { id: 'f-status', test: function (e, v) { return entStatus(e) === v; } },
    { id: 'f-severity', test: function (e, v) { return entSeverity(e) === v; } },
    { id: 'f-region', test: function (e, v) { return resRegion(entRes(e)) === v; } },
    { id: 'f-rule', test: function (e, v) { return str((CHECKS[entCheck(e)] || [])[0]) === v; } },
    { id: 'f-account', test: function (e, v) { return resAccount(entRes(e)) === v; } },
    { id: 'f-ou', test: function (e, v) {
      var a = accounts[resAccount(entRes(e))];
      return !!a && !!a.ous[v];
    } },
    { id: 'f-baseline', test: function (e, v) { return baselineChange(e) === v; } }
  ];
  FILTERS.forEach(function (f) { f.el = byId(f.id); });
  var els = {
    text: byId('f-text'), form: byId('filters'), account: byId('f-account'), ou: byId('f-ou'),
    tbody: document.querySelector('#results tbody'),
    rhead: document.querySelector('#resources thead'), rbody: document.querySelector('#resources tbody'),
    viewResources: byId('view-resources'), viewResults: byId('view-results'),
    resourcesWrap: byId('resources-wrap'), resultsWrap: byId('results-wrap'),
    pager: byId('pager'), prev: byId('page-prev'), next: byId('page-next')
  };

  // The test an entry must pass under the filters as they are set: `null` when nothing filters.
  function currentTest() {
    var active = FILTERS.filter(function (f) { return f.el && f.el.value !== ''; })
      .map(function (f) { return { test: f.test, value: f.el.value }; });
    var terms = els.text.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!active.length && !terms.length) { return null; }
    if (terms.length) { buildHay(); }
    return function (e) {
      for (var a = 0; a < active.length; a++) {
        if (!active[a].test(e, active[a].value)) { return false; }
      }
      for (var t = 0; t < terms.length; t++) {
        if (!hasTerm(e, terms[t])) { return false; }
      }
      return true;
    };
  }

  // The view shown: one row per resource ('resources') or one row per result ('results'), the
  // entries (or resources) that match, and the first of them shown.
  var view = 'results';
  var passes = null;
  var matches = [];
  var first = 0;

  function apply() {
    passes = currentTest();
    if (view === 'resources') {
      if (!ruleCols) { buildResourceHead(); }
      matches = [];
      for (var i = 0; i < nR; i++) {
        var x = resOrder[i];
        if (!passes || resourcePasses(x)) { matches.push(x); }
      }
    } else {
      matches = passes ? order.filter(passes) : order;
    }
    first = 0;
    render();
  }

  function resourcePasses(x) {
    for (var c = 0; c < nC; c++) {
      var e = entryAt(x, c);
      if (e >= 0 && passes(e)) { return true; }
    }
    return false;
  }

  function render() {
    var byRes = view === 'resources';
    var body = byRes ? els.rbody : els.tbody;
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, first + PAGE);
    for (var i = first; i < end; i++) {
      frag.appendChild(byRes ? resourceRow(matches[i]) : row(matches[i]));
    }
    body.textContent = '';
    body.appendChild(frag);
    var shown = matches.length ? (first + 1) + '\u2013' + end : '0';
    countEl.textContent = 'Showing ' + shown + ' of ' + matches.length + (byRes
      ? ' matching resources (' + nR + ' in total, ' + total + ' results)'
      : ' matching results (' + total + ' in total)');
    els.pager.hidden = matches.length <= PAGE;
    els.prev.disabled = first === 0;
    els.next.disabled = end >= matches.length;
  }

  function turn(by) {
    var next = first + by * PAGE;
    if (next < 0 || next >= matches.length) { return; }
    first = next;
    render();
    (view === 'resources' ? els.resourcesWrap : els.resultsWrap).scrollIntoView();
  }

  // The per-resource view: one column per rule with a badge per check, so the table fits the
  // screen however many checks a rule has.
  var ruleCols = null;
  function buildResourceHead() {
    ruleCols = [];
    var byRule = Object.create(null), placed = Object.create(null);
    function col(ruleId, title) {
      if (!has(byRule, ruleId)) {
        byRule[ruleId] = { id: ruleId, title: title, checks: [] };
        ruleCols.push(byRule[ruleId]);
      }
      return byRule[ruleId];
    }
    var index = Object.create(null);
    checkKeys.forEach(function (k, c) { index[k] = c; });
    list(data.rules).forEach(function (rule) {
      list((rule || {}).checks).forEach(function (ch) {
        var k = str(rule.id) + '/' + str((ch || {}).id);
        if (has(index, k) && !has(placed, k)) {
          placed[k] = true;
          col(str(rule.id), str(rule.title)).checks.push({ c: index[k], id: str(ch.id) });
        }
      });
    });
    checkKeys.map(function (k, c) { return [k, c]; }).sort().forEach(function (kc) {
      if (has(placed, kc[0])) { return; }
      placed[kc[0]] = true;
      var c = CHECKS[kc[1]];
      col(str(c[0]), ruleTitle[str(c[0])] || str(c[0])).checks.push({ c: kc[1], id: str(c[1]) });
    });
    var tr = document.createElement('tr');
    ['Account', 'Region', 'Resource', 'Name', 'Network interfaces'].forEach(function (h, n) {
      var th = document.createElement('th');
      th.textContent = h;
      if (n === 4) { th.className = 'num'; }
      tr.appendChild(th);
    });
    ruleCols.forEach(function (col) {
      var th = document.createElement('th');
      th.className = 'check';
      th.title = col.title + ': ' + col.checks.map(function (k) { return k.id; }).join(', ');
      th.textContent = col.id;
      tr.appendChild(th);
    });
    var fixTh = document.createElement('th');
    fixTh.textContent = 'Fix';
    tr.appendChild(fixTh);
    els.rhead.textContent = '';
    els.rhead.appendChild(tr);
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
    var res = resource(x);
    var tr = document.createElement('tr');
    tr.className = 'resource';
    accountCell(tr, res);
    cell(tr, res.region, 'region');
    var idCell = cell(tr, res.id, 'rid');
    idCell.title = str(res.arn);
    defaultMark(idCell, res);
    nameCell(tr, res.name);
    cell(tr, typeof res.network_interfaces === 'number' ? res.network_interfaces : '', 'num');
    var cells = resCells(x);
    ruleCols.forEach(function (col) {
      var td = document.createElement('td');
      td.className = 'check';
      var any = false;
      col.checks.forEach(function (k) {
        var b = document.createElement('span');
        var st = STATUS_OF[cells.charAt(k.c)];
        if (st) {
          var e = entryAt(x, k.c);
          b.className = 'mark st-' + st + (passes && !(e >= 0 && passes(e)) ? ' dim' : '');
          b.textContent = MARK[st];
          b.setAttribute('data-status', st);
          b.title = k.id + ': ' + st + (e >= 0 && e < nD ? ' \u2014 ' + messageOf({ message: entMessage(e), suppression: DET[e][7] }) : '');
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
    var failing = (detsOf[x] || []).filter(function (d) { return DET[d][2] === 'fail' && hasFix(DET[d]); });
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
        failing.forEach(function (d) {
          var r = result(d);
          var h = document.createElement('h4');
          h.textContent = r.rule_id + '/' + r.check_id + ': ' + r.message;
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
    var byRes = v === 'resources';
    els.resourcesWrap.hidden = !byRes;
    els.resultsWrap.hidden = byRes;
    els.viewResources.setAttribute('aria-pressed', String(byRes));
    els.viewResults.setAttribute('aria-pressed', String(!byRes));
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

  // Whether a result of the data has a fix snippet.
  function hasFix(a) {
    var rem = a[6];
    return !!rem && SNIPPETS.some(function (s) { return has(rem, s[0]); });
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

  function row(e) {
    var x = entRes(e), res = resource(x), c = CHECKS[entCheck(e)] || [];
    var st = entStatus(e);
    var tr = document.createElement('tr');
    tr.className = 'result';
    tr.setAttribute('data-status', st);
    pill(tr, 'badge st-' + st, st);
    pill(tr, 'sev sev-' + entSeverity(e), entSeverity(e));
    cell(tr, str(c[0]) + '/' + str(c[1]));
    accountCell(tr, res);
    cell(tr, res.region);
    var idCell = cell(tr, res.id, 'rid');
    idCell.title = str(res.arn);
    if (typeof res.network_interfaces === 'number') {
      var n = document.createElement('span');
      n.className = 'acct-name';
      n.textContent = res.network_interfaces + (res.network_interfaces === 1 ? ' network interface' : ' network interfaces');
      idCell.appendChild(n);
    }
    defaultMark(idCell, res);
    nameCell(tr, res.name);
    if (e < nD) {
      cell(tr, messageOf({ message: entMessage(e), suppression: DET[e][7] }), 'msg');
    } else {
      cell(tr, st + ': its message is in the JSON report', 'msg muted');
    }
    var fixTd = document.createElement('td');
    if (e < nD && hasFix(DET[e])) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'fixbtn';
      btn.textContent = 'Show fix';
      btn.setAttribute('aria-expanded', 'false');
      btn.addEventListener('click', function () { toggleFix(result(e), tr, btn); });
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
      var text = (r.remediation || {})[s[0]];
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
  els.prev.addEventListener('click', function () { turn(-1); });
  els.next.addEventListener('click', function () { turn(1); });
  // The text a search looks in is built before the tables are shown, so that no search waits
  // for it.
  buildHay();
  // One row per resource is the default when there is more than one check to compare.
  setView(nC > 1 ? 'resources' : 'results');
  }
})();
