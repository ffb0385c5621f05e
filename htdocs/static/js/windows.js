/* 各省网报时间查询: dependent dropdowns fed by the JSON APIs (docs/api.md).
 * Progressive enhancement only: without this file the form is a plain GET
 * form refined by its 查询 button.  Text is set with textContent only. */
(function () {
  'use strict';

  var form = document.getElementById('windows-form');
  if (!form || !window.fetch) {
    return;
  }
  var sel = {
    province: document.getElementById('w-province'),
    city: document.getElementById('w-city'),
    stage: document.getElementById('w-stage'),
    institution: document.getElementById('w-institution')
  };
  var hint = document.getElementById('w-hint');
  var seq = 0;      /* answers to stale requests are ignored */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function getJSON(url) {
    return fetch(url, { headers: { 'Accept': 'application/json' },
                        credentials: 'same-origin' })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            throw new Error(body && body.error ? body.error.message
                                               : '查询失败，请稍后再试。');
          }
          return body;
        });
      });
  }

  function setHint(text) {
    if (!hint) {
      hint = el('span', 'hint');
      hint.id = 'w-hint';
      form.querySelector('.form-actions').appendChild(hint);
    }
    hint.textContent = text || '';
    hint.hidden = !text;
  }

  function fill(select, items, valueKey, placeholder) {
    while (select.options.length) {
      select.remove(0);
    }
    select.add(new Option(placeholder, ''));
    (items || []).forEach(function (it) {
      select.add(new Option(it.name, String(it[valueKey])));
    });
    select.disabled = false;
  }

  function removeById(id) {
    var e = document.getElementById(id);
    if (e) { e.parentNode.removeChild(e); }
  }

  function clearResult() {
    removeById('w-result');
    removeById('w-no-inst');
  }

  function message(id, cls, text) {
    var p = el('p', 'msg ' + cls, text);
    p.id = id;
    form.parentNode.insertBefore(p, form.nextSibling);
    return p;
  }

  function remember() {
    if (!window.history || !history.replaceState) { return; }
    var q = [];
    Object.keys(sel).forEach(function (k) {
      if (sel[k].value) {
        q.push(k + '=' + encodeURIComponent(sel[k].value));
      }
    });
    history.replaceState(null, '', '/windows' + (q.length ? '?' + q.join('&') : ''));
  }

  function row(cells) {
    var tr = el('tr');
    cells.forEach(function (c) {
      tr.appendChild(el(c[0], null, c[1]));
    });
    return tr;
  }

  // API times are ISO 8601 with the offset (2026-11-01T09:00:00+08:00);
  // the page shows Beijing wall clock as the server-rendered page does.
  function bj(t) {
    return t ? String(t).replace('T', ' ').replace(/\+08:00$/, '') : '';
  }

  function renderResult(win, pts) {
    var inst = win.institution, w = win.window;
    var box = el('div', 'window-result');
    box.id = 'w-result';
    box.appendChild(el('h2', null, inst.name));
    var t = el('table', 'grid window-times');
    t.appendChild(row([['th', '网报开始时间'], ['td', bj(w.starts)],
                       ['th', '网报结束时间'], ['td', bj(w.ends)]]));
    if (w.confirm_starts) {
      t.appendChild(row([['th', '现场确认开始时间'], ['td', bj(w.confirm_starts)],
                         ['th', '现场确认结束时间'], ['td', bj(w.confirm_ends)]]));
    }
    t.appendChild(row([['th', '咨询电话'], ['td', inst.phone || ''],
                       ['th', '地址'], ['td', inst.address || '']]));
    box.appendChild(t);
    box.appendChild(el('p', 'msg window-msg ' +
                       (w.status === 'open' ? 'msg-ok' : 'msg-error'),
                       w.message));
    box.appendChild(el('h3', null, '现场确认点'));
    if (!pts.points.length) {
      box.appendChild(el('p', 'msg msg-error', pts.message));
    } else {
      var pt = el('table', 'grid points');
      var head = el('thead');
      head.appendChild(row([['th', '确认点'], ['th', '确认范围'], ['th', '地址'],
                            ['th', '电话'], ['th', '办公时间']]));
      pt.appendChild(head);
      var body = el('tbody');
      pts.points.forEach(function (p) {
        body.appendChild(row([['td', p.name], ['td', p.scope],
                              ['td', p.address || ''], ['td', p.phone || ''],
                              ['td', p.hours || '']]));
      });
      pt.appendChild(body);
      box.appendChild(pt);
    }
    form.parentNode.insertBefore(box, form.nextSibling);
  }

  function failed(err) {
    setHint(err.message || '查询失败，请稍后再试。');
  }

  function loadCities() {
    var my = ++seq, code = sel.province.value;
    clearResult();
    fill(sel.city, [], 'code', '请选择地市');
    fill(sel.institution, [], 'id', '请选择注册机构');
    remember();
    if (!code) {
      setHint('请选择省份。');
      return;
    }
    sel.city.disabled = true;
    setHint('正在加载地市……');
    getJSON('/api/v1/regions/' + encodeURIComponent(code) + '/cities')
      .then(function (j) {
        if (my !== seq) { return; }
        fill(sel.city, j.cities, 'code', '请选择地市');
        setHint('请选择地市。');
      }, failed);
  }

  function loadInstitutions() {
    var my = ++seq, city = sel.city.value, stage = sel.stage.value;
    clearResult();
    fill(sel.institution, [], 'id', '请选择注册机构');
    remember();
    if (!city || !stage) {
      setHint(!sel.province.value ? '请选择省份。'
              : !city ? '请选择地市。' : '请选择现任教学段。');
      return;
    }
    sel.institution.disabled = true;
    setHint('正在加载注册机构……');
    getJSON('/api/v1/institutions?city=' + encodeURIComponent(city) +
            '&stage=' + encodeURIComponent(stage))
      .then(function (j) {
        if (my !== seq) { return; }
        fill(sel.institution, j.institutions, 'id', '请选择注册机构');
        if (!j.institutions.length) {
          setHint('');
          message('w-no-inst', 'msg-error',
                  '所选地区暂无负责该学段的注册机构，请联系当地教育局。');
        } else {
          setHint('请选择注册机构。');
        }
      }, failed);
  }

  function loadWindow() {
    var my = ++seq, id = sel.institution.value;
    clearResult();
    remember();
    if (!id) {
      setHint('请选择注册机构。');
      return;
    }
    setHint('正在查询……');
    var base = '/api/v1/institutions/' + encodeURIComponent(id);
    Promise.all([getJSON(base + '/window'), getJSON(base + '/points')])
      .then(function (r) {
        if (my !== seq) { return; }
        setHint('');
        renderResult(r[0], r[1]);
      }, failed);
  }

  sel.province.addEventListener('change', loadCities);
  sel.city.addEventListener('change', loadInstitutions);
  sel.stage.addEventListener('change', loadInstitutions);
  sel.institution.addEventListener('change', loadWindow);
  form.classList.add('js-live');
})();
