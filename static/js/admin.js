// Admin portal behaviour (no inline code; the CSP allows only our own files): the filter sidebar's
// option search, "select all rows", copy-to-clipboard for one-time keys, and the error banner and
// focus restore around HTMX swaps of the submissions list.
(function () {
  'use strict';

  function setupFilterSearch(root) {
    root.querySelectorAll('.filter-section').forEach(function (section) {
      var input = section.querySelector('.filter-search');
      if (!input || input.dataset.bound) return;
      input.dataset.bound = '1';
      var key = 'svcsub:filter:' + section.dataset.field + ':q';
      var live = section.querySelector('.filter-live');
      var apply = function () {
        var q = input.value.trim().toLowerCase();
        var items = section.querySelectorAll('.filter-option');
        var shown = 0;
        items.forEach(function (li) {
          var hit = !q || (li.dataset.label || '').indexOf(q) !== -1;
          li.hidden = !hit;
          if (hit) shown += 1;
        });
        var empty = section.querySelector('.filter-empty');
        if (empty) empty.hidden = shown !== 0;
        if (live) live.textContent = q ? shown + ' of ' + items.length + ' options' : '';
        try { sessionStorage.setItem(key, input.value); } catch (e) { /* storage may be off */ }
      };
      try { input.value = sessionStorage.getItem(key) || ''; } catch (e) { /* ignore */ }
      input.addEventListener('input', apply);
      apply();
    });
  }

  function setupSelectAll(root) {
    var all = root.querySelector('#select-all');
    if (!all || all.dataset.bound) return;
    all.dataset.bound = '1';
    all.addEventListener('change', function () {
      root.querySelectorAll('.row-select').forEach(function (cb) { cb.checked = all.checked; });
    });
  }

  function setupCopy(root) {
    root.querySelectorAll('[data-copy-target]').forEach(function (btn) {
      if (btn.dataset.bound) return;
      btn.dataset.bound = '1';
      btn.addEventListener('click', function () {
        var el = document.getElementById(btn.dataset.copyTarget);
        if (!el || !navigator.clipboard) return;
        navigator.clipboard.writeText(el.textContent.trim()).then(function () {
          var old = btn.textContent;
          btn.textContent = '✓ Copied';
          setTimeout(function () { btn.textContent = old; }, 3000);
        });
      });
    });
  }

  function init(root) {
    setupFilterSearch(root);
    setupSelectAll(root);
    setupCopy(root);
  }

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:afterSettle', function (ev) { init(ev.target || document); });
  document.addEventListener('htmx:responseError', function (ev) {
    var banner = document.getElementById('changelist-filter-error');
    if (!banner) return;
    banner.textContent = 'Server error (' + ev.detail.xhr.status + '). Please reload and try again.';
    banner.hidden = false;
  });
  document.addEventListener('htmx:sendError', function () {
    var banner = document.getElementById('changelist-filter-error');
    if (!banner) return;
    banner.textContent = 'Network error. Please check your connection and try again.';
    banner.hidden = false;
  });
})();
