// Marks the page as scripted so NHS.UK components enhance themselves (kept out of the HTML: the CSP allows no inline script).
document.documentElement.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
document.addEventListener('DOMContentLoaded', function () {
  document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
});
