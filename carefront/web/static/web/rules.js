/* The rule builder: add and remove rows, and give a row the inputs of the field or action chosen
   in it. Without this script the form still works: blank rows, and "Update the rows" redraws
   them on the server. No inline code (CSP): everything is wired from here. */
(function () {
  "use strict";

  var form = document.querySelector("[data-rule-builder]");
  if (!form) return;
  var counter = 1000;

  function template(name) {
    return document.querySelector('template[data-rule-template="' + name + '"]');
  }

  /* A copy of a template row, its "__p__" prefix replaced by `prefix`. */
  function rowFrom(name, prefix) {
    var tpl = template(name);
    if (!tpl) return null;
    var holder = document.createElement("ol");
    holder.innerHTML = tpl.innerHTML.split("__p__").join(prefix);
    return holder.querySelector("li");
  }

  function prefixOf(select) {
    return select.name.replace(/-(field|type)$/, "");
  }

  function showRemove(row) {
    var button = row.querySelector("[data-rule-remove]");
    if (button) button.hidden = false;
  }

  function swapInputs(select, kind) {
    var row = select.closest("[data-rule-row]");
    var inputs = row.querySelector("[data-rule-inputs]");
    if (!select.value) {
      inputs.textContent = "";
      return;
    }
    var fresh = rowFrom(kind + ":" + select.value, prefixOf(select));
    if (!fresh) return;
    inputs.replaceWith(fresh.querySelector("[data-rule-inputs]"));
    toggleValue(row);
  }

  var noValue = ["is_set", "is_not_set"];

  /* "is set" / "is not set" take no value: hide the value input. */
  function toggleValue(row) {
    var op = row.querySelector("[data-rule-op]");
    if (!op) return;
    var value = row.querySelector('[name$="-value"]');
    if (value && !row.querySelector('[name$="-key"]')) value.hidden = noValue.indexOf(op.value) >= 0;
  }

  function addRow(button) {
    var kind = button.getAttribute("data-rule-add");
    var fieldset = button.closest("fieldset");
    var list = fieldset.querySelector("[data-rule-rows]");
    var prefix =
      kind === "action" ? "a-" + counter++ : "c-" + fieldset.getAttribute("data-rule-group") + "-" + counter++;
    var first = document.querySelector('template[data-rule-template^="' + kind + ':"]');
    var row = rowFrom(first.getAttribute("data-rule-template"), prefix);
    /* A blank row: no field chosen yet. */
    var select = row.querySelector("[data-rule-field], [data-rule-action]");
    select.value = "";
    row.querySelector("[data-rule-inputs]").textContent = "";
    showRemove(row);
    list.appendChild(row);
    select.focus();
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-rule-field]")) swapInputs(target, "condition");
    else if (target.matches("[data-rule-action]")) swapInputs(target, "action");
    else if (target.matches("[data-rule-op]")) toggleValue(target.closest("[data-rule-row]"));
    else if (target.matches("[data-rule-trigger]")) showTime();
  });

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-rule-add]");
    if (add) {
      addRow(add);
      return;
    }
    var remove = event.target.closest("[data-rule-remove]");
    if (remove) {
      var row = remove.closest("[data-rule-row]");
      var list = row.parentNode;
      row.remove();
      var next = list.querySelector("[data-rule-field], [data-rule-action]");
      (next || list.closest("fieldset").querySelector("[data-rule-add]")).focus();
    }
  });

  function showTime() {
    var trigger = form.querySelector("[data-rule-trigger]");
    var time = form.querySelector("[data-rule-time]");
    if (trigger && time) time.hidden = trigger.value !== "time";
  }

  form.querySelectorAll("[data-rule-add]").forEach(function (b) { b.hidden = false; });
  form.querySelectorAll("[data-rule-row]").forEach(function (row) {
    showRemove(row);
    toggleValue(row);
  });
  var refresh = form.querySelector("[data-rule-refresh]");
  if (refresh) refresh.hidden = true;
  var hint = form.querySelector("[data-rule-nojs]");
  if (hint) hint.hidden = true;
  showTime();
})();
