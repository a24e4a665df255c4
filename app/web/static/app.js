// The notes page: reads and writes notes through the JSON API under /api/notes.
// Text from the API is only ever set with textContent, never parsed as HTML.
"use strict";

const API = "/api/notes";

async function apiError(response) {
  try {
    const body = await response.json();
    return body.error.message;
  } catch {
    return `request failed (${response.status})`;
  }
}

function renderNote(note) {
  const item = document.createElement("li");
  const title = document.createElement("h3");
  title.textContent = note.title;
  const body = document.createElement("p");
  body.textContent = note.body;
  const meta = document.createElement("small");
  meta.textContent = `#${note.id} · ${new Date(note.createdAt).toLocaleString()} · release ${note.version}`;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "Delete";
  remove.addEventListener("click", async () => {
    const response = await fetch(`${API}/${note.id}`, { method: "DELETE" });
    if (response.ok || response.status === 404) {
      await loadNotes();
    }
  });
  item.append(title, body, meta, remove);
  return item;
}

// The API answers a page at a time, newest first; `next` is the URL of the older page.
let nextPage = null;

async function fetchPage(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    return null;
  }
  return response.json();
}

function showPage(page, append) {
  const list = document.getElementById("notes");
  const items = page.notes.map(renderNote);
  if (append) {
    list.append(...items);
  } else {
    list.replaceChildren(...items);
  }
  nextPage = page.next;
  document.getElementById("more").hidden = nextPage === null;
  document.getElementById("empty").hidden = list.children.length > 0;
}

async function loadNotes() {
  const page = await fetchPage(API);
  if (page !== null) {
    showPage(page, false);
  }
}

async function loadOlderNotes() {
  if (nextPage === null) {
    return;
  }
  const page = await fetchPage(nextPage);
  if (page !== null) {
    showPage(page, true);
  }
}

async function postNote(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("form-error");
  const response = await fetch(API, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    // By id, not form.title: that is the form element's own title attribute.
    body: JSON.stringify({
      title: document.getElementById("title").value,
      body: document.getElementById("body").value,
    }),
  });
  if (response.ok) {
    form.reset();
    error.hidden = true;
    await loadNotes();
  } else {
    error.textContent = await apiError(response);
    error.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("note-form").addEventListener("submit", postNote);
  document.getElementById("more").addEventListener("click", loadOlderNotes);
  loadNotes();
});
