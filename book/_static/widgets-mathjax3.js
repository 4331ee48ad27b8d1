/* ipywidgets' HTML manager (embed.js) typesets widget labels with MathJax 2's API,
 * MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book runs MathJax 3, which has no
 * Hub, so every labelled widget threw "Cannot read properties of undefined (reading 'Queue')".
 * Give whatever object window.MathJax holds (the configuration first, MathJax 3 once it has
 * started) a Hub whose Queue typesets the element with MathJax 3 when it is ready.
 * Added by book/_ext/widget_scripts.py to the pages that show widgets. */
(function () {
  "use strict";
  function typeset(element, attemptsLeft) {
    var mathjax = window.MathJax;
    if (mathjax && typeof mathjax.typesetPromise === "function") {
      mathjax.typesetPromise([element]).catch(function () {});
    } else if (attemptsLeft > 0) {
      window.setTimeout(function () { typeset(element, attemptsLeft - 1); }, 100);
    }
  }
  var hub = {
    Queue: function (job) {
      var element = Array.isArray(job) ? job[2] : null;
      if (element) { typeset(element, 100); }
    },
  };
  var current = window.MathJax;
  if (current && !current.Hub) { current.Hub = hub; }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) { value.Hub = hub; }
    },
  });
})();
