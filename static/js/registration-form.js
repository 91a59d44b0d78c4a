// The registration and edit forms in the browser: searchable pickers (Tom Select), fields shown only
// when they apply, the logo preview and size check, focus on the error summary, and the copy button of
// the key page. The form works without this script; every rule is checked again on the server.
(function () {
  "use strict";

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Pickers fed by the server as the submitter types (EDAM terms, licences): the server ranks the
  // results, so Tom Select keeps its order instead of filtering again.
  function remotePicker(select) {
    var source = select.dataset.source;
    var isLicence = source.indexOf("/licenses/") === 0;
    var latest = null;
    return new TomSelect(select, {
      plugins: ["remove_button"],
      valueField: "value",
      labelField: "label",
      searchField: [],
      maxOptions: 30,
      loadThrottle: 150,
      // Tom Select refreshes the options 300 ms after the last keystroke by default; a refresh still
      // pending when an option is chosen reopens the dropdown and pulls the focus back from the next
      // field. The server search is already throttled by loadThrottle.
      refreshThrottle: 0,
      placeholder: select.dataset.placeholder || "",
      preload: false,
      shouldLoad: function (q) { return q.trim().length > 0; },
      score: function () { return function () { return 1; }; },
      // Each answer replaces the options of the previous query (the chosen items stay): every option
      // scores the same, so stale ones would otherwise be listed first. An answer to a query the
      // submitter has typed past is dropped.
      load: function (q, done) {
        var ts = this;
        var sep = source.indexOf("?") >= 0 ? "&" : "?";
        latest = q;
        fetch(source + sep + "q=" + encodeURIComponent(q) + "&limit=30", { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (q !== latest) { done(); return; }
            ts.clearOptions();
            done(items.map(function (t) {
              return isLicence
                ? { value: t.id, label: t.name, accession: t.id }
                : { value: String(t.id), label: t.label, accession: t.accession, synonym: t.matched_synonym || "" };
            }));
          })
          .catch(function () { done(); });
      },
      onItemAdd: function () { this.setTextboxValue(""); this.clearOptions(); },
      render: {
        option: function (t) {
          var extra = t.synonym ? '<div class="small text-body-secondary">matched: ' + escapeHtml(t.synonym) + "</div>" : "";
          return '<div><span>' + escapeHtml(t.label) + '</span> <span class="small text-body-secondary">' +
            escapeHtml(t.accession || "") + "</span>" + extra + "</div>";
        },
        item: function (t) {
          var acc = t.accession || (t.$option && t.$option.dataset.accession) || "";
          return '<div title="' + escapeHtml(acc) + '">' + escapeHtml(t.label) +
            (acc ? ' <span class="registry-chip-id">' + escapeHtml(acc) + "</span>" : "") + "</div>";
        },
        no_results: function () { return '<div class="no-results">No matching terms</div>'; },
      },
    });
  }

  function localPicker(select) {
    var opts = { placeholder: select.dataset.placeholder || "", maxOptions: null, refreshThrottle: 0 };
    if (select.multiple) opts.plugins = ["remove_button"];
    return new TomSelect(select, opts);
  }

  // Tom Select moves the label to its typing box and only hides the <select> visually: the select
  // leaves the accessibility tree (it would be an unlabelled duplicate), and the typing box takes over
  // its help and error texts.
  function handOverAccessibility(select, ts) {
    var box = ts.control_input;
    select.setAttribute("aria-hidden", "true");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      var value = select.getAttribute(name);
      if (value) box.setAttribute(name, value);
    });
    if (select.required) box.setAttribute("aria-required", "true");
  }

  function setUpPickers(form) {
    if (typeof TomSelect === "undefined") return;
    form.querySelectorAll("select[data-picker]").forEach(function (select) {
      var kind = select.dataset.picker;
      var ts = null;
      if (kind === "remote") ts = remotePicker(select);
      else if (kind === "local") ts = localPicker(select);
      if (ts) handOverAccessibility(select, ts);
    });
  }

  // `data-show-when="name=value"`, `"name!=value"` or `"partner"` (an associated-partner PI chosen).
  function setUpToggles(form) {
    var blocks = form.querySelectorAll("[data-show-when]");
    function update() {
      blocks.forEach(function (block) {
        var rule = block.dataset.showWhen;
        var show;
        if (rule === "partner") {
          var pis = form.querySelector("[name=responsible_pi_ids]");
          show = !!pis && Array.prototype.some.call(pis.options, function (o) { return o.selected && o.dataset.partner === "true"; });
        } else {
          var negate = rule.indexOf("!=") >= 0;
          var parts = rule.split(negate ? "!=" : "=");
          var field = form.elements[parts[0]];
          var value = field ? field.value : "";
          show = negate ? value !== parts[1] : value === parts[1];
        }
        // A field with an error stays visible so its message can be read.
        if (block.querySelector(".invalid-feedback")) show = true;
        block.hidden = !show;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  function setUpLogo(form) {
    var input = form.querySelector("#id_logo");
    var preview = form.querySelector("#logo-preview");
    if (!input || !preview) return;
    var errors = form.querySelector("#err-logo");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      errors.textContent = "";
      preview.hidden = true;
      if (!file) return;
      var max = Number(input.dataset.maxBytes || 0);
      if (max && file.size > max) {
        var div = document.createElement("div");
        div.className = "invalid-feedback d-block";
        div.textContent = "This file is " + (file.size / 1048576).toFixed(1) + " MB; the limit is " +
          (max / 1048576).toFixed(0) + " MB. Please choose a smaller file.";
        errors.appendChild(div);
        input.value = "";
        return;
      }
      // A data: URL, which the page's CSP allows for images (img-src 'self' data:); blob: is not.
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        preview.src = reader.result;
        preview.hidden = false;
      });
      reader.readAsDataURL(file);
    });
  }

  function setUpCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.dataset.copy);
        var status = document.getElementById(button.getAttribute("aria-describedby"));
        if (!target) return;
        var done = function () { if (status) status.textContent = "Copied to the clipboard."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(target.value).then(done, function () { target.select(); });
        } else {
          target.select();
          if (document.execCommand("copy")) done();
        }
      });
    });
  }

  // bio.tools prefill: leaving the bio.tools field looks the entry up on our server; "Apply prefill"
  // fills only fields that are still empty and adds the matched EDAM terms and licences.
  function setUpPrefill(form) {
    var field = form.querySelector("#id_biotools_url");
    var banner = document.getElementById("biotools-prefill");
    var failed = document.getElementById("biotools-prefill-failed");
    if (!field || !banner || !failed) return;
    var found = null;
    var last = "";
    function hide() { banner.hidden = true; failed.hidden = true; }
    function fillEmpty(name, value) {
      var input = form.elements[name];
      if (!input || !value || input.value.trim() !== "") return false;
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }
    function addTerms(name, items, acc) {
      var select = form.elements[name];
      var ts = select && select.tomselect;
      (items || []).forEach(function (t) {
        var value = String(t.id);
        if (ts) {
          ts.addOption({ value: value, label: t.label || t.name, accession: acc(t) });
          ts.addItem(value, true);
        } else if (select) {
          var o = new Option(t.label || t.name, value, true, true);
          select.add(o);
        }
      });
    }
    field.addEventListener("change", function () {
      var value = field.value.trim();
      if (!value || value === last) { if (!value) hide(); return; }
      last = value;
      hide();
      fetch("/biotools/prefill/?id=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json().catch(function () { return { found: false, error: "bio.tools could not be asked just now; try again later." }; });
        })
        .then(function (data) {
          if (!data.found) {
            failed.textContent = "bio.tools lookup: " + (data.error || "nothing found.");
            failed.hidden = false;
            found = null;
            return;
          }
          found = data;
          var items = [];
          if (data.name) items.push("Name");
          if (data.description) items.push("Description");
          if (data.homepage) items.push("Website");
          if (data.github_url) items.push("GitHub");
          if (data.publications) items.push("Publications");
          if (data.licenses.length) items.push(data.licenses.length + " licence(s)");
          if (data.edam_topics.length) items.push(data.edam_topics.length + " EDAM topic(s)");
          if (data.edam_operations.length) items.push(data.edam_operations.length + " EDAM operation(s)");
          document.getElementById("biotools-prefill-text").textContent =
            "bio.tools has an entry '" + data.biotools_id + "'. Apply it to fill the empty fields with:";
          var list = document.getElementById("biotools-prefill-items");
          list.textContent = "";
          items.forEach(function (i) { var li = document.createElement("li"); li.textContent = i; list.appendChild(li); });
          banner.hidden = false;
        })
        .catch(function () {
          failed.textContent = "bio.tools could not be asked just now; try again later.";
          failed.hidden = false;
        });
    });
    document.getElementById("biotools-prefill-dismiss").addEventListener("click", hide);
    document.getElementById("biotools-prefill-apply").addEventListener("click", function () {
      if (!found) return;
      fillEmpty("service_name", found.name);
      fillEmpty("service_description", found.description);
      fillEmpty("website_url", found.homepage);
      fillEmpty("github_url", found.github_url);
      fillEmpty("publications_pmids", found.publications);
      addTerms("edam_topic_ids", found.edam_topics, function (t) { return t.accession; });
      addTerms("edam_operation_ids", found.edam_operations, function (t) { return t.accession; });
      var licences = (found.licenses || []).map(function (l) { return { id: l.id, name: l.name }; });
      var licenceSelect = form.elements.licenses;
      var lts = licenceSelect && licenceSelect.tomselect;
      if (licences.length && lts && lts.items.length === 0) {
        licences.forEach(function (l) { lts.addOption({ value: l.id, label: l.name, accession: l.id }); lts.addItem(l.id, true); });
      } else if (!licences.length && found.license_text) {
        fillEmpty("license_note", found.license_text);
      }
      hide();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopy();
    var form = document.getElementById("registration-form");
    if (!form) return;
    setUpPickers(form);
    setUpToggles(form);
    setUpLogo(form);
    setUpPrefill(form);
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
