// Form drafts: a form the server marked with data-draft-key keeps what is typed as a draft on the server, two seconds
// after the last keystroke and when a field is left, so a time-out, a closed tab or a change of device loses nothing.
// The CSRF token travels in a header, never in the draft; hidden, file and password fields are never sent. Each save
// counts as activity for the time-out warning (timeout.js). Without JavaScript the form works exactly as before.
(function () {
  'use strict';
  var DEBOUNCE_MS = 2000;
  var LEAVE_MS = 250; // leaving a field for the submit button: the submit wins, no draft is written after it
  var SKIPPED = ['hidden', 'file', 'password', 'submit', 'button', 'reset', 'image'];
  var ended = false;

  function fields(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var type = (el.type || '').toLowerCase();
      if (!el.name || el.disabled || SKIPPED.indexOf(type) !== -1 || el.name === 'csrf_token') { return; }
      if (el.autocomplete === 'one-time-code' || el.autocomplete === 'current-password') { return; }
      if (type === 'checkbox') {
        data[el.name] = Array.isArray(data[el.name]) ? data[el.name] : [];
        if (el.checked) { data[el.name].push(el.value); }
      } else if (type === 'radio') {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.tagName === 'SELECT' && el.multiple) {
        data[el.name] = Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function clock() {
    return new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  }

  function watch(form) {
    var url = form.getAttribute('data-draft-url');
    var tokenField = form.querySelector('input[name="csrf_token"]');
    var status = document.createElement('p');
    status.className = 'nhsuk-body-s app-draft-status';
    form.appendChild(status);
    var timer = null;
    var submitted = false;
    var last = JSON.stringify({ fields: fields(form) }); // what the page was shown with is not a change

    function say(text) { status.textContent = text; }

    function save() {
      window.clearTimeout(timer);
      if (submitted || ended) { return; }
      var body = JSON.stringify({ fields: fields(form) });
      if (body === last) { return; }
      fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          'Accept': 'application/json',
          'X-CSRFToken': tokenField ? tokenField.value : ''
        },
        body: body
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) {
            last = body;
            say('Your changes are kept as a draft (' + clock() + '). Save the form to keep them for good.');
            document.dispatchEvent(new CustomEvent('app:session-active', { detail: { secondsLeft: answer.seconds_left } }));
          } else if (response.status === 401) {
            ended = true;
            say('You have been signed out, so your latest changes are not kept. Copy anything you need before signing in again.');
            document.dispatchEvent(new CustomEvent('app:session-ended'));
          } else {
            say('Your latest changes could not be kept as a draft: ' + (answer.detail || 'try again') + '.');
          }
        });
      }).catch(function () {
        say('Your latest changes could not be kept as a draft (no connection). Keep this page open and save when you can.');
      });
    }

    function later(delay) {
      window.clearTimeout(timer);
      if (!submitted && !ended) { timer = window.setTimeout(save, delay); }
    }

    form.addEventListener('input', function () { later(DEBOUNCE_MS); });
    form.addEventListener('change', function () { later(DEBOUNCE_MS); });
    form.addEventListener('focusout', function (event) {
      var next = event.relatedTarget;
      if (next && next.form === form && (next.type || '').toLowerCase() === 'submit') { return; }
      later(LEAVE_MS);
    });
    form.addEventListener('submit', function () {
      submitted = true;
      window.clearTimeout(timer);
    });
    // A page restored from the back/forward cache may be submitted again: let it keep drafts again.
    window.addEventListener('pageshow', function (event) { if (event.persisted) { submitted = false; } });
    // Before the time-out warning signs someone out, keep what they typed.
    document.addEventListener('app:session-warning', save);
  }

  document.addEventListener('app:session-ended', function () { ended = true; });
  document.querySelectorAll('form[data-draft-key][data-draft-url]').forEach(watch);
})();
