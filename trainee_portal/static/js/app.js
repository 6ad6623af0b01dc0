// Starts the NHS.UK frontend components (header menu, error summary focus, details, character counts).
import { initAll } from '/assets/nhsuk-frontend.min.js';

initAll();
