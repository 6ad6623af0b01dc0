// The API's interactive documentation (/api/v1/docs): starts Swagger UI on the element that names the OpenAPI
// document. Calls from "Try it out" carry only the token given to Authorize: cookies are left out (the API never
// reads them), and no document is sent to an outside validator.
(function () {
  var root = document.getElementById('swagger-ui');
  if (!root || !window.SwaggerUIBundle) { return; }
  root.textContent = '';
  window.SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    domNode: root,
    deepLinking: false, // its links inside each operation's button are controls nested in a control
    validatorUrl: null,
    displayOperationId: true,
    syntaxHighlight: false, // plain text: its colour themes fall short of WCAG AA contrast
    defaultModelsExpandDepth: 0,
    requestInterceptor: function (request) {
      request.credentials = 'omit';
      return request;
    }
  });
})();
