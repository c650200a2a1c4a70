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
    form: byId('filters'), tbody: document.querySelector('#results tbody'), more: byId('more')
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

  function apply() {
    var st = els.status.value, sev = els.severity.value, reg = els.region.value, rule = els.rule.value;
    var acctId = els.account ? els.account.value : '', ou = els.ou ? els.ou.value : '';
    var since = els.baseline ? els.baseline.value : '';
    var terms = els.text.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length) { haystack(); }
    matches = order.filter(function (i) {
      var r = results[i];
      if (st && r.status !== st) { return false; }
      if (sev && r.severity !== sev) { return false; }
      if (reg && (r.resource || {}).region !== reg) { return false; }
      if (rule && r.rule_id !== rule) { return false; }
      if (acctId && (r.resource || {}).account_id !== acctId) { return false; }
      if (since && baselineChange(r) !== since) { return false; }
      if (ou) {
        var a = accounts[str((r.resource || {}).account_id)];
        if (!a || !a.ous[ou]) { return false; }
      }
      for (var t = 0; t < terms.length; t++) {
        if (hay[i].indexOf(terms[t]) < 0) { return false; }
      }
      return true;
    });
    els.tbody.textContent = '';
    shown = 0;
    renderMore();
  }

  function renderMore() {
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

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) { td.className = cls; }
    td.textContent = str(text);
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

  function row(r) {
    var res = r.resource || {};
    var tr = document.createElement('tr');
    tr.className = 'result';
    tr.setAttribute('data-status', str(r.status));
    pill(tr, 'badge st-' + str(r.status), r.status);
    pill(tr, 'sev sev-' + str(r.severity), r.severity);
    cell(tr, str(r.rule_id) + '/' + str(r.check_id));
    var acctCell = cell(tr, res.account_id, 'acct');
    var acct = accounts[str(res.account_id)];
    if (acct && acct.name) {
      var nameSpan = document.createElement('span');
      nameSpan.className = 'acct-name';
      nameSpan.textContent = acct.name;
      acctCell.appendChild(nameSpan);
    }
    cell(tr, res.region);
    var idCell = cell(tr, res.id, 'rid');
    idCell.title = str(res.arn);
    if (typeof res.network_interfaces === 'number') {
      var eni = document.createElement('span');
      eni.className = 'acct-name';
      eni.textContent = res.network_interfaces + (res.network_interfaces === 1 ? ' network interface' : ' network interfaces');
      idCell.appendChild(eni);
    }
    cell(tr, res.name, 'name');
    var msg = str(r.message);
    if (r.suppression) {
      msg += ' (suppressed until ' + str(r.suppression.expires) + ': ' + str(r.suppression.reason) + ')';
    }
    cell(tr, msg, 'msg');
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
    td.appendChild(box);
    d.appendChild(td);
    tr.after(d);
    tr.fixRow = d;
    btn.textContent = 'Hide fix';
    btn.setAttribute('aria-expanded', 'true');
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
  ['status', 'severity', 'region', 'rule', 'account', 'ou', 'baseline'].forEach(function (k) {
    if (els[k]) { els[k].addEventListener('change', apply); }
  });
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
  apply();
})();
