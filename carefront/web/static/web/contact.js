/* The public contact form: remember which suggested articles the visitor opened, so that a
   message sent anyway tells the team which articles did not answer it. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-article-id]");
    if (!link) return;
    var form = document.querySelector("[data-contact-form]");
    var field = form && form.querySelector("input[name=viewed]");
    if (!field) return;
    var ids = field.value ? field.value.split(",") : [];
    var id = link.getAttribute("data-article-id");
    if (ids.indexOf(id) === -1 && ids.length < 20) ids.push(id);
    field.value = ids.join(",");
  });
})();
