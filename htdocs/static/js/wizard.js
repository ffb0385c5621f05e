/* 定期注册报名 -- progressive enhancement of the wizard's forms.  Every
 * form works without it: the server narrows the selects, checks the
 * photo and keeps the values. */
(function () {
  'use strict';

  /* Selects that refine the form: submit it at once (GET forms), or
   * with action=refresh (the step-3 POST form). */
  /* A select that refines the form reloads it when a choice is made.  A
   * keyboard user steps through the options with the arrow keys, each step
   * a "change": the reload waits until they leave the select or press
   * Enter (WCAG 3.2.2), and the reloaded page gives the focus back to the
   * select. */
  function autosubmit(sel) {
    var keyed = false, pending = false;
    function go() {
      var form = sel.form;
      pending = false;
      if (sel.getAttribute('data-autosubmit') === 'refresh') {
        var a = document.createElement('input');
        a.type = 'hidden';
        a.name = 'action';
        a.value = 'refresh';
        form.appendChild(a);
        var dflt = form.querySelector('.wz-default');
        if (dflt) { dflt.parentNode.removeChild(dflt); }
      }
      try { window.sessionStorage.setItem('jszg-refocus', sel.id); } catch (e) { /* private mode */ }
      form.submit();
    }
    sel.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && pending) { ev.preventDefault(); go(); return; }
      if (ev.key !== 'Tab' && ev.key !== 'Shift') { keyed = true; }
    });
    sel.addEventListener('mousedown', function () { keyed = false; });
    sel.addEventListener('change', function () {
      if (keyed) { pending = true; return; }
      go();
    });
    sel.addEventListener('blur', function () { if (pending) { go(); } });
  }

  function refocus() {
    var id = null;
    try {
      id = window.sessionStorage.getItem('jszg-refocus');
      window.sessionStorage.removeItem('jszg-refocus');
    } catch (e) { /* private mode */ }
    var el = id && document.getElementById(id);
    if (el && !document.querySelector('[autofocus]')) { el.focus(); }
  }

  /* One click submits once (the server is idempotent anyway). */
  function once(btn) {
    btn.form.addEventListener('submit', function () {
      window.setTimeout(function () { btn.disabled = true; }, 0);
    });
  }

  /* The CSP allows data: images, not blob: ones. */
  function readAsDataURL(file, done) {
    var r = new FileReader();
    r.onload = function () { done(r.result); };
    r.readAsDataURL(file);
  }

  /* Tell about a photo before the upload; the server decides. */
  function photoPreview(input) {
    var note = document.createElement('span');
    note.className = 'hint wz-photo-note';
    input.parentNode.insertBefore(note, input.nextSibling);
    input.addEventListener('change', function () {
      var f = input.files && input.files[0];
      note.textContent = '';
      if (!f) { return; }
      var problems = [];
      if (f.size >= 190 * 1024) { problems.push('文件应小于190KB'); }
      var img = new Image();
      img.onload = function () {
        if (img.naturalWidth < 200 || img.naturalWidth > 300) {
          problems.push('宽度应在200到300像素之间（当前' + img.naturalWidth + '）');
        }
        if (img.naturalHeight < 408 || img.naturalHeight > 418) {
          problems.push('高度应在408到418像素之间（当前' + img.naturalHeight + '）');
        }
        note.textContent = problems.length
          ? '照片可能不符合要求：' + problems.join('；') + '。可使用照片处理工具处理。'
          : '照片尺寸符合要求，点击【下一步】上传。';
      };
      img.onerror = function () {
        note.textContent = '无法读取该图片，请选择JPG格式的照片。';
      };
      readAsDataURL(f, function (url) { img.src = url; });
    });
  }

  /* 照片处理工具: crop to the 1-inch frame (295x413) in a canvas and
   * download a baseline JPEG under 190 KB. */
  function picTools() {
    var file = document.getElementById('pic-file');
    var src = document.getElementById('pic-src');
    var out = document.getElementById('pic-out');
    var zoom = document.getElementById('pic-zoom');
    var save = document.getElementById('pic-save');
    var info = document.getElementById('pic-info');
    var OW = 295, OH = 413;
    var img = null, scale = 1, box = { x: 0, y: 0, w: 0, h: 0 }, drag = null;

    function fitBox() {
      var f = zoom.value / 100;
      var iw = img.width * scale, ih = img.height * scale;
      var h = Math.min(ih, iw * OH / OW) * f;
      box.w = h * OW / OH;
      box.h = h;
      box.x = Math.max(0, Math.min(box.x, iw - box.w));
      box.y = Math.max(0, Math.min(box.y, ih - box.h));
    }
    function draw() {
      var c = src.getContext('2d');
      c.clearRect(0, 0, src.width, src.height);
      if (!img) { return; }
      c.drawImage(img, 0, 0, img.width * scale, img.height * scale);
      c.strokeStyle = '#c0392b';
      c.lineWidth = 2;
      c.strokeRect(box.x, box.y, box.w, box.h);
      var o = out.getContext('2d');
      o.fillStyle = '#fff';
      o.fillRect(0, 0, OW, OH);
      o.drawImage(img, box.x / scale, box.y / scale, box.w / scale,
                  box.h / scale, 0, 0, OW, OH);
    }
    file.addEventListener('change', function () {
      var f = file.files && file.files[0];
      if (!f) { return; }
      var im = new Image();
      im.onload = function () {
        img = im;
        scale = Math.min(480 / im.width, 480 / im.height, 1);
        src.width = Math.round(im.width * scale);
        src.height = Math.round(im.height * scale);
        box.x = 0; box.y = 0;
        fitBox();
        box.x = (src.width - box.w) / 2;
        draw();
        save.disabled = false;
        info.textContent = '原图 ' + im.width + '×' + im.height + ' 像素';
      };
      readAsDataURL(f, function (url) { im.src = url; });
    });
    zoom.addEventListener('input', function () {
      if (img) { fitBox(); draw(); }
    });
    /* a pointer (mouse, finger, pen) in canvas pixels: on a phone the
     * canvas is drawn smaller than its 480 px */
    function at(e) {
      var r = src.getBoundingClientRect();
      var k = src.clientWidth ? src.width / src.clientWidth : 1;
      return { x: (e.clientX - r.left - src.clientLeft) * k,
               y: (e.clientY - r.top - src.clientTop) * k };
    }
    src.addEventListener('pointerdown', function (e) {
      if (!img) { return; }
      var p = at(e);
      drag = { x: p.x - box.x, y: p.y - box.y };
      if (src.setPointerCapture) { src.setPointerCapture(e.pointerId); }
      e.preventDefault();
    });
    function stop() { drag = null; }
    src.addEventListener('pointerup', stop);
    src.addEventListener('pointercancel', stop);
    src.addEventListener('pointermove', function (e) {
      if (!drag || !img) { return; }
      var p = at(e);
      box.x = p.x - drag.x;
      box.y = p.y - drag.y;
      fitBox();
      draw();
    });
    save.addEventListener('click', function () {
      var q = 0.92, url;
      /* lower the quality until the file is under 190 KB */
      do {
        url = out.toDataURL('image/jpeg', q);
        q -= 0.07;
      } while (url.length * 3 / 4 >= 190 * 1024 && q > 0.3);
      var a = document.createElement('a');
      a.href = url;
      a.download = 'photo-295x413.jpg';
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      info.textContent = '已生成 295×413 像素的JPG照片（约' +
        Math.round(url.length * 3 / 4 / 1024) + 'KB）。';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var i, list = document.querySelectorAll('select[data-autosubmit]');
    for (i = 0; i < list.length; i++) { autosubmit(list[i]); }
    refocus();
    list = document.querySelectorAll('button[data-once]');
    for (i = 0; i < list.length; i++) { once(list[i]); }
    var photo = document.getElementById('f-photo');
    if (photo) { photoPreview(photo); }
    if (document.getElementById('pic-src')) { picTools(); }
  });
})();
