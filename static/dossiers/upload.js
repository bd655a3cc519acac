// Upload with a progress bar (slow connections): the form still posts normally without JavaScript.
(function () {
  "use strict";
  function enhance(form) {
    var bar = form.querySelector("progress");
    var note = form.querySelector("[data-upload-note]");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable && bar) {
          bar.hidden = false;
          bar.value = Math.round(progress.loaded * 100 / progress.total);
        }
      });
      request.addEventListener("load", function () {
        if (request.status < 400) {
          window.location.assign(request.responseURL);
          return;
        }
        // Show the page the server answered with (it names what was wrong).
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var error = page.querySelector("#upload-error") || page.querySelector(".alert-error");
        if (note) { note.textContent = error ? error.textContent : String(request.status); note.hidden = false; }
        if (bar) { bar.hidden = true; }
      });
      request.addEventListener("error", function () {
        if (note) { note.textContent = note.getAttribute("data-upload-note"); note.hidden = false; }
      });
      request.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-upload]");
    for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
  });
})();
