/* The workbench of `sitegen serve` (never part of a built site: the preview server injects this
   script, its stylesheet and a per-server token into the pages it serves). Every control is a
   POST to /_sitegen/api/ carrying the token; names, arguments and log lines are only ever set as
   text. Pure helpers (argument splitting and quoting) are exported for node's test runner. */
(function (root) {
  "use strict";

  /* ------------------------------------------------------------ pure helpers */

  /** Split an argument line like a POSIX shell would (quotes, backslashes), without running one. */
  function splitArgs(text) {
    var out = [], cur = "", have = false, quote = null;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quote === "'") {
        if (c === "'") quote = null; else cur += c;
      } else if (quote === '"') {
        if (c === '"') quote = null;
        else if (c === "\\" && i + 1 < text.length && '"\\$`'.indexOf(text[i + 1]) >= 0) cur += text[++i];
        else cur += c;
      } else if (c === "'" || c === '"') {
        quote = c; have = true;
      } else if (c === "\\" && i + 1 < text.length) {
        cur += text[++i]; have = true;
      } else if (/\s/.test(c)) {
        if (have || cur) { out.push(cur); cur = ""; have = false; }
      } else {
        cur += c;
      }
    }
    if (quote) throw new Error("unclosed " + quote + " quote in the arguments");
    if (have || cur) out.push(cur);
    return out;
  }

  /** The argument list as one line that splitArgs reads back exactly. */
  function joinArgs(args) {
    return args.map(function (a) {
      return /^[A-Za-z0-9_@%+=:,.\/-]+$/.test(a) ? a : "'" + String(a).replace(/'/g, "'\\''") + "'";
    }).join(" ");
  }

  var exported = {splitArgs: splitArgs, joinArgs: joinArgs};
  if (typeof module !== "undefined" && module.exports) { module.exports = exported; return; }

  /* ------------------------------------------------------------ the page */

  var doc = root.document;
  var tokenMeta = doc.querySelector('meta[name="sitegen-token"]');
  if (!tokenMeta) return;
  var TOKEN = tokenMeta.getAttribute("content");
  var API = "/_sitegen/api";
  var siteRoot = doc.documentElement.getAttribute("data-root") || "";

  function api(method, path, body) {
    var init = {method: method, headers: {"X-Sitegen-Token": TOKEN}, credentials: "same-origin"};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (r) {
      return r.json().catch(function () { return {error: "the server answered " + r.status}; })
        .then(function (data) {
          if (!r.ok || data.error) throw new Error(data.error || ("HTTP " + r.status));
          return data;
        });
    });
  }

  /** An element with attributes and children (strings become text nodes, never markup). */
  function el(tag, attrs, children) {
    var node = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? doc.createTextNode(c) : c);
    });
    return node;
  }

  function say(node, text, bad) {
    node.textContent = text;
    node.className = "wb-message" + (bad ? " wb-bad" : "");
    node.hidden = !text;
  }

  function runUrl(id) { return siteRoot + "runs/" + encodeURIComponent(id) + ".html"; }

  /* ------------------------------------------------------------ New run */

  function newRunPanel(prefill) {
    var script = el("select", {id: "wb-script", "aria-label": "Script"});
    var args = el("input", {id: "wb-args", type: "text", placeholder: "arguments, e.g. 0.5 --epochs 3",
                            "aria-label": "Arguments", spellcheck: "false"});
    var name = el("input", {id: "wb-name", type: "text", placeholder: "name (optional)", "aria-label": "Name"});
    var message = el("p", {id: "wb-message", role: "status", hidden: "hidden"});
    var lastArgs = {};
    var button = el("button", {type: "button", id: "wb-run", text: "Run", onclick: function () {
      var list;
      try { list = splitArgs(args.value); } catch (e) { say(message, e.message, true); return; }
      button.disabled = true;
      api("POST", "/runs", {script: script.value, args: list, name: name.value || null}).then(function (r) {
        say(message, "Started run " + (r.run_number !== null && r.run_number !== undefined ? "#" + r.run_number + " " : "") + r.run_id, false);
        showPending(r);
        name.value = "";
      }).catch(function (e) { say(message, e.message, true); })
        .then(function () { button.disabled = false; });
    }});
    script.addEventListener("change", function () {
      if (lastArgs[script.value]) args.value = joinArgs(lastArgs[script.value]);
    });
    api("GET", "/scripts").then(function (r) {
      lastArgs = r.last_args || {};
      r.scripts.forEach(function (s) { script.appendChild(el("option", {value: s, text: s})); });
      if (prefill && prefill.script) {
        if (r.scripts.indexOf(prefill.script) < 0) script.appendChild(el("option", {value: prefill.script, text: prefill.script}));
        script.value = prefill.script;
        args.value = joinArgs(prefill.args || []);
      } else if (r.scripts.length) {
        script.value = r.scripts[0];
        if (lastArgs[script.value]) args.value = joinArgs(lastArgs[script.value]);
      }
    }).catch(function (e) { say(message, e.message, true); });
    return el("section", {"class": "workbench wb-new", "aria-labelledby": "wb-new-h"}, [
      el("h2", {id: "wb-new-h", text: "New run"}),
      el("div", {"class": "wb-row"}, [script, args, name, button]),
      message]);
  }

  /** A launched run in the jobs panel at once, as Running (the next rebuild replaces the row). */
  function jobsBody() {
    var body = doc.querySelector(".jobs-table tbody");
    var section = doc.querySelector("section.jobs");
    if (body || !section) return body;
    var empty = section.querySelector("p.muted");
    if (empty) empty.remove();
    var head = el("tr", {}, ["Run", "Status", "Elapsed", "Latest values"].map(function (t) { return el("th", {text: t}); }));
    body = el("tbody");
    section.appendChild(el("div", {"class": "table-wrap"}, [el("table", {"class": "jobs-table"}, [el("thead", {}, [head]), body])]));
    return body;
  }

  function showPending(r) {
    var table = jobsBody();
    if (!table) return;
    var label = (r.run_number !== null && r.run_number !== undefined ? "#" + r.run_number : r.run_id) + (r.name ? " " + r.name : "");
    var row = el("tr", {"class": "status-running wb-pending", "data-run-id": r.run_id}, [
      el("td", {}, [el("a", {href: runUrl(r.run_id), text: label}), " ", el("span", {"class": "muted", text: r.script})]),
      el("td", {}, [el("span", {"class": "badge badge-running", text: "Running"})]),
      el("td", {"class": "elapsed num", text: "0 s"}),
      el("td", {"class": "latest"})]);
    table.insertBefore(row, table.firstChild);
  }

  function runIdOf(link) {
    var m = /runs\/([^\/]+)\.html$/.exec(link.getAttribute("href") || "");
    return m ? decodeURIComponent(m[1]) : null;
  }

  function cancelButton(id) {
    var b = el("button", {type: "button", "class": "wb-cancel secondary", "data-run-id": id, text: "Cancel", onclick: function () {
      b.disabled = true;
      api("POST", "/runs/" + encodeURIComponent(id) + "/cancel", {}).then(function () {
        b.textContent = "Canceling…";
      }).catch(function (e) { b.disabled = false; b.title = e.message; b.textContent = "Cancel failed"; });
    }});
    return b;
  }

  function addCancelButtons() {
    Array.prototype.forEach.call(doc.querySelectorAll(".jobs-table tr.status-running"), function (row) {
      var link = row.querySelector("a[href]");
      var id = link && runIdOf(link);
      if (id && !row.querySelector(".wb-cancel")) row.children[1].appendChild(cancelButton(id));
    });
  }

  function ticked() {
    var m = /(?:^|[#&])sel=([^&]*)/.exec(root.location.hash);
    return m && m[1] ? m[1].split(",").map(decodeURIComponent).filter(Boolean) : [];
  }

  function pinButton() {
    var message = el("span", {"class": "wb-message", hidden: "hidden"});
    var b = el("button", {type: "button", id: "wb-pin", "class": "secondary", text: "Pin comparison",
      title: "Keep a comparison page of the ticked runs in the site (sitegen history compare --pin)",
      onclick: function () {
        var ids = ticked();
        if (ids.length < 2) { say(message, "tick two or more runs first", true); return; }
        api("POST", "/pins", {ids: ids}).then(function (r) {
          say(message, r.added ? "Pinned: its page appears after the rebuild" : "Already pinned", false);
        }).catch(function (e) { say(message, e.message, true); });
      }});
    var span = el("span", {"class": "wb-pin"}, [b, message]);
    return span;
  }

  function dashboard() {
    var jobs = doc.querySelector("section.jobs");
    if (!jobs) return;
    jobs.parentNode.insertBefore(newRunPanel(null), jobs);
    addCancelButtons();
    var compare = doc.getElementById("grid-compare");
    if (compare) compare.parentNode.insertBefore(pinButton(), compare.nextSibling);
  }

  /* ------------------------------------------------------------ run pages */

  function dialog(title, body, actions) {
    var d = el("dialog", {"class": "wb-dialog", "aria-label": title}, [el("h2", {text: title})].concat(body, [
      el("div", {"class": "wb-actions"}, actions)]));
    doc.body.appendChild(d);
    d.addEventListener("close", function () { d.remove(); });
    d.showModal();
    return d;
  }

  function fileList(title, files, cls) {
    return el("div", {"class": "wb-files " + cls}, [
      el("h3", {text: title + " (" + files.length + ")"}),
      el("ul", {}, files.map(function (f) { return el("li", {"class": "mono", text: f}); }))]);
  }

  function restoreDialog(id, message) {
    api("GET", "/runs/" + encodeURIComponent(id) + "/restore").then(function (plan) {
      var shown = {overwrite: plan.overwrite, create: plan.create, remove: plan.remove};
      var changes = plan.overwrite.length + plan.create.length + plan.remove.length;
      var body = [el("p", {text: changes ? "Restoring puts the project back as it was in this run. Files may be overwritten or removed:" :
                                          "The project already matches this run's snapshot: nothing would change."}),
                  fileList("Overwritten", plan.overwrite, "wb-overwrite"),
                  fileList("Created", plan.create, "wb-create"),
                  fileList("Removed", plan.remove, "wb-remove")];
      var d;
      var ok = el("button", {type: "button", id: "wb-restore-confirm", text: "Restore", disabled: changes ? null : "disabled", onclick: function () {
        ok.disabled = true;
        api("POST", "/runs/" + encodeURIComponent(id) + "/restore", {plan: shown}).then(function (r) {
          d.close();
          say(message, "Restored " + r.restored + " file(s), removed " + r.removed + ".", false);
        }).catch(function (e) { d.close(); say(message, e.message, true); });
      }});
      var no = el("button", {type: "button", id: "wb-restore-cancel", "class": "secondary", text: "Cancel", onclick: function () { d.close(); }});
      d = dialog("Restore run " + id, body, [ok, no]);
    }).catch(function (e) { say(message, e.message, true); });
  }

  function editDialog(id, message) {
    api("GET", "/runs/" + encodeURIComponent(id)).then(function (meta) {
      var name = el("input", {id: "wb-edit-name", type: "text", value: meta.name || ""});
      var desc = el("textarea", {id: "wb-edit-description", rows: "6"});
      desc.value = meta.description || "";
      var preview = el("div", {id: "wb-edit-preview", "class": "prose description"});
      var tags = meta.tags || {};
      var untag = {};
      var tagList = el("ul", {"class": "wb-tags"}, Object.keys(tags).sort().map(function (k) {
        var box = el("input", {type: "checkbox", "data-tag": k, "aria-label": "remove tag " + k, onchange: function () { untag[k] = box.checked; }});
        return el("li", {}, [el("span", {"class": "tag", text: k + (tags[k] !== "" && tags[k] !== null ? "=" + tags[k] : "")}), " ", el("label", {}, [box, " remove"])]);
      }));
      var addTag = el("input", {id: "wb-edit-tag", type: "text", placeholder: "add tags: key=value other=1"});
      var hidden = el("input", {id: "wb-edit-hidden", type: "checkbox"});
      hidden.checked = !!meta.hidden;
      var d;
      var save = el("button", {type: "button", id: "wb-edit-save", text: "Save", onclick: function () {
        var add = {};
        var words = addTag.value.trim() ? addTag.value.trim().split(/\s+/) : [];
        for (var i = 0; i < words.length; i++) {
          var kv = words[i].split("=");
          add[kv[0]] = kv.slice(1).join("=");
        }
        save.disabled = true;
        api("POST", "/runs/" + encodeURIComponent(id), {
          name: name.value, description: desc.value, tags: add, hidden: hidden.checked,
          untag: Object.keys(untag).filter(function (k) { return untag[k]; })
        }).then(function () {
          d.close();
          say(message, "Saved: the page reloads when the site has been rebuilt.", false);
        }).catch(function (e) { save.disabled = false; say(d.querySelector(".wb-message"), e.message, true); });
      }});
      var prev = el("button", {type: "button", id: "wb-edit-preview-button", "class": "secondary", text: "Preview", onclick: function () {
        api("POST", "/markdown", {text: desc.value}).then(function (r) {
          preview.innerHTML = r.html;  // rendered and sanitised by the server (nh3), as on the page
        }).catch(function (e) { preview.textContent = e.message; });
      }});
      var no = el("button", {type: "button", "class": "secondary", text: "Cancel", onclick: function () { d.close(); }});
      d = dialog("Edit run " + id, [
        el("label", {}, ["Name ", name]),
        el("label", {}, ["Description (Markdown)", desc]), prev, preview,
        el("h3", {text: "Tags"}), tagList, addTag,
        el("label", {}, [hidden, " Hidden (left out of the published site)"]),
        el("p", {"class": "wb-message", hidden: "hidden"})], [save, no]);
    }).catch(function (e) { say(message, e.message, true); });
  }

  function rerunDialog(meta) {
    var d;
    var panel = newRunPanel({script: meta.script_name, args: meta.arguments || []});
    var close = el("button", {type: "button", "class": "secondary", text: "Close", onclick: function () { d.close(); }});
    d = dialog("Run again", [panel], [close]);
  }

  function streamLog(id, status) {
    var pre = doc.querySelector("pre.log");
    if (!pre) {
      var section = el("section", {"aria-labelledby": "wb-log-h"}, [el("h2", {id: "wb-log-h", text: "Driver log"}), el("pre", {"class": "log"})]);
      doc.querySelector("main").appendChild(section);
      pre = section.querySelector("pre");
    }
    pre.classList.add("wb-live");
    var offset = -1;
    function poll() {
      api("GET", "/runs/" + encodeURIComponent(id) + "/log?offset=" + offset).then(function (r) {
        if (offset < 0) pre.textContent = r.text; else if (r.text) pre.appendChild(doc.createTextNode(r.text));
        offset = r.offset;
        pre.setAttribute("data-offset", String(offset));
        if (r.status === "Running") root.setTimeout(poll, 1000);
        else pre.classList.remove("wb-live");
      }).catch(function () { root.setTimeout(poll, 3000); });
    }
    poll();
  }

  function runPage() {
    var lead = doc.querySelector("main p.lead.mono");
    var h1 = doc.querySelector("main h1");
    if (!lead || !h1) return;
    var id = lead.textContent.trim();
    var message = el("p", {id: "wb-run-message", role: "status", hidden: "hidden"});
    api("GET", "/runs/" + encodeURIComponent(id)).then(function (meta) {
      var buttons = [
        el("button", {type: "button", id: "wb-rerun", text: "Run again", disabled: meta.script_name ? null : "disabled",
                      onclick: function () { rerunDialog(meta); }}),
        el("button", {type: "button", id: "wb-restore", "class": "secondary", text: "Restore…",
                      disabled: meta.snapshot ? null : "disabled", title: meta.snapshot ? "" : "this run has no code snapshot",
                      onclick: function () { restoreDialog(id, message); }}),
        el("button", {type: "button", id: "wb-edit", "class": "secondary", text: "Edit…", onclick: function () { editDialog(id, message); }})];
      if (meta.status === "Running") buttons.splice(1, 0, cancelButton(id));
      h1.parentNode.insertBefore(el("div", {"class": "workbench wb-toolbar"}, buttons.concat([message])), h1.nextSibling);
      if (meta.status === "Running") streamLog(id, meta.status);
    }).catch(function (e) { say(message, e.message, true); });
  }

  function start() {
    if (doc.body.classList.contains("run-page")) runPage();
    else if (doc.querySelector("section.jobs")) dashboard();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})(typeof window !== "undefined" ? window : this);
