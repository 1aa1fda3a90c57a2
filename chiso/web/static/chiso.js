// chiso's own page behaviours, no framework: a form with data-confirm asks first; a form with
// data-once disables its buttons while the request is in flight (no double submit on a slow line).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.once !== undefined) {
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  }
});

// The self-assessment autosave (form[data-autosave], posted by htmx). Nothing typed is lost: every value
// not yet on the server waits in localStorage (one key per period/agency/field) with the server value it
// replaces; a refused save (session ended, connection lost) shows a banner, and after logging in again the
// next change, the "Save again" button or coming back to the tab saves it. A value the server refuses
// stays in its field, marked, with the bilingual message beside it.
(() => {
  const form = document.querySelector("form[data-autosave]");
  if (!form || !form.hasAttribute("hx-post")) return;
  const prefix = `chiso:draft:${form.dataset.autosave}:`;
  const banner = document.getElementById("autosave-alert");
  const editable = (el) => el.name.includes("__") && !el.readOnly && !el.disabled;
  const names = [...new Set([...form.elements].filter(editable).map((el) => el.name))];
  const current = (name) => form.elements.namedItem(name)?.value ?? "";
  const onServer = new Map(names.map((name) => [name, current(name)]));
  let token = form.querySelector("input[name=csrf_token]")?.value ?? "";
  let stale = false; // the last save was refused: fetch a fresh token before the next one

  const store = {
    get(name) {
      try { return JSON.parse(localStorage.getItem(prefix + name) || "null"); } catch { return null; }
    },
    set(name, entry) {
      try { localStorage.setItem(prefix + name, JSON.stringify(entry)); } catch { /* full or private mode */ }
    },
    drop(name) {
      try { localStorage.removeItem(prefix + name); } catch { /* nothing to do */ }
    },
  };
  const remember = (name) => {
    const value = current(name);
    if (value === onServer.get(name)) store.drop(name);
    else store.set(name, { ...store.get(name), v: value, base: onServer.get(name), t: Date.now() });
  };

  const errorBox = (code) => document.getElementById(`${code}-error`);
  const unmark = (code) => {
    document.getElementById(code)?.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const box = errorBox(code);
    if (box) { box.hidden = true; box.textContent = ""; }
  };
  const mark = (code, column, message) => {
    const fieldset = document.getElementById(code);
    if (!fieldset) return;
    const named = column ? fieldset.querySelectorAll(`[name="${code}__${column}"]`) : [];
    const targets = named.length ? named : fieldset.querySelectorAll("input:not([name$='__comment']), select");
    targets.forEach((el) => {
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", `${code}-error`);
    });
    const box = errorBox(code);
    if (box) { box.textContent = message; box.hidden = false; }
  };

  const showBanner = (reason) => {
    if (!banner) return;
    banner.querySelectorAll("[data-reason]").forEach((el) => { el.hidden = el.dataset.reason !== reason; });
    banner.hidden = false;
  };
  const saveNow = () => form.dispatchEvent(new Event("change", { bubbles: true }));

  // After logging in again the session has a new CSRF token: read it from a fresh copy of this page.
  const refreshToken = async () => {
    const page = form.getAttribute("action").replace(/\/draft$/, "");
    const answer = await fetch(page, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!answer.ok || new URL(answer.url).pathname === "/login") return false;
    const html = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = html.querySelector("form#values input[name=csrf_token]")?.value;
    if (!fresh) return false;
    token = fresh;
    document.querySelectorAll("input[name=csrf_token]").forEach((el) => { el.value = fresh; });
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": fresh }));
    return true;
  };
  const retry = async () => {
    if (!stale) return;
    try {
      if (await refreshToken()) { stale = false; saveNow(); } else showBanner("login");
    } catch { showBanner("offline"); }
  };

  form.addEventListener("input", (event) => { if (event.target.name) remember(event.target.name); });
  form.addEventListener("change", (event) => { if (event.target.name) remember(event.target.name); });
  document.getElementById("save-again")?.addEventListener("click", () => { stale = true; retry(); });
  window.addEventListener("focus", retry);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) retry(); });

  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt !== form) return;
    event.detail.headers["X-CSRF-Token"] = token;
    // Computed criteria are shown read-only and never typed: sending them only earns a refusal.
    form.querySelectorAll("input[readonly][name]").forEach((el) => event.detail.parameters.delete(el.name));
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    if (stale) { event.preventDefault(); retry(); return; }
    event.detail.xhr.chisoSent = new Map(names.map((name) => [name, current(name)]));
  });
  document.addEventListener("htmx:sendError", (event) => {
    if (event.detail.elt === form) { stale = true; showBanner("offline"); }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    if (event.detail.elt !== form || !xhr.chisoSent || xhr.status === 0) return;
    const loggedOut = new URL(xhr.responseURL || location.href).pathname === "/login";
    if (xhr.status < 200 || xhr.status >= 300 || loggedOut) {
      stale = true;
      showBanner(xhr.status === 401 || xhr.status === 403 || loggedOut ? "login" : "offline");
      return;
    }
    if (banner) banner.hidden = true;
    const answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const refused = new Map();
    answer.querySelectorAll(".problem[data-field]").forEach((p) => {
      if (!refused.has(p.dataset.field)) refused.set(p.dataset.field, [p.dataset.column, p.dataset.message]);
    });
    const codes = new Set(names.map((name) => name.split("__")[0]));
    codes.forEach((code) => {
      unmark(code);
      if (refused.has(code)) mark(code, ...refused.get(code));
    });
    xhr.chisoSent.forEach((value, name) => {
      const code = name.split("__")[0];
      if (refused.has(code)) {
        if (value !== onServer.get(name)) store.set(name, { ...store.get(name), v: value, base: onServer.get(name), t: Date.now(), bad: refused.get(code) });
        return;
      }
      onServer.set(name, value);
      if (current(name) === value) store.drop(name);
    });
  });

  // On load: values typed here but never saved come back (with their mark) and are saved again, unless
  // the server's value changed since they were typed (someone saved a newer one).
  let restored = 0;
  for (let i = localStorage.length - 1; i >= 0; i -= 1) {
    const key = localStorage.key(i);
    if (!key || !key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const entry = store.get(name);
    if (!entry || !onServer.has(name) || entry.v === onServer.get(name) || entry.base !== onServer.get(name)) {
      store.drop(name);
      continue;
    }
    form.elements.namedItem(name).value = entry.v;
    if (entry.bad) mark(name.split("__")[0], ...entry.bad);
    restored += 1;
  }
  // htmx starts listening once the document is loaded (after this deferred script): save after that.
  const afterLoad = (fn) => (document.readyState === "loading"
    ? document.addEventListener("DOMContentLoaded", () => setTimeout(fn, 0)) : setTimeout(fn, 0));
  if (restored) afterLoad(saveNow);
})();

// Phone: the menu is one row that scrolls sideways; bring the current page's item into view.
(() => {
  const current = document.querySelector('header.site nav a[aria-current="page"]');
  const row = current && current.closest("ul");
  if (row && row.scrollWidth > row.clientWidth) {
    row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  }
})();
