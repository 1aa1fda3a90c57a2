// chiso's own page behaviours, no framework: a form with data-confirm asks first; a form with
// data-once disables its buttons while the request is in flight (no double submit on a slow line).
//
// Forms answer in place (issue 10, defect 6): a POST form that htmx does not drive is sent with fetch
// (header X-Chiso-Form, so a refusal comes back in the one JSON error shape). A refusal is shown inside
// the form, each problem beside its field, and everything typed stays (chosen files too, the page never
// leaves); a success follows the server's redirect and shows the form's data-done message there. A file
// over the input's data-max-bytes is refused before it is sent. Without this script the server's own
// error page answers.
(() => {
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const both = (vi, en) => (vi === en || !en ? vi : lang === "en" ? `${en} / ${vi}` : `${vi} / ${en}`);
  const DONE = "chiso:done";
  const ANCHOR = "chiso:anchor";
  // A form drawn apart from its controls (form="..." attributes) names where its errors go.
  const host = (form) => (form.dataset.errorsIn && document.getElementById(form.dataset.errorsIn)) || form;
  const clearErrors = (form) => {
    host(form).querySelectorAll(".form-error, .form-field-error").forEach((el) => el.remove());
    [...form.elements].forEach((el) => {
      el.removeAttribute("aria-invalid");
      const next = (el.closest("label") || el).nextElementSibling;
      if (next && next.classList.contains("form-field-error")) next.remove();
    });
  };
  const note = (text, cls) => {
    const el = document.createElement(cls === "form-error" ? "div" : "p");
    el.className = cls === "form-error" ? "flash error form-error" : "field-error form-field-error";
    el.setAttribute("role", "alert");
    el.textContent = text;
    return el;
  };
  const showErrors = (form, message, problems) => {
    clearErrors(form);
    const box = note(message, "form-error");
    const unplaced = [];
    (problems || []).forEach((p) => {
      const text = both(p.message_vi || p.text || "", p.message_en || "");
      const field = p.field && form.elements.namedItem(p.field);
      const input = field instanceof RadioNodeList ? field[0] : field;
      if (input && input.type !== "hidden") {
        input.setAttribute("aria-invalid", "true");
        (input.closest("label") || input).after(note(text, "field"));
      } else if (text && !message.includes(p.message_vi || "\u0000")) unplaced.push(p.file ? `${p.file}: ${text}` : text);
    });
    if (unplaced.length) {
      const list = document.createElement("ul");
      unplaced.forEach((t) => { const li = document.createElement("li"); li.textContent = t; list.append(li); });
      box.append(list);
    }
    const where = host(form);
    const first = [...where.children].find((el) => !(el instanceof HTMLInputElement && el.type === "hidden"));
    where.insertBefore(box, first || null);
    box.scrollIntoView({ block: "nearest" });
  };
  // The limit is per request: the files of one form together must stay under it.
  const tooBig = (form) => {
    for (const input of [...form.elements].filter((el) => el.type === "file" && el.dataset.maxBytes)) {
      const files = [...(input.files || [])];
      if (files.reduce((sum, f) => sum + f.size, 0) > Number(input.dataset.maxBytes)) {
        return `${files.map((f) => f.name).join(", ")}: ${input.dataset.tooLarge}`;
      }
    }
    return null;
  };
  const checkSize = (input) => {
    const form = input.form;
    if (!form || input.type !== "file" || !input.dataset.maxBytes) return;
    const problem = tooBig(form);
    if (problem) showErrors(form, problem, []); else clearErrors(form);
  };
  document.addEventListener("change", (event) => { if (event.target instanceof HTMLInputElement) checkSize(event.target); });

  // Forms whose answer is a page of its own (an import report, a PDF or the form re-drawn by the server,
  // a password reset) keep the browser's submission, as do forms marked data-navigate.
  const PAGE_ANSWERS = [/^\/agencies\/import$/, /^\/rankings\/[^/]+\/report$/, /\/reset(\/|$)/,
    // the framework editor and import, the period opening check, the values import check and a publish
    // that asks to confirm an identical correction answer with the page re-drawn by the server
    /^\/frameworks(\/|$)/, /^\/workbench\//, /\/import\/check$/, /\/ranking-preview\/publish$/];
  const answersWithPage = (form) => PAGE_ANSWERS.some((re) => re.test(new URL(form.action, location.href).pathname));
  const handled = (form) => (form.method || "").toLowerCase() === "post" && form.dataset.navigate === undefined
    && !answersWithPage(form)
    && !form.target && !["hx-post", "hx-put", "hx-get", "data-hx-post"].some((a) => form.hasAttribute(a));
  const setBusy = (form, busy) => form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => {
    b.disabled = busy;
    if (busy) b.setAttribute("aria-busy", "true"); else b.removeAttribute("aria-busy");
  });
  const go = (url, anchor) => {
    const target = new URL(url, location.href);
    if (anchor && !target.hash) target.hash = anchor;
    const here = new URL(location.href);
    if (target.pathname + target.search !== here.pathname + here.search) {
      location.assign(target.href);
      return;
    }
    // Back to this page: load it again. Its new anchor is set once the new page is there: a history change
    // before the reload would be a navigation of the old page, reported while the old page is still shown.
    if (target.hash !== here.hash) {
      sessionStorage.setItem(ANCHOR, target.hash);
      history.scrollRestoration = "manual"; // the new page scrolls to the anchor, not back to here
    }
    location.reload();
  };

  const send = async (form, submitter) => {
    const body = new FormData(form, submitter && submitter.name ? submitter : undefined);
    let answer;
    try {
      answer = await fetch(form.action, {
        method: "POST", body, credentials: "same-origin", headers: { "X-Chiso-Form": "1", Accept: "text/html" },
      });
    } catch {
      const big = tooBig(form);
      showErrors(form, big || both("Không gửi được: mất kết nối. Giá trị đã nhập vẫn còn; hãy thử lại.",
        "Not sent: the connection was lost. What you typed is still here; try again."), []);
      return;
    }
    const type = answer.headers.get("content-type") || "";
    if (answer.ok && answer.redirected) {
      if (form.dataset.done) sessionStorage.setItem(DONE, form.dataset.done);
      go(answer.url, form.dataset.anchor || form.closest("fieldset[id]")?.id);
      return;
    }
    if (!answer.ok && type.includes("application/json")) {
      const payload = await answer.json().catch(() => ({}));
      const head = payload.errors && payload.errors.length && payload.errors[0].message_vi && !payload.errors[0].field
        && !payload.errors[0].file ? both(payload.errors[0].message_vi, payload.errors[0].message_en)
        : (payload.error || `HTTP ${answer.status}`).split("\n")[0];
      showErrors(form, head, (payload.errors || []).filter((p) => p.field || p.file));
      return;
    }
    const disposition = answer.headers.get("content-disposition") || "";
    if (answer.ok && disposition.startsWith("attachment")) { // a download: save it, stay here
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await answer.blob());
      link.download = decodeURIComponent((disposition.match(/filename\*=UTF-8''([^;]+)/) || [])[1] || "")
        || (disposition.match(/filename="?([^";]+)/) || [])[1] || "download";
      link.click();
      return;
    }
    // Any other answer is a whole page (a report, a page re-drawn with its errors): show it as the browser would.
    const html = await answer.text();
    history.replaceState(null, "", answer.url);
    document.open();
    document.write(html);
    document.close();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!handled(form)) {
      if (form.dataset.once !== undefined) setBusy(form, true);
      return;
    }
    event.preventDefault();
    const big = tooBig(form);
    if (big) { showErrors(form, big, []); return; }
    setBusy(form, true);
    send(form, event.submitter).finally(() => setBusy(form, false));
  });

  // The anchor of the page an action led back to (see `go`), then the message of the action just done.
  const anchor = sessionStorage.getItem(ANCHOR);
  if (anchor !== null) {
    sessionStorage.removeItem(ANCHOR);
    history.replaceState(null, "", anchor || location.pathname + location.search);
    if (anchor) document.getElementById(decodeURIComponent(anchor.slice(1)))?.scrollIntoView();
    // the browser puts back the old scroll position at load unless told not to: give it back after that
    addEventListener("load", () => setTimeout(() => { history.scrollRestoration = "auto"; }));
  }
  const done = sessionStorage.getItem(DONE);
  if (done) {
    sessionStorage.removeItem(DONE);
    const main = document.getElementById("main");
    const box = document.createElement("p");
    box.className = "flash ok";
    box.id = "done";
    box.setAttribute("role", "status");
    box.textContent = done;
    const anchor = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const legend = anchor && anchor.querySelector("legend");
    if (legend) legend.after(box); else if (anchor) anchor.prepend(box); else main?.prepend(box);
    box.scrollIntoView({ block: "nearest" });
  }
})();

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
  const editable = (el) => el.name.includes("__") && el.type !== "hidden" && !el.readOnly && !el.disabled;
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

  const known = (event) => onServer.has(event.target.name);
  form.addEventListener("input", (event) => { if (known(event)) remember(event.target.name); });
  form.addEventListener("change", (event) => { if (known(event)) remember(event.target.name); });

  // Two tabs (or two people) on one form: each value carries the version the page showed
  // (<code>__version); only the criteria changed here are sent, so a save never carries another tab's
  // old text back. A value changed elsewhere since is refused by the server and shown here with the
  // other text, until the user keeps one: theirs (put in the field) or mine (sent again as the newer).
  const codeOf = (name) => name.split("__")[0];
  const held = new Set(); // criteria waiting for the user's choice
  const dirty = (code) => names.some((name) => codeOf(name) === code && current(name) !== onServer.get(name));
  const versionBox = (code) => form.elements.namedItem(`${code}__version`);
  const resolve = (code, keep, data) => {
    held.delete(code);
    document.getElementById(code)?.querySelector(".conflict")?.remove();
    versionBox(code).value = data.version;
    if (keep === "theirs") {
      Object.entries(data.theirs).forEach(([name, value]) => {
        const field = form.elements.namedItem(name);
        if (!field) return;
        if (field instanceof RadioNodeList) field.forEach((r) => { r.checked = r.value === value; });
        else field.value = value;
        onServer.set(name, value);
        store.drop(name);
      });
    }
    saveNow();
  };
  const showConflict = (code, data) => {
    const fieldset = document.getElementById(code);
    if (!fieldset) return;
    held.add(code);
    fieldset.querySelector(".conflict")?.remove();
    const box = document.createElement("div");
    box.className = "flash error conflict";
    box.setAttribute("role", "alert");
    const who = [data.who, data.when].filter(Boolean).join(", ");
    const text = Object.values(data.theirs).filter((v) => v !== "").join(" · ") || "—";
    const head = document.createElement("p");
    head.textContent = `Tiêu chí này vừa được lưu ở nơi khác${who ? ` (${who})` : ""} / Saved elsewhere meanwhile: `;
    const other = document.createElement("strong");
    other.className = "theirs";
    other.textContent = text;
    head.append(other);
    const ask = document.createElement("p");
    ask.textContent = "Giữ bản nào? / Keep which one? ";
    [["mine", "Giữ của tôi / Keep mine"], ["theirs", "Giữ bản kia / Keep theirs"]].forEach(([keep, label]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.keep = keep;
      button.textContent = label;
      button.addEventListener("click", () => resolve(code, keep, data));
      ask.append(button, " ");
    });
    box.append(head, ask);
    (fieldset.querySelector(`#${CSS.escape(code)}-error`) || fieldset.lastElementChild).before(box);
  };
  document.getElementById("save-again")?.addEventListener("click", () => { stale = true; retry(); });
  window.addEventListener("focus", retry);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) retry(); });

  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt !== form) return;
    event.detail.headers["X-CSRF-Token"] = token;
    // Computed criteria are shown read-only and never typed: sending them only earns a refusal.
    form.querySelectorAll("input[readonly][name]").forEach((el) => event.detail.parameters.delete(el.name));
    // Only the criteria typed here (each with its version); those waiting for a choice stay.
    [...event.detail.parameters.keys()].forEach((name) => {
      if (!name.includes("__")) return;
      const code = codeOf(name);
      if (held.has(code) || !dirty(code)) event.detail.parameters.delete(name);
    });
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    if (stale) { event.preventDefault(); retry(); return; }
    const sent = names.filter((name) => !held.has(codeOf(name)) && dirty(codeOf(name)));
    event.detail.xhr.chisoSent = new Map(sent.map((name) => [name, current(name)]));
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
      if (held.has(code)) return;
      unmark(code);
      if (refused.has(code)) mark(code, ...refused.get(code));
    });
    const elsewhere = new Map();
    answer.querySelectorAll(".conflict-data[data-field]").forEach((c) => {
      elsewhere.set(c.dataset.field, { ...c.dataset, theirs: JSON.parse(c.dataset.theirs || "{}") });
    });
    const versions = JSON.parse(answer.querySelector(".versions")?.dataset.versions || "{}");
    elsewhere.forEach((data, code) => showConflict(code, data));
    xhr.chisoSent.forEach((value, name) => {
      const code = name.split("__")[0];
      if (elsewhere.has(code)) return;
      if (!refused.has(code) && code in versions && versionBox(code)) versionBox(code).value = versions[code];
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

// The framework editor's live check (form#fw-editor): each change posts the form to /check and htmx
// swaps in the editor re-drawn by the server with the values it was sent. An answer that comes back
// after the user typed on would put the old values back over the new ones (and a Save clicked then
// would send them), so it is swapped in only while the form still holds what it sent; the next change
// checks again. Nor is one swapped in while a button of the editor is held down (the swap would
// replace the Save button between press and release, and the click would be lost; the form is
// checked again on release) or once the save is sent (the page is leaving).
(() => {
  const editor = () => document.getElementById("fw-editor");
  const valuesOf = (form) => new URLSearchParams(new FormData(form)).toString();
  const sent = new WeakMap(); // a check's request -> the editor's values when it was sent
  let saving = false;
  let pressed = false; // a button of the editor is held down
  let held = false; // an answer came while it was: check again on release
  const ours = (event) => {
    const form = editor();
    return form && event.detail.target === form ? form : null;
  };
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = ours(event);
    if (form) sent.set(event.detail.xhr, valuesOf(form));
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = ours(event);
    if (!form || !sent.has(event.detail.xhr) || !event.detail.shouldSwap) return;
    if (saving || pressed || sent.get(event.detail.xhr) !== valuesOf(form)) event.detail.shouldSwap = false;
    if (pressed) held = true;
  });
  document.addEventListener("pointerdown", (event) => {
    const form = editor();
    if (form && event.target instanceof Element && form.contains(event.target.closest("button"))) pressed = true;
  }, true);
  const release = () => {
    if (!pressed) return;
    pressed = false;
    // after the click (and the submit it may start), which follow the release in the same task
    setTimeout(() => {
      const form = editor();
      if (held && !saving && form && window.htmx) window.htmx.trigger(form, "change");
      held = false;
    }, 0);
  };
  document.addEventListener("pointerup", release, true);
  document.addEventListener("pointercancel", release, true);
  document.addEventListener("submit", (event) => {
    if (event.target === editor() && !event.defaultPrevented) saving = true;
  });
  // typing again means the save did not leave (stopped), as does coming back to this page from history
  document.addEventListener("input", (event) => { if (editor()?.contains(event.target)) saving = false; });
  window.addEventListener("pageshow", () => { saving = false; });
})();

// Phone: the menu is one row that scrolls sideways; bring the current page's item into view.
(() => {
  const current = document.querySelector('header.site nav a[aria-current="page"]');
  const row = current && current.closest("ul");
  if (row && row.scrollWidth > row.clientWidth) {
    row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  }
})();

// The grouped menu: one drop-down open at a time; a click elsewhere or Escape closes it.
(() => {
  const menus = [...document.querySelectorAll("nav .navmenu details")];
  if (!menus.length) return;
  const closeAll = (except) => menus.forEach((d) => { if (d !== except) d.open = false; });
  menus.forEach((d) => d.addEventListener("toggle", () => { if (d.open) closeAll(d); }));
  document.addEventListener("click", (event) => {
    if (!event.target.closest("nav .navmenu")) closeAll(null);
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeAll(null); });
})();
