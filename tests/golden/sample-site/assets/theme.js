/*
 * theme.js: loaded (not deferred) in every page's head, so that a reader's choice of the
 * light or dark theme applies before the first paint.  pithgen.js owns the toggle that
 * makes the choice; THEME_KEY there is the same key.  Nothing else happens here.
 */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("pithgen-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) {
    /* storage refused: the system's scheme applies */
  }
})();
