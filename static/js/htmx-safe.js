// htmx 4 has no allowEval / allowScriptTags: this keeps both off. Attribute JavaScript
// (hx-on, js: values, trigger filters) throws; <script> in a response is never swapped in.

function Refused() {
  throw new Error("htmx: JavaScript in attributes is off");
}

htmx.registerExtension("newsreader-safe", {
  init(api) {
    api.initSecurity(null, Refused, Refused);
  },
  htmx_before_swap(elt, { tasks }) {
    for (const task of tasks) for (const script of task.fragment.querySelectorAll("script")) script.remove();
  },
});
