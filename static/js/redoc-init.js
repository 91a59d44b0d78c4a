// Renders ReDoc into #redoc from its data-spec-url attribute (a file, not inline, because our CSP forbids inline scripts).
(function () {
  function start() {
    var el = document.getElementById('redoc');
    var url = el && el.getAttribute('data-spec-url');
    if (!url) return;
    Redoc.init(url, { hideDownloadButton: false }, el);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
