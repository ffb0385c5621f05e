/*
 * queue.js -- the waiting room (served by mod_jszg from memory while the
 * site is full).  Asks GET /api/v1/queue every few seconds, shows the
 * position and the estimated wait, and reloads the page -- the page the
 * visitor asked for -- once admitted.  Without JavaScript the page's meta
 * refresh does the same, only less often.
 */
(function () {
    "use strict";
    var root = document.getElementById("jszg-queue");
    if (!root || !window.fetch) {
        return;
    }
    var url = root.getAttribute("data-poll") || "/api/v1/queue";
    var every = parseInt(root.getAttribute("data-interval"), 10) || 3;
    var pos = document.getElementById("jszg-queue-position");
    var wait = document.getElementById("jszg-queue-wait");

    function show(j) {
        if (pos && typeof j.position === "number") {
            pos.textContent = String(j.position);
        }
        if (wait && typeof j.estimate === "number") {
            wait.textContent = String(Math.max(1, Math.ceil(j.estimate / 60)));
        }
    }

    function poll() {
        fetch(url, { credentials: "same-origin", cache: "no-store",
                     headers: { "Accept": "application/json" } })
            .then(function (res) {
                if (res.status === 429) {
                    return null;
                }
                return res.json();
            })
            .then(function (j) {
                if (j && j.status === "admitted") {
                    window.location.reload();
                    return;
                }
                if (j && j.status === "waiting") {
                    show(j);
                }
                window.setTimeout(poll, every * 1000);
            })
            .catch(function () {
                window.setTimeout(poll, every * 1000 * 2);
            });
    }

    window.setTimeout(poll, every * 1000);
}());
