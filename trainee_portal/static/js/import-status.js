// Follows a logbook import while it runs: asks its status every two seconds and shows the result page once it has
// finished. Without JavaScript the page's "Refresh" link does the same by hand.
(function () {
  var box = document.querySelector('[data-import-status]');
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector('progress');
  var text = box.querySelector('[data-import-text]');
  var refresh = box.querySelector('[data-import-refresh]');
  if (refresh) { refresh.hidden = true; }
  function number(n) { return n.toLocaleString('en-GB'); }
  function ask() {
    fetch(box.getAttribute('data-import-status'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { if (refresh) { refresh.hidden = false; } return; }
        if (status.finished) { window.location.reload(); return; }
        bar.value = status.percent;
        bar.textContent = status.percent + '%';
        if (status.status === 'running') {
          text.textContent = status.rows_checked >= status.rows_total
            ? 'Every row is checked: saving the new entries.'
            : number(status.rows_checked) + ' of ' + number(status.rows_total) + ' rows checked.';
        }
        window.setTimeout(ask, 2000);
      })
      .catch(function () { if (refresh) { refresh.hidden = false; } });
  }
  window.setTimeout(ask, 1000);
})();
