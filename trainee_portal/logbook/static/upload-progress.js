// Shows a progress bar while a large CSV uploads and is checked; without JavaScript the form posts normally.
(function () {
  var form = document.querySelector('form[data-progress]');
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var box = document.getElementById(form.getAttribute('data-progress'));
  var bar = box.querySelector('progress');
  var status = box.querySelector('[role="status"]');
  form.addEventListener('submit', function (event) {
    var file = form.querySelector('input[type="file"]');
    if (!file || !file.files.length) { return; }  // let the server say what is missing
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    box.hidden = false;
    form.querySelector('button[type="submit"]').disabled = true;
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(e.loaded / e.total * 100);
        status.textContent = 'Uploaded ' + bar.value + '%';
      }
    });
    xhr.upload.addEventListener('load', function () {
      bar.removeAttribute('value');
      status.textContent = 'Uploaded. Checking every row and saving – this can take a little while for large files.';
    });
    xhr.addEventListener('load', function () {
      // Show the page the server answered with (the logbook with its message, or the list of problems) where it lives.
      var address = xhr.responseURL || form.action;
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (address !== window.location.href) { window.history.replaceState(null, '', address); }
    });
    xhr.addEventListener('error', function () {
      status.textContent = 'The upload failed. Check your connection and try again.';
      form.querySelector('button[type="submit"]').disabled = false;
    });
    xhr.open('POST', form.action);
    xhr.send(new FormData(form));
  });
})();
