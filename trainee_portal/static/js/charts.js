// Draws every Plotly figure on the page from its JSON data block (figures are built in Python).
(function () {
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll('[data-chart-source]').forEach(function (target) {
      var source = document.getElementById(target.getAttribute('data-chart-source'));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      // No mode bar: its buttons would sit inside the plot's role="img" (hidden from screen readers, an axe
      // nested-interactive failure) and its "Share chart" would send the figures to Plotly's cloud. The table below
      // each chart carries the same figures for everyone; hover labels stay for mouse users.
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {}, { displayModeBar: false });
      window.Plotly.newPlot(target, figure.data, figure.layout || {}, config);
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
