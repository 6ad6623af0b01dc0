// Draws every Plotly figure on the page from its JSON data block (figures are built in Python).
//
// Each plot's box is given its figure's height before Plotly draws into it, so the box and the drawing always take
// the same room and nothing after the figure (the link to its table, the next heading) is covered. When the box's
// width changes (a window resized, a phone turned) the figure is redrawn to the new width. A figure may say what
// changes on a narrow screen ("narrow": layout changes and changes to every trace, built in Python with the figure):
// below NARROW pixels of box width it is drawn with them, and redrawn without them when the box widens again.
(function () {
  var NARROW = 560;

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function merge(target, changes) {
    Object.keys(changes || {}).forEach(function (key) {
      if (isObject(changes[key]) && isObject(target[key])) {
        merge(target[key], changes[key]);
      } else {
        target[key] = JSON.parse(JSON.stringify(changes[key]));
      }
    });
    return target;
  }

  function figureFor(figure, narrow) {
    var data = JSON.parse(JSON.stringify(figure.data || []));
    var layout = JSON.parse(JSON.stringify(figure.layout || {}));
    if (narrow && figure.narrow) {
      merge(layout, figure.narrow.layout);
      data.forEach(function (trace) { merge(trace, figure.narrow.traces); });
    }
    layout.autosize = true; // the width follows the box; the height is the box's, set from the figure below
    delete layout.width;
    return { data: data, layout: layout };
  }

  function render(plot) {
    var narrow = plot.target.clientWidth < NARROW;
    var drawn = figureFor(plot.figure, narrow);
    plot.narrow = narrow;
    plot.width = plot.target.clientWidth;
    plot.target.style.minHeight = '0';
    plot.target.style.height = (drawn.layout.height || 450) + 'px'; // 450: Plotly's own default height
    return window.Plotly.newPlot(plot.target, drawn.data, drawn.layout, plot.config); // afresh: react keeps parts of the old drawing (a colour bar turned on its side)
  }

  function resize(plot) {
    var width = plot.target.clientWidth;
    if (!width || width === plot.width) { return; }
    if ((width < NARROW) !== plot.narrow) {
      render(plot);
    } else {
      plot.width = width;
      window.Plotly.Plots.resize(plot.target);
    }
  }

  function draw() {
    if (!window.Plotly) { return; }
    var plots = [];
    document.querySelectorAll('[data-chart-source]').forEach(function (target) {
      var source = document.getElementById(target.getAttribute('data-chart-source'));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      // No mode bar: its buttons would sit inside the plot's role="img" (hidden from screen readers, an axe
      // nested-interactive failure) and its "Share chart" would send the figures to Plotly's cloud. The table below
      // each chart carries the same figures for everyone; hover labels stay for mouse users.
      // Not Plotly's own "responsive": it resizes to the box's height as the drawing left it, not to the figure's.
      var config = Object.assign({ displaylogo: false }, figure.config || {}, { displayModeBar: false, responsive: false });
      var plot = { target: target, figure: figure, config: config, narrow: null, width: 0 };
      plots.push(plot);
      render(plot);
    });
    if (!plots.length) { return; }
    var pending = false;
    function resizeAll() {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        plots.forEach(resize);
      });
    }
    if (window.ResizeObserver) {
      var observer = new window.ResizeObserver(resizeAll);
      plots.forEach(function (plot) { observer.observe(plot.target); });
    }
    window.addEventListener('resize', resizeAll);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
