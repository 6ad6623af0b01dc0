// The time-out warning, after the GOV.UK and NHS.UK pattern: shortly before an idle session ends, a modal dialog says
// how long is left and offers "Stay signed in" (a POST to the keep-alive) or "Sign out". Focus moves into the dialog
// and stays there, Escape stays signed in, and screen readers hear the time left once a minute (then at 30 seconds),
// not every second. The server renders the seconds left and the warning's lead time as data attributes; a draft saved
// by drafts.js counts as activity. If the session has already ended (the computer slept), the dialog says so and
// links to sign in: drafts are kept. Without JavaScript nothing shows and nothing changes.
(function () {
  'use strict';
  var root = document.getElementById('app-timeout');
  if (!root) { return; }
  var STORE = 'app-session-deadline'; // shared with other tabs of the same session
  var dialog = root.querySelector('.app-timeout__dialog');
  var active = root.querySelector('.app-timeout__active');
  var endedPane = root.querySelector('.app-timeout__ended');
  var visible = root.querySelector('.app-timeout__countdown');
  var spoken = root.querySelector('.app-timeout__spoken');
  var stay = root.querySelector('.app-timeout__stay');
  var token = root.querySelector('input[name="csrf_token"]');
  var warnMs = Number(root.getAttribute('data-warn-seconds')) * 1000;
  var deadline = Date.now() + Number(root.getAttribute('data-seconds-left')) * 1000;
  var open = false;
  var ended = false;
  var lastSpoken = null;
  var returnFocus = null;
  var hiddenFromReaders = [];

  function remember(value) {
    deadline = value;
    try { window.localStorage.setItem(STORE, String(value)); } catch (error) { /* storage off: this tab alone */ }
  }

  function shared() {
    try { return Number(window.localStorage.getItem(STORE)) || 0; } catch (error) { return 0; }
  }

  function words(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? ' minute' : ' minutes');
    }
    return seconds + (seconds === 1 ? ' second' : ' seconds');
  }

  function speak(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var step = seconds > 60 ? 'm' + Math.ceil(seconds / 60) : (seconds > 30 ? 'm1' : (seconds > 0 ? 's30' : 'end'));
    if (step !== lastSpoken) {
      lastSpoken = step;
      spoken.textContent = 'For your security, you will be signed out in ' + words(ms) + '.';
    }
  }

  function setInert(on) {
    // Everything but the dialog is out of reach while it is open (aria-modal says so; inert makes it true).
    if (on) {
      var keep = root;
      hiddenFromReaders = [];
      while (keep && keep.parentElement) {
        Array.prototype.forEach.call(keep.parentElement.children, function (sibling) {
          if (sibling !== keep && !sibling.inert && sibling.tagName !== 'SCRIPT') {
            sibling.inert = true;
            hiddenFromReaders.push(sibling);
          }
        });
        keep = keep.parentElement;
        if (keep === document.body) { break; }
      }
    } else {
      hiddenFromReaders.forEach(function (element) { element.inert = false; });
      hiddenFromReaders = [];
    }
  }

  function show() {
    open = true;
    returnFocus = document.activeElement;
    root.hidden = false;
    document.documentElement.classList.add('app-timeout-open');
    setInert(true);
    dialog.focus();
    document.dispatchEvent(new CustomEvent('app:session-warning'));
  }

  function hide() {
    open = false;
    lastSpoken = null;
    root.hidden = true;
    document.documentElement.classList.remove('app-timeout-open');
    setInert(false);
    if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
  }

  function end() {
    if (ended) { return; }
    ended = true;
    if (!open) { show(); }
    active.hidden = true;
    endedPane.hidden = false;
    dialog.setAttribute('aria-labelledby', 'app-timeout-ended-heading');
    dialog.setAttribute('aria-describedby', 'app-timeout-ended-text');
    spoken.textContent = '';
    dialog.focus();
    document.dispatchEvent(new CustomEvent('app:session-ended'));
  }

  function tick() {
    if (ended) { return; }
    var other = shared();
    if (other > deadline) { deadline = other; } // another tab kept the session alive
    var left = deadline - Date.now();
    if (left <= 0) { end(); return; }
    if (left <= warnMs) {
      if (!open) { show(); }
      visible.textContent = words(left);
      speak(left);
    } else if (open) {
      hide();
    }
    window.setTimeout(tick, 1000);
  }

  function staySignedIn() {
    if (ended) { return; }
    stay.disabled = true;
    fetch(root.getAttribute('data-keep-alive-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': token ? token.value : '' }
    }).then(function (response) {
      stay.disabled = false;
      if (response.status === 401) { end(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && typeof answer.seconds_left === 'number') {
        remember(Date.now() + answer.seconds_left * 1000);
        hide();
      }
    }).catch(function () { stay.disabled = false; });
  }

  function focusable() {
    return Array.prototype.filter.call(
      dialog.querySelectorAll('a[href], button:not([disabled]), input:not([type="hidden"])'),
      function (element) { return element.offsetParent !== null; }
    );
  }

  dialog.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      staySignedIn();
      return;
    }
    if (event.key !== 'Tab') { return; }
    var items = focusable();
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  stay.addEventListener('click', staySignedIn);
  document.addEventListener('app:session-active', function (event) {
    var seconds = event.detail && event.detail.secondsLeft;
    if (typeof seconds === 'number' && !ended) {
      remember(Date.now() + seconds * 1000);
      if (open && seconds * 1000 > warnMs) { hide(); }
    }
  });
  document.addEventListener('app:session-ended', end);
  remember(deadline); // this page was just served: its count is the session's own
  tick();
})();
