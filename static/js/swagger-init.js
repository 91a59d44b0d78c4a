// Starts Swagger UI in #swagger-ui from its data-spec-url attribute (a file, not inline, because our CSP forbids inline scripts).
(function () {
  function start() {
    var el = document.getElementById('swagger-ui');
    var url = el && el.getAttribute('data-spec-url');
    if (!url) return;
    window.ui = SwaggerUIBundle({
      url: url,
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
      validatorUrl: null // no badge, so the spec URL is never sent to validator.swagger.io
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
