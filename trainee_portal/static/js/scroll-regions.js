// Tables wider than the screen scroll inside .app-table-scroll; when one does, keyboard users must be able to focus
// it to scroll (WCAG 2.1.1) and screen readers hear it as a region named after the table's caption.
(function () {
  function label(box) {
    var caption = box.querySelector('caption');
    var heading = caption ? caption.textContent.trim() : '';
    return heading ? heading + ' (scrolls sideways)' : 'Table (scrolls sideways)';
  }
  function update() {
    document.querySelectorAll('.app-table-scroll').forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', label(box));
      } else if (box.getAttribute('role') === 'region') {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    });
  }
  var pending = null;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 100);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', update);
  } else {
    update();
  }
  window.addEventListener('resize', later);
  document.addEventListener('toggle', later, true); // tables inside <details> only get a width when opened
})();
