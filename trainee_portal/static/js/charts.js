// Draws every Plotly figure on the page from its JSON data block (figures are built in Python).
(function () {
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll('[data-chart-source]').forEach(function (target) {
      var source = document.getElementById(target.getAttribute('data-chart-source'));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var config = Object.assign({ responsive: true, displaylogo: false, modeBarButtonsToRemove: ['lasso2d', 'select2d'] }, figure.config || {});
      window.Plotly.newPlot(target, figure.data, figure.layout || {}, config);
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
