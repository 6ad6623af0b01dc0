// The new-token page: a "Copy the token" button that puts the token on the clipboard, and the whole token selected
// when its box is focused. Without JavaScript the button stays hidden and the token is selected and copied by hand.
(function () {
  var box = document.querySelector('[data-copy-box]');
  if (!box) { return; }
  var source = box.querySelector('[data-copy-source]');
  var button = box.querySelector('[data-copy-button]');
  var status = box.querySelector('[data-copy-status]');
  source.addEventListener('focus', function () { source.select(); });
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(source.value.trim()).then(
      function () { status.textContent = 'Copied. Paste it into the app that will use it.'; },
      function () { source.focus(); source.select(); status.textContent = 'Could not copy: the token is selected, copy it by hand.'; }
    );
  });
})();
