/* Starts Swagger UI for the API docs page. A file, not an inline script: CSP is script-src 'self'.
   "Try it out" calls made with the browser session carry the CSRF token, as the UI's own do. */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (request) {
    var token = csrfToken();
    if (token) {
      request.headers["X-CSRFToken"] = token;
    }
    return request;
  };
  window.SwaggerUIBundle(settings);
})();
