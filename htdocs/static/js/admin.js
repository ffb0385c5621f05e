/* admin.js -- small conveniences of the back office; every page works
 * without it. */
(function () {
    'use strict';
    function ready(fn) {
        if (document.readyState !== 'loading') { fn(); }
        else { document.addEventListener('DOMContentLoaded', fn); }
    }
    ready(function () {
        /* 全选 in the 待注册审批 queue */
        var all = document.getElementById('check-all');
        if (all) {
            all.addEventListener('change', function () {
                var boxes = document.querySelectorAll('.row-check');
                for (var i = 0; i < boxes.length; i++) {
                    boxes[i].checked = all.checked;
                }
            });
        }
        /* the missing-materials box matters only for 材料不全 */
        var inc = document.getElementById('result-incomplete');
        var missing = document.getElementById('missing');
        if (inc && missing) {
            var sync = function () { missing.required = inc.checked; };
            document.getElementById('result-complete')
                .addEventListener('change', sync);
            inc.addEventListener('change', sync);
        }
        /* ask before destructive buttons */
        var dangers = document.querySelectorAll('[data-confirm]');
        for (var j = 0; j < dangers.length; j++) {
            dangers[j].addEventListener('click', function (ev) {
                if (!window.confirm(this.getAttribute('data-confirm'))) {
                    ev.preventDefault();
                }
            });
        }
    });
}());
