// Shows only the chosen kind's details as soon as the kind changes, and marks which of them are optional (the server
// ignores the others and checks the rest anyway). Values started from the last entry of one kind are cleared when
// the kind changes, unless the user changed them.
(function () {
  var type = document.querySelector('select[name="evidence_type"]');
  if (!type) { return; }
  var continueButton = document.querySelector('.app-kind-continue');
  if (continueButton) { continueButton.parentNode.removeChild(continueButton); }  // the fields follow the kind at once
  var details = Array.prototype.slice.call(document.querySelectorAll('.app-detail'));
  var fromLast = Array.prototype.slice.call(document.querySelectorAll('.app-detail[data-last-kind]'));

  function has(list, value) { return (list || '').split(' ').indexOf(value) !== -1; }

  function markOptional(detail, required) {
    Array.prototype.forEach.call(detail.querySelectorAll('label.nhsuk-label'), function (label) {
      if (label.querySelector('*')) { return; }
      var text = label.textContent.replace(/\s*\(optional\)\s*$/, '').trim();
      label.textContent = required ? text : text + ' (optional)';
    });
  }

  function update() {
    var kind = type.value;
    details.forEach(function (detail) {
      var shown = kind !== '' && has(detail.getAttribute('data-kinds'), kind);
      detail.hidden = !shown;
      if (shown) { markOptional(detail, has(detail.getAttribute('data-required-kinds'), kind)); }
    });
    fromLast.forEach(function (detail) {
      var field = detail.querySelector('input, select');
      var hint = field && document.getElementById(field.id + '-hint');
      var value = detail.getAttribute('data-last-value');
      if (!field) { return; }
      if (detail.getAttribute('data-last-kind') === kind) {
        if (hint && hint.hidden && field.value === '') { field.value = value; }
        if (hint) { hint.hidden = false; }
        return;
      }
      if (hint && !hint.hidden && field.value === value) { field.value = ''; }
      if (hint) { hint.hidden = true; }
    });
  }

  type.addEventListener('change', update);
  update();

  // The form's enctype is multipart/form-data, which a file needs, and a browser sends it so whether or not a file is
  // chosen. Sent without one, it goes as the urlencoded form instead: the server reads either the same way, and the
  // urlencoded form costs it a small fraction of the multipart's parsing (README, "The evidence form's encoding").
  // Without scripts the form goes as multipart, as written in the page.
  var form = type.form;
  if (form) {
    form.addEventListener('submit', function () {
      var chosen = Array.prototype.some.call(form.querySelectorAll('input[type="file"]'), function (input) {
        return input.files && input.files.length > 0;
      });
      form.enctype = chosen ? 'multipart/form-data' : 'application/x-www-form-urlencoded';
    });
  }
})();
