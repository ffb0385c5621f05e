/* 中国教师资格网 -- the slider captcha ("拖动滑块补全拼图") and the
 * show/hide password toggle of the account forms.
 *
 * Without JavaScript the form carries a pick-the-numbered-position
 * challenge drawn by the server.  Here we swap it for a slider challenge
 * (POST /api/v1/captcha): drag the piece with the mouse or a finger, or
 * focus the handle and use the arrow keys (Shift: 10 px; Home/End).  The
 * answer is only ever what the user did: the position, how long the
 * drag took and its track (time and position of each move, "t:x", keys
 * marked "k"), which the server checks looks like a hand or a keyboard;
 * the server knows where the gap is, this page never does.
 */
(function () {
  'use strict';

  var MSG_TODO = '请先拖动滑块填充拼图完成校验!';
  var MSG_HINT = '拖动滑块补全拼图';
  var MSG_DONE = '已完成拼图，请继续操作';
  var REFRESH_MS = 100000;           /* challenges live 120 s */
  var TRACK_MAX = 200;               /* samples the server accepts */

  function el(tag, cls, attrs) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function hidden(form, name) {
    var i = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!i) {
      i = el('input', '', { type: 'hidden', name: name });
      form.appendChild(i);
    }
    return i;
  }

  /* ---- show / hide password ---- */
  Array.prototype.forEach.call(document.querySelectorAll('[data-pw-toggle]'), function (btn) {
    var input = document.getElementById(btn.getAttribute('data-pw-toggle'));
    if (!input) { return; }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      btn.textContent = show ? '隐藏密码' : '显示密码';
      btn.setAttribute('aria-pressed', show ? 'true' : 'false');
    });
  });

  /* ---- the slider ---- */
  function Slider(box) {
    this.box = box;
    this.form = box.closest('form');
    this.csrf = this.form.querySelector('input[name=_csrf]').value;
    this.token = hidden(this.form, 'captcha_token');
    this.error = box.querySelector('.field-error');
    this.load();
  }

  Slider.prototype.load = function () {
    var self = this;
    fetch('/api/v1/captcha', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': this.csrf,
                 'Content-Type': 'application/x-www-form-urlencoded' },
      body: ''
    }).then(function (r) {
      if (!r.ok) { throw new Error('captcha ' + r.status); }
      return r.json();
    }).then(function (c) {
      self.build(c);
    }).catch(function () {
      /* keep the no-JS challenge: it works on its own */
    });
  };

  Slider.prototype.build = function (c) {
    var self = this, pick = this.box.querySelector('.captcha-pick');
    if (pick) { pick.parentNode.removeChild(pick); }
    if (this.ui) { this.ui.parentNode.removeChild(this.ui); }
    clearTimeout(this.timer);

    this.max = c.width - c.piece_width;
    this.pos = 0;
    this.t0 = 0;
    this.moved = false;
    this.token.value = c.token;
    this.answer = hidden(this.form, 'captcha_answer');
    this.ms = hidden(this.form, 'captcha_ms');
    this.trackIn = hidden(this.form, 'captcha_track');
    this.answer.value = '';
    this.ms.value = '';
    this.trackIn.value = '';
    this.samples = [];

    this.ui = el('div', 'captcha-slide');
    var stage = el('div', 'captcha-stage');
    stage.appendChild(el('img', 'captcha-bg', { src: c.bg, alt: '拼图验证背景图', width: c.width, height: c.height, draggable: 'false' }));
    this.piece = el('img', 'captcha-piece', { src: c.piece, alt: '', width: c.piece_width, height: c.height, draggable: 'false' });
    stage.appendChild(this.piece);
    var again = el('button', 'captcha-refresh', { type: 'button', title: '换一张', 'aria-label': '换一张验证图片' });
    again.textContent = '↻';
    again.addEventListener('click', function () { self.load(); });
    stage.appendChild(again);

    var track = el('div', 'captcha-track');
    this.fill = el('div', 'captcha-fill');
    this.text = el('span', 'captcha-text');
    this.text.textContent = MSG_HINT;
    this.handle = el('div', 'captcha-handle', {
      role: 'slider', tabindex: '0', 'aria-valuemin': '0',
      'aria-valuemax': String(this.max), 'aria-valuenow': '0',
      'aria-label': '拖动滑块补全拼图，可用左右方向键移动'
    });
    /* the check's message (server's or ours) is read with the slider */
    if (this.error && this.error.id) {
      this.handle.setAttribute('aria-describedby', this.error.id);
    }
    this.handle.textContent = '→';
    track.appendChild(this.fill);
    track.appendChild(this.text);
    track.appendChild(this.handle);
    this.ui.appendChild(stage);
    this.ui.appendChild(track);
    this.box.insertBefore(this.ui, this.error || null);

    this.bindPointer();
    this.bindKeys();
    this.timer = setTimeout(function () {
      if (!self.moved) { self.load(); }     /* stale before use: renew */
    }, REFRESH_MS);
  };

  Slider.prototype.move = function (x) {
    this.pos = Math.max(0, Math.min(this.max, x));
    var px = Math.round(this.pos) + 'px';
    this.piece.style.left = px;
    this.handle.style.left = px;
    this.fill.style.width = px;
    this.handle.setAttribute('aria-valuenow', String(Math.round(this.pos)));
  };

  function now() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  /* One sample of the track (ms to a tenth); the last one always kept. */
  Slider.prototype.sample = function (key, force) {
    var t = now() - this.t0, s = this.samples;
    var item = t.toFixed(1) + ':' + Math.round(this.pos) + (key ? 'k' : '');
    var last = s.length ? s[s.length - 1] : null;
    if (!force && !key && last && t - parseFloat(last) < 8) { return; }
    if (s.length >= TRACK_MAX) { s[s.length - 1] = item; } else { s.push(item); }
  };

  Slider.prototype.record = function () {
    this.moved = true;
    this.answer.value = String(Math.round(this.pos));
    this.ms.value = String(Math.round(now() - this.t0));
    this.trackIn.value = this.samples.join(';');
    this.text.textContent = MSG_DONE;
    this.box.classList.add('captcha-done');
    if (this.error) { this.error.textContent = ''; }
  };

  Slider.prototype.bindPointer = function () {
    var self = this, startX = 0, startPos = 0, dragging = false;
    this.handle.addEventListener('pointerdown', function (ev) {
      dragging = true;
      startX = ev.clientX;
      startPos = self.pos;
      if (!self.t0) { self.t0 = now(); }
      self.sample(false, true);
      self.handle.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    });
    this.handle.addEventListener('pointermove', function (ev) {
      if (dragging) {
        self.move(startPos + ev.clientX - startX);
        self.sample(false, false);
      }
    });
    var end = function () {
      if (!dragging) { return; }
      dragging = false;
      self.sample(false, true);
      self.record();
    };
    this.handle.addEventListener('pointerup', end);
    this.handle.addEventListener('pointercancel', end);
  };

  Slider.prototype.bindKeys = function () {
    var self = this;
    this.handle.addEventListener('keydown', function (ev) {
      var step = ev.shiftKey ? 10 : 1, x = self.pos;
      switch (ev.key) {
      case 'ArrowRight': case 'ArrowUp': x += step; break;
      case 'ArrowLeft': case 'ArrowDown': x -= step; break;
      case 'PageUp': x += 10; break;
      case 'PageDown': x -= 10; break;
      case 'Home': x = 0; break;
      case 'End': x = self.max; break;
      default: return;
      }
      ev.preventDefault();
      if (!self.t0) {
        self.t0 = now();
        self.sample(true, true);      /* where the keys start from */
      }
      self.move(x);
      self.sample(true, true);
      self.record();
    });
  };

  Slider.prototype.guard = function (ev) {
    if (this.ui && !this.moved) {
      ev.preventDefault();
      if (this.error) {
        this.error.textContent = MSG_TODO;
      }
      this.handle.focus();
    }
  };

  Array.prototype.forEach.call(document.querySelectorAll('.captcha[data-captcha]'), function (box) {
    if (!box.closest('form') || !window.fetch) { return; }
    var s = new Slider(box);
    s.form.addEventListener('submit', function (ev) { s.guard(ev); });
  });
})();
