// Starts the NHS.UK frontend components (header menu, error summary focus, details, character counts).
import { initAll } from '/assets/nhsuk-frontend.min.js';

// initAll() only starts components when <body> says the browser is supported. body-classes.js sets that class at
// DOMContentLoaded, which comes after this module runs, so set it here first (a browser running modules is supported).
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
