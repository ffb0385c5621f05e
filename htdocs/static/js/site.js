/* 中国教师资格网 -- progressive enhancement only; every form works without it. */
(function () {
  'use strict';
  document.documentElement.classList.add('js');
})();
